//! The event reactor's built-in actions: acknowledge a new ticket to its requester, send an
//! agent's queued reply, and tell the assignee a customer wrote. Each runs at most once per
//! (event, action), however often the event is delivered; a failed send is retried and
//! finally recorded as failed on the message, never dropped silently.

mod assigner;
mod auto_mail;
pub mod automation;
mod batch;
mod error;
mod event_reads;
mod outbox;
mod portal_links;
mod replies;
mod rule_effects;
pub mod sweep;

use crate::adapters::mime::compose::{Outgoing, compose, with_token};
use crate::adapters::webhook::HttpWebhooks;
use crate::domain::Language;
use crate::domain::template_library::TemplateLibrary;
use crate::domain::templates::{RenderedMail, TemplateContext, TemplateKind};
use crate::domain::{
    Author, Channel, Clock, Delivery, DeliveryFeedback, DepartmentId, EmailAddress, EventType, Message, Status, Ticket,
    TicketEvent,
};
use crate::ports::{
    ActionLedger, BlobStore, Claim, ContactStore, MailSender, RuleStore, SendError, SentMail, StoreError, TeamStore,
    TemplateStore, TicketStore, WebhookSender,
};
use crate::usecases::intake::SupportAddress;
pub use batch::BatchRules;
pub use error::ReactorError;
pub use event_reads::EventReads;
pub use portal_links::PortalLinks;

#[derive(Debug, Clone)]
pub struct OutboundConfig {
    pub addresses: Vec<SupportAddress>,
    /// Deliveries of one event before a failing send is recorded as failed.
    pub max_attempts: u32,
    /// Automatic replies one sender may get per hour (loop and storm protection).
    pub autoreplies_per_hour: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// The desk's automation rules.
    Rules,
    Acknowledge,
    SendReply,
    /// The agent's reply to the ticket's CCs: their own mail, without the requester's link.
    CopyToCcs,
    NotifyAssignee,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Rules => "rules",
            Action::Acknowledge => "acknowledge",
            Action::SendReply => "send_reply",
            Action::CopyToCcs => "copy_to_ccs",
            Action::NotifyAssignee => "notify_assignee",
        }
    }

    fn for_event(event: EventType) -> &'static [Action] {
        match event {
            // Rules first: routing decides the department, and so the address that acknowledges.
            EventType::TicketCreated => &[Action::Rules, Action::Acknowledge],
            EventType::AgentReplied => &[Action::Rules, Action::SendReply, Action::CopyToCcs],
            EventType::CustomerReplied => &[Action::Rules, Action::NotifyAssignee],
            EventType::TicketUpdated | EventType::CsatReceived | EventType::SlaWarning | EventType::SlaBreached => {
                &[Action::Rules]
            }
            _ => &[],
        }
    }
}

/// Where answers to a mail of ours go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ReplyTo {
    /// Nowhere in particular (mail to agents: they answer in the console).
    Nobody,
    /// The ticket's plain plus-address: it threads for participants only.
    Ticket,
    /// The requester's signed address: whoever holds it may write into the ticket.
    Signed,
}

/// What a delivery report changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FeedbackOutcome {
    /// The delivery status of the agent message it was about, if it was one.
    pub message: Option<Delivery>,
    /// Contacts newly marked undeliverable.
    pub contacts_stopped: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reaction {
    Sent(Action),
    /// Rules fired (their names).
    Applied(Action, String),
    Skipped(Action, String),
    /// A redelivery of an event already handled.
    AlreadyDone(Action),
    /// Given up after the last attempt; recorded where a person will see it.
    Failed(Action, String),
}

/// How long a claim protects an action in progress; shorter than the queue's visibility
/// timeout, so a redelivery after a crash may take it over.
const LEASE_SECONDS: i64 = 60;

/// The reactor, generic over its ports; `W` calls the rules' webhooks.
pub struct EventReactor<S, M, B, C, W = HttpWebhooks> {
    store: S,
    mailer: M,
    /// Where the files agents attach are kept.
    blobs: B,
    clock: C,
    config: OutboundConfig,
    webhooks: W,
    portal: Option<PortalLinks>,
    /// The contact form's (category, department) pairs, for the default rules.
    form_categories: Vec<(String, DepartmentId)>,
}

impl<S, M, B, C> EventReactor<S, M, B, C, HttpWebhooks> {
    /// A reactor calling webhooks over HTTP (the default settings; see [`Self::with_webhooks`]).
    pub fn new(store: S, mailer: M, blobs: B, clock: C, config: OutboundConfig) -> Self {
        Self {
            store,
            mailer,
            blobs,
            clock,
            config,
            webhooks: Default::default(),
            portal: None,
            form_categories: vec![],
        }
    }

    /// The same reactor sending webhooks so (tests use short timeouts and loopback receivers).
    pub fn with_webhooks(mut self, settings: crate::adapters::webhook::WebhookSettings) -> Self {
        self.webhooks = HttpWebhooks::new(settings);
        self
    }

    /// The same reactor calling webhooks through `webhooks` instead.
    pub fn with_webhook_sender<W: WebhookSender>(self, webhooks: W) -> EventReactor<S, M, B, C, W> {
        EventReactor {
            store: self.store,
            mailer: self.mailer,
            blobs: self.blobs,
            clock: self.clock,
            config: self.config,
            webhooks,
            portal: self.portal,
            form_categories: self.form_categories,
        }
    }
}

impl<S, M, B, C, W> EventReactor<S, M, B, C, W>
where
    B: BlobStore,
    S: TicketStore + ContactStore + TeamStore + TemplateStore + ActionLedger + RuleStore,
    M: MailSender,
    C: Clock,
    W: WebhookSender,
{
    /// The same reactor knowing the contact form's categories (for a new desk's rules).
    pub fn with_form_categories(mut self, categories: Vec<(String, DepartmentId)>) -> Self {
        self.form_categories = categories;
        self
    }

    /// The same reactor putting a portal link in the mail it sends customers.
    pub fn with_portal(mut self, portal: Option<PortalLinks>) -> Self {
        self.portal = portal;
        self
    }

    async fn run(
        &self,
        action: Action,
        event: &TicketEvent,
        attempt: u32,
        batch: &BatchRules,
        reads: &EventReads,
    ) -> Result<Reaction, ReactorError> {
        let key = format!("{}#{}", event.id, action.as_str());
        match self.store.claim(&key, self.clock.now(), LEASE_SECONDS).await? {
            Claim::AlreadyDone => return Ok(Reaction::AlreadyDone(action)),
            Claim::Busy => return Err(ReactorError::Busy),
            Claim::Claimed => {}
        }
        let result = match action {
            Action::Rules => self.apply_rules(event, attempt, batch, reads).await,
            Action::Acknowledge => self.acknowledge(event, reads).await,
            Action::SendReply => self.send_reply(event, reads).await,
            Action::CopyToCcs => self.copy_to_ccs(event, reads).await,
            Action::NotifyAssignee => self.notify_assignee(event, reads).await,
        };
        let reaction = match result {
            Ok(reaction) => reaction,
            Err(ReactorError::Send(SendError::Transient(e))) if attempt < self.config.max_attempts => {
                return Err(ReactorError::Send(SendError::Transient(e)));
            }
            // No mail is at fault when the account cannot send: none is given up; after the
            // queue's last delivery the event waits in its DLQ, to be redriven.
            Err(e @ ReactorError::Send(SendError::Paused(_))) => return Err(e),
            Err(ReactorError::Send(e)) => {
                let reason = match &e {
                    SendError::Rejected(why) => format!("refused: {why}"),
                    SendError::Transient(_) | SendError::Paused(_) => {
                        format!("still failing after {attempt} attempts")
                    }
                };
                if action == Action::SendReply
                    && let Some(message) = event.message_id
                {
                    self.store
                        .record_delivery(event.ticket_id, message, Delivery::Failed, None)
                        .await?;
                }
                tracing::warn!(event_id = %event.id, action = action.as_str(), reason, "mail given up");
                Reaction::Failed(action, reason)
            }
            Err(other) => return Err(other),
        };
        self.store.complete(&key).await?;
        Ok(reaction)
    }

    async fn acknowledge(&self, event: &TicketEvent, reads: &EventReads) -> Result<Reaction, ReactorError> {
        let skip = |why: &str| Ok(Reaction::Skipped(Action::Acknowledge, why.to_owned()));
        let (ticket, message) = self.load(event, reads).await?;
        let (Some(ticket), Some(message)) = (ticket, message) else {
            return skip("the ticket or message is gone");
        };
        if !matches!(ticket.channel, Channel::Email | Channel::Form) || message.author() != Author::Customer {
            return skip("not written in by a customer");
        }
        if ticket.status == Status::Spam {
            return skip("spam is never answered");
        }
        if message.email.as_ref().is_some_and(|e| e.automated) {
            return skip("mail from a machine is never answered");
        }
        if message.email.as_ref().is_some_and(|e| e.forged_sender) {
            return skip("the sender failed authentication; an answer would go to someone else");
        }
        let Some(contact) = reads.contact(&self.store, ticket.requester).await? else {
            return skip("no requester");
        };
        let Some(email) = contact.email.clone().filter(|_| !contact.undeliverable) else {
            return skip("the requester has no deliverable address");
        };
        let now = self.clock.now();
        if let Some(why) = self.auto_mail_refusal(&email, Some(&message), reads).await? {
            return skip(why);
        }
        // A contact form's address was typed, never proven: its acknowledgement carries none of
        // the submitter's words (name, subject), or the form would relay spam under our DKIM.
        let unverified = ticket.channel == Channel::Form;
        let name = contact.name.clone().filter(|_| !unverified);
        let mut context = self.context(&ticket, name.clone(), None, None, reads).await?;
        if unverified {
            context.ticket_subject.clear();
        }
        let rendered = self
            .render(TemplateKind::Acknowledgement, contact.language.as_ref(), &context)
            .await?;
        let parent = message.email.as_ref().and_then(|e| e.message_id.clone());
        let (from, from_name) = self.sender(&ticket, reads).await?;
        let outgoing = Outgoing {
            reply_to: self.reply_to(&from, &ticket, ReplyTo::Signed),
            message_id: self.message_id(&ticket, &event.id.to_string(), &from),
            from,
            from_name,
            to: vec![(name, email)],
            cc: vec![],
            subject: with_token(ticket.number, &rendered.subject),
            in_reply_to: parent.clone(),
            references: parent.into_iter().collect(),
            auto_submitted: Some("auto-replied"),
            text: rendered.text,
            html: rendered.html,
            date: now,
            attachments: vec![],
        };
        let sent = self.send(&outgoing).await?;
        // A reply to the acknowledgement threads into the ticket, by whichever Message-ID the
        // customer's mail program saw.
        self.remember_message_ids(&outgoing, &sent, ticket.id, message.id)
            .await?;
        Ok(Reaction::Sent(Action::Acknowledge))
    }

    async fn notify_assignee(&self, event: &TicketEvent, reads: &EventReads) -> Result<Reaction, ReactorError> {
        let skip = |why: &str| Ok(Reaction::Skipped(Action::NotifyAssignee, why.to_owned()));
        let (ticket, message) = self.load(event, reads).await?;
        let (Some(ticket), Some(message)) = (ticket, message) else {
            return skip("the ticket or message is gone");
        };
        let Some(assignee) = ticket.assignee else {
            return skip("nobody is assigned");
        };
        let Some(agent) = self.store.get_agent(assignee).await?.filter(|a| a.active) else {
            return skip("the assignee is not an active agent");
        };
        let contact = reads.contact(&self.store, ticket.requester).await?;
        let name = contact.and_then(|c| c.name);
        let mut context = self
            .context(
                &ticket,
                name,
                Some(agent.name.clone()),
                Some(message.body_text.clone()),
                reads,
            )
            .await?;
        // The customer's link acts as the customer: never in mail to an agent.
        context.status_link = None;
        let rendered = self.render(TemplateKind::CustomerReplied, None, &context).await?;
        let to = (Some(agent.name.clone()), agent.email.clone());
        self.send_notice(&ticket, to, ReplyTo::Nobody, &event.id.to_string(), rendered, reads)
            .await?;
        Ok(Reaction::Sent(Action::NotifyAssignee))
    }

    /// A mail no person wrote (`Auto-Submitted: auto-generated`) to one recipient about
    /// `ticket`; `unique` makes its Message-ID, the same on every retry.
    async fn send_notice(
        &self,
        ticket: &Ticket,
        to: (Option<String>, EmailAddress),
        reply: ReplyTo,
        unique: &str,
        rendered: RenderedMail,
        reads: &EventReads,
    ) -> Result<SentMail, ReactorError> {
        let (from, from_name) = self.sender(ticket, reads).await?;
        let outgoing = Outgoing {
            reply_to: self.reply_to(&from, ticket, reply),
            message_id: self.message_id(ticket, unique, &from),
            from,
            from_name,
            to: vec![to],
            cc: vec![],
            subject: with_token(ticket.number, &rendered.subject),
            in_reply_to: None,
            references: vec![],
            auto_submitted: Some("auto-generated"),
            text: rendered.text,
            html: rendered.html,
            date: self.clock.now(),
            attachments: vec![],
        };
        self.send(&outgoing).await
    }

    /// Renders a built-in mail from the stored template an admin wrote, or the shipped one.
    async fn render(
        &self,
        kind: TemplateKind,
        language: Option<&Language>,
        context: &TemplateContext,
    ) -> Result<RenderedMail, ReactorError> {
        let name = kind.into();
        let library = TemplateLibrary::new(self.store.stored_templates(Some(&name)).await?);
        library.render(&name, language, context).map_err(ReactorError::from)
    }

    /// The event's ticket and message, read once for all of the event's actions.
    async fn load(
        &self,
        event: &TicketEvent,
        reads: &EventReads,
    ) -> Result<(Option<Ticket>, Option<Message>), StoreError> {
        let ticket = reads.ticket(&self.store, event).await?;
        let message = reads.message(&self.store, event).await?;
        Ok((ticket, message))
    }

    async fn send(&self, outgoing: &Outgoing) -> Result<SentMail, ReactorError> {
        let raw = compose(outgoing).map_err(ReactorError::Compose)?;
        let sent = self
            .mailer
            .send_raw(&outgoing.from, &outgoing.recipients(), raw)
            .await?;
        tracing::info!(message_id = %outgoing.message_id, provider_id = sent.provider_id, "mail sent");
        Ok(sent)
    }

    /// Takes the provider's word on a mail we sent: the agent reply it was is marked
    /// delivered, bounced or complained about, and a hard bounce or a complaint stops further
    /// mail to the recipients it names. Applying the same report twice changes nothing more.
    pub async fn take_feedback(&self, feedback: &DeliveryFeedback) -> Result<FeedbackOutcome, ReactorError> {
        let mut outcome = FeedbackOutcome::default();
        for id in &feedback.message_ids {
            let Some((ticket, message)) = self.store.find_message_id(id).await? else {
                continue;
            };
            // An acknowledgement's Message-ID points at the customer message it answered;
            // only our own outbound messages carry a delivery status.
            if let Some(found) = self.store.get_message(ticket, message).await?
                && found.author() == Author::Agent
                && found.delivery != Delivery::None
            {
                let after = found.delivery.after(feedback.kind);
                if after != found.delivery {
                    self.store.record_delivery(ticket, message, after, None).await?;
                }
                outcome.message = Some(after);
            }
            break;
        }
        if feedback.kind.stops_mail() {
            // The same mark a bounce report makes: a CC without a contact gets one.
            for address in &feedback.recipients {
                if crate::usecases::intake::dsn::suppress(&self.store, address, self.clock.now()).await? {
                    outcome.contacts_stopped += 1;
                }
            }
        }
        tracing::info!(kind = ?feedback.kind, reason = feedback.reason, ?outcome, "delivery feedback taken");
        Ok(outcome)
    }

    /// The addresses mail may still go to: none whose contact bounced or complained.
    async fn deliverable(
        &self,
        addresses: &[EmailAddress],
        reads: &EventReads,
    ) -> Result<Vec<EmailAddress>, StoreError> {
        let mut kept = Vec::with_capacity(addresses.len());
        for address in addresses {
            if reads.deliverable(&self.store, address).await? {
                kept.push(address.clone());
            }
        }
        Ok(kept)
    }

    /// The address the ticket's department writes from, and its name.
    async fn sender(&self, ticket: &Ticket, reads: &EventReads) -> Result<(EmailAddress, String), ReactorError> {
        let address = self
            .config
            .addresses
            .iter()
            .find(|a| a.department.is_some() && a.department == ticket.department)
            .or_else(|| self.config.addresses.first())
            .ok_or(ReactorError::NoSupportAddress)?;
        Ok((
            address.address.clone(),
            reads.team_name(&self.store, ticket.department.as_ref()).await?,
        ))
    }

    async fn context(
        &self,
        ticket: &Ticket,
        contact_name: Option<String>,
        agent_name: Option<String>,
        body: Option<String>,
        reads: &EventReads,
    ) -> Result<TemplateContext, StoreError> {
        Ok(TemplateContext {
            contact_name,
            ticket_number: ticket.number.to_string(),
            ticket_subject: ticket.subject.clone(),
            agent_name,
            team_name: reads.team_name(&self.store, ticket.department.as_ref()).await?,
            body,
            status_link: self.portal.as_ref().map(|p| p.link(ticket.id, self.clock.now())),
            ..Default::default()
        })
    }

    /// A Message-ID that is ours (our domain), unique, and the same on every retry.
    fn message_id(&self, ticket: &Ticket, unique: &str, from: &EmailAddress) -> String {
        format!(
            "lambdesk.{}.{}@{}",
            ticket.number.value(),
            unique.to_lowercase(),
            from.domain().to_lowercase()
        )
    }
}
