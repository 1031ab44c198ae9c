//! The email channel's way in: read what SES stored, classify it, thread it, and write it as a
//! new ticket or a customer message on an existing one, exactly once per stored mail.

mod build;
pub mod caps;
pub mod dsn;
pub mod thread;

pub use crate::adapters::mime::MailLimits;

use crate::domain::mail::{InboundMail, MailKind, Mailbox, ThreadHint};
use crate::domain::signing::LinkSigner;
use crate::domain::threading::{self, Sender, ThreadDecision};
use crate::domain::{Actor, DomainError, Revision};
use crate::domain::{
    Attachment, BlobRef, Channel, Clock, Contact, ContactId, Delivery, DepartmentId, EmailAddress, EmailDetails,
    Message, MessageId, RequesterDetails, Status, Ticket, TicketId, TicketNumber, TicketPointer, Timestamp, Visibility,
    Writer,
};
use crate::ports::{BlobError, BlobStore, ContactStore, OnceKey, StoreError, TeamStore, TicketStore};
use crate::usecases::commit::{Decision, commit_with_retry};
use build::Fresh;
use thread::ThreadResolver;

/// The mail in `raw`, its headers cut to what may be stored (see [`caps`]).
pub fn parse_mail(raw: &[u8], limits: &MailLimits) -> InboundMail {
    let mut mail = crate::adapters::mime::parse_mime(raw, limits);
    caps::cap_mail(&mut mail);
    mail
}

/// A support address and the department its mail belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupportAddress {
    pub address: EmailAddress,
    pub department: Option<DepartmentId>,
}

/// What a customer's reply to a closed ticket does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClosedReply {
    /// Open a new ticket that points at the closed one (Zendesk's follow-up).
    FollowUp,
    /// Open the closed ticket again.
    Reopen,
}

#[derive(Debug, Clone)]
pub struct IntakeConfig {
    pub addresses: Vec<SupportAddress>,
    pub closed_reply: ClosedReply,
    pub limits: MailLimits,
    /// Where attachments are written (the mail bucket).
    pub attachments_bucket: String,
}

#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {0}")]
pub struct ConfigError(String);

impl IntakeConfig {
    /// `addresses` is `address=department,address=department` (department optional).
    pub fn parse(addresses: &str, closed_reply: &str, attachments_bucket: &str) -> Result<Self, ConfigError> {
        let addresses = parse_support_addresses(addresses)?;
        let closed_reply = match closed_reply {
            "follow_up" | "" => ClosedReply::FollowUp,
            "reopen" => ClosedReply::Reopen,
            other => {
                return Err(ConfigError(format!(
                    "CLOSED_TICKET_REPLY must be follow_up or reopen, not {other}"
                )));
            }
        };
        Ok(Self {
            addresses,
            closed_reply,
            limits: MailLimits::default(),
            attachments_bucket: attachments_bucket.to_owned(),
        })
    }

    fn ours(&self) -> Vec<EmailAddress> {
        self.addresses.iter().map(|a| a.address.clone()).collect()
    }
}

/// `SUPPORT_ADDRESSES`: `address=department,address=department`, the department optional.
pub fn parse_support_addresses(addresses: &str) -> Result<Vec<SupportAddress>, ConfigError> {
    let addresses = addresses
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|entry| {
            let (address, department) = match entry.split_once('=') {
                Some((a, d)) => (a, Some(d)),
                None => (entry, None),
            };
            Ok(SupportAddress {
                address: EmailAddress::parse(address).map_err(|e| ConfigError(format!("SUPPORT_ADDRESSES: {e}")))?,
                department: department
                    .map(|d| DepartmentId::parse(d.trim()))
                    .transpose()
                    .map_err(|e| ConfigError(format!("SUPPORT_ADDRESSES: {e}")))?,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    if addresses.is_empty() {
        return Err(ConfigError("SUPPORT_ADDRESSES names no address".into()));
    }
    Ok(addresses)
}

/// What a stored mail is before any I/O: parsed, classified, and the tickets it may continue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Triage {
    pub mail: InboundMail,
    pub kind: MailKind,
    /// Strongest evidence first (see [`InboundMail::thread_hints`]).
    pub hints: Vec<ThreadHint>,
}

/// The pure front of [`MailIntake::receive`]: raw MIME to a classified mail with its threading
/// hints. Never panics, whatever the bytes (`fuzz/` holds a target that checks so).
pub fn triage(bytes: &[u8], config: &IntakeConfig) -> Triage {
    let mail = parse_mail(bytes, &config.limits);
    let ours = config.ours();
    let kind = mail.kind(&ours);
    let hints = mail.thread_hints(&ours);
    Triage { mail, kind, hints }
}

/// What became of one stored mail.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Created(TicketPointer),
    Added(TicketPointer),
    /// A reply to a closed ticket opened this new one.
    FollowUp {
        ticket: TicketPointer,
        of: TicketPointer,
    },
    /// Already processed (the same stored mail, or the same Message-ID, seen before).
    Duplicate,
    /// Kept (raw in S3, a record in the table) but no ticket: the reason says why.
    Unticketed(String),
    /// A delivery failure of our mail: the contacts it names are marked undeliverable.
    Bounce {
        contacts: usize,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Blob(#[from] BlobError),
    /// The ticket refused the message (merged meanwhile, say): read again and decide again.
    #[error(transparent)]
    Domain(#[from] crate::domain::DomainError),
    #[error("the ticket kept changing under this mail; it will be retried")]
    Busy,
}

impl IntakeError {
    /// Whether trying the same mail again later may succeed (the queue redelivers it).
    pub fn is_retryable(&self) -> bool {
        !matches!(self, IntakeError::Blob(BlobError::NotFound(_)))
    }
}

pub struct MailIntake<S, B, C> {
    store: S,
    blobs: B,
    clock: C,
    config: IntakeConfig,
    /// Checks the tags of our reply addresses (the key the reactor signs them with).
    reply_signer: Option<LinkSigner>,
}

impl<S, B, C> MailIntake<S, B, C>
where
    S: TicketStore + ContactStore + TeamStore,
    B: BlobStore,
    C: Clock,
{
    pub fn new(store: S, blobs: B, clock: C, config: IntakeConfig) -> Self {
        Self {
            store,
            blobs,
            clock,
            config,
            reply_signer: None,
        }
    }

    /// The same intake accepting our signed reply addresses from people who are not (yet)
    /// participants. Without it, only participants thread.
    pub fn with_reply_signer(mut self, signer: LinkSigner) -> Self {
        self.reply_signer = Some(signer);
        self
    }

    pub async fn receive(&self, raw: &BlobRef) -> Result<Outcome, IntakeError> {
        let bytes = self.blobs.get(raw).await?;
        let Triage { mail, kind, hints } = triage(&bytes, &self.config);
        match kind {
            MailKind::OwnOutbound => return self.unticketed(raw, "a copy of our own outgoing mail").await,
            MailKind::Bounce => return self.bounce(raw, &mail).await,
            MailKind::Personal | MailKind::Automated => {}
        }
        let Some(sender) = mail.sender() else {
            return self.unticketed(raw, "no sender address could be read").await;
        };
        // A redelivery (SES, the queue) or another copy of a mail already in stops here, before
        // it takes a ticket number. Two copies at once both pass; the write's once keys then
        // let one through, and the attachments' keys are the same for both.
        if self.already_in(raw, &mail).await? {
            return Ok(Outcome::Duplicate);
        }
        let forged = mail.authentication.from_is_forged();
        let message_id = MessageId::generate(self.clock.now());
        let attachments = self.store_attachments(raw, &mail).await?;
        let resolver = ThreadResolver::new(&self.store, self.reply_signer.as_ref());
        // Only a mail that names a ticket needs to know whether an agent wrote it.
        let is_agent = !hints.is_empty()
            && self
                .store
                .find_agent_by_email(&sender.email)
                .await?
                .is_some_and(|a| a.active);

        // Taken at most once per mail, whatever the attempts (a conflict retried must not
        // leave a gap in the numbers).
        let number = tokio::sync::OnceCell::new();
        let (number, sender, mail, attachments, resolver, hints) =
            (&number, &sender, &mail, &attachments, &resolver, &hints);
        let sla = &self.store.sla_book().await?;
        let received = commit_with_retry(&self.store, |_| async move {
            let now = self.clock.now();
            let (contact, new_contact) = self.contact_for(sender, now).await?;
            let message = self.customer_message(message_id, raw, mail, kind, &contact, attachments, now);
            let named = resolver.named(hints).await?;
            let who = Sender {
                contact: contact.id,
                email: sender.email.clone(),
                is_agent,
                forged,
            };
            let (mut revision, outcome, new_contact) = match threading::decide(&named, &who) {
                ThreadDecision::Continue { ticket, .. }
                    if ticket.status == Status::Closed && self.config.closed_reply == ClosedReply::FollowUp =>
                {
                    let of = ticket.pointer();
                    let fresh = Fresh {
                        department: ticket.department.clone(),
                        keep_cc: true,
                        follow_up_of: Some(of),
                        ..Fresh::default()
                    };
                    let number = self.ticket_number(number, now).await?;
                    let revision = self.new_ticket(number, mail, &contact, fresh, message, now);
                    let outcome = Outcome::FollowUp {
                        ticket: revision.ticket().pointer(),
                        of,
                    };
                    (revision, outcome, new_contact.then_some(contact))
                }
                ThreadDecision::Continue { ticket, .. } => {
                    if new_contact {
                        self.store.create_contact(&contact).await.or_else(ignore_existing)?;
                    }
                    let revision = self.append(&ticket, &contact, message, now)?;
                    let outcome = Outcome::Added(ticket.pointer());
                    (revision, outcome, None)
                }
                ThreadDecision::NewTicket { refused } => {
                    let fresh = Fresh {
                        department: self.addressed_department(mail),
                        note: threading::intake_note(refused, forged),
                        // Another ticket's token must not make replies to this one thread there.
                        strip_tokens: refused.is_some(),
                        // Whoever forged the sender also chose the CCs: none of them is trusted.
                        keep_cc: !forged,
                        follow_up_of: None,
                    };
                    let number = self.ticket_number(number, now).await?;
                    let revision = self.new_ticket(number, mail, &contact, fresh, message, now);
                    let pointer = revision.ticket().pointer();
                    if let Some((to, why)) = refused {
                        tracing::info!(ticket = %pointer.number, named = %to.number, reason = ?why, "mail refused a thread");
                    }
                    (revision, Outcome::Created(pointer), new_contact.then_some(contact))
                }
            };
            self.once_keys(raw, mail, message_id)
                .into_iter()
                .for_each(|key| revision.once(key));
            let is_new = !matches!(outcome, Outcome::Added(_));
            let write = revision.into_write(sla).ok_or(IntakeError::Busy)?;
            Ok(match is_new {
                true => Decision::Create(Box::new(write), new_contact, outcome),
                false => Decision::Commit(vec![write], outcome),
            })
        })
        .await;
        match received {
            Err(IntakeError::Store(StoreError::AlreadyExists { what })) if what == "mail" => Ok(Outcome::Duplicate),
            other => other,
        }
    }

    /// Whether this stored mail, or another copy of it (the same Message-ID), was taken in.
    async fn already_in(&self, raw: &BlobRef, mail: &InboundMail) -> Result<bool, StoreError> {
        if self.store.mail_seen(&raw.key).await? {
            return Ok(true);
        }
        match &mail.message_id {
            Some(id) => Ok(self.store.find_message_id(id).await?.is_some()),
            None => Ok(false),
        }
    }

    /// The mail's ticket number: taken on first need, then the same on every attempt.
    async fn ticket_number(
        &self,
        taken: &tokio::sync::OnceCell<TicketNumber>,
        now: Timestamp,
    ) -> Result<TicketNumber, StoreError> {
        taken
            .get_or_try_init(|| self.store.next_ticket_number(now))
            .await
            .copied()
    }

    /// The department of the first support address the mail was sent to.
    fn addressed_department(&self, mail: &InboundMail) -> Option<DepartmentId> {
        let ours = self.config.ours();
        mail.addressed_to(&ours)
            .first()
            .and_then(|a| self.config.addresses.iter().find(|s| s.address == **a))
            .and_then(|s| s.department.clone())
    }

    async fn unticketed(&self, raw: &BlobRef, reason: &str) -> Result<Outcome, IntakeError> {
        if self.store.record_unticketed_mail(raw, reason, self.clock.now()).await? {
            tracing::info!(key = %raw.key, reason, "mail kept without a ticket");
            Ok(Outcome::Unticketed(reason.to_owned()))
        } else {
            Ok(Outcome::Duplicate)
        }
    }

    /// Stops mail to the addresses a delivery report says failed, believing it only about mail
    /// we sent and only for addresses that mail went to: a report naming a customer's own
    /// Message-ID, an unknown one, or an address we never wrote to changes nothing.
    async fn bounce(&self, raw: &BlobRef, mail: &InboundMail) -> Result<Outcome, IntakeError> {
        let mut bounced: Vec<EmailAddress> = Vec::new();
        for id in &mail.bounced_message_ids {
            for address in dsn::sent_to(&self.store, id).await? {
                let failed = mail
                    .bounced_recipients
                    .iter()
                    .any(|b| b.normalized() == address.normalized());
                if failed && !bounced.iter().any(|b| b.normalized() == address.normalized()) {
                    bounced.push(address);
                }
            }
        }
        if bounced.is_empty() {
            return self
                .unticketed(raw, "a delivery report about no address we sent to")
                .await;
        }
        let now = self.clock.now();
        if !self
            .store
            .record_unticketed_mail(raw, "delivery failure report", now)
            .await?
        {
            return Ok(Outcome::Duplicate);
        }
        let mut contacts = 0;
        for address in &bounced {
            if dsn::suppress(&self.store, address, now).await? {
                contacts += 1;
            }
        }
        tracing::info!(key = %raw.key, contacts, "bounced addresses suppressed");
        Ok(Outcome::Bounce { contacts })
    }

    async fn contact_for(&self, sender: &Mailbox, now: Timestamp) -> Result<(Contact, bool), StoreError> {
        if let Some(contact) = self.store.find_contact_by_email(&sender.email).await? {
            return Ok((contact, false));
        }
        let details = RequesterDetails {
            name: sender.name.clone(),
            email: Some(sender.email.clone()),
            phone: None,
            language: None,
        };
        Ok((details.into_contact(ContactId::generate(now), now), true))
    }
}

fn ignore_existing(e: StoreError) -> Result<(), StoreError> {
    match e {
        StoreError::AlreadyExists { .. } => Ok(()),
        other => Err(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_reads_addresses_and_departments() {
        let c = IntakeConfig::parse(
            "support@help.example.com=support, billing@help.example.com=billing,info@help.example.com",
            "reopen",
            "mail",
        )
        .unwrap();
        assert_eq!(c.addresses.len(), 3);
        assert_eq!(c.addresses[1].department.as_ref().unwrap().as_str(), "billing");
        assert_eq!(c.addresses[2].department, None);
        assert_eq!(c.closed_reply, ClosedReply::Reopen);
        assert!(IntakeConfig::parse("", "", "mail").is_err());
        assert!(IntakeConfig::parse("nope", "", "mail").is_err());
        assert!(IntakeConfig::parse("a@b.cz", "maybe", "mail").is_err());
    }

    fn config() -> IntakeConfig {
        IntakeConfig::parse("support@help.example.com=support", "follow_up", "mail").unwrap()
    }

    #[test]
    fn triage_classifies_and_collects_hints_in_order() {
        let t = triage(
            b"From: Jana <jana@example.cz>\r\nTo: support+hd1043@help.example.com\r\nSubject: Re: [#HD-1042] Printer\r\nIn-Reply-To: <b@help.example.com>\r\nReferences: <a@help.example.com> <b@help.example.com>\r\n\r\nStill broken.\r\n",
            &config(),
        );
        assert_eq!(t.kind, MailKind::Personal);
        assert_eq!(t.mail.subject, "Re: [#HD-1042] Printer");
        assert_eq!(
            t.hints,
            [
                ThreadHint::MessageId("b@help.example.com".into()),
                ThreadHint::MessageId("a@help.example.com".into()),
                ThreadHint::Number(crate::domain::TicketNumber::new(1042)),
                ThreadHint::Number(crate::domain::TicketNumber::new(1043)),
            ]
        );
    }

    #[test]
    fn triage_knows_our_own_mail_and_survives_garbage() {
        let own = triage(
            b"From: support@help.example.com\r\nSubject: [#HD-7] x\r\n\r\nhi",
            &config(),
        );
        assert_eq!(own.kind, MailKind::OwnOutbound);
        let garbage = triage(b"\xff\xfe\x00\r\n\r\n--", &config());
        assert!(garbage.hints.is_empty());
        assert!(garbage.mail.from.is_none());
    }
}
