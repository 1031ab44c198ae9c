//! Merging one ticket into another: the source's conversation and audit trail carried into the
//! target's timeline, the source closed with a pointer. Two requesters' tickets merge only when
//! the agent says so, since each requester's mail and portal then show the joined ticket.

use std::sync::{Mutex, PoisonError};

use super::{DeskError, TicketDesk};
use crate::domain::{
    AuditEvent, Clock, DomainError, Message, Principal, Revision, Status, Ticket, TicketId, TicketRef,
};
use crate::ports::{
    ActionLedger, ContactStore, PageRequest, RuleStore, StoreError, TeamStore, TemplateStore, TicketStore,
};
use crate::usecases::commit::{Decision, commit_with_retry};

/// What an agent asks a merge to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MergeRequest {
    /// The ticket that lives on.
    pub into: TicketRef,
    /// The agent's explicit yes to merging tickets of two different requesters.
    pub different_requesters: bool,
}

impl<S, C> TicketDesk<S, C>
where
    S: TicketStore + ContactStore + TeamStore + TemplateStore + RuleStore + ActionLedger,
    C: Clock,
{
    /// Merges `source` into `target`, both of the same requester (see [`Self::merge_with`]).
    pub async fn merge(
        &self,
        who: &Principal,
        source: TicketRef,
        target: TicketRef,
    ) -> Result<(Ticket, Ticket), DeskError> {
        let request = MergeRequest {
            into: target,
            different_requesters: false,
        };
        self.merge_with(who, source, request).await
    }

    /// Merges `source` into `request.into`: the source's messages and audit trail are carried
    /// into the target's timeline, tags are joined, and the source is closed with a pointer.
    /// The caller must be able to work on both tickets. CCs are joined only between tickets of
    /// the same requester: the source's CCs were copied on one customer's conversation, not on
    /// another's.
    pub async fn merge_with(
        &self,
        who: &Principal,
        source: TicketRef,
        request: MergeRequest,
    ) -> Result<(Ticket, Ticket), DeskError> {
        // Copies carried into the target for an attempt that then lost its race or was
        // refused: removed again unless the merge is committed.
        let carried: Mutex<Option<(Vec<Message>, Vec<AuditEvent>)>> = Mutex::new(None);
        let carried_ref = &carried;
        let sla = &self.store.sla_book().await?;
        let merged = commit_with_retry(&self.store, |_| async move {
            let from = self.get_ticket(who, source).await?;
            let into = self.get_ticket(who, request.into).await?;
            check_mergeable(&from, &into)?;
            let same_requester = from.requester == into.requester;
            if !same_requester && !request.different_requesters {
                return Err(DeskError::DifferentRequesters {
                    source_number: from.number,
                    target_number: into.number,
                });
            }
            // Every check before anything is written: the target's side is decided first.
            let now = self.clock.now();
            let mut target = Revision::of(&into, who.actor(), now)?;
            target.absorb(&from, same_requester)?;
            let mut source = Revision::of(&from, who.actor(), now)?;
            source.merge_into(into.pointer());
            let (Some(from_write), Some(into_write)) = (source.into_write(sla), target.into_write(sla)) else {
                return Err(DeskError::Busy);
            };

            let carried_messages: Vec<Message> = self
                .all_messages(from.id)
                .await?
                .into_iter()
                .map(|m| Message {
                    ticket_id: into.id,
                    carried_from: Some(m.carried_from.unwrap_or(from.id)),
                    ..m
                })
                .collect();
            let carried_events: Vec<AuditEvent> = self
                .all_events(from.id)
                .await?
                .into_iter()
                .map(|e| AuditEvent {
                    ticket_id: into.id,
                    ticket_number: into.number,
                    carried_from: Some(e.carried_from.unwrap_or(from.id)),
                    ..e
                })
                .collect();
            // Too many to go in the merge's transaction; written first, under the keys the
            // copies keep on every attempt, and taken back below if the merge never lands.
            self.store.carry_over(&carried_messages, &carried_events).await?;
            let ticket_pair = (from_write.ticket.clone(), into_write.ticket.clone());
            // Each attempt carries all of the source's items so far, a superset of the last.
            *carried_ref.lock().unwrap_or_else(PoisonError::into_inner) = Some((carried_messages, carried_events));
            Ok(Decision::Commit(vec![from_write, into_write], ticket_pair))
        })
        .await;
        // A store that failed mid-commit may have committed: then the copies are the merged
        // ticket's timeline, and are kept.
        let not_merged = match &merged {
            Ok(_) => false,
            Err(DeskError::Store(StoreError::Unavailable(_) | StoreError::Unknown(_))) => false,
            Err(_) => true,
        };
        if not_merged && let Some((messages, events)) = carried.into_inner().unwrap_or_else(PoisonError::into_inner) {
            self.store.discard_carried(&messages, &events).await?;
        }
        merged
    }

    async fn all_messages(&self, ticket: TicketId) -> Result<Vec<Message>, StoreError> {
        let mut all = Vec::new();
        let mut page = PageRequest {
            limit: 100,
            cursor: None,
        };
        loop {
            let p = self.store.list_messages(ticket, &page).await?;
            all.extend(p.items);
            match p.cursor {
                Some(c) => page.cursor = Some(c),
                None => return Ok(all),
            }
        }
    }

    async fn all_events(&self, ticket: TicketId) -> Result<Vec<AuditEvent>, StoreError> {
        let mut all = Vec::new();
        let mut page = PageRequest {
            limit: 100,
            cursor: None,
        };
        loop {
            let p = self.store.list_events(ticket, &page).await?;
            all.extend(p.items);
            match p.cursor {
                Some(c) => page.cursor = Some(c),
                None => return Ok(all),
            }
        }
    }
}

fn check_mergeable(from: &Ticket, into: &Ticket) -> Result<(), DomainError> {
    if from.id == into.id {
        return Err(DomainError::invalid("into", "a ticket cannot be merged into itself"));
    }
    if let Some(p) = from.merged_into {
        return Err(DomainError::conflict(format!(
            "{} was already merged into {}",
            from.number, p.number
        )));
    }
    if let Some(p) = into.merged_into {
        return Err(DomainError::conflict(format!(
            "{} was merged into {}; merge into that one",
            into.number, p.number
        )));
    }
    if into.status == Status::Closed {
        return Err(DomainError::conflict(format!(
            "{} is closed; merge into an open ticket",
            into.number
        )));
    }
    if from.status == Status::Closed {
        return Err(DomainError::conflict(format!(
            "{} is closed and cannot be merged",
            from.number
        )));
    }
    Ok(())
}
