use lambda_http::{Error, service_fn};
use shared::config::{Env, OnFirstUse, sdk_config};
use tickets_api::{Config, Deps, handle};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_http::tracing::init_default_subscriber();
    let config = Config::from_env(&Env::from_process())?;
    let deps = OnFirstUse::new(|| async { Ok::<_, Error>(Deps::new(&config, &sdk_config().await)) });
    lambda_http::run(service_fn(|request| async {
        Ok::<_, Error>(handle(deps.get().await?, request).await?)
    }))
    .await
}
