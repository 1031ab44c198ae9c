//! The I/O half of threading: finds the tickets a mail's hints name and checks the signed
//! ones; `domain::threading::decide` says which, if any, the sender may continue.

use crate::domain::mail::ThreadHint;
use crate::domain::signing::LinkSigner;
use crate::domain::threading::NamedTicket;
use crate::domain::{Ticket, TicketId};
use crate::ports::{StoreError, TicketStore};

/// How far a merged ticket's pointers are followed.
const MERGE_HOPS: usize = 5;

pub struct ThreadResolver<'a, S> {
    store: &'a S,
    /// Checks the tags of our reply addresses; without it no address counts as signed.
    signer: Option<&'a LinkSigner>,
}

impl<'a, S: TicketStore> ThreadResolver<'a, S> {
    pub fn new(store: &'a S, signer: Option<&'a LinkSigner>) -> Self {
        Self { store, signer }
    }

    /// The tickets `hints` name, strongest evidence first, each followed through merges to
    /// the ticket that lives on. A tag is checked against the ticket its address names (the
    /// one our mail was about), so it keeps working after that ticket is merged away.
    pub async fn named(&self, hints: &[ThreadHint]) -> Result<Vec<NamedTicket>, StoreError> {
        let mut named: Vec<NamedTicket> = Vec::new();
        for hint in hints {
            let (id, signed) = match hint {
                ThreadHint::Signed { number, signature } => match self.store.find_ticket_id(*number).await? {
                    Some(id) => (Some(id), self.signer.is_some_and(|s| s.check_reply_tag(id, signature))),
                    None => (None, false),
                },
                ThreadHint::MessageId(m) => (self.store.find_message_id(m).await?.map(|(t, _)| t), false),
                ThreadHint::Number(n) => (self.store.find_ticket_id(*n).await?, false),
            };
            let Some(ticket) = self.living(id).await? else {
                continue;
            };
            match named.iter_mut().find(|n| n.ticket.id == ticket.id) {
                Some(seen) => seen.signed |= signed,
                None => named.push(NamedTicket { ticket, signed }),
            }
        }
        Ok(named)
    }

    async fn living(&self, id: Option<TicketId>) -> Result<Option<Ticket>, StoreError> {
        let Some(id) = id else { return Ok(None) };
        let Some(mut ticket) = self.store.get_ticket(id).await? else {
            return Ok(None);
        };
        for _ in 0..MERGE_HOPS {
            let Some(next) = ticket.merged_into else { break };
            match self.store.get_ticket(next.id).await? {
                Some(t) => ticket = t,
                None => break,
            }
        }
        Ok(Some(ticket))
    }
}
