//! The ticket fields a change can touch, and one field's change as the audit trail records it.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A ticket field a change can touch, as audit events and rule triggers name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketField {
    Subject,
    Status,
    Priority,
    #[serde(rename = "type")]
    Type,
    Department,
    Assignee,
    SupportLevel,
    Tags,
    Cc,
    CustomFields,
    MergedInto,
    /// The SLA policy that applies (by name).
    SlaPolicy,
    /// An SLA clock's state (`running` → `warning` → `breached`).
    SlaFirstResponse,
    SlaNextResponse,
    SlaResolution,
    /// The requester's rating (`csat.received`).
    Satisfaction,
    /// The requester's groups, copied from their contact.
    RequesterGroups,
}

impl TicketField {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Subject => "subject",
            Self::Status => "status",
            Self::Priority => "priority",
            Self::Type => "type",
            Self::Department => "department",
            Self::Assignee => "assignee",
            Self::SupportLevel => "support_level",
            Self::Tags => "tags",
            Self::Cc => "cc",
            Self::CustomFields => "custom_fields",
            Self::MergedInto => "merged_into",
            Self::SlaPolicy => "sla_policy",
            Self::SlaFirstResponse => "sla_first_response",
            Self::SlaNextResponse => "sla_next_response",
            Self::SlaResolution => "sla_resolution",
            Self::Satisfaction => "satisfaction",
            Self::RequesterGroups => "requester_groups",
        }
    }
}

impl fmt::Display for TicketField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One field's before and after, as recorded in the audit trail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldChange {
    pub field: TicketField,
    pub from: Value,
    pub to: Value,
}

impl FieldChange {
    pub fn new(field: TicketField, from: impl Serialize, to: impl Serialize) -> Self {
        Self {
            field,
            from: serde_json::to_value(from).unwrap_or(Value::Null),
            to: serde_json::to_value(to).unwrap_or(Value::Null),
        }
    }
}
