//! The reactor against DynamoDB Local through an SDK interceptor that only counts requests or
//! fails the ones a test names (a throttled read): what a store error does to an event, and
//! what an event costs.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use aws_sdk_dynamodb::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::error::BoxError;
use chrono::Duration;
use serde_json::json;
use shared::adapters::dynamodb::DynamoStore;
use shared::adapters::s3::S3Blobs;
use shared::adapters::sesv2::SesMailer;
use shared::domain::rules::RuleDraft;
use shared::domain::{
    Actor, Channel, Clock, EmailAddress, Principal, Priority, RequesterDetails, Role, SupportLevel, Timestamp,
};
use shared::ports::{PageRequest, TicketStore};
use shared::usecases::desk::{NewTicket, TicketDesk};
use shared::usecases::intake::parse_support_addresses;
use shared::usecases::reactor::{EventReactor, OutboundConfig, ReactorError};

/// Counts the DynamoDB requests a client sends, and fails those whose body holds `fail_on`
/// while armed.
#[derive(Debug, Default)]
struct Faults {
    requests: AtomicUsize,
    armed: AtomicBool,
    fail_on: String,
}

#[derive(Debug, Clone)]
struct Wire(Arc<Faults>);

impl Intercept for Wire {
    fn name(&self) -> &'static str {
        "test faults"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.0.requests.fetch_add(1, Ordering::SeqCst);
        let body = context.request().body().bytes().unwrap_or_default();
        if self.0.armed.load(Ordering::SeqCst) && std::str::from_utf8(body).is_ok_and(|b| b.contains(&self.0.fail_on)) {
            return Err("ProvisionedThroughputExceededException: injected by the test".into());
        }
        Ok(())
    }
}

#[derive(Clone)]
struct Hands(Arc<std::sync::Mutex<Timestamp>>);

impl Clock for Hands {
    fn now(&self) -> Timestamp {
        *self.0.lock().unwrap()
    }
}

impl Hands {
    fn advance(&self, by: Duration) {
        let mut t = self.0.lock().unwrap();
        *t = Timestamp::new(t.as_datetime() + by);
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

struct Setup {
    /// The store as the desk (and the test) sees it: no interceptor.
    store: DynamoStore,
    desk: TicketDesk<DynamoStore, Hands>,
    reactor: EventReactor<DynamoStore, SesMailer, S3Blobs, Hands>,
    faults: Arc<Faults>,
    hands: Hands,
}

/// A fresh table; the reactor's client goes through the interceptor.
async fn setup(fail_on: &str) -> Setup {
    let sdk = test_support::local_sdk().await;
    let table = test_support::fresh_table(&sdk).await;
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&sdk), &table);
    let faults = Arc::new(Faults {
        fail_on: fail_on.to_owned(),
        ..Default::default()
    });
    let wired = aws_sdk_dynamodb::Client::from_conf(
        aws_sdk_dynamodb::config::Builder::from(&sdk)
            .interceptor(Wire(faults.clone()))
            .build(),
    );
    let hands = Hands(Arc::new(std::sync::Mutex::new(
        Timestamp::parse("2026-11-23T09:00:00Z").unwrap(),
    )));
    let reactor = EventReactor::new(
        DynamoStore::new(wired, &table),
        SesMailer::new(aws_sdk_sesv2::Client::new(&sdk), None),
        S3Blobs::new(test_support::s3_client(&sdk)),
        hands.clone(),
        OutboundConfig {
            addresses: parse_support_addresses("support@help.example.com").unwrap(),
            max_attempts: 5,
            autoreplies_per_hour: 3,
        },
    );
    Setup {
        desk: TicketDesk::new(store.clone(), hands.clone()),
        store,
        reactor,
        faults,
        hands,
    }
}

const PAGE: PageRequest = PageRequest {
    limit: 20,
    cursor: None,
};

/// A throttled read of the agents is a store error: the event fails (SQS delivers it again)
/// and nothing is written, instead of the ticket silently staying unassigned.
#[tokio::test]
async fn a_store_error_while_assigning_fails_the_event_and_commits_nothing() {
    // The Query that lists the agents (partition AGENTS).
    let s = setup(r#"{"S":"AGENTS"}"#).await;
    let draft: RuleDraft = serde_json::from_value(json!({
        "name": "Share the work",
        "position": 1,
        "triggers": [{"on": "ticket_created"}],
        "actions": [{"do": "assign", "strategy": "round_robin"}, {"do": "add_tags", "tags": ["shared"]}]
    }))
    .unwrap();
    s.desk.create_rule(&admin(), draft).await.unwrap();
    let (ticket, _) = s.desk.create_ticket(&admin(), new_ticket("Throttled")).await.unwrap();
    let created = s.store.list_events(ticket.id, &PAGE).await.unwrap().items.remove(0);

    s.faults.armed.store(true, Ordering::SeqCst);
    let result = s.reactor.react(&created, 1).await;
    assert!(matches!(result, Err(ReactorError::Store(_))), "{result:?}");
    let after = s.store.get_ticket(ticket.id).await.unwrap().unwrap();
    assert_eq!(after.version, ticket.version, "nothing committed");
    assert!(after.tags.is_empty());
    let events = s.store.list_events(ticket.id, &PAGE).await.unwrap().items;
    assert!(!events.iter().any(|e| matches!(e.actor, Actor::Rule { .. })));

    // The redelivery, with the store answering again, applies the rule.
    s.faults.armed.store(false, Ordering::SeqCst);
    s.hands.advance(Duration::seconds(61));
    s.reactor.react(&created, 2).await.unwrap();
    let after = s.store.get_ticket(ticket.id).await.unwrap().unwrap();
    assert!(after.tags.iter().any(|t| t.as_str() == "shared"), "{after:?}");
}

/// The reactor's cost on the most common event: an update that fires no rule reads the rules
/// once, the ticket once, and claims and completes the step: at most 5 DynamoDB requests.
#[tokio::test]
async fn an_update_that_fires_no_rule_costs_at_most_five_requests() {
    let s = setup("never sent").await;
    let draft: RuleDraft = serde_json::from_value(json!({
        "name": "Tag the urgent",
        "position": 1,
        "triggers": [{"on": "ticket_created"}, {"on": "field_changed", "field": "status"}],
        "conditions": {"all": [{"field": "priority", "op": "is", "value": "urgent"}]},
        "actions": [{"do": "add_tags", "tags": ["urgent"]}]
    }))
    .unwrap();
    s.desk.create_rule(&admin(), draft).await.unwrap();
    let (ticket, _) = s.desk.create_ticket(&admin(), new_ticket("Quiet")).await.unwrap();
    let patch = shared::domain::TicketPatch {
        status: Some(shared::domain::Status::Open),
        ..Default::default()
    };
    s.desk
        .update_ticket(
            &admin(),
            shared::domain::TicketRef::Id(ticket.id),
            shared::domain::Precondition::Any,
            patch,
        )
        .await
        .unwrap();
    let events = s.store.list_events(ticket.id, &PAGE).await.unwrap().items;
    let updated = events
        .iter()
        .find(|e| e.event_type == shared::domain::EventType::TicketUpdated)
        .unwrap();

    let before = s.faults.requests.load(Ordering::SeqCst);
    let reactions = s.reactor.react(updated, 1).await.unwrap();
    let spent = s.faults.requests.load(Ordering::SeqCst) - before;
    assert!(
        matches!(&reactions[..], [shared::usecases::reactor::Reaction::Skipped(_, why)] if why == "no rule matched"),
        "{reactions:?}"
    );
    assert!(spent <= 5, "{spent} DynamoDB requests for an update no rule fired on");
}
