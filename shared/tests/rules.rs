//! Rules against the local stack: the time sweep with a controlled clock, and round-robin
//! assignment under many concurrent events.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use chrono::Duration;
use futures::future::join_all;
use serde_json::json;
use shared::adapters::dynamodb::DynamoStore;
use shared::adapters::s3::S3Blobs;
use shared::adapters::sesv2::SesMailer;
use shared::desk::{NewAgent, NewTicket, TicketDesk};
use shared::domain::rules::{AssignStrategy, Assigner, RuleDraft};
use shared::domain::{
    Actor, AuditEvent, Channel, Clock, DepartmentId, EmailAddress, EventType, Precondition, Principal, Priority,
    RequesterDetails, Role, Seniority, Status, SupportLevel, TicketPatch, TicketRef, Timestamp,
};
use shared::intake::parse_support_addresses;
use shared::outbound::automation::TableAssigner;
use shared::outbound::{EventReactor, OutboundConfig};
use shared::ports::{PageRequest, RuleStore, TicketStore};

/// A clock the test moves.
#[derive(Clone)]
struct Hands(Arc<Mutex<Timestamp>>);

impl Hands {
    fn at(text: &str) -> Self {
        Self(Arc::new(Mutex::new(Timestamp::parse(text).unwrap())))
    }
    fn advance(&self, by: Duration) {
        let mut t = self.0.lock().unwrap();
        *t = Timestamp::new(t.as_datetime() + by);
    }
}

impl Clock for Hands {
    fn now(&self) -> Timestamp {
        *self.0.lock().unwrap()
    }
}

fn admin() -> Principal {
    Principal {
        subject: "admin-1".into(),
        email: None,
        role: Role::Admin,
        departments: BTreeSet::new(),
    }
}

async fn store() -> DynamoStore {
    let sdk = devhost::testing::local_sdk().await;
    let table = devhost::testing::fresh_table(&sdk).await;
    DynamoStore::new(aws_sdk_dynamodb::Client::new(&sdk), table)
}

#[tokio::test]
async fn the_sweep_runs_time_rules_when_they_come_due_and_not_before() {
    let sdk = devhost::testing::local_sdk().await;
    let store = store().await;
    let hands = Hands::at("2026-11-23T09:00:00Z");
    let desk = TicketDesk::new(store.clone(), hands.clone());
    let reactor = EventReactor::new(
        store.clone(),
        SesMailer::new(aws_sdk_sesv2::Client::new(&sdk), None),
        S3Blobs::new(devhost::local::s3_client(&sdk)),
        hands.clone(),
        OutboundConfig {
            addresses: parse_support_addresses("support@help.example.com").unwrap(),
            max_attempts: 5,
            autoreplies_per_hour: 3,
        },
    );
    let draft: RuleDraft = serde_json::from_value(json!({
        "name": "Close the silent",
        "position": 1,
        "triggers": [{"on": "time"}],
        "conditions": {"all": [
            {"field": "status", "op": "is", "value": "pending"},
            {"field": "hours_since_updated", "op": "greater_than", "value": 72}
        ]},
        "actions": [{"do": "set_status", "status": "resolved"}, {"do": "add_tags", "tags": ["auto-resolved"]}]
    }))
    .unwrap();
    desk.create_rule(&admin(), draft).await.unwrap();

    let (ticket, _) = desk
        .create_ticket(
            &admin(),
            NewTicket {
                subject: "Waiting for you".into(),
                body: "Please send the logs".into(),
                requester: RequesterDetails::new(None, Some(EmailAddress::parse("q@example.cz").unwrap()), None, None)
                    .unwrap(),
                channel: Channel::Api,
                priority: Priority::Normal,
                ticket_type: None,
                department: None,
                assignee: None,
                support_level: SupportLevel::L1,
                tags: BTreeSet::new(),
                custom_fields: Default::default(),
                cc: vec![],
            },
        )
        .await
        .unwrap();
    let patch = TicketPatch {
        status: Some(Status::Pending),
        ..Default::default()
    };
    desk.update_ticket(&admin(), TicketRef::Id(ticket.id), Precondition::Any, patch)
        .await
        .unwrap();
    // The reactor sees the change and works out when to look again.
    let events = store
        .list_events(
            ticket.id,
            &PageRequest {
                limit: 10,
                cursor: None,
            },
        )
        .await
        .unwrap()
        .items;
    let changed: &AuditEvent = events
        .iter()
        .find(|e| e.event_type == EventType::TicketUpdated)
        .unwrap();
    reactor.react(changed, 1).await.unwrap();

    hands.advance(Duration::hours(71));
    assert_eq!(reactor.sweep(100).await.unwrap(), 0, "not due yet: nothing is read");
    hands.advance(Duration::hours(2));
    assert_eq!(reactor.sweep(100).await.unwrap(), 1);
    let after = store.get_ticket(ticket.id).await.unwrap().unwrap();
    assert_eq!(after.status, Status::Resolved);
    assert!(after.tags.iter().any(|t| t.as_str() == "auto-resolved"));
    let events = store
        .list_events(
            ticket.id,
            &PageRequest {
                limit: 10,
                cursor: None,
            },
        )
        .await
        .unwrap()
        .items;
    assert!(
        events
            .iter()
            .any(|e| matches!(&e.actor, Actor::Rule { name, .. } if name == "Close the silent"))
    );
    // Resolved, the rule no longer applies: the sweep has nothing more to do.
    hands.advance(Duration::hours(100));
    reactor.sweep(100).await.unwrap();
    // The reactor gave the new desk its default rules too (no address here has a department).
    assert_eq!(store.list_rules().await.unwrap().len(), 4);
    assert_eq!(
        store.get_ticket(ticket.id).await.unwrap().unwrap().status,
        Status::Resolved
    );
}

#[tokio::test]
async fn round_robin_hands_out_turns_fairly_under_concurrent_events() {
    let store = store().await;
    let desk = TicketDesk::new(store.clone(), Hands::at("2026-11-23T09:00:00Z"));
    let billing = DepartmentId::parse("billing").unwrap();
    desk.create_department(&admin(), billing.clone(), "Billing".into(), None)
        .await
        .unwrap();
    for n in 0..4 {
        desk.create_agent(
            &admin(),
            NewAgent {
                email: EmailAddress::parse(&format!("rr{n}@help.example.com")).unwrap(),
                name: format!("Agent {n}"),
                role: Role::Agent,
                seniority: Seniority::Regular,
                departments: [billing.clone()].into(),
            },
        )
        .await
        .unwrap();
    }
    let picks = join_all((0..20).map(|_| {
        let store = store.clone();
        let billing = billing.clone();
        async move {
            let mut assigner = TableAssigner {
                store: &store,
                now: Timestamp::parse("2026-11-23T09:00:00Z").unwrap(),
                dry_run: false,
            };
            assigner.pick(AssignStrategy::RoundRobin, Some(&billing)).await.unwrap()
        }
    }))
    .await;
    let mut per_agent = BTreeMap::new();
    for agent in picks {
        *per_agent.entry(agent).or_insert(0) += 1;
    }
    assert_eq!(per_agent.len(), 4);
    assert!(per_agent.values().all(|n| *n == 5), "{per_agent:?}");
}

/// A team's webhook receiver: answers with the statuses given, in turn (the last one after),
/// and keeps what it was sent.
type Call = (axum::http::HeaderMap, Vec<u8>);

#[derive(Clone, Default)]
struct Receiver {
    answers: Vec<u16>,
    seen: Arc<Mutex<Vec<Call>>>,
}

impl Receiver {
    async fn start(answers: Vec<u16>) -> (Self, String) {
        let receiver = Self {
            answers,
            seen: Default::default(),
        };
        let state = receiver.clone();
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(
                |axum::extract::State(r): axum::extract::State<Receiver>,
                 headers: axum::http::HeaderMap,
                 body: axum::body::Bytes| async move {
                    let mut seen = r.seen.lock().unwrap();
                    seen.push((headers, body.to_vec()));
                    let status = r.answers[(seen.len() - 1).min(r.answers.len() - 1)];
                    axum::http::StatusCode::from_u16(status).unwrap()
                },
            ),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app.with_state(state)).await });
        (receiver, url)
    }

    fn seen(&self) -> Vec<Call> {
        self.seen.lock().unwrap().clone()
    }
}

#[tokio::test]
async fn webhooks_are_signed_retried_and_a_failure_is_noted_on_the_ticket() {
    let sdk = devhost::testing::local_sdk().await;
    let store = store().await;
    let hands = Hands::at("2026-11-23T09:00:00Z");
    let desk = TicketDesk::new(store.clone(), hands.clone());
    let reactor = EventReactor::new(
        store.clone(),
        SesMailer::new(aws_sdk_sesv2::Client::new(&sdk), None),
        S3Blobs::new(devhost::local::s3_client(&sdk)),
        hands.clone(),
        OutboundConfig {
            addresses: parse_support_addresses("support@help.example.com").unwrap(),
            max_attempts: 5,
            autoreplies_per_hour: 3,
        },
    )
    .with_webhook_backoff(vec![std::time::Duration::from_millis(10); 2]);
    let (flaky, flaky_url) = Receiver::start(vec![500, 500, 204]).await;
    let (down, down_url) = Receiver::start(vec![503]).await;
    let secret = "s3cret-s3cret-s3cret";
    for (position, url) in [(1, &flaky_url), (2, &down_url)] {
        let draft: RuleDraft = serde_json::from_value(json!({
            "name": format!("hook {position}"), "position": position,
            "triggers": [{"on": "ticket_created"}],
            "actions": [{"do": "webhook", "url": url, "secret": secret}]
        }))
        .unwrap();
        desk.create_rule(&admin(), draft).await.unwrap();
    }
    let (ticket, _) = desk
        .create_ticket(
            &admin(),
            NewTicket {
                subject: "Hook me".into(),
                body: "x".into(),
                requester: RequesterDetails::new(None, Some(EmailAddress::parse("h@example.cz").unwrap()), None, None)
                    .unwrap(),
                channel: Channel::Api,
                priority: Priority::Normal,
                ticket_type: None,
                department: None,
                assignee: None,
                support_level: SupportLevel::L1,
                tags: BTreeSet::new(),
                custom_fields: Default::default(),
                cc: vec![],
            },
        )
        .await
        .unwrap();
    let page = PageRequest {
        limit: 10,
        cursor: None,
    };
    let created = store.list_events(ticket.id, &page).await.unwrap().items.remove(0);
    reactor.react(&created, 1).await.unwrap();
    // Delivered again, the event calls nobody again.
    reactor.react(&created, 2).await.unwrap();

    let calls = flaky.seen();
    assert_eq!(calls.len(), 3, "two 500s, then success");
    let delivery = calls[0].0["x-lambdesk-delivery"].clone();
    for (headers, body) in &calls {
        assert_eq!(
            headers["x-lambdesk-delivery"], delivery,
            "one delivery id across retries"
        );
        let timestamp: i64 = headers["x-lambdesk-timestamp"].to_str().unwrap().parse().unwrap();
        let expected = format!("sha256={}", shared::adapters::webhook::sign(secret, timestamp, body));
        assert_eq!(headers["x-lambdesk-signature"], expected.as_str());
        let json: serde_json::Value = serde_json::from_slice(body).unwrap();
        assert_eq!(json["event"], "ticket.created");
        assert_eq!(json["ticket"]["number"], "HD-1001");
    }
    assert_eq!(down.seen().len(), 3);
    let notes: Vec<String> = store
        .list_messages(ticket.id, &page)
        .await
        .unwrap()
        .items
        .into_iter()
        .filter(|m| m.visibility == shared::domain::Visibility::Internal)
        .map(|m| m.body_text)
        .collect();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(
        notes[0].contains(&down_url) && notes[0].contains("HTTP 503"),
        "{notes:?}"
    );
}
