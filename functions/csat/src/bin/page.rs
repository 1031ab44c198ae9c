use csat::{Config, Deps, handle_page};
use lambda_http::{Error, service_fn};
use shared::config::Env;

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_http::tracing::init_default_subscriber();
    let sdk = aws_config::load_from_env().await;
    let env = Env::from_process();
    let secrets = shared::adapters::secrets::load(&sdk, &env).await?;
    let deps = Deps::new(Config::from_env(&env, &secrets)?, &sdk);
    lambda_http::run(service_fn(|request| handle_page(&deps, request))).await
}
