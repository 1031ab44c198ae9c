// The function's nested futures (its Deps built on first use) are deeper than rustc's default
// layout limit.
#![recursion_limit = "256"]

use csat::{Config, Deps, sweep};
use lambda_runtime::{Error, LambdaEvent, service_fn};
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
        Ok::<_, Error>(serde_json::to_value(sweep(deps.get().await?, event.payload).await?)?)
    }))
    .await
}
