//! When a ticket next needs the time sweep, from the thresholds of the enabled time rules.

use super::condition::Op;
use super::trigger::Trigger;
use super::{Rule, bounds};
use crate::domain::ticket::{Status, Ticket};
use crate::domain::time::Timestamp;

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
