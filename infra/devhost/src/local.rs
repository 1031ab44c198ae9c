//! The local stack as the dev host sees it: endpoints from the environment (set by
//! `cargo xtask dev`/`test`), and the resources of `template.yaml` created in it.

use anyhow::{Context, Result};
use aws_config::SdkConfig;
use aws_sdk_s3::types::{
    Event, FilterRule, FilterRuleName, NotificationConfiguration, NotificationConfigurationFilter, QueueConfiguration,
    S3KeyFilter,
};
use aws_sdk_sesv2::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_sqs::types::QueueAttributeName;

use test_support::s3_client;
use test_support::template::TABLE;

use crate::environment::DEV_SUPPORT_ADDRESSES;
use crate::template::Template;

/// The template's logical ids the dev host provisions and plays (the table's is
/// `test_support::template::TABLE`).
pub const PIPE: &str = "TicketEventsPipe";
pub const MAIL_BUCKET: &str = "MailBucket";
pub const INBOUND_QUEUE: &str = "InboundMailQueue";
pub const INBOUND_DLQ: &str = "InboundMailDLQ";
pub const REACTOR_QUEUE: &str = "ReactorQueue";
pub const REACTOR_RULE: &str = "TicketEventsToReactorRule";
pub const SES_FEEDBACK_RULE: &str = "SesFeedbackToReactorRule";
pub const CSAT_QUEUE: &str = "CsatQueue";
pub const CSAT_RULE: &str = "TicketEventsToCsatRule";
pub const METRICS_QUEUE: &str = "MetricsQueue";
pub const METRICS_RULE: &str = "TicketEventsToMetricsRule";

/// What the local resources are called (the template names them per stack).
#[derive(Debug, Clone)]
pub struct LocalNames {
    /// What the template's `${AWS::StackName}` stands for locally.
    pub stack: String,
    pub table: String,
    pub bus: String,
    pub mail_bucket: String,
    pub inbound_queue: String,
    pub inbound_dlq: String,
    pub reactor_queue: String,
    pub reactor_dlq: String,
    pub csat_queue: String,
    pub csat_dlq: String,
    pub metrics_queue: String,
    pub metrics_dlq: String,
    /// The SES configuration set our mail is sent with (named by the stack, as in the template).
    pub configuration_set: String,
    /// The agents' user pool (`${AWS::StackName}-agents`, as in the template).
    pub user_pool: String,
    /// Its id, which moto makes up: empty until the host has provisioned the pool, which
    /// then fills it in (the functions' `USER_POOL_ID`).
    pub user_pool_id: String,
}

impl LocalNames {
    pub fn with_prefix(prefix: &str) -> Self {
        Self {
            stack: prefix.to_owned(),
            table: prefix.to_owned(),
            bus: format!("{prefix}-tickets"),
            mail_bucket: format!("{prefix}-mail"),
            inbound_queue: format!("{prefix}-inbound-mail"),
            inbound_dlq: format!("{prefix}-inbound-mail-dlq"),
            reactor_queue: format!("{prefix}-reactor"),
            reactor_dlq: format!("{prefix}-reactor-dlq"),
            csat_queue: format!("{prefix}-csat"),
            csat_dlq: format!("{prefix}-csat-dlq"),
            metrics_queue: format!("{prefix}-metrics"),
            metrics_dlq: format!("{prefix}-metrics-dlq"),
            configuration_set: format!("{prefix}-outbound"),
            user_pool: format!("{prefix}-agents"),
            user_pool_id: String::new(),
        }
    }
}

/// What provisioning made that the dev host needs to run.
#[derive(Debug, Clone)]
pub struct Provisioned {
    pub inbound_queue_url: String,
    pub reactor_queue_url: String,
    pub csat_queue_url: String,
    pub metrics_queue_url: String,
    pub mail_prefix: String,
    pub user_pool_id: String,
}

/// Creates the template's resources under `names` (each only if missing): the table, the bus,
/// the mail bucket with its notification to the inbound queue, and the queue with its DLQ.
pub async fn provision(sdk: &SdkConfig, template: &Template, names: &LocalNames) -> Result<Provisioned> {
    template
        .table(TABLE)?
        .create(&aws_sdk_dynamodb::Client::new(sdk), &names.table)
        .await?;
    let events = aws_sdk_eventbridge::Client::new(sdk);
    created_or_there(
        events.create_event_bus().name(&names.bus).send().await,
        &format!("creating bus {}", names.bus),
    )?;

    let sqs = aws_sdk_sqs::Client::new(sdk);
    let reactor_queue_url =
        queue_with_dlq(&sqs, template, REACTOR_QUEUE, &names.reactor_queue, &names.reactor_dlq).await?;
    let reactor_arn = queue_arn(&sqs, &reactor_queue_url).await?;
    // Ticket events from our bus, and SES's reports from the default bus, as in the template.
    for (logical_id, rule, bus) in [
        (REACTOR_RULE, names.reactor_queue.clone(), names.bus.as_str()),
        (SES_FEEDBACK_RULE, format!("{}-ses-feedback", names.stack), "default"),
    ] {
        events
            .put_rule()
            .name(&rule)
            .event_bus_name(bus)
            .event_pattern(template.event_pattern(logical_id, &names.stack)?.to_string())
            .send()
            .await
            .with_context(|| format!("creating the rule {logical_id}"))?;
        let target = aws_sdk_eventbridge::types::Target::builder()
            .id("reactor")
            .arn(&reactor_arn)
            .build()?;
        events
            .put_targets()
            .rule(&rule)
            .event_bus_name(bus)
            .targets(target)
            .send()
            .await
            .with_context(|| format!("targeting the reactor queue from {logical_id}"))?;
    }

    // The csat function's own queue, fed by its own rule on our bus (docs/csat.md).
    let csat_queue_url = queue_with_dlq(&sqs, template, CSAT_QUEUE, &names.csat_queue, &names.csat_dlq).await?;
    events
        .put_rule()
        .name(&names.csat_queue)
        .event_bus_name(&names.bus)
        .event_pattern(template.event_pattern(CSAT_RULE, &names.stack)?.to_string())
        .send()
        .await
        .context("creating the rule TicketEventsToCsatRule")?;
    let csat_target = aws_sdk_eventbridge::types::Target::builder()
        .id("csat")
        .arn(queue_arn(&sqs, &csat_queue_url).await?)
        .build()?;
    events
        .put_targets()
        .rule(&names.csat_queue)
        .event_bus_name(&names.bus)
        .targets(csat_target)
        .send()
        .await
        .context("targeting the csat queue")?;

    // The metrics consumer's own queue, fed by its own rule (docs/reports.md).
    let metrics_queue_url =
        queue_with_dlq(&sqs, template, METRICS_QUEUE, &names.metrics_queue, &names.metrics_dlq).await?;
    events
        .put_rule()
        .name(&names.metrics_queue)
        .event_bus_name(&names.bus)
        .event_pattern(template.event_pattern(METRICS_RULE, &names.stack)?.to_string())
        .send()
        .await
        .context("creating the rule TicketEventsToMetricsRule")?;
    let metrics_target = aws_sdk_eventbridge::types::Target::builder()
        .id("metrics")
        .arn(queue_arn(&sqs, &metrics_queue_url).await?)
        .build()?;
    events
        .put_targets()
        .rule(&names.metrics_queue)
        .event_bus_name(&names.bus)
        .targets(metrics_target)
        .send()
        .await
        .context("targeting the metrics queue")?;

    // SES sends only from verified identities; moto verifies on creation.
    let ses = aws_sdk_sesv2::Client::new(sdk);
    for domain in sending_domains() {
        created_or_there(
            ses.create_email_identity().email_identity(&domain).send().await,
            &format!("creating SES identity {domain}"),
        )?;
    }

    // The set our mail names, so its tag is on SES's reports as in production.
    created_or_there(
        ses.create_configuration_set()
            .configuration_set_name(&names.configuration_set)
            .send()
            .await,
        "creating the SES configuration set",
    )?;

    let dlq_url = sqs
        .create_queue()
        .queue_name(&names.inbound_dlq)
        .send()
        .await
        .context("creating the DLQ")?
        .queue_url
        .unwrap_or_default();
    let dlq_arn = queue_arn(&sqs, &dlq_url).await?;
    let spec = template.queue(INBOUND_QUEUE)?;
    let mut queue = sqs.create_queue().queue_name(&names.inbound_queue);
    if let Some(v) = spec.visibility_timeout {
        queue = queue.attributes(QueueAttributeName::VisibilityTimeout, v.to_string());
    }
    if let Some(n) = spec.max_receive_count {
        let redrive = serde_json::json!({ "deadLetterTargetArn": dlq_arn, "maxReceiveCount": n }).to_string();
        queue = queue.attributes(QueueAttributeName::RedrivePolicy, redrive);
    }
    let queue_url = queue
        .send()
        .await
        .context("creating the inbound queue")?
        .queue_url
        .unwrap_or_default();
    let inbound_arn = queue_arn(&sqs, &queue_url).await?;

    let s3 = s3_client(sdk);
    created_or_there(
        s3.create_bucket().bucket(&names.mail_bucket).send().await,
        &format!("creating bucket {}", names.mail_bucket),
    )?;
    // No CorsConfiguration as in the template: moto's server answers every origin itself (the
    // widget's uploads from DEV_WIDGET_ORIGIN work as they are), and a bucket's CORS rules in
    // moto would enforce nothing, while its preflight wants the origin in every rule, so the
    // template's two rules would refuse every preflight.
    let notification = template.queue_notification(MAIL_BUCKET)?;
    let prefix_rule = FilterRule::builder()
        .name(FilterRuleName::Prefix)
        .value(&notification.prefix)
        .build();
    let filter = NotificationConfigurationFilter::builder()
        .key(S3KeyFilter::builder().filter_rules(prefix_rule).build())
        .build();
    let queue_config = QueueConfiguration::builder()
        .queue_arn(&inbound_arn)
        .events(Event::from(notification.event.as_str()))
        .filter(filter)
        .build()?;
    s3.put_bucket_notification_configuration()
        .bucket(&names.mail_bucket)
        .notification_configuration(
            NotificationConfiguration::builder()
                .queue_configurations(queue_config)
                .build(),
        )
        .send()
        .await
        .context("configuring the bucket's notification")?;
    // The agents' user pool and its role groups, which the tickets API keeps in step.
    let user_pool_id = test_support::user_pool::ensure(sdk, template.resources(), &names.user_pool).await?;
    Ok(Provisioned {
        user_pool_id,
        inbound_queue_url: queue_url,
        reactor_queue_url,
        csat_queue_url,
        metrics_queue_url,
        mail_prefix: notification.prefix,
    })
}

/// Codes of a create call that failed only because the resource is already there (a host
/// started again against the stack it provisioned). Matched on the code, not the SDK's typed
/// variant: moto answers some with codes the SDK does not model
/// (`ConfigurationSetAlreadyExistsException`), so the typed check missed it and a second start
/// failed.
const ALREADY_THERE: [&str; 4] = [
    "AlreadyExists",
    "ResourceExistsException",
    "BucketAlreadyOwnedByYou",
    "ResourceInUseException",
];

/// Whether an error code says the resource to create is already there.
pub fn already_there(code: Option<&str>) -> bool {
    code.is_some_and(|code| ALREADY_THERE.iter().any(|known| code.contains(known)))
}

/// A create call's result, with "already there" counted as done.
pub fn created_or_there<T, E, R>(result: Result<T, SdkError<E, R>>, what: &str) -> Result<()>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    match result {
        Ok(_) => Ok(()),
        Err(e) if already_there(e.code()) => Ok(()),
        Err(e) => Err(anyhow::Error::new(e).context(what.to_owned())),
    }
}

/// The domains of the dev host's support addresses.
fn sending_domains() -> Vec<String> {
    let mut domains: Vec<String> = DEV_SUPPORT_ADDRESSES
        .split(',')
        .filter_map(|a| a.split('=').next()?.rsplit_once('@').map(|(_, d)| d.to_owned()))
        .collect();
    domains.dedup();
    domains
}

/// A queue as the template defines it (visibility, redrive), with its DLQ.
async fn queue_with_dlq(
    sqs: &aws_sdk_sqs::Client,
    template: &Template,
    logical_id: &str,
    name: &str,
    dlq: &str,
) -> Result<String> {
    let dlq_url = sqs
        .create_queue()
        .queue_name(dlq)
        .send()
        .await
        .context("creating a DLQ")?
        .queue_url
        .unwrap_or_default();
    let dlq_arn = queue_arn(sqs, &dlq_url).await?;
    let spec = template.queue(logical_id)?;
    let mut queue = sqs.create_queue().queue_name(name);
    if let Some(v) = spec.visibility_timeout {
        queue = queue.attributes(QueueAttributeName::VisibilityTimeout, v.to_string());
    }
    if let Some(n) = spec.max_receive_count {
        let redrive = serde_json::json!({ "deadLetterTargetArn": dlq_arn, "maxReceiveCount": n }).to_string();
        queue = queue.attributes(QueueAttributeName::RedrivePolicy, redrive);
    }
    Ok(queue
        .send()
        .await
        .with_context(|| format!("creating queue {name}"))?
        .queue_url
        .unwrap_or_default())
}

async fn queue_arn(sqs: &aws_sdk_sqs::Client, url: &str) -> Result<String> {
    let out = sqs
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await?;
    out.attributes()
        .and_then(|a| a.get(&QueueAttributeName::QueueArn))
        .cloned()
        .ok_or_else(|| anyhow::anyhow!("queue {url} has no ARN"))
}
