//! The SLA sweep's Lambda: only the table, so its cold start stays small.

use lambda_runtime::{Error, LambdaEvent, service_fn};
use shared::adapters::dynamodb::DynamoStore;
use shared::config::{Env, OnFirstUse, sdk_config};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let table = Env::from_process().required("TABLE_NAME")?;
    let store = OnFirstUse::new(|| async {
        Ok::<_, Error>(DynamoStore::new(
            aws_sdk_dynamodb::Client::new(&sdk_config().await),
            &table,
        ))
    });
    lambda_runtime::run(service_fn(|event: LambdaEvent<serde_json::Value>| async {
        let report = reactor::sla_sweep(store.get().await?, event.payload).await?;
        Ok::<_, Error>(serde_json::to_value(report)?)
    }))
    .await
}
