//! The reports function: metrics and the report mails. Entry points over one library:
//!
//! - `metrics` ([`handle_events`]): ticket events from its own queue (a bus rule sends every
//!   ticket event), read by the one decoder, each added to the hourly aggregates once
//!   (`shared::usecases::metrics::record_event`). Partial batch failures: one failing event is
//!   retried alone.

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use lambda_runtime::LambdaEvent;
use shared::adapters::bus::{BusEvent, decode_sqs_body};
use shared::adapters::dynamodb::DynamoStore;
use shared::adapters::sesv2::ses_message_id_domain;
use shared::config::Env;
use shared::ports::{MetricsStore, TicketStore};
use shared::queue::{MESSAGES_IN_FLIGHT, each_message_at_once};
use shared::usecases::metrics::record_event;

pub use shared::config::ConfigError;

/// Settings read once at cold start.
#[derive(Debug, Clone)]
pub struct Config {
    pub table_name: String,
}

impl Config {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        Ok(Self {
            table_name: env.required("TABLE_NAME")?,
        })
    }
}

/// What a warm invocation reuses.
pub struct Deps<S> {
    pub store: S,
    /// Where the Message-IDs SES writes over ours live (by region), for the decoder.
    pub ses_domain: String,
}

impl Deps<DynamoStore> {
    pub fn new(config: &Config, sdk: &aws_config::SdkConfig) -> Self {
        let region = sdk.region().map(|r| r.to_string()).unwrap_or_default();
        Self {
            store: DynamoStore::new(aws_sdk_dynamodb::Client::new(sdk), &config.table_name),
            ses_domain: ses_message_id_domain(&region),
        }
    }
}

/// Ticket events from the metrics queue.
pub async fn handle_events<S: MetricsStore + TicketStore>(
    deps: &Deps<S>,
    event: LambdaEvent<SqsEvent>,
) -> Result<SqsBatchResponse, lambda_runtime::Error> {
    Ok(
        each_message_at_once(event.payload, MESSAGES_IN_FLIGHT, |message| async move {
            let event = match decode_sqs_body(message.body.as_deref().unwrap_or_default(), &deps.ses_domain) {
                Ok(BusEvent::Ticket(event)) => event,
                Ok(_) => return true,
                Err(e) => {
                    tracing::error!(error = %e, "queue message is not a ticket event");
                    return false;
                }
            };
            match record_event(&deps.store, &event).await {
                Ok(recorded) => {
                    tracing::debug!(event = %event.id, ?recorded, "metrics recorded");
                    true
                }
                Err(e) => {
                    tracing::warn!(event = %event.id, error = %e, "queue message will be retried");
                    false
                }
            }
        })
        .await,
    )
}
