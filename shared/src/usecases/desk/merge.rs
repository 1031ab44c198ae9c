//! Merging one ticket into another: the source's conversation and audit trail carried into the
//! target's timeline, the source closed with a pointer. Two requesters' tickets merge only when
//! the agent says so, since each requester's mail and portal then show the joined ticket.

use std::collections::BTreeSet;

use super::{DeskError, TicketDesk, WRITE_ATTEMPTS, event};
use crate::domain::TicketField;
use crate::domain::ticket::{check_cc_count, check_tag_count};
use crate::domain::{
    AsRead, AuditEvent, Clock, DomainError, EventType, FieldChange, Message, Principal, Status, Tag, Ticket, TicketId,
    TicketPointer, TicketRef,
};
use crate::ports::{
    ActionLedger, ContactStore, PageRequest, RuleStore, StoreError, TeamStore, TemplateStore, TicketStore, TicketWrite,
};

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
        for _ in 0..WRITE_ATTEMPTS {
            let mut from = self.get_ticket(who, source).await?;
            let mut into = self.get_ticket(who, request.into).await?;
            check_mergeable(&from, &into)?;
            let same_requester = from.requester == into.requester;
            if !same_requester && !request.different_requesters {
                return Err(DeskError::DifferentRequesters {
                    source_number: from.number,
                    target_number: into.number,
                });
            }
            let now = self.clock.now();

            let messages = self.all_messages(from.id).await?;
            let events = self.all_events(from.id).await?;
            let carried_messages: Vec<Message> = messages
                .into_iter()
                .map(|m| Message {
                    ticket_id: into.id,
                    carried_from: Some(m.carried_from.unwrap_or(from.id)),
                    ..m
                })
                .collect();
            let carried_events: Vec<AuditEvent> = events
                .into_iter()
                .map(|e| AuditEvent {
                    ticket_id: into.id,
                    ticket_number: into.number,
                    carried_from: Some(e.carried_from.unwrap_or(from.id)),
                    ..e
                })
                .collect();
            self.store.carry_over(&carried_messages, &carried_events).await?;

            let (from_read, into_read) = (AsRead::of(&from), AsRead::of(&into));
            let pointer_to = TicketPointer {
                id: into.id,
                number: into.number,
            };
            let pointer_from = TicketPointer {
                id: from.id,
                number: from.number,
            };

            let mut from_changes = vec![FieldChange::new(
                TicketField::MergedInto,
                None::<TicketPointer>,
                pointer_to,
            )];
            from.merged_into = Some(pointer_to);
            if from.status != Status::Closed {
                from_changes.push(FieldChange::new(TicketField::Status, from.status, Status::Closed));
                from.status = Status::Closed;
                from.closed_at = Some(now);
            }
            from.updated_at = now;
            from.version = from_read.version().next();
            let mut from_event = event(&from, EventType::TicketMergedInto, who.actor(), now, from_changes, None);
            from_event.related = Some(pointer_to);

            let mut into_changes = Vec::new();
            let tags: BTreeSet<Tag> = into.tags.union(&from.tags).cloned().collect();
            check_tag_count(&tags)?;
            if tags != into.tags {
                into_changes.push(FieldChange::new(TicketField::Tags, &into.tags, &tags));
                into.tags = tags;
            }
            if same_requester {
                for cc in &from.cc {
                    if !into.cc.iter().any(|c| c.normalized() == cc.normalized()) {
                        into.cc.push(cc.clone());
                    }
                }
                check_cc_count(&into.cc)?;
            }
            into.updated_at = now;
            into.version = into_read.version().next();
            let mut into_event = event(&into, EventType::TicketMerged, who.actor(), now, into_changes, None);
            into_event.related = Some(pointer_from);

            let writes = [
                TicketWrite {
                    ticket: from.clone(),
                    read: Some(from_read),
                    messages: vec![],
                    events: vec![from_event],
                    once: vec![],
                },
                TicketWrite {
                    ticket: into.clone(),
                    read: Some(into_read),
                    messages: vec![],
                    events: vec![into_event],
                    once: vec![],
                },
            ];
            match self.store.commit(&writes).await {
                Ok(()) => return Ok((from, into)),
                Err(StoreError::VersionConflict) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(DeskError::Busy)
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
