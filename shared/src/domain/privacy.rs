//! Personal data of one person (a contact): what of a message, an audit event or a ticket is
//! theirs, and how it reads once erased (docs/privacy.md). Pure: the erasure job reads the
//! items, asks here what they become, and writes them back.
//!
//! Erasure redacts in place. A message the person wrote is emptied whole (every text field,
//! its mail headers, its files); anywhere else their full name, email address and phone number
//! are replaced by [`ERASED`], so agents' work stays readable without them.

use regex::Regex;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::audit::AuditEvent;
use super::contact::{Contact, PhoneNumber};
use super::error::DomainError;
use super::ids::{ContactId, TicketNumber};
use super::message::{BlobRef, Message, Writer};
use super::ticket::TicketField;
use super::time::Timestamp;

/// What erased text reads as.
pub const ERASED: &str = "[erased]";
/// The name an erased contact keeps, so a ticket's requester reads as that.
pub const ERASED_CONTACT_NAME: &str = "erased contact";

/// Why an admin erases someone: required, one paragraph, kept with the request.
pub fn parse_reason(text: &str) -> Result<String, DomainError> {
    let reason = text.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(DomainError::invalid("reason", "must be 1 to 500 characters"));
    }
    if reason.chars().any(|c| c.is_control() && c != '\n') {
        return Err(DomainError::invalid("reason", "must not contain control characters"));
    }
    Ok(reason.to_owned())
}

/// Finds one person's identifiers in text: their email address and full name (any case,
/// any spacing between the name's words) and their phone number (with or without the
/// country code, in any grouping of spaces, dots, dashes or brackets).
#[derive(Debug, Clone)]
pub struct Redactor {
    contact: ContactId,
    email: Option<String>,
    pattern: Option<Regex>,
}

impl Redactor {
    pub fn new(contact: &Contact) -> Self {
        let mut alternatives = Vec::new();
        if let Some(email) = &contact.email {
            alternatives.push(regex::escape(email.as_str()));
        }
        // A name of one or two letters would erase words that are not theirs.
        if let Some(name) = contact.name.as_deref().filter(|n| n.trim().chars().count() >= 3)
            && name != ERASED_CONTACT_NAME
        {
            let words: Vec<String> = name.split_whitespace().map(regex::escape).collect();
            alternatives.push(words.join(r"\s+"));
        }
        if let Some(phone) = &contact.phone {
            alternatives.extend(phone_patterns(phone));
        }
        let pattern = (!alternatives.is_empty())
            .then(|| Regex::new(&format!("(?i){}", alternatives.join("|"))).expect("escaped alternatives"));
        Self {
            contact: contact.id,
            email: contact.email.as_ref().map(|e| e.normalized()),
            pattern,
        }
    }

    pub fn contact(&self) -> ContactId {
        self.contact
    }

    /// Whether nothing identifies the person any more (their contact was erased already).
    pub fn is_blank(&self) -> bool {
        self.pattern.is_none()
    }

    /// `text` without the person's identifiers; `None` when there were none.
    pub fn scrub(&self, text: &str) -> Option<String> {
        let pattern = self.pattern.as_ref()?;
        pattern
            .is_match(text)
            .then(|| pattern.replace_all(text, ERASED).into_owned())
    }

    fn scrub_in_place(&self, text: &mut String) -> bool {
        match self.scrub(text) {
            Some(clean) => {
                *text = clean;
                true
            }
            None => false,
        }
    }

    /// Every string in `value`, at any depth, without the person's identifiers. Whether any
    /// changed.
    pub fn scrub_json(&self, value: &mut Value) -> bool {
        match value {
            Value::String(text) => self.scrub_in_place(text),
            Value::Array(items) => items.iter_mut().fold(false, |changed, v| self.scrub_json(v) | changed),
            Value::Object(map) => map.values_mut().fold(false, |changed, v| self.scrub_json(v) | changed),
            _ => false,
        }
    }

    fn is_their_address(&self, address: &str) -> bool {
        self.email.as_deref() == Some(address.to_lowercase().as_str())
    }

    /// Whether the person wrote `message` (as the customer, or from their address).
    pub fn wrote(&self, message: &Message) -> bool {
        message.writer == Writer::Customer(self.contact)
            || message.from.as_ref().is_some_and(|f| self.is_their_address(f.as_str()))
    }

    /// What becomes of a message: see [`MessageErasure`].
    pub fn message(&self, message: &Message) -> MessageErasure {
        if self.wrote(message) {
            return self.emptied(message);
        }
        let mut erased = message.clone();
        let mut changed = false;
        changed |= self.scrub_in_place(&mut erased.body_text);
        for text in [&mut erased.body_html, &mut erased.quoted_text].into_iter().flatten() {
            changed |= self.scrub_in_place(text);
        }
        let mut blobs = Vec::new();
        if let Some(email) = &mut erased.email {
            let before = email.to.len() + email.cc.len();
            email.to.retain(|a| !self.is_their_address(a.as_str()));
            email.cc.retain(|a| !self.is_their_address(a.as_str()));
            changed |= email.to.len() + email.cc.len() != before;
            changed |= self.scrub_in_place(&mut email.subject);
            // A reply quotes the Message-IDs of their mail, which may hold their address.
            for text in email
                .notes
                .iter_mut()
                .chain(&mut email.in_reply_to)
                .chain(&mut email.references)
            {
                changed |= self.scrub_in_place(text);
            }
            // The raw copy names them where the parsed one did; it cannot be edited, so it goes.
            if changed {
                blobs.extend(email.raw.take());
            }
        }
        MessageErasure {
            message: changed.then_some(erased),
            blobs,
            message_ids: vec![],
        }
    }

    fn emptied(&self, message: &Message) -> MessageErasure {
        let mut blobs: Vec<BlobRef> = message.attachments.iter().map(|a| a.blob.clone()).collect();
        let mut message_ids = Vec::new();
        if let Some(email) = &message.email {
            blobs.extend(email.raw.clone());
            message_ids.extend(email.message_id.clone());
        }
        let erased = Message {
            body_text: ERASED.into(),
            body_html: None,
            quoted_text: None,
            from: None,
            attachments: vec![],
            email: None,
            ..message.clone()
        };
        MessageErasure {
            message: (erased != *message).then_some(erased),
            blobs,
            message_ids,
        }
    }

    /// An audit event without the person's identifiers (`None`: nothing of theirs in it). On a
    /// ticket they requested, the satisfaction comment is theirs and goes whole.
    pub fn event(&self, event: &AuditEvent, requested: bool) -> Option<AuditEvent> {
        let mut erased = event.clone();
        let mut changed = false;
        for change in erased.changes.iter_mut() {
            if requested && change.field == TicketField::Satisfaction {
                for side in [&mut change.from, &mut change.to] {
                    if let Value::Object(rating) = side {
                        changed |= rating.remove("comment").is_some();
                    }
                }
            }
            changed |= self.scrub_json(&mut change.from);
            changed |= self.scrub_json(&mut change.to);
        }
        if let Some(reason) = &mut erased.reason {
            changed |= self.scrub_in_place(reason);
        }
        changed.then_some(erased)
    }

    /// The contact as it stays after erasure: its id (tickets still name it) and when it was
    /// created; no name, address, phone or language of the person.
    pub fn erased_contact(contact: &Contact) -> Contact {
        Contact {
            id: contact.id,
            name: Some(ERASED_CONTACT_NAME.into()),
            email: None,
            phone: None,
            language: None,
            created_at: contact.created_at,
            undeliverable: false,
            // Groups can name the person's company.
            groups: Default::default(),
        }
    }
}

/// Whether a contact was erased already.
pub fn is_erased(contact: &Contact) -> bool {
    contact.email.is_none() && contact.phone.is_none() && contact.name.as_deref() == Some(ERASED_CONTACT_NAME)
}

/// The phone number in any grouping: all its digits (after `+` or `00`, or none), and the
/// national part alone (the last nine digits) for numbers long enough to have one.
fn phone_patterns(phone: &PhoneNumber) -> Vec<String> {
    let digits: Vec<char> = phone.as_str().chars().filter(char::is_ascii_digit).collect();
    let spaced = |ds: &[char]| ds.iter().map(char::to_string).collect::<Vec<_>>().join(r"[\s.\-()/]*");
    let mut patterns = vec![format!(r"(?:\+|00)?\s*{}", spaced(&digits))];
    if digits.len() >= 11 {
        patterns.push(spaced(&digits[digits.len() - 9..]));
    }
    patterns
}

/// What erasure does to one message: the message to write back (`None`: unchanged), the
/// stored files to delete (its attachments and raw copy when the person wrote it; the raw copy
/// of someone else's mail that named them), and the Message-IDs whose pointers go.
#[derive(Debug, Clone, PartialEq)]
pub struct MessageErasure {
    pub message: Option<Message>,
    pub blobs: Vec<BlobRef>,
    pub message_ids: Vec<String>,
}

/// An export or an erasure, as the record that it was asked for and carried out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestKind {
    Export,
    Erasure,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestState {
    /// Started and not finished: asking again carries it on.
    Running,
    Done,
}

/// A privacy request: who asked for what about which contact, when, and how it ended. Holds
/// no personal data of the person (the contact's id, ticket numbers, the reason with their
/// identifiers replaced), so it outlives their erasure as its proof.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrivacyRequest {
    /// A ULID.
    pub id: String,
    pub kind: RequestKind,
    pub contact: ContactId,
    /// The admin's token subject.
    pub requested_by: String,
    pub requested_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub state: RequestState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<Timestamp>,
    /// The tickets it covered.
    #[serde(default)]
    pub tickets: Vec<TicketNumber>,
    /// An export's ZIP (gone once the person is erased or the bucket's lifecycle expires it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object: Option<BlobRef>,
    /// Files in an export's ZIP.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub files: Option<u32>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::message::{Attachment, Delivery, EmailDetails, Visibility};
    use crate::domain::{AgentSubject, EmailAddress, EventType, MessageId, TicketId};

    fn at() -> Timestamp {
        Timestamp::parse("2026-12-01T10:00:00Z").unwrap()
    }

    fn jana() -> Contact {
        Contact {
            id: ContactId::generate(at()),
            name: Some("Jana Nováková".into()),
            email: Some(EmailAddress::parse("Jana.Novakova@Example.cz").unwrap()),
            phone: Some(PhoneNumber::parse("+420601234567").unwrap()),
            language: None,
            created_at: at(),
            undeliverable: false,
            groups: Default::default(),
        }
    }

    fn blob(key: &str) -> BlobRef {
        BlobRef {
            bucket: "mail".into(),
            key: key.into(),
        }
    }

    fn message(writer: Writer, body: &str) -> Message {
        Message {
            id: MessageId::generate(at()),
            ticket_id: TicketId::generate(at()),
            writer,
            visibility: Visibility::Public,
            from: None,
            body_text: body.into(),
            delivery: Delivery::None,
            created_at: at(),
            carried_from: None,
            body_html: None,
            quoted_text: None,
            attachments: vec![],
            email: None,
        }
    }

    #[test]
    fn identifiers_are_found_in_any_case_spacing_and_phone_grouping() {
        let redactor = Redactor::new(&jana());
        let text = "Dear JANA  nováková, we called +420 601 234 567 and 601-234-567 and wrote to \
                    jana.novakova@example.CZ; 00420601234567 too.";
        let clean = redactor.scrub(text).unwrap();
        for gone in ["JANA", "nováková", "601", "jana.novakova"] {
            assert!(!clean.to_lowercase().contains(&gone.to_lowercase()), "{gone}: {clean}");
        }
        assert!(clean.starts_with("Dear [erased], we called [erased]"), "{clean}");
        assert_eq!(redactor.scrub("Nothing of hers: Jan Novák, +420 700 000 000"), None);
    }

    #[test]
    fn their_own_message_is_emptied_with_its_files_and_message_id() {
        let contact = jana();
        let redactor = Redactor::new(&contact);
        let mut mail = message(Writer::Customer(contact.id), "Hello, I am Jana");
        mail.body_html = Some("<p>Hello</p>".into());
        mail.quoted_text = Some("> earlier".into());
        mail.from = contact.email.clone();
        mail.attachments = vec![Attachment {
            name: "passport.jpg".into(),
            content_type: "image/jpeg".into(),
            size: 10,
            inline: false,
            content_id: None,
            blob: blob("attachments/1/passport.jpg"),
            quarantined: false,
        }];
        mail.email = Some(EmailDetails {
            message_id: Some("abc@example.cz".into()),
            raw: Some(blob("inbound/1")),
            subject: "Help".into(),
            ..Default::default()
        });
        let erasure = redactor.message(&mail);
        let erased = erasure.message.unwrap();
        assert_eq!(erased.body_text, ERASED);
        assert_eq!((erased.body_html, erased.quoted_text, erased.from), (None, None, None));
        assert!(erased.attachments.is_empty() && erased.email.is_none());
        assert_eq!(erased.id, mail.id, "the message stays in the conversation");
        assert_eq!(
            erasure.blobs,
            vec![blob("attachments/1/passport.jpg"), blob("inbound/1")]
        );
        assert_eq!(erasure.message_ids, vec!["abc@example.cz".to_owned()]);
        // Again: nothing left to change.
        let again = redactor.message(&Message {
            email: None,
            attachments: vec![],
            ..mail_after(&redactor, &mail)
        });
        assert_eq!(again.message, None);
    }

    fn mail_after(redactor: &Redactor, mail: &Message) -> Message {
        redactor.message(mail).message.unwrap()
    }

    #[test]
    fn others_messages_lose_only_their_identifiers_and_a_raw_copy_that_names_them() {
        let contact = jana();
        let redactor = Redactor::new(&contact);
        let mut reply = message(
            Writer::Agent(AgentSubject::new("agent-1")),
            "Hi Jana Nováková, the printer is fixed.",
        );
        reply.email = Some(EmailDetails {
            to: vec![EmailAddress::parse("jana.novakova@example.cz").unwrap()],
            cc: vec![EmailAddress::parse("boss@example.cz").unwrap()],
            raw: Some(blob("inbound/2")),
            ..Default::default()
        });
        let erasure = redactor.message(&reply);
        let erased = erasure.message.unwrap();
        assert_eq!(erased.body_text, "Hi [erased], the printer is fixed.");
        let email = erased.email.unwrap();
        assert!(email.to.is_empty());
        assert_eq!(email.cc.len(), 1);
        assert_eq!(email.raw, None);
        assert_eq!(erasure.blobs, vec![blob("inbound/2")]);
        let unrelated = message(Writer::Agent(AgentSubject::new("a")), "Fixed.");
        assert_eq!(redactor.message(&unrelated).message, None);
    }

    #[test]
    fn events_lose_their_addresses_and_their_comment_on_their_tickets() {
        let contact = jana();
        let redactor = Redactor::new(&contact);
        let event = AuditEvent {
            id: crate::domain::EventId::generate(at()),
            event_type: EventType::TicketUpdated,
            ticket_id: TicketId::generate(at()),
            ticket_number: TicketNumber::new(1001),
            actor: crate::domain::Actor::customer(contact.id),
            at: at(),
            changes: vec![
                crate::domain::FieldChange::new(
                    TicketField::Cc,
                    vec!["a@example.cz"],
                    vec!["a@example.cz", "jana.novakova@example.cz"],
                ),
                crate::domain::FieldChange::new(
                    TicketField::Satisfaction,
                    Value::Null,
                    serde_json::json!({"rating": "bad", "comment": "slow"}),
                ),
            ],
            message_id: None,
            related: None,
            carried_from: None,
            reason: None,
        };
        let erased = redactor.event(&event, true).unwrap();
        assert_eq!(erased.changes[0].to, serde_json::json!(["a@example.cz", ERASED]));
        assert_eq!(erased.changes[1].to, serde_json::json!({"rating": "bad"}));
        assert_eq!(redactor.event(&erased, true), None, "erasing twice changes nothing");
        let kept = redactor.event(&event, false).unwrap();
        assert_eq!(kept.changes[1].to["comment"], "slow", "someone else's comment stays");
    }

    #[test]
    fn an_erased_contact_identifies_no_one() {
        let erased = Redactor::erased_contact(&jana());
        assert!(is_erased(&erased));
        assert!(Redactor::new(&erased).is_blank());
        assert!(!is_erased(&jana()));
    }

    #[test]
    fn reasons() {
        assert_eq!(parse_reason("  asked by mail ").unwrap(), "asked by mail");
        assert!(parse_reason(" ").is_err());
        assert!(parse_reason(&"x".repeat(501)).is_err());
        assert!(parse_reason("a\u{0}b").is_err());
    }
}
