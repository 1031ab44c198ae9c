//! The reports function: metrics and the report mails. Entry points over one library:
//!
//! - `metrics` ([`handle_events`]): ticket events from its own queue (a bus rule sends every
//!   ticket event), read by the one decoder, each added to the hourly aggregates once
//!   (`shared::usecases::metrics::record_event`). Partial batch failures: one failing event is
//!   retried alone.
//! - `reports` ([`handle_schedule`]): hourly, the report mails that are due ([`send`]), "now"
//!   being the schedule's time (`cargo xtask invoke reports --at …` replays any hour). The
//!   figures are shaped in [`period`], drawn in [`charts`], worded in [`copy`] and put into a
//!   mail in [`mail`].

pub mod charts;
pub mod copy;
pub mod mail;
pub mod period;
pub mod send;

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use lambda_runtime::LambdaEvent;
use shared::adapters::bus::{BusEvent, decode_sqs_body};
use shared::adapters::dynamodb::DynamoStore;
use shared::adapters::sesv2::{SesMailer, ses_message_id_domain};
use shared::config::Env;
use shared::domain::EmailAddress;
use shared::ports::{ActionLedger, MailSender, MetricsStore, ReportSubscriptionStore, TicketStore};
use shared::queue::{MESSAGES_IN_FLIGHT, each_message_at_once};
use shared::schedule::{ScheduledEvent, ScheduledEventError};
use shared::usecases::intake::parse_support_addresses;
use shared::usecases::metrics::{Rebuild, Rebuilt, rebuild as rebuild_aggregates, record_event};

pub use send::{ReportError, ReportMailer, ReportRun};

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

/// The `reports` function's settings: the table, the address reports come from (the first of
/// `SUPPORT_ADDRESSES`) and the SES configuration set, if any.
#[derive(Debug, Clone)]
pub struct ReportsConfig {
    pub table_name: String,
    pub from: EmailAddress,
    pub configuration_set: Option<String>,
}

impl ReportsConfig {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let addresses = parse_support_addresses(&env.required("SUPPORT_ADDRESSES")?)?;
        let from = addresses
            .into_iter()
            .next()
            .map(|a| a.address)
            .ok_or_else(|| ConfigError::invalid("SUPPORT_ADDRESSES", "names no address to send reports from"))?;
        Ok(Self {
            table_name: env.required("TABLE_NAME")?,
            from,
            configuration_set: env.optional("SES_CONFIGURATION_SET"),
        })
    }
}

impl ReportMailer<DynamoStore, SesMailer> {
    pub fn new(config: ReportsConfig, sdk: &aws_config::SdkConfig) -> Self {
        Self {
            store: DynamoStore::new(aws_sdk_dynamodb::Client::new(sdk), &config.table_name),
            mailer: SesMailer::new(aws_sdk_sesv2::Client::new(sdk), config.configuration_set),
            from: config.from,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ScheduleError {
    #[error(transparent)]
    Event(#[from] ScheduledEventError),
    #[error("a rebuild's event: {0}")]
    Rebuild(serde_json::Error),
    #[error(transparent)]
    Report(#[from] ReportError),
    #[error(transparent)]
    Store(#[from] shared::ports::StoreError),
}

/// `{"rebuild": {"from": "YYYY-MM-DD", "to": "YYYY-MM-DD", "since": "YYYY-MM-DD"}}`: the one-off
/// rebuild of the aggregates of UTC days `from..=to` from the tickets created since `since`
/// (default 90 days before `from`).
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RebuildEvent {
    rebuild: RebuildDays,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RebuildDays {
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
    since: Option<chrono::NaiveDate>,
}

/// What an invocation did: the report run, or a rebuild.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(untagged)]
pub enum Ran {
    Reports(ReportRun),
    Rebuilt(Rebuilt),
}

/// The hourly schedule's event (`{"time": …}`): the reports due at its time. A one-off
/// `{"rebuild": …}` (invoked by hand) recomputes a period's aggregates from the tickets.
pub async fn handle_schedule<S, M>(deps: &ReportMailer<S, M>, event: serde_json::Value) -> Result<Ran, ScheduleError>
where
    S: ReportSubscriptionStore + MetricsStore + ActionLedger + TicketStore,
    M: MailSender,
{
    if event.get("rebuild").is_some() {
        let RebuildEvent { rebuild } = serde_json::from_value(event).map_err(ScheduleError::Rebuild)?;
        let request = Rebuild {
            from: rebuild.from,
            to: rebuild.to,
            since: rebuild.since.unwrap_or(rebuild.from - chrono::Duration::days(90)),
        };
        tracing::info!(?request, "rebuilding the metrics aggregates");
        // Boxed: its future (every ticket's pages) is deep enough to overflow the compiler's
        // layout depth inside the runtime's.
        return Ok(Ran::Rebuilt(Box::pin(rebuild_aggregates(&deps.store, &request)).await?));
    }
    let now = ScheduledEvent::decode(event)?.time;
    Ok(Ran::Reports(Box::pin(deps.run(now)).await?))
}
