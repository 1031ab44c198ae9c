//! The csat function: customer satisfaction surveys. Three entry points over one library:
//!
//! - `csat` ([`handle_events`]): ticket events from its own queue (a bus rule sends every
//!   ticket event), read by the one decoder; a resolution schedules a survey, a rating is kept
//!   for the report. Partial batch failures: one failing event is retried alone.
//! - `csat-sweep` ([`sweep`]): on a schedule, sends the surveys that are due, "now" being the
//!   schedule's time (`cargo xtask invoke csat-sweep --at …` replays any moment), then the NPS
//!   surveys that are due when NPS is on.
//! - `csat-page` ([`handle_page`]): the public survey page behind the signed links (CSAT's
//!   and NPS's, told apart by the token's purpose).

mod copy;
mod nps_page;
mod page;

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use lambda_runtime::LambdaEvent;
use shared::adapters::bus::{BusEvent, decode_sqs_body};
use shared::adapters::dynamodb::DynamoStore;
use shared::adapters::secrets::DeskSecrets;
use shared::adapters::sesv2::{SesMailer, ses_message_id_domain};
use shared::config::Env;
use shared::domain::nps::NpsPolicy;
use shared::domain::satisfaction::SurveyPolicy;
use shared::domain::{Clock, SystemClock};
use shared::ports::MailSender;
use shared::queue::{MESSAGES_IN_FLIGHT, each_message_at_once};
use shared::schedule::{ScheduledEvent, ScheduledEventError};
use shared::usecases::intake::parse_support_addresses;
use shared::usecases::satisfaction::{SurveyConfig, SurveyError, SurveyPorts, SurveySweepLimits, Surveys};

pub use page::handle_page;
pub use shared::config::ConfigError;
pub use shared::usecases::satisfaction::SurveySweepReport;

/// Settings read once at cold start.
#[derive(Debug, Clone)]
pub struct Config {
    pub table_name: String,
    pub configuration_set: Option<String>,
    pub surveys: SurveyConfig,
}

impl Config {
    /// `env`'s settings with the secrets [`shared::adapters::secrets::load`] read (the link
    /// key signs the survey links). `SURVEY_DELAY_SECONDS` (default 86400) and
    /// `SURVEY_CONTACT_CAP_DAYS` (default 7) set when surveys go and how often to one contact;
    /// `NPS_ENABLED` (`true`/`false`, default off) and `NPS_INTERVAL_DAYS` (default 90) the NPS
    /// survey. These are the defaults: settings an admin stores (`/v1/settings/surveys`) win.
    pub fn from_env(env: &Env, secrets: &DeskSecrets) -> Result<Self, ConfigError> {
        let defaults = SurveyPolicy::default();
        let nps = NpsPolicy::default();
        Ok(Self {
            table_name: env.required("TABLE_NAME")?,
            configuration_set: env.optional("SES_CONFIGURATION_SET"),
            surveys: SurveyConfig {
                policy: SurveyPolicy {
                    enabled: defaults.enabled,
                    scale: defaults.scale,
                    delay_seconds: env.number_or("SURVEY_DELAY_SECONDS", defaults.delay_seconds)?,
                    contact_cap_days: env.number_or("SURVEY_CONTACT_CAP_DAYS", defaults.contact_cap_days)?,
                },
                nps: NpsPolicy {
                    enabled: match env.optional("NPS_ENABLED") {
                        Some(_) => env.flag("NPS_ENABLED")?,
                        None => nps.enabled,
                    },
                    interval_days: env.number_or("NPS_INTERVAL_DAYS", nps.interval_days)?,
                },
                signer: secrets.signer.clone(),
                base_url: env.required("PUBLIC_BASE_URL")?.trim_end_matches('/').to_owned(),
                addresses: parse_support_addresses(&env.required("SUPPORT_ADDRESSES")?)?,
            },
        })
    }
}

/// What a warm invocation reuses.
pub struct Deps<S, M, C> {
    pub surveys: Surveys<S, M, C>,
    /// Where the Message-IDs SES writes over ours live (by region), for the decoder.
    pub ses_domain: String,
}

impl Deps<DynamoStore, SesMailer, SystemClock> {
    pub fn new(config: Config, sdk: &aws_config::SdkConfig) -> Self {
        Self::with_clock(config, sdk, SystemClock)
    }
}

impl<C: Clock> Deps<DynamoStore, SesMailer, C> {
    /// With "now" from `clock` (the dev host's, which can start at any instant).
    pub fn with_clock(config: Config, sdk: &aws_config::SdkConfig, clock: C) -> Self {
        let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(sdk), &config.table_name);
        let mailer = SesMailer::new(aws_sdk_sesv2::Client::new(sdk), config.configuration_set);
        let region = sdk.region().map(|r| r.to_string()).unwrap_or_default();
        Self {
            surveys: Surveys::new(store, mailer, clock, config.surveys),
            ses_domain: ses_message_id_domain(&region),
        }
    }
}

/// Ticket events from the csat queue.
pub async fn handle_events<S, M, C>(
    deps: &Deps<S, M, C>,
    event: LambdaEvent<SqsEvent>,
) -> Result<SqsBatchResponse, lambda_runtime::Error>
where
    S: SurveyPorts,
    M: MailSender,
    C: Clock,
{
    Ok(
        each_message_at_once(event.payload, MESSAGES_IN_FLIGHT, |message| async move {
            let result = match decode_sqs_body(message.body.as_deref().unwrap_or_default(), &deps.ses_domain) {
                Ok(BusEvent::Ticket(event)) => deps.surveys.on_event(&event).await.map(|_| ()),
                Ok(_) => Ok(()),
                Err(e) => {
                    tracing::error!(error = %e, "queue message is not a ticket event");
                    return false;
                }
            };
            match result {
                Ok(()) => true,
                Err(e) => {
                    tracing::warn!(error = %e, "queue message will be retried");
                    false
                }
            }
        })
        .await,
    )
}

/// How much one scheduled sweep takes on: pages of 100 due surveys, and no new page after 90 s
/// (the function's timeout is 120 s); what is left is still due at the next run.
pub const SWEEP_LIMITS: SurveySweepLimits = SurveySweepLimits {
    page: 100,
    budget: std::time::Duration::from_secs(90),
};

#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    #[error(transparent)]
    Event(#[from] ScheduledEventError),
    #[error(transparent)]
    Surveys(#[from] SurveyError),
}

/// What one scheduled survey sweep did: the CSAT part's counts at the top (as before NPS
/// existed, so existing readers of `sent` keep working) and the NPS part's under `nps`.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct SweepRun {
    #[serde(flatten)]
    pub csat: SurveySweepReport,
    pub nps: SurveySweepReport,
}

/// The scheduled survey sweep: sends the CSAT surveys due at the event's time, then the NPS
/// surveys due then; the answer says what each part did.
pub async fn sweep<S, M, C>(deps: &Deps<S, M, C>, event: serde_json::Value) -> Result<SweepRun, SweepError>
where
    S: SurveyPorts,
    M: MailSender,
    C: Clock,
{
    let scheduled = ScheduledEvent::decode(event.clone())?;
    let csat = deps.surveys.sweep(scheduled.time, SWEEP_LIMITS).await?;
    tracing::info!(now = %scheduled.time, report = ?csat, "survey sweep done");
    let nps = sweep_nps(deps, event).await?;
    Ok(SweepRun { csat, nps })
}

/// The NPS part of the scheduled sweep: asks the contacts due at the event's time.
pub async fn sweep_nps<S, M, C>(deps: &Deps<S, M, C>, event: serde_json::Value) -> Result<SurveySweepReport, SweepError>
where
    S: SurveyPorts,
    M: MailSender,
    C: Clock,
{
    let scheduled = ScheduledEvent::decode(event)?;
    let report = deps.surveys.sweep_nps(scheduled.time, SWEEP_LIMITS).await?;
    tracing::info!(now = %scheduled.time, ?report, "NPS sweep done");
    Ok(report)
}
