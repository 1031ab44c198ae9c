//! What can stop the reactor on an event, each with its cause kept: store and send errors
//! are retried by redelivery; mail that can never be made is noted where people look.

use crate::ports::{SendError, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum ReactorError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Send(#[from] SendError),
    #[error("another worker is on this event; it will be redelivered")]
    Busy,
    /// The ticket refused the change (merged meanwhile): read again and decide again.
    #[error(transparent)]
    Refused(#[from] crate::domain::DomainError),
    /// A template could not be rendered (missing, or its placeholders failed): that mail will
    /// never go, so it is noted, not retried.
    #[error("the template could not be rendered: {0}")]
    Template(#[from] crate::domain::templates::TemplateError),
    /// A rule names something that is not a template name (saved before names were checked).
    #[error("not a template name: {0}")]
    TemplateName(#[source] crate::domain::DomainError),
    /// The MIME message could not be written.
    #[error("the mail could not be composed: {0}")]
    Compose(#[source] std::io::Error),
    #[error("no support address is configured")]
    NoSupportAddress,
    /// The effects recorded with the rules' write cannot be read back.
    #[error("the recorded rule effects are unreadable: {0}")]
    Outbox(#[source] serde_json::Error),
    #[error("the webhook's body could not be made: {0}")]
    WebhookBody(#[source] serde_json::Error),
    /// A rule's webhook failed; the event is delivered again and only that call is repeated.
    #[error("a webhook will be tried again: {0}")]
    WebhookRetry(String),
}

impl ReactorError {
    /// Whether the mail this error stopped can never be made, however often it is tried.
    pub fn is_unsendable(&self) -> bool {
        matches!(
            self,
            ReactorError::Send(SendError::Rejected(_))
                | ReactorError::Template(_)
                | ReactorError::TemplateName(_)
                | ReactorError::Compose(_)
                | ReactorError::NoSupportAddress
        )
    }
}
