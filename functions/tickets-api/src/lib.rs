//! The agents' API: tickets, conversation, audit trail, contacts, departments and agents,
//! behind the HTTP API's JWT authorizer.

mod bodies;
mod routes;

use lambda_http::{Body, Request, Response};
use shared::adapters::cognito::CognitoDirectory;
use shared::adapters::dynamodb::DynamoStore;
use shared::adapters::s3::S3Blobs;
use shared::config::Env;
use shared::domain::rules::WebhookTargets;
use shared::domain::{Clock, SystemClock};
use shared::http::{ApiError, principal};
use shared::ports::{ActionLedger, AgentDirectory, ContactStore, RuleStore, TeamStore, TemplateStore, TicketStore};
use shared::schedule::{ScheduledEvent, ScheduledEventError};
use shared::usecases::desk::TicketDesk;
use shared::usecases::files::ReplyFiles;
use shared::usecases::privacy::{PrivacyDesk, RetentionReport};
use shared::usecases::reactor::sweep::SweepLimits;
use tracing::Instrument;

/// Settings read once at cold start.
#[derive(Debug, Clone)]
pub struct Config {
    pub table_name: String,
    /// The mail bucket: reply uploads wait there, attachments and raw mail are read from it.
    pub mail_bucket: String,
    /// Path-style S3 addressing, for local endpoints without per-bucket host names.
    pub s3_force_path_style: bool,
    /// `WEBHOOK_ALLOW_LOOPBACK_HTTP=true`: rules saved here may name webhooks on loopback over
    /// plain http (the dev host's receivers). Never set in AWS.
    pub webhook_allow_loopback_http: bool,
    /// The agents' Cognito user pool, kept in step with the agent records (`USER_POOL_ID`).
    pub user_pool_id: String,
}

pub use shared::config::ConfigError;

impl Config {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        Ok(Self {
            table_name: env.required("TABLE_NAME")?,
            mail_bucket: env.required("MAIL_BUCKET")?,
            s3_force_path_style: env.flag("S3_FORCE_PATH_STYLE")?,
            webhook_allow_loopback_http: env.flag("WEBHOOK_ALLOW_LOOPBACK_HTTP")?,
            user_pool_id: env.required("USER_POOL_ID")?,
        })
    }
}

/// What a warm invocation reuses: built once per container.
pub struct Deps<S, C, D = CognitoDirectory> {
    pub desk: TicketDesk<S, C>,
    pub files: ReplyFiles<S3Blobs, SystemClock>,
    /// The agents' sign-in accounts, changed with the agent records.
    pub directory: D,
}

impl Deps<DynamoStore, SystemClock> {
    pub fn new(config: &Config, sdk: &aws_config::SdkConfig) -> Self {
        Self::with_clock(config, sdk, SystemClock)
    }
}

impl<C: Clock> Deps<DynamoStore, C> {
    /// With "now" from `clock` (the dev host's, which can start at any instant).
    pub fn with_clock(config: &Config, sdk: &aws_config::SdkConfig, clock: C) -> Self {
        let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(sdk), &config.table_name);
        let blobs = S3Blobs::new(S3Blobs::client(sdk, config.s3_force_path_style));
        Self {
            desk: TicketDesk::new(store, clock).with_webhook_targets(WebhookTargets {
                allow_loopback_http: config.webhook_allow_loopback_http,
            }),
            files: ReplyFiles::new(blobs, SystemClock, &config.mail_bucket),
            directory: CognitoDirectory::new(aws_sdk_cognitoidentityprovider::Client::new(sdk), &config.user_pool_id),
        }
    }
}

/// Answers one API request. Errors become JSON responses here, so the runtime only ever sees
/// a response.
pub async fn handle<S, C, D>(deps: &Deps<S, C, D>, request: Request) -> Result<Response<Body>, std::convert::Infallible>
where
    S: TicketStore
        + ContactStore
        + TeamStore
        + TemplateStore
        + RuleStore
        + ActionLedger
        + shared::ports::SurveyStore
        + shared::ports::MetricsStore
        + shared::ports::SearchIndex
        + shared::ports::CannedStore
        + shared::ports::NpsStore
        + shared::ports::SurveySettingsStore
        + shared::ports::RetentionStore
        + shared::ports::PrivacyStore
        + shared::ports::ReportSubscriptionStore,
    C: Clock,
    D: AgentDirectory + Sync,
{
    let span = tracing::info_span!(
        "request",
        method = %request.method(),
        path = %request.uri().path(),
        status = tracing::field::Empty
    );
    async move {
        let response = match principal(&request) {
            // Boxed: the router's future holds every route's state and outgrew a test
            // thread's 2 MiB stack in debug builds; on the heap its size costs nothing.
            Ok(who) => Box::pin(routes::route(&deps.desk, &deps.files, &deps.directory, &who, &request)).await,
            Err(e) => Err(e),
        }
        .unwrap_or_else(ApiError::into_response);
        tracing::Span::current().record("status", response.status().as_u16());
        tracing::info!("handled");
        Ok(response)
    }
    .instrument(span)
    .await
}

/// How much one retention run takes on (daily, timeout 300 s): pages of 50 tickets, no new
/// page after 240 s; what is left stays in the index for the next day's run.
pub const RETENTION_LIMITS: SweepLimits = SweepLimits {
    page: 50,
    budget: std::time::Duration::from_secs(240),
};

#[derive(Debug, thiserror::Error)]
pub enum RetentionRunError {
    #[error(transparent)]
    Event(#[from] ScheduledEventError),
    #[error(transparent)]
    Desk(#[from] shared::usecases::desk::DeskError),
}

/// The scheduled retention job (docs/privacy.md, "Retention"): as of the event's time, takes
/// the requester's personal data out of the tickets solved before the admin's cutoff.
pub async fn retention<C: Clock>(
    deps: &Deps<DynamoStore, C>,
    event: serde_json::Value,
) -> Result<RetentionReport, RetentionRunError> {
    let scheduled = ScheduledEvent::decode(event)?;
    let desk = PrivacyDesk::new(
        deps.desk.store(),
        deps.files.files(),
        deps.desk.clock(),
        deps.files.bucket(),
    );
    Ok(desk.apply_retention(scheduled.time, RETENTION_LIMITS).await?)
}
