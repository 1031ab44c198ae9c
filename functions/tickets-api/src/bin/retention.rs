//! The retention job's Lambda (daily): the table and the mail bucket, as the API's erasure.

use lambda_http::lambda_runtime::{self, Error, LambdaEvent, service_fn};
use shared::config::{Env, OnFirstUse, sdk_config};
use tickets_api::{Config, Deps};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let config = Config::from_env(&Env::from_process())?;
    let deps = OnFirstUse::new(|| async { Ok::<_, Error>(Deps::new(&config, &sdk_config().await)) });
    lambda_runtime::run(service_fn(|event: LambdaEvent<serde_json::Value>| async {
        let report = tickets_api::retention(deps.get().await?, event.payload).await?;
        Ok::<_, Error>(serde_json::to_value(report)?)
    }))
    .await
}
