//! Automation rules: what a team writes down about its workflow ("mail to billing@ goes to
//! Billing, round-robin, tagged billing"), checked when saved and run by the event reactor.
//!
//! A rule has triggers (which events wake it), conditions (all-of and any-of groups over the
//! ticket, the message and time) and actions (changes to the ticket, notes, mail, webhooks).
//! [`RuleRun`] evaluates rules in position order against one event; each rule sees what the
//! ones before it changed. Nothing here does I/O except through [`Assigner`], which picks
//! agents for round-robin and least-loaded assignment.

use std::collections::BTreeSet;
use std::future::Future;

use chrono::{Datelike, Timelike, Weekday};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::audit::{Actor, EventType};
use super::error::DomainError;
use super::ids::{AgentId, RuleId};
use super::team::DepartmentId;
use super::template_library::TemplateName;
use super::ticket::{
    Channel, FieldChange, Priority, Status, SupportLevel, Tag, Ticket, TicketField, TicketPatch, TicketType,
    check_tag_count,
};
use super::time::Timestamp;

mod bounds;
mod webhook_target;
pub use bounds::{MAX_ACTIONS, MAX_CONDITIONS, MAX_HOURS, MAX_LIST_VALUES, MAX_POSITION, MAX_TRIGGERS};
pub use webhook_target::{WebhookTargets, is_public};

/// How many rule changes may follow one another before the chain is cut.
pub const MAX_CHAIN_DEPTH: u8 = 3;
/// How often rules may change one ticket in an hour before they are stopped for it.
pub const MAX_FIRES_PER_TICKET_HOUR: u64 = 30;
/// The most rules a desk may have.
pub const MAX_RULES: usize = 500;
const MAX_PATTERN_BYTES: usize = 200;
const MAX_NAME_CHARS: usize = 120;
/// What agents see instead of a webhook's secret.
pub const HIDDEN_SECRET: &str = "(hidden)";

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
            EventType::TicketUpdated if !changes.is_empty() => Self::Changed(changes.iter().map(|c| c.field).collect()),
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

    fn wakes(&self, trigger: &Trigger) -> bool {
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    Is,
    IsNot,
    In,
    NotIn,
    Contains,
    NotContains,
    StartsWith,
    /// A regular expression (at most 200 bytes; no look-around or back-references).
    Matches,
    /// Tags: has this tag.
    Includes,
    Excludes,
    GreaterThan,
    LessThan,
    IsSet,
    IsNotSet,
    IsTrue,
    IsFalse,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    pub field: String,
    pub op: Op,
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub value: Value,
}

/// Every condition in `all`, and at least one in `any` when it has any.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Conditions {
    #[serde(default)]
    pub all: Vec<Condition>,
    #[serde(default)]
    pub any: Vec<Condition>,
}

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
        address: Option<super::contact::EmailAddress>,
    },
    /// Up one support level, and the department lead is told.
    Escalate,
    /// A JSON POST of the ticket, signed with HMAC-SHA256 under `secret` (see
    /// `adapters::webhook`).
    Webhook {
        url: String,
        secret: String,
    },
}

/// A rule as written by a manager (what `PUT`/`POST /v1/rules` take).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleDraft {
    pub name: String,
    #[serde(default = "yes")]
    pub enabled: bool,
    pub position: u32,
    pub triggers: Vec<Trigger>,
    #[serde(default)]
    pub conditions: Conditions,
    pub actions: Vec<RuleAction>,
    /// No rule after this one runs for the event when this one fired.
    #[serde(default)]
    pub stop: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    pub id: RuleId,
    pub name: String,
    pub enabled: bool,
    pub position: u32,
    pub triggers: Vec<Trigger>,
    pub conditions: Conditions,
    pub actions: Vec<RuleAction>,
    pub stop: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl Rule {
    /// The rule as someone who may not write rules sees it: webhook secrets hidden.
    pub fn without_secrets(mut self) -> Self {
        for action in &mut self.actions {
            if let RuleAction::Webhook { secret, .. } = action {
                *secret = HIDDEN_SECRET.to_owned();
            }
        }
        self
    }

    pub fn from_draft(id: RuleId, draft: RuleDraft, created_at: Timestamp, now: Timestamp) -> Self {
        Self {
            id,
            name: draft.name,
            enabled: draft.enabled,
            position: draft.position,
            triggers: draft.triggers,
            conditions: draft.conditions,
            actions: draft.actions,
            stop: draft.stop,
            created_at,
            updated_at: now,
        }
    }
}

// ---- fields ---------------------------------------------------------------------------------

/// What a condition's field holds, which decides the operators it takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    /// One of a set of values (`is`, `in`).
    Choice,
    Tags,
    Hours,
    Flag,
    /// Set or not (timestamps).
    Presence,
}

fn kind_of(field: &str) -> Option<Kind> {
    Some(match field {
        "subject" | "body" | "sender_email" | "sender_domain" | "language" | "recipient" => Kind::Text,
        "channel" | "department" | "priority" | "status" | "type" | "assignee" | "support_level" => Kind::Choice,
        "tags" => Kind::Tags,
        "hours_since_created" | "hours_since_updated" | "hours_since_resolved" => Kind::Hours,
        "business_hours" | "automated" => Kind::Flag,
        "first_response" => Kind::Presence,
        custom if custom.starts_with("custom.") && custom.len() > 7 => Kind::Text,
        _ => return None,
    })
}

const FIELDS: &str = "subject, body, sender_email, sender_domain, recipient, language, channel, department, \
priority, status, type, assignee, support_level, tags, hours_since_created, hours_since_updated, \
hours_since_resolved, first_response, business_hours, automated, custom.<key>";

fn ops_for(kind: Kind) -> &'static [Op] {
    use Op::*;
    match kind {
        Kind::Text => &[
            Is,
            IsNot,
            In,
            NotIn,
            Contains,
            NotContains,
            StartsWith,
            Matches,
            IsSet,
            IsNotSet,
        ],
        Kind::Choice => &[Is, IsNot, In, NotIn, IsSet, IsNotSet],
        Kind::Tags => &[Includes, Excludes],
        Kind::Hours => &[GreaterThan, LessThan],
        Kind::Flag => &[IsTrue, IsFalse],
        Kind::Presence => &[IsSet, IsNotSet],
    }
}

fn op_name(op: Op) -> String {
    serde_json::to_value(op)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// A regex bounded in size, so no pattern can make matching slow (the `regex` crate runs in
/// linear time; the size limit bounds its memory).
fn bounded_regex(pattern: &str) -> Result<regex::Regex, String> {
    if pattern.len() > MAX_PATTERN_BYTES {
        return Err(format!("the pattern must be at most {MAX_PATTERN_BYTES} bytes"));
    }
    regex::RegexBuilder::new(pattern)
        .case_insensitive(true)
        .size_limit(1 << 18)
        .dfa_size_limit(1 << 18)
        .build()
        .map_err(|e| format!("not a valid pattern: {e}"))
}

/// Patterns compiled once per process: rules are read afresh for every event, and compiling
/// a pattern (~0.2 ms) costs far more than matching it, so a warm Lambda keeps them. Bounded,
/// so edited rules cannot grow it without end.
fn compiled(pattern: &str) -> Option<std::sync::Arc<regex::Regex>> {
    use std::collections::HashMap;
    use std::sync::{Arc, LazyLock, Mutex};
    const MAX_PATTERNS: usize = 4 * MAX_RULES;
    static PATTERNS: LazyLock<Mutex<HashMap<String, Option<Arc<regex::Regex>>>>> = LazyLock::new(Default::default);
    if let Some(found) = PATTERNS.lock().ok()?.get(pattern) {
        return found.clone();
    }
    let built = bounded_regex(pattern).ok().map(Arc::new);
    let mut patterns = PATTERNS.lock().ok()?;
    if patterns.len() >= MAX_PATTERNS {
        patterns.clear();
    }
    patterns.insert(pattern.to_owned(), built.clone());
    built
}

impl Condition {
    fn check(&self, path: &str) -> Result<(), DomainError> {
        let kind = kind_of(&self.field)
            .ok_or_else(|| DomainError::invalid(format!("{path}.field"), format!("unknown field; one of {FIELDS}")))?;
        if !ops_for(kind).contains(&self.op) {
            let allowed: Vec<String> = ops_for(kind).iter().map(|o| op_name(*o)).collect();
            return Err(DomainError::invalid(
                format!("{path}.op"),
                format!(
                    "{} cannot be used on {}; use {}",
                    op_name(self.op),
                    self.field,
                    allowed.join(", ")
                ),
            ));
        }
        let value = format!("{path}.value");
        let needs = |ok: bool, what: &str| {
            if ok {
                Ok(())
            } else {
                Err(DomainError::invalid(value.clone(), format!("must be {what}")))
            }
        };
        match self.op {
            Op::IsSet | Op::IsNotSet | Op::IsTrue | Op::IsFalse => needs(self.value.is_null(), "absent"),
            Op::In | Op::NotIn => needs(
                self.value
                    .as_array()
                    .is_some_and(|a| !a.is_empty() && a.iter().all(Value::is_string)),
                "a non-empty list of strings",
            ),
            Op::GreaterThan | Op::LessThan => needs(self.value.as_f64().is_some_and(|n| n >= 0.0), "a number of hours"),
            Op::Matches => {
                let pattern = self
                    .value
                    .as_str()
                    .ok_or_else(|| DomainError::invalid(value.clone(), "must be a string"))?;
                bounded_regex(pattern)
                    .map(|_| ())
                    .map_err(|e| DomainError::invalid(value.clone(), e))
            }
            Op::Includes | Op::Excludes => {
                let text = self
                    .value
                    .as_str()
                    .ok_or_else(|| DomainError::invalid(value.clone(), "must be a tag"))?;
                Tag::parse(text).map(|_| ()).map_err(|e| match e {
                    DomainError::Invalid { reason, .. } => DomainError::invalid(value.clone(), reason),
                    other => other,
                })
            }
            _ => {
                needs(self.value.is_string(), "a string")?;
                self.check_choice(&value)
            }
        }
    }

    /// A value for a choice field must be one it can hold.
    fn check_choice(&self, path: &str) -> Result<(), DomainError> {
        let Some(text) = self.value.as_str() else { return Ok(()) };
        let known = match self.field.as_str() {
            "status" => Status::parse(text).is_ok(),
            "priority" => Priority::parse(text).is_ok(),
            "channel" => serde_json::from_value::<Channel>(json!(text)).is_ok(),
            "type" => serde_json::from_value::<TicketType>(json!(text)).is_ok(),
            "support_level" => serde_json::from_value::<SupportLevel>(json!(text)).is_ok(),
            "department" => DepartmentId::parse(text).is_ok(),
            "assignee" => AgentId::parse(text).is_ok(),
            _ => true,
        };
        if known {
            Ok(())
        } else {
            Err(DomainError::invalid(
                path.to_owned(),
                format!("{text:?} is not a {}", self.field),
            ))
        }
    }
}

impl RuleDraft {
    /// Checks everything that needs no lookup, webhooks against a deployed desk's targets;
    /// `template_exists` answers for mail actions.
    pub fn check(&self, template_exists: impl Fn(&TemplateName) -> bool) -> Result<(), DomainError> {
        self.check_with(&WebhookTargets::STRICT, template_exists)
    }

    /// [`check`](Self::check) with the webhook targets this desk is configured to allow.
    pub fn check_with(
        &self,
        targets: &WebhookTargets,
        template_exists: impl Fn(&TemplateName) -> bool,
    ) -> Result<(), DomainError> {
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > MAX_NAME_CHARS || name.chars().any(char::is_control) {
            return Err(DomainError::invalid(
                "name",
                format!("must be 1 to {MAX_NAME_CHARS} characters on one line"),
            ));
        }
        if self.triggers.is_empty() {
            return Err(DomainError::invalid("triggers", "name at least one trigger"));
        }
        if self.actions.is_empty() {
            return Err(DomainError::invalid("actions", "name at least one action"));
        }
        bounds::check_bounds(self)?;
        for (group, list) in [("all", &self.conditions.all), ("any", &self.conditions.any)] {
            for (i, condition) in list.iter().enumerate() {
                condition.check(&format!("conditions.{group}[{i}]"))?;
            }
        }
        for (i, action) in self.actions.iter().enumerate() {
            let path = format!("actions[{i}]");
            match action {
                RuleAction::Assign { strategy, agent } if (*strategy == AssignStrategy::Agent) != agent.is_some() => {
                    return Err(DomainError::invalid(
                        format!("{path}.agent"),
                        "name an agent for strategy agent, and only then",
                    ));
                }
                RuleAction::AddTags { tags } | RuleAction::RemoveTags { tags } => {
                    check_tag_count(tags).map_err(|_| DomainError::invalid(format!("{path}.tags"), "too many tags"))?;
                }
                RuleAction::AddNote { body } => {
                    super::message::parse_body("body", body).map_err(|e| match e {
                        DomainError::Invalid { reason, .. } => DomainError::invalid(format!("{path}.body"), reason),
                        other => other,
                    })?;
                }
                RuleAction::SendEmail { template, to, address } => {
                    if !template_exists(template) {
                        return Err(DomainError::invalid(
                            format!("{path}.template"),
                            format!("there is no template {template}"),
                        ));
                    }
                    if (*to == Recipient::Address) != address.is_some() {
                        return Err(DomainError::invalid(
                            format!("{path}.address"),
                            "name an address for to: address, and only then",
                        ));
                    }
                }
                RuleAction::Webhook { url, secret } => {
                    targets
                        .check_url(url)
                        .map_err(|reason| DomainError::invalid(format!("{path}.url"), reason))?;
                    if secret.len() < 16 || secret.len() > 256 {
                        return Err(DomainError::invalid(
                            format!("{path}.secret"),
                            "must be 16 to 256 characters",
                        ));
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }
}

// ---- evaluation -----------------------------------------------------------------------------

/// When a team works: weekdays and hours (UTC) in which `business_hours` is true.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BusinessHours {
    pub days: Vec<Weekday>,
    pub start_hour: u32,
    pub end_hour: u32,
}

impl Default for BusinessHours {
    fn default() -> Self {
        Self {
            days: vec![Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri],
            start_hour: 9,
            end_hour: 17,
        }
    }
}

impl BusinessHours {
    pub fn contains(&self, at: Timestamp) -> bool {
        let t = at.as_datetime();
        self.days.contains(&t.weekday()) && (self.start_hour..self.end_hour).contains(&t.hour())
    }
}

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
    pub hours: BusinessHours,
}

/// Picks agents for assignment; the reactor's is backed by the table (atomic counters), a dry
/// run's only looks.
pub trait Assigner: Send {
    fn pick(
        &mut self,
        strategy: AssignStrategy,
        department: Option<&DepartmentId>,
    ) -> impl Future<Output = Option<AgentId>> + Send;
}

/// One condition's verdict, for the dry run's explanation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConditionResult {
    pub path: String,
    pub field: String,
    pub op: Op,
    pub value: Value,
    /// What the field held.
    pub actual: Value,
    pub matched: bool,
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

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleOutcome {
    pub rule_id: RuleId,
    pub name: String,
    /// Whether its actions ran.
    pub fired: bool,
    /// Why it was not looked at, or stopped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
    pub conditions: Vec<ConditionResult>,
    pub changes: Vec<FieldChange>,
    pub effects: Vec<Effect>,
    /// Actions that could not be done (an assignment with nobody to take it, a refused move).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
}

/// What running the rules for one event came to.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    pub outcomes: Vec<RuleOutcome>,
    pub ticket: Ticket,
    /// Set when the chain was cut (too deep, or too many fires): said in the audit trail.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cut: Option<String>,
}

impl Evaluation {
    pub fn fired(&self) -> impl Iterator<Item = &RuleOutcome> {
        self.outcomes.iter().filter(|o| o.fired)
    }
}

/// Where this event sits in a chain of rule changes: the rule that made it, and how deep.
pub fn cause_of(actor: &Actor) -> (Option<RuleId>, u8) {
    match actor {
        Actor::Rule { rule_id, depth, .. } => (RuleId::parse(rule_id).ok(), *depth),
        _ => (None, 0),
    }
}

/// Runs `rules` (any order; they run by position) for one happening on `ticket`.
/// `caused_by` is the rule whose change this event is (it never re-triggers on its own change)
/// and `depth` how many rule changes led here; `fires_left` how many more rules may fire on
/// this ticket this hour.
pub struct RuleRun<'a> {
    pub rules: &'a [Rule],
    pub happening: &'a Happening,
    pub facts: &'a Facts,
    pub caused_by: Option<RuleId>,
    pub depth: u8,
    pub fires_left: u64,
    /// Evaluate one rule even if it is disabled (the dry run of a single rule).
    pub only: Option<RuleId>,
}

impl RuleRun<'_> {
    pub async fn evaluate(&self, ticket: &Ticket, assigner: &mut impl Assigner) -> Evaluation {
        let mut ticket = ticket.clone();
        let mut rules: Vec<&Rule> = self
            .rules
            .iter()
            .filter(|r| self.only.is_none_or(|only| only == r.id))
            .collect();
        rules.sort_by_key(|r| (r.position, r.id));
        let mut outcomes = Vec::new();
        let mut cut = None;
        let mut fires_left = self.fires_left;
        let mut stopped = false;
        for rule in rules {
            let mut outcome = RuleOutcome {
                rule_id: rule.id,
                name: rule.name.clone(),
                fired: false,
                skipped: None,
                conditions: vec![],
                changes: vec![],
                effects: vec![],
                problems: vec![],
            };
            let skip = if stopped {
                Some("an earlier rule stops further rules".to_owned())
            } else if !rule.enabled && self.only.is_none() {
                Some("disabled".to_owned())
            } else if !rule.triggers.iter().any(|t| self.happening.wakes(t)) {
                Some("none of its triggers is this event".to_owned())
            } else if self.caused_by == Some(rule.id) {
                Some("this event is its own change".to_owned())
            } else {
                None
            };
            if let Some(why) = skip {
                outcome.skipped = Some(why);
                outcomes.push(outcome);
                continue;
            }
            let matched = self.check_conditions(rule, &ticket, &mut outcome.conditions);
            if matched {
                if self.depth >= MAX_CHAIN_DEPTH {
                    let why = format!("chain of rule changes cut at depth {MAX_CHAIN_DEPTH}");
                    outcome.skipped = Some(why.clone());
                    cut = Some(why);
                    outcomes.push(outcome);
                    break;
                }
                if fires_left == 0 {
                    let why = format!("rules fired {MAX_FIRES_PER_TICKET_HOUR} times on this ticket this hour");
                    outcome.skipped = Some(why.clone());
                    cut = Some(why);
                    outcomes.push(outcome);
                    break;
                }
                fires_left -= 1;
                outcome.fired = true;
                self.act(rule, &mut ticket, &mut outcome, assigner).await;
                stopped = rule.stop;
            }
            outcomes.push(outcome);
        }
        Evaluation { outcomes, ticket, cut }
    }

    fn check_conditions(&self, rule: &Rule, ticket: &Ticket, results: &mut Vec<ConditionResult>) -> bool {
        let mut check = |group: &str, i: usize, c: &Condition| {
            let actual = actual(&c.field, ticket, self.facts);
            let matched = holds(c, &actual);
            results.push(ConditionResult {
                path: format!("conditions.{group}[{i}]"),
                field: c.field.clone(),
                op: c.op,
                value: c.value.clone(),
                actual,
                matched,
            });
            matched
        };
        // Every condition is evaluated (not short-circuited) so a dry run explains them all.
        let all: Vec<bool> = rule
            .conditions
            .all
            .iter()
            .enumerate()
            .map(|(i, c)| check("all", i, c))
            .collect();
        let any: Vec<bool> = rule
            .conditions
            .any
            .iter()
            .enumerate()
            .map(|(i, c)| check("any", i, c))
            .collect();
        all.iter().all(|m| *m) && (any.is_empty() || any.iter().any(|m| *m))
    }

    async fn act(&self, rule: &Rule, ticket: &mut Ticket, outcome: &mut RuleOutcome, assigner: &mut impl Assigner) {
        let now = self.facts.now;
        for action in &rule.actions {
            let mut patch = TicketPatch::default();
            match action {
                RuleAction::SetDepartment { department } => patch.department = Some(Some(department.clone())),
                RuleAction::Assign { strategy, agent } => {
                    let picked = match strategy {
                        AssignStrategy::Agent => *agent,
                        other => assigner.pick(*other, ticket.department.as_ref()).await,
                    };
                    match picked {
                        Some(agent) => patch.assignee = Some(Some(agent)),
                        None => {
                            outcome
                                .problems
                                .push("assign: no active agent is free to take it".into());
                            continue;
                        }
                    }
                }
                RuleAction::SetPriority { priority } => patch.priority = Some(*priority),
                RuleAction::SetStatus { status } => patch.status = Some(*status),
                RuleAction::SetType { ticket_type } => patch.ticket_type = Some(Some(*ticket_type)),
                RuleAction::SetSupportLevel { level } => patch.support_level = Some(*level),
                RuleAction::AddTags { tags } => patch.add_tags = tags.clone(),
                RuleAction::RemoveTags { tags } => patch.remove_tags = tags.clone(),
                RuleAction::MarkSpam => patch.status = Some(Status::Spam),
                RuleAction::Escalate => {
                    let up = match ticket.support_level {
                        SupportLevel::L1 => SupportLevel::L2,
                        _ => SupportLevel::L3,
                    };
                    patch.support_level = Some(up);
                    outcome.effects.push(Effect::Email {
                        template: TemplateName::from(super::templates::TemplateKind::Escalated),
                        to: Recipient::DepartmentLead,
                        address: None,
                    });
                }
                RuleAction::AddNote { body } => {
                    outcome.effects.push(Effect::Note { body: body.clone() });
                    continue;
                }
                RuleAction::SendEmail { template, to, address } => {
                    outcome.effects.push(Effect::Email {
                        template: template.clone(),
                        to: *to,
                        address: address.as_ref().map(|a| a.as_str().to_owned()),
                    });
                    continue;
                }
                RuleAction::Webhook { url, secret } => {
                    outcome.effects.push(Effect::Webhook {
                        url: url.clone(),
                        secret: secret.clone(),
                    });
                    continue;
                }
            }
            match ticket.apply(&patch, now) {
                Ok(changes) => {
                    if !changes.is_empty() {
                        ticket.updated_at = now;
                    }
                    outcome.changes.extend(changes);
                }
                Err(e) => outcome.problems.push(format!("{}: {e}", action_name(action))),
            }
        }
    }
}

fn action_name(action: &RuleAction) -> String {
    serde_json::to_value(action)
        .ok()
        .and_then(|v| v.get("do").and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_default()
}

/// What a field holds for a ticket and its event, as JSON.
fn actual(field: &str, ticket: &Ticket, facts: &Facts) -> Value {
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
        "hours_since_created" => hours_since(ticket.created_at),
        "hours_since_updated" => hours_since(ticket.updated_at),
        "hours_since_resolved" => ticket.resolved_at.map(hours_since).unwrap_or(Value::Null),
        "first_response" => json!(ticket.first_response_at),
        "business_hours" => json!(facts.hours.contains(facts.now)),
        custom => custom
            .strip_prefix("custom.")
            .and_then(|key| ticket.custom_fields.get(key))
            .cloned()
            .unwrap_or(Value::Null),
    }
}

/// Whether a condition holds for what the field holds. Text compares without case.
fn holds(condition: &Condition, actual: &Value) -> bool {
    let texts: Vec<String> = match actual {
        Value::Array(items) => items.iter().filter_map(text_of).collect(),
        other => text_of(other).into_iter().collect(),
    };
    let wanted = condition.value.as_str().map(str::to_lowercase).unwrap_or_default();
    let list: Vec<String> = condition
        .value
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_str()).map(str::to_lowercase).collect())
        .unwrap_or_default();
    match condition.op {
        Op::Is => texts.contains(&wanted),
        Op::IsNot => !texts.contains(&wanted),
        Op::In => texts.iter().any(|t| list.contains(t)),
        Op::NotIn => !texts.iter().any(|t| list.contains(t)),
        Op::Contains => texts.iter().any(|t| t.contains(&wanted)),
        Op::NotContains => !texts.iter().any(|t| t.contains(&wanted)),
        Op::StartsWith => texts.iter().any(|t| t.starts_with(&wanted)),
        Op::Matches => condition
            .value
            .as_str()
            .and_then(compiled)
            .is_some_and(|re| texts.iter().any(|t| re.is_match(t))),
        Op::Includes => texts.contains(&wanted),
        Op::Excludes => !texts.contains(&wanted),
        Op::GreaterThan => actual
            .as_f64()
            .zip(condition.value.as_f64())
            .is_some_and(|(a, b)| a > b),
        Op::LessThan => actual
            .as_f64()
            .zip(condition.value.as_f64())
            .is_some_and(|(a, b)| a < b),
        Op::IsSet => !texts.is_empty() && texts.iter().any(|t| !t.is_empty()),
        Op::IsNotSet => texts.iter().all(String::is_empty),
        Op::IsTrue => actual.as_bool() == Some(true),
        Op::IsFalse => actual.as_bool() != Some(true),
    }
}

fn text_of(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.to_lowercase()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The rules a new desk starts with (all editable): mail to each support address goes to its
/// department; mail from machines is tagged and made low priority; resolved tickets close
/// after 7 days; the department lead hears of an urgent ticket.
///
/// `categories` are the contact form's (category id, department): the form routes by them as
/// configured, and these rules let a manager change that routing without a deployment.
pub fn default_rules(
    addresses: &[(String, DepartmentId)],
    categories: &[(String, DepartmentId)],
    now: Timestamp,
) -> Vec<Rule> {
    let mut drafts: Vec<Value> = addresses
        .iter()
        .map(|(address, department)| {
            json!({
                "name": format!("Mail to {address} goes to {department}"),
                "position": 10,
                "triggers": [{"on": "ticket_created", "channels": ["email"]}],
                "conditions": {"all": [{"field": "recipient", "op": "is", "value": address.to_lowercase()}]},
                "actions": [{"do": "set_department", "department": department}]
            })
        })
        .collect();
    drafts.extend(categories.iter().map(|(category, department)| {
        json!({
            "name": format!("Form topic {category} goes to {department}"),
            "position": 10,
            "triggers": [{"on": "ticket_created", "channels": ["form"]}],
            "conditions": {"all": [{"field": "custom.category", "op": "is", "value": category}]},
            "actions": [{"do": "set_department", "department": department}]
        })
    }));
    drafts.push(json!({
        "name": "Mail from machines: tag it and lower its priority",
        "position": 20,
        "triggers": [{"on": "ticket_created", "channels": ["email"]}],
        "conditions": {"all": [{"field": "automated", "op": "is_true"}]},
        "actions": [{"do": "add_tags", "tags": ["auto-generated"]}, {"do": "set_priority", "priority": "low"}]
    }));
    drafts.push(json!({
        "name": "Close resolved tickets after 7 days",
        "position": 30,
        "triggers": [{"on": "time"}],
        "conditions": {"all": [
            {"field": "status", "op": "is", "value": "resolved"},
            {"field": "hours_since_resolved", "op": "greater_than", "value": 168}
        ]},
        "actions": [{"do": "set_status", "status": "closed"}]
    }));
    drafts.push(json!({
        "name": "Tell the department lead about an urgent ticket",
        "position": 40,
        "triggers": [{"on": "ticket_created"}, {"on": "field_changed", "field": "priority"}],
        "conditions": {"all": [{"field": "priority", "op": "is", "value": "urgent"}]},
        "actions": [{"do": "send_email", "template": "urgent_ticket", "to": "department_lead"}]
    }));
    drafts
        .into_iter()
        .enumerate()
        .filter_map(|(i, draft)| {
            let draft: RuleDraft = serde_json::from_value(draft).ok()?;
            let at = Timestamp::new(now.as_datetime() + chrono::Duration::milliseconds(i as i64));
            Some(Rule::from_draft(RuleId::generate(at), draft, now, now))
        })
        .collect()
}

/// When a ticket next needs the time sweep: the earliest moment, after `now`, at which an
/// enabled time rule's `hours_since_*` threshold is crossed; `None` when no such rule could
/// apply. The sweep Queries tickets by this, so its cost follows the tickets due.
pub fn next_look(rules: &[Rule], ticket: &Ticket, now: Timestamp) -> Option<Timestamp> {
    look(rules, ticket, now, false)
}

/// Like [`next_look`], for rules just saved: a threshold the ticket has already crossed makes
/// it due `now` (the rule never had its chance), where `next_look` passes over it (the rule
/// had it at the last look).
pub fn first_look(rules: &[Rule], ticket: &Ticket, now: Timestamp) -> Option<Timestamp> {
    look(rules, ticket, now, true)
}

fn look(rules: &[Rule], ticket: &Ticket, now: Timestamp, crossed_is_due: bool) -> Option<Timestamp> {
    if !ticket.status.is_unsolved() && ticket.status != Status::Resolved {
        return None;
    }
    rules
        .iter()
        .filter(|r| r.enabled && r.triggers.contains(&Trigger::Time))
        .flat_map(|r| r.conditions.all.iter().chain(&r.conditions.any))
        .filter(|c| c.op == Op::GreaterThan)
        .filter_map(|c| {
            let since = match c.field.as_str() {
                "hours_since_created" => ticket.created_at,
                "hours_since_updated" => ticket.updated_at,
                "hours_since_resolved" => ticket.resolved_at?,
                _ => return None,
            };
            // Checked: a threshold past the calendar's end (saved before the limits) is never.
            let at = bounds::crossing(since, bounds::hours_of(&c.value)?)?;
            if at > now {
                Some(at)
            } else {
                crossed_is_due.then_some(now)
            }
        })
        .min()
}

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;
