//! The published event contract: what every consumer of the ticket event bus receives about a
//! change to a ticket. One versioned type; `docs/events.md` is its description.
//!
//! The version rule: fields may be added within a version (consumers ignore what they do not
//! know); renaming, removing or changing the meaning of a field makes the next version, and a
//! consumer refuses a version it does not know rather than misread it.

use serde::{Deserialize, Serialize};

use super::audit::{Actor, AuditEvent, EventType};
use super::ids::{AgentId, EventId, MessageId, TicketId, TicketNumber};
use super::sla::{ClockState, SlaTarget};
use super::team::DepartmentId;
use super::ticket::{Channel, FieldChange, Priority, Status, Ticket, TicketPointer};
use super::time::Timestamp;

/// The contract's version this code writes and reads.
pub const TICKET_EVENT_VERSION: u32 = 1;

/// Something that happened to a ticket, as published on the bus.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketEvent {
    /// The contract's version ([`TICKET_EVENT_VERSION`]). Events stored before the contract
    /// named its version are version 1.
    #[serde(default = "first_version")]
    pub version: u32,
    /// Stable across redeliveries: consumers dedupe on it (with the action they take).
    pub id: EventId,
    #[serde(rename = "type")]
    pub event_type: EventType,
    pub ticket_id: TicketId,
    pub ticket_number: TicketNumber,
    pub actor: Actor,
    pub at: Timestamp,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<FieldChange>,
    /// The message a `message.*` event is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<MessageId>,
    /// For merges: the other ticket.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub related: Option<TicketPointer>,
    /// The ticket as the change left it (added within version 1 for the metrics consumer,
    /// which groups and times each event by it); absent on events stored before it existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket: Option<TicketFacts>,
}

/// What a report needs to know of the ticket after a change: how to group the event
/// (department, channel, priority, assignee) and how to time it (creation, first response,
/// the SLA clocks' use in their own kind of time).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketFacts {
    pub status: Status,
    pub priority: Priority,
    pub channel: Channel,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<DepartmentId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee: Option<AgentId>,
    pub created_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_response_at: Option<Timestamp>,
    /// The SLA clocks, one per target the ticket's policy measures.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sla: Vec<ClockFacts>,
}

/// One SLA clock as a report reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClockFacts {
    pub target: SlaTarget,
    /// Whether `used_seconds` are business seconds (by the policy's calendar).
    pub business_time: bool,
    /// Seconds used while not running (all of them once met).
    pub used_seconds: i64,
    pub state: ClockState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub met_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub breached_at: Option<Timestamp>,
}

impl From<&Ticket> for TicketFacts {
    fn from(ticket: &Ticket) -> Self {
        Self {
            status: ticket.status,
            priority: ticket.priority,
            channel: ticket.channel,
            department: ticket.department.clone(),
            assignee: ticket.assignee,
            created_at: ticket.created_at,
            first_response_at: ticket.first_response_at,
            sla: ticket
                .sla
                .iter()
                .flat_map(|sla| sla.clocks.iter())
                .map(|c| ClockFacts {
                    target: c.target,
                    business_time: c.business_time,
                    used_seconds: c.used_seconds,
                    state: c.state,
                    met_at: c.met_at,
                    breached_at: c.breached_at,
                })
                .collect(),
        }
    }
}

fn first_version() -> u32 {
    1
}

impl From<&AuditEvent> for TicketEvent {
    fn from(event: &AuditEvent) -> Self {
        Self {
            version: TICKET_EVENT_VERSION,
            id: event.id,
            event_type: event.event_type,
            ticket_id: event.ticket_id,
            ticket_number: event.ticket_number,
            actor: event.actor.clone(),
            at: event.at,
            changes: event.changes.clone(),
            message_id: event.message_id,
            related: event.related,
            ticket: None,
        }
    }
}

impl From<AuditEvent> for TicketEvent {
    fn from(event: AuditEvent) -> Self {
        Self::from(&event)
    }
}

impl From<&TicketEvent> for TicketEvent {
    fn from(event: &TicketEvent) -> Self {
        event.clone()
    }
}

/// The JSON an audit item keeps (and the stream carries to the pipe): the audit event with the
/// contract's `version`, so the text the bus delivers is a [`TicketEvent`] as it stands.
pub fn stored_json(event: &AuditEvent) -> Result<String, serde_json::Error> {
    stored_json_with(event, None)
}

/// [`stored_json`] with the ticket as the change left it (`ticket` in the contract).
pub fn stored_json_with(event: &AuditEvent, ticket: Option<&TicketFacts>) -> Result<String, serde_json::Error> {
    #[derive(Serialize)]
    struct Stored<'a> {
        version: u32,
        #[serde(flatten)]
        event: &'a AuditEvent,
        #[serde(skip_serializing_if = "Option::is_none")]
        ticket: Option<&'a TicketFacts>,
    }
    serde_json::to_string(&Stored {
        version: TICKET_EVENT_VERSION,
        event,
        ticket,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn audit() -> AuditEvent {
        let at = Timestamp::parse("2026-11-23T09:00:00Z").unwrap();
        AuditEvent {
            id: EventId::generate(at),
            event_type: EventType::TicketCreated,
            ticket_id: TicketId::generate(at),
            ticket_number: TicketNumber::new(1001),
            actor: Actor::System { cause: "test".into() },
            at,
            changes: vec![],
            message_id: None,
            related: None,
            carried_from: None,
            reason: None,
        }
    }

    #[test]
    fn the_stored_text_is_a_ticket_event_of_this_version_and_still_an_audit_event() {
        let event = audit();
        let text = stored_json(&event).unwrap();
        let published: TicketEvent = serde_json::from_str(&text).unwrap();
        assert_eq!(published, TicketEvent::from(&event));
        assert_eq!(published.version, TICKET_EVENT_VERSION);
        let back: AuditEvent = serde_json::from_str(&text).unwrap();
        assert_eq!(back, event);
    }

    #[test]
    fn text_without_a_version_is_version_one() {
        let text = serde_json::to_string(&audit()).unwrap();
        let published: TicketEvent = serde_json::from_str(&text).unwrap();
        assert_eq!(published.version, 1);
    }
}
