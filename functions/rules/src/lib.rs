//! The event reactor: ticket events from the bus, through SQS, to the built-in actions
//! (acknowledgements, sending agent replies, assignee notifications). Rule authoring builds on
//! this. Partial batch failures: one failing event is retried alone.

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use lambda_runtime::LambdaEvent;
use serde::Deserialize;
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
use shared::domain::{AuditEvent, Clock, DeliveryFeedback, SystemClock};
use shared::ports::{ActionLedger, ContactStore, MailSender, RuleStore, TeamStore, TemplateStore, TicketStore};
use shared::queue::{MESSAGES_IN_FLIGHT, attempt, each_message_at_once};
use shared::usecases::intake::parse_support_addresses;
use shared::usecases::reactor::{EventReactor, OutboundConfig, PortalLinks};

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
                SystemClock,
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

/// What arrives on the queue: an event from our bus (a pipe-delivered stream record, the
/// audit event being the JSON in the record's `event` attribute) or SES's report on a mail we
/// sent (from the default bus).
#[derive(Debug)]
pub enum Incoming {
    Ticket(Box<AuditEvent>),
    Feedback(DeliveryFeedback),
    /// An SES event that changes nothing here (sends, opens).
    Ignored,
}

#[derive(Deserialize)]
struct Envelope {
    #[serde(default)]
    source: String,
    detail: serde_json::Value,
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

#[derive(Debug, thiserror::Error)]
pub enum IncomingError {
    #[error(transparent)]
    Json(#[from] serde_json::Error),
    #[error(transparent)]
    Feedback(#[from] shared::adapters::sesv2::FeedbackError),
}

/// Reads a queue message; `ses_domain` is where SES's own Message-IDs live.
pub fn incoming(body: &str, ses_domain: &str) -> Result<Incoming, IncomingError> {
    let envelope: Envelope = serde_json::from_str(body)?;
    if envelope.source == "aws.ses" {
        return Ok(match DeliveryFeedback::from_ses_detail(&envelope.detail, ses_domain)? {
            Some(feedback) => Incoming::Feedback(feedback),
            None => Incoming::Ignored,
        });
    }
    let record = Record::deserialize(&envelope.detail)?;
    Ok(Incoming::Ticket(Box::new(serde_json::from_str(
        &record.dynamodb.new_image.event.s,
    )?)))
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
    // Messages run side by side, so one slow webhook holds up only its own event.
    Ok(each_message_at_once(event.payload, MESSAGES_IN_FLIGHT, |message| async move {
        let incoming = match incoming(message.body.as_deref().unwrap_or_default(), &deps.ses_domain) {
            Ok(i) => i,
            Err(e) => {
                tracing::error!(error = %e, "queue message is neither a ticket event nor an SES event");
                return false;
            }
        };
        let result = match incoming {
            Incoming::Ticket(event) => deps
                .reactor
                .react(&event, attempt(&message))
                .await
                .map(|reactions| tracing::info!(event_id = %event.id, ticket_id = %event.ticket_id, ?reactions, "event handled")),
            Incoming::Feedback(feedback) => deps.reactor.take_feedback(&feedback).await.map(|_| ()),
            Incoming::Ignored => Ok(()),
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

/// Tickets one sweep looks at; more wait for the next (the schedule runs every few minutes).
pub const SWEEP_BATCH: usize = 200;

/// The scheduled time sweep: runs `time` rules on the tickets that are due.
pub async fn sweep<S, M, C>(deps: &Deps<S, M, C>) -> Result<usize, lambda_runtime::Error>
where
    S: TicketStore + ContactStore + TeamStore + TemplateStore + ActionLedger + RuleStore,
    M: MailSender,
    C: Clock,
{
    let swept = deps.reactor.sweep(SWEEP_BATCH).await?;
    tracing::info!(swept, "time sweep done");
    Ok(swept)
}
