//! The ticket: its fields, the status state machine and how a patch changes it.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use super::contact::{Contact, ContactGroup, EmailAddress};
use super::error::DomainError;
use super::ids::{AgentId, ContactId, TicketId, TicketNumber};
use super::satisfaction::Satisfaction;
use super::team::DepartmentId;
use super::time::Timestamp;
use super::version::Version;

mod field;
mod patch;
mod revision;
pub use field::{FieldChange, TicketField};
pub use patch::TicketPatch;
pub use revision::{OnceKey, Revision, TicketWrite};

/// Where a ticket is in its life. See [`Status::check_transition`] for the allowed moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    New,
    Open,
    Pending,
    OnHold,
    Resolved,
    Closed,
    Spam,
}

impl Status {
    pub const ALL: [Status; 7] = [
        Status::New,
        Status::Open,
        Status::Pending,
        Status::OnHold,
        Status::Resolved,
        Status::Closed,
        Status::Spam,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::New => "new",
            Status::Open => "open",
            Status::Pending => "pending",
            Status::OnHold => "on_hold",
            Status::Resolved => "resolved",
            Status::Closed => "closed",
            Status::Spam => "spam",
        }
    }

    pub fn parse(text: &str) -> Result<Self, DomainError> {
        Self::ALL.into_iter().find(|s| s.as_str() == text).ok_or_else(|| {
            DomainError::invalid(
                "status",
                "expected one of new, open, pending, on_hold, resolved, closed, spam",
            )
        })
    }

    /// Waiting on the customer or a third party: SLA clocks stop while in these states.
    pub fn pauses_sla(self) -> bool {
        matches!(self, Status::Pending | Status::OnHold)
    }

    /// Still needs work: the states of the "unsolved" work queue.
    pub fn is_unsolved(self) -> bool {
        matches!(self, Status::New | Status::Open | Status::Pending | Status::OnHold)
    }

    /// Whether `self → to` is allowed, and if not, why not.
    ///
    /// new → open/pending/on_hold/resolved/spam; open/pending/on_hold move among themselves
    /// and to resolved or spam; resolved → closed, or back to open (reopen); spam → open (not
    /// spam after all) or closed; closed is final: later mail opens a follow-up instead.
    pub fn check_transition(self, to: Status) -> Result<(), DomainError> {
        use Status::*;
        let allowed = match (self, to) {
            (from, to) if from == to => true,
            (_, New) => false,
            (New | Open | Pending | OnHold, Open | Pending | OnHold | Resolved | Spam) => true,
            (Resolved, Open | Closed) => true,
            (Spam, Open | Closed) => true,
            _ => false,
        };
        if allowed {
            return Ok(());
        }
        let reason = match (self, to) {
            (_, New) => "a ticket cannot go back to new".to_owned(),
            (Closed, _) => "a closed ticket cannot change status; open a follow-up instead".to_owned(),
            (from, to) => format!("cannot move a ticket from {} to {}", from.as_str(), to.as_str()),
        };
        Err(DomainError::conflict(reason))
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Low,
    Normal,
    High,
    Urgent,
}

impl Priority {
    pub const ALL: [Priority; 4] = [Priority::Low, Priority::Normal, Priority::High, Priority::Urgent];

    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Low => "low",
            Priority::Normal => "normal",
            Priority::High => "high",
            Priority::Urgent => "urgent",
        }
    }

    pub fn parse(text: &str) -> Result<Self, DomainError> {
        match text {
            "low" => Ok(Priority::Low),
            "normal" => Ok(Priority::Normal),
            "high" => Ok(Priority::High),
            "urgent" => Ok(Priority::Urgent),
            _ => Err(DomainError::invalid(
                "priority",
                "expected one of low, normal, high, urgent",
            )),
        }
    }

    /// Position in the "most urgent first" queue: 0 for urgent, 3 for low.
    pub fn urgency_rank(self) -> u8 {
        match self {
            Priority::Urgent => 0,
            Priority::High => 1,
            Priority::Normal => 2,
            Priority::Low => 3,
        }
    }

    /// The ITIL priority matrix: how widely it hurts × how soon it hurts.
    pub fn from_impact_urgency(impact: Level, urgency: Level) -> Self {
        use Level::*;
        match (impact, urgency) {
            (High, High) => Priority::Urgent,
            (High, Medium) | (Medium, High) => Priority::High,
            (High, Low) | (Low, High) | (Medium, Medium) => Priority::Normal,
            (Medium, Low) | (Low, Medium) | (Low, Low) => Priority::Low,
        }
    }
}

/// Impact or urgency, the two inputs of the priority matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Low,
    Medium,
    High,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketType {
    Question,
    Incident,
    Problem,
    Task,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum SupportLevel {
    L1,
    L2,
    L3,
}

/// How the ticket reached us.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Email,
    Form,
    Phone,
    Api,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Form => "form",
            Channel::Phone => "phone",
            Channel::Api => "api",
        }
    }
}

/// A tag: lowercase letters, digits and `-_:.`, 1 to 50 characters. Input is lowercased.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tag(String);

impl Tag {
    pub const MAX_PER_TICKET: usize = 50;

    pub fn parse(text: &str) -> Result<Self, DomainError> {
        let tag = text.trim().to_lowercase();
        let ok = (1..=50).contains(&tag.len())
            && tag
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | ':' | '.'));
        if !ok {
            return Err(DomainError::invalid(
                "tags",
                format!("{text:?} is not a tag: use 1 to 50 of a-z 0-9 - _ : ."),
            ));
        }
        Ok(Self(tag))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Serialize for Tag {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Tag {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

pub fn check_tag_count(tags: &BTreeSet<Tag>) -> Result<(), DomainError> {
    if tags.len() > Tag::MAX_PER_TICKET {
        return Err(DomainError::invalid("tags", "at most 50 tags per ticket"));
    }
    Ok(())
}

/// Most addresses copied on one ticket.
pub const MAX_CC: usize = 20;

pub fn check_cc_count(cc: &[EmailAddress]) -> Result<(), DomainError> {
    if cc.len() > MAX_CC {
        return Err(DomainError::invalid("cc", "at most 20 addresses"));
    }
    Ok(())
}

/// Custom fields: up to 50 keys (`a-z0-9_`, starting with a letter) holding a string of at
/// most 1 KiB, a number or a boolean.
pub type CustomFields = BTreeMap<String, Value>;

pub fn check_custom_field(key: &str, value: &Value) -> Result<(), DomainError> {
    let field = format!("custom_fields.{key}");
    let key_ok = (1..=40).contains(&key.len())
        && key.starts_with(|c: char| c.is_ascii_lowercase())
        && key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !key_ok {
        return Err(DomainError::invalid(
            field,
            "a key is 1 to 40 of a-z 0-9 _ and starts with a letter",
        ));
    }
    match value {
        Value::String(s) if s.len() <= 1024 => Ok(()),
        Value::String(_) => Err(DomainError::invalid(field, "at most 1024 bytes")),
        Value::Number(_) | Value::Bool(_) => Ok(()),
        _ => Err(DomainError::invalid(field, "must be a string, number or boolean")),
    }
}

pub fn check_custom_fields(fields: &CustomFields) -> Result<(), DomainError> {
    if fields.len() > 50 {
        return Err(DomainError::invalid("custom_fields", "at most 50 custom fields"));
    }
    fields.iter().try_for_each(|(k, v)| check_custom_field(k, v))
}

/// A subject line: trimmed, 1 to 250 characters, no line breaks (it becomes a mail header).
pub fn parse_subject(text: &str) -> Result<String, DomainError> {
    let subject = text.trim();
    if subject.is_empty() || subject.chars().count() > 250 {
        return Err(DomainError::invalid("subject", "must be 1 to 250 characters"));
    }
    if subject.chars().any(char::is_control) {
        return Err(DomainError::invalid(
            "subject",
            "must not contain line breaks or control characters",
        ));
    }
    Ok(subject.to_owned())
}

/// A pointer from a merged ticket to the one it was merged into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketPointer {
    pub id: TicketId,
    pub number: TicketNumber,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ticket {
    pub id: TicketId,
    pub number: TicketNumber,
    pub subject: String,
    pub status: Status,
    pub priority: Priority,
    #[serde(rename = "type")]
    pub ticket_type: Option<TicketType>,
    pub channel: Channel,
    pub department: Option<DepartmentId>,
    pub assignee: Option<AgentId>,
    pub support_level: SupportLevel,
    pub tags: BTreeSet<Tag>,
    #[serde(default)]
    pub custom_fields: CustomFields,
    pub requester: ContactId,
    /// The requester's groups (such as `vip`): copied at creation and onto the contact's
    /// unsolved tickets when staff change them, so SLA policies choose by them without reading
    /// the contact on every change.
    #[serde(default)]
    pub requester_groups: BTreeSet<ContactGroup>,
    pub cc: Vec<EmailAddress>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub first_response_at: Option<Timestamp>,
    pub resolved_at: Option<Timestamp>,
    pub closed_at: Option<Timestamp>,
    pub merged_into: Option<TicketPointer>,
    /// For a follow-up opened by a reply to a closed ticket: that ticket.
    #[serde(default)]
    pub follow_up_of: Option<TicketPointer>,
    /// The SLA that applies and its clocks, kept by every change (see `domain::sla`).
    #[serde(default)]
    pub sla: Option<crate::domain::sla::TicketSla>,
    pub version: Version,
    /// The requester's rating, the last one given (see `domain::satisfaction`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub satisfaction: Option<Satisfaction>,
    /// When the requester's personal data was last taken out of the ticket (their erasure,
    /// or the retention job: docs/privacy.md). Solved again after that, it holds some again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anonymised_at: Option<Timestamp>,
}

impl Ticket {
    /// How other tickets and events name this one.
    pub fn pointer(&self) -> TicketPointer {
        TicketPointer {
            id: self.id,
            number: self.number,
        }
    }

    /// A ticket as it is opened: new, normal priority, first level, nothing assigned, at
    /// version 1. Channels set what they know on top.
    pub fn new(number: TicketNumber, subject: String, channel: Channel, requester: &Contact, now: Timestamp) -> Self {
        Self {
            id: TicketId::generate(now),
            number,
            subject,
            status: Status::New,
            priority: Priority::Normal,
            ticket_type: None,
            channel,
            department: None,
            assignee: None,
            support_level: SupportLevel::L1,
            tags: BTreeSet::new(),
            custom_fields: CustomFields::new(),
            requester: requester.id,
            requester_groups: requester.groups.clone(),
            cc: vec![],
            created_at: now,
            updated_at: now,
            first_response_at: None,
            resolved_at: None,
            closed_at: None,
            anonymised_at: None,
            merged_into: None,
            follow_up_of: None,
            sla: None,
            version: Version::FIRST,
            satisfaction: None,
        }
    }

    /// Since when the ticket has been solved (resolved or closed) while still holding its
    /// requester's personal data: where the retention period counts from. `None` while it
    /// is being worked on, or once the data was taken out after it was solved.
    pub fn retained_since(&self) -> Option<Timestamp> {
        if !matches!(self.status, Status::Resolved | Status::Closed) {
            return None;
        }
        let solved = self.resolved_at.or(self.closed_at)?;
        match self.anonymised_at {
            Some(at) if at >= solved => None,
            _ => Some(solved),
        }
    }

    /// A customer wrote: a ticket waiting on someone, resolved or closed opens again. This
    /// and [`Ticket::close_for_customer`] are the customer's moves, outside the agents'
    /// state machine. Returns the status change, if any.
    pub fn reopen_for_customer(&mut self) -> Option<FieldChange> {
        if !matches!(
            self.status,
            Status::Pending | Status::OnHold | Status::Resolved | Status::Closed
        ) {
            return None;
        }
        let change = FieldChange::new(TicketField::Status, self.status, Status::Open);
        self.status = Status::Open;
        self.resolved_at = None;
        self.closed_at = None;
        Some(change)
    }

    /// The customer needs nothing more: the ticket is closed from whatever state it was in
    /// (agents go through resolved). Nothing for a ticket already closed or marked spam.
    pub fn close_for_customer(&mut self, now: Timestamp) -> Option<FieldChange> {
        if matches!(self.status, Status::Closed | Status::Spam) {
            return None;
        }
        let change = FieldChange::new(TicketField::Status, self.status, Status::Closed);
        self.status = Status::Closed;
        self.resolved_at.get_or_insert(now);
        self.closed_at = Some(now);
        Some(change)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::domain::RequesterDetails;
    use proptest::prelude::*;

    pub fn at(text: &str) -> Timestamp {
        Timestamp::parse(text).unwrap()
    }

    #[test]
    fn a_ticket_is_retained_from_its_solving_until_its_personal_data_is_taken_out() {
        let solved = at("2026-01-10T12:00:00Z");
        let mut t = sample_ticket();
        assert_eq!(t.retained_since(), None, "being worked on");
        t.status = Status::Resolved;
        t.resolved_at = Some(solved);
        assert_eq!(t.retained_since(), Some(solved));
        t.status = Status::Closed;
        t.closed_at = Some(at("2026-01-20T00:00:00Z"));
        assert_eq!(t.retained_since(), Some(solved), "counted from its solving");
        t.anonymised_at = Some(at("2026-07-10T12:00:00Z"));
        assert_eq!(t.retained_since(), None);
        t.reopen_for_customer();
        assert_eq!(t.retained_since(), None, "open again");
        t.status = Status::Resolved;
        t.resolved_at = Some(at("2026-08-01T00:00:00Z"));
        assert_eq!(
            t.retained_since(),
            Some(at("2026-08-01T00:00:00Z")),
            "solved again after the anonymising: the new mail is held"
        );
    }

    pub fn sample_ticket() -> Ticket {
        let now = at("2026-11-23T09:00:00Z");
        Ticket::new(
            TicketNumber::new(1001),
            "Printer on fire".into(),
            Channel::Phone,
            &RequesterDetails::new(None, Some(EmailAddress::parse("jana@example.com").unwrap()), None, None)
                .unwrap()
                .into_contact(ContactId::generate(now), now),
            now,
        )
    }

    #[test]
    fn customers_reopen_waiting_and_finished_tickets_and_close_any() {
        use serde_json::json;
        let now = at("2026-11-24T09:00:00Z");
        for status in [Status::New, Status::Open] {
            let mut t = Ticket {
                status,
                ..sample_ticket()
            };
            assert_eq!(t.reopen_for_customer(), None, "{status} is already being worked");
        }
        for status in [Status::Pending, Status::OnHold, Status::Resolved, Status::Closed] {
            let mut t = Ticket {
                status,
                resolved_at: Some(now),
                closed_at: Some(now),
                ..sample_ticket()
            };
            let change = t.reopen_for_customer().unwrap();
            assert_eq!((change.from, change.to), (json!(status), json!("open")));
            assert_eq!((t.status, t.resolved_at, t.closed_at), (Status::Open, None, None));
        }
        let mut t = Ticket {
            status: Status::Pending,
            ..sample_ticket()
        };
        assert_eq!(t.close_for_customer(now).unwrap().to, json!("closed"));
        assert_eq!(
            (t.status, t.resolved_at, t.closed_at),
            (Status::Closed, Some(now), Some(now))
        );
        assert_eq!(t.close_for_customer(now), None, "closing twice changes nothing");
        let mut spam = Ticket {
            status: Status::Spam,
            ..sample_ticket()
        };
        assert_eq!(spam.close_for_customer(now), None);
    }

    #[test]
    fn the_transition_table() {
        use Status::*;
        let allowed: &[(Status, &[Status])] = &[
            (New, &[New, Open, Pending, OnHold, Resolved, Spam]),
            (Open, &[Open, Pending, OnHold, Resolved, Spam]),
            (Pending, &[Open, Pending, OnHold, Resolved, Spam]),
            (OnHold, &[Open, Pending, OnHold, Resolved, Spam]),
            (Resolved, &[Resolved, Open, Closed]),
            (Closed, &[Closed]),
            (Spam, &[Spam, Open, Closed]),
        ];
        for (from, tos) in allowed {
            for to in Status::ALL {
                let result = from.check_transition(to);
                assert_eq!(result.is_ok(), tos.contains(&to), "{from} -> {to}: {result:?}");
            }
        }
    }

    #[test]
    fn a_refused_transition_says_why() {
        let err = Status::Closed.check_transition(Status::Open).unwrap_err();
        assert_eq!(
            err.to_string(),
            "a closed ticket cannot change status; open a follow-up instead"
        );
        let err = Status::Open.check_transition(Status::Closed).unwrap_err();
        assert_eq!(err.to_string(), "cannot move a ticket from open to closed");
    }

    #[test]
    fn only_waiting_states_pause_sla() {
        let pausing: Vec<_> = Status::ALL.into_iter().filter(|s| s.pauses_sla()).collect();
        assert_eq!(pausing, vec![Status::Pending, Status::OnHold]);
    }

    #[test]
    fn the_priority_matrix() {
        use Level::*;
        assert_eq!(Priority::from_impact_urgency(High, High), Priority::Urgent);
        assert_eq!(Priority::from_impact_urgency(High, Medium), Priority::High);
        assert_eq!(Priority::from_impact_urgency(Medium, High), Priority::High);
        assert_eq!(Priority::from_impact_urgency(Medium, Medium), Priority::Normal);
        assert_eq!(Priority::from_impact_urgency(Low, High), Priority::Normal);
        assert_eq!(Priority::from_impact_urgency(Low, Low), Priority::Low);
    }

    #[test]
    fn a_patch_records_each_change_and_resolving_stamps_the_time() {
        let mut ticket = sample_ticket();
        let now = at("2026-11-23T10:00:00Z");
        let patch = TicketPatch {
            status: Some(Status::Resolved),
            priority: Some(Priority::Urgent),
            add_tags: [Tag::parse("VIP").unwrap()].into(),
            custom_fields: [("order_id".to_owned(), Some(Value::from("A-17")))].into(),
            ..Default::default()
        };
        let changes = ticket.apply(&patch, now).unwrap();
        let fields: Vec<_> = changes.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(fields, ["status", "priority", "tags", "custom_fields"]);
        assert_eq!(changes[0].from, Value::from("new"));
        assert_eq!(changes[0].to, Value::from("resolved"));
        assert_eq!(ticket.resolved_at, Some(now));
        assert_eq!(ticket.updated_at, now);
        assert!(ticket.tags.contains(&Tag::parse("vip").unwrap()));
    }

    #[test]
    fn reopening_clears_the_resolution_time() {
        let mut ticket = sample_ticket();
        ticket.status = Status::Resolved;
        ticket.resolved_at = Some(at("2026-11-23T09:30:00Z"));
        let patch = TicketPatch {
            status: Some(Status::Open),
            ..Default::default()
        };
        ticket.apply(&patch, at("2026-11-23T10:00:00Z")).unwrap();
        assert_eq!(ticket.resolved_at, None);
    }

    #[test]
    fn a_no_op_patch_changes_nothing() {
        let mut ticket = sample_ticket();
        let before = ticket.clone();
        let patch = TicketPatch {
            status: Some(Status::New),
            priority: Some(Priority::Normal),
            ..Default::default()
        };
        assert!(ticket.apply(&patch, at("2026-11-24T00:00:00Z")).unwrap().is_empty());
        assert_eq!(ticket, before);
    }

    #[test]
    fn an_invalid_patch_leaves_the_ticket_untouched() {
        let mut ticket = sample_ticket();
        let before = ticket.clone();
        let patch = TicketPatch {
            priority: Some(Priority::High),
            custom_fields: [("Bad Key".to_owned(), Some(Value::from(1)))].into(),
            ..Default::default()
        };
        let err = ticket.apply(&patch, at("2026-11-24T00:00:00Z")).unwrap_err();
        assert_eq!(
            err,
            DomainError::invalid(
                "custom_fields.Bad Key",
                "a key is 1 to 40 of a-z 0-9 _ and starts with a letter"
            )
        );
        assert_eq!(ticket, before);
    }

    #[test]
    fn a_merged_ticket_is_frozen() {
        let mut ticket = sample_ticket();
        ticket.merged_into = Some(TicketPointer {
            id: ticket.id,
            number: TicketNumber::new(2),
        });
        let patch = TicketPatch {
            priority: Some(Priority::High),
            ..Default::default()
        };
        assert!(matches!(
            ticket.apply(&patch, at("2026-11-24T00:00:00Z")),
            Err(DomainError::Conflict { .. })
        ));
    }

    #[test]
    fn tags_are_limited() {
        let mut ticket = sample_ticket();
        let tags: BTreeSet<Tag> = (0..51).map(|i| Tag::parse(&format!("t{i}")).unwrap()).collect();
        let patch = TicketPatch {
            tags: Some(tags),
            ..Default::default()
        };
        assert!(ticket.apply(&patch, at("2026-11-24T00:00:00Z")).is_err());
        assert!(Tag::parse("has space").is_err());
        assert!(Tag::parse("").is_err());
    }

    fn emails(list: &[&str]) -> Vec<EmailAddress> {
        list.iter().map(|e| EmailAddress::parse(e).unwrap()).collect()
    }

    #[test]
    fn ccs_are_added_and_removed_as_one_audited_change() {
        let mut ticket = Ticket {
            cc: emails(&["Boss@example.com", "old@example.com"]),
            ..sample_ticket()
        };
        let patch = TicketPatch {
            add_cc: emails(&["boss@EXAMPLE.com", "new@example.com"]),
            remove_cc: emails(&["OLD@example.com", "never-there@example.com"]),
            ..Default::default()
        };
        let changes = ticket.apply(&patch, at("2026-11-24T00:00:00Z")).unwrap();
        assert_eq!(ticket.cc, emails(&["Boss@example.com", "new@example.com"]));
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].field, TicketField::Cc);
        assert_eq!(
            changes[0].from,
            serde_json::json!(["Boss@example.com", "old@example.com"])
        );
        assert_eq!(
            changes[0].to,
            serde_json::json!(["Boss@example.com", "new@example.com"])
        );
        let again = ticket.apply(&patch, at("2026-11-24T00:01:00Z")).unwrap();
        assert!(again.is_empty(), "the same change twice is no change");
    }

    #[test]
    fn ccs_are_limited_and_never_the_requester() {
        let mut ticket = sample_ticket();
        let before = ticket.clone();
        let patch = TicketPatch {
            add_cc: (0..=MAX_CC)
                .map(|i| EmailAddress::parse(&format!("c{i}@example.com")).unwrap())
                .collect(),
            ..Default::default()
        };
        let err = ticket.apply(&patch, at("2026-11-24T00:00:00Z")).unwrap_err();
        assert!(
            matches!(&err, DomainError::Invalid { field, .. } if field == "add_cc"),
            "{err}"
        );
        assert_eq!(ticket, before);

        let requester = EmailAddress::parse("jana@example.cz").unwrap();
        let patch = TicketPatch {
            add_cc: emails(&["a@example.com", "JANA@example.cz"]),
            ..Default::default()
        };
        let err = patch.check_cc(Some(&requester)).unwrap_err();
        assert!(
            matches!(&err, DomainError::Invalid { field, .. } if field == "add_cc[1]"),
            "{err}"
        );
        let both = TicketPatch {
            add_cc: emails(&["a@example.com"]),
            remove_cc: emails(&["b@example.com", "A@example.com"]),
            ..Default::default()
        };
        let err = both.check_cc(Some(&requester)).unwrap_err();
        assert!(
            matches!(&err, DomainError::Invalid { field, .. } if field == "remove_cc[1]"),
            "{err}"
        );
        assert!(both.check_cc(None).is_err());
        let fine = TicketPatch {
            add_cc: emails(&["a@example.com"]),
            ..Default::default()
        };
        assert_eq!(fine.check_cc(Some(&requester)), Ok(()));
    }

    #[test]
    fn subjects_are_one_line() {
        assert_eq!(parse_subject("  Hello ").unwrap(), "Hello");
        assert!(parse_subject("a\r\nBcc: x@y.z").is_err());
        assert!(parse_subject(" ").is_err());
        assert!(parse_subject(&"x".repeat(251)).is_err());
    }

    fn status() -> impl Strategy<Value = Status> {
        proptest::sample::select(Status::ALL.to_vec())
    }

    proptest! {
        /// Whatever sequence of status patches arrives, the ticket only ever takes allowed
        /// steps, and a closed ticket never leaves closed.
        #[test]
        fn status_walks_follow_the_machine(steps in proptest::collection::vec(status(), 0..20)) {
            let mut ticket = sample_ticket();
            for to in steps {
                let before = ticket.status;
                let patch = TicketPatch { status: Some(to), ..Default::default() };
                match ticket.apply(&patch, at("2026-11-24T00:00:00Z")) {
                    Ok(_) => prop_assert!(before.check_transition(ticket.status).is_ok()),
                    Err(_) => prop_assert_eq!(ticket.status, before),
                }
                if before == Status::Closed {
                    prop_assert_eq!(ticket.status, Status::Closed);
                }
            }
        }
    }
}
