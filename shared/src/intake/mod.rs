//! The email channel's way in: read what SES stored, classify it, thread it, and write it as a
//! new ticket or a customer message on an existing one, exactly once per stored mail.

pub mod dsn;
pub mod parse;

pub use parse::{MailLimits, parse_mail};

use crate::domain::mail::{InboundMail, MailKind, Mailbox, ThreadHint};
use crate::domain::{
    AsRead, Attachment, AuditEvent, Author, BlobRef, Channel, Clock, Contact, ContactId, Delivery, DepartmentId,
    EmailAddress, EmailDetails, EventType, FieldChange, Message, MessageId, RequesterDetails, Status, Ticket, TicketId,
    TicketPointer, Timestamp, Visibility,
};
use crate::ports::{BlobError, BlobStore, ContactStore, OnceKey, StoreError, TicketStore, TicketWrite};

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
    #[error("the ticket kept changing under this mail; it will be retried")]
    Busy,
}

impl IntakeError {
    /// Whether trying the same mail again later may succeed (the queue redelivers it).
    pub fn is_retryable(&self) -> bool {
        !matches!(self, IntakeError::Blob(BlobError::NotFound(_)))
    }
}

const WRITE_ATTEMPTS: usize = 4;
/// How far a merged ticket's pointers are followed.
const MERGE_HOPS: usize = 5;

pub struct MailIntake<S, B, C> {
    store: S,
    blobs: B,
    clock: C,
    config: IntakeConfig,
}

impl<S, B, C> MailIntake<S, B, C>
where
    S: TicketStore + ContactStore,
    B: BlobStore,
    C: Clock,
{
    pub fn new(store: S, blobs: B, clock: C, config: IntakeConfig) -> Self {
        Self {
            store,
            blobs,
            clock,
            config,
        }
    }

    pub async fn receive(&self, raw: &BlobRef) -> Result<Outcome, IntakeError> {
        let bytes = self.blobs.get(raw).await?;
        let Triage { mail, kind, hints } = triage(&bytes, &self.config);
        let ours = self.config.ours();
        match kind {
            MailKind::OwnOutbound => return self.unticketed(raw, "a copy of our own outgoing mail").await,
            MailKind::Bounce => return self.bounce(raw, &mail).await,
            MailKind::Personal | MailKind::Automated => {}
        }
        let Some(sender) = mail.from.clone().or_else(|| mail.reply_to.clone()) else {
            return self.unticketed(raw, "no sender address could be read").await;
        };
        let message_id = MessageId::generate(self.clock.now());
        let attachments = self.store_attachments(message_id, &mail).await?;

        for _ in 0..WRITE_ATTEMPTS {
            let now = self.clock.now();
            let (contact, new_contact) = self.contact_for(&sender, now).await?;
            let message = self.customer_message(message_id, raw, &mail, kind, &contact, &attachments, now);
            let once = self.once_keys(raw, &mail, message_id);
            let result = match self.thread(&hints).await? {
                Some(ticket)
                    if ticket.status == Status::Closed && self.config.closed_reply == ClosedReply::FollowUp =>
                {
                    let of = TicketPointer {
                        id: ticket.id,
                        number: ticket.number,
                    };
                    let mut follow_up = self
                        .new_ticket(&mail, &contact, ticket.department.clone(), message, once, now)
                        .await?;
                    follow_up.ticket.follow_up_of = Some(of);
                    let pointer = TicketPointer {
                        id: follow_up.ticket.id,
                        number: follow_up.ticket.number,
                    };
                    self.store
                        .create_ticket(&follow_up, new_contact.then_some(&contact))
                        .await
                        .map(|()| Outcome::FollowUp { ticket: pointer, of })
                }
                Some(ticket) => {
                    let write = self.append(ticket, &contact, message, once, now);
                    let pointer = TicketPointer {
                        id: write.ticket.id,
                        number: write.ticket.number,
                    };
                    match new_contact {
                        true => self.store.create_contact(&contact).await,
                        false => Ok(()),
                    }
                    .or_else(ignore_existing)?;
                    self.store
                        .commit(std::slice::from_ref(&write))
                        .await
                        .map(|()| Outcome::Added(pointer))
                }
                None => {
                    let department = mail
                        .addressed_to(&ours)
                        .first()
                        .and_then(|a| self.config.addresses.iter().find(|s| s.address == **a))
                        .and_then(|s| s.department.clone());
                    let write = self.new_ticket(&mail, &contact, department, message, once, now).await?;
                    let pointer = TicketPointer {
                        id: write.ticket.id,
                        number: write.ticket.number,
                    };
                    self.store
                        .create_ticket(&write, new_contact.then_some(&contact))
                        .await
                        .map(|()| Outcome::Created(pointer))
                }
            };
            match result {
                Ok(outcome) => return Ok(outcome),
                Err(StoreError::AlreadyExists { what }) if what == "mail" => return Ok(Outcome::Duplicate),
                // A concurrent writer: the ticket changed, or the same new contact was created.
                Err(StoreError::VersionConflict | StoreError::AlreadyExists { .. }) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(IntakeError::Busy)
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

    /// The ticket this mail continues, following merges to the ticket that lives on.
    async fn thread(&self, hints: &[ThreadHint]) -> Result<Option<Ticket>, StoreError> {
        for hint in hints {
            let id = match hint {
                ThreadHint::MessageId(m) => self.store.find_message_id(m).await?.map(|(t, _)| t),
                ThreadHint::Number(n) => self.store.find_ticket_id(*n).await?,
            };
            let Some(mut ticket) = (match id {
                Some(id) => self.store.get_ticket(id).await?,
                None => None,
            }) else {
                continue;
            };
            for _ in 0..MERGE_HOPS {
                let Some(next) = ticket.merged_into else { break };
                match self.store.get_ticket(next.id).await? {
                    Some(t) => ticket = t,
                    None => break,
                }
            }
            return Ok(Some(ticket));
        }
        Ok(None)
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

    async fn store_attachments(&self, message: MessageId, mail: &InboundMail) -> Result<Vec<Attachment>, BlobError> {
        let mut stored = Vec::new();
        for (index, part) in mail.attachments.iter().enumerate() {
            let blob = BlobRef {
                bucket: self.config.attachments_bucket.clone(),
                key: format!("attachments/{message}/{}-{}", index + 1, part.name),
            };
            self.blobs.put(&blob, part.bytes.clone(), &part.content_type).await?;
            stored.push(Attachment {
                name: part.name.clone(),
                content_type: part.content_type.clone(),
                size: part.bytes.len() as u64,
                inline: part.inline,
                content_id: part.content_id.clone(),
                blob,
            });
        }
        Ok(stored)
    }

    fn once_keys(&self, raw: &BlobRef, mail: &InboundMail, message: MessageId) -> Vec<OnceKey> {
        let mut once = vec![OnceKey::RawMail(raw.key.clone())];
        if let Some(id) = &mail.message_id {
            once.push(OnceKey::MessageId {
                message_id: id.clone(),
                message,
            });
        }
        once
    }

    #[allow(clippy::too_many_arguments)]
    fn customer_message(
        &self,
        id: MessageId,
        raw: &BlobRef,
        mail: &InboundMail,
        kind: MailKind,
        contact: &Contact,
        attachments: &[Attachment],
        now: Timestamp,
    ) -> Message {
        let (visible, quoted) = crate::domain::mail::split_quoted(&mail.text);
        Message {
            id,
            ticket_id: TicketId::generate(now),
            author: Author::Customer,
            visibility: Visibility::Public,
            author_id: Some(contact.id.to_string()),
            from: mail.from.as_ref().map(|m| m.email.clone()),
            body_text: visible,
            delivery: Delivery::None,
            created_at: now,
            carried_from: None,
            body_html: mail.html.as_deref().map(crate::domain::mail::sanitize_html),
            quoted_text: quoted,
            attachments: attachments.to_vec(),
            email: Some(EmailDetails {
                message_id: mail.message_id.clone(),
                in_reply_to: mail.in_reply_to.clone(),
                references: mail.references.clone(),
                subject: mail.subject.clone(),
                to: mail.to.iter().map(|m| m.email.clone()).collect(),
                cc: mail.cc.iter().map(|m| m.email.clone()).collect(),
                raw: Some(raw.clone()),
                automated: kind == MailKind::Automated,
                notes: mail.notes.clone(),
            }),
        }
    }

    async fn new_ticket(
        &self,
        mail: &InboundMail,
        contact: &Contact,
        department: Option<DepartmentId>,
        mut message: Message,
        once: Vec<OnceKey>,
        now: Timestamp,
    ) -> Result<TicketWrite, StoreError> {
        let number = self.store.next_ticket_number(now).await?;
        let ours = self.config.ours();
        let cc: Vec<EmailAddress> = mail
            .cc
            .iter()
            .map(|m| m.email.clone())
            .filter(|e| !ours.iter().any(|o| o.normalized() == e.normalized()) && Some(e) != contact.email.as_ref())
            .take(crate::domain::ticket::MAX_CC)
            .collect();
        let ticket = Ticket {
            // SES's verdicts keep spam and viruses out of the queue, kept but never answered.
            status: if mail.verdicts.spam || mail.verdicts.virus {
                Status::Spam
            } else {
                Status::New
            },
            department,
            cc,
            ..Ticket::new(number, subject_line(&mail.subject), Channel::Email, contact.id, now)
        };
        message.ticket_id = ticket.id;
        let event = AuditEvent::by_customer(
            &ticket,
            EventType::TicketCreated,
            contact.id,
            now,
            vec![],
            Some(message.id),
        );
        Ok(TicketWrite {
            ticket,
            read: None,
            messages: vec![message],
            events: vec![event],
            once,
        })
    }

    /// A customer's message on an existing ticket: waiting states wake up, and a sender who is
    /// not the requester joins the conversation as a CC.
    fn append(
        &self,
        mut ticket: Ticket,
        contact: &Contact,
        mut message: Message,
        once: Vec<OnceKey>,
        now: Timestamp,
    ) -> TicketWrite {
        let read = AsRead::of(&ticket);
        let mut changes = Vec::new();
        // Reaching a closed ticket here means the desk is configured to reopen it.
        changes.extend(ticket.reopen_for_customer());
        if contact.id != ticket.requester
            && let Some(email) = &contact.email
            && !ticket.cc.iter().any(|c| c.normalized() == email.normalized())
            && ticket.cc.len() < crate::domain::ticket::MAX_CC
        {
            let before = ticket.cc.clone();
            ticket.cc.push(email.clone());
            changes.push(FieldChange::new("cc", before, &ticket.cc));
        }
        ticket.updated_at = now;
        ticket.version = read.version().next();
        message.ticket_id = ticket.id;
        let event = AuditEvent::by_customer(
            &ticket,
            EventType::CustomerReplied,
            contact.id,
            now,
            changes,
            Some(message.id),
        );
        TicketWrite {
            ticket,
            read: Some(read),
            messages: vec![message],
            events: vec![event],
            once,
        }
    }
}

fn ignore_existing(e: StoreError) -> Result<(), StoreError> {
    match e {
        StoreError::AlreadyExists { .. } => Ok(()),
        other => Err(other),
    }
}

/// A subject fit for a ticket: one line, at most 250 characters, never empty.
fn subject_line(subject: &str) -> String {
    let one_line: String = subject.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    let trimmed: String = one_line
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(250)
        .collect();
    if trimmed.is_empty() {
        "(no subject)".into()
    } else {
        trimmed
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

    #[test]
    fn subjects_are_made_fit() {
        assert_eq!(subject_line("  Re:\tHello\r\n world "), "Re: Hello world");
        assert_eq!(subject_line(""), "(no subject)");
        assert_eq!(subject_line(&"x".repeat(300)).len(), 250);
    }
}
