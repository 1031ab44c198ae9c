//! Every sample under `events/reactor` through the one decoder and the function's entry point,
//! against DynamoDB Local and moto: what AWS delivers is read, and handled without a failure.

use aws_lambda_events::event::sqs::SqsEvent;
use lambda_runtime::LambdaEvent;
use reactor::{Deps, handle};
use shared::adapters::bus::{BusEvent, decode_sqs_body};
use shared::adapters::dynamodb::DynamoStore;
use shared::adapters::s3::S3Blobs;
use shared::adapters::sesv2::SesMailer;
use shared::domain::SystemClock;
use shared::usecases::intake::parse_support_addresses;
use shared::usecases::reactor::{EventReactor, OutboundConfig};

const SES_DOMAIN: &str = "email.amazonses.com";

fn samples() -> Vec<(String, SqsEvent)> {
    let dir = format!("{}/../../events/reactor", env!("CARGO_MANIFEST_DIR"));
    let mut found: Vec<(String, SqsEvent)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .map(|path| {
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(&path).unwrap();
            let event = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: not an SQS event: {e}"));
            (name, event)
        })
        .collect();
    found.sort_by(|a, b| a.0.cmp(&b.0));
    found
}

fn decoded(event: &SqsEvent) -> Vec<BusEvent> {
    event
        .records
        .iter()
        .map(|r| decode_sqs_body(r.body.as_deref().unwrap(), SES_DOMAIN).unwrap())
        .collect()
}

#[test]
fn every_sample_decodes_and_both_ticket_event_shapes_say_the_same() {
    let samples = samples();
    let names: Vec<&str> = samples.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "ses-bounce-via-sqs",
            "ticket-event-via-sqs",
            "ticket-event-via-sqs-stream-record"
        ]
    );
    let by_name = |name: &str| decoded(&samples.iter().find(|(n, _)| n == name).unwrap().1);
    assert!(matches!(&by_name("ses-bounce-via-sqs")[..], [BusEvent::Feedback(_)]));
    let published = by_name("ticket-event-via-sqs");
    assert!(matches!(&published[..], [BusEvent::Ticket(e)] if e.version == 1));
    // The shape the pipe delivered before its input template: events in flight at the deploy.
    assert_eq!(published, by_name("ticket-event-via-sqs-stream-record"));
}

type TestDeps = Deps<DynamoStore, SesMailer, SystemClock>;

async fn deps() -> TestDeps {
    let sdk = test_support::local_sdk().await;
    let table = test_support::fresh_table(&sdk).await;
    Deps {
        reactor: EventReactor::new(
            DynamoStore::new(aws_sdk_dynamodb::Client::new(&sdk), table),
            SesMailer::new(aws_sdk_sesv2::Client::new(&sdk), None),
            S3Blobs::new(test_support::s3_client(&sdk)),
            SystemClock,
            OutboundConfig {
                addresses: parse_support_addresses("support@help.example.com").unwrap(),
                max_attempts: 5,
                autoreplies_per_hour: 3,
            },
        ),
        ses_domain: SES_DOMAIN.into(),
    }
}

#[tokio::test]
async fn every_sample_is_handled_without_a_failure() {
    let deps = deps().await;
    for (name, event) in samples() {
        let response = handle(&deps, LambdaEvent::new(event, Default::default()))
            .await
            .unwrap();
        assert!(response.batch_item_failures.is_empty(), "{name}: {response:?}");
    }
}

/// `events/reactor-sweep`: what the schedule sends the sweep (its time is the sweep's "now").
#[tokio::test]
async fn the_schedule_s_sample_drives_the_sweep_at_its_time() {
    let dir = format!("{}/../../events/reactor-sweep", env!("CARGO_MANIFEST_DIR"));
    let mut names = vec![];
    let deps = deps().await;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{dir}: {e}")) {
        let path = entry.unwrap().path();
        names.push(path.file_name().unwrap().to_string_lossy().into_owned());
        let event: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let at = shared::schedule::ScheduledEvent::decode(event.clone()).unwrap();
        assert_eq!(at.time.to_string(), "2026-11-23T09:05:00.000Z");
        let report = reactor::sweep(&deps, event).await.unwrap();
        assert!(report.complete && report.failed == 0, "{report:?}");
    }
    assert_eq!(names, ["scheduled.json"]);
    let unusable = reactor::sweep(&deps, serde_json::json!({"time": "yesterday"})).await;
    assert!(matches!(unusable, Err(reactor::SweepError::Event(_))), "{unusable:?}");
}
