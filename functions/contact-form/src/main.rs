use contact_form::{Config, Deps, handle};
use lambda_http::{Error, service_fn};
use shared::config::Env;

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_http::tracing::init_default_subscriber();
    let sdk = aws_config::load_from_env().await;
    let env = Env::from_process();
    let secrets = shared::adapters::secrets::load(&sdk, &env).await?;
    let config = Config::from_env(&env, secrets)?;
    let deps = Deps::new(config, &sdk)?;
    lambda_http::run(service_fn(|request| handle(&deps, request))).await
}
