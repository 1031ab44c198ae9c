//! SLA policies: which tickets a policy covers, and the targets it sets them per priority.
//! Policies are ordered; the first whose conditions match a ticket applies.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::domain::calendar::CalendarId;
use crate::domain::contact::ContactGroup;
use crate::domain::error::DomainError;
use crate::domain::ids::SlaPolicyId;
use crate::domain::team::DepartmentId;
use crate::domain::ticket::{Channel, Priority, Tag, Ticket, TicketField, TicketType};
use crate::domain::time::Timestamp;

/// The longest target a policy may set: a year of minutes.
pub const MAX_TARGET_MINUTES: u32 = 366 * 24 * 60;
const MAX_NAME_CHARS: usize = 120;

/// What a clock measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlaTarget {
    /// From the ticket's creation to the first public agent reply.
    FirstResponse,
    /// From a customer message that waits for an agent to the next public agent reply.
    NextResponse,
    /// From the ticket's creation to its resolution (a reopened ticket resumes it).
    Resolution,
}

impl SlaTarget {
    pub const ALL: [SlaTarget; 3] = [Self::FirstResponse, Self::NextResponse, Self::Resolution];

    /// The field audit events name this clock's state by.
    pub fn field(self) -> TicketField {
        match self {
            Self::FirstResponse => TicketField::SlaFirstResponse,
            Self::NextResponse => TicketField::SlaNextResponse,
            Self::Resolution => TicketField::SlaResolution,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::FirstResponse => "first_response",
            Self::NextResponse => "next_response",
            Self::Resolution => "resolution",
        }
    }
}

/// The targets for one priority, in minutes (business or calendar, as the policy says); a
/// target left out is not measured.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Targets {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_response: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_response: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution: Option<u32>,
}

impl Targets {
    pub fn minutes(&self, target: SlaTarget) -> Option<u32> {
        match target {
            SlaTarget::FirstResponse => self.first_response,
            SlaTarget::NextResponse => self.next_response,
            SlaTarget::Resolution => self.resolution,
        }
    }
}

/// Targets per priority; a priority left out has none.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriorityTargets {
    #[serde(default)]
    pub low: Targets,
    #[serde(default)]
    pub normal: Targets,
    #[serde(default)]
    pub high: Targets,
    #[serde(default)]
    pub urgent: Targets,
}

impl PriorityTargets {
    pub fn for_priority(&self, priority: Priority) -> &Targets {
        match priority {
            Priority::Low => &self.low,
            Priority::Normal => &self.normal,
            Priority::High => &self.high,
            Priority::Urgent => &self.urgent,
        }
    }
}

/// When a running clock warns: at a share of its target, or a number of minutes before it is
/// due (the same kind of minutes as the target).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum WarningPoint {
    /// At this percentage of the target (1–99).
    Percent(u8),
    /// This many minutes before the due time.
    MinutesBefore(u32),
}

impl Default for WarningPoint {
    fn default() -> Self {
        Self::Percent(80)
    }
}

impl WarningPoint {
    /// Of a target of `target_seconds`, how many seconds in it warns (never below zero).
    pub fn seconds_into(self, target_seconds: i64) -> i64 {
        match self {
            Self::Percent(p) => target_seconds * i64::from(p) / 100,
            Self::MinutesBefore(m) => (target_seconds - i64::from(m) * 60).max(0),
        }
    }
}

/// Which tickets a policy covers: every condition named must hold (a list matches any of its
/// values; `tags` matches a ticket with any of them). No conditions: every ticket.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlaConditions {
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub priorities: BTreeSet<Priority>,
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub departments: BTreeSet<DepartmentId>,
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub channels: BTreeSet<Channel>,
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub types: BTreeSet<TicketType>,
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub tags: BTreeSet<Tag>,
    /// The requester's groups, such as `vip`: a ticket whose requester is in any of them.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub requester_groups: BTreeSet<ContactGroup>,
}

impl SlaConditions {
    pub fn matches(&self, ticket: &Ticket) -> bool {
        fn any<T: Ord>(set: &BTreeSet<T>, value: Option<&T>) -> bool {
            set.is_empty() || value.is_some_and(|v| set.contains(v))
        }
        any(&self.priorities, Some(&ticket.priority))
            && any(&self.departments, ticket.department.as_ref())
            && any(&self.channels, Some(&ticket.channel))
            && any(&self.types, ticket.ticket_type.as_ref())
            && (self.tags.is_empty() || self.tags.iter().any(|t| ticket.tags.contains(t)))
            && (self.requester_groups.is_empty()
                || self
                    .requester_groups
                    .iter()
                    .any(|g| ticket.requester_groups.contains(g)))
    }
}

/// A policy as a manager writes it (what `POST`/`PUT /v1/sla-policies` take).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlaPolicyDraft {
    pub name: String,
    /// Lower first: the first matching policy applies.
    pub position: u32,
    #[serde(default)]
    pub conditions: SlaConditions,
    pub targets: PriorityTargets,
    /// Targets count business minutes by the calendar (true, the default) or calendar minutes.
    #[serde(default = "yes")]
    pub business_time: bool,
    /// The calendar business minutes are counted by; none: the desk's default calendar.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calendar: Option<CalendarId>,
    #[serde(default)]
    pub warning: WarningPoint,
    /// Pending and on-hold tickets stop the clocks (the default).
    #[serde(default = "yes")]
    pub pause_when_waiting: bool,
}

fn yes() -> bool {
    true
}

impl SlaPolicyDraft {
    /// Checks what serde cannot: the name, the ranges, at least one target.
    pub fn check(&self) -> Result<(), DomainError> {
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > MAX_NAME_CHARS || name.chars().any(char::is_control) {
            return Err(DomainError::invalid(
                "name",
                format!("must be 1 to {MAX_NAME_CHARS} characters on one line"),
            ));
        }
        let mut any = false;
        for priority in Priority::ALL {
            let targets = self.targets.for_priority(priority);
            for target in SlaTarget::ALL {
                if let Some(minutes) = targets.minutes(target) {
                    if minutes == 0 || minutes > MAX_TARGET_MINUTES {
                        return Err(DomainError::invalid(
                            format!("targets.{}.{}", priority.as_str(), target.as_str()),
                            format!("must be 1 to {MAX_TARGET_MINUTES} minutes"),
                        ));
                    }
                    any = true;
                }
            }
        }
        if !any {
            return Err(DomainError::invalid(
                "targets",
                "set at least one target for one priority",
            ));
        }
        match self.warning {
            WarningPoint::Percent(p) if !(1..=99).contains(&p) => {
                Err(DomainError::invalid("warning.percent", "must be 1 to 99"))
            }
            WarningPoint::MinutesBefore(m) if m == 0 || m > MAX_TARGET_MINUTES => Err(DomainError::invalid(
                "warning.minutes_before",
                format!("must be 1 to {MAX_TARGET_MINUTES}"),
            )),
            _ => Ok(()),
        }
    }
}

/// A stored policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaPolicy {
    pub id: SlaPolicyId,
    pub name: String,
    pub position: u32,
    // Empty maps are not stored (see the DynamoDB adapter): absent reads as empty.
    #[serde(default)]
    pub conditions: SlaConditions,
    #[serde(default)]
    pub targets: PriorityTargets,
    pub business_time: bool,
    /// The calendar business minutes are counted by; none: the desk's default calendar.
    #[serde(default)]
    pub calendar: Option<CalendarId>,
    pub warning: WarningPoint,
    pub pause_when_waiting: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl SlaPolicy {
    pub fn from_draft(id: SlaPolicyId, draft: SlaPolicyDraft, created_at: Timestamp, now: Timestamp) -> Self {
        Self {
            id,
            name: draft.name.trim().to_owned(),
            position: draft.position,
            conditions: draft.conditions,
            targets: draft.targets,
            business_time: draft.business_time,
            calendar: draft.calendar,
            warning: draft.warning,
            pause_when_waiting: draft.pause_when_waiting,
            created_at,
            updated_at: now,
        }
    }

    /// The minutes `target` gets on a ticket of `priority`, if any.
    pub fn target_minutes(&self, priority: Priority, target: SlaTarget) -> Option<u32> {
        self.targets.for_priority(priority).minutes(target)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(json: serde_json::Value) -> SlaPolicyDraft {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn a_draft_names_at_least_one_target_within_range() {
        let ok =
            draft(serde_json::json!({"name": "Urgent", "position": 1, "targets": {"urgent": {"first_response": 60}}}));
        assert_eq!(ok.check(), Ok(()));
        assert!(ok.business_time && ok.pause_when_waiting);
        assert_eq!(ok.warning, WarningPoint::Percent(80));
        let none = draft(serde_json::json!({"name": "x", "position": 1, "targets": {}}));
        assert!(matches!(none.check(), Err(DomainError::Invalid { field, .. }) if field == "targets"));
        let zero = draft(serde_json::json!({"name": "x", "position": 1, "targets": {"low": {"resolution": 0}}}));
        assert!(matches!(zero.check(), Err(DomainError::Invalid { field, .. }) if field == "targets.low.resolution"));
        let warn = draft(
            serde_json::json!({"name": "x", "position": 1, "targets": {"low": {"resolution": 5}}, "warning": {"percent": 100}}),
        );
        assert!(matches!(warn.check(), Err(DomainError::Invalid { field, .. }) if field == "warning.percent"));
        assert!(
            serde_json::from_value::<SlaPolicyDraft>(
                serde_json::json!({"name": "x", "position": 1, "targets": {"asap": {}}})
            )
            .is_err()
        );
    }

    #[test]
    fn warning_points() {
        assert_eq!(WarningPoint::Percent(80).seconds_into(3600), 2880);
        assert_eq!(WarningPoint::MinutesBefore(15).seconds_into(3600), 2700);
        assert_eq!(WarningPoint::MinutesBefore(90).seconds_into(3600), 0);
    }
}
