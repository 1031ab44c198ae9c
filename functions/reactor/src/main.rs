// The reactor's nested futures are deeper than rustc's default layout limit.
#![recursion_limit = "256"]

use lambda_runtime::{Error, service_fn};
use reactor::{Config, Deps, handle};
use shared::config::Env;

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let sdk = aws_config::load_from_env().await;
    let env = Env::from_process();
    let secrets = shared::adapters::secrets::load(&sdk, &env).await?;
    let config = Config::from_env(&env, &secrets)?;
    let deps = Deps::new(config, &sdk);
    lambda_runtime::run(service_fn(|event| handle(&deps, event))).await
}
