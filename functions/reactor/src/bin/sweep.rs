// The reactor's nested futures are deeper than rustc's default layout limit.
#![recursion_limit = "256"]

use lambda_runtime::{Error, LambdaEvent, service_fn};
use reactor::{Config, Deps, sweep};
use shared::config::Env;

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let sdk = aws_config::load_from_env().await;
    let env = Env::from_process();
    let secrets = shared::adapters::secrets::load(&sdk, &env).await?;
    let config = Config::from_env(&env, &secrets)?;
    let deps = Deps::new(config, &sdk);
    lambda_runtime::run(service_fn(|event: LambdaEvent<serde_json::Value>| async {
        let report = sweep(&deps, event.payload).await?;
        Ok::<_, Error>(
            serde_json::json!({ "swept": report.swept, "failed": report.failed, "complete": report.complete }),
        )
    }))
    .await
}
