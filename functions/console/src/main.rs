use console::{Config, handle};
use lambda_http::{Error, service_fn};
use shared::config::Env;

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_http::tracing::init_default_subscriber();
    let config = Config::from_env(&Env::from_process())?;
    lambda_http::run(service_fn(|request| handle(&config, request))).await
}
