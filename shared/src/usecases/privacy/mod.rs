//! Personal data on request (docs/privacy.md): an admin exports everything the desk holds
//! about one contact ([`export`]) or erases it ([`erase`]); admins and managers see that the
//! requests were carried out.
//!
//! The retention job ([`retention`]) takes the requester's data out of tickets solved long
//! enough ago, ticket by ticket, with the erasure's steps.
//!
//! Export and erasure find the person's tickets by Query only: those they requested on `byRequester`, those
//! they were copied on by the CC pointers the ticket writes keep.

mod erase;
mod export;
mod retention;

pub use export::{EXPORT_LINK_SECONDS, Export};
pub use retention::RetentionReport;

use crate::domain::privacy::PrivacyRequest;
use crate::domain::{AuditEvent, Clock, Contact, ContactId, Message, Principal, Role, Ticket, TicketId};
use crate::ports::{
    BlobEraser, BlobStore, ContactStore, FileLinks, Page, PageRequest, PrivacyStore, StoreError, TicketQuery,
    TicketStore,
};
use crate::usecases::desk::DeskError;

/// Reads of one list go this far per page.
const PAGE: usize = 100;

/// The privacy desk: the store, the mail bucket's files and the clock it works with.
pub struct PrivacyDesk<'a, S, B, C> {
    store: &'a S,
    files: &'a B,
    clock: &'a C,
    /// The mail bucket, where exports are put.
    bucket: &'a str,
}

impl<'a, S, B, C> PrivacyDesk<'a, S, B, C>
where
    S: TicketStore + ContactStore + PrivacyStore,
    B: BlobStore + BlobEraser + FileLinks,
    C: Clock,
{
    pub fn new(store: &'a S, files: &'a B, clock: &'a C, bucket: &'a str) -> Self {
        Self {
            store,
            files,
            clock,
            bucket,
        }
    }

    /// Exports and erasures, for admins and managers (the proof they were carried out, none
    /// of the data).
    pub async fn requests(&self, who: &Principal, page: &PageRequest) -> Result<Page<PrivacyRequest>, DeskError> {
        who.require(Role::Manager)?;
        Ok(self.store.list_requests(page).await?)
    }

    async fn contact(&self, id: ContactId) -> Result<Contact, DeskError> {
        self.store
            .get_contact(id)
            .await?
            .ok_or_else(|| DeskError::NotFound("contact".into()))
    }

    /// The person's tickets: requested (by the `byRequester` index) and copied on (by the CC
    /// pointers), each once, oldest first.
    async fn tickets_of(&self, person: &Contact) -> Result<Vec<Ticket>, StoreError> {
        let mut ids = std::collections::BTreeSet::new();
        let mut cursor = None;
        loop {
            let query = TicketQuery {
                requester: Some(person.id),
                limit: PAGE,
                cursor,
                ..Default::default()
            };
            let page = self.store.list_tickets(&query).await?;
            ids.extend(page.items.iter().map(|t| t.id));
            match page.cursor {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        if let Some(email) = &person.email {
            ids.extend(self.store.cc_tickets(email).await?);
        }
        let mut tickets = Vec::with_capacity(ids.len());
        for id in ids {
            tickets.extend(self.store.get_ticket(id).await?);
        }
        Ok(tickets)
    }

    async fn all_messages(&self, ticket: TicketId) -> Result<Vec<Message>, StoreError> {
        let mut all = Vec::new();
        let mut page = PageRequest {
            limit: PAGE,
            cursor: None,
        };
        loop {
            let got = self.store.list_messages(ticket, &page).await?;
            all.extend(got.items);
            match got.cursor {
                Some(next) => page.cursor = Some(next),
                None => return Ok(all),
            }
        }
    }

    async fn all_events(&self, ticket: TicketId) -> Result<Vec<AuditEvent>, StoreError> {
        let mut all = Vec::new();
        let mut page = PageRequest {
            limit: PAGE,
            cursor: None,
        };
        loop {
            let got = self.store.list_events(ticket, &page).await?;
            all.extend(got.items);
            match got.cursor {
                Some(next) => page.cursor = Some(next),
                None => return Ok(all),
            }
        }
    }
}

/// A new request's id: a ULID of when it was asked.
fn request_id(now: crate::domain::Timestamp) -> String {
    ulid::Ulid::from_datetime(now.as_datetime().into()).to_string()
}
