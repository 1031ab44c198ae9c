//! The agents' use cases (the tickets API): tickets, contacts, rules, templates, departments
//! and agents. A ticket change is read, access-checked, made as a domain
//! [`Revision`](crate::domain::Revision) and committed with [`commit_with_retry`], like every
//! other writer's.

use std::collections::BTreeSet;

use crate::domain::Clock;
use crate::domain::rules::WebhookTargets;
use crate::domain::{
    Agent, AgentId, AgentSubject, Attachment, AuditEvent, Channel, Contact, ContactId, CustomFields, Delivery,
    Department, DepartmentId, DomainError, EmailAddress, Message, MessageId, Precondition, Principal, Priority,
    RequesterDetails, Revision, Status, SupportLevel, Tag, Ticket, TicketPatch, TicketRef, TicketType, Timestamp,
    Version, Visibility, Writer,
};
use crate::ports::{
    ActionLedger, ContactStore, Page, PageRequest, RuleStore, StoreError, TeamStore, TemplateStore, TicketQuery,
    TicketStore,
};
use crate::usecases::commit::{Decision, commit_with_retry};

mod calendars;
pub mod canned;
mod contact_groups;
mod merge;
mod people;
mod rules;
mod sla_policies;
mod templates;

pub use calendars::{MAX_CALENDARS, calendar_for};
pub use contact_groups::ContactPatch;
pub use merge::MergeRequest;
pub use people::{AgentPatch, DepartmentPatch, NewAgent};
pub use sla_policies::SlaStanding;

#[derive(Debug, thiserror::Error)]
pub enum DeskError {
    #[error(transparent)]
    Domain(#[from] DomainError),
    #[error("{0} not found")]
    NotFound(String),
    /// The caller's `If-Match` names a version that is no longer current.
    #[error("the ticket is now at version {current}; reload it and try again")]
    PreconditionFailed { current: Version },
    /// Too many concurrent writers on one ticket; the caller may retry.
    #[error("the ticket is being changed by someone else; try again")]
    Busy,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Files(#[from] crate::ports::BlobError),
    /// The agents' sign-in directory (the Cognito user pool) failed or refused a value.
    #[error(transparent)]
    Directory(#[from] crate::ports::DirectoryError),
    /// A merge of two requesters' tickets that the agent did not explicitly ask for.
    #[error(
        "{source_number} and {target_number} have different requesters; merging would show one customer's \
         conversation to the other. Send different_requesters: true if that is what you want"
    )]
    DifferentRequesters {
        source_number: crate::domain::TicketNumber,
        target_number: crate::domain::TicketNumber,
    },
}

/// A ticket as a request asks to create it, already parsed into domain values.
#[derive(Debug, Clone, PartialEq)]
pub struct NewTicket {
    pub subject: String,
    pub body: String,
    pub requester: RequesterDetails,
    pub channel: Channel,
    pub priority: Priority,
    pub ticket_type: Option<TicketType>,
    pub department: Option<DepartmentId>,
    pub assignee: Option<AgentId>,
    pub support_level: SupportLevel,
    pub tags: BTreeSet<Tag>,
    pub custom_fields: CustomFields,
    pub cc: Vec<EmailAddress>,
}

pub struct TicketDesk<S, C> {
    store: S,
    clock: C,
    /// Where saved rules' webhooks may point (the reactor checks again when it sends).
    webhooks: WebhookTargets,
}

impl<S, C> TicketDesk<S, C>
where
    S: TicketStore + ContactStore + TeamStore + TemplateStore + RuleStore + ActionLedger,
    C: Clock,
{
    pub fn new(store: S, clock: C) -> Self {
        Self {
            store,
            clock,
            webhooks: WebhookTargets::STRICT,
        }
    }

    /// The same desk saving rules whose webhooks may name these targets (the dev host's
    /// loopback receivers); deployed desks keep the strict default.
    pub fn with_webhook_targets(mut self, targets: WebhookTargets) -> Self {
        self.webhooks = targets;
        self
    }

    pub fn store(&self) -> &S {
        &self.store
    }

    /// Where this desk's "now" comes from (for routes that default a period to it).
    pub fn clock(&self) -> &C {
        &self.clock
    }

    // ---- tickets -------------------------------------------------------------------------

    pub async fn create_ticket(&self, who: &Principal, new: NewTicket) -> Result<(Ticket, Contact), DeskError> {
        let department = self.department_for_new_ticket(who, new.department.clone())?;
        if let Some(d) = &department {
            self.require_department(d, "department").await?;
        }
        if let Some(assignee) = new.assignee {
            self.require_assignable(assignee, department.as_ref()).await?;
        }
        let number = self.store.next_ticket_number(self.clock.now()).await?;
        let (new, department) = (&new, &department);
        let sla = &self.store.sla_book().await?;
        commit_with_retry(&self.store, |_| async move {
            let now = self.clock.now();
            let (contact, is_new) = self.resolve_contact(&new.requester, now).await?;
            let ticket = Ticket {
                priority: new.priority,
                ticket_type: new.ticket_type,
                department: department.clone(),
                assignee: new.assignee,
                support_level: new.support_level,
                tags: new.tags.clone(),
                custom_fields: new.custom_fields.clone(),
                cc: new.cc.clone(),
                ..Ticket::new(number, new.subject.clone(), new.channel, &contact, now)
            };
            // The description an agent records (from a call, say) is shown to the customer
            // but was never mailed, so there is nothing to deliver.
            let message = agent_message(who, &ticket, new.body.clone(), Visibility::Public, Delivery::None, now);
            let write = Revision::open(ticket, message, who.actor())
                .into_write(sla)
                .ok_or(DeskError::Busy)?;
            let written = write.ticket.clone();
            Ok(Decision::Create(
                Box::new(write),
                is_new.then(|| contact.clone()),
                (written, contact),
            ))
        })
        .await
    }

    pub async fn get_ticket(&self, who: &Principal, reference: TicketRef) -> Result<Ticket, DeskError> {
        let ticket = self.load(reference).await?;
        who.check_ticket(&ticket)?;
        Ok(ticket)
    }

    pub async fn list_tickets(&self, who: &Principal, mut query: TicketQuery) -> Result<Page<Ticket>, DeskError> {
        if let Some(d) = &query.department
            && !who.may_work_in(Some(d))
        {
            return Err(DomainError::forbidden(format!("{d} is not one of your departments")).into());
        }
        query.scope = who.department_scope().cloned();
        Ok(self.store.list_tickets(&query).await?)
    }

    pub async fn update_ticket(
        &self,
        who: &Principal,
        reference: TicketRef,
        precondition: Precondition,
        patch: TicketPatch,
    ) -> Result<Ticket, DeskError> {
        if let Some(Some(d)) = &patch.department {
            self.require_department(d, "department").await?;
        }
        let assignee = match patch.assignee {
            Some(Some(id)) => Some(self.require_agent(id, "assignee").await?),
            _ => None,
        };
        if !patch.add_cc.is_empty() {
            // The requester never changes, so their address can be read before the write.
            let ticket = self.get_ticket(who, reference).await?;
            let requester = self.store.get_contact(ticket.requester).await?;
            patch.check_cc(requester.as_ref().and_then(|c| c.email.as_ref()))?;
        }
        let (ticket, ()) = self
            .modify(who, reference, Some(precondition), |revision| {
                revision.patch(&patch)?;
                match &assignee {
                    Some(agent) => agent.check_assignable(revision.ticket().department.as_ref()),
                    None => Ok(()),
                }
            })
            .await?;
        Ok(ticket)
    }

    /// A public reply to the customer, queued for sending. A reply to a new ticket opens it
    /// unless the agent sets another status with it.
    pub async fn reply(
        &self,
        who: &Principal,
        reference: TicketRef,
        body: String,
        status: Option<Status>,
        attachments: Vec<Attachment>,
    ) -> Result<(Ticket, Message), DeskError> {
        self.modify(who, reference, None, |revision| {
            let message = Message {
                attachments: attachments.clone(),
                ..agent_message(
                    who,
                    revision.ticket(),
                    body.clone(),
                    Visibility::Public,
                    Delivery::Queued,
                    revision.at(),
                )
            };
            revision.agent_reply(message.clone(), status)?;
            Ok(message)
        })
        .await
    }

    /// An internal note: agents only, never shown to or sent to the customer.
    pub async fn add_note(
        &self,
        who: &Principal,
        reference: TicketRef,
        body: String,
    ) -> Result<(Ticket, Message), DeskError> {
        self.modify(who, reference, None, |revision| {
            let message = agent_message(
                who,
                revision.ticket(),
                body.clone(),
                Visibility::Internal,
                Delivery::None,
                revision.at(),
            );
            revision.note(message.clone());
            Ok(message)
        })
        .await
    }

    pub async fn list_messages(
        &self,
        who: &Principal,
        reference: TicketRef,
        page: PageRequest,
    ) -> Result<Page<Message>, DeskError> {
        let ticket = self.get_ticket(who, reference).await?;
        Ok(self.store.list_messages(ticket.id, &page).await?)
    }

    /// One message of a ticket the caller may see.
    pub async fn get_message(
        &self,
        who: &Principal,
        reference: TicketRef,
        message: MessageId,
    ) -> Result<Message, DeskError> {
        let ticket = self.get_ticket(who, reference).await?;
        self.store
            .get_message(ticket.id, message)
            .await?
            .ok_or_else(|| DeskError::NotFound(format!("message {message}")))
    }

    pub async fn list_events(
        &self,
        who: &Principal,
        reference: TicketRef,
        page: PageRequest,
    ) -> Result<Page<AuditEvent>, DeskError> {
        let ticket = self.get_ticket(who, reference).await?;
        Ok(self.store.list_events(ticket.id, &page).await?)
    }

    // ---- helpers ---------------------------------------------------------------------------

    /// Read, check, change, write (see [`commit_with_retry`]): `change` is made afresh on the
    /// ticket as read each time another writer got there first, unless the caller pinned a
    /// version with `If-Match` and the ticket has moved past it. Returns the ticket as written
    /// (as read when nothing changed) and what `change` returned.
    async fn modify<T, F>(
        &self,
        who: &Principal,
        reference: TicketRef,
        precondition: Option<Precondition>,
        change: F,
    ) -> Result<(Ticket, T), DeskError>
    where
        F: Fn(&mut Revision) -> Result<T, DomainError>,
    {
        let change = &change;
        let sla = &self.store.sla_book().await?;
        commit_with_retry(&self.store, |_| async move {
            let current = self.get_ticket(who, reference).await?;
            if let Some(p) = precondition
                && !p.admits(current.version)
            {
                return Err(DeskError::PreconditionFailed {
                    current: current.version,
                });
            }
            let mut revision = Revision::of(&current, who.actor(), self.clock.now())?;
            let result = change(&mut revision)?;
            Ok(match revision.into_write(sla) {
                Some(write) => {
                    let ticket = write.ticket.clone();
                    Decision::Commit(vec![write], (ticket, result))
                }
                None => Decision::Done((current, result)),
            })
        })
        .await
    }

    async fn load(&self, reference: TicketRef) -> Result<Ticket, DeskError> {
        let id = match reference {
            TicketRef::Id(id) => id,
            TicketRef::Number(n) => self
                .store
                .find_ticket_id(n)
                .await?
                .ok_or_else(|| DeskError::NotFound(format!("ticket {n}")))?,
        };
        self.store
            .get_ticket(id)
            .await?
            .ok_or_else(|| DeskError::NotFound(format!("ticket {id}")))
    }

    fn department_for_new_ticket(
        &self,
        who: &Principal,
        asked: Option<DepartmentId>,
    ) -> Result<Option<DepartmentId>, DomainError> {
        let Some(scope) = who.department_scope() else {
            return Ok(asked);
        };
        match asked {
            Some(d) if scope.contains(&d) => Ok(Some(d)),
            Some(d) => Err(DomainError::forbidden(format!("{d} is not one of your departments"))),
            None if scope.len() == 1 => Ok(scope.iter().next().cloned()),
            None if scope.is_empty() => Err(DomainError::forbidden(
                "you are in no department; ask an admin to add you to one",
            )),
            None => Err(DomainError::invalid(
                "department",
                "required: name one of your departments",
            )),
        }
    }

    async fn require_department(&self, id: &DepartmentId, field: &'static str) -> Result<Department, DeskError> {
        self.store
            .get_department(id)
            .await?
            .ok_or_else(|| DomainError::invalid(field, format!("no department {id}")).into())
    }

    async fn require_agent(&self, id: AgentId, field: &'static str) -> Result<Agent, DeskError> {
        self.store
            .get_agent(id)
            .await?
            .ok_or_else(|| DomainError::invalid(field, format!("no agent {id}")).into())
    }

    async fn require_assignable(&self, id: AgentId, department: Option<&DepartmentId>) -> Result<Agent, DeskError> {
        let agent = self.require_agent(id, "assignee").await?;
        agent.check_assignable(department)?;
        Ok(agent)
    }

    /// The requester's contact: found by email, then by phone, else a new one (not yet stored).
    async fn resolve_contact(
        &self,
        requester: &RequesterDetails,
        now: Timestamp,
    ) -> Result<(Contact, bool), DeskError> {
        if let Some(c) = self.find_contact(requester.email.as_ref(), None).await? {
            return Ok((c, false));
        }
        if let Some(c) = self.find_contact(None, requester.phone.as_ref()).await? {
            return Ok((c, false));
        }
        Ok((requester.clone().into_contact(ContactId::generate(now), now), true))
    }
}

/// A missing path resource is a 404, not a field error.
fn not_found_as(what: &'static str, id: impl std::fmt::Display) -> impl FnOnce(DeskError) -> DeskError {
    move |e| match e {
        DeskError::Domain(DomainError::Invalid { .. }) => DeskError::NotFound(format!("{what} {id}")),
        other => other,
    }
}

fn agent_message(
    who: &Principal,
    ticket: &Ticket,
    body: String,
    visibility: Visibility,
    delivery: Delivery,
    now: Timestamp,
) -> Message {
    Message {
        id: MessageId::generate(now),
        ticket_id: ticket.id,
        writer: Writer::Agent(AgentSubject::new(who.subject.clone())),
        visibility,
        from: None,
        body_text: body,
        delivery,
        created_at: now,
        carried_from: None,
        body_html: None,
        quoted_text: None,
        attachments: vec![],
        email: None,
    }
}
