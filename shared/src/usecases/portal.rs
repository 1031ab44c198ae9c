//! The customer's side of the desk: the ticket a contact-form submission becomes, and what a
//! signed portal link shows and lets its holder do (read the public conversation, reply,
//! close). Who may call these is settled before: a checked form, an opened portal token.

use std::collections::BTreeMap;

use crate::domain::Clock;
use crate::domain::contact_form::ContactSubmission;
use crate::domain::{
    Actor, Attachment, Author, Channel, Contact, ContactId, Delivery, Language, Message, MessageId, RequesterDetails,
    Revision, Status, Ticket, TicketId, Timestamp, Visibility, Writer,
};
use crate::ports::{ContactStore, PageRequest, StoreError, TeamStore, TicketStore};
use crate::usecases::commit::{Decision, commit_with_retry};
use crate::usecases::desk::DeskError;

/// What the customer's page shows: never internal notes, never another customer's data.
#[derive(Debug, Clone, PartialEq)]
pub struct PortalView {
    pub ticket: Ticket,
    pub requester: Option<Contact>,
    /// The public conversation, oldest first.
    pub messages: Vec<Message>,
}

pub struct CustomerDesk<S, C> {
    store: S,
    clock: C,
}

impl<S, C> CustomerDesk<S, C>
where
    S: TicketStore + ContactStore + TeamStore,
    C: Clock,
{
    pub fn new(store: S, clock: C) -> Self {
        Self { store, clock }
    }

    pub fn store(&self) -> &S {
        &self.store
    }

    /// Opens a ticket from the contact form: the contact found by email (or made), the
    /// category's department, the customer's message with its files.
    pub async fn submit(
        &self,
        form: &ContactSubmission,
        attachments: Vec<Attachment>,
        language: &Language,
    ) -> Result<Ticket, DeskError> {
        // A category may name a department an admin has since removed: the ticket still
        // lands, unrouted, rather than the customer's message being refused.
        let department = match self.store.get_department(&form.category.department).await? {
            Some(d) => Some(d.id),
            None => {
                tracing::warn!(category = %form.category.id, "the category's department does not exist");
                None
            }
        };
        let number = self.store.next_ticket_number(self.clock.now()).await?;
        let (attachments, department) = (&attachments, &department);
        let sla = &self.store.sla_book().await?;
        commit_with_retry(&self.store, |_| async move {
            let now = self.clock.now();
            let (contact, is_new) = self.contact_for(form, language, now).await?;
            let mut ticket = Ticket {
                department: department.clone(),
                ..Ticket::new(number, form.subject.clone(), Channel::Form, &contact, now)
            };
            ticket
                .custom_fields
                .insert("category".into(), serde_json::Value::String(form.category.id.clone()));
            let message = customer_message(&ticket, &contact, form.message.clone(), attachments.clone(), now);
            let write = Revision::open(ticket, message, Actor::customer(contact.id))
                .into_write(sla)
                .ok_or(DeskError::Busy)?;
            let written = write.ticket.clone();
            Ok(Decision::Create(Box::new(write), is_new.then_some(contact), written))
        })
        .await
    }

    async fn contact_for(
        &self,
        form: &ContactSubmission,
        language: &Language,
        now: Timestamp,
    ) -> Result<(Contact, bool), StoreError> {
        if let Some(contact) = self.store.find_contact_by_email(&form.email).await? {
            return Ok((contact, false));
        }
        // The email is who we answer; a phone number already on another contact stays there
        // (anyone can type any number) and the new contact goes without it.
        let phone = match &form.phone {
            Some(p) if self.store.find_contact_by_phone(p).await?.is_none() => Some(p.clone()),
            _ => None,
        };
        let details = RequesterDetails {
            name: Some(form.name.clone()),
            email: Some(form.email.clone()),
            phone,
            language: Some(language.clone()),
        };
        Ok((details.into_contact(ContactId::generate(now), now), true))
    }

    /// The ticket and its public conversation. A merged ticket shows the one it went into when
    /// that has the same requester; otherwise it shows itself, closed, with its own messages.
    /// Messages carried in from another requester's ticket are never shown.
    pub async fn view(&self, ticket: TicketId) -> Result<PortalView, DeskError> {
        let ticket = self.follow(ticket).await?;
        let requester = self.store.get_contact(ticket.requester).await?;
        let mut messages = Vec::new();
        let mut page = PageRequest {
            limit: 100,
            cursor: None,
        };
        // Whether each ticket a message was carried from had this requester.
        let mut own_sources: BTreeMap<TicketId, bool> = BTreeMap::new();
        loop {
            let p = self.store.list_messages(ticket.id, &page).await?;
            for m in p.items {
                if m.visibility != Visibility::Public || m.author() == Author::System {
                    continue;
                }
                if let Some(source) = m.carried_from {
                    let own = match own_sources.get(&source) {
                        Some(own) => *own,
                        None => {
                            let own = self
                                .store
                                .get_ticket(source)
                                .await?
                                .is_some_and(|t| t.requester == ticket.requester);
                            own_sources.insert(source, own);
                            own
                        }
                    };
                    if !own {
                        continue;
                    }
                }
                messages.push(m);
            }
            match p.cursor {
                Some(c) => page.cursor = Some(c),
                None => break,
            }
        }
        Ok(PortalView {
            ticket,
            requester,
            messages,
        })
    }

    /// The customer writes on their ticket: a waiting or resolved ticket opens again. A
    /// closed ticket takes no more replies (a new message starts a new ticket).
    pub async fn reply(&self, ticket: TicketId, text: &str) -> Result<Ticket, DeskError> {
        let text = text.trim().replace("\r\n", "\n");
        if text.is_empty() {
            return Err(crate::domain::DomainError::invalid("message", "write a message").into());
        }
        if text.chars().count() > crate::domain::contact_form::MAX_MESSAGE_CHARS {
            return Err(crate::domain::DomainError::invalid(
                "message",
                format!("at most {} characters", crate::domain::contact_form::MAX_MESSAGE_CHARS),
            )
            .into());
        }
        let text = &text;
        let sla = &self.store.sla_book().await?;
        commit_with_retry(&self.store, |_| async move {
            let ticket = self.follow(ticket).await?;
            if ticket.merged_into.is_some() {
                return Err(crate::domain::DomainError::conflict(
                    "this ticket was merged into another; send us a new message to open another",
                )
                .into());
            }
            if ticket.status == Status::Closed {
                return Err(crate::domain::DomainError::conflict(
                    "this ticket is closed; send us a new message to open another",
                )
                .into());
            }
            let Some(contact) = self.store.get_contact(ticket.requester).await? else {
                return Err(DeskError::NotFound("requester".into()));
            };
            let now = self.clock.now();
            let mut revision = Revision::of(&ticket, Actor::customer(contact.id), now)?;
            revision.customer_message(customer_message(&ticket, &contact, text.clone(), vec![], now));
            let write = revision.into_write(sla);
            let written = write.as_ref().map_or(ticket, |w| w.ticket.clone());
            Ok(Decision::commit_one(write, written))
        })
        .await
    }

    /// The customer needs nothing more. Closing a closed ticket again changes nothing.
    pub async fn close(&self, ticket: TicketId) -> Result<Ticket, DeskError> {
        let sla = &self.store.sla_book().await?;
        commit_with_retry(&self.store, |_| async move {
            let ticket = self.follow(ticket).await?;
            // A merged ticket is closed already: nothing to do, and nothing it may do.
            if ticket.merged_into.is_some() {
                return Ok(Decision::Done(ticket));
            }
            let mut revision = Revision::of(&ticket, Actor::customer(ticket.requester), self.clock.now())?;
            revision.customer_close();
            let write = revision.into_write(sla);
            let written = write.as_ref().map_or(ticket, |w| w.ticket.clone());
            Ok(Decision::commit_one(write, written))
        })
        .await
    }

    /// The ticket a link acts on: the one it names, or the one it was merged into while that
    /// has the same requester (links in old mail keep working). A link never crosses to
    /// another requester's ticket: it stops at the last ticket of its own requester, which is
    /// merged, so closed and read-only.
    async fn follow(&self, id: TicketId) -> Result<Ticket, DeskError> {
        let Some(mut ticket) = self.store.get_ticket(id).await? else {
            return Err(DeskError::NotFound("ticket".into()));
        };
        for _ in 0..5 {
            let Some(pointer) = ticket.merged_into else {
                return Ok(ticket);
            };
            match self.store.get_ticket(pointer.id).await? {
                Some(next) if next.requester == ticket.requester => ticket = next,
                Some(_) => return Ok(ticket),
                None => return Err(DeskError::NotFound("ticket".into())),
            }
        }
        Err(DeskError::NotFound("ticket".into()))
    }
}

fn customer_message(
    ticket: &Ticket,
    contact: &Contact,
    body: String,
    attachments: Vec<Attachment>,
    now: Timestamp,
) -> Message {
    Message {
        id: MessageId::generate(now),
        ticket_id: ticket.id,
        writer: Writer::Customer(contact.id),
        visibility: Visibility::Public,
        from: contact.email.clone(),
        body_text: body,
        delivery: Delivery::None,
        created_at: now,
        carried_from: None,
        body_html: None,
        quoted_text: None,
        attachments,
        email: None,
    }
}
