//! Metrics kept as events happen: what each ticket event adds to the counters and latency
//! histograms of its UTC hour, per group (department, channel, priority, agent), and how a
//! period's figures are read back from those hourly aggregates (`figures`). Pure: the metrics
//! consumer stores what [`contribution`] returns, and a report reads O(hours × groups) items.
//!
//! What counts where (docs/reports.md has the same for readers):
//! - `created`: `ticket.created`. `solved`: a status change from unsolved to resolved or closed.
//!   `reopened`: from resolved or closed back to unsolved. `backlog_delta`: +1 created, −1 on
//!   leaving the unsolved states (solved or spam), +1 on coming back.
//! - `replies`: `message.agent_reply` (public agent replies). On a solve: `solved_replies` adds
//!   the public agent replies the ticket had, and `fcr` counts a solve with exactly one.
//! - `transfers`: a department change from one department to another.
//! - SLA: on a solve, each clock of the ticket counts once as met or breached.
//! - latencies: first response at the reply that made it (calendar seconds since creation,
//!   and the first-response clock's business seconds when its policy counts business time);
//!   resolution at each solve, the same way with the resolution clock.
//! - CSAT: `csat.received` adds the rating (good or bad) and takes back the one it replaces.
//!
//! Every figure goes to the groups of the ticket as that change left it (the event's `ticket`).

pub mod figures;
pub mod histogram;
pub mod schedule;
pub mod subscription;
#[cfg(test)]
mod tests;

use serde_json::Value;

use crate::domain::audit::EventType;
use crate::domain::events::{TicketEvent, TicketFacts};
use crate::domain::satisfaction::Rating;
use crate::domain::sla::SlaTarget;
use crate::domain::ticket::{Status, TicketField};
use crate::domain::time::Timestamp;
pub use histogram::Histogram;

/// What figures can be grouped by. `All` is the desk as a whole (one group, `all`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Dimension {
    All,
    Department,
    Channel,
    Priority,
    Agent,
}

impl Dimension {
    pub const ALL: [Dimension; 5] = [
        Dimension::All,
        Dimension::Department,
        Dimension::Channel,
        Dimension::Priority,
        Dimension::Agent,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Dimension::All => "all",
            Dimension::Department => "department",
            Dimension::Channel => "channel",
            Dimension::Priority => "priority",
            Dimension::Agent => "agent",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.as_str() == text)
    }
}

/// The value of a group for tickets without a department or an assignee.
pub const NONE: &str = "none";

/// One group of one dimension, e.g. department `billing`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Group {
    pub dimension: Dimension,
    pub value: String,
}

impl Group {
    pub fn new(dimension: Dimension, value: impl Into<String>) -> Self {
        Self {
            dimension,
            value: value.into(),
        }
    }

    /// The groups a ticket in this state counts in: one per dimension.
    pub fn of(facts: &TicketFacts) -> Vec<Group> {
        vec![
            Group::new(Dimension::All, "all"),
            Group::new(
                Dimension::Department,
                facts.department.as_ref().map_or(NONE.to_owned(), |d| d.to_string()),
            ),
            Group::new(Dimension::Channel, facts.channel.as_str()),
            Group::new(Dimension::Priority, facts.priority.as_str()),
            Group::new(
                Dimension::Agent,
                facts.assignee.map_or(NONE.to_owned(), |a| a.to_string()),
            ),
        ]
    }
}

/// The counters, by the names they are stored and reported under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Counter {
    Created,
    Solved,
    Reopened,
    BacklogDelta,
    Replies,
    SolvedReplies,
    Transfers,
    Fcr,
    SlaFirstResponseMet,
    SlaFirstResponseBreached,
    SlaNextResponseMet,
    SlaNextResponseBreached,
    SlaResolutionMet,
    SlaResolutionBreached,
    CsatGood,
    CsatBad,
}

impl Counter {
    pub const ALL: [Counter; 16] = [
        Counter::Created,
        Counter::Solved,
        Counter::Reopened,
        Counter::BacklogDelta,
        Counter::Replies,
        Counter::SolvedReplies,
        Counter::Transfers,
        Counter::Fcr,
        Counter::SlaFirstResponseMet,
        Counter::SlaFirstResponseBreached,
        Counter::SlaNextResponseMet,
        Counter::SlaNextResponseBreached,
        Counter::SlaResolutionMet,
        Counter::SlaResolutionBreached,
        Counter::CsatGood,
        Counter::CsatBad,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Counter::Created => "created",
            Counter::Solved => "solved",
            Counter::Reopened => "reopened",
            Counter::BacklogDelta => "backlog_delta",
            Counter::Replies => "replies",
            Counter::SolvedReplies => "solved_replies",
            Counter::Transfers => "transfers",
            Counter::Fcr => "fcr",
            Counter::SlaFirstResponseMet => "sla_first_response_met",
            Counter::SlaFirstResponseBreached => "sla_first_response_breached",
            Counter::SlaNextResponseMet => "sla_next_response_met",
            Counter::SlaNextResponseBreached => "sla_next_response_breached",
            Counter::SlaResolutionMet => "sla_resolution_met",
            Counter::SlaResolutionBreached => "sla_resolution_breached",
            Counter::CsatGood => "csat_good",
            Counter::CsatBad => "csat_bad",
        }
    }

    fn sla(target: SlaTarget, breached: bool) -> Counter {
        match (target, breached) {
            (SlaTarget::FirstResponse, false) => Counter::SlaFirstResponseMet,
            (SlaTarget::FirstResponse, true) => Counter::SlaFirstResponseBreached,
            (SlaTarget::NextResponse, false) => Counter::SlaNextResponseMet,
            (SlaTarget::NextResponse, true) => Counter::SlaNextResponseBreached,
            (SlaTarget::Resolution, false) => Counter::SlaResolutionMet,
            (SlaTarget::Resolution, true) => Counter::SlaResolutionBreached,
        }
    }
}

/// The latencies measured, each a histogram.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Latency {
    FirstResponse,
    FirstResponseBusiness,
    Resolution,
    ResolutionBusiness,
}

impl Latency {
    pub const ALL: [Latency; 4] = [
        Latency::FirstResponse,
        Latency::FirstResponseBusiness,
        Latency::Resolution,
        Latency::ResolutionBusiness,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Latency::FirstResponse => "first_response",
            Latency::FirstResponseBusiness => "first_response_business",
            Latency::Resolution => "resolution",
            Latency::ResolutionBusiness => "resolution_business",
        }
    }

    /// The short prefix of its buckets' stored attributes (`fr_07`).
    pub fn key(self) -> &'static str {
        match self {
            Latency::FirstResponse => "fr",
            Latency::FirstResponseBusiness => "frb",
            Latency::Resolution => "res",
            Latency::ResolutionBusiness => "resb",
        }
    }
}

/// Counters and histograms of one group over some time: what is stored per hour and added up
/// for a day or a period.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    pub counters: [i64; Counter::ALL.len()],
    pub latencies: [Histogram; Latency::ALL.len()],
}

impl Tally {
    pub fn get(&self, counter: Counter) -> i64 {
        self.counters[counter as usize]
    }

    pub fn bump(&mut self, counter: Counter, by: i64) {
        self.counters[counter as usize] += by;
    }

    pub fn latency(&self, latency: Latency) -> &Histogram {
        &self.latencies[latency as usize]
    }

    pub fn record(&mut self, latency: Latency, seconds: i64) {
        self.latencies[latency as usize].record(seconds);
    }

    pub fn add(&mut self, other: &Tally) {
        for (mine, theirs) in self.counters.iter_mut().zip(other.counters.iter()) {
            *mine += theirs;
        }
        for (mine, theirs) in self.latencies.iter_mut().zip(other.latencies.iter()) {
            mine.add(theirs);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.counters.iter().all(|c| *c == 0) && self.latencies.iter().all(Histogram::is_empty)
    }
}

/// The UTC hour an event counts in, as stored: `YYYY-MM-DDTHH`.
pub fn hour_of(at: Timestamp) -> String {
    at.as_datetime().format("%Y-%m-%dT%H").to_string()
}

/// What one event adds: to the tally of each group, in one UTC hour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contribution {
    pub hour: String,
    pub groups: Vec<Group>,
    pub tally: Tally,
}

/// Whether [`contribution`] needs the count of public agent replies the ticket had at the event
/// (a solve: first-contact resolution and replies per solved ticket).
pub fn needs_reply_count(event: &TicketEvent) -> bool {
    event.event_type != EventType::TicketMergedInto
        && status_move(event).is_some_and(|(from, to)| from.is_unsolved() && is_solved(to))
}

/// What `event` adds to the metrics, or `None` when it adds nothing (or carries no `ticket`,
/// as events stored before the contract had it). `agent_replies` is the ticket's public agent
/// replies up to the event, asked for by [`needs_reply_count`].
pub fn contribution(event: &TicketEvent, agent_replies: Option<u32>) -> Option<Contribution> {
    let facts = event.ticket.as_ref()?;
    let mut tally = Tally::default();
    let since_created = (event.at.as_datetime() - facts.created_at.as_datetime()).num_seconds();
    if event.event_type == EventType::TicketCreated {
        tally.bump(Counter::Created, 1);
        tally.bump(Counter::BacklogDelta, 1);
    }
    if let Some((from, to)) = status_move(event) {
        if from.is_unsolved() && !to.is_unsolved() {
            tally.bump(Counter::BacklogDelta, -1);
        }
        if !from.is_unsolved() && to.is_unsolved() {
            tally.bump(Counter::BacklogDelta, 1);
        }
        if is_solved(from) && to.is_unsolved() {
            tally.bump(Counter::Reopened, 1);
        }
        // A ticket merged away is closed, but nobody solved it.
        if from.is_unsolved() && is_solved(to) && event.event_type != EventType::TicketMergedInto {
            solve(&mut tally, facts, since_created, agent_replies);
        }
    }
    if event.event_type == EventType::AgentReplied {
        tally.bump(Counter::Replies, 1);
        if facts.first_response_at == Some(event.at) {
            tally.record(Latency::FirstResponse, since_created);
            if let Some(seconds) = business_seconds(facts, SlaTarget::FirstResponse) {
                tally.record(Latency::FirstResponseBusiness, seconds);
            }
        }
    }
    let transfers = event
        .changes
        .iter()
        .filter(|c| c.field == TicketField::Department && !c.from.is_null() && !c.to.is_null())
        .count();
    tally.bump(Counter::Transfers, transfers as i64);
    let mut groups = Group::of(facts);
    if event.event_type == EventType::CsatReceived
        && let Some(change) = event.changes.iter().find(|c| c.field == TicketField::Satisfaction)
    {
        for (value, sign) in [(&change.to, 1), (&change.from, -1)] {
            match rating(value) {
                Some(Rating::Good) => tally.bump(Counter::CsatGood, sign),
                Some(Rating::Bad) => tally.bump(Counter::CsatBad, sign),
                None => {}
            }
        }
        // A rating counts for the agent who solved the ticket, wherever it went since.
        if let Some(agent) = change.to.get("agent").and_then(Value::as_str) {
            groups.retain(|g| g.dimension != Dimension::Agent);
            groups.push(Group::new(Dimension::Agent, agent));
        }
    }
    (!tally.is_empty()).then(|| Contribution {
        hour: hour_of(event.at),
        groups,
        tally,
    })
}

fn solve(tally: &mut Tally, facts: &TicketFacts, since_created: i64, agent_replies: Option<u32>) {
    tally.bump(Counter::Solved, 1);
    tally.record(Latency::Resolution, since_created);
    if let Some(seconds) = business_seconds(facts, SlaTarget::Resolution) {
        tally.record(Latency::ResolutionBusiness, seconds);
    }
    if let Some(replies) = agent_replies {
        tally.bump(Counter::SolvedReplies, i64::from(replies));
        if replies == 1 {
            tally.bump(Counter::Fcr, 1);
        }
    }
    for clock in &facts.sla {
        if clock.met_at.is_some() || clock.breached_at.is_some() {
            tally.bump(Counter::sla(clock.target, clock.breached_at.is_some()), 1);
        }
    }
}

fn is_solved(status: Status) -> bool {
    matches!(status, Status::Resolved | Status::Closed)
}

/// The event's status change, if any.
fn status_move(event: &TicketEvent) -> Option<(Status, Status)> {
    let change = event.changes.iter().find(|c| c.field == TicketField::Status)?;
    let status = |v: &Value| v.as_str().and_then(|s| Status::parse(s).ok());
    Some((status(&change.from)?, status(&change.to)?))
}

/// The business seconds a met clock of `target` used, when its policy counts business time.
fn business_seconds(facts: &TicketFacts, target: SlaTarget) -> Option<i64> {
    facts
        .sla
        .iter()
        .find(|c| c.target == target && c.business_time && c.met_at.is_some())
        .map(|c| c.used_seconds)
}

fn rating(value: &Value) -> Option<Rating> {
    value
        .get("rating")
        .and_then(Value::as_str)
        .and_then(|r| Rating::parse(r).ok())
}
