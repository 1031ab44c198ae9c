//! The conversation: customer messages, agent replies and internal notes.

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

/// Whether an outbound message has left: queued by the API, sent by the mail reactor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Delivery {
    /// Nothing to send (customer messages, notes, a ticket's description).
    None,
    Queued,
    Sent,
    Failed,
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
