//! SLA end to end through the dev host, started on a Friday afternoon: a manager makes a Prague
//! calendar and an urgent policy; a mail at 16:30 Prague time, made urgent, is due on
//! Monday at 09:30; the SLA sweep invoked just past it marks the breach once, the default rule
//! escalates the ticket to L2 and mails the department lead, the SLA queue shows it first, and
//! a second invoke changes nothing.

use chrono::{DateTime, Utc};
use devhost::clock::DevClock;
use devhost::testing::{TestHost, send_mail, unique};
use e2e::{call, call_if_match};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn sweep_at(host: &TestHost, time: &str) -> Value {
    e2e::invoke_at(&host.url, "sla-sweep", time).await
}

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
}

#[tokio::test]
async fn a_friday_evening_ticket_breaches_on_monday_once_and_is_escalated() {
    // Friday 2026-12-04, 16:30 in Prague (CET, UTC+1).
    let host = TestHost::start_with_clock(DevClock::starting_at(at("2026-12-04T15:30:00Z"))).await;
    let mut pipe = host.pipe().await;
    let admin = host.token("admin", "admin@help.example.com", &[]);
    let manager = host.token("manager", "manager@help.example.com", &[]);

    // The support department, led by Lea.
    let (status, body) = call(
        &host.url,
        Method::POST,
        "/v1/departments",
        &admin,
        Some(json!({"id": "support", "name": "Support"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let lead_email = format!("{}@help.example.com", unique("lea"));
    let (status, lead) = call(
        &host.url,
        Method::POST,
        "/v1/agents",
        &admin,
        Some(json!({"email": lead_email, "name": "Lea", "role": "manager", "departments": ["support"]})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{lead}");
    let (status, body) = call(
        &host.url,
        Method::PATCH,
        "/v1/departments/support",
        &admin,
        Some(json!({"lead": lead["id"]})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // Prague office hours with a holiday, and the urgent policy counted by them.
    let (status, body) = call(
        &host.url,
        Method::POST,
        "/v1/calendars",
        &manager,
        Some(json!({
            "id": "prague", "name": "Prague office", "time_zone": "Europe/Prague",
            "weekly_hours": {
                "mon": [{"from": "09:00", "to": "17:00"}], "tue": [{"from": "09:00", "to": "17:00"}],
                "wed": [{"from": "09:00", "to": "17:00"}], "thu": [{"from": "09:00", "to": "17:00"}],
                "fri": [{"from": "09:00", "to": "17:00"}]
            },
            "holidays": [{"date": "2026-12-24", "yearly": true, "name": "Christmas Eve"}]
        })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, body) = call(
        &host.url,
        Method::POST,
        "/v1/sla-policies",
        &manager,
        Some(json!({"name": "Urgent", "position": 1, "calendar": "prague",
            "conditions": {"priorities": ["urgent"]},
            "targets": {"urgent": {"first_response": 60}}})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    // The mail arrives at 16:30; the default rules route it to support; an agent makes it urgent.
    let from = format!("{}@example.cz", unique("jana"));
    let mail = format!(
        "From: {from}\nTo: support@help.example.com\nSubject: Till is down\nMessage-ID: <till.{from}>\n\nNothing works.\n"
    );
    send_mail(host.smtp, &from, "support@help.example.com", &mail).await;
    host.drain_inbound().await;
    host.drain_events(&mut pipe).await;
    let (_, ticket) = call(&host.url, Method::GET, "/v1/tickets/HD-1001", &admin, None).await;
    assert_eq!(ticket["department"], "support", "{ticket}");
    assert!(ticket["sla"].is_null(), "a normal ticket has no policy: {ticket}");
    let (status, ticket) = call_if_match(
        &host.url,
        Method::PATCH,
        "/v1/tickets/HD-1001",
        &admin,
        "*",
        Some(json!({"priority": "urgent"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{ticket}");
    let first = &ticket["sla"]["clocks"][0];
    assert_eq!(first["target"], "first_response", "{ticket}");
    // Monday 09:30 in Prague (the host's clock ran on a few seconds since 16:30).
    let due = at(first["due_at"].as_str().unwrap());
    assert!(
        due >= at("2026-12-07T08:30:00Z") && due < at("2026-12-07T08:31:00Z"),
        "{ticket}"
    );
    // The business hour it has left, as it stands (the host's clock has run a few seconds).
    let (_, standing) = call(&host.url, Method::GET, "/v1/tickets/HD-1001/sla", &admin, None).await;
    let left = &standing["clocks"][0];
    assert_eq!(
        (&left["target"], &left["state"]),
        (&json!("first_response"), &json!("running")),
        "{standing}"
    );
    let seconds = left["seconds_left"].as_i64().unwrap();
    assert!((3500..=3600).contains(&seconds), "{standing}");
    host.drain_events(&mut pipe).await;

    // Just past it: breached once, escalated, the lead told.
    let report = sweep_at(&host, "2026-12-07T08:31:00Z").await;
    assert_eq!(report["flagged"], 1, "{report}");
    host.drain_events(&mut pipe).await;
    let (_, ticket) = call(&host.url, Method::GET, "/v1/tickets/HD-1001", &admin, None).await;
    assert_eq!(ticket["support_level"], "L2", "{ticket}");
    assert_eq!(ticket["sla"]["clocks"][0]["state"], "breached", "{ticket}");
    // (The lead also heard of the ticket becoming urgent, from another default rule.)
    let missed = |mails: Vec<String>| mails.iter().filter(|m| m.contains("SLA missed")).count();
    assert_eq!(missed(e2e::sent_mail(&lead_email).await), 1, "one SLA mail to the lead");

    // The queue by SLA shows it first; the breached filter finds it.
    let (_, queue) = call(&host.url, Method::GET, "/v1/tickets?sort=sla", &admin, None).await;
    assert_eq!(queue["items"][0]["number"], "HD-1001", "{queue}");
    let (_, breached) = call(&host.url, Method::GET, "/v1/tickets?sla=breached", &admin, None).await;
    assert_eq!(breached["items"].as_array().unwrap().len(), 1, "{breached}");

    // A second invoke changes nothing.
    let version = ticket["version"].clone();
    let report = sweep_at(&host, "2026-12-07T08:32:00Z").await;
    assert_eq!(report["flagged"], 0, "{report}");
    host.drain_events(&mut pipe).await;
    let (_, again) = call(&host.url, Method::GET, "/v1/tickets/HD-1001", &admin, None).await;
    assert_eq!(again["version"], version);
    assert_eq!(again["support_level"], "L2");
    assert_eq!(missed(e2e::sent_mail(&lead_email).await), 1);
    let (_, audit) = call(&host.url, Method::GET, "/v1/tickets/HD-1001/audit", &admin, None).await;
    let breaches = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "sla.breached")
        .count();
    assert_eq!(breaches, 1, "{audit}");
}
