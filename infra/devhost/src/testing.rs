//! Helpers for tests that run against the local stack: fresh, uniquely named tables and buses
//! built from `template.yaml`, and an in-process dev host on a free port.

use std::sync::Arc;

use aws_config::SdkConfig;
use dev_auth::{DevClaims, SigningKey};
use shared::adapters::dynamodb::DynamoStore;
use shared::desk::TicketDesk;
use shared::domain::SystemClock;

use crate::gateway::{Gateway, router};
use crate::local::{self, PIPE};
use crate::pipe::StreamPipe;
use crate::template::Template;

/// A name no other test uses.
pub fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", ulid::Ulid::new().to_string().to_lowercase())
}

/// The local stack's SDK config. Panics with the fix when the stack is not running.
pub async fn local_sdk() -> SdkConfig {
    match local::sdk_config().await {
        Ok(sdk) => sdk,
        Err(e) => panic!("{e:#}\n(run the tests with `cargo xtask test`, which starts DynamoDB Local and moto)"),
    }
}

/// A new table, defined by the template, that only this test writes to.
pub async fn fresh_table(sdk: &SdkConfig) -> String {
    let name = unique("t");
    let template = Template::load_default().expect("template.yaml");
    template
        .table(local::TABLE)
        .expect("table in template")
        .create(&aws_sdk_dynamodb::Client::new(sdk), &name)
        .await
        .expect("create table");
    name
}

pub fn test_key() -> SigningKey {
    SigningKey::from_bytes(b"lambdesk-test-signing-key-0123456789")
}

/// A dev host serving on 127.0.0.1 with its own table and bus.
pub struct TestHost {
    pub url: String,
    pub sdk: SdkConfig,
    pub table: String,
    pub bus: String,
    key: SigningKey,
}

impl TestHost {
    pub async fn start() -> Self {
        let sdk = local_sdk().await;
        let table = unique("t");
        let bus = unique("bus");
        local::provision(&sdk, &Template::load_default().expect("template"), &table, &bus)
            .await
            .expect("provision");
        let key = test_key();
        let gateway = Arc::new(Gateway {
            tickets: tickets_api::Deps {
                desk: TicketDesk::new(
                    DynamoStore::new(aws_sdk_dynamodb::Client::new(&sdk), &table),
                    SystemClock,
                ),
            },
            key: key.clone(),
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        tokio::spawn(async move { axum::serve(listener, router(gateway)).await });
        Self {
            url,
            sdk,
            table,
            bus,
            key,
        }
    }

    pub fn token(&self, role: &str, email: &str, departments: &[&str]) -> String {
        let departments: Vec<String> = departments.iter().map(|d| (*d).to_owned()).collect();
        dev_auth::sign(
            &self.key,
            &DevClaims::new(role, email, &departments, chrono::Duration::hours(1)),
        )
        .expect("sign")
    }

    /// The stream-to-bus pipe for this host's table, starting at the stream's end; tests poll
    /// it when they want events moved.
    pub async fn pipe(&self) -> StreamPipe {
        let spec = Template::load_default().expect("template").pipe(PIPE).expect("pipe");
        StreamPipe::start(&self.sdk, &self.table, &self.bus, spec)
            .await
            .expect("pipe")
    }
}
