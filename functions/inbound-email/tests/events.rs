//! `events/inbound-email`: the sample SQS batch of S3 notifications through the function's
//! entry point, against DynamoDB Local and moto. The stored mail it names becomes a ticket, S3's
//! test message is taken and does nothing, and no message of the batch fails.

use aws_lambda_events::event::sqs::SqsEvent;
use lambda_runtime::LambdaEvent;
use shared::adapters::dynamodb::DynamoStore;
use shared::config::Env;
use shared::ports::{TicketQuery, TicketStore};

/// The bucket and key the sample names.
const SAMPLE_BUCKET: &str = "lambdesk-mail-123456789012-us-east-1";
const SAMPLE_KEY: &str = "inbound/0f1e2d3c4b5a69788796a5b4c3d2e1f0example";

#[tokio::test]
async fn the_sample_batch_becomes_a_ticket_and_s3s_test_message_does_nothing() {
    let sdk = test_support::local_sdk().await;
    let table = test_support::fresh_table(&sdk).await;
    let bucket = test_support::unique("mail");
    let s3 = test_support::s3_client(&sdk);
    s3.create_bucket().bucket(&bucket).send().await.unwrap();
    let mail = "From: Jana Novak <jana@example.cz>\r\nTo: support@help.example.com\r\n\
                Subject: The printer is on fire\r\nMessage-ID: <sample-1@example.cz>\r\n\r\nIt really is.\r\n";
    s3.put_object()
        .bucket(&bucket)
        .key(SAMPLE_KEY)
        .body(mail.as_bytes().to_vec().into())
        .send()
        .await
        .unwrap();

    let path = format!(
        "{}/../../events/inbound-email/s3-put-via-sqs.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let sample = std::fs::read_to_string(path).unwrap().replace(SAMPLE_BUCKET, &bucket);
    let event: SqsEvent = serde_json::from_str(&sample).unwrap();
    assert_eq!(event.records.len(), 2, "a notification and S3's test message");

    let env: Env = [
        ("TABLE_NAME", table.as_str()),
        ("MAIL_BUCKET", bucket.as_str()),
        ("SUPPORT_ADDRESSES", "support@help.example.com"),
        ("S3_FORCE_PATH_STYLE", "true"),
    ]
    .into_iter()
    .collect();
    let config = inbound_email::Config::from_env(&env, &test_support::desk_secrets()).unwrap();
    let deps = inbound_email::Deps::new(config, &sdk);
    let response = inbound_email::handle(&deps, LambdaEvent::new(event, Default::default()))
        .await
        .unwrap();
    assert!(
        response.batch_item_failures.is_empty(),
        "{:?}",
        response.batch_item_failures
    );

    let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&sdk), &table);
    let query = TicketQuery {
        limit: 10,
        ..Default::default()
    };
    let tickets = store.list_tickets(&query).await.unwrap().items;
    let subjects: Vec<&str> = tickets.iter().map(|t| t.subject.as_str()).collect();
    assert_eq!(subjects, ["The printer is on fire"]);
}
