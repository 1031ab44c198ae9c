//! Service level agreements: policies say which tickets get which targets; each ticket carries
//! its clocks; [`settle`] moves them for every change of the ticket, in the same write (it is
//! called by [`crate::domain::Revision::into_write`], so no writer can forget it).
//!
//! What settling does, in order: (re)select the policy (the first whose conditions match), start
//! the clocks the policy sets, meet what this change answered (a public agent reply meets the
//! first and next response; a solved ticket meets every clock), start a next-response clock for
//! a customer message that waits for an agent, pause or resume the clocks for the status, and
//! flag what has come due (a warning or a breach, each once). The sweep only makes a change with
//! nothing in it at the due time, and settling flags it.

pub mod clock;
pub mod policy;

use serde::{Deserialize, Serialize};

pub use clock::{ClockState, Flag, SlaClock};
pub use policy::{PriorityTargets, SlaConditions, SlaPolicy, SlaPolicyDraft, SlaTarget, Targets, WarningPoint};

use crate::domain::ids::SlaPolicyId;
use crate::domain::ticket::{Status, Ticket};
use crate::domain::time::Timestamp;

/// The calendar business time is counted by.
pub type SlaCalendar = crate::domain::calendar::BusinessCalendar;

/// The SLA that applies to a ticket: the policy and one clock per target it measures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketSla {
    pub policy_id: SlaPolicyId,
    pub policy_name: String,
    pub clocks: Vec<SlaClock>,
}

impl TicketSla {
    pub fn clock(&self, target: SlaTarget) -> Option<&SlaClock> {
        self.clocks.iter().find(|c| c.target == target)
    }

    fn clock_mut(&mut self, target: SlaTarget) -> Option<&mut SlaClock> {
        self.clocks.iter_mut().find(|c| c.target == target)
    }

    /// The next moment the sweep must look at the ticket: a clock's warning or due time.
    pub fn next_flag_at(&self) -> Option<Timestamp> {
        self.clocks.iter().filter_map(SlaClock::next_flag_at).min()
    }

    /// The soonest due time of a clock still running (breached ones included: they are the
    /// most urgent), for the queue sorted by SLA.
    pub fn soonest_due(&self) -> Option<Timestamp> {
        self.clocks
            .iter()
            .filter(|c| c.is_running())
            .filter_map(|c| c.due_at)
            .min()
    }

    /// Whether a clock waits, paused.
    pub fn is_paused(&self) -> bool {
        self.clocks.iter().any(SlaClock::is_paused)
    }

    /// The ticket's worst open state, for filters: breached while a breached clock is not met,
    /// else warning while a warned one runs, else running, paused or met.
    pub fn state(&self) -> ClockState {
        let open = || self.clocks.iter().filter(|c| !c.is_met());
        if open().any(|c| c.breached_at.is_some()) {
            ClockState::Breached
        } else if open().any(|c| c.state == ClockState::Warning) {
            ClockState::Warning
        } else if open().any(SlaClock::is_running) {
            ClockState::Running
        } else if open().next().is_some() {
            ClockState::Paused
        } else {
            ClockState::Met
        }
    }
}

/// How one clock stands at a moment, as an agent sees it: the state it is in by then (a due
/// time passed since the last write already reads as breached) and the time it has left.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClockStanding {
    pub target: SlaTarget,
    pub state: ClockState,
    pub business_time: bool,
    pub due_at: Option<Timestamp>,
    /// Seconds of the clock's kind of time left (business seconds by the policy's calendar, or
    /// calendar seconds), below zero once overdue; none once met.
    pub seconds_left: Option<i64>,
}

impl TicketSla {
    /// Each clock as it stands at `at`, counted by `calendar` (the policy's).
    pub fn standing(&self, at: Timestamp, calendar: &SlaCalendar) -> Vec<ClockStanding> {
        self.clocks
            .iter()
            .map(|clock| {
                let mut now = clock.clone();
                now.flag(at);
                ClockStanding {
                    target: clock.target,
                    state: now.state,
                    business_time: clock.business_time,
                    due_at: now.due_at,
                    seconds_left: (!now.is_met()).then(|| now.left_at(at, calendar)),
                }
            })
            .collect()
    }
}

/// The policies in force, in order, each with the calendar its business time is counted by.
#[derive(Debug, Clone, Default)]
pub struct SlaBook {
    policies: Vec<(SlaPolicy, SlaCalendar)>,
}

impl SlaBook {
    /// No policies: tickets get no SLA.
    pub fn empty() -> Self {
        Self::default()
    }

    pub fn new(mut policies: Vec<(SlaPolicy, SlaCalendar)>) -> Self {
        policies.sort_by_key(|(p, _)| (p.position, p.id));
        Self { policies }
    }

    /// The policy that applies to `ticket`: the first whose conditions match.
    pub fn select(&self, ticket: &Ticket) -> Option<&(SlaPolicy, SlaCalendar)> {
        self.policies.iter().find(|(p, _)| p.conditions.matches(ticket))
    }

    /// A policy by id, with its calendar.
    pub fn policy(&self, id: SlaPolicyId) -> Option<&(SlaPolicy, SlaCalendar)> {
        self.policies.iter().find(|(p, _)| p.id == id)
    }
}

/// What a change did to the ticket, as settling needs to know it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Answered {
    /// A public agent reply.
    pub agent_replied: bool,
    /// A customer message that waits for an agent.
    pub customer_wrote: bool,
}

/// What settling found, for the audit trail and the events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SlaNotice {
    /// The policy that applies changed (or the targets it sets this ticket did).
    Applied {
        from: Option<String>,
        to: Option<String>,
    },
    Warning(SlaTarget),
    Breached(SlaTarget),
}

/// Moves `ticket`'s SLA for a change at `at`: see the module documentation.
pub fn settle(ticket: &mut Ticket, answered: Answered, at: Timestamp, book: &SlaBook) -> Vec<SlaNotice> {
    let mut notices = Vec::new();
    if ticket.status == Status::Spam {
        // Spam is not measured; a merged-away ticket is closed, which meets its clocks.
        if let Some(old) = ticket.sla.take() {
            notices.push(SlaNotice::Applied {
                from: Some(old.policy_name),
                to: None,
            });
        }
        return notices;
    }
    select(ticket, at, book, &mut notices);
    let Some((policy, calendar)) = ticket.sla.as_ref().and_then(|s| book.policy(s.policy_id)) else {
        return notices;
    };
    let mut flags = Vec::new();
    let sla = ticket.sla.as_mut().expect("selected above");
    if answered.agent_replied {
        for target in [SlaTarget::FirstResponse, SlaTarget::NextResponse] {
            if let Some(clock) = sla.clock_mut(target) {
                flags.extend(clock.meet(at, calendar).map(|f| (target, f)));
            }
        }
    }
    let solved = matches!(ticket.status, Status::Resolved | Status::Closed);
    if answered.customer_wrote && !solved && ticket.first_response_at.is_some() {
        let waiting = sla.clock(SlaTarget::NextResponse).is_some_and(|c| !c.is_met());
        if let (false, Some(minutes)) = (waiting, policy.target_minutes(ticket.priority, SlaTarget::NextResponse)) {
            sla.clocks.retain(|c| c.target != SlaTarget::NextResponse);
            let mut clock = SlaClock::start(SlaTarget::NextResponse, minutes, policy.business_time, at);
            clock.schedule(calendar, policy.warning);
            sla.clocks.push(clock);
        }
    }
    let waiting_on_others = ticket.status.pauses_sla() && policy.pause_when_waiting;
    for clock in &mut sla.clocks {
        if solved {
            flags.extend(clock.meet(at, calendar).map(|f| (clock.target, f)));
        } else if waiting_on_others && clock.is_running() {
            flags.extend(clock.flag(at).map(|f| (clock.target, f)));
            clock.pause(at, calendar);
        } else if !waiting_on_others && clock.is_paused() {
            clock.resume(at, calendar, policy.warning);
        } else if clock.is_met() && clock.target == SlaTarget::Resolution {
            // A reopened ticket resumes its resolution clock.
            clock.resume(at, calendar, policy.warning);
        }
        flags.extend(clock.flag(at).map(|f| (clock.target, f)));
    }
    notices.extend(flags.into_iter().map(|(target, flag)| match flag {
        Flag::Warning => SlaNotice::Warning(target),
        Flag::Breached => SlaNotice::Breached(target),
    }));
    notices
}

/// Applies the policy that now matches: a new one starts its clocks from the ticket's creation
/// (keeping what the old clocks used), the same one with other targets re-targets them, none
/// removes the SLA.
fn select(ticket: &mut Ticket, at: Timestamp, book: &SlaBook, notices: &mut Vec<SlaNotice>) {
    let chosen = book.select(ticket);
    let old_name = ticket.sla.as_ref().map(|s| s.policy_name.clone());
    let Some((policy, calendar)) = chosen else {
        if ticket.sla.take().is_some() {
            notices.push(SlaNotice::Applied {
                from: old_name,
                to: None,
            });
        }
        return;
    };
    let mut sla = ticket.sla.take().unwrap_or_else(|| TicketSla {
        policy_id: policy.id,
        policy_name: policy.name.clone(),
        clocks: vec![],
    });
    let mut changed = sla.policy_id != policy.id || old_name.is_none();
    sla.policy_id = policy.id;
    sla.policy_name = policy.name.clone();
    // Clocks the policy no longer sets go, unless they are finished (kept as history).
    sla.clocks.retain(|c| {
        let keep = c.is_met() || policy.target_minutes(ticket.priority, c.target).is_some();
        changed |= !keep;
        keep
    });
    for clock in sla.clocks.iter_mut().filter(|c| !c.is_met()) {
        let minutes = policy
            .target_minutes(ticket.priority, clock.target)
            .expect("kept above");
        if clock.minutes != minutes || clock.business_time != policy.business_time {
            changed = true;
            clock.used_seconds = clock.used_at(at, calendar);
            clock.running_since = clock.running_since.map(|_| at);
            clock.minutes = minutes;
            clock.business_time = policy.business_time;
        }
        clock.schedule(calendar, policy.warning);
    }
    let unsolved = ticket.status.is_unsolved();
    for (target, wanted) in [
        (SlaTarget::FirstResponse, ticket.first_response_at.is_none()),
        (SlaTarget::Resolution, unsolved),
    ] {
        let minutes = policy.target_minutes(ticket.priority, target);
        if let (true, None, Some(minutes)) = (wanted, sla.clock(target), minutes) {
            let mut clock = SlaClock::start(target, minutes, policy.business_time, ticket.created_at);
            clock.schedule(calendar, policy.warning);
            sla.clocks.push(clock);
            changed = true;
        }
    }
    sla.clocks.sort_by_key(|c| c.target);
    if changed {
        notices.push(SlaNotice::Applied {
            from: old_name,
            to: Some(policy.name.clone()),
        });
    }
    ticket.sla = Some(sla);
}

#[cfg(test)]
mod tests;
