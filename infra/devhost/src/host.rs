//! One local help desk: the resources of the template provisioned under some names, and the
//! stand-ins for the AWS triggers (HTTP API, SMTP receiving, the inbound queue's event source,
//! the stream pipe) wired to the real functions.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Result;
use aws_config::SdkConfig;
use dev_auth::SigningKey;
use lambda_runtime::LambdaEvent;
use shared::adapters::dynamodb::DynamoStore;
use shared::adapters::s3::S3Blobs;
use shared::adapters::sesv2::SesMailer;
use shared::domain::SystemClock;
use shared::domain::contact_form::{FormCategories, RateWindow};
use shared::domain::rules::WebhookTargets;
use shared::secrets::DeskSecrets;
use shared::usecases::desk::TicketDesk;
use shared::usecases::files::ReplyFiles;
use shared::usecases::intake::{IntakeConfig, parse_support_addresses};
use shared::usecases::reactor::{OutboundConfig, PortalLinks};

use crate::gateway::{Gateway, router};
use crate::local::{self, LocalNames, PIPE, Provisioned};
use crate::pipe::StreamPipe;
use crate::queue::QueuePoller;
use crate::smtp::SmtpReceiver;
use crate::template::Template;

/// The support addresses of the local help desk (`SupportAddresses` in the template).
pub const DEV_SUPPORT_ADDRESSES: &str = "support@help.example.com=support,billing@help.example.com=billing";
/// The contact form's categories locally (`ContactCategories` in the template).
pub const DEV_CONTACT_CATEGORIES: &str = "general=support,billing=billing,technical=support";
/// A site allowed to embed the contact widget locally (`ContactFormOrigins` in the template):
/// serve a page with the widget snippet on port 8080 and open it under this name (browsers
/// send `*.localhost` to this machine).
pub const DEV_WIDGET_ORIGIN: &str = "http://widget.localhost:8080";
/// Signs portal links and form tokens locally; in AWS the key is generated per stack.
const DEV_PORTAL_KEY: &str = "lambdesk-local-portal-key-not-for-production-use";

/// The link key as in AWS: a secret in (moto's) Secrets Manager, made at start if missing and
/// read through `shared::secrets`, the path the functions take at cold start.
async fn desk_secrets(sdk: &SdkConfig, names: &LocalNames) -> Result<DeskSecrets> {
    let client = aws_sdk_secretsmanager::Client::new(sdk);
    let name = format!("{}-link-key", names.stack);
    match client
        .create_secret()
        .name(&name)
        .secret_string(DEV_PORTAL_KEY)
        .send()
        .await
    {
        Ok(_) => {}
        Err(e) if e.as_service_error().is_some_and(|s| s.is_resource_exists_exception()) => {}
        Err(e) => return Err(anyhow::Error::new(e).context(format!("creating secret {name}"))),
    }
    Ok(shared::secrets::load_from(&client, &name, None).await?)
}

pub struct DevHost {
    pub sdk: SdkConfig,
    pub names: LocalNames,
    pub provisioned: Provisioned,
    pub gateway: Arc<Gateway>,
    inbound: Arc<inbound_email::Deps<DynamoStore, S3Blobs, SystemClock>>,
    reactor: Arc<rules::Deps<DynamoStore, SesMailer, SystemClock>>,
    template: Template,
}

impl DevHost {
    /// `public_url` is where this host will be reached (links in mail point there).
    pub async fn start(
        sdk: SdkConfig,
        template: Template,
        names: LocalNames,
        key: SigningKey,
        public_url: &str,
    ) -> Result<Self> {
        let provisioned = local::provision(&sdk, &template, &names).await?;
        let secrets = desk_secrets(&sdk, &names).await?;
        let store = || DynamoStore::new(aws_sdk_dynamodb::Client::new(&sdk), &names.table);
        let contact_config = contact_form::Config {
            table_name: names.table.clone(),
            mail_bucket: names.mail_bucket.clone(),
            s3_force_path_style: true,
            signer: secrets.signer.clone(),
            public_base_url: public_url.trim_end_matches('/').to_owned(),
            categories: FormCategories::parse(DEV_CONTACT_CATEGORIES)?,
            origins: vec![DEV_WIDGET_ORIGIN.to_owned()],
            // Everything local comes from 127.0.0.1: a looser limit than the template's.
            per_ip: RateWindow {
                limit: 50,
                seconds: 3600,
            },
            per_email: RateWindow {
                limit: 20,
                seconds: 3600,
            },
            min_fill_seconds: 2,
            captcha: None,
            edge_secret: None,
        };
        let contact_blobs = S3Blobs::new(local::s3_client(&sdk)).with_credentials(sdk.credentials_provider());
        let gateway = Arc::new(Gateway {
            tickets: tickets_api::Deps {
                // The reactor below is configured the same way (`webhook_allow_loopback_http`).
                desk: TicketDesk::new(store(), SystemClock).with_webhook_targets(WebhookTargets {
                    allow_loopback_http: true,
                }),
                files: ReplyFiles::new(S3Blobs::new(local::s3_client(&sdk)), SystemClock, &names.mail_bucket),
            },
            contact: contact_form::Deps::with(store(), contact_blobs, SystemClock, contact_config)?,
            key,
        });
        let config = inbound_email::Config {
            table_name: names.table.clone(),
            intake: IntakeConfig::parse(DEV_SUPPORT_ADDRESSES, "follow_up", &names.mail_bucket)?,
            s3_force_path_style: true,
            reply_signer: secrets.signer.clone(),
        };
        let inbound = Arc::new(inbound_email::Deps::new(config, &sdk));
        let reactor_config = rules::Config {
            table_name: names.table.clone(),
            configuration_set: Some(names.configuration_set.clone()),
            s3_force_path_style: true,
            outbound: OutboundConfig {
                addresses: parse_support_addresses(DEV_SUPPORT_ADDRESSES)?,
                max_attempts: 5,
                autoreplies_per_hour: 3,
            },
            portal: Some(PortalLinks {
                signer: secrets.signer.clone(),
                base_url: public_url.trim_end_matches('/').to_owned(),
            }),
            form_categories: FormCategories::parse(DEV_CONTACT_CATEGORIES)?
                .iter()
                .map(|c| (c.id.clone(), c.department.clone()))
                .collect(),
            // Local receivers listen on loopback over plain http.
            webhook_allow_loopback_http: true,
        };
        let reactor = Arc::new(rules::Deps::new(reactor_config, &sdk));
        // In AWS the first ticket event does this; locally the rules show from the start.
        reactor.reactor.ensure_default_rules().await?;
        Ok(Self {
            sdk,
            names,
            provisioned,
            gateway,
            inbound,
            reactor,
            template,
        })
    }

    pub fn router(self: &Arc<Self>) -> axum::Router {
        crate::invoke::routes(self.clone()).merge(router(self.gateway.clone()))
    }

    /// Runs the time sweep with the event its schedule sends (`{"time": …}`).
    pub async fn sweep(
        &self,
        event: serde_json::Value,
    ) -> Result<shared::usecases::reactor::sweep::SweepReport, rules::SweepError> {
        rules::sweep(&self.reactor, event).await
    }

    pub fn smtp(&self) -> Arc<SmtpReceiver> {
        Arc::new(SmtpReceiver {
            s3: local::s3_client(&self.sdk),
            bucket: self.names.mail_bucket.clone(),
            prefix: self.provisioned.mail_prefix.clone(),
        })
    }

    pub async fn inbound_poller(&self) -> Result<QueuePoller> {
        QueuePoller::new(&self.sdk, &self.provisioned.inbound_queue_url).await
    }

    /// Hands one batch of queued mail to the inbound-email function; returns the batch size.
    pub async fn deliver_inbound(&self, poller: &QueuePoller, wait: Duration) -> Result<usize> {
        let inbound = self.inbound.clone();
        poller
            .poll_once(wait, |event| async move {
                inbound_email::handle(&inbound, LambdaEvent::new(event, Default::default())).await
            })
            .await
    }

    /// Runs the inbound queue's event source until the process ends.
    pub async fn run_inbound(self: Arc<Self>) {
        let poller = match self.inbound_poller().await {
            Ok(p) => p,
            Err(e) => return tracing::error!(error = %format!("{e:#}"), "inbound poller could not start"),
        };
        loop {
            if let Err(e) = self.deliver_inbound(&poller, Duration::from_secs(1)).await {
                tracing::warn!(error = %format!("{e:#}"), "inbound poll failed; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }

    pub async fn reactor_poller(&self) -> Result<QueuePoller> {
        QueuePoller::new(&self.sdk, &self.provisioned.reactor_queue_url).await
    }

    /// Hands one batch of ticket events to the rules function; returns the batch size.
    pub async fn deliver_events(&self, poller: &QueuePoller, wait: Duration) -> Result<usize> {
        let reactor = self.reactor.clone();
        poller
            .poll_once(wait, |event| async move {
                rules::handle(&reactor, LambdaEvent::new(event, Default::default())).await
            })
            .await
    }

    /// Runs the reactor queue's event source until the process ends.
    pub async fn run_reactor(self: Arc<Self>) {
        let poller = match self.reactor_poller().await {
            Ok(p) => p,
            Err(e) => return tracing::error!(error = %format!("{e:#}"), "reactor poller could not start"),
        };
        loop {
            if let Err(e) = self.deliver_events(&poller, Duration::from_secs(1)).await {
                tracing::warn!(error = %format!("{e:#}"), "reactor poll failed; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }

    /// Plays the sweep's schedule: the time sweep every `every` until the process ends.
    pub async fn run_sweep(self: Arc<Self>, every: Duration) {
        loop {
            tokio::time::sleep(every).await;
            // The scheduler stamps each run with its time; the function takes "now" from it.
            let event = serde_json::json!({ "time": shared::domain::Clock::now(&SystemClock) });
            if let Err(e) = self.sweep(event).await {
                tracing::warn!(error = %e, "time sweep failed");
            }
        }
    }

    pub async fn pipe(&self) -> Result<StreamPipe> {
        StreamPipe::start(&self.sdk, &self.names.table, &self.names.bus, self.template.pipe(PIPE)?).await
    }
}
