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
use shared::adapters::secrets::{self, DeskSecrets};
use shared::adapters::sesv2::SesMailer;
use shared::config::Env;
use shared::domain::Clock;

use test_support::s3_client;

use crate::clock::DevClock;
use crate::environment::{DEV_CONTACT_CATEGORIES, DEV_PORTAL_KEY, DEV_SUPPORT_ADDRESSES, DEV_WIDGET_ORIGIN};
use crate::gateway::{Gateway, router};
use crate::local::{self, LocalNames, PIPE, Provisioned};
use crate::pipe::StreamPipe;
use crate::queue::QueuePoller;
use crate::smtp::SmtpReceiver;
use crate::template::Template;

/// The functions' environment on the dev host: the variables `template.yaml` sets, with the
/// local resources' names and the values of `crate::environment`. One map serves every
/// function (each reads its own variables), and each function's `Config::from_env` reads it,
/// the path it takes in AWS.
pub fn function_env(names: &LocalNames, public_url: &str) -> Env {
    let files_origin = std::env::var("AWS_ENDPOINT_URL_S3")
        .or_else(|_| std::env::var("AWS_ENDPOINT_URL"))
        .unwrap_or_default();
    [
        ("TABLE_NAME", names.table.as_str()),
        ("MAIL_BUCKET", &names.mail_bucket),
        // Local endpoints have no per-bucket host names.
        ("S3_FORCE_PATH_STYLE", "true"),
        ("SUPPORT_ADDRESSES", DEV_SUPPORT_ADDRESSES),
        ("CLOSED_TICKET_REPLY", "follow_up"),
        ("SES_CONFIGURATION_SET", &names.configuration_set),
        ("LINK_KEY_SECRET_ARN", &link_key_secret(names)),
        ("PUBLIC_BASE_URL", public_url),
        ("CONTACT_CATEGORIES", DEV_CONTACT_CATEGORIES),
        ("CONTACT_ORIGINS", DEV_WIDGET_ORIGIN),
        // Everything local comes from 127.0.0.1: looser limits than the template's.
        ("CONTACT_LIMIT_PER_IP", "50"),
        ("CONTACT_LIMIT_PER_EMAIL", "20"),
        ("CONTACT_LIMIT_WINDOW_SECONDS", "3600"),
        ("CONTACT_MIN_FILL_SECONDS", "2"),
        ("CAPTCHA_PROVIDER", "none"),
        // Local webhook receivers listen on loopback over plain http.
        ("WEBHOOK_ALLOW_LOOPBACK_HTTP", "true"),
        // A resolved ticket's survey goes at the next sweep, not a day later.
        ("SURVEY_DELAY_SECONDS", "0"),
        // The console signs in through the host's own sign-in page, not Cognito.
        ("CONSOLE_SIGN_IN", "dev"),
        ("DEV_SIGN_IN_URL", crate::sign_in::SIGN_IN_PATH),
        // The console's reply box uploads straight to (moto's) S3.
        ("CONSOLE_FILES_ORIGIN", &files_origin),
        ("USER_POOL_ID", &names.user_pool_id),
    ]
    .into_iter()
    .collect()
}

/// What the link key's secret is called locally (in AWS the stack names it).
fn link_key_secret(names: &LocalNames) -> String {
    format!("{}-link-key", names.stack)
}

/// The link key as in AWS: a secret in (moto's) Secrets Manager, made at start if missing and
/// read through `shared::adapters::secrets` from the secret `env` names, the path the
/// functions take at cold start.
async fn desk_secrets(sdk: &SdkConfig, names: &LocalNames, env: &Env) -> Result<DeskSecrets> {
    let client = aws_sdk_secretsmanager::Client::new(sdk);
    let name = link_key_secret(names);
    local::created_or_there(
        client
            .create_secret()
            .name(&name)
            .secret_string(DEV_PORTAL_KEY)
            .send()
            .await,
        &format!("creating secret {name}"),
    )?;
    Ok(secrets::load(sdk, env).await?)
}

pub struct DevHost {
    pub sdk: SdkConfig,
    pub names: LocalNames,
    pub provisioned: Provisioned,
    pub gateway: Arc<Gateway>,
    /// Where every function on this host takes "now" from.
    pub clock: DevClock,
    inbound: Arc<inbound_email::Deps<DynamoStore, S3Blobs, DevClock>>,
    reactor: Arc<reactor::Deps<DynamoStore, SesMailer, DevClock>>,
    csat: Arc<csat::Deps<DynamoStore, SesMailer, DevClock>>,
    metrics: Arc<reports::Deps<DynamoStore>>,
    reports: Arc<reports::ReportMailer<DynamoStore, SesMailer>>,
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
        Self::start_with_clock(sdk, template, names, key, public_url, DevClock::system()).await
    }

    /// As [`DevHost::start`], with every function's "now" from `clock`.
    pub async fn start_with_clock(
        sdk: SdkConfig,
        template: Template,
        names: LocalNames,
        key: SigningKey,
        public_url: &str,
        clock: DevClock,
    ) -> Result<Self> {
        let provisioned = local::provision(&sdk, &template, &names).await?;
        let mut names = names;
        names.user_pool_id = provisioned.user_pool_id.clone();
        let env = function_env(&names, public_url);
        let secrets = desk_secrets(&sdk, &names, &env).await?;
        let gateway = Arc::new(Gateway {
            tickets: tickets_api::Deps::with_clock(&tickets_api::Config::from_env(&env)?, &sdk, clock),
            contact: contact_form::Deps::with_clock(
                contact_form::Config::from_env(&env, secrets.clone())?,
                &sdk,
                clock,
            )?,
            csat: csat::Deps::with_clock(csat::Config::from_env(&env, &secrets)?, &sdk, clock),
            console: console::Config::from_env(&env)?,
            key,
        });
        let inbound = Arc::new(inbound_email::Deps::with_clock(
            inbound_email::Config::from_env(&env, &secrets)?,
            &sdk,
            clock,
        ));
        let reactor = Arc::new(reactor::Deps::with_clock(
            reactor::Config::from_env(&env, &secrets)?,
            &sdk,
            clock,
        ));
        let csat = Arc::new(csat::Deps::with_clock(
            csat::Config::from_env(&env, &secrets)?,
            &sdk,
            clock,
        ));
        let metrics = Arc::new(reports::Deps::new(&reports::Config::from_env(&env)?, &sdk));
        let reports = Arc::new(reports::ReportMailer::new(
            reports::ReportsConfig::from_env(&env)?,
            &sdk,
        ));
        // In AWS the first ticket event does this; locally the rules show from the start.
        reactor.reactor.ensure_default_rules().await?;
        Ok(Self {
            sdk,
            names,
            provisioned,
            gateway,
            clock,
            inbound,
            reactor,
            csat,
            metrics,
            reports,
            template,
        })
    }

    pub fn router(self: &Arc<Self>) -> axum::Router {
        crate::invoke::routes(self.clone())
            .merge(crate::sign_in::routes(self.clone()))
            .merge(router(self.gateway.clone()))
    }

    /// Runs the time sweep with the event its schedule sends (`{"time": …}`).
    pub async fn sweep(
        &self,
        event: serde_json::Value,
    ) -> Result<shared::usecases::reactor::sweep::SweepReport, reactor::SweepError> {
        reactor::sweep(&self.reactor, event).await
    }

    /// The SLA sweep, as its Lambda runs it (only the table).
    pub async fn sla_sweep(
        &self,
        event: serde_json::Value,
    ) -> Result<shared::usecases::sla_sweep::SlaSweepReport, reactor::SlaSweepRunError> {
        let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&self.sdk), &self.names.table);
        reactor::sla_sweep(&store, event).await
    }

    /// Runs the retention job with the event its schedule sends (`{"time": …}`).
    pub async fn retention(
        &self,
        event: serde_json::Value,
    ) -> Result<shared::usecases::privacy::RetentionReport, tickets_api::RetentionRunError> {
        tickets_api::retention(&self.gateway.tickets, event).await
    }

    /// Runs the survey sweep with the event its schedule sends (`{"time": …}`).
    pub async fn csat_sweep(&self, event: serde_json::Value) -> Result<csat::SweepRun, csat::SweepError> {
        csat::sweep(&self.csat, event).await
    }

    /// Runs the report mails that are due with the event their schedule sends (`{"time": …}`),
    /// or a metrics rebuild (`{"rebuild": …}`, `cargo xtask metrics rebuild`).
    pub async fn reports(&self, event: serde_json::Value) -> Result<reports::Ran, reports::ScheduleError> {
        reports::handle_schedule(&self.reports, event).await
    }

    pub async fn csat_poller(&self) -> Result<QueuePoller> {
        QueuePoller::new(&self.sdk, &self.provisioned.csat_queue_url).await
    }

    pub async fn metrics_poller(&self) -> Result<QueuePoller> {
        QueuePoller::new(&self.sdk, &self.provisioned.metrics_queue_url).await
    }

    /// Hands one batch of ticket events to the csat function; returns the batch size.
    pub async fn deliver_csat(&self, poller: &QueuePoller, wait: Duration) -> Result<usize> {
        let csat = self.csat.clone();
        poller
            .poll_once(wait, |event| async move {
                csat::handle_events(&csat, LambdaEvent::new(event, Default::default())).await
            })
            .await
    }

    /// Runs the csat queue's event source until the process ends (the survey sweep runs on
    /// its schedule, with the others: [`DevHost::run_schedules`]).
    pub async fn run_csat(self: Arc<Self>) {
        let poller = match self.csat_poller().await {
            Ok(p) => p,
            Err(e) => return tracing::error!(error = %format!("{e:#}"), "csat poller could not start"),
        };
        loop {
            if let Err(e) = self.deliver_csat(&poller, Duration::from_secs(1)).await {
                tracing::warn!(error = %format!("{e:#}"), "csat poll failed; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }

    /// Hands one batch of ticket events to the metrics consumer; returns the batch size.
    pub async fn deliver_metrics(&self, poller: &QueuePoller, wait: Duration) -> Result<usize> {
        let metrics = self.metrics.clone();
        poller
            .poll_once(wait, |event| async move {
                reports::handle_events(&metrics, LambdaEvent::new(event, Default::default())).await
            })
            .await
    }

    /// Runs the metrics queue's event source until the process ends.
    pub async fn run_metrics(self: Arc<Self>) {
        let poller = match self.metrics_poller().await {
            Ok(p) => p,
            Err(e) => return tracing::error!(error = %format!("{e:#}"), "metrics poller could not start"),
        };
        loop {
            if let Err(e) = self.deliver_metrics(&poller, Duration::from_secs(1)).await {
                tracing::warn!(error = %format!("{e:#}"), "metrics poll failed; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }

    /// The inbound-email function's dependencies, as this host hands mail to it (the bench
    /// calls its use case directly, to measure the engines' limit for a mail).
    pub fn inbound(&self) -> &inbound_email::Deps<DynamoStore, S3Blobs, DevClock> {
        &self.inbound
    }

    pub fn smtp(&self) -> Arc<SmtpReceiver> {
        Arc::new(SmtpReceiver {
            s3: s3_client(&self.sdk),
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

    /// Hands one batch of ticket events to the reactor function; returns the batch size.
    pub async fn deliver_events(&self, poller: &QueuePoller, wait: Duration) -> Result<usize> {
        let reactor = self.reactor.clone();
        poller
            .poll_once(wait, |event| async move {
                reactor::handle(&reactor, LambdaEvent::new(event, Default::default())).await
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

    /// The event a function's schedule sends at this host's "now".
    pub fn scheduled_event(&self) -> serde_json::Value {
        // The scheduler stamps each run with its time; the function takes "now" from it.
        serde_json::json!({ "time": self.clock.now() })
    }

    /// Plays the template's schedules until the process ends: each scheduled function (as
    /// registered in `crate::invoke::scheduled`) at its `rate(...)`. A `cron(...)` is left to
    /// `cargo xtask invoke`.
    pub async fn run_schedules(self: Arc<Self>) -> Result<()> {
        for schedule in self.template.schedules()? {
            let Some(run) = crate::invoke::find(&schedule.function) else {
                tracing::warn!(function = %schedule.function, "scheduled function not registered on the dev host");
                continue;
            };
            let Some(every) = schedule.every else {
                tracing::info!(function = %schedule.function, expression = %schedule.expression, "not played on its own; run it with cargo xtask invoke");
                continue;
            };
            let host = self.clone();
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(every).await;
                    if let Err(e) = run(host.clone(), host.scheduled_event()).await {
                        tracing::warn!(function = %schedule.function, error = %e, "scheduled run failed");
                    }
                }
            });
        }
        Ok(())
    }

    pub async fn pipe(&self) -> Result<StreamPipe> {
        StreamPipe::start(&self.sdk, &self.names.table, &self.names.bus, self.template.pipe(PIPE)?).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_function_reads_its_config_from_the_dev_environment() {
        let mut names = LocalNames::with_prefix("desk");
        names.user_pool_id = "us-east-1_desk".into();
        let env = function_env(&names, "http://127.0.0.1:3000/");
        let secrets = test_support::desk_secrets();
        let tickets = tickets_api::Config::from_env(&env).unwrap();
        assert!(tickets.s3_force_path_style && tickets.webhook_allow_loopback_http);
        assert_eq!(tickets.user_pool_id, "us-east-1_desk");
        let contact = contact_form::Config::from_env(&env, secrets.clone()).unwrap();
        assert_eq!(contact.public_base_url, "http://127.0.0.1:3000");
        assert_eq!(contact.origins, [DEV_WIDGET_ORIGIN]);
        assert_eq!((contact.per_ip.limit, contact.per_email.limit), (50, 20));
        assert!(contact.captcha.is_none());
        let inbound = inbound_email::Config::from_env(&env, &secrets).unwrap();
        assert_eq!(inbound.intake.attachments_bucket, names.mail_bucket);
        let reactor = reactor::Config::from_env(&env, &secrets).unwrap();
        assert_eq!(
            reactor.configuration_set.as_deref(),
            Some(names.configuration_set.as_str())
        );
        assert_eq!(reactor.form_categories.len(), 3);
        assert!(reactor.portal.is_some() && reactor.webhook_allow_loopback_http);
        let csat = csat::Config::from_env(&env, &secrets).unwrap();
        assert_eq!(csat.surveys.policy.delay_seconds, 0);
        assert_eq!(csat.surveys.base_url, "http://127.0.0.1:3000");
    }
}
