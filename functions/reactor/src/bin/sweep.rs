// The reactor's nested futures are deeper than rustc's default layout limit.
#![recursion_limit = "256"]

use lambda_runtime::{Error, LambdaEvent, service_fn};
use reactor::{Config, Deps, sweep};
use shared::config::{Env, OnFirstUse, sdk_config};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let env = Env::from_process();
    let deps = OnFirstUse::new(|| async {
        let sdk = sdk_config().await;
        let secrets = shared::adapters::secrets::load(&sdk, &env).await?;
        Ok::<_, Error>(Deps::new(Config::from_env(&env, &secrets)?, &sdk))
    });
    lambda_runtime::run(service_fn(|event: LambdaEvent<serde_json::Value>| async {
        let report = sweep(deps.get().await?, event.payload).await?;
        Ok::<_, Error>(
            serde_json::json!({ "swept": report.swept, "failed": report.failed, "complete": report.complete }),
        )
    }))
    .await
}
