//! The side effects rules ask for, done after the rules' write: mail and webhooks, each
//! claimed in the action ledger so it happens once however often the event is delivered.
//!
//! Each effect has its own budget and its own retry: a webhook gets one call per delivery of
//! the event, bounded by the adapter's timeout; a failed call leaves its claim open and fails
//! the event, so SQS delivers it again and only that call is repeated (effects already done
//! are skipped by their claims). After the queue's last delivery the failure becomes an
//! internal note. Effects past the event's budget wait for the next delivery, so one event
//! with many slow endpoints cannot hold its batch past the function's timeout.

use std::time::{Duration, Instant};

use super::ReplyTo;
use super::automation::rule_note;
use super::outbox::{DecidedRule, ToDo};
use super::{EventReactor, EventReads, ReactorError};
use crate::domain::rules::{MAX_CHAIN_DEPTH, Recipient};
use crate::domain::template_library::{TemplateLibrary, TemplateName};
use crate::domain::{Actor, AgentId, Clock, EmailAddress, Revision, Ticket, TicketEvent};
use crate::ports::{
    ActionLedger, BlobStore, Claim, ContactStore, MailSender, RuleStore, StoreError, TeamStore, TemplateStore,
    TicketStore,
};
use crate::usecases::commit::{Decision, commit_with_retry};

/// How long one event's effects may take in one delivery before the rest wait for the next;
/// well inside the function's 30 s timeout.
const EFFECTS_BUDGET: Duration = Duration::from_secs(15);

impl<S, M, B, C, W> EventReactor<S, M, B, C, W>
where
    W: crate::ports::WebhookSender,
    S: TicketStore + ContactStore + TeamStore + TemplateStore + ActionLedger + RuleStore,
    M: MailSender,
    B: BlobStore,
    C: Clock,
{
    /// Sends the mail and calls the webhooks the rules asked for, each once. `attempt` is the
    /// event's delivery (1 the first time); at the reactor's last, a failing webhook is noted
    /// on the ticket instead of tried again.
    pub(super) async fn rule_effects(
        &self,
        event: &TicketEvent,
        ticket: &Ticket,
        rules: &[DecidedRule],
        attempt: u32,
        reads: &EventReads,
    ) -> Result<(), ReactorError> {
        let deadline = Instant::now() + EFFECTS_BUDGET;
        let last_attempt = attempt >= self.config.max_attempts;
        // Why the event must come again; the other effects still run this time.
        let mut again: Option<String> = None;
        for rule in rules {
            for effect in &rule.effects {
                // At the last delivery there is no later one to wait for.
                if !last_attempt && Instant::now() >= deadline {
                    again.get_or_insert_with(|| "the event's effects ran out of time".into());
                    break;
                }
                let key = format!("{}#rule#{}#{}", event.id, rule.rule_id, effect.index);
                match self.store.claim(&key, self.clock.now(), 60).await? {
                    Claim::AlreadyDone => continue,
                    Claim::Busy => return Err(ReactorError::Busy),
                    Claim::Claimed => {}
                }
                match &effect.what {
                    ToDo::Email { template, to, address } => {
                        let mail = match TemplateName::parse(template) {
                            Ok(template) => {
                                let mail = RuleMail {
                                    unique: &key,
                                    template: &template,
                                    to: *to,
                                    address: address.as_deref(),
                                };
                                self.rule_mail(event, ticket, mail, reads).await
                            }
                            Err(e) => Err(ReactorError::TemplateName(e)),
                        };
                        match mail {
                            Ok(()) => {}
                            // Never going to work: say so on the ticket, where people look.
                            Err(e) if e.is_unsendable() => {
                                let text = format!("Mail from rule \"{}\" was not sent: {e}.", rule.name);
                                tracing::warn!(rule = rule.name, error = %e, "a rule's mail was refused");
                                self.rule_note_after(ticket.id, rule, text).await?;
                            }
                            // Worth another try: the event is delivered again, and this effect's
                            // claim (left open) lets the mail be tried again then, and only it.
                            Err(e) => return Err(e),
                        }
                    }
                    ToDo::Webhook { url, secret } => {
                        let body = serde_json::json!({
                            "event": event.event_type.as_str(),
                            "event_id": event.id,
                            "rule": {"id": rule.rule_id, "name": rule.name},
                            "ticket": ticket,
                        });
                        let body = serde_json::to_vec(&body).map_err(ReactorError::WebhookBody)?;
                        let now = self.clock.now().timestamp_millis() / 1000;
                        match self.webhooks.deliver(url, secret, &key, now, &body).await {
                            Ok(_) => {}
                            // Its claim stays open (its lease ends before SQS delivers the event
                            // again), so the next delivery calls it, and only it, again.
                            Err(failure) if !failure.refused && !last_attempt => {
                                tracing::warn!(
                                    rule = rule.name,
                                    attempt,
                                    last = failure.last,
                                    "webhook failed; the event comes again"
                                );
                                again.get_or_insert(failure.last);
                                continue;
                            }
                            Err(failure) => {
                                let text = if failure.refused {
                                    format!("Webhook to {url} was not called: {}.", failure.last)
                                } else {
                                    format!("Webhook to {url} failed {attempt} times; the last: {}.", failure.last)
                                };
                                tracing::warn!(rule = rule.name, text, "webhook given up");
                                self.rule_note_after(ticket.id, rule, text).await?;
                            }
                        }
                    }
                }
                self.store.complete(&key).await?;
            }
        }
        match again {
            Some(why) => Err(ReactorError::WebhookRetry(why)),
            None => Ok(()),
        }
    }

    /// An internal note a rule adds after its write (a webhook that failed), so people see it.
    async fn rule_note_after(
        &self,
        ticket: crate::domain::TicketId,
        rule: &DecidedRule,
        body: String,
    ) -> Result<(), ReactorError> {
        let body = &body;
        let sla = &self.store.sla_book().await?;
        commit_with_retry(&self.store, |_| async move {
            let Some(current) = self.store.get_ticket(ticket).await? else {
                return Ok(Decision::Done(()));
            };
            // At the chain's end, so no rule reacts to the note.
            let actor = Actor::Rule {
                rule_id: rule.rule_id,
                name: rule.name.clone(),
                depth: MAX_CHAIN_DEPTH,
            };
            let now = self.clock.now();
            let mut revision = Revision::of(&current, actor, now)?;
            revision.note(rule_note(&current, rule.rule_id, body.clone(), now));
            Ok(Decision::commit_one(revision.into_write(sla), ()))
        })
        .await
    }

    async fn rule_mail(
        &self,
        event: &TicketEvent,
        ticket: &Ticket,
        mail: RuleMail<'_>,
        reads: &EventReads,
    ) -> Result<(), ReactorError> {
        let RuleMail {
            unique,
            template,
            to,
            address,
        } = mail;
        let contact = reads.contact(&self.store, ticket.requester).await?;
        let agent_email = |id: Option<AgentId>| async move {
            match id {
                Some(id) => Ok::<_, StoreError>(self.store.get_agent(id).await?.filter(|a| a.active).map(|a| a.email)),
                None => Ok(None),
            }
        };
        let recipient = match to {
            Recipient::Requester => contact
                .as_ref()
                .filter(|c| !c.undeliverable)
                .and_then(|c| c.email.clone()),
            Recipient::Assignee => agent_email(ticket.assignee).await?,
            Recipient::DepartmentLead => {
                let lead = match &ticket.department {
                    Some(d) => self.store.get_department(d).await?.and_then(|d| d.lead),
                    None => None,
                };
                agent_email(lead).await?
            }
            Recipient::Address => address.and_then(|a| EmailAddress::parse(a).ok()),
        };
        let Some(recipient) = recipient else {
            tracing::info!(event_id = %event.id, ?to, "a rule's mail has nobody to go to");
            return Ok(());
        };
        // Mail to outside addresses obeys the acknowledgements' limits; agents' notices do not.
        if matches!(to, Recipient::Requester | Recipient::Address) {
            let message = match event.message_id {
                Some(_) if ticket.id == event.ticket_id => reads.message(&self.store, event).await?,
                Some(m) => self.store.get_message(ticket.id, m).await?,
                None => None,
            };
            let trigger = self.triggering_message(ticket, message).await?;
            if let Some(why) = self.auto_mail_refusal(&recipient, trigger.as_ref(), reads).await? {
                tracing::info!(event_id = %event.id, ?to, why, "a rule's mail was held back");
                return Ok(());
            }
        }
        let language = match to {
            Recipient::Requester => contact.as_ref().and_then(|c| c.language.clone()),
            _ => None,
        };
        // A mail about a rating says what the customer wrote with it (`bad_rating`'s body).
        let comment = ticket
            .satisfaction
            .as_ref()
            .filter(|_| event.event_type == crate::domain::EventType::CsatReceived)
            .and_then(|s| s.comment.as_ref())
            .map(|c| c.as_str().to_owned());
        let mut context = self
            .context(ticket, contact.and_then(|c| c.name), None, comment, reads)
            .await?;
        if to != Recipient::Requester {
            // The customer's link acts as the customer: only the customer gets it.
            context.status_link = None;
        }
        let library = TemplateLibrary::new(self.store.stored_templates(Some(template)).await?);
        let rendered = library
            .render(template, language.as_ref(), &context)
            .map_err(ReactorError::from)?;
        // Only the requester's copy may carry the signed address: it admits whoever holds it.
        let reply = match to {
            Recipient::Requester => ReplyTo::Signed,
            _ => ReplyTo::Ticket,
        };
        self.send_notice(
            ticket,
            (None, recipient),
            reply,
            &unique.replace('#', "."),
            rendered,
            reads,
        )
        .await?;
        Ok(())
    }
}

/// One mail a rule decided: its claim's key (which makes its Message-ID), template and
/// recipient.
struct RuleMail<'a> {
    unique: &'a str,
    template: &'a TemplateName,
    to: Recipient,
    address: Option<&'a str>,
}
