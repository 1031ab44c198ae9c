//! What wakes a rule: the triggers a rule names, and the happenings (events as rules see them)
//! that match them.

use serde::{Deserialize, Serialize};

use crate::domain::audit::EventType;
use crate::domain::ticket::{Channel, FieldChange, TicketField};

/// What wakes a rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "on", rename_all = "snake_case", deny_unknown_fields)]
pub enum Trigger {
    /// A new ticket; only from these channels when any are named.
    TicketCreated {
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        channels: Vec<Channel>,
    },
    CustomerReplied,
    AgentReplied,
    FieldChanged {
        field: WatchedField,
    },
    /// Emitted by the SLA sweep.
    SlaWarning,
    SlaBreach,
    /// A customer rated the ticket.
    CsatReceived,
    /// The scheduled sweep: for conditions on time ("pending for more than 72 hours").
    Time,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WatchedField {
    Status,
    Priority,
    Department,
    Assignee,
    Tags,
}

impl WatchedField {
    /// The ticket field this watches.
    pub fn field(self) -> TicketField {
        match self {
            Self::Status => TicketField::Status,
            Self::Priority => TicketField::Priority,
            Self::Department => TicketField::Department,
            Self::Assignee => TicketField::Assignee,
            Self::Tags => TicketField::Tags,
        }
    }
}

/// What happened, as rules see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Happening {
    Created(Channel),
    CustomerReplied,
    AgentReplied,
    /// The fields a change touched.
    Changed(Vec<TicketField>),
    SlaWarning,
    SlaBreach,
    CsatReceived,
    Time,
}

impl Happening {
    /// The happening an audit event is, if rules care about it.
    pub fn of(event_type: EventType, channel: Channel, changes: &[FieldChange]) -> Option<Self> {
        Some(match event_type {
            EventType::TicketCreated => Self::Created(channel),
            EventType::CustomerReplied => Self::CustomerReplied,
            EventType::AgentReplied => Self::AgentReplied,
            EventType::CsatReceived => Self::CsatReceived,
            EventType::TicketUpdated if !changes.is_empty() => Self::Changed(changes.iter().map(|c| c.field).collect()),
            EventType::SlaWarning => Self::SlaWarning,
            EventType::SlaBreached => Self::SlaBreach,
            _ => return None,
        })
    }

    /// The happening a trigger stands for on a ticket from `channel` (for a dry run).
    pub fn for_trigger(trigger: &Trigger, channel: Channel) -> Self {
        match trigger {
            Trigger::TicketCreated { .. } => Self::Created(channel),
            Trigger::CustomerReplied => Self::CustomerReplied,
            Trigger::AgentReplied => Self::AgentReplied,
            Trigger::FieldChanged { field } => Self::Changed(vec![field.field()]),
            Trigger::SlaWarning => Self::SlaWarning,
            Trigger::SlaBreach => Self::SlaBreach,
            Trigger::CsatReceived => Self::CsatReceived,
            Trigger::Time => Self::Time,
        }
    }

    pub(super) fn wakes(&self, trigger: &Trigger) -> bool {
        match (self, trigger) {
            (Self::Created(channel), Trigger::TicketCreated { channels }) => {
                channels.is_empty() || channels.contains(channel)
            }
            (Self::CustomerReplied, Trigger::CustomerReplied)
            | (Self::AgentReplied, Trigger::AgentReplied)
            | (Self::SlaWarning, Trigger::SlaWarning)
            | (Self::SlaBreach, Trigger::SlaBreach)
            | (Self::CsatReceived, Trigger::CsatReceived)
            | (Self::Time, Trigger::Time) => true,
            (Self::Changed(fields), Trigger::FieldChanged { field }) => fields.contains(&field.field()),
            _ => false,
        }
    }
}
