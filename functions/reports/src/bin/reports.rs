use lambda_runtime::{Error, LambdaEvent, service_fn};
use reports::{ReportMailer, ReportsConfig, handle_schedule};
use shared::config::{Env, OnFirstUse, sdk_config};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let config = ReportsConfig::from_env(&Env::from_process())?;
    let deps = OnFirstUse::new(|| async { Ok::<_, Error>(ReportMailer::new(config.clone(), &sdk_config().await)) });
    lambda_runtime::run(service_fn(|event: LambdaEvent<serde_json::Value>| async {
        Ok::<_, Error>(serde_json::to_value(
            handle_schedule(deps.get().await?, event.payload).await?,
        )?)
    }))
    .await
}
