use lambda_http::{Error, service_fn};
use shared::config::Env;
use tickets_api::{Config, Deps, handle};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_http::tracing::init_default_subscriber();
    let config = Config::from_env(&Env::from_process())?;
    let sdk = aws_config::load_from_env().await;
    let deps = Deps::new(&config, &sdk);
    lambda_http::run(service_fn(|request| handle(&deps, request))).await
}
