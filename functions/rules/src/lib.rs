//! The event reactor: ticket events from the bus, through SQS, to the built-in actions
//! (acknowledgements, sending agent replies, assignee notifications). Rule authoring builds on
//! this. Partial batch failures: one failing event is retried alone.

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use lambda_runtime::LambdaEvent;
use serde::Deserialize;
use shared::adapters::dynamodb::DynamoStore;
use shared::adapters::sesv2::SesMailer;
use shared::domain::{AuditEvent, Clock, SystemClock};
use shared::intake::parse_support_addresses;
use shared::outbound::{EventReactor, OutboundConfig};
use shared::ports::{ActionLedger, ContactStore, MailSender, TeamStore, TicketStore};
use shared::queue::{attempt, each_message};

#[derive(Debug, Clone)]
pub struct Config {
    pub table_name: String,
    pub configuration_set: Option<String>,
    pub outbound: OutboundConfig,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("missing environment variable {0}")]
    Missing(&'static str),
    #[error("{0} must be a whole number")]
    NotANumber(&'static str),
    #[error(transparent)]
    Invalid(#[from] shared::intake::ConfigError),
}

fn var(name: &'static str) -> Result<String, ConfigError> {
    std::env::var(name).map_err(|_| ConfigError::Missing(name))
}

fn number<T: std::str::FromStr>(name: &'static str, default: T) -> Result<T, ConfigError> {
    match std::env::var(name) {
        Ok(v) => v.parse().map_err(|_| ConfigError::NotANumber(name)),
        Err(_) => Ok(default),
    }
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        Ok(Self {
            table_name: var("TABLE_NAME")?,
            configuration_set: std::env::var("SES_CONFIGURATION_SET").ok().filter(|v| !v.is_empty()),
            outbound: OutboundConfig {
                addresses: parse_support_addresses(&var("SUPPORT_ADDRESSES")?)?,
                max_attempts: number("MAX_SEND_ATTEMPTS", 5)?,
                autoreplies_per_hour: number("AUTOREPLIES_PER_HOUR", 3)?,
            },
        })
    }
}

pub struct Deps<S, M, C> {
    pub reactor: EventReactor<S, M, C>,
}

impl Deps<DynamoStore, SesMailer, SystemClock> {
    pub fn new(config: Config, sdk: &aws_config::SdkConfig) -> Self {
        let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(sdk), &config.table_name);
        let mailer = SesMailer::new(aws_sdk_sesv2::Client::new(sdk), config.configuration_set);
        Self {
            reactor: EventReactor::new(store, mailer, SystemClock, config.outbound),
        }
    }
}

/// The bus's envelope around a pipe-delivered stream record; the audit event is the JSON in
/// the record's `event` attribute.
#[derive(Deserialize)]
struct Envelope {
    detail: Record,
}

#[derive(Deserialize)]
struct Record {
    dynamodb: StreamImage,
}

#[derive(Deserialize)]
struct StreamImage {
    #[serde(rename = "NewImage")]
    new_image: NewImage,
}

#[derive(Deserialize)]
struct NewImage {
    event: StringAttribute,
}

#[derive(Deserialize)]
struct StringAttribute {
    #[serde(rename = "S")]
    s: String,
}

pub fn audit_event(body: &str) -> Result<AuditEvent, serde_json::Error> {
    let envelope: Envelope = serde_json::from_str(body)?;
    serde_json::from_str(&envelope.detail.dynamodb.new_image.event.s)
}

pub async fn handle<S, M, C>(
    deps: &Deps<S, M, C>,
    event: LambdaEvent<SqsEvent>,
) -> Result<SqsBatchResponse, lambda_runtime::Error>
where
    S: TicketStore + ContactStore + TeamStore + ActionLedger,
    M: MailSender,
    C: Clock,
{
    Ok(each_message(event.payload, |message| async move {
        let event = match audit_event(message.body.as_deref().unwrap_or_default()) {
            Ok(e) => e,
            Err(e) => {
                tracing::error!(error = %e, "queue message is not a ticket event");
                return false;
            }
        };
        match deps.reactor.react(&event, attempt(&message)).await {
            Ok(reactions) => {
                tracing::info!(event_id = %event.id, ticket_id = %event.ticket_id, ?reactions, "event handled");
                true
            }
            Err(e) => {
                tracing::warn!(event_id = %event.id, error = %e, "event will be retried");
                false
            }
        }
    })
    .await)
}
