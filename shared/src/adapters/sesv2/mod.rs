//! Outbound mail through SES v2 (raw content, so our own headers thread the conversation),
//! and what SES reports about it afterwards (`feedback`).

pub mod feedback;

use aws_sdk_sesv2::Client;
use aws_sdk_sesv2::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_sesv2::primitives::Blob;
use aws_sdk_sesv2::types::{Destination, EmailContent, RawMessage};

use crate::domain::EmailAddress;
use crate::ports::{MailSender, SendError, SentMail};

pub use feedback::{FeedbackError, ses_message_id_domain};

#[derive(Clone, Debug)]
pub struct SesMailer {
    client: Client,
    /// The configuration set whose events report bounces and complaints, if any.
    configuration_set: Option<String>,
    /// Where the Message-IDs SES writes over ours live.
    message_id_domain: String,
}

impl SesMailer {
    pub fn new(client: Client, configuration_set: Option<String>) -> Self {
        let region = client.config().region().map(|r| r.to_string()).unwrap_or_default();
        Self {
            client,
            configuration_set,
            message_id_domain: ses_message_id_domain(&region),
        }
    }
}

/// Codes SES uses for a message it will never accept as it is.
const REJECTIONS: [&str; 3] = [
    "MessageRejected",
    "MailFromDomainNotVerifiedException",
    "BadRequestException",
];

/// Codes SES uses when the account may not send at all (a review paused it, or it is
/// suspended): every message would fail alike, and each goes once sending is restored.
/// Throttling (`TooManyRequestsException`, `LimitExceededException`) stays transient.
const ACCOUNT_PAUSED: [&str; 2] = ["SendingPausedException", "AccountSuspendedException"];

impl MailSender for SesMailer {
    async fn send_raw(
        &self,
        from: &EmailAddress,
        recipients: &[EmailAddress],
        raw: Vec<u8>,
    ) -> Result<SentMail, SendError> {
        let destination = Destination::builder()
            .set_to_addresses(Some(recipients.iter().map(|r| r.as_str().to_owned()).collect()))
            .build();
        let content = EmailContent::builder()
            .raw(
                RawMessage::builder()
                    .data(Blob::new(raw))
                    .build()
                    .map_err(|e| SendError::Rejected(e.to_string()))?,
            )
            .build();
        let result = self
            .client
            .send_email()
            .from_email_address(from.as_str())
            .destination(destination)
            .content(content)
            .set_configuration_set_name(self.configuration_set.clone())
            .send()
            .await;
        match result {
            Ok(out) => {
                let provider_id = out.message_id().unwrap_or_default().to_owned();
                Ok(SentMail {
                    provider_message_id: (!provider_id.is_empty())
                        .then(|| format!("{provider_id}@{}", self.message_id_domain)),
                    provider_id,
                })
            }
            Err(SdkError::ServiceError(e)) if e.err().code().is_some_and(|c| ACCOUNT_PAUSED.contains(&c)) => Err(
                SendError::Paused(e.err().message().unwrap_or("sending paused").to_owned()),
            ),
            Err(SdkError::ServiceError(e)) if e.err().code().is_some_and(|c| REJECTIONS.contains(&c)) => {
                Err(SendError::Rejected(e.err().message().unwrap_or("rejected").to_owned()))
            }
            Err(e) => Err(SendError::Transient(Box::new(e))),
        }
    }
}
