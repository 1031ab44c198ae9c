//! What the intake writes: the stored parts, the customer's message, a new ticket or a
//! message on an existing one.

use super::*;

impl<S, B, C> MailIntake<S, B, C>
where
    S: TicketStore + ContactStore + TeamStore,
    B: BlobStore,
    C: Clock,
{
    /// Writes the mail's parts to the bucket. A mail SES's virus scan flagged keeps its parts
    /// there, quarantined (never served or sent on). HTML too large for the message item
    /// (sanitising can make it larger) is kept here too, as a download (see [`caps`]).
    ///
    /// The keys come from the stored mail's key and the part's place in it, so a redelivery
    /// of the same mail writes the same objects again instead of a second set.
    pub(super) async fn store_attachments(
        &self,
        raw: &BlobRef,
        mail: &InboundMail,
    ) -> Result<Vec<Attachment>, BlobError> {
        let key = |position: usize, name: &str| format!("attachments/mail/{}/{position}-{name}", raw.key);
        let mut stored = Vec::new();
        for (index, part) in mail.attachments.iter().enumerate() {
            let blob = BlobRef {
                bucket: self.config.attachments_bucket.clone(),
                key: key(index + 1, &part.name),
            };
            self.blobs.put(&blob, part.bytes.clone(), &part.content_type).await?;
            stored.push(Attachment {
                name: part.name.clone(),
                content_type: part.content_type.clone(),
                size: part.bytes.len() as u64,
                inline: part.inline,
                content_id: part.content_id.clone(),
                blob,
                quarantined: mail.verdicts.virus,
            });
        }
        let oversize_html = mail
            .html
            .as_deref()
            .map(crate::domain::mail::sanitize_html)
            .filter(|html| caps::html_overflows(html));
        if let Some(html) = oversize_html {
            let blob = BlobRef {
                bucket: self.config.attachments_bucket.clone(),
                key: key(mail.attachments.len() + 1, caps::OVERSIZE_HTML_NAME),
            };
            let size = html.len() as u64;
            self.blobs
                .put(&blob, html.into_bytes(), "text/html; charset=utf-8")
                .await?;
            stored.push(Attachment {
                name: caps::OVERSIZE_HTML_NAME.into(),
                content_type: "text/html".into(),
                size,
                inline: false,
                content_id: None,
                blob,
                quarantined: mail.verdicts.virus,
            });
        }
        Ok(stored)
    }

    pub(super) fn once_keys(&self, raw: &BlobRef, mail: &InboundMail, message: MessageId) -> Vec<OnceKey> {
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
    pub(super) fn customer_message(
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
        caps::fit_message(Message {
            id,
            ticket_id: TicketId::generate(now),
            writer: Writer::Customer(contact.id),
            visibility: Visibility::Public,
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
                forged_sender: mail.authentication.from_is_forged(),
                virus_flagged: mail.verdicts.virus,
            }),
        })
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn new_ticket(
        &self,
        number: TicketNumber,
        mail: &InboundMail,
        contact: &Contact,
        fresh: Fresh,
        message: Message,
        now: Timestamp,
    ) -> Revision {
        let ours = self.config.ours();
        let cc: Vec<EmailAddress> = mail
            .cc
            .iter()
            .filter(|_| fresh.keep_cc)
            .map(|m| m.email.clone())
            .filter(|e| !ours.iter().any(|o| o.normalized() == e.normalized()) && Some(e) != contact.email.as_ref())
            .take(crate::domain::ticket::MAX_CC)
            .collect();
        let subject = match fresh.strip_tokens {
            true => threading::without_ticket_tokens(&mail.subject),
            false => mail.subject.clone(),
        };
        let ticket = Ticket {
            // SES's verdicts keep spam and viruses out of the queue, kept but never answered.
            status: if mail.verdicts.spam || mail.verdicts.virus {
                Status::Spam
            } else {
                Status::New
            },
            department: fresh.department,
            cc,
            follow_up_of: fresh.follow_up_of,
            ..Ticket::new(number, subject_line(&subject), Channel::Email, contact, now)
        };
        let note = fresh
            .note
            .map(|body| threading::system_note(&ticket, body, message.created_at));
        let mut revision = Revision::open(ticket, message, Actor::customer(contact.id));
        if let Some(note) = note {
            revision.with_system_note(note);
        }
        revision
    }

    /// A message on an existing ticket from someone allowed to continue it: waiting states
    /// wake up. Nobody joins the conversation by writing; agents add CCs.
    pub(super) fn append(
        &self,
        ticket: &Ticket,
        contact: &Contact,
        message: Message,
        now: Timestamp,
    ) -> Result<Revision, DomainError> {
        // Reaching a closed ticket here means the desk is configured to reopen it.
        let mut revision = Revision::of(ticket, Actor::customer(contact.id), now)?;
        revision.customer_message(message);
        Ok(revision)
    }
}

/// How a mail that continues no ticket is opened as one.
#[derive(Debug, Default)]
pub(super) struct Fresh {
    pub(super) department: Option<DepartmentId>,
    /// An internal note for agents (the ticket it referred to, a forged sender).
    pub(super) note: Option<String>,
    pub(super) strip_tokens: bool,
    pub(super) keep_cc: bool,
    /// For a reply to a closed ticket: that ticket.
    pub(super) follow_up_of: Option<TicketPointer>,
}

/// A subject fit for a ticket: one line, at most 250 characters, never empty.
pub(super) fn subject_line(subject: &str) -> String {
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
    use super::subject_line;

    #[test]
    fn subjects_are_made_fit() {
        assert_eq!(subject_line("  Re:\tHello\r\n world "), "Re: Hello world");
        assert_eq!(subject_line(""), "(no subject)");
        assert_eq!(subject_line(&"x".repeat(300)).len(), 250);
    }
}
