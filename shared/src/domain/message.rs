//! The conversation: customer messages, agent replies and internal notes, with their
//! attachments, the mail details they came or went with, and how far an outgoing mail got.

use serde::{Deserialize, Serialize};

use super::contact::EmailAddress;
use super::error::DomainError;
use super::ids::{ContactId, MessageId, RuleId, TicketId};
use super::time::Timestamp;

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Author {
    Customer,
    Agent,
    System,
}

/// An agent's identity as their sign-in token names it (the token's `sub`): not a ULID of ours,
/// so it is its own type and never confused with a contact's id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AgentSubject(String);

impl AgentSubject {
    pub fn new(subject: impl Into<String>) -> Self {
        Self(subject.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Who wrote a message, and which of them. Stored and served as two fields, `author` (the
/// kind) and `author_id`; the kind decides how the id reads, since an agent's token subject can
/// look just like a contact's ULID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Writer {
    /// A customer, by their contact.
    Customer(ContactId),
    /// An agent, by their token subject.
    Agent(AgentSubject),
    /// An automation rule's note.
    Rule(RuleId),
    /// The desk itself: threading notes, bounce reports, system notes.
    System,
}

/// A rule's id on the wire: `rule:` and the id, with `author` `system`.
const RULE_PREFIX: &str = "rule:";

impl Writer {
    /// The kind of writer.
    pub fn author(&self) -> Author {
        match self {
            Self::Customer(_) => Author::Customer,
            Self::Agent(_) => Author::Agent,
            Self::Rule(_) | Self::System => Author::System,
        }
    }

    /// The writer's id as the wire shows it.
    pub fn id_text(&self) -> Option<String> {
        match self {
            Self::Customer(contact) => Some(contact.to_string()),
            Self::Agent(subject) => Some(subject.0.clone()),
            Self::Rule(rule) => Some(format!("{RULE_PREFIX}{rule}")),
            Self::System => None,
        }
    }
}

#[derive(Serialize)]
struct WriterFields {
    author: Author,
    author_id: Option<String>,
}

#[derive(Deserialize)]
struct WriterRecord {
    author: Author,
    #[serde(default)]
    author_id: Option<String>,
}

impl Serialize for Writer {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        WriterFields {
            author: self.author(),
            author_id: self.id_text(),
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Writer {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let WriterRecord { author, author_id } = WriterRecord::deserialize(deserializer)?;
        match (author, author_id) {
            (Author::Customer, Some(id)) => ContactId::parse(&id).map(Self::Customer).map_err(D::Error::custom),
            (Author::Agent, Some(subject)) => Ok(Self::Agent(AgentSubject(subject))),
            (Author::System, None) => Ok(Self::System),
            (Author::System, Some(id)) => id
                .strip_prefix(RULE_PREFIX)
                .ok_or_else(|| {
                    D::Error::custom(format!(
                        "a system message's author_id names a rule ({RULE_PREFIX}<id>): {id}"
                    ))
                })
                .and_then(|rule| RuleId::parse(rule).map_err(D::Error::custom))
                .map(Self::Rule),
            (Author::Customer | Author::Agent, None) => {
                Err(D::Error::custom("a customer's or agent's message names its author_id"))
            }
        }
    }
}

/// Who may see a message: the customer too, or only agents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    Public,
    Internal,
}

/// Whether an outbound message has left: queued by the API, sent by the mail reactor, then
/// delivered, bounced or complained about as the provider reports back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Delivery {
    /// Nothing to send (customer messages, notes, a ticket's description).
    None,
    Queued,
    Sent,
    /// We gave up sending (refused, or still failing after the last attempt).
    Failed,
    /// The recipient's server accepted it.
    Delivered,
    /// The recipient's server refused it after it was sent.
    Bounced,
    /// The recipient marked it as spam.
    Complained,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub id: MessageId,
    pub ticket_id: TicketId,
    /// Who wrote it (`author` and `author_id` on the wire).
    #[serde(flatten)]
    pub writer: Writer,
    pub visibility: Visibility,
    pub from: Option<EmailAddress>,
    pub body_text: String,
    pub delivery: Delivery,
    pub created_at: Timestamp,
    /// Set on copies carried over by a merge: the ticket the message first belonged to.
    pub carried_from: Option<TicketId>,
    /// Sanitised HTML, for messages that came with it.
    #[serde(default)]
    pub body_html: Option<String>,
    /// Quoted history and signature split off `body_text` for display.
    #[serde(default)]
    pub quoted_text: Option<String>,
    #[serde(default)]
    pub attachments: Vec<Attachment>,
    /// For mail: headers that thread it, and where the raw message is kept.
    #[serde(default)]
    pub email: Option<EmailDetails>,
}

/// Where a stored object lives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlobRef {
    pub bucket: String,
    pub key: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    pub name: String,
    pub content_type: String,
    pub size: u64,
    pub inline: bool,
    pub content_id: Option<String>,
    pub blob: BlobRef,
    /// The mail it came with was flagged by SES's virus scan: kept in the bucket for an
    /// investigation, but never downloaded, shown inline or sent on.
    #[serde(default)]
    pub quarantined: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailDetails {
    pub message_id: Option<String>,
    #[serde(default)]
    pub in_reply_to: Vec<String>,
    #[serde(default)]
    pub references: Vec<String>,
    pub subject: String,
    #[serde(default)]
    pub to: Vec<EmailAddress>,
    #[serde(default)]
    pub cc: Vec<EmailAddress>,
    /// The raw MIME as received.
    pub raw: Option<BlobRef>,
    /// Sent by a machine (auto-reply, list, bulk): never auto-answered.
    #[serde(default)]
    pub automated: bool,
    /// What the parser worked around (cut text, oversize attachments, ...).
    #[serde(default)]
    pub notes: Vec<String>,
    /// SES's checks said the `From` address is not the real sender: never auto-answered.
    #[serde(default)]
    pub forged_sender: bool,
    /// SES's virus scan flagged the mail: its raw copy and attachments are never served.
    #[serde(default)]
    pub virus_flagged: bool,
}

impl Message {
    /// The kind of writer.
    pub fn author(&self) -> Author {
        self.writer.author()
    }
}

/// Longest body stored in the item; larger bodies go to S3 (email work).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// A message body: not blank, at most 64 KiB. Line breaks are kept.
pub fn parse_body(field: &'static str, text: &str) -> Result<String, DomainError> {
    if text.trim().is_empty() {
        return Err(DomainError::invalid(field, "must not be empty"));
    }
    if text.len() > MAX_BODY_BYTES {
        return Err(DomainError::invalid(field, "must be at most 65536 bytes"));
    }
    if text.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
        return Err(DomainError::invalid(field, "must not contain control characters"));
    }
    Ok(text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(writer: Writer) -> (serde_json::Value, Writer) {
        let json = serde_json::to_value(&writer).unwrap();
        let back = serde_json::from_value(json.clone()).unwrap();
        (json, back)
    }

    #[test]
    fn a_writer_is_two_fields_on_the_wire_and_the_kind_decides_how_the_id_reads() {
        let at = Timestamp::parse("2026-12-07T10:00:00Z").unwrap();
        let contact = ContactId::generate(at);
        let rule = RuleId::generate(at);
        // An agent whose token subject happens to be a ULID stays an agent.
        let look_alike = Writer::Agent(AgentSubject::new(contact.to_string()));
        for (writer, author, id) in [
            (Writer::Customer(contact), "customer", Some(contact.to_string())),
            (look_alike.clone(), "agent", Some(contact.to_string())),
            (Writer::Rule(rule), "system", Some(format!("rule:{rule}"))),
            (Writer::System, "system", None),
        ] {
            let (json, back) = round_trip(writer.clone());
            assert_eq!(json, serde_json::json!({"author": author, "author_id": id}));
            assert_eq!(back, writer);
        }
    }

    #[test]
    fn a_writer_that_does_not_name_who_it_is_is_refused() {
        for bad in [
            serde_json::json!({"author": "customer", "author_id": null}),
            serde_json::json!({"author": "customer", "author_id": "agent-7"}),
            serde_json::json!({"author": "agent"}),
            serde_json::json!({"author": "system", "author_id": "someone"}),
            serde_json::json!({"author": "system", "author_id": "rule:not-a-ulid"}),
        ] {
            assert!(serde_json::from_value::<Writer>(bad.clone()).is_err(), "{bad}");
        }
    }

    #[test]
    fn bodies() {
        assert!(parse_body("body", "Hi\r\nthere\t!").is_ok());
        assert!(parse_body("body", "  \n ").is_err());
        assert!(parse_body("body", "a\u{0}b").is_err());
        assert!(parse_body("body", &"x".repeat(MAX_BODY_BYTES + 1)).is_err());
    }
}
