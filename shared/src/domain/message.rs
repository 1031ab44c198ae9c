//! The conversation: customer messages, agent replies and internal notes, with their
//! attachments, the mail details they came or went with, and how far an outgoing mail got.

use serde::{Deserialize, Serialize};

use super::contact::EmailAddress;
use super::error::DomainError;
use super::ids::{MessageId, TicketId};
use super::time::Timestamp;

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Author {
    Customer,
    Agent,
    System,
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
    pub author: Author,
    pub visibility: Visibility,
    /// The writing agent's token subject (`sub`) or the contact's id; `None` for system messages.
    pub author_id: Option<String>,
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

    #[test]
    fn bodies() {
        assert!(parse_body("body", "Hi\r\nthere\t!").is_ok());
        assert!(parse_body("body", "  \n ").is_err());
        assert!(parse_body("body", "a\u{0}b").is_err());
        assert!(parse_body("body", &"x".repeat(MAX_BODY_BYTES + 1)).is_err());
    }
}
