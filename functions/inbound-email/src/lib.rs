//! Turns mail that SES stored in S3 into tickets. Triggered by the S3 notifications queued in
//! SQS; reports partial batch failures so one bad mail never holds back the others, and a
//! failing mail is retried and finally lands in the DLQ, never dropped.

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use lambda_runtime::LambdaEvent;
use percent_encoding::percent_decode_str;
use serde::Deserialize;
use shared::adapters::dynamodb::DynamoStore;
use shared::adapters::s3::S3Blobs;
use shared::adapters::secrets::DeskSecrets;
use shared::config::Env;
use shared::domain::signing::LinkSigner;
use shared::domain::{BlobRef, Clock, SystemClock};
use shared::ports::{BlobStore, ContactStore, TeamStore, TicketStore};
use shared::queue::each_message;
use shared::usecases::intake::{IntakeConfig, MailIntake};

#[derive(Debug, Clone)]
pub struct Config {
    pub table_name: String,
    pub intake: IntakeConfig,
    pub s3_force_path_style: bool,
    /// Checks the tags of the reply addresses the reactor signs with the same key.
    pub reply_signer: LinkSigner,
}

pub use shared::config::ConfigError;

impl Config {
    /// `env`'s settings with the secrets [`shared::adapters::secrets::load`] read (the link
    /// key checks reply-address tags).
    pub fn from_env(env: &Env, secrets: &DeskSecrets) -> Result<Self, ConfigError> {
        let bucket = env.required("MAIL_BUCKET")?;
        Ok(Self {
            table_name: env.required("TABLE_NAME")?,
            intake: IntakeConfig::parse(
                &env.required("SUPPORT_ADDRESSES")?,
                &env.optional("CLOSED_TICKET_REPLY").unwrap_or_default(),
                &bucket,
            )?,
            s3_force_path_style: env.flag("S3_FORCE_PATH_STYLE")?,
            reply_signer: secrets.signer.clone(),
        })
    }
}

pub struct Deps<S, B, C> {
    pub intake: MailIntake<S, B, C>,
}

impl Deps<DynamoStore, S3Blobs, SystemClock> {
    pub fn new(config: Config, sdk: &aws_config::SdkConfig) -> Self {
        Self::with_clock(config, sdk, SystemClock)
    }
}

impl<C: Clock> Deps<DynamoStore, S3Blobs, C> {
    /// With "now" from `clock` (the dev host's, which can start at any instant).
    pub fn with_clock(config: Config, sdk: &aws_config::SdkConfig, clock: C) -> Self {
        let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(sdk), &config.table_name);
        let blobs = S3Blobs::new(S3Blobs::client(sdk, config.s3_force_path_style));
        Self {
            intake: MailIntake::new(store, blobs, clock, config.intake).with_reply_signer(config.reply_signer),
        }
    }
}

/// The part of an S3 event notification this function needs. Read on its own, rather than
/// as the full `S3Event`, so fields it does not use can never make a mail unreadable.
#[derive(Debug, Deserialize)]
struct Notification {
    #[serde(rename = "Records", default)]
    records: Vec<NotificationRecord>,
    #[serde(rename = "Event")]
    event: Option<String>,
}

#[derive(Debug, Deserialize)]
struct NotificationRecord {
    s3: S3Entity,
}

#[derive(Debug, Deserialize)]
struct S3Entity {
    bucket: Named,
    object: Keyed,
}

#[derive(Debug, Deserialize)]
struct Named {
    name: String,
}

#[derive(Debug, Deserialize)]
struct Keyed {
    key: String,
}

/// The stored mail objects an S3 notification names. S3's own test message names none.
fn stored_mail(body: &str) -> Result<Vec<BlobRef>, serde_json::Error> {
    let notification: Notification = serde_json::from_str(body)?;
    if notification.event.as_deref() == Some("s3:TestEvent") {
        return Ok(vec![]);
    }
    Ok(notification
        .records
        .into_iter()
        .map(|r| {
            // Keys arrive URL-encoded, with `+` for spaces.
            let key = r.s3.object.key.replace('+', " ");
            let key = percent_decode_str(&key).decode_utf8_lossy().into_owned();
            BlobRef {
                bucket: r.s3.bucket.name,
                key,
            }
        })
        .collect())
}

pub async fn handle<S, B, C>(
    deps: &Deps<S, B, C>,
    event: LambdaEvent<SqsEvent>,
) -> Result<SqsBatchResponse, lambda_runtime::Error>
where
    S: TicketStore + ContactStore + TeamStore,
    B: BlobStore,
    C: Clock,
{
    Ok(each_message(event.payload, |message| async move {
        let blobs = match stored_mail(message.body.as_deref().unwrap_or_default()) {
            Ok(blobs) => blobs,
            Err(e) => {
                // Not an S3 notification: retrying cannot help; let it go to the DLQ.
                tracing::error!(error = %e, "queue message is not an S3 notification");
                return false;
            }
        };
        for blob in blobs {
            match deps.intake.receive(&blob).await {
                Ok(outcome) => tracing::info!(key = %blob.key, ?outcome, "mail received"),
                Err(e) => {
                    tracing::error!(key = %blob.key, error = %e, retryable = e.is_retryable(), "mail not processed");
                    return false;
                }
            }
        }
        true
    })
    .await)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_decoded_and_test_events_ignored() {
        let body = r#"{"Records":[{"eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"mail"},"object":{"key":"inbound/a+b%2Bc"}}}]}"#;
        assert_eq!(
            stored_mail(body).unwrap(),
            [BlobRef {
                bucket: "mail".into(),
                key: "inbound/a b+c".into()
            }]
        );
        assert!(
            stored_mail(r#"{"Service":"Amazon S3","Event":"s3:TestEvent"}"#)
                .unwrap()
                .is_empty()
        );
        assert!(stored_mail("not json").is_err());
        assert!(
            stored_mail(r#"{"Records":[{"s3":{"bucket":{}}}]}"#).is_err(),
            "a record without a key is not a notification"
        );
    }
}
