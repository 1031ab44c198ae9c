use lambda_runtime::{Error, LambdaEvent, service_fn};
use reports::{ReportMailer, ReportsConfig, handle_schedule};
use shared::config::Env;

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let sdk = aws_config::load_from_env().await;
    let deps = ReportMailer::new(ReportsConfig::from_env(&Env::from_process())?, &sdk);
    lambda_runtime::run(service_fn(|event: LambdaEvent<serde_json::Value>| async {
        Ok::<_, Error>(serde_json::to_value(handle_schedule(&deps, event.payload).await?)?)
    }))
    .await
}
