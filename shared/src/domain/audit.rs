//! The audit trail: an append-only record of every change, written in the same transaction as
//! the change. Each audit event is also the event published on the bus.

use serde::{Deserialize, Serialize};

use super::ids::{ContactId, EventId, MessageId, RuleId, TicketId, TicketNumber};
use super::team::Role;
use super::ticket::{FieldChange, TicketPointer};
use super::time::Timestamp;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EventType {
    #[serde(rename = "ticket.created")]
    TicketCreated,
    #[serde(rename = "ticket.updated")]
    TicketUpdated,
    #[serde(rename = "message.customer")]
    CustomerReplied,
    #[serde(rename = "message.agent_reply")]
    AgentReplied,
    #[serde(rename = "message.note")]
    NoteAdded,
    /// On the target: another ticket was merged into this one.
    #[serde(rename = "ticket.merged")]
    TicketMerged,
    /// On the source: this ticket was merged into another and closed.
    #[serde(rename = "ticket.merged_into")]
    TicketMergedInto,
    /// The SLA policy that applies changed (or the targets it sets); `reason` says why.
    #[serde(rename = "sla.applied")]
    SlaApplied,
    /// A clock passed its warning point.
    #[serde(rename = "sla.warning")]
    SlaWarning,
    /// A clock passed its due time unmet.
    #[serde(rename = "sla.breached")]
    SlaBreached,
    /// The requester rated the ticket (`satisfaction` in the changes).
    #[serde(rename = "csat.received")]
    CsatReceived,
    /// A person's data was erased from the ticket (docs/privacy.md); `reason` says why.
    #[serde(rename = "privacy.erased")]
    PrivacyErased,
}

impl EventType {
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::TicketCreated => "ticket.created",
            EventType::TicketUpdated => "ticket.updated",
            EventType::CustomerReplied => "message.customer",
            EventType::AgentReplied => "message.agent_reply",
            EventType::NoteAdded => "message.note",
            EventType::TicketMerged => "ticket.merged",
            EventType::TicketMergedInto => "ticket.merged_into",
            EventType::SlaApplied => "sla.applied",
            EventType::SlaWarning => "sla.warning",
            EventType::SlaBreached => "sla.breached",
            EventType::CsatReceived => "csat.received",
            EventType::PrivacyErased => "privacy.erased",
        }
    }
}

/// Who caused an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Actor {
    /// A signed-in agent, manager or admin; `subject` is the token's `sub`.
    Agent {
        subject: String,
        role: Role,
    },
    Customer {
        contact_id: ContactId,
    },
    /// Lambdesk itself; `cause` names what (the SLA sweep, a rule chain cut short, ...).
    System {
        cause: String,
    },
    /// An automation rule. `depth` counts the rule changes that led here: a change a person
    /// or customer made is 0, a rule reacting to it makes 1, a rule reacting to that 2.
    Rule {
        rule_id: RuleId,
        name: String,
        depth: u8,
    },
}

impl Actor {
    /// The customer, by their contact.
    pub fn customer(contact: ContactId) -> Self {
        Self::Customer { contact_id: contact }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEvent {
    pub id: EventId,
    #[serde(rename = "type")]
    pub event_type: EventType,
    pub ticket_id: TicketId,
    pub ticket_number: TicketNumber,
    pub actor: Actor,
    pub at: Timestamp,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<FieldChange>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<MessageId>,
    /// For merges: the other ticket.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub related: Option<TicketPointer>,
    /// Set on copies carried over by a merge: the ticket the event first belonged to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carried_from: Option<TicketId>,
    /// Why, where the change itself does not say (what re-selected the SLA policy).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}
