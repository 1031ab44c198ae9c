//! The local stack as the dev host sees it: endpoints from the environment (set by
//! `cargo xtask dev`/`test`), and the resources of `template.yaml` created in it.

use anyhow::{Result, bail};
use aws_config::{BehaviorVersion, SdkConfig};

use crate::template::Template;

/// The template's logical ids the dev host provisions and plays.
pub const TABLE: &str = "TicketsTable";
pub const PIPE: &str = "TicketEventsPipe";

/// Refuses to start unless every service points at a local endpoint: the dev host must never
/// create or write anything in a real AWS account.
pub fn check_local_endpoints() -> Result<()> {
    let missing: Vec<&str> = [
        "AWS_ENDPOINT_URL_DYNAMODB",
        "AWS_ENDPOINT_URL_DYNAMODB_STREAMS",
        "AWS_ENDPOINT_URL_EVENTBRIDGE",
        "AWS_ENDPOINT_URL_SQS",
    ]
    .into_iter()
    .filter(|v| std::env::var(v).map(|s| s.is_empty()).unwrap_or(true))
    .collect();
    if !missing.is_empty() {
        bail!(
            "{} not set: start the local stack with `cargo xtask dev` (or `cargo xtask stack`), which sets them",
            missing.join(", ")
        );
    }
    Ok(())
}

pub async fn sdk_config() -> Result<SdkConfig> {
    check_local_endpoints()?;
    Ok(aws_config::defaults(BehaviorVersion::latest()).load().await)
}

/// Creates the table and the bus (each only if missing).
pub async fn provision(sdk: &SdkConfig, template: &Template, table: &str, bus: &str) -> Result<()> {
    template
        .table(TABLE)?
        .create(&aws_sdk_dynamodb::Client::new(sdk), table)
        .await?;
    let events = aws_sdk_eventbridge::Client::new(sdk);
    match events.create_event_bus().name(bus).send().await {
        Ok(_) => Ok(()),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_resource_already_exists_exception()) =>
        {
            Ok(())
        }
        Err(e) => Err(anyhow::Error::new(e).context(format!("creating bus {bus}"))),
    }
}
