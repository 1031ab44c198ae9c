//! The one-off rebuild (`{"rebuild": …}` to the reports function, `cargo xtask metrics
//! rebuild` locally) against DynamoDB Local: with part of the events never counted, a rebuild
//! of the period gives the hand count, a second rebuild changes nothing, and the backlog now
//! stays true.

use std::collections::BTreeSet;
use test_support::HandClock;

use chrono::NaiveDate;
use reports::{Ran, ReportMailer, handle_schedule};
use serde_json::json;
use shared::adapters::dynamodb::DynamoStore;
use shared::adapters::sesv2::SesMailer;
use shared::domain::metrics::Dimension;
use shared::domain::metrics::figures::totals;
use shared::domain::{
    Channel, EmailAddress, Principal, Priority, RequesterDetails, Role, Status, SupportLevel, TicketRef,
};
use shared::ports::MetricsStore;
use shared::usecases::desk::{NewTicket, TicketDesk};
use shared::usecases::metrics::{MetricsQuery, figures, record_event};

fn new_ticket(channel: Channel) -> NewTicket {
    NewTicket {
        subject: "Printer".into(),
        body: "It is on fire.".into(),
        requester: RequesterDetails::new(None, Some(EmailAddress::parse("jana@example.cz").unwrap()), None, None)
            .unwrap(),
        channel,
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

fn day(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

#[tokio::test]
async fn a_rebuild_recounts_a_period_from_the_tickets_once_however_often_it_runs() {
    let sdk = test_support::local_sdk().await;
    let table = test_support::fresh_table(&sdk).await;
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&sdk), &table);
    let clock = HandClock::at("2026-12-01T08:00:00Z");
    let desk = TicketDesk::new(store.clone(), clock.clone());
    let who = Principal {
        subject: "agent-1".into(),
        email: None,
        role: Role::Admin,
        departments: BTreeSet::new(),
    };
    // 1 December: an email ticket solved with one reply; a phone ticket left open.
    let (a, _) = desk.create_ticket(&who, new_ticket(Channel::Email)).await.unwrap();
    clock.set("2026-12-01T09:00:00Z");
    desk.reply(
        &who,
        TicketRef::Id(a.id),
        "Done.".into(),
        Some(Status::Resolved),
        vec![],
    )
    .await
    .unwrap();
    clock.set("2026-12-01T10:00:00Z");
    let (b, _) = desk.create_ticket(&who, new_ticket(Channel::Phone)).await.unwrap();
    // 2 December: another email ticket, solved on the 3rd.
    clock.set("2026-12-02T10:00:00Z");
    let (c, _) = desk.create_ticket(&who, new_ticket(Channel::Email)).await.unwrap();
    clock.set("2026-12-03T10:00:00Z");
    desk.reply(
        &who,
        TicketRef::Id(c.id),
        "Done.".into(),
        Some(Status::Resolved),
        vec![],
    )
    .await
    .unwrap();

    // Only A's events reached the metrics consumer; B's and C's were lost.
    for event in store.ticket_events(a.id).await.unwrap() {
        record_event(&store, &event).await.unwrap();
    }
    let _ = b;

    let deps = ReportMailer {
        store: store.clone(),
        mailer: SesMailer::new(aws_sdk_sesv2::Client::new(&sdk), None),
        from: EmailAddress::parse("support@help.example.com").unwrap(),
    };
    let query = MetricsQuery {
        from: day("2026-12-01"),
        to: day("2026-12-03"),
        group_by: Dimension::Channel,
        tz: chrono_tz::UTC,
    };
    let figure = |days: &[shared::domain::metrics::figures::DayFigures], channel: &str, name: &str| {
        totals(days)
            .into_iter()
            .find(|t| t.group == channel)
            .map_or(json!(null), |t| t.figure(name))
    };
    let before = figures(&store, &query).await.unwrap();
    assert_eq!(figure(&before, "email", "created"), json!(1), "only A was counted");

    for _ in 0..2 {
        let ran = handle_schedule(
            &deps,
            json!({"rebuild": {"from": "2026-12-01", "to": "2026-12-03", "since": "2026-11-01"}}),
        )
        .await
        .unwrap();
        let Ran::Rebuilt(rebuilt) = ran else { panic!("{ran:?}") };
        assert_eq!(rebuilt.tickets, 3);
        let after = figures(&store, &query).await.unwrap();
        assert_eq!(figure(&after, "email", "created"), json!(2));
        assert_eq!(figure(&after, "email", "solved"), json!(2));
        assert_eq!(figure(&after, "email", "fcr"), json!(2));
        assert_eq!(figure(&after, "phone", "created"), json!(1));
        // The backlog at the period's end (and now): B open, A and C solved.
        assert_eq!(figure(&after, "phone", "backlog"), json!(1));
        assert_eq!(figure(&after, "email", "backlog"), json!(0));
        let all = figures(
            &store,
            &MetricsQuery {
                group_by: Dimension::All,
                ..query.clone()
            },
        )
        .await
        .unwrap();
        assert_eq!(figure(&all, "all", "created"), json!(3));
        assert_eq!(figure(&all, "all", "backlog"), json!(1));
    }

    let bad = handle_schedule(&deps, json!({"rebuild": {"from": "yesterday", "to": "2026-12-03"}})).await;
    assert!(bad.is_err());
}
