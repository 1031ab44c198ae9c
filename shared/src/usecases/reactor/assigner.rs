//! Agent assignment against the table, for the rules' `assign` action.

use chrono::Duration;

use crate::domain::load::{least_loaded, load_holder};
use crate::domain::rules::{AssignStrategy, Assigner};
use crate::domain::{AgentId, AgentLoad, DepartmentId, Ticket, Timestamp};
use crate::ports::{ActionLedger, StoreError, TeamStore, TicketStore};

/// Picks agents from the table: round-robin by an atomic counter per department, so
/// concurrent events each get the next agent; least-loaded by the agents' load counters, which
/// every ticket write keeps exact. A least-loaded pick remembers the load it saw, and the
/// rules' write holds only if that load has not moved since. A store error is kept, not
/// taken for "nobody is free": the caller fails the run with it (see [`Self::take_failure`]),
/// so a throttled read means a retry, never a ticket silently left unassigned.
pub struct TableAssigner<'a, S> {
    store: &'a S,
    now: Timestamp,
    /// A dry run looks but does not take a turn.
    dry_run: bool,
    /// Who carries the ticket being assigned; it does not count against them.
    holder: Option<AgentId>,
    seen: Vec<AgentLoad>,
    /// The first store error a pick met (the pick then answered `None`).
    failure: Option<StoreError>,
}

impl<'a, S> TableAssigner<'a, S> {
    pub fn new(store: &'a S, now: Timestamp, dry_run: bool) -> Self {
        Self {
            store,
            now,
            dry_run,
            holder: None,
            seen: vec![],
            failure: None,
        }
    }

    /// The same assigner for a ticket as read: its own load is not held against its holder.
    pub fn for_ticket(self, ticket: &Ticket) -> Self {
        Self {
            holder: load_holder(ticket),
            ..self
        }
    }

    /// The loads least-loaded picks were made on, latest last.
    pub fn loads_seen(&self) -> &[AgentLoad] {
        &self.seen
    }

    /// The store error a pick met, if any: the evaluation it was part of must not be used.
    pub fn take_failure(&mut self) -> Option<StoreError> {
        self.failure.take()
    }

    /// The value of a store read, or `None` with the error kept for [`Self::take_failure`].
    fn kept<T>(&mut self, result: Result<T, StoreError>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(e) => {
                tracing::warn!(error = %e, "an assignment could not read the store");
                self.failure.get_or_insert(e);
                None
            }
        }
    }
}

impl<S> Assigner for TableAssigner<'_, S>
where
    S: TicketStore + TeamStore + ActionLedger,
{
    async fn pick(&mut self, strategy: AssignStrategy, department: Option<&DepartmentId>) -> Option<AgentId> {
        let listed = self.store.list_agents().await;
        let mut agents: Vec<_> = self
            .kept(listed)?
            .into_iter()
            .filter(|a| a.can_work_in(department))
            .collect();
        agents.sort_by_key(|a| a.id);
        if agents.is_empty() {
            return None;
        }
        match strategy {
            AssignStrategy::Agent => None,
            AssignStrategy::RoundRobin if self.dry_run => agents.first().map(|a| a.id),
            AssignStrategy::RoundRobin => {
                let key = format!("round-robin#{}", department.map(DepartmentId::as_str).unwrap_or("any"));
                let expires = Timestamp::new(self.now.as_datetime() + Duration::days(365));
                let bumped = self.store.bump(&key, expires).await;
                let turn = self.kept(bumped)?;
                agents.get(((turn - 1) % agents.len() as u64) as usize).map(|a| a.id)
            }
            AssignStrategy::LeastLoaded => {
                let ids: Vec<AgentId> = agents.iter().map(|a| a.id).collect();
                let read = self.store.agent_loads(&ids).await;
                let loads = self.kept(read)?;
                let picked = least_loaded(&loads, self.holder)?;
                self.seen.push(picked);
                Some(picked.agent)
            }
        }
    }
}
