//! The facts conditions read besides the ticket (the event's message, the contact's language,
//! the time), and what each condition field holds for a ticket and its event.

use serde_json::{Value, json};

use crate::domain::calendar::BusinessCalendar;
use crate::domain::ticket::Ticket;
use crate::domain::time::Timestamp;

/// The message that came with the event, as conditions see it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MessageFacts {
    pub body: String,
    pub sender: Option<String>,
    /// The support address it was sent to (mail), or the form.
    pub recipients: Vec<String>,
    pub automated: bool,
}

/// Everything conditions read besides the ticket.
#[derive(Debug, Clone, PartialEq)]
pub struct Facts {
    pub message: Option<MessageFacts>,
    pub language: Option<String>,
    pub now: Timestamp,
    /// The ticket's business calendar (its department's, else the desk's).
    pub calendar: BusinessCalendar,
}

/// What a field holds for a ticket and its event, as JSON.
pub(super) fn actual(field: &str, ticket: &Ticket, facts: &Facts) -> Value {
    let hours_since = |at: Timestamp| {
        let ms = facts.now.timestamp_millis() - at.timestamp_millis();
        json!(ms as f64 / 3_600_000.0)
    };
    let message = facts.message.as_ref();
    match field {
        "subject" => json!(ticket.subject),
        "body" => json!(message.map(|m| m.body.as_str())),
        "sender_email" => json!(message.and_then(|m| m.sender.as_deref())),
        "sender_domain" => json!(
            message
                .and_then(|m| m.sender.as_deref())
                .and_then(|s| s.rsplit_once('@'))
                .map(|(_, d)| d.to_ascii_lowercase())
        ),
        "recipient" => json!(message.map(|m| m.recipients.clone()).unwrap_or_default()),
        "automated" => json!(message.is_some_and(|m| m.automated)),
        "language" => json!(facts.language),
        "channel" => json!(ticket.channel),
        "department" => json!(ticket.department),
        "priority" => json!(ticket.priority),
        "status" => json!(ticket.status),
        "type" => json!(ticket.ticket_type),
        "assignee" => json!(ticket.assignee),
        "support_level" => json!(ticket.support_level),
        "tags" => json!(ticket.tags),
        "requester_groups" => json!(ticket.requester_groups),
        "hours_since_created" => hours_since(ticket.created_at),
        "hours_since_updated" => hours_since(ticket.updated_at),
        "hours_since_resolved" => ticket.resolved_at.map(hours_since).unwrap_or(Value::Null),
        "first_response" => json!(ticket.first_response_at),
        "business_hours" => json!(facts.calendar.contains(facts.now)),
        "csat_rating" => json!(ticket.satisfaction.as_ref().map(|s| s.rating)),
        "csat_comment" => json!(
            ticket
                .satisfaction
                .as_ref()
                .and_then(|s| s.comment.as_ref())
                .map(|c| c.as_str())
        ),
        custom => custom
            .strip_prefix("custom.")
            .and_then(|key| ticket.custom_fields.get(key))
            .cloned()
            .unwrap_or(Value::Null),
    }
}
