use lambda_runtime::{Error, service_fn};
use reports::{Config, Deps, handle_events};
use shared::config::{Env, OnFirstUse, sdk_config};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let config = Config::from_env(&Env::from_process())?;
    let deps = OnFirstUse::new(|| async { Ok::<_, Error>(Deps::new(&config, &sdk_config().await)) });
    lambda_runtime::run(service_fn(|event| async {
        handle_events(deps.get().await?, event).await
    }))
    .await
}
