//! One SLA clock: a target measured on a ticket, in business or calendar time, that runs,
//! pauses, warns, breaches and is met. Time used is kept in seconds of the clock's own kind of
//! time, so a pause and a resume lose nothing and a re-targeted clock keeps what it used.

use chrono::TimeDelta;
use serde::{Deserialize, Serialize};

use super::SlaCalendar;
use super::policy::{SlaTarget, WarningPoint};
use crate::domain::time::Timestamp;

/// Where a clock stands, as agents and filters see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockState {
    Running,
    /// Running and past its warning point.
    Warning,
    /// Stopped while the ticket waits on the customer or a third party.
    Paused,
    Met,
    /// Past its due time (it stays breached when it is met late).
    Breached,
}

impl ClockState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Warning => "warning",
            Self::Paused => "paused",
            Self::Met => "met",
            Self::Breached => "breached",
        }
    }
}

/// A target being measured on one ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaClock {
    pub target: SlaTarget,
    /// The target, in minutes of the clock's kind of time.
    pub minutes: u32,
    /// Business minutes by the policy's calendar, or calendar minutes.
    pub business_time: bool,
    pub started_at: Timestamp,
    /// Seconds used before `running_since` (all of them while stopped).
    pub used_seconds: i64,
    /// Running since then; `None` while paused or once met.
    pub running_since: Option<Timestamp>,
    /// While running: when it is due.
    pub due_at: Option<Timestamp>,
    /// While running and not yet warned: when it warns.
    pub warn_at: Option<Timestamp>,
    pub warned_at: Option<Timestamp>,
    /// When it was due and was not met (set once).
    pub breached_at: Option<Timestamp>,
    pub met_at: Option<Timestamp>,
    pub state: ClockState,
}

/// What a clock did on its own when looked at: passed its warning point or its due time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flag {
    Warning,
    Breached,
}

impl SlaClock {
    /// A clock of `minutes` running from `from`.
    pub fn start(target: SlaTarget, minutes: u32, business_time: bool, from: Timestamp) -> Self {
        Self {
            target,
            minutes,
            business_time,
            started_at: from,
            used_seconds: 0,
            running_since: Some(from),
            due_at: None,
            warn_at: None,
            warned_at: None,
            breached_at: None,
            met_at: None,
            state: ClockState::Running,
        }
    }

    pub fn is_running(&self) -> bool {
        self.running_since.is_some()
    }

    pub fn is_paused(&self) -> bool {
        self.running_since.is_none() && self.met_at.is_none()
    }

    pub fn is_met(&self) -> bool {
        self.met_at.is_some()
    }

    fn target_seconds(&self) -> i64 {
        i64::from(self.minutes) * 60
    }

    /// Seconds used up to `at` (business or calendar, as the clock counts).
    pub fn used_at(&self, at: Timestamp, calendar: &SlaCalendar) -> i64 {
        self.used_seconds
            + self
                .running_since
                .map_or(0, |since| measure(calendar, self.business_time, since, at))
    }

    /// Seconds left at `at`: below zero once breached.
    pub fn left_at(&self, at: Timestamp, calendar: &SlaCalendar) -> i64 {
        self.target_seconds() - self.used_at(at, calendar)
    }

    /// Sets the due and warning times of a running clock from what it has used.
    pub fn schedule(&mut self, calendar: &SlaCalendar, warning: WarningPoint) {
        let Some(since) = self.running_since else {
            self.due_at = None;
            self.warn_at = None;
            self.refresh_state();
            return;
        };
        let left = (self.target_seconds() - self.used_seconds).max(0);
        self.due_at = advance(calendar, self.business_time, since, left);
        self.warn_at = if self.warned_at.is_none() && self.breached_at.is_none() {
            let warn_left = (warning.seconds_into(self.target_seconds()) - self.used_seconds).max(0);
            advance(calendar, self.business_time, since, warn_left)
        } else {
            None
        };
        self.refresh_state();
    }

    /// Stops the clock at `at`, keeping what it used.
    pub fn pause(&mut self, at: Timestamp, calendar: &SlaCalendar) {
        if let Some(since) = self.running_since.take() {
            self.used_seconds += measure(calendar, self.business_time, since, at);
        }
        self.due_at = None;
        self.warn_at = None;
        self.refresh_state();
    }

    /// Runs a stopped clock again from `at` (a resume, or a reopened ticket's resolution).
    pub fn resume(&mut self, at: Timestamp, calendar: &SlaCalendar, warning: WarningPoint) {
        if self.running_since.is_none() {
            self.met_at = None;
            self.running_since = Some(at);
            self.schedule(calendar, warning);
        }
    }

    /// Met at `at`: flagged first if it was already overdue then.
    pub fn meet(&mut self, at: Timestamp, calendar: &SlaCalendar) -> Option<Flag> {
        if self.is_met() {
            return None;
        }
        let flag = self.due_at.filter(|due| *due < at).and_then(|_| self.flag(at));
        self.pause(at, calendar);
        self.met_at = Some(at);
        self.refresh_state();
        flag
    }

    /// What has come due by `at`: the breach (which swallows a warning not yet given), else the
    /// warning. Each is given once.
    pub fn flag(&mut self, at: Timestamp) -> Option<Flag> {
        if !self.is_running() {
            return None;
        }
        let flag = match (self.due_at, self.warn_at) {
            (Some(due), _) if due <= at && self.breached_at.is_none() => {
                self.breached_at = Some(due);
                self.warned_at.get_or_insert(due);
                self.warn_at = None;
                Some(Flag::Breached)
            }
            (_, Some(warn)) if warn <= at && self.warned_at.is_none() => {
                self.warned_at = Some(warn);
                self.warn_at = None;
                Some(Flag::Warning)
            }
            _ => None,
        };
        self.refresh_state();
        flag
    }

    /// The next moment this clock needs a look (its warning or its due time), if any.
    pub fn next_flag_at(&self) -> Option<Timestamp> {
        if !self.is_running() || self.breached_at.is_some() {
            return None;
        }
        match (self.warn_at, self.due_at) {
            (Some(warn), Some(due)) => Some(warn.min(due)),
            (warn, due) => warn.or(due),
        }
    }

    fn refresh_state(&mut self) {
        self.state = if self.breached_at.is_some() {
            ClockState::Breached
        } else if self.met_at.is_some() {
            ClockState::Met
        } else if self.running_since.is_none() {
            ClockState::Paused
        } else if self.warned_at.is_some() {
            ClockState::Warning
        } else {
            ClockState::Running
        };
    }
}

/// Seconds of the clock's kind of time between two instants.
fn measure(calendar: &SlaCalendar, business_time: bool, from: Timestamp, to: Timestamp) -> i64 {
    if business_time {
        calendar.business_duration_between(from, to).num_seconds()
    } else {
        (to.as_datetime() - from.as_datetime()).num_seconds().max(0)
    }
}

/// The instant `seconds` of the clock's kind of time after `from` (none when the calendar has
/// no working time at all).
fn advance(calendar: &SlaCalendar, business_time: bool, from: Timestamp, seconds: i64) -> Option<Timestamp> {
    let duration = TimeDelta::seconds(seconds);
    if business_time {
        calendar.add_business_duration(from, duration)
    } else {
        Some(Timestamp::new(from.as_datetime() + duration))
    }
}
