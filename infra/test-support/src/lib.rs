//! What tests of `shared` and of the functions need from the local stack (DynamoDB Local and
//! moto, started by `cargo xtask test`): the SDK configuration for its endpoints, a fresh table
//! built from `template.yaml`, path-style S3, and names no other test uses. Depends on
//! `shared` only, so testing one crate does not compile the whole workspace; the dev host
//! itself (and its in-process `TestHost` for the end-to-end tests) lives in `devhost`.

pub mod template;
pub mod user_pool;

use anyhow::{Result, bail};
use aws_config::{BehaviorVersion, SdkConfig};

use crate::template::{TABLE, Template};

/// The endpoint variables `cargo xtask dev`/`test` set; all must point at the local stack.
const LOCAL_ENDPOINTS: [&str; 6] = [
    "AWS_ENDPOINT_URL_DYNAMODB",
    "AWS_ENDPOINT_URL_DYNAMODB_STREAMS",
    "AWS_ENDPOINT_URL_EVENTBRIDGE",
    "AWS_ENDPOINT_URL_SQS",
    "AWS_ENDPOINT_URL_S3",
    "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER",
];

/// Refuses unless every service points at a local endpoint: tests and the dev host must never
/// create or write anything in a real AWS account.
pub fn check_local_endpoints() -> Result<()> {
    let missing: Vec<&str> = LOCAL_ENDPOINTS
        .into_iter()
        .filter(|v| std::env::var(v).map(|s| s.is_empty()).unwrap_or(true))
        .collect();
    if !missing.is_empty() {
        bail!(
            "{} not set: start the local stack with `cargo xtask dev` (or `cargo xtask stack`), which sets them",
            missing.join(", ")
        );
    }
    Ok(())
}

/// The SDK configuration for the local stack's endpoints.
pub async fn sdk_config() -> Result<SdkConfig> {
    check_local_endpoints()?;
    Ok(aws_config::defaults(BehaviorVersion::latest()).load().await)
}

/// A name no other test uses.
pub fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", ulid::Ulid::new().to_string().to_lowercase())
}

/// The local stack's SDK config. Panics with the fix when the stack is not running.
pub async fn local_sdk() -> SdkConfig {
    match sdk_config().await {
        Ok(sdk) => sdk,
        Err(e) => panic!("{e:#}\n(run the tests with `cargo xtask test`, which starts DynamoDB Local and moto)"),
    }
}

/// A new table, defined by the template, that only this test writes to.
pub async fn fresh_table(sdk: &SdkConfig) -> String {
    let name = unique("t");
    Template::load_default()
        .expect("template.yaml")
        .table(TABLE)
        .expect("table in template")
        .create(&aws_sdk_dynamodb::Client::new(sdk), &name)
        .await
        .expect("create table");
    name
}

/// A path-style S3 client: local endpoints have no per-bucket host names.
pub fn s3_client(sdk: &SdkConfig) -> aws_sdk_s3::Client {
    shared::adapters::s3::S3Blobs::client(sdk, true)
}

/// The secrets a function's `Config` takes, with a fixed link key and no CAPTCHA or edge
/// secret, for tests that read a config without Secrets Manager.
pub fn desk_secrets() -> shared::adapters::secrets::DeskSecrets {
    shared::adapters::secrets::DeskSecrets {
        signer: shared::domain::signing::LinkSigner::new(&[7; 32]).expect("a 32-byte key"),
        captcha: None,
        edge: None,
    }
}

/// A clock a test sets by hand: "now" is whatever the test last set, shared by its clones.
#[derive(Debug, Clone)]
pub struct HandClock(std::sync::Arc<std::sync::Mutex<shared::domain::Timestamp>>);

impl HandClock {
    /// Starts at `text` (RFC 3339).
    pub fn at(text: &str) -> Self {
        Self(std::sync::Arc::new(std::sync::Mutex::new(
            shared::domain::Timestamp::parse(text).expect("an RFC 3339 time"),
        )))
    }

    pub fn set(&self, text: &str) {
        *self.0.lock().unwrap() = shared::domain::Timestamp::parse(text).expect("an RFC 3339 time");
    }
}

impl shared::domain::Clock for HandClock {
    fn now(&self) -> shared::domain::Timestamp {
        *self.0.lock().unwrap()
    }
}
