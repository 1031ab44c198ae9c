//! What one delivery of one ticket event reads, read once: its actions (the rules, then the
//! acknowledgement or the reply's mails) look at the same ticket, message, requester,
//! department and addresses, and before this each read them again (docs/benchmarks.md has the
//! counts before and after). Kept for one delivery only: a redelivery reads afresh, so the
//! claims, not this memo, still decide what runs once.
//!
//! The ticket is the one exception to "as first read": after the rules wrote it, the actions
//! after them see it as written (the department the rules routed it to sends the mail).

use std::collections::HashMap;
use std::sync::Mutex;

use tokio::sync::OnceCell;

use crate::domain::{Contact, ContactId, DepartmentId, EmailAddress, Message, Ticket, TicketEvent};
use crate::ports::{ContactStore, StoreError, TeamStore, TicketStore};

/// The reads of one event's delivery (see the module's comment). `Default` is a memo with
/// nothing in it yet (a sweep's run starts with one per ticket).
#[derive(Debug, Default)]
pub struct EventReads {
    ticket: Mutex<Option<Ticket>>,
    message: OnceCell<Option<Message>>,
    contacts: Mutex<HashMap<ContactId, Option<Contact>>>,
    team_names: Mutex<HashMap<Option<DepartmentId>, String>>,
    /// Whether mail may go to an address (by its normalised form).
    deliverable: Mutex<HashMap<String, bool>>,
}

impl EventReads {
    /// The event's ticket: as the rules left it when they ran in this delivery, else read.
    pub async fn ticket<S: TicketStore>(&self, store: &S, event: &TicketEvent) -> Result<Option<Ticket>, StoreError> {
        if let Some(ticket) = self.lock_ticket().clone() {
            return Ok(Some(ticket));
        }
        let ticket = store.get_ticket(event.ticket_id).await?;
        self.saw_ticket(ticket.clone());
        Ok(ticket)
    }

    /// The ticket as it stands now (read or written by this delivery).
    pub fn saw_ticket(&self, ticket: Option<Ticket>) {
        if let Some(ticket) = ticket {
            *self.lock_ticket() = Some(ticket);
        }
    }

    /// The event's message, if it names one.
    pub async fn message<S: TicketStore>(&self, store: &S, event: &TicketEvent) -> Result<Option<Message>, StoreError> {
        self.message
            .get_or_try_init(|| async {
                match event.message_id {
                    Some(m) => store.get_message(event.ticket_id, m).await,
                    None => Ok(None),
                }
            })
            .await
            .cloned()
    }

    /// A contact by id (the requester).
    pub async fn contact<S: ContactStore>(&self, store: &S, id: ContactId) -> Result<Option<Contact>, StoreError> {
        if let Some(known) = self.lock(&self.contacts).get(&id) {
            return Ok(known.clone());
        }
        let contact = store.get_contact(id).await?;
        if let Some(c) = &contact
            && let Some(email) = &c.email
        {
            self.lock(&self.deliverable)
                .insert(email.normalized(), !c.undeliverable);
        }
        self.lock(&self.contacts).insert(id, contact.clone());
        Ok(contact)
    }

    /// The name mail from `department` signs with ("Customer Support" without one).
    pub async fn team_name<S: TeamStore>(
        &self,
        store: &S,
        department: Option<&DepartmentId>,
    ) -> Result<String, StoreError> {
        let key = department.cloned();
        if let Some(name) = self.lock(&self.team_names).get(&key) {
            return Ok(name.clone());
        }
        let name = match department {
            Some(d) => store.get_department(d).await?.map(|d| d.name),
            None => None,
        }
        .unwrap_or_else(|| "Customer Support".into());
        self.lock(&self.team_names).insert(key, name.clone());
        Ok(name)
    }

    /// Whether mail may go to `address`: not when its contact is marked undeliverable (known
    /// already when it is the requester's address this delivery read).
    pub async fn deliverable<S: ContactStore>(&self, store: &S, address: &EmailAddress) -> Result<bool, StoreError> {
        let key = address.normalized();
        if let Some(known) = self.lock(&self.deliverable).get(&key) {
            return Ok(*known);
        }
        let deliverable = crate::usecases::intake::dsn::deliverable(store, address).await?;
        self.lock(&self.deliverable).insert(key, deliverable);
        Ok(deliverable)
    }

    fn lock_ticket(&self) -> std::sync::MutexGuard<'_, Option<Ticket>> {
        self.ticket.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn lock<'a, T>(&self, map: &'a Mutex<T>) -> std::sync::MutexGuard<'a, T> {
        map.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
