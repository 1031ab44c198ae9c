//! Agents' loads: how many unsolved tickets each agent carries. A ticket counts against its
//! assignee while it is unsolved; every write that changes who carries a ticket moves the count
//! with it, in the same transaction, so least-loaded assignment reads exact counts.

use std::collections::BTreeMap;

use super::ids::AgentId;
use super::ticket::Ticket;
use super::version::Version;

/// Least-loaded assignment passes over agents who carry this many unsolved tickets or more.
pub const MAX_AGENT_LOAD: i64 = 25;

/// The agent whose load `ticket` counts against: its assignee while it is unsolved (new, open,
/// pending, on hold), nobody once it is resolved, closed (merged tickets are closed) or spam.
pub fn load_holder(ticket: &Ticket) -> Option<AgentId> {
    ticket.assignee.filter(|_| ticket.status.is_unsolved())
}

/// A ticket as a write read it: the version the write is conditional on, and the agent who
/// carried it then. Only a ticket makes one, so every write of an existing ticket says what it
/// changes from, and the store can move the load from that agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AsRead {
    version: Version,
    holder: Option<AgentId>,
}

impl AsRead {
    pub fn of(ticket: &Ticket) -> Self {
        Self {
            version: ticket.version,
            holder: load_holder(ticket),
        }
    }

    pub fn version(self) -> Version {
        self.version
    }

    pub fn holder(self) -> Option<AgentId> {
        self.holder
    }
}

/// One agent's load going up or down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoadChange {
    pub agent: AgentId,
    pub delta: i64,
}

/// How loads move when a ticket carried by `before` (`None`: nobody, or a new ticket) comes to
/// be carried by `after`: nothing when they are the same.
pub fn load_changes(before: Option<AgentId>, after: Option<AgentId>) -> Vec<LoadChange> {
    if before == after {
        return vec![];
    }
    let down = before.map(|agent| LoadChange { agent, delta: -1 });
    let up = after.map(|agent| LoadChange { agent, delta: 1 });
    down.into_iter().chain(up).collect()
}

/// Several changes summed per agent (one transaction touches an agent's counter once), in
/// agent order, without the ones that cancel out.
pub fn net_load_changes(changes: impl IntoIterator<Item = LoadChange>) -> Vec<LoadChange> {
    let mut sums = BTreeMap::new();
    for change in changes {
        *sums.entry(change.agent).or_insert(0) += change.delta;
    }
    sums.into_iter()
        .filter(|(_, delta)| *delta != 0)
        .map(|(agent, delta)| LoadChange { agent, delta })
        .collect()
}

/// An agent's load counter as read (0 when it never counted).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AgentLoad {
    pub agent: AgentId,
    pub count: i64,
}

/// The agent to give a ticket to: the least loaded, on a tie the lowest id, never one at or over
/// [`MAX_AGENT_LOAD`]. `holder` is who carries the ticket now; the ticket is not counted against
/// them, so an agent already holding it keeps it when nobody else has less.
pub fn least_loaded(loads: &[AgentLoad], holder: Option<AgentId>) -> Option<AgentLoad> {
    loads
        .iter()
        .map(|l| {
            let own = i64::from(holder == Some(l.agent));
            (l.count.max(0) - own, l)
        })
        .filter(|(load, _)| *load < MAX_AGENT_LOAD)
        .min_by_key(|(load, l)| (*load, l.agent))
        .map(|(_, l)| *l)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ticket::tests::{at, sample_ticket};
    use crate::domain::{Status, TicketPatch};

    fn agent(n: u64) -> AgentId {
        AgentId::generate(at(&format!("2026-01-01T00:00:{n:02}Z")))
    }

    fn up(agent: AgentId) -> LoadChange {
        LoadChange { agent, delta: 1 }
    }

    fn down(agent: AgentId) -> LoadChange {
        LoadChange { agent, delta: -1 }
    }

    /// The changes a patch makes to a ticket, the way the store works them out.
    fn changes_of(ticket: &Ticket, patch: TicketPatch) -> Vec<LoadChange> {
        let read = AsRead::of(ticket);
        let mut after = ticket.clone();
        after.apply(&patch, at("2026-02-01T00:00:00Z")).unwrap();
        load_changes(read.holder(), load_holder(&after))
    }

    fn assigned(status: Status, to: Option<AgentId>) -> Ticket {
        Ticket {
            status,
            assignee: to,
            ..sample_ticket()
        }
    }

    #[test]
    fn an_unsolved_ticket_counts_against_its_assignee() {
        let a = agent(1);
        for status in Status::ALL {
            let expected = status.is_unsolved().then_some(a);
            assert_eq!(load_holder(&assigned(status, Some(a))), expected, "{status}");
            assert_eq!(load_holder(&assigned(status, None)), None, "{status}");
        }
    }

    #[test]
    fn as_read_keeps_the_version_and_the_holder() {
        let a = agent(1);
        let ticket = assigned(Status::Open, Some(a));
        let read = AsRead::of(&ticket);
        assert_eq!(read.version(), ticket.version);
        assert_eq!(read.holder(), Some(a));
        assert_eq!(AsRead::of(&assigned(Status::Resolved, Some(a))).holder(), None);
    }

    #[test]
    fn creating_a_ticket_with_an_assignee_counts_it() {
        let a = agent(1);
        assert_eq!(
            load_changes(None, load_holder(&assigned(Status::New, Some(a)))),
            [up(a)]
        );
        assert_eq!(load_changes(None, load_holder(&assigned(Status::New, None))), []);
        // Mail that SES marked as spam is nobody's work.
        assert_eq!(load_changes(None, load_holder(&assigned(Status::Spam, Some(a)))), []);
    }

    #[test]
    fn assigning_reassigning_and_unassigning_move_the_load() {
        let (a, b) = (agent(1), agent(2));
        let assign = |to| TicketPatch {
            assignee: Some(to),
            ..Default::default()
        };
        assert_eq!(changes_of(&assigned(Status::Open, None), assign(Some(a))), [up(a)]);
        assert_eq!(
            changes_of(&assigned(Status::Open, Some(a)), assign(Some(b))),
            [down(a), up(b)]
        );
        assert_eq!(changes_of(&assigned(Status::Pending, Some(a)), assign(None)), [down(a)]);
        assert_eq!(changes_of(&assigned(Status::Open, Some(a)), assign(Some(a))), []);
        // A solved ticket carries no load, whoever it is given to.
        assert_eq!(changes_of(&assigned(Status::Resolved, Some(a)), assign(Some(b))), []);
    }

    #[test]
    fn solving_and_reopening_move_the_load() {
        let a = agent(1);
        let status = |to| TicketPatch {
            status: Some(to),
            ..Default::default()
        };
        assert_eq!(
            changes_of(&assigned(Status::Open, Some(a)), status(Status::Resolved)),
            [down(a)]
        );
        assert_eq!(
            changes_of(&assigned(Status::New, Some(a)), status(Status::Spam)),
            [down(a)]
        );
        assert_eq!(
            changes_of(&assigned(Status::Resolved, Some(a)), status(Status::Closed)),
            []
        );
        assert_eq!(
            changes_of(&assigned(Status::Resolved, Some(a)), status(Status::Open)),
            [up(a)]
        );
        assert_eq!(
            changes_of(&assigned(Status::Spam, Some(a)), status(Status::Open)),
            [up(a)]
        );
        // Waiting on the customer is still the agent's work.
        assert_eq!(
            changes_of(&assigned(Status::Open, Some(a)), status(Status::Pending)),
            []
        );
        assert_eq!(changes_of(&assigned(Status::Resolved, None), status(Status::Open)), []);
    }

    #[test]
    fn resolving_and_reassigning_at_once_frees_the_first_agent_only() {
        let (a, b) = (agent(1), agent(2));
        let patch = TicketPatch {
            status: Some(Status::Resolved),
            assignee: Some(Some(b)),
            ..Default::default()
        };
        assert_eq!(changes_of(&assigned(Status::Open, Some(a)), patch), [down(a)]);
    }

    #[test]
    fn a_merge_frees_the_source_and_leaves_the_target() {
        let (a, b) = (agent(1), agent(2));
        let source = assigned(Status::Open, Some(a));
        let mut merged = source.clone();
        // What the desk's merge does to the source: it is closed.
        merged.status = Status::Closed;
        merged.merged_into = Some(crate::domain::TicketPointer {
            id: assigned(Status::Open, Some(b)).id,
            number: crate::domain::TicketNumber::new(1002),
        });
        let target = assigned(Status::Open, Some(b));
        let all = load_changes(AsRead::of(&source).holder(), load_holder(&merged))
            .into_iter()
            .chain(load_changes(AsRead::of(&target).holder(), load_holder(&target)));
        assert_eq!(net_load_changes(all), [down(a)]);
    }

    #[test]
    fn changes_in_one_transaction_are_summed_per_agent() {
        let (a, b, c) = (agent(1), agent(2), agent(3));
        let net = net_load_changes([down(a), up(b), down(b), up(c), up(c), up(a)]);
        assert_eq!(net, [LoadChange { agent: c, delta: 2 }]);
        assert_eq!(net_load_changes([]), []);
    }

    #[test]
    fn the_least_loaded_agent_wins_and_ties_go_to_the_lowest_id() {
        let (a, b, c) = (agent(1), agent(2), agent(3));
        let load = |agent, count| AgentLoad { agent, count };
        assert_eq!(
            least_loaded(&[load(c, 2), load(a, 3), load(b, 2)], None),
            Some(load(b, 2))
        );
        assert_eq!(least_loaded(&[load(b, 0), load(a, 0)], None), Some(load(a, 0)));
        assert_eq!(least_loaded(&[], None), None);
        // A counter below zero (tickets assigned before counting began) reads as none.
        assert_eq!(least_loaded(&[load(a, -2), load(b, 0)], None), Some(load(a, -2)));
    }

    #[test]
    fn agents_at_the_maximum_are_passed_over() {
        let (a, b) = (agent(1), agent(2));
        let load = |agent, count| AgentLoad { agent, count };
        assert_eq!(
            least_loaded(&[load(a, MAX_AGENT_LOAD), load(b, MAX_AGENT_LOAD - 1)], None),
            Some(load(b, MAX_AGENT_LOAD - 1))
        );
        assert_eq!(least_loaded(&[load(a, MAX_AGENT_LOAD), load(b, 40)], None), None);
    }

    #[test]
    fn the_ticket_does_not_count_against_the_agent_holding_it() {
        let (a, b) = (agent(1), agent(2));
        let load = |agent, count| AgentLoad { agent, count };
        // a's 3 include this ticket: without it a has 2, as few as b, and keeps it (lower id).
        assert_eq!(least_loaded(&[load(a, 3), load(b, 2)], Some(a)), Some(load(a, 3)));
        assert_eq!(least_loaded(&[load(a, 3), load(b, 2)], None), Some(load(b, 2)));
        // Holding it at the maximum, a may keep it: keeping adds nothing.
        assert_eq!(
            least_loaded(&[load(a, MAX_AGENT_LOAD)], Some(a)),
            Some(load(a, MAX_AGENT_LOAD))
        );
    }
}
