//! The time sweep with a controlled clock ("now" is the schedule's time, an input), against
//! DynamoDB Local; SES is mocked only to count the mail sent.

use std::collections::BTreeSet;
use std::time::Duration as Budget;

use chrono::Duration;
use serde_json::json;
use shared::adapters::dynamodb::DynamoStore;
use shared::adapters::s3::S3Blobs;
use shared::adapters::sesv2::SesMailer;
use shared::domain::rules::RuleDraft;
use shared::domain::{
    Channel, EmailAddress, FixedClock, Principal, Priority, RequesterDetails, Role, SupportLevel, TicketId, Timestamp,
};
use shared::ports::{RuleStore, TicketStore};
use shared::usecases::desk::{NewTicket, TicketDesk};
use shared::usecases::intake::parse_support_addresses;
use shared::usecases::reactor::sweep::{SweepLimits, SweepReport, sweep_event_id};
use shared::usecases::reactor::{EventReactor, OutboundConfig};

fn admin() -> Principal {
    Principal {
        subject: "admin-1".into(),
        email: None,
        role: Role::Admin,
        departments: BTreeSet::new(),
    }
}

/// SES answering every send with success, counting them.
fn counting_ses(answers: usize) -> (SesMailer, aws_smithy_mocks::Rule) {
    use aws_sdk_sesv2::operation::send_email::SendEmailOutput;
    use aws_smithy_mocks::{RuleMode, mock, mock_client};
    let mut rule = mock!(aws_sdk_sesv2::Client::send_email).sequence();
    for _ in 0..answers {
        rule = rule.output(|| SendEmailOutput::builder().message_id("ses-1").build());
    }
    let rule = rule.build();
    let client = mock_client!(aws_sdk_sesv2, RuleMode::Sequential, [&rule]);
    (SesMailer::new(client, None), rule)
}

fn new_ticket(subject: &str) -> NewTicket {
    NewTicket {
        subject: subject.into(),
        body: "Please help".into(),
        requester: RequesterDetails::new(None, Some(EmailAddress::parse("r@example.cz").unwrap()), None, None).unwrap(),
        channel: Channel::Api,
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

/// A ticket item the store cannot read, listed as due: the one bad ticket among good ones.
async fn bad_ticket_due(sdk: &aws_config::SdkConfig, table: &str, due: Timestamp) -> TicketId {
    use aws_sdk_dynamodb::types::AttributeValue::S;
    let id = TicketId::generate(due);
    aws_sdk_dynamodb::Client::new(sdk)
        .put_item()
        .table_name(table)
        .item("pk", S(format!("TICKET#{id}")))
        .item("sk", S("TICKET".into()))
        .item("entity", S("ticket".into()))
        .item("subject", S("half a ticket".into()))
        .item("due_key", S("DUE".into()))
        .item("due_sk", S(format!("{due}#{id}")))
        .send()
        .await
        .unwrap();
    id
}

#[tokio::test]
async fn the_sweep_pages_through_what_is_due_skips_a_bad_ticket_and_mails_once_per_due_time() {
    let sdk = test_support::local_sdk().await;
    let table = test_support::fresh_table(&sdk).await;
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&sdk), &table);
    let start = Timestamp::parse("2026-11-23T09:00:00Z").unwrap();
    let desk = TicketDesk::new(store.clone(), FixedClock(start));
    let draft: RuleDraft = serde_json::from_value(json!({
        "name": "Tell operations about the silent",
        "position": 1,
        "triggers": [{"on": "time"}],
        "conditions": {"all": [{"field": "hours_since_updated", "op": "greater_than", "value": 72}]},
        "actions": [{"do": "send_email", "template": "urgent_ticket", "to": "address", "address": "ops@example.com"}]
    }))
    .unwrap();
    desk.create_rule(&admin(), draft).await.unwrap();
    let (first, _) = desk.create_ticket(&admin(), new_ticket("First")).await.unwrap();
    let (second, _) = desk.create_ticket(&admin(), new_ticket("Second")).await.unwrap();

    // The clock the reactor holds is far from the sweep's "now": only the event's time counts.
    let (mailer, sends) = counting_ses(10);
    let reactor = EventReactor::new(
        store.clone(),
        mailer,
        S3Blobs::new(test_support::s3_client(&sdk)),
        FixedClock(start),
        OutboundConfig {
            addresses: parse_support_addresses("support@help.example.com").unwrap(),
            max_attempts: 5,
            autoreplies_per_hour: 20,
        },
    );
    // One ticket a page: three pages of due tickets, and a last, empty one.
    let limits = SweepLimits {
        page: 1,
        budget: Budget::from_secs(600),
    };
    // Saving the rule asked the sweep to give the open tickets their next looks: 72 hours
    // after their last change.
    let report = reactor.sweep(start, limits).await.unwrap();
    assert_eq!(report.swept, 0);
    let far = Timestamp::new(start.as_datetime() + Duration::days(30));
    let scheduled = store.due_tickets(far, None, 10).await.unwrap();
    assert_eq!(scheduled.len(), 2, "{scheduled:?}");
    let due = scheduled[0].due;
    assert!(due > Timestamp::new(start.as_datetime() + Duration::hours(72)));
    assert!(scheduled.iter().all(|d| d.due == due), "{scheduled:?}");
    let mut tickets: Vec<TicketId> = scheduled.iter().map(|d| d.ticket).collect();
    tickets.sort();
    let mut expected = vec![first.id, second.id];
    expected.sort();
    assert_eq!(tickets, expected);
    let now = Timestamp::new(due.as_datetime() + Duration::minutes(5));
    let bad = bad_ticket_due(&sdk, &table, due).await;
    let report = reactor.sweep(now, limits).await.unwrap();
    assert_eq!(
        report,
        SweepReport {
            swept: 2,
            failed: 1,
            complete: true
        }
    );
    assert_eq!(sends.num_calls(), 2, "a mail for each good ticket");
    let left = store.due_tickets(now, None, 10).await.unwrap();
    assert_eq!(
        left.iter().map(|d| d.ticket).collect::<Vec<_>>(),
        [bad],
        "the bad ticket stays due; the good ones look again later"
    );

    // A sweep that crashed after the mail but before the next look was set runs again at the
    // same due time: the same event, so the same claims, and no mail goes twice.
    store.set_next_look(first.id, Some(due)).await.unwrap();
    let report = reactor.sweep(now, limits).await.unwrap();
    assert_eq!(report.swept, 1);
    assert_eq!(sends.num_calls(), 2, "no mail twice");
    assert_eq!(sweep_event_id(first.id, due), sweep_event_id(first.id, due));
}

/// Saving a time rule only asks; the sweep sets the open tickets' next looks within its
/// budget, and a run whose budget is spent leaves the rest to the next.
#[tokio::test]
async fn a_saved_time_rule_is_applied_by_the_sweep_within_its_budget() {
    let sdk = test_support::local_sdk().await;
    let table = test_support::fresh_table(&sdk).await;
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&sdk), &table);
    let start = Timestamp::parse("2026-11-23T09:00:00Z").unwrap();
    let desk = TicketDesk::new(store.clone(), FixedClock(start));
    let (waiting, _) = desk.create_ticket(&admin(), new_ticket("Waiting")).await.unwrap();
    let later = Timestamp::new(start.as_datetime() + Duration::hours(80));
    let desk = TicketDesk::new(store.clone(), FixedClock(later));
    let draft: RuleDraft = serde_json::from_value(json!({
        "name": "Tell operations about the silent",
        "position": 1,
        "triggers": [{"on": "time"}],
        "conditions": {"all": [{"field": "hours_since_updated", "op": "greater_than", "value": 72}]},
        "actions": [{"do": "add_tags", "tags": ["silent"]}]
    }))
    .unwrap();
    desk.create_rule(&admin(), draft).await.unwrap();
    assert!(store.reschedule_request().await.unwrap().is_some());
    // The request set no next look itself (the old inline rescan made the waiting ticket due
    // here, inside the API call): that is the sweep's work.
    assert!(
        store.due_tickets(later, None, 10).await.unwrap().is_empty(),
        "saving the rule looked at tickets"
    );

    let (mailer, _) = counting_ses(0);
    let reactor = EventReactor::new(
        store.clone(),
        mailer,
        S3Blobs::new(test_support::s3_client(&sdk)),
        FixedClock(later),
        OutboundConfig {
            addresses: parse_support_addresses("support@help.example.com").unwrap(),
            max_attempts: 5,
            autoreplies_per_hour: 20,
        },
    );
    let spent = SweepLimits {
        page: 100,
        budget: Budget::ZERO,
    };
    let report = reactor.sweep(later, spent).await.unwrap();
    assert!(!report.complete);
    assert!(store.reschedule_request().await.unwrap().is_some(), "still to do");
    let limits = SweepLimits {
        page: 100,
        budget: Budget::from_secs(600),
    };
    let report = reactor.sweep(later, limits).await.unwrap();
    assert_eq!(report.swept, 1, "{report:?}");
    assert!(store.reschedule_request().await.unwrap().is_none());
    let tagged = store.get_ticket(waiting.id).await.unwrap().unwrap();
    assert!(tagged.tags.iter().any(|t| t.as_str() == "silent"), "{tagged:?}");
}
