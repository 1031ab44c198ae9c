//! The event reactor: ticket events from the bus, through SQS, read by the one decoder
//! (`shared::adapters::bus`), to the built-in actions (acknowledgements, sending agent replies,
//! assignee notifications) and the desk's rules. Partial batch failures: one failing event is
//! retried alone.

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use lambda_runtime::LambdaEvent;
use shared::adapters::bus::{BusEvent, decode_sqs_body};
use shared::adapters::dynamodb::DynamoStore;
use shared::adapters::s3::S3Blobs;
use shared::adapters::secrets::DeskSecrets;
use shared::adapters::sesv2::SesMailer;
use shared::adapters::sesv2::ses_message_id_domain;
use shared::adapters::webhook::WebhookSettings;
use shared::config::Env;
use shared::domain::DepartmentId;
use shared::domain::contact_form::FormCategories;
use shared::domain::rules::WebhookTargets;
use shared::domain::{Clock, SystemClock};
use shared::ports::{ActionLedger, ContactStore, MailSender, RuleStore, TeamStore, TemplateStore, TicketStore};
use shared::queue::{MESSAGES_IN_FLIGHT, attempt, each_message_at_once};
use shared::schedule::{ScheduledEvent, ScheduledEventError};
use shared::usecases::intake::parse_support_addresses;
use shared::usecases::reactor::sweep::{SweepLimits, SweepReport};
use shared::usecases::reactor::{BatchRules, EventReactor, OutboundConfig, PortalLinks};

#[derive(Debug, Clone)]
pub struct Config {
    pub table_name: String,
    pub configuration_set: Option<String>,
    /// Path-style S3 addressing, for local endpoints without per-bucket host names.
    pub s3_force_path_style: bool,
    pub outbound: OutboundConfig,
    /// Links to the customer's ticket page in mail to customers; none when not configured.
    pub portal: Option<PortalLinks>,
    /// The contact form's categories (`CONTACT_CATEGORIES`), routed by a new desk's rules.
    pub form_categories: Vec<(String, DepartmentId)>,
    /// `WEBHOOK_ALLOW_LOOPBACK_HTTP=true`: webhooks may go to loopback over plain http (the dev
    /// host's receivers). Never set in AWS.
    pub webhook_allow_loopback_http: bool,
}

pub use shared::config::ConfigError;

impl Config {
    /// `env`'s settings with the secrets [`shared::adapters::secrets::load`] read (the link
    /// key signs the portal links in mail to customers).
    pub fn from_env(env: &Env, secrets: &DeskSecrets) -> Result<Self, ConfigError> {
        Ok(Self {
            table_name: env.required("TABLE_NAME")?,
            configuration_set: env.optional("SES_CONFIGURATION_SET"),
            s3_force_path_style: env.flag("S3_FORCE_PATH_STYLE")?,
            outbound: OutboundConfig {
                addresses: parse_support_addresses(&env.required("SUPPORT_ADDRESSES")?)?,
                max_attempts: env.number_or("MAX_SEND_ATTEMPTS", 5)?,
                autoreplies_per_hour: env.number_or("AUTOREPLIES_PER_HOUR", 3)?,
            },
            portal: env.optional("PUBLIC_BASE_URL").map(|base_url| PortalLinks {
                signer: secrets.signer.clone(),
                base_url: base_url.trim_end_matches('/').to_owned(),
            }),
            form_categories: env
                .parsed("CONTACT_CATEGORIES", FormCategories::parse)?
                .map(|categories| {
                    categories
                        .iter()
                        .map(|c| (c.id.clone(), c.department.clone()))
                        .collect()
                })
                .unwrap_or_default(),
            webhook_allow_loopback_http: env.flag("WEBHOOK_ALLOW_LOOPBACK_HTTP")?,
        })
    }
}

pub struct Deps<S, M, C> {
    pub reactor: EventReactor<S, M, S3Blobs, C>,
    /// Where the Message-IDs SES writes over ours live (by region).
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
        let targets = WebhookTargets {
            allow_loopback_http: config.webhook_allow_loopback_http,
        };
        Self {
            reactor: EventReactor::new(
                store,
                mailer,
                S3Blobs::new(S3Blobs::client(sdk, config.s3_force_path_style)),
                clock,
                config.outbound,
            )
            .with_webhooks(WebhookSettings {
                targets,
                ..Default::default()
            })
            .with_portal(config.portal)
            .with_form_categories(config.form_categories),
            ses_domain: ses_message_id_domain(&region),
        }
    }
}

pub async fn handle<S, M, C>(
    deps: &Deps<S, M, C>,
    event: LambdaEvent<SqsEvent>,
) -> Result<SqsBatchResponse, lambda_runtime::Error>
where
    S: TicketStore + ContactStore + TeamStore + TemplateStore + ActionLedger + RuleStore,
    M: MailSender,
    C: Clock,
{
    // The desk's rules are read once for the batch, by its first ticket event.
    let rules = &BatchRules::default();
    // Messages run side by side, so one slow webhook holds up only its own event.
    Ok(each_message_at_once(event.payload, MESSAGES_IN_FLIGHT, |message| async move {
        let incoming = match decode_sqs_body(message.body.as_deref().unwrap_or_default(), &deps.ses_domain) {
            Ok(i) => i,
            Err(e) => {
                tracing::error!(error = %e, "queue message is neither a ticket event nor an SES event");
                return false;
            }
        };
        let result = match incoming {
            BusEvent::Ticket(event) => deps
                .reactor
                .react_in(&*event, attempt(&message), rules)
                .await
                .map(|reactions| tracing::info!(event_id = %event.id, ticket_id = %event.ticket_id, ?reactions, "event handled")),
            BusEvent::Feedback(feedback) => deps.reactor.take_feedback(&feedback).await.map(|_| ()),
            BusEvent::Ignored(why) => {
                tracing::info!(why, "queue message ignored");
                Ok(())
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
    .await)
}

/// How much one scheduled sweep takes on: pages of 100 due tickets, and no new page after 90 s
/// (the function's timeout is 120 s); what is left is still due at the next run.
pub const SWEEP_LIMITS: SweepLimits = SweepLimits {
    page: 100,
    budget: std::time::Duration::from_secs(90),
};

#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    #[error(transparent)]
    Event(#[from] ScheduledEventError),
    #[error(transparent)]
    Reactor(#[from] shared::usecases::reactor::ReactorError),
}

/// The scheduled time sweep: runs `time` rules on the tickets due at the event's time.
pub async fn sweep<S, M, C>(deps: &Deps<S, M, C>, event: serde_json::Value) -> Result<SweepReport, SweepError>
where
    S: TicketStore + ContactStore + TeamStore + TemplateStore + ActionLedger + RuleStore,
    M: MailSender,
    C: Clock,
{
    let scheduled = ScheduledEvent::decode(event)?;
    let report = deps.reactor.sweep(scheduled.time, SWEEP_LIMITS).await?;
    tracing::info!(now = %scheduled.time, ?report, "time sweep done");
    Ok(report)
}

/// How much one SLA sweep takes on (scheduled every minute, timeout 60 s): pages of 100 due
/// tickets, no new page after 45 s; what is left is still due at the next run.
pub const SLA_SWEEP_LIMITS: SweepLimits = SweepLimits {
    page: 100,
    budget: std::time::Duration::from_secs(45),
};

#[derive(Debug, thiserror::Error)]
pub enum SlaSweepRunError {
    #[error(transparent)]
    Event(#[from] ScheduledEventError),
    #[error(transparent)]
    Sweep(#[from] shared::usecases::sla_sweep::SlaSweepError),
}

/// The scheduled SLA sweep: flags the warnings and breaches due at the event's time.
pub async fn sla_sweep<S: TicketStore>(
    store: &S,
    event: serde_json::Value,
) -> Result<shared::usecases::sla_sweep::SlaSweepReport, SlaSweepRunError> {
    let scheduled = ScheduledEvent::decode(event)?;
    let report = shared::usecases::sla_sweep::sweep_sla(store, scheduled.time, SLA_SWEEP_LIMITS).await?;
    tracing::info!(now = %scheduled.time, ?report, "SLA sweep done");
    Ok(report)
}
