//! Conditions: the fields a rule may test, the operators each field takes, the checks made
//! when a rule is saved, and whether a condition holds for what a field holds.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::MAX_RULES;
use crate::domain::error::DomainError;
use crate::domain::ids::AgentId;
use crate::domain::team::DepartmentId;
use crate::domain::ticket::{Channel, Priority, Status, SupportLevel, Tag, TicketType};

const MAX_PATTERN_BYTES: usize = 200;

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
        "subject" | "body" | "sender_email" | "sender_domain" | "language" | "recipient" | "csat_comment" => Kind::Text,
        "channel" | "department" | "priority" | "status" | "type" | "assignee" | "support_level" | "csat_rating" => {
            Kind::Choice
        }
        "tags" | "requester_groups" => Kind::Tags,
        "hours_since_created" | "hours_since_updated" | "hours_since_resolved" => Kind::Hours,
        "business_hours" | "automated" => Kind::Flag,
        "first_response" => Kind::Presence,
        custom if custom.starts_with("custom.") && custom.len() > 7 => Kind::Text,
        _ => return None,
    })
}

const FIELDS: &str = "subject, body, sender_email, sender_domain, recipient, language, channel, department, \
priority, status, type, assignee, support_level, tags, requester_groups, hours_since_created, hours_since_updated, \
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
    pub(super) fn check(&self, path: &str) -> Result<(), DomainError> {
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
            "csat_rating" => crate::domain::satisfaction::Rating::parse(text).is_ok(),
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

/// Whether a condition holds for what the field holds. Text compares without case.
pub(super) fn holds(condition: &Condition, actual: &Value) -> bool {
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
