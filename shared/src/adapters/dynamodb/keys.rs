//! Key layout of the single table (see docs/data-model.md). Nothing outside this adapter
//! knows these strings.

use crate::domain::calendar::CalendarId;
use crate::domain::template_library::TemplateName;
use crate::domain::{
    AgentId, ContactId, DepartmentId, EmailAddress, EventId, Language, PhoneNumber, RuleId, Ticket, TicketId,
    TicketNumber,
};

pub const PK: &str = "pk";
pub const SK: &str = "sk";

pub fn ticket_pk(id: TicketId) -> String {
    format!("TICKET#{id}")
}
pub const TICKET_SK: &str = "TICKET";
pub const MESSAGE_PREFIX: &str = "MESSAGE#";
pub const EVENT_PREFIX: &str = "EVENT#";

pub fn number_pk(n: TicketNumber) -> String {
    format!("NUMBER#{}", n.value())
}
pub const NUMBER_SK: &str = "NUMBER";

pub const COUNTER_PK: &str = "COUNTER#ticket-number";
pub const COUNTER_SK: &str = "COUNTER";
/// Ticket numbers start after this, so the first ticket is HD-1001.
pub const NUMBER_OFFSET: u64 = 1000;

pub fn contact_pk(id: ContactId) -> String {
    format!("CONTACT#{id}")
}
pub const CONTACT_SK: &str = "CONTACT";
pub fn contact_email_pk(email: &EmailAddress) -> String {
    format!("CONTACT-EMAIL#{}", email.normalized())
}
pub const CONTACT_EMAIL_SK: &str = "CONTACT-EMAIL";
pub fn contact_phone_pk(phone: &PhoneNumber) -> String {
    format!("CONTACT-PHONE#{}", phone.as_str())
}
pub const CONTACT_PHONE_SK: &str = "CONTACT-PHONE";

/// Message-IDs are case-sensitive and kept as sent; only the brackets are gone.
pub fn message_id_pk(message_id: &str) -> String {
    format!("MESSAGE-ID#{message_id}")
}
pub const MESSAGE_ID_SK: &str = "MESSAGE-ID";
pub fn raw_mail_pk(key: &str) -> String {
    format!("RAW-MAIL#{key}")
}
pub const RAW_MAIL_SK: &str = "RAW-MAIL";

pub const DEPARTMENTS_PK: &str = "DEPARTMENTS";
pub fn department_sk(id: &DepartmentId) -> String {
    format!("DEPARTMENT#{id}")
}
pub const AGENTS_PK: &str = "AGENTS";
pub fn agent_sk(id: AgentId) -> String {
    format!("AGENT#{id}")
}
pub fn agent_email_pk(email: &EmailAddress) -> String {
    format!("AGENT-EMAIL#{}", email.normalized())
}
pub const AGENT_EMAIL_SK: &str = "AGENT-EMAIL";
/// An agent's load: how many unsolved tickets they carry, kept by every ticket write.
pub fn agent_load_pk(id: AgentId) -> String {
    format!("AGENT-LOAD#{id}")
}
pub const AGENT_LOAD_SK: &str = "AGENT-LOAD";
/// The counter attribute on the agent-load item.
pub const LOAD: &str = "load";

pub fn rules_applied_pk(event: EventId) -> String {
    format!("RULES-APPLIED#{event}")
}
pub const RULES_APPLIED_SK: &str = "RULES-APPLIED";
pub const RULES_PK: &str = "RULES";
/// Marks that a desk was given its default rules (so deleting them all does not bring them back).
pub const RULES_SEEDED_SK: &str = "SEEDED";
/// The time sweep's pending request to set every open ticket's next look again.
pub const RESCHEDULE_SK: &str = "RESCHEDULE";
pub fn rule_sk(id: RuleId) -> String {
    format!("RULE#{id}")
}

pub const TEMPLATES_PK: &str = "TEMPLATES";
pub const TEMPLATE_PREFIX: &str = "TEMPLATE#";
/// `TEMPLATE#<name>#<language>`: one Query lists all, or one name's languages by prefix.
pub fn template_sk(name: &TemplateName, language: &Language) -> String {
    format!("{TEMPLATE_PREFIX}{name}#{}", language.as_str())
}

pub const CALENDARS_PK: &str = "CALENDARS";
pub const CALENDAR_PREFIX: &str = "CALENDAR#";
pub fn calendar_sk(id: &CalendarId) -> String {
    format!("{CALENDAR_PREFIX}{id}")
}
/// The desk's default calendar: a pointer item in the calendars' partition.
pub const DEFAULT_CALENDAR_SK: &str = "DEFAULT";
/// The attribute on the default pointer naming the calendar.
pub const DEFAULT_CALENDAR_ID: &str = "calendar_id";

/// A secondary index: its name and key attributes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Index {
    pub name: &'static str,
    pub pk: &'static str,
    pub sk: &'static str,
}

pub const BY_STATUS: Index = Index {
    name: "byStatus",
    pk: "status_key",
    sk: "created_sk",
};
pub const BY_DEPARTMENT: Index = Index {
    name: "byDepartment",
    pk: "department_key",
    sk: "created_sk",
};
pub const BY_ASSIGNEE: Index = Index {
    name: "byAssignee",
    pk: "assignee_key",
    sk: "created_sk",
};
pub const BY_REQUESTER: Index = Index {
    name: "byRequester",
    pk: "requester_key",
    sk: "created_sk",
};
pub const BY_MONTH: Index = Index {
    name: "byMonth",
    pk: "month_key",
    sk: "created_sk",
};
pub const BY_URGENCY: Index = Index {
    name: "byUrgency",
    pk: "urgency_key",
    sk: "urgency_sk",
};
pub const UNSOLVED: &str = "UNSOLVED";
/// Tickets the time sweep should look at, by when.
pub const BY_DUE: Index = Index {
    name: "byDue",
    pk: "due_key",
    sk: "due_sk",
};
pub const DUE: &str = "DUE";
/// The due index's partition of tickets by their next SLA warning or due time.
pub const SLA_DUE: &str = "SLA";
/// Unsolved tickets with an SLA, soonest due first and paused ones last.
pub const BY_SLA: Index = Index {
    name: "bySla",
    pk: "sla_key",
    sk: "sla_sk",
};
/// Solved tickets that still hold their requester's personal data, by when they were solved
/// (`<solved at>#<ulid>`): the retention job's cutoff is a key condition.
pub const BY_RETENTION: Index = Index {
    name: "byRetention",
    pk: "retention_key",
    sk: "retention_sk",
};
/// The one partition of `byRetention`.
pub const HELD: &str = "HELD";
/// The ticket item's attribute with its SLA's worst open state (for the `sla` filter).
pub const SLA_STATE: &str = "sla_state";
/// SLA policies: one partition, a policy an item.
pub const SLA_POLICIES_PK: &str = "SLA-POLICIES";
pub const SLA_POLICY_PREFIX: &str = "POLICY#";
/// A ticket's next look: its own item in the ticket's partition (carrying the `byDue` keys),
/// so writes of the whole ticket item leave it alone.
pub const NEXT_LOOK_SK: &str = "NEXT-LOOK";
/// The attribute on the next-look item naming its ticket.
pub const NEXT_LOOK_TICKET: &str = "ticket_id";

pub fn created_sk(ticket: &Ticket) -> String {
    format!("{}#{}", ticket.created_at, ticket.id)
}

/// A ticket's pending survey: its own item in the ticket's partition, on the `byDue` index
/// under its own partition key (the time sweep's `DUE` never sees it).
pub const SURVEY_SK: &str = "SURVEY";
pub const SURVEY_DUE: &str = "SURVEY-DUE";
/// When a contact was last sent a survey.
pub const SURVEYED_SK: &str = "SURVEYED";
/// The ratings given in one month (`YYYY-MM`), one item per ticket.
pub fn ratings_pk(month: &str) -> String {
    format!("RATINGS#{month}")
}
