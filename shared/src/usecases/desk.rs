//! The help desk's use cases: load, check access, apply the domain rule, commit ticket +
//! messages + audit events in one write. Every channel (API, email, form) goes through here.

use std::collections::BTreeSet;

use crate::domain::rules::{Evaluation, Happening, MAX_RULES, Rule, RuleDraft, Trigger, WebhookTargets};
use crate::domain::template_library::{Template, TemplateLibrary, TemplateName};
use crate::domain::{
    Actor, Agent, AgentId, AsRead, Attachment, AuditEvent, Author, Channel, Contact, ContactId, CustomFields, Delivery,
    Department, DepartmentId, DomainError, EmailAddress, EventId, EventType, FieldChange, Message, MessageId,
    PhoneNumber, Precondition, Principal, Priority, RequesterDetails, Role, RuleId, Seniority, Status, SupportLevel,
    Tag, Ticket, TicketPatch, TicketRef, TicketType, Timestamp, Version, Visibility,
};
use crate::domain::{Clock, Language};
use crate::ports::{
    ActionLedger, ContactStore, Page, PageRequest, RuleStore, StoreError, TeamStore, TemplateStore, TicketQuery,
    TicketStore, TicketWrite,
};

mod merge;

pub use merge::MergeRequest;

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

/// How many times a write that lost a race is re-read and re-applied before giving up.
const WRITE_ATTEMPTS: usize = 4;

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

#[derive(Debug, Clone, PartialEq)]
pub struct NewAgent {
    pub email: EmailAddress,
    pub name: String,
    pub role: Role,
    pub seniority: Seniority,
    pub departments: BTreeSet<DepartmentId>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct AgentPatch {
    pub email: Option<EmailAddress>,
    pub name: Option<String>,
    pub role: Option<Role>,
    pub seniority: Option<Seniority>,
    pub departments: Option<BTreeSet<DepartmentId>>,
    pub active: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct DepartmentPatch {
    pub name: Option<String>,
    pub lead: Option<Option<AgentId>>,
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
        // A new requester's email may be claimed by a concurrent request; then it exists and
        // the second lookup finds it.
        for _ in 0..2 {
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
                ..Ticket::new(number, new.subject.clone(), new.channel, contact.id, now)
            };
            // The description an agent records (from a call, say) is shown to the customer
            // but was never mailed, so there is nothing to deliver.
            let message = agent_message(who, &ticket, new.body.clone(), Visibility::Public, Delivery::None, now);
            let event = event(
                &ticket,
                EventType::TicketCreated,
                who.actor(),
                now,
                vec![],
                Some(message.id),
            );
            let write = TicketWrite {
                ticket: ticket.clone(),
                read: None,
                messages: vec![message],
                events: vec![event],
                once: vec![],
            };
            match self.store.create_ticket(&write, is_new.then_some(&contact)).await {
                Ok(()) => return Ok((ticket, contact)),
                Err(StoreError::AlreadyExists { .. }) if is_new => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(DeskError::Busy)
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
        self.modify(who, reference, Some(precondition), |ticket, now| {
            let changes = ticket.apply(&patch, now)?;
            if let Some(agent) = &assignee
                && !agent.can_work_in(ticket.department.as_ref())
            {
                return Err(DomainError::invalid(
                    "assignee",
                    "the agent is inactive or not in the ticket's department",
                ));
            }
            if changes.is_empty() {
                return Ok(None);
            }
            let e = event(ticket, EventType::TicketUpdated, who.actor(), now, changes, None);
            Ok(Some((vec![], vec![e])))
        })
        .await
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
        let mut sent = None;
        let ticket = self
            .modify(who, reference, None, |ticket, now| {
                if matches!(ticket.status, Status::Closed | Status::Spam) {
                    return Err(DomainError::conflict(format!(
                        "cannot reply on a {} ticket; reopen it or open a follow-up",
                        ticket.status
                    )));
                }
                let to = status.unwrap_or(if ticket.status == Status::New {
                    Status::Open
                } else {
                    ticket.status
                });
                ticket.status.check_transition(to)?;
                let mut changes = Vec::new();
                ticket.set_status(to, now, &mut changes);
                if ticket.first_response_at.is_none() {
                    ticket.first_response_at = Some(now);
                }
                ticket.updated_at = now;
                let message = Message {
                    attachments: attachments.clone(),
                    ..agent_message(who, ticket, body.clone(), Visibility::Public, Delivery::Queued, now)
                };
                let e = event(
                    ticket,
                    EventType::AgentReplied,
                    who.actor(),
                    now,
                    changes,
                    Some(message.id),
                );
                sent = Some(message.clone());
                Ok(Some((vec![message], vec![e])))
            })
            .await?;
        let message = sent.ok_or(DeskError::Busy)?;
        Ok((ticket, message))
    }

    /// An internal note: agents only, never shown to or sent to the customer.
    pub async fn add_note(
        &self,
        who: &Principal,
        reference: TicketRef,
        body: String,
    ) -> Result<(Ticket, Message), DeskError> {
        let mut noted = None;
        let ticket = self
            .modify(who, reference, None, |ticket, now| {
                ticket.updated_at = now;
                let message = agent_message(who, ticket, body.clone(), Visibility::Internal, Delivery::None, now);
                let e = event(ticket, EventType::NoteAdded, who.actor(), now, vec![], Some(message.id));
                noted = Some(message.clone());
                Ok(Some((vec![message], vec![e])))
            })
            .await?;
        let message = noted.ok_or(DeskError::Busy)?;
        Ok((ticket, message))
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

    // ---- contacts ------------------------------------------------------------------------

    pub async fn get_contact(&self, id: ContactId) -> Result<Contact, DeskError> {
        self.store
            .get_contact(id)
            .await?
            .ok_or_else(|| DeskError::NotFound(format!("contact {id}")))
    }

    pub async fn find_contact(
        &self,
        email: Option<&EmailAddress>,
        phone: Option<&PhoneNumber>,
    ) -> Result<Option<Contact>, DeskError> {
        if let Some(email) = email {
            return Ok(self.store.find_contact_by_email(email).await?);
        }
        if let Some(phone) = phone {
            return Ok(self.store.find_contact_by_phone(phone).await?);
        }
        Ok(None)
    }

    /// An admin's word that a contact's address works again (after a bounce marked it
    /// undeliverable), or that it should be treated as bouncing. Logged with who did it.
    pub async fn set_contact_undeliverable(
        &self,
        who: &Principal,
        id: ContactId,
        undeliverable: bool,
    ) -> Result<Contact, DeskError> {
        who.require(Role::Admin)?;
        let mut contact = self.get_contact(id).await?;
        if contact.undeliverable != undeliverable {
            match self.store.set_undeliverable(id, undeliverable).await {
                Err(StoreError::NotFound { what }) => return Err(DeskError::NotFound(what)),
                other => other?,
            }
            tracing::info!(contact_id = %id, by = %who.subject, undeliverable, "contact deliverability set by an admin");
            contact.undeliverable = undeliverable;
        }
        Ok(contact)
    }

    pub async fn create_contact(&self, details: RequesterDetails) -> Result<Contact, DeskError> {
        let now = self.clock.now();
        let contact = details.into_contact(ContactId::generate(now), now);
        match self.store.create_contact(&contact).await {
            Ok(()) => Ok(contact),
            Err(StoreError::AlreadyExists { what }) => {
                Err(DomainError::conflict(format!("a contact with this {what} already exists")).into())
            }
            Err(e) => Err(e.into()),
        }
    }

    // ---- rules ------------------------------------------------------------------------------

    /// Every rule, in position order. Any staff member may read them.
    pub async fn list_rules(&self) -> Result<Vec<Rule>, DeskError> {
        Ok(self.store.list_rules().await?)
    }

    pub async fn get_rule(&self, id: RuleId) -> Result<Rule, DeskError> {
        self.store
            .get_rule(id)
            .await?
            .ok_or_else(|| DeskError::NotFound(format!("rule {id}")))
    }

    /// Checks a draft: its shape, and that the templates it mails exist.
    async fn check_rule(&self, draft: &RuleDraft) -> Result<(), DeskError> {
        let library = TemplateLibrary::new(self.store.stored_templates(None).await?);
        draft.check_with(&self.webhooks, |name| library.pick(name, None).is_some())?;
        Ok(())
    }

    pub async fn create_rule(&self, who: &Principal, draft: RuleDraft) -> Result<Rule, DeskError> {
        who.require(Role::Manager)?;
        self.check_rule(&draft).await?;
        if self.store.list_rules().await?.len() >= MAX_RULES {
            return Err(DomainError::conflict(format!("a desk has at most {MAX_RULES} rules")).into());
        }
        let now = self.clock.now();
        let rule = Rule::from_draft(RuleId::generate(now), draft, now, now);
        self.store.put_rule(&rule, true).await?;
        if rule.triggers.contains(&Trigger::Time) {
            self.reschedule().await?;
        }
        Ok(rule)
    }

    pub async fn replace_rule(&self, who: &Principal, id: RuleId, draft: RuleDraft) -> Result<Rule, DeskError> {
        who.require(Role::Manager)?;
        self.check_rule(&draft).await?;
        let existing = self.get_rule(id).await?;
        let rule = Rule::from_draft(id, draft, existing.created_at, self.clock.now());
        self.store.put_rule(&rule, false).await?;
        if rule.triggers.contains(&Trigger::Time) || existing.triggers.contains(&Trigger::Time) {
            self.reschedule().await?;
        }
        Ok(rule)
    }

    /// Asks the time sweep to set every open or resolved ticket's next look from the rules as
    /// they are now, so a time rule saved today applies to tickets that were waiting already
    /// (not only from their next change). The sweep pages through them within its budget, off
    /// the request's path: saving costs one write however many tickets are open.
    async fn reschedule(&self) -> Result<(), DeskError> {
        Ok(self.store.request_reschedule(self.clock.now()).await?)
    }

    pub async fn delete_rule(&self, who: &Principal, id: RuleId) -> Result<(), DeskError> {
        who.require(Role::Manager)?;
        match self.store.delete_rule(id).await {
            Err(StoreError::NotFound { what }) => Err(DeskError::NotFound(what)),
            other => Ok(other?),
        }
    }

    /// What the rules (or one rule, enabled or not) would do on a ticket for a happening,
    /// changing nothing: each condition with what the field held, and the changes and mail.
    pub async fn dry_run(
        &self,
        who: &Principal,
        reference: TicketRef,
        trigger: Trigger,
        only: Option<RuleId>,
    ) -> Result<Evaluation, DeskError> {
        let ticket = self.get_ticket(who, reference).await?;
        let happening = Happening::for_trigger(&trigger, ticket.channel);
        let rules = match only {
            Some(id) => vec![Rule {
                enabled: true,
                ..self.get_rule(id).await?
            }],
            None => self.store.list_rules().await?,
        };
        // The message the happening is about: the newest one of its kind.
        let wanted = match happening {
            Happening::Created(_) | Happening::CustomerReplied => Some(Author::Customer),
            Happening::AgentReplied => Some(Author::Agent),
            _ => None,
        };
        let mut message = None;
        if let Some(author) = wanted {
            let page = PageRequest {
                limit: 100,
                cursor: None,
            };
            let messages = self.store.list_messages(ticket.id, &page).await?.items;
            message = match happening {
                Happening::Created(_) => messages.into_iter().find(|m| m.author == author),
                _ => messages.into_iter().rev().find(|m| m.author == author),
            };
        }
        let actor = who.actor();
        Ok(crate::usecases::reactor::automation::evaluate_rules(
            &self.store,
            self.clock.now(),
            &rules,
            &ticket,
            &happening,
            message.as_ref(),
            &actor,
            true,
        )
        .await?)
    }

    // ---- templates --------------------------------------------------------------------------

    /// Every template: the built-ins in each shipped language (stored or shipped) and the
    /// stored custom ones. Any staff member may read them.
    pub async fn list_templates(&self) -> Result<Vec<Template>, DeskError> {
        Ok(TemplateLibrary::new(self.store.stored_templates(None).await?).all())
    }

    pub async fn get_template(&self, name: &TemplateName, language: &Language) -> Result<Template, DeskError> {
        TemplateLibrary::new(self.store.stored_templates(Some(name)).await?)
            .exact(name, language)
            .ok_or_else(|| DeskError::NotFound(format!("template {name}/{}", language.as_str())))
    }

    /// Stores an admin's template after checking its sources.
    pub async fn put_template(
        &self,
        who: &Principal,
        name: TemplateName,
        language: Language,
        subject: String,
        text: String,
    ) -> Result<Template, DeskError> {
        who.require(Role::Admin)?;
        let template = Template::stored(name, language, subject, text, &who.subject, self.clock.now())?;
        self.store.put_template(&template).await?;
        Ok(template)
    }

    /// Removes a stored template; a built-in falls back to its shipped default.
    pub async fn delete_template(
        &self,
        who: &Principal,
        name: &TemplateName,
        language: &Language,
    ) -> Result<(), DeskError> {
        who.require(Role::Admin)?;
        match self.store.delete_template(name, language).await {
            Err(StoreError::NotFound { what }) => Err(DeskError::NotFound(what)),
            other => Ok(other?),
        }
    }

    // ---- departments and agents ------------------------------------------------------------

    pub async fn create_department(
        &self,
        who: &Principal,
        id: DepartmentId,
        name: String,
        lead: Option<AgentId>,
    ) -> Result<Department, DeskError> {
        who.require(Role::Admin)?;
        if let Some(lead) = lead {
            self.require_agent(lead, "lead").await?;
        }
        let now = self.clock.now();
        let department = Department {
            id,
            name,
            lead,
            created_at: now,
            updated_at: now,
        };
        match self.store.create_department(&department).await {
            Ok(()) => Ok(department),
            Err(StoreError::AlreadyExists { .. }) => {
                Err(DomainError::conflict(format!("department {} already exists", department.id)).into())
            }
            Err(e) => Err(e.into()),
        }
    }

    pub async fn update_department(
        &self,
        who: &Principal,
        id: &DepartmentId,
        patch: DepartmentPatch,
    ) -> Result<Department, DeskError> {
        who.require(Role::Admin)?;
        let mut department = self
            .require_department(id, "department")
            .await
            .map_err(not_found_as("department", id))?;
        if let Some(Some(lead)) = patch.lead {
            self.require_agent(lead, "lead").await?;
        }
        if let Some(name) = patch.name {
            department.name = name;
        }
        if let Some(lead) = patch.lead {
            department.lead = lead;
        }
        department.updated_at = self.clock.now();
        self.store.update_department(&department).await?;
        Ok(department)
    }

    pub async fn get_department(&self, id: &DepartmentId) -> Result<Department, DeskError> {
        self.store
            .get_department(id)
            .await?
            .ok_or_else(|| DeskError::NotFound(format!("department {id}")))
    }

    pub async fn list_departments(&self) -> Result<Vec<Department>, DeskError> {
        Ok(self.store.list_departments().await?)
    }

    pub async fn create_agent(&self, who: &Principal, new: NewAgent) -> Result<Agent, DeskError> {
        who.require(Role::Admin)?;
        for d in &new.departments {
            self.require_department(d, "departments").await?;
        }
        let now = self.clock.now();
        let agent = Agent {
            id: AgentId::generate(now),
            email: new.email,
            name: new.name,
            role: new.role,
            seniority: new.seniority,
            departments: new.departments,
            active: true,
            created_at: now,
            updated_at: now,
        };
        match self.store.create_agent(&agent).await {
            Ok(()) => Ok(agent),
            Err(StoreError::AlreadyExists { .. }) => {
                Err(DomainError::conflict("an agent with this email already exists").into())
            }
            Err(e) => Err(e.into()),
        }
    }

    pub async fn update_agent(&self, who: &Principal, id: AgentId, patch: AgentPatch) -> Result<Agent, DeskError> {
        who.require(Role::Admin)?;
        let mut agent = self.get_agent(id).await?;
        let previous_email = agent.email.clone();
        if let Some(departments) = &patch.departments {
            for d in departments {
                self.require_department(d, "departments").await?;
            }
        }
        if let Some(v) = patch.email {
            agent.email = v;
        }
        if let Some(v) = patch.name {
            agent.name = v;
        }
        if let Some(v) = patch.role {
            agent.role = v;
        }
        if let Some(v) = patch.seniority {
            agent.seniority = v;
        }
        if let Some(v) = patch.departments {
            agent.departments = v;
        }
        if let Some(v) = patch.active {
            agent.active = v;
        }
        agent.updated_at = self.clock.now();
        match self.store.update_agent(&agent, &previous_email).await {
            Ok(()) => Ok(agent),
            Err(StoreError::AlreadyExists { .. }) => {
                Err(DomainError::conflict("an agent with this email already exists").into())
            }
            Err(e) => Err(e.into()),
        }
    }

    pub async fn get_agent(&self, id: AgentId) -> Result<Agent, DeskError> {
        self.store
            .get_agent(id)
            .await?
            .ok_or_else(|| DeskError::NotFound(format!("agent {id}")))
    }

    pub async fn list_agents(&self, who: &Principal) -> Result<Vec<Agent>, DeskError> {
        who.require(Role::Manager)?;
        Ok(self.store.list_agents().await?)
    }

    /// The signed-in person's agent profile, found by the email in their token.
    pub async fn me(&self, who: &Principal) -> Result<Option<Agent>, DeskError> {
        let Some(email) = who.email.as_deref().and_then(|e| EmailAddress::parse(e).ok()) else {
            return Ok(None);
        };
        Ok(self.store.find_agent_by_email(&email).await?)
    }

    // ---- helpers ---------------------------------------------------------------------------

    /// Read, check, change, write; re-reads and re-applies when another writer got there
    /// first, unless the caller pinned a version with `If-Match`.
    async fn modify<F>(
        &self,
        who: &Principal,
        reference: TicketRef,
        precondition: Option<Precondition>,
        mut change: F,
    ) -> Result<Ticket, DeskError>
    where
        F: FnMut(&mut Ticket, Timestamp) -> Result<Option<(Vec<Message>, Vec<AuditEvent>)>, DomainError>,
    {
        for _ in 0..WRITE_ATTEMPTS {
            let current = self.get_ticket(who, reference).await?;
            if let Some(p) = precondition
                && !p.admits(current.version)
            {
                return Err(DeskError::PreconditionFailed {
                    current: current.version,
                });
            }
            if current.merged_into.is_some() {
                return Err(DomainError::conflict("this ticket was merged into another and cannot change").into());
            }
            let mut next = current.clone();
            let now = self.clock.now();
            let Some((messages, events)) = change(&mut next, now)? else {
                return Ok(current);
            };
            next.version = current.version.next();
            let write = TicketWrite {
                ticket: next.clone(),
                read: Some(AsRead::of(&current)),
                messages,
                events,
                once: vec![],
            };
            match self.store.commit(std::slice::from_ref(&write)).await {
                Ok(()) => return Ok(next),
                Err(StoreError::VersionConflict) => match precondition {
                    Some(Precondition::Exactly(_)) => {
                        let latest = self.load(reference).await?;
                        // Still at the version asked for: the write only met another one on an
                        // agent's load counter, so it may go again.
                        if latest.version == current.version {
                            continue;
                        }
                        return Err(DeskError::PreconditionFailed {
                            current: latest.version,
                        });
                    }
                    _ => continue,
                },
                Err(e) => return Err(e.into()),
            }
        }
        Err(DeskError::Busy)
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
        if !agent.can_work_in(department) {
            return Err(
                DomainError::invalid("assignee", "the agent is inactive or not in the ticket's department").into(),
            );
        }
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
        author: Author::Agent,
        visibility,
        author_id: Some(who.subject.clone()),
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

fn event(
    ticket: &Ticket,
    event_type: EventType,
    actor: Actor,
    now: Timestamp,
    changes: Vec<FieldChange>,
    message_id: Option<MessageId>,
) -> AuditEvent {
    AuditEvent {
        id: EventId::generate(now),
        event_type,
        ticket_id: ticket.id,
        ticket_number: ticket.number,
        actor,
        at: now,
        changes,
        message_id,
        related: None,
        carried_from: None,
    }
}
