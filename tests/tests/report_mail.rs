//! The scheduled report mail end to end (issue 14's "done when"): tickets seeded over two
//! weeks on the dev host's table (a desk on a hand-set clock, their events piped to the bus and
//! counted by the metrics consumer), a manager's weekly subscription made through the API, and
//! the `reports` function invoked at the subscription's hour the way
//! `cargo xtask invoke reports --at` does: exactly one mail in moto's SES outbox with the
//! charts inline and a CSV equal to `GET /v1/metrics` and to a hand count; invoking again (and
//! a retried run that finds the period already mailed) sends nothing new.

use std::collections::BTreeSet;
use test_support::HandClock;

use devhost::clock::DevClock;
use devhost::invoke::INVOKE_PATH;
use devhost::testing::{TestHost, unique};
use e2e::{call, sent_mail};
use mail_parser::{MessageParser, MimeHeaders};
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};
use shared::adapters::dynamodb::DynamoStore;
use shared::domain::{
    Channel, EmailAddress, Principal, Priority, RequesterDetails, Role, Status, SupportLevel, TicketRef, Timestamp,
};
use shared::ports::ReportSubscriptionStore;
use shared::usecases::desk::{NewTicket, TicketDesk};

fn ticket(n: usize) -> NewTicket {
    NewTicket {
        subject: format!("Printer {n}"),
        body: "It is on fire.".into(),
        requester: RequesterDetails::new(
            None,
            Some(EmailAddress::parse(&format!("{}@customer.example", unique("seed"))).unwrap()),
            None,
            None,
        )
        .unwrap(),
        channel: Channel::Email,
        priority: Priority::Normal,
        ticket_type: None,
        department: None,
        assignee: None,
        support_level: SupportLevel::L1,
        tags: BTreeSet::new(),
        custom_fields: Default::default(),
        cc: vec![],
    }
}

async fn invoke(host: &TestHost, at: &str) -> Value {
    let response = Client::new()
        .post(format!("{}{INVOKE_PATH}/reports", host.url))
        .json(&json!({ "time": at }))
        .send()
        .await
        .unwrap();
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

/// The CSV's rows as maps of column to cell.
fn rows(csv: &str) -> Vec<std::collections::BTreeMap<String, String>> {
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    lines
        .map(|l| {
            header
                .iter()
                .map(|h| h.to_string())
                .zip(l.split(',').map(str::to_owned))
                .collect()
        })
        .collect()
}

#[tokio::test]
async fn a_due_weekly_subscription_mails_one_report_with_charts_and_the_metrics_csv() {
    // The manager subscribes on Wednesday 25 November 2026.
    let wednesday = chrono::DateTime::parse_from_rfc3339("2026-11-25T12:00:00Z")
        .unwrap()
        .to_utc();
    let host = TestHost::start_with_clock(DevClock::starting_at(wednesday)).await;
    let mut pipe = host.pipe().await;

    // Seed: the week of 23–29 November (Prague) and one ticket the week before.
    let clock = HandClock::at("2026-11-17T09:00:00Z");
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(host.sdk()), &host.host.names.table);
    let desk = TicketDesk::new(store.clone(), clock.clone());
    let who = Principal {
        subject: "seed-agent".into(),
        email: None,
        role: Role::Admin,
        departments: BTreeSet::new(),
    };
    let reply = |id, status| desk.reply(&who, TicketRef::Id(id), "Done.".into(), status, vec![]);
    // Previous week: E created and solved on Tuesday 17th.
    let (e, _) = desk.create_ticket(&who, ticket(0)).await.unwrap();
    clock.set("2026-11-17T10:00:00Z");
    reply(e.id, Some(Status::Resolved)).await.unwrap();
    // Monday 23rd: A solved with its one reply half an hour later; B stays open.
    clock.set("2026-11-23T09:00:00Z");
    let (a, _) = desk.create_ticket(&who, ticket(1)).await.unwrap();
    clock.set("2026-11-23T09:30:00Z");
    reply(a.id, Some(Status::Resolved)).await.unwrap();
    clock.set("2026-11-23T10:00:00Z");
    desk.create_ticket(&who, ticket(2)).await.unwrap();
    // Wednesday 25th: C answered after two hours, solved on Thursday with a second reply.
    clock.set("2026-11-25T09:00:00Z");
    let (c, _) = desk.create_ticket(&who, ticket(3)).await.unwrap();
    clock.set("2026-11-25T11:00:00Z");
    reply(c.id, None).await.unwrap();
    clock.set("2026-11-26T09:00:00Z");
    reply(c.id, Some(Status::Resolved)).await.unwrap();
    // Friday 27th: D stays open.
    clock.set("2026-11-27T14:00:00Z");
    desk.create_ticket(&who, ticket(4)).await.unwrap();

    host.drain_events(&mut pipe).await;
    let counted = host.drain_metrics().await;
    assert!(counted >= 9, "the seeded events reach the metrics consumer: {counted}");

    let admin = host.token("admin", "admin@help.example.com", &[]);
    let lead = format!("{}@help.example.com", unique("lead"));
    let (status, subscription) = call(
        &host.url,
        Method::POST,
        "/v1/report-subscriptions",
        &admin,
        Some(json!({"recipients": [lead], "frequency": "weekly", "hour": 8, "time_zone": "Europe/Prague", "language": "cs"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{subscription}");
    // Monday 30 November, 08:00 in Prague.
    assert_eq!(subscription["next_send_at"], "2026-11-30T07:00:00.000Z");

    // An hour early: nothing is due.
    let early = invoke(&host, "2026-11-30T06:00:00Z").await;
    assert_eq!(early["due"], 0, "{early}");
    assert!(sent_mail(&lead).await.is_empty());

    let run = invoke(&host, "2026-11-30T07:00:00Z").await;
    assert_eq!((run["due"].clone(), run["sent"].clone()), (json!(1), json!(1)), "{run}");
    let mails = sent_mail(&lead).await;
    assert_eq!(mails.len(), 1);
    let message = MessageParser::default().parse(mails[0].as_bytes()).unwrap();
    assert_eq!(message.subject(), Some("Týdenní přehled: 2026-11-23 – 2026-11-29"));
    let pngs: Vec<_> = message
        .parts
        .iter()
        .filter(|p| {
            p.content_type()
                .is_some_and(|t| t.ctype() == "image" && t.subtype() == Some("png"))
        })
        .collect();
    assert!(pngs.len() >= 3, "{} PNG parts", pngs.len());
    let html = message.body_html(0).unwrap();
    for png in &pngs {
        assert!(png.contents().starts_with(b"\x89PNG"));
        let cid = png.content_id().unwrap();
        assert!(html.contains(&format!("cid:{cid}")), "the HTML shows {cid}");
    }
    let text = message.body_text(0).unwrap();
    assert!(text.contains("Nové tikety: 4 | 1 |"), "{text}");
    let csv_part = message
        .attachments()
        .find(|a| a.attachment_name().is_some_and(|n| n.ends_with(".csv")))
        .expect("a CSV attachment");
    let csv = String::from_utf8(csv_part.contents().to_vec()).unwrap();

    // The same figures as GET /v1/metrics for the period, zone and grouping.
    let api = Client::new()
        .get(format!(
            "{}/v1/metrics?from=2026-11-23&to=2026-11-29&tz=Europe/Prague&group_by=all",
            host.url
        ))
        .bearer_auth(&admin)
        .header("accept", "text/csv")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(csv, api);

    // And a hand count: 4 created (2 on Monday), A and C solved, A at first contact, B and D open.
    let rows = rows(&csv);
    assert_eq!(rows.len(), 7, "{csv}");
    let sum = |column: &str| -> i64 { rows.iter().map(|r| r[column].parse::<i64>().unwrap()).sum() };
    assert_eq!((sum("created"), sum("solved"), sum("fcr")), (4, 2, 1));
    let day = |d: &str| rows.iter().find(|r| r["day"] == d).unwrap().clone();
    assert_eq!(
        (
            day("2026-11-23")["created"].as_str(),
            day("2026-11-23")["solved"].as_str()
        ),
        ("2", "1")
    );
    assert_eq!(day("2026-11-26")["solved"], "1");
    assert_eq!(day("2026-11-29")["backlog"], "2");

    // Invoked again for the same hour: nothing is due, nothing new is sent.
    let again = invoke(&host, "2026-11-30T07:00:00Z").await;
    assert_eq!(again["due"], 0, "{again}");
    // A run retried after the mail went but before the subscription moved on finds the period
    // mailed: it moves on and sends nothing.
    let id = subscription["id"].as_str().unwrap().parse().unwrap();
    let moved = store.get_report_subscription(id).await.unwrap().unwrap();
    assert_eq!(moved.next_send_at, Timestamp::parse("2026-12-07T07:00:00Z").unwrap());
    assert!(
        store
            .advance_report_subscription(
                id,
                moved.next_send_at,
                Timestamp::parse("2026-11-30T07:00:00Z").unwrap()
            )
            .await
            .unwrap()
    );
    let retried = invoke(&host, "2026-11-30T07:05:00Z").await;
    assert_eq!(
        (
            retried["due"].clone(),
            retried["sent"].clone(),
            retried["already_sent"].clone()
        ),
        (json!(1), json!(0), json!(1)),
        "{retried}"
    );
    assert_eq!(sent_mail(&lead).await.len(), 1, "still one mail");
}
