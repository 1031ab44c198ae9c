//! What a rule does when it fires: its actions as written, and the effects (notes, mail,
//! webhooks) it asks for, which are done after the ticket is written.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::domain::contact::EmailAddress;
use crate::domain::ids::AgentId;
use crate::domain::team::DepartmentId;
use crate::domain::template_library::TemplateName;
use crate::domain::ticket::{Priority, Status, SupportLevel, Tag, TicketType};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AssignStrategy {
    /// The agent named.
    Agent,
    /// The next active agent of the ticket's department, in turn.
    RoundRobin,
    /// The active agent of the department with the fewest unsolved tickets, below their max.
    LeastLoaded,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Recipient {
    Requester,
    Assignee,
    DepartmentLead,
    Address,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "do", rename_all = "snake_case", deny_unknown_fields)]
pub enum RuleAction {
    SetDepartment {
        department: DepartmentId,
    },
    Assign {
        strategy: AssignStrategy,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        agent: Option<AgentId>,
    },
    SetPriority {
        priority: Priority,
    },
    SetStatus {
        status: Status,
    },
    SetType {
        #[serde(rename = "type")]
        ticket_type: TicketType,
    },
    SetSupportLevel {
        level: SupportLevel,
    },
    AddTags {
        tags: BTreeSet<Tag>,
    },
    RemoveTags {
        tags: BTreeSet<Tag>,
    },
    MarkSpam,
    AddNote {
        body: String,
    },
    SendEmail {
        template: TemplateName,
        to: Recipient,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        address: Option<EmailAddress>,
    },
    /// Up one support level, and the department lead is told (with the `escalated` template
    /// unless another is named, e.g. `sla_breached`).
    Escalate {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        template: Option<TemplateName>,
    },
    /// A JSON POST of the ticket, signed with HMAC-SHA256 under `secret` (see
    /// `adapters::webhook`).
    Webhook {
        url: String,
        secret: String,
    },
}

/// A side effect a rule asks for, done after the ticket is written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Effect {
    Note {
        body: String,
    },
    Email {
        template: TemplateName,
        to: Recipient,
        address: Option<String>,
    },
    Webhook {
        url: String,
        /// Not shown in a dry run's answer.
        #[serde(skip_serializing)]
        secret: String,
    },
}

pub(super) fn action_name(action: &RuleAction) -> String {
    serde_json::to_value(action)
        .ok()
        .and_then(|v| v.get("do").and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_default()
}
