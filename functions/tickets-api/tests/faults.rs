//! Faults a local engine cannot produce on demand: throttling and internal errors injected with
//! aws-smithy-mocks, and a timeout against a server that never answers. Each becomes a clear,
//! opaque response: 503 with Retry-After for "try again", 500 with nothing internal leaked.

use std::time::Duration;

use aws_sdk_dynamodb::error::ErrorMetadata;
use aws_sdk_dynamodb::operation::get_item::GetItemError;
use aws_sdk_dynamodb::types::error::ProvisionedThroughputExceededException;
use aws_smithy_mocks::{RuleMode, mock, mock_client};
use lambda_http::Body;
use serde_json::Value;
use shared::adapters::cognito::CognitoDirectory;
use shared::adapters::dynamodb::DynamoStore;
use shared::adapters::s3::S3Blobs;
use shared::domain::SystemClock;
use shared::usecases::desk::TicketDesk;
use shared::usecases::files::ReplyFiles;
use tickets_api::{Deps, handle};

fn get_ticket_event() -> lambda_http::Request {
    let path = format!(
        "{}/../../events/tickets-api/get-ticket-by-number.json",
        env!("CARGO_MANIFEST_DIR")
    );
    lambda_http::request::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

async fn answer(client: aws_sdk_dynamodb::Client) -> (u16, Option<String>, String) {
    // Files are not touched by this route.
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::Config::builder()
            .behavior_version_latest()
            .region(aws_sdk_s3::config::Region::new("us-east-1"))
            .build(),
    );
    // Nor are agents' accounts.
    let cognito = aws_sdk_cognitoidentityprovider::Client::from_conf(
        aws_sdk_cognitoidentityprovider::Config::builder()
            .behavior_version_latest()
            .region(aws_sdk_cognitoidentityprovider::config::Region::new("us-east-1"))
            .build(),
    );
    let deps = Deps {
        desk: TicketDesk::new(DynamoStore::new(client, "tickets"), SystemClock),
        files: ReplyFiles::new(S3Blobs::new(s3), SystemClock, "mail"),
        directory: CognitoDirectory::new(cognito, "unused"),
    };
    let response = handle(&deps, get_ticket_event()).await.unwrap();
    let retry_after = response
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    let status = response.status().as_u16();
    let Body::Text(body) = response.into_body() else {
        panic!("a JSON body")
    };
    (status, retry_after, body)
}

#[tokio::test]
async fn throttling_is_a_503_to_retry_shortly() {
    let throttled = mock!(aws_sdk_dynamodb::Client::get_item)
        .sequence()
        .error(|| {
            GetItemError::ProvisionedThroughputExceededException(
                // As parsed from the wire, where `__type` gives the code.
                ProvisionedThroughputExceededException::builder()
                    .message("Rate of requests exceeds the allowed throughput")
                    .meta(
                        ErrorMetadata::builder()
                            .code("ProvisionedThroughputExceededException")
                            .build(),
                    )
                    .build(),
            )
        })
        .repeatedly()
        .build();
    let client = mock_client!(aws_sdk_dynamodb, RuleMode::MatchAny, [&throttled]);
    let (status, retry_after, body) = answer(client).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(retry_after.as_deref(), Some("1"));
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["error"]["code"], "unavailable");
    assert!(!body.to_string().contains("throughput"), "no internals in {body}");
    assert!(throttled.num_calls() >= 1);
}

#[tokio::test]
async fn an_internal_failure_is_an_opaque_500() {
    let broken = mock!(aws_sdk_dynamodb::Client::get_item)
        .sequence()
        .error(|| GetItemError::unhandled("table schema mismatch in partition 7"))
        .repeatedly()
        .build();
    let client = mock_client!(aws_sdk_dynamodb, RuleMode::MatchAny, [&broken]);
    let (status, retry_after, body) = answer(client).await;
    assert_eq!(status, 500);
    assert_eq!(retry_after, None);
    assert_eq!(body, r#"{"error":{"code":"internal","message":"internal error"}}"#);
}

#[tokio::test]
async fn a_store_that_never_answers_times_out_as_a_503() {
    // A listener that accepts connections and never replies: a real hung dependency.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(aws_sdk_dynamodb::config::BehaviorVersion::latest())
        .region(aws_sdk_dynamodb::config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
            "test", "test", None, None, "test",
        ))
        .endpoint_url(endpoint)
        .timeout_config(
            aws_sdk_dynamodb::config::timeout::TimeoutConfig::builder()
                .operation_timeout(Duration::from_millis(300))
                .build(),
        )
        .build();
    let (status, retry_after, _) = answer(aws_sdk_dynamodb::Client::from_conf(config)).await;
    assert_eq!(status, 503);
    assert_eq!(retry_after.as_deref(), Some("1"));
}
