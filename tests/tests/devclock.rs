//! The dev host's clock (`cargo xtask dev --clock`) and its scheduled functions
//! (`cargo xtask invoke <function> --at`): a host started on a Friday afternoon stamps what it
//! does with that afternoon, and every scheduled function of the template runs on request with
//! the time the caller names.

use chrono::{DateTime, Utc};
use devhost::clock::DevClock;
use devhost::invoke::{INVOKE_PATH, scheduled};
use devhost::testing::TestHost;
use reqwest::StatusCode;
use serde_json::{Value, json};

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
}

#[tokio::test]
async fn a_host_started_on_a_friday_afternoon_lives_on_that_afternoon() {
    let friday = at("2026-11-20T15:30:00Z");
    let host = TestHost::start_with_clock(DevClock::starting_at(friday)).await;
    let http = reqwest::Client::new();
    let admin = host.token("admin", "admin@help.example.com", &[]);
    let created = http
        .post(format!("{}/v1/departments", host.url))
        .bearer_auth(&admin)
        .json(&json!({"id": "support", "name": "Support"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let response = http
        .post(format!("{}/v1/tickets", host.url))
        .bearer_auth(&admin)
        .json(&json!({
            "subject": "Printer on fire",
            "body": "It is on fire again.",
            "requester": {"email": "jana@example.cz", "name": "Jana"},
            "department": "support"
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let ticket: Value = response.json().await.unwrap();
    let stamped = at(ticket["created_at"].as_str().unwrap());
    // The clock runs forward from the instant: the ticket is stamped that afternoon, not today.
    assert!(stamped >= friday && stamped < at("2026-11-20T16:30:00Z"), "{stamped}");
    let event = host.host.scheduled_event();
    let scheduled_at = at(event["time"].as_str().unwrap());
    assert!(scheduled_at >= stamped && scheduled_at < at("2026-11-20T16:30:00Z"));
}

#[tokio::test]
async fn every_scheduled_function_runs_at_the_time_the_caller_names() {
    let host = TestHost::start().await;
    let http = reqwest::Client::new();
    for (function, _) in scheduled() {
        let response = http
            .post(format!("{}{INVOKE_PATH}/{function}", host.url))
            .json(&json!({"time": "2026-11-23T09:00:00.000Z"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{function}");
    }
    let unknown = http
        .post(format!("{}{INVOKE_PATH}/no-such-sweep", host.url))
        .json(&json!({"time": "2026-11-23T09:00:00.000Z"}))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    let message = unknown.text().await.unwrap();
    assert!(message.contains("reactor-sweep"), "{message}");
}
