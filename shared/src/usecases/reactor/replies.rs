//! Agents' replies going out: to the requester with their link and the signed reply address,
//! and to the CCs in a copy of their own without either.

use super::{Action, EventReactor, EventReads, Reaction, ReactorError, ReplyTo};
use crate::adapters::mime::compose::{Outgoing, OutgoingFile, plus_address, with_token};
use crate::domain::templates::{RenderedMail, TemplateKind};
use crate::domain::{Author, Clock, Delivery, EmailAddress, EmailDetails, Message, Ticket, TicketEvent, Visibility};
use crate::ports::{
    ActionLedger, BlobError, BlobStore, ContactStore, MailSender, PageRequest, RuleStore, SendError, SentMail,
    StoreError, TeamStore, TemplateStore, TicketStore,
};

/// Who one mail of a reply goes to.
enum ReplyCopy {
    /// The requester, by name and address.
    Requester(Option<String>, EmailAddress),
    Ccs(Vec<EmailAddress>),
}

impl<S, M, B, C, W> EventReactor<S, M, B, C, W>
where
    W: crate::ports::WebhookSender,
    B: BlobStore,
    S: TicketStore + ContactStore + TeamStore + TemplateStore + ActionLedger + RuleStore,
    M: MailSender,
    C: Clock,
{
    pub(super) async fn send_reply(&self, event: &TicketEvent, reads: &EventReads) -> Result<Reaction, ReactorError> {
        let skip = |why: &str| Ok(Reaction::Skipped(Action::SendReply, why.to_owned()));
        let (ticket, message) = self.load(event, reads).await?;
        let (Some(ticket), Some(message)) = (ticket, message) else {
            return skip("the ticket or message is gone");
        };
        if message.delivery != Delivery::Queued {
            return skip("the reply is not waiting to be sent");
        }
        let Some(contact) = reads.contact(&self.store, ticket.requester).await? else {
            return skip("no requester");
        };
        let Some(email) = contact.email.clone() else {
            self.store
                .record_delivery(ticket.id, message.id, Delivery::Failed, None)
                .await?;
            return Ok(Reaction::Failed(
                Action::SendReply,
                "the requester has no email address".into(),
            ));
        };
        if contact.undeliverable {
            self.store
                .record_delivery(ticket.id, message.id, Delivery::Failed, None)
                .await?;
            return Ok(Reaction::Failed(
                Action::SendReply,
                "the requester's address bounced before".into(),
            ));
        }
        let context = self
            .context(
                &ticket,
                contact.name.clone(),
                None,
                Some(message.body_text.clone()),
                reads,
            )
            .await?;
        let rendered = self
            .render(TemplateKind::AgentReply, contact.language.as_ref(), &context)
            .await?;
        // The requester alone: the mail carries their link, which acts as them. CCs get their
        // own copy (`copy_to_ccs`).
        let outgoing = self
            .reply_mail(
                &ticket,
                &message,
                ReplyCopy::Requester(contact.name.clone(), email),
                rendered,
                reads,
            )
            .await?;
        let sent = self.send(&outgoing).await?;
        let details = EmailDetails {
            message_id: Some(outgoing.message_id.clone()),
            in_reply_to: outgoing.in_reply_to.clone().into_iter().collect(),
            references: outgoing.references.clone(),
            subject: outgoing.subject.clone(),
            to: outgoing.to.iter().map(|(_, e)| e.clone()).collect(),
            // Who the reply went to: the CCs get it in their own copy (`copy_to_ccs`), and a
            // bounce of that copy is checked against this list.
            cc: self.deliverable(&ticket.cc, reads).await?,
            ..Default::default()
        };
        self.store
            .record_delivery(ticket.id, message.id, Delivery::Sent, Some(&details))
            .await?;
        if let Some(id) = &sent.provider_message_id {
            self.store.remember_message_ids(&[id], ticket.id, message.id).await?;
        }
        Ok(Reaction::Sent(Action::SendReply))
    }

    /// The agent's public reply to the ticket's CCs, in a mail of their own: the same words,
    /// never the requester's portal link, and a reply address that admits only participants.
    pub(super) async fn copy_to_ccs(&self, event: &TicketEvent, reads: &EventReads) -> Result<Reaction, ReactorError> {
        let skip = |why: &str| Ok(Reaction::Skipped(Action::CopyToCcs, why.to_owned()));
        let (ticket, message) = self.load(event, reads).await?;
        let (Some(ticket), Some(message)) = (ticket, message) else {
            return skip("the ticket or message is gone");
        };
        if message.author() != Author::Agent || message.visibility != Visibility::Public {
            return skip("not a public reply");
        }
        let ccs = self.deliverable(&ticket.cc, reads).await?;
        if ccs.is_empty() {
            return skip("the ticket has no CCs mail may go to");
        }
        let contact = reads.contact(&self.store, ticket.requester).await?;
        let language = contact.as_ref().and_then(|c| c.language.clone());
        let mut context = self
            .context(
                &ticket,
                contact.and_then(|c| c.name),
                None,
                Some(message.body_text.clone()),
                reads,
            )
            .await?;
        context.status_link = None;
        let rendered = self
            .render(TemplateKind::AgentReply, language.as_ref(), &context)
            .await?;
        let outgoing = self
            .reply_mail(&ticket, &message, ReplyCopy::Ccs(ccs), rendered, reads)
            .await?;
        let sent = self.send(&outgoing).await?;
        // An answer to the copy threads into the ticket like an answer to the reply.
        self.remember_message_ids(&outgoing, &sent, ticket.id, message.id)
            .await?;
        Ok(Reaction::Sent(Action::CopyToCcs))
    }

    /// Remembers the Message-IDs a mail about `message` went out with (ours, and the one SES
    /// wrote over it), so a reply to it threads: in one write.
    pub(super) async fn remember_message_ids(
        &self,
        outgoing: &Outgoing,
        sent: &SentMail,
        ticket: crate::domain::TicketId,
        message: crate::domain::MessageId,
    ) -> Result<(), StoreError> {
        let ids: Vec<&str> = std::iter::once(outgoing.message_id.as_str())
            .chain(sent.provider_message_id.as_deref())
            .collect();
        self.store.remember_message_ids(&ids, ticket, message).await
    }

    /// The mail that carries an agent's reply to one side of the conversation: threaded to it,
    /// with the reply's files, from the department's address.
    async fn reply_mail(
        &self,
        ticket: &Ticket,
        message: &Message,
        copy: ReplyCopy,
        rendered: RenderedMail,
        reads: &EventReads,
    ) -> Result<Outgoing, ReactorError> {
        let (in_reply_to, references) = self.thread_headers(ticket).await?;
        let (from, from_name) = self.sender(ticket, reads).await?;
        let (reply_to, unique, to) = match copy {
            ReplyCopy::Requester(name, email) => (
                self.reply_to(&from, ticket, ReplyTo::Signed),
                message.id.to_string(),
                vec![(name, email)],
            ),
            ReplyCopy::Ccs(ccs) => (
                self.reply_to(&from, ticket, ReplyTo::Ticket),
                format!("{}.cc", message.id),
                ccs.into_iter().map(|cc| (None, cc)).collect(),
            ),
        };
        Ok(Outgoing {
            reply_to,
            message_id: self.message_id(ticket, &unique, &from),
            from,
            from_name,
            to,
            cc: vec![],
            subject: with_token(ticket.number, &rendered.subject),
            in_reply_to,
            references,
            auto_submitted: None,
            text: rendered.text,
            html: rendered.html,
            date: self.clock.now(),
            attachments: self.files_of(message).await?,
        })
    }

    /// The In-Reply-To (the customer's last mail, else our last) and References (the last ten
    /// Message-IDs) of a mail continuing the ticket's conversation.
    async fn thread_headers(&self, ticket: &Ticket) -> Result<(Option<String>, Vec<String>), StoreError> {
        let conversation = self
            .store
            .list_messages(
                ticket.id,
                &PageRequest {
                    limit: 100,
                    cursor: None,
                },
            )
            .await?
            .items;
        let known_ids: Vec<String> = conversation
            .iter()
            .filter_map(|m| m.email.as_ref()?.message_id.clone())
            .collect();
        let parent = conversation
            .iter()
            .rev()
            .filter(|m| m.author() == Author::Customer)
            .find_map(|m| m.email.as_ref()?.message_id.clone())
            .or_else(|| known_ids.last().cloned());
        let references = known_ids.iter().rev().take(10).rev().cloned().collect();
        Ok((parent, references))
    }

    /// Our address for answers to a mail about `ticket`: the plus-address, tagged with the
    /// ticket's signature for the requester when a key is configured (a reply from any address
    /// they use still threads).
    pub(super) fn reply_to(&self, from: &EmailAddress, ticket: &Ticket, reply: ReplyTo) -> Option<EmailAddress> {
        let tag = match reply {
            ReplyTo::Nobody => return None,
            ReplyTo::Ticket => None,
            ReplyTo::Signed => self.portal.as_ref().map(|p| p.signer.reply_tag(ticket.id)),
        };
        plus_address(from, ticket.number, tag.as_deref())
    }

    /// The files a reply carries, read from where they are kept. A file that cannot be read
    /// now is retried with the event; one that is gone fails the reply (it cannot be sent as
    /// the agent wrote it).
    async fn files_of(&self, message: &Message) -> Result<Vec<OutgoingFile>, ReactorError> {
        let mut files = Vec::new();
        for attachment in &message.attachments {
            let bytes = self.blobs.get(&attachment.blob).await.map_err(|e| match e {
                BlobError::NotFound(what) => ReactorError::Send(SendError::Rejected(format!("{what} is gone"))),
                other => ReactorError::Send(SendError::Transient(Box::new(other))),
            })?;
            files.push(OutgoingFile {
                name: attachment.name.clone(),
                content_type: attachment.content_type.clone(),
                bytes,
            });
        }
        Ok(files)
    }
}
