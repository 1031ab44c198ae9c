//! The metrics consumer against DynamoDB Local, through its entry point and the sample's
//! envelope: tickets made, answered and solved over two days, every event delivered twice,
//! and the figures read back match a hand count and exact durations.

use std::collections::BTreeSet;
use test_support::HandClock;

use aws_lambda_events::event::sqs::SqsEvent;
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::NaiveDate;
use lambda_runtime::LambdaEvent;
use reports::{Deps, handle_events};
use serde_json::{Value, json};
use shared::adapters::dynamodb::DynamoStore;
use shared::domain::metrics::Dimension;
use shared::domain::{
    Channel, EmailAddress, Precondition, Principal, Priority, RequesterDetails, Role, Status, SupportLevel, Ticket,
    TicketEvent, TicketPatch, TicketRef,
};
use shared::usecases::desk::{NewTicket, TicketDesk};
use shared::usecases::metrics::{MetricsQuery, figures};

fn admin() -> Principal {
    Principal {
        subject: "agent-1".into(),
        email: None,
        role: Role::Admin,
        departments: BTreeSet::new(),
    }
}

fn new_ticket(channel: Channel, priority: Priority) -> NewTicket {
    NewTicket {
        subject: "Printer".into(),
        body: "It is on fire.".into(),
        requester: RequesterDetails::new(None, Some(EmailAddress::parse("jana@example.cz").unwrap()), None, None)
            .unwrap(),
        channel,
        priority,
        ticket_type: None,
        department: None,
        assignee: None,
        support_level: SupportLevel::L1,
        tags: BTreeSet::new(),
        custom_fields: Default::default(),
        cc: vec![],
    }
}

/// The ticket's events as the bus carries them: the `event` text of its audit items.
async fn published(client: &aws_sdk_dynamodb::Client, table: &str, ticket: &Ticket) -> Vec<TicketEvent> {
    let out = client
        .query()
        .table_name(table)
        .key_condition_expression("pk = :pk AND begins_with(sk, :events)")
        .expression_attribute_values(":pk", AttributeValue::S(format!("TICKET#{}", ticket.id)))
        .expression_attribute_values(":events", AttributeValue::S("EVENT#".into()))
        .send()
        .await
        .unwrap();
    out.items()
        .iter()
        .map(|item| serde_json::from_str(item["event"].as_s().unwrap()).unwrap())
        .collect()
}

fn via_sqs(event: &TicketEvent) -> SqsEvent {
    let path = format!(
        "{}/../../events/reports/ticket-event-via-sqs.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut sqs: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut body: Value = serde_json::from_str(sqs["Records"][0]["body"].as_str().unwrap()).unwrap();
    body["detail"]["type"] = json!(event.event_type);
    body["detail"]["ticket_id"] = json!(event.ticket_id);
    body["detail"]["event"] = json!(serde_json::to_string(event).unwrap());
    sqs["Records"][0]["body"] = json!(body.to_string());
    serde_json::from_value(sqs).unwrap()
}

#[tokio::test]
async fn redelivered_events_count_once_and_the_figures_match_a_hand_count() {
    let sdk = test_support::local_sdk().await;
    let table = test_support::fresh_table(&sdk).await;
    let client = aws_sdk_dynamodb::Client::new(&sdk);
    let store = DynamoStore::new(client.clone(), &table);
    let clock = HandClock::at("2026-12-01T08:00:00Z");
    let desk = TicketDesk::new(store.clone(), clock.clone());
    let who = admin();

    // Day 1: an email ticket answered in 30 minutes and solved with that one reply; a phone
    // ticket answered in 2 hours, then solved the next day after a second reply.
    let (a, _) = desk
        .create_ticket(&who, new_ticket(Channel::Email, Priority::High))
        .await
        .unwrap();
    clock.set("2026-12-01T08:30:00Z");
    desk.reply(
        &who,
        TicketRef::Id(a.id),
        "On it.".into(),
        Some(Status::Resolved),
        vec![],
    )
    .await
    .unwrap();
    clock.set("2026-12-01T10:00:00Z");
    let (b, _) = desk
        .create_ticket(&who, new_ticket(Channel::Phone, Priority::Normal))
        .await
        .unwrap();
    clock.set("2026-12-01T12:00:00Z");
    desk.reply(&who, TicketRef::Id(b.id), "Looking.".into(), None, vec![])
        .await
        .unwrap();
    clock.set("2026-12-02T09:00:00Z");
    desk.reply(&who, TicketRef::Id(b.id), "Fixed.".into(), None, vec![])
        .await
        .unwrap();
    let solved = TicketPatch {
        status: Some(Status::Resolved),
        ..Default::default()
    };
    desk.update_ticket(&who, TicketRef::Id(b.id), Precondition::Any, solved)
        .await
        .unwrap();
    // Day 2: an email ticket still open at the end.
    clock.set("2026-12-02T15:00:00Z");
    let (c, _) = desk
        .create_ticket(&who, new_ticket(Channel::Email, Priority::Low))
        .await
        .unwrap();

    let deps = Deps {
        store: store.clone(),
        ses_domain: "email.amazonses.com".into(),
    };
    for ticket in [&a, &b, &c] {
        for event in published(&client, &table, ticket).await {
            assert!(event.ticket.is_some(), "every committed event carries the ticket");
            for _ in 0..2 {
                let response = handle_events(&deps, LambdaEvent::new(via_sqs(&event), Default::default()))
                    .await
                    .unwrap();
                assert!(response.batch_item_failures.is_empty(), "{response:?}");
            }
        }
    }

    let day = |d: &str| NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap();
    let query = |group_by| MetricsQuery {
        from: day("2026-12-01"),
        to: day("2026-12-02"),
        group_by,
        tz: chrono_tz::UTC,
    };
    let days = figures(&store, &query(Dimension::All)).await.unwrap();
    let by_day: Vec<Value> = days
        .iter()
        .map(|d| {
            json!([
                d.figure("created"),
                d.figure("solved"),
                d.figure("backlog"),
                d.figure("replies"),
                d.figure("fcr")
            ])
        })
        .collect();
    assert_eq!(by_day, [json!([2, 1, 1, 2, 1]), json!([1, 1, 1, 1, 0])]);
    let total = &shared::domain::metrics::figures::totals(&days)[0];
    assert_eq!(total.figure("replies_per_solved"), json!(1.5));
    assert_eq!(total.figure("fcr_rate"), json!(0.5));
    // First responses of 30 min and 2 h: the median's bucket is 30–45 min, p90's 2–3 h.
    let p50 = total.figure("first_response_p50_s").as_i64().unwrap();
    let p90 = total.figure("first_response_p90_s").as_i64().unwrap();
    assert!((1800..=2700).contains(&p50), "{p50}");
    assert!((7200..=10800).contains(&p90), "{p90}");

    let channels = figures(&store, &query(Dimension::Channel)).await.unwrap();
    let created = |channel: &str| -> i64 {
        channels
            .iter()
            .filter(|d| d.group == channel)
            .map(|d| d.figure("created").as_i64().unwrap())
            .sum()
    };
    assert_eq!((created("email"), created("phone")), (2, 1));
}
