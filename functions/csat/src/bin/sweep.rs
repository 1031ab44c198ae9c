use csat::{Config, Deps, sweep};
use lambda_runtime::{Error, LambdaEvent, service_fn};
use shared::config::Env;

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let sdk = aws_config::load_from_env().await;
    let env = Env::from_process();
    let secrets = shared::adapters::secrets::load(&sdk, &env).await?;
    let deps = Deps::new(Config::from_env(&env, &secrets)?, &sdk);
    lambda_runtime::run(service_fn(|event: LambdaEvent<serde_json::Value>| async {
        Ok::<_, Error>(serde_json::to_value(sweep(&deps, event.payload).await?)?)
    }))
    .await
}
