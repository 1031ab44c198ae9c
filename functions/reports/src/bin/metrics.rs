use lambda_runtime::{Error, service_fn};
use reports::{Config, Deps, handle_events};
use shared::config::Env;

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let sdk = aws_config::load_from_env().await;
    let deps = Deps::new(&Config::from_env(&Env::from_process())?, &sdk);
    lambda_runtime::run(service_fn(|event| handle_events(&deps, event))).await
}
