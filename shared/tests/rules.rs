//! Rules against the local stack: the time sweep with a controlled clock, round-robin and
//! least-loaded assignment under many concurrent events, and the agents' load counters.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use chrono::Duration;
use futures::future::join_all;
use serde_json::json;
use shared::adapters::cognito::CognitoDirectory;
use shared::adapters::dynamodb::DynamoStore;
use shared::adapters::s3::S3Blobs;
use shared::adapters::sesv2::SesMailer;
use shared::adapters::webhook::{WebhookSettings, WebhookTargets};
use shared::domain::rules::{AssignStrategy, Assigner, RuleDraft};
use shared::domain::{
    Actor, AgentId, AgentLoad, AsRead, AuditEvent, Channel, Clock, DepartmentId, EmailAddress, EventType, Precondition,
    Principal, Priority, RequesterDetails, Role, Seniority, Status, SupportLevel, Ticket, TicketId, TicketPatch,
    TicketRef, Timestamp,
};
use shared::ports::{ContactStore, PageRequest, RuleStore, StoreError, TicketStore};
use shared::usecases::desk::{AgentPatch, NewAgent, NewTicket, TicketDesk};
use shared::usecases::intake::parse_support_addresses;
use shared::usecases::reactor::automation::{MAX_AGENT_LOAD, TableAssigner};
use shared::usecases::reactor::sweep::SweepLimits;
use shared::usecases::reactor::{EventReactor, OutboundConfig, ReactorError};

/// A sweep with room for everything a test makes due (the budget is a guard, not a measure).
const LIMITS: SweepLimits = SweepLimits {
    page: 100,
    budget: std::time::Duration::from_secs(600),
};

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

/// The agents' accounts in a user pool of this test's own (moto).
async fn accounts() -> CognitoDirectory {
    let sdk = test_support::local_sdk().await;
    let pool = test_support::user_pool::fresh(&sdk).await;
    CognitoDirectory::new(test_support::user_pool::client(&sdk), pool)
}

async fn store() -> DynamoStore {
    let sdk = test_support::local_sdk().await;
    let table = test_support::fresh_table(&sdk).await;
    DynamoStore::new(aws_sdk_dynamodb::Client::new(&sdk), table)
}

#[tokio::test]
async fn the_sweep_runs_time_rules_when_they_come_due_and_not_before() {
    let sdk = test_support::local_sdk().await;
    let store = store().await;
    let hands = Hands::at("2026-11-23T09:00:00Z");
    let desk = TicketDesk::new(store.clone(), hands.clone());
    let reactor = EventReactor::new(
        store.clone(),
        SesMailer::new(aws_sdk_sesv2::Client::new(&sdk), None),
        S3Blobs::new(test_support::s3_client(&sdk)),
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
        .create_ticket(&admin(), new_ticket("Waiting for you", "q@example.cz"))
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
    assert_eq!(
        reactor.sweep(hands.now(), LIMITS).await.unwrap().swept,
        0,
        "not due yet: nothing is read"
    );
    hands.advance(Duration::hours(2));
    assert_eq!(reactor.sweep(hands.now(), LIMITS).await.unwrap().swept, 1);
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
    reactor.sweep(hands.now(), LIMITS).await.unwrap();
    // The reactor gave the new desk its default rules too (no address here has a department):
    // four (machines, auto-close, urgent, SLA), the bad-rating rule (disabled) and this test's own.
    assert_eq!(store.list_rules().await.unwrap().len(), 6);
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
    let accounts = accounts().await;
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
            &accounts,
        )
        .await
        .unwrap();
    }
    let picks = join_all((0..20).map(|_| {
        let store = store.clone();
        let billing = billing.clone();
        async move {
            let mut assigner = TableAssigner::new(&store, Timestamp::parse("2026-11-23T09:00:00Z").unwrap(), false);
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

/// The dev host's switch: webhooks to this test's loopback receivers.
const LOOPBACK: WebhookTargets = WebhookTargets {
    allow_loopback_http: true,
};

/// Webhooks to this test's loopback receivers, for sending.
fn loopback_webhooks() -> WebhookSettings {
    WebhookSettings {
        timeout: std::time::Duration::from_secs(5),
        backoff: vec![],
        targets: LOOPBACK,
    }
}

#[tokio::test]
async fn webhooks_to_our_own_network_are_refused_at_save_and_at_send() {
    let sdk = test_support::local_sdk().await;
    let store = store().await;
    let hands = Hands::at("2026-11-23T09:00:00Z");
    let desk = TicketDesk::new(store.clone(), hands.clone());
    let hook = |url: &str| {
        serde_json::from_value::<RuleDraft>(json!({
            "name": "hook", "position": 1,
            "triggers": [{"on": "ticket_created"}],
            "actions": [{"do": "webhook", "url": url, "secret": "s3cret-s3cret-s3cret"}]
        }))
        .unwrap()
    };
    // Refused under either policy: the metadata address, a private network, plain http out.
    for url in [
        "https://169.254.169.254/latest/meta-data/",
        "https://[::ffff:a9fe:a9fe]/latest/meta-data/",
        "http://10.0.0.7/hook",
        "https://192.168.1.1/hook",
        "http://hooks.example.com/hook",
    ] {
        match desk.create_rule(&admin(), hook(url)).await {
            Err(shared::usecases::desk::DeskError::Domain(shared::domain::DomainError::Invalid { field, .. })) => {
                assert_eq!(field, "actions[0].url", "{url}")
            }
            other => panic!("{url}: {other:?}"),
        }
    }
    // A rule stored before these checks still cannot reach loopback: refused at send, noted.
    let (receiver, url) = Receiver::start(vec![204]).await;
    let stored = url.replace("http://", "https://");
    let now = hands.now();
    let rule = shared::domain::rules::Rule::from_draft(shared::domain::RuleId::generate(now), hook(&stored), now, now);
    store.put_rule(&rule, true).await.unwrap();
    let reactor = EventReactor::new(
        store.clone(),
        SesMailer::new(aws_sdk_sesv2::Client::new(&sdk), None),
        S3Blobs::new(test_support::s3_client(&sdk)),
        hands.clone(),
        OutboundConfig {
            addresses: parse_support_addresses("support@help.example.com").unwrap(),
            max_attempts: 5,
            autoreplies_per_hour: 3,
        },
    );
    let (ticket, _) = desk
        .create_ticket(&admin(), new_ticket("Hook me", "h@example.cz"))
        .await
        .unwrap();
    let page = PageRequest {
        limit: 10,
        cursor: None,
    };
    let created = store.list_events(ticket.id, &page).await.unwrap().items.remove(0);
    reactor.react(&created, 1).await.unwrap();
    assert!(receiver.seen().is_empty());
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
        notes[0].contains("was not called") && notes[0].contains("loopback"),
        "{notes:?}"
    );
}

#[tokio::test]
async fn webhooks_are_signed_retried_and_a_failure_is_noted_on_the_ticket() {
    let sdk = test_support::local_sdk().await;
    let store = store().await;
    let hands = Hands::at("2026-11-23T09:00:00Z");
    let desk = TicketDesk::new(store.clone(), hands.clone()).with_webhook_targets(LOOPBACK);
    let reactor = EventReactor::new(
        store.clone(),
        SesMailer::new(aws_sdk_sesv2::Client::new(&sdk), None),
        S3Blobs::new(test_support::s3_client(&sdk)),
        hands.clone(),
        OutboundConfig {
            addresses: parse_support_addresses("support@help.example.com").unwrap(),
            max_attempts: 5,
            autoreplies_per_hour: 3,
        },
    )
    .with_webhooks(loopback_webhooks());
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
        .create_ticket(&admin(), new_ticket("Hook me", "h@example.cz"))
        .await
        .unwrap();
    let page = PageRequest {
        limit: 10,
        cursor: None,
    };
    let created = store.list_events(ticket.id, &page).await.unwrap().items.remove(0);
    // A failed call fails the event: SQS delivers it again (after the claims' lease), and only
    // the calls that failed are made again, until the reactor's last attempt notes the failure.
    for attempt in 1..=4 {
        let result = reactor.react(&created, attempt).await;
        assert!(
            matches!(result, Err(ReactorError::WebhookRetry(_))),
            "{attempt}: {result:?}"
        );
        hands.advance(Duration::seconds(61));
    }
    assert_eq!((flaky.seen().len(), down.seen().len()), (3, 4));
    reactor.react(&created, 5).await.unwrap();
    // Delivered again, the event calls nobody again.
    hands.advance(Duration::seconds(61));
    reactor.react(&created, 6).await.unwrap();

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
    assert_eq!(down.seen().len(), 5, "one call per delivery of the event");
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

// ---- least-loaded assignment and the load counters --------------------------------------

type Reactor = EventReactor<DynamoStore, SesMailer, S3Blobs, Hands>;

async fn reactor(store: &DynamoStore, hands: &Hands) -> Reactor {
    let sdk = test_support::local_sdk().await;
    EventReactor::new(
        store.clone(),
        SesMailer::new(aws_sdk_sesv2::Client::new(&sdk), None),
        S3Blobs::new(test_support::s3_client(&sdk)),
        hands.clone(),
        OutboundConfig {
            addresses: parse_support_addresses("support@help.example.com").unwrap(),
            max_attempts: 5,
            autoreplies_per_hour: 3,
        },
    )
}

/// A department and `n` active agents in it, in id order.
async fn team(desk: &TicketDesk<DynamoStore, Hands>, department: &str, n: usize) -> (DepartmentId, Vec<AgentId>) {
    let id = DepartmentId::parse(department).unwrap();
    desk.create_department(&admin(), id.clone(), department.into(), None)
        .await
        .unwrap();
    let mut agents = vec![];
    let accounts = accounts().await;
    for i in 0..n {
        let agent = desk
            .create_agent(
                &admin(),
                NewAgent {
                    email: EmailAddress::parse(&format!("{department}{i}@help.example.com")).unwrap(),
                    name: format!("{department} {i}"),
                    role: Role::Agent,
                    seniority: Seniority::Regular,
                    departments: [id.clone()].into(),
                },
                &accounts,
            )
            .await
            .unwrap();
        agents.push(agent.id);
    }
    agents.sort();
    (id, agents)
}

/// A ticket as an agent records it by hand, from `email`, in no department.
fn new_ticket(subject: &str, email: &str) -> NewTicket {
    NewTicket {
        subject: subject.into(),
        body: "Please help".into(),
        requester: RequesterDetails::new(None, Some(EmailAddress::parse(email).unwrap()), None, None).unwrap(),
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

fn ticket_for(subject: &str, department: &DepartmentId, assignee: Option<AgentId>) -> NewTicket {
    NewTicket {
        department: Some(department.clone()),
        assignee,
        ..new_ticket(subject, "load@example.cz")
    }
}

async fn loads(store: &DynamoStore, agents: &[AgentId]) -> Vec<i64> {
    store
        .agent_loads(agents)
        .await
        .unwrap()
        .into_iter()
        .map(|l| l.count)
        .collect()
}

/// What the counters should say: each agent's unsolved tickets, counted one by one.
async fn true_loads(store: &DynamoStore, tickets: &[TicketId], agents: &[AgentId]) -> Vec<i64> {
    let mut held = BTreeMap::new();
    for id in tickets {
        let ticket = store.get_ticket(*id).await.unwrap().unwrap();
        if let Some(agent) = ticket.assignee.filter(|_| ticket.status.is_unsolved()) {
            *held.entry(agent).or_insert(0) += 1;
        }
    }
    agents.iter().map(|a| held.get(a).copied().unwrap_or(0)).collect()
}

#[tokio::test]
async fn load_counters_follow_every_change_of_who_carries_a_ticket() {
    let store = store().await;
    let desk = TicketDesk::new(store.clone(), Hands::at("2026-11-23T09:00:00Z"));
    let (billing, agents) = team(&desk, "billing", 3).await;
    let [a, b, c] = [agents[0], agents[1], agents[2]];
    let update = |id: TicketId, patch: TicketPatch| {
        let desk = &desk;
        async move {
            desk.update_ticket(&admin(), TicketRef::Id(id), Precondition::Any, patch)
                .await
                .unwrap()
        }
    };
    let assign = |to: Option<AgentId>| TicketPatch {
        assignee: Some(to),
        ..Default::default()
    };
    let status = |to: Status| TicketPatch {
        status: Some(to),
        ..Default::default()
    };

    let mut tickets = vec![];
    for (subject, assignee) in [
        ("one", Some(a)),
        ("two", Some(a)),
        ("three", None),
        ("four", Some(b)),
        ("five", Some(c)),
    ] {
        let (t, _) = desk
            .create_ticket(&admin(), ticket_for(subject, &billing, assignee))
            .await
            .unwrap();
        tickets.push(t.id);
    }
    assert_eq!(loads(&store, &agents).await, [2, 1, 1], "created with an assignee");
    let [one, two, three, four, five] = [tickets[0], tickets[1], tickets[2], tickets[3], tickets[4]];

    update(three, assign(Some(b))).await;
    update(one, assign(Some(c))).await;
    assert_eq!(loads(&store, &agents).await, [1, 2, 2], "assigned, then reassigned");
    update(two, status(Status::Resolved)).await;
    update(four, status(Status::Resolved)).await;
    assert_eq!(loads(&store, &agents).await, [0, 1, 2], "resolved");
    update(two, status(Status::Open)).await;
    update(four, status(Status::Closed)).await;
    assert_eq!(
        loads(&store, &agents).await,
        [1, 1, 2],
        "reopened; closing a resolved one moves nothing"
    );
    update(five, assign(None)).await;
    update(two, status(Status::Pending)).await;
    assert_eq!(
        loads(&store, &agents).await,
        [1, 1, 1],
        "unassigned; pending still counts"
    );
    // Resolved and handed over at once: the ticket is nobody's work any more.
    let both = TicketPatch {
        status: Some(Status::Resolved),
        assignee: Some(Some(a)),
        ..Default::default()
    };
    update(three, both).await;
    assert_eq!(loads(&store, &agents).await, [1, 0, 1]);
    // A merge closes the source: its agent carries one less; the target's carries on.
    desk.merge(&admin(), TicketRef::Id(one), TicketRef::Id(two))
        .await
        .unwrap();
    assert_eq!(loads(&store, &agents).await, [1, 0, 0], "merged");
    // A note changes nothing about who carries the ticket.
    desk.add_note(&admin(), TicketRef::Id(two), "noted".into())
        .await
        .unwrap();

    assert_eq!(
        loads(&store, &agents).await,
        true_loads(&store, &tickets, &agents).await
    );
}

#[tokio::test]
async fn a_write_on_a_load_that_moved_since_is_a_version_conflict() {
    let store = store().await;
    let desk = TicketDesk::new(store.clone(), Hands::at("2026-11-23T09:00:00Z"));
    let (billing, agents) = team(&desk, "billing", 2).await;
    let [a, b] = [agents[0], agents[1]];
    let (ticket, _) = desk
        .create_ticket(&admin(), ticket_for("t", &billing, None))
        .await
        .unwrap();
    let assign_to = |ticket: &Ticket, agent| {
        let system = Actor::System { cause: "test".into() };
        let mut revision = shared::domain::Revision::of(ticket, system, ticket.updated_at).unwrap();
        revision
            .patch(&shared::domain::TicketPatch {
                assignee: Some(Some(agent)),
                ..Default::default()
            })
            .unwrap();
        revision.into_write(&shared::domain::sla::SlaBook::empty()).unwrap()
    };
    // a was seen with 1 but has none: refused, whole.
    let stale = [AgentLoad { agent: a, count: 1 }];
    let result = store.commit_at_loads(&[assign_to(&ticket, a)], &stale).await;
    assert!(matches!(result, Err(StoreError::VersionConflict)), "{result:?}");
    // The same for an agent the write does not touch (a condition check).
    let stale = [AgentLoad { agent: b, count: 3 }];
    let result = store.commit_at_loads(&[assign_to(&ticket, a)], &stale).await;
    assert!(matches!(result, Err(StoreError::VersionConflict)), "{result:?}");
    assert_eq!(loads(&store, &agents).await, [0, 0]);
    assert_eq!(store.get_ticket(ticket.id).await.unwrap().unwrap().assignee, None);
    // As seen (no counter yet reads as 0): it holds.
    let seen = [AgentLoad { agent: a, count: 0 }, AgentLoad { agent: b, count: 0 }];
    store.commit_at_loads(&[assign_to(&ticket, a)], &seen).await.unwrap();
    assert_eq!(loads(&store, &agents).await, [1, 0]);
    // A write built on a ticket other than the one it read is refused before it is sent.
    let current = store.get_ticket(ticket.id).await.unwrap().unwrap();
    let mut wrong = assign_to(&current, b);
    wrong.read = Some(AsRead::of(&wrong.ticket));
    assert!(matches!(store.commit(&[wrong]).await, Err(StoreError::Unknown(_))));
}

#[tokio::test]
async fn least_loaded_shares_concurrent_new_tickets_evenly() {
    let store = store().await;
    let hands = Hands::at("2026-11-23T09:00:00Z");
    let desk = TicketDesk::new(store.clone(), hands.clone());
    let reactor = reactor(&store, &hands).await;
    let (billing, agents) = team(&desk, "billing", 4).await;
    let draft: RuleDraft = serde_json::from_value(json!({
        "name": "Billing to the least loaded", "position": 1,
        "triggers": [{"on": "ticket_created"}],
        "conditions": {"all": [{"field": "department", "op": "is", "value": "billing"}]},
        "actions": [{"do": "assign", "strategy": "least_loaded"}]
    }))
    .unwrap();
    desk.create_rule(&admin(), draft).await.unwrap();
    reactor.ensure_default_rules().await.unwrap();

    let mut events = vec![];
    for i in 0..20 {
        let (ticket, _) = desk
            .create_ticket(&admin(), ticket_for(&format!("t{i}"), &billing, None))
            .await
            .unwrap();
        let page = PageRequest {
            limit: 10,
            cursor: None,
        };
        events.push(store.list_events(ticket.id, &page).await.unwrap().items.remove(0));
    }
    // All at once; an event that runs out of attempts goes back to the queue, and SQS hands it
    // out again once its claim's lease is over.
    let mut pending: Vec<&AuditEvent> = events.iter().collect();
    let mut delivery = 1;
    while !pending.is_empty() {
        assert!(delivery <= 20, "{} events still unassigned", pending.len());
        let results = join_all(pending.iter().map(|e| reactor.react(*e, delivery))).await;
        pending = pending
            .into_iter()
            .zip(results)
            .filter_map(|(event, result)| match result {
                Ok(_) => None,
                Err(ReactorError::Busy) => Some(event),
                Err(e) => panic!("{e:?}"),
            })
            .collect();
        hands.advance(Duration::seconds(61));
        delivery += 1;
    }

    let mut per_agent = BTreeMap::new();
    for event in &events {
        let ticket = store.get_ticket(event.ticket_id).await.unwrap().unwrap();
        *per_agent.entry(ticket.assignee.expect("assigned")).or_insert(0) += 1;
    }
    assert_eq!(per_agent.keys().copied().collect::<Vec<_>>(), agents);
    assert!(per_agent.values().all(|n| *n == 5), "{per_agent:?}");
    assert_eq!(loads(&store, &agents).await, [5, 5, 5, 5]);
    let tickets: Vec<TicketId> = events.iter().map(|e| e.ticket_id).collect();
    assert_eq!(
        loads(&store, &agents).await,
        true_loads(&store, &tickets, &agents).await
    );
}

#[tokio::test]
async fn least_loaded_passes_over_full_and_inactive_agents() {
    let store = store().await;
    let now = Timestamp::parse("2026-11-23T09:00:00Z").unwrap();
    let desk = TicketDesk::new(store.clone(), Hands::at("2026-11-23T09:00:00Z"));
    let (support, agents) = team(&desk, "support", 2).await;
    let (_, others) = team(&desk, "sales", 1).await;
    let [full, away] = [agents[0], agents[1]];
    let mut held = vec![];
    for i in 0..MAX_AGENT_LOAD {
        let (t, _) = desk
            .create_ticket(&admin(), ticket_for(&format!("t{i}"), &support, Some(full)))
            .await
            .unwrap();
        held.push(t.id);
    }
    let active = |active| AgentPatch {
        active: Some(active),
        ..Default::default()
    };
    let accounts = accounts().await;
    desk.update_agent(&admin(), away, active(false), &accounts)
        .await
        .unwrap();
    assert_eq!(loads(&store, &[full, away, others[0]]).await, [MAX_AGENT_LOAD, 0, 0]);

    let pick = |dry_run| {
        let store = &store;
        let support = &support;
        async move {
            let mut assigner = TableAssigner::new(store, now, dry_run);
            let picked = assigner.pick(AssignStrategy::LeastLoaded, Some(support)).await;
            (picked, assigner.loads_seen().to_vec())
        }
    };
    // One agent is full, the other away, and sales is not support's: nobody.
    assert_eq!(pick(false).await.0, None);
    assert_eq!(pick(true).await.0, None);

    // Back from leave, with nothing on their plate.
    desk.update_agent(&admin(), away, active(true), &accounts)
        .await
        .unwrap();
    assert_eq!(pick(false).await.0, Some(away));
    desk.update_agent(&admin(), away, active(false), &accounts)
        .await
        .unwrap();

    // One ticket solved, there is room again.
    desk.update_ticket(
        &admin(),
        TicketRef::Id(held[0]),
        Precondition::Any,
        TicketPatch {
            status: Some(Status::Resolved),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let (picked, seen) = pick(false).await;
    assert_eq!(picked, Some(full));
    assert_eq!(
        seen,
        [AgentLoad {
            agent: full,
            count: MAX_AGENT_LOAD - 1
        }]
    );
    // A dry run reads the same and changes nothing.
    assert_eq!(pick(true).await.0, Some(full));
    assert_eq!(loads(&store, &[full, away]).await, [MAX_AGENT_LOAD - 1, 0]);
}

/// SES as a test needs it: the answers to `SendEmail` in order (aws-smithy-mocks, for faults a
/// local server cannot produce).
fn ses_answering(answers: Vec<Result<(), (&'static str, &'static str)>>) -> (SesMailer, aws_smithy_mocks::Rule) {
    use aws_sdk_sesv2::error::ErrorMetadata;
    use aws_sdk_sesv2::operation::send_email::{SendEmailError, SendEmailOutput};
    use aws_smithy_mocks::{RuleMode, mock, mock_client};
    let mut rule = mock!(aws_sdk_sesv2::Client::send_email).sequence();
    for answer in answers {
        rule = match answer {
            Ok(()) => rule.output(|| SendEmailOutput::builder().message_id("ses-1").build()),
            Err((code, message)) => rule.error(move || {
                let meta = ErrorMetadata::builder().code(code).message(message).build();
                match code {
                    "SendingPausedException" => SendEmailError::SendingPausedException(
                        aws_sdk_sesv2::types::error::SendingPausedException::builder()
                            .message(message)
                            .meta(meta)
                            .build(),
                    ),
                    "MessageRejected" => SendEmailError::MessageRejected(
                        aws_sdk_sesv2::types::error::MessageRejected::builder()
                            .message(message)
                            .meta(meta)
                            .build(),
                    ),
                    _ => SendEmailError::TooManyRequestsException(
                        aws_sdk_sesv2::types::error::TooManyRequestsException::builder()
                            .message(message)
                            .meta(meta)
                            .build(),
                    ),
                }
            }),
        };
    }
    let rule = rule.build();
    // The SDK's own retries are off: each answer stands for a send that failed after them.
    let client = mock_client!(aws_sdk_sesv2, RuleMode::Sequential, [&rule], |config| {
        config.retry_config(aws_sdk_sesv2::config::retry::RetryConfig::disabled())
    });
    (SesMailer::new(client, None), rule)
}

#[tokio::test]
async fn a_rule_s_mail_is_tried_again_on_redelivery_and_a_refusal_is_noted_on_the_ticket() {
    let sdk = test_support::local_sdk().await;
    let store = store().await;
    let hands = Hands::at("2026-11-23T09:00:00Z");
    let desk = TicketDesk::new(store.clone(), hands.clone());
    let draft: RuleDraft = serde_json::from_value(json!({
        "name": "Tell operations",
        "position": 1,
        "triggers": [{"on": "ticket_created"}],
        "actions": [{"do": "send_email", "template": "urgent_ticket", "to": "address", "address": "ops@example.com"}]
    }))
    .unwrap();
    desk.create_rule(&admin(), draft).await.unwrap();
    let reactor_with = |mailer: SesMailer| {
        EventReactor::new(
            store.clone(),
            mailer,
            S3Blobs::new(test_support::s3_client(&sdk)),
            hands.clone(),
            OutboundConfig {
                addresses: parse_support_addresses("support@help.example.com").unwrap(),
                max_attempts: 5,
                // Every try counts against the hourly limit; this test tries ops@ many times.
                autoreplies_per_hour: 20,
            },
        )
    };
    let created = |subject: &'static str| {
        let desk = &desk;
        async move {
            let (ticket, _) = desk
                .create_ticket(&admin(), new_ticket(subject, "m@example.cz"))
                .await
                .unwrap();
            let events = desk
                .store()
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
            (
                ticket,
                events
                    .into_iter()
                    .find(|e| e.event_type == EventType::TicketCreated)
                    .unwrap(),
            )
        }
    };

    // Throttled once: the event fails (SQS delivers it again), then the mail goes, once.
    let (mailer, sends) = ses_answering(vec![Err(("TooManyRequestsException", "slow down")), Ok(())]);
    let reactor = reactor_with(mailer);
    let (_, event) = created("Throttled").await;
    let first = reactor.react(&event, 1).await;
    assert!(matches!(first, Err(ReactorError::Send(_))), "{first:?}");
    hands.advance(Duration::seconds(61));
    reactor.react(&event, 2).await.unwrap();
    reactor.react(&event, 3).await.unwrap();
    assert_eq!(sends.num_calls(), 2, "tried again once, then done");

    // Refused for good: no retry, and the ticket says so in an internal note.
    let (mailer, sends) = ses_answering(vec![Err(("MessageRejected", "Email address is not verified"))]);
    let reactor = reactor_with(mailer);
    let (ticket, event) = created("Refused").await;
    reactor.react(&event, 1).await.unwrap();
    assert_eq!(sends.num_calls(), 1);
    let messages = store
        .list_messages(
            ticket.id,
            &PageRequest {
                limit: 10,
                cursor: None,
            },
        )
        .await
        .unwrap()
        .items;
    let note = messages
        .iter()
        .find(|m| m.visibility == shared::domain::Visibility::Internal)
        .expect("a note about the refused mail");
    assert!(
        note.body_text.contains("Tell operations") && note.body_text.contains("not verified"),
        "{}",
        note.body_text
    );

    // The account's sending is paused: no mail is at fault, so none is given up, not even at
    // the last delivery (the event waits in the DLQ); once sending is back, the mail goes.
    let (mailer, sends) = ses_answering(vec![
        Err(("SendingPausedException", "sending is paused for this account")),
        Err(("SendingPausedException", "sending is paused for this account")),
        Ok(()),
    ]);
    let reactor = reactor_with(mailer);
    let (ticket, event) = created("Paused").await;
    for attempt in [1, 5] {
        let result = reactor.react(&event, attempt).await;
        assert!(
            matches!(result, Err(ReactorError::Send(shared::ports::SendError::Paused(_)))),
            "{result:?}"
        );
        hands.advance(Duration::seconds(61));
    }
    reactor.react(&event, 1).await.unwrap();
    assert_eq!(sends.num_calls(), 3);
    let notes = store
        .list_messages(
            ticket.id,
            &PageRequest {
                limit: 10,
                cursor: None,
            },
        )
        .await
        .unwrap()
        .items
        .into_iter()
        .filter(|m| m.visibility == shared::domain::Visibility::Internal)
        .count();
    assert_eq!(notes, 0, "a pause is not a refusal");
}

/// A crash between the rules' write and their mail (here: the mail fails on the first
/// delivery) must not lose the mail: the redelivery finds the ticket already changed, so the
/// rule no longer matches, and only the effects recorded with the write can say what to do.
#[tokio::test]
async fn a_rule_s_mail_decided_with_its_write_is_sent_after_a_failure_between_them() {
    let sdk = test_support::local_sdk().await;
    let store = store().await;
    let hands = Hands::at("2026-11-23T09:00:00Z");
    let desk = TicketDesk::new(store.clone(), hands.clone());
    let draft: RuleDraft = serde_json::from_value(json!({
        "name": "Escalate and tell operations",
        "position": 1,
        "triggers": [{"on": "ticket_created"}],
        "conditions": {"all": [{"field": "priority", "op": "is", "value": "normal"}]},
        "actions": [
            {"do": "set_priority", "priority": "urgent"},
            {"do": "send_email", "template": "urgent_ticket", "to": "address", "address": "ops@example.com"}
        ]
    }))
    .unwrap();
    desk.create_rule(&admin(), draft).await.unwrap();
    let (mailer, sends) = ses_answering(vec![Err(("TooManyRequestsException", "slow down")), Ok(())]);
    let reactor = EventReactor::new(
        store.clone(),
        mailer,
        S3Blobs::new(test_support::s3_client(&sdk)),
        hands.clone(),
        OutboundConfig {
            addresses: parse_support_addresses("support@help.example.com").unwrap(),
            max_attempts: 5,
            autoreplies_per_hour: 20,
        },
    );
    let (ticket, _) = desk
        .create_ticket(&admin(), new_ticket("Crash after the write", "c@example.cz"))
        .await
        .unwrap();
    let page = PageRequest {
        limit: 10,
        cursor: None,
    };
    let created = store.list_events(ticket.id, &page).await.unwrap().items.remove(0);

    let first = reactor.react(&created, 1).await;
    assert!(matches!(first, Err(ReactorError::Send(_))), "{first:?}");
    let after = store.get_ticket(ticket.id).await.unwrap().unwrap();
    assert_eq!(after.priority, Priority::Urgent, "the write went through");
    assert_eq!(sends.num_calls(), 1);

    // SQS delivers the event again once the first worker's lease is over.
    hands.advance(Duration::seconds(61));
    reactor.react(&created, 2).await.unwrap();
    assert_eq!(sends.num_calls(), 2, "the recorded mail is sent on redelivery");
    hands.advance(Duration::seconds(61));
    reactor.react(&created, 3).await.unwrap();
    assert_eq!(sends.num_calls(), 2, "and only once");
    let events = store.list_events(ticket.id, &page).await.unwrap().items;
    let by_rule = events.iter().filter(|e| matches!(e.actor, Actor::Rule { .. })).count();
    assert_eq!(by_rule, 1, "the rule's change is written once");
}

#[tokio::test]
async fn a_time_rule_saved_later_applies_to_tickets_already_waiting() {
    let sdk = test_support::local_sdk().await;
    let store = store().await;
    let hands = Hands::at("2026-11-23T09:00:00Z");
    let desk = TicketDesk::new(store.clone(), hands.clone());
    let mut waiting = Vec::new();
    for (subject, status) in [("Waiting", Status::Pending), ("Being worked", Status::Open)] {
        let (ticket, _) = desk
            .create_ticket(&admin(), new_ticket(subject, "w@example.cz"))
            .await
            .unwrap();
        let patch = TicketPatch {
            status: Some(status),
            ..Default::default()
        };
        desk.update_ticket(&admin(), TicketRef::Id(ticket.id), Precondition::Any, patch)
            .await
            .unwrap();
        waiting.push(ticket.id);
    }
    let far = Timestamp::new(hands.now().as_datetime() + Duration::days(365));
    assert!(
        store.due_tickets(far, None, 10).await.unwrap().is_empty(),
        "no time rule, nothing due"
    );

    // Three days later a manager adds a time rule: the ticket pending since then is due at the
    // next sweep, which sets every open ticket's next look (not the API request that saved it).
    hands.advance(Duration::hours(73));
    let draft: RuleDraft = serde_json::from_value(json!({
        "name": "Close the silent",
        "position": 1,
        "triggers": [{"on": "time"}],
        "conditions": {"all": [
            {"field": "status", "op": "is", "value": "pending"},
            {"field": "hours_since_updated", "op": "greater_than", "value": 72}
        ]},
        "actions": [{"do": "set_status", "status": "resolved"}]
    }))
    .unwrap();
    desk.create_rule(&admin(), draft).await.unwrap();
    assert!(
        store.due_tickets(far, None, 10).await.unwrap().is_empty(),
        "saving the rule scans no ticket"
    );
    assert!(
        store.reschedule_request().await.unwrap().is_some(),
        "it asks the sweep to"
    );

    let reactor = EventReactor::new(
        store.clone(),
        SesMailer::new(aws_sdk_sesv2::Client::new(&sdk), None),
        S3Blobs::new(test_support::s3_client(&sdk)),
        hands.clone(),
        OutboundConfig {
            addresses: parse_support_addresses("support@help.example.com").unwrap(),
            max_attempts: 5,
            autoreplies_per_hour: 3,
        },
    );
    reactor.sweep(hands.now(), LIMITS).await.unwrap();
    assert!(
        store.reschedule_request().await.unwrap().is_none(),
        "the request is done"
    );
    let swept = store.get_ticket(waiting[0]).await.unwrap().unwrap();
    assert_eq!(swept.status, Status::Resolved);
    let untouched = store.get_ticket(waiting[1]).await.unwrap().unwrap();
    assert_eq!(untouched.status, Status::Open);
}

// ---- rule mail obeys the automatic-reply limits -------------------------------------------

/// The customer writes on `ticket` (a machine, when `automated`): the message and its event.
async fn customer_wrote(store: &DynamoStore, ticket: TicketId, automated: bool, now: Timestamp) -> AuditEvent {
    use shared::domain::{ContactId, Delivery, EmailDetails, Message, MessageId, Timestamp, Visibility, Writer};
    let current = store.get_ticket(ticket).await.unwrap().unwrap();
    let message = Message {
        id: MessageId::generate(now),
        ticket_id: ticket,
        writer: Writer::Customer(ContactId::generate(Timestamp::parse("2026-01-01T00:00:00Z").unwrap())),
        visibility: Visibility::Public,
        from: Some(EmailAddress::parse("human@example.cz").unwrap()),
        body_text: "Any news?".into(),
        delivery: Delivery::None,
        created_at: now,
        carried_from: None,
        body_html: None,
        quoted_text: None,
        attachments: vec![],
        email: Some(EmailDetails {
            subject: "Re: Help".into(),
            automated,
            ..Default::default()
        }),
    };
    let system = Actor::System { cause: "test".into() };
    let mut revision = shared::domain::Revision::of(&current, system, now).unwrap();
    revision.customer_message(message);
    let write = revision.into_write(&shared::domain::sla::SlaBook::empty()).unwrap();
    let event = write.events[0].clone();
    store.commit(&[write]).await.unwrap();
    event
}

#[tokio::test]
async fn rule_mail_to_customers_obeys_the_automatic_reply_limits() {
    let sdk = test_support::local_sdk().await;
    let store = store().await;
    let hands = Hands::at("2026-11-23T09:00:00Z");
    let desk = TicketDesk::new(store.clone(), hands.clone());
    for (name, to) in [
        ("Answer the customer", json!({"to": "requester"})),
        (
            "Copy the bounced partner",
            json!({"to": "address", "address": "bounced@example.cz"}),
        ),
    ] {
        let mut draft = json!({
            "name": name, "position": 1,
            "triggers": [{"on": "customer_replied"}],
            "actions": [{"do": "send_email", "template": "urgent_ticket"}]
        });
        draft["actions"][0]
            .as_object_mut()
            .unwrap()
            .extend(to.as_object().unwrap().clone());
        desk.create_rule(&admin(), serde_json::from_value(draft).unwrap())
            .await
            .unwrap();
    }
    // A partner whose address bounced: no rule mails it.
    let (partner, _) = desk
        .create_ticket(&admin(), new_ticket("Partner", "bounced@example.cz"))
        .await
        .unwrap();
    store.set_undeliverable(partner.requester, true).await.unwrap();
    let (mailer, sends) = ses_answering(vec![Ok(()); 10]);
    let reactor = EventReactor::new(
        store.clone(),
        mailer,
        S3Blobs::new(test_support::s3_client(&sdk)),
        hands.clone(),
        OutboundConfig {
            addresses: parse_support_addresses("support@help.example.com").unwrap(),
            max_attempts: 5,
            autoreplies_per_hour: 3,
        },
    );
    let (ticket, _) = desk
        .create_ticket(&admin(), new_ticket("Help", "human@example.cz"))
        .await
        .unwrap();

    // An autoresponder's mail is never answered.
    let machine = customer_wrote(&store, ticket.id, true, hands.now()).await;
    reactor.react(&machine, 1).await.unwrap();
    assert_eq!(sends.num_calls(), 0);
    // A person's is, up to the hourly limit per recipient (shared with acknowledgements).
    for _ in 0..4 {
        hands.advance(Duration::seconds(1));
        let human = customer_wrote(&store, ticket.id, false, hands.now()).await;
        reactor.react(&human, 1).await.unwrap();
    }
    assert_eq!(
        sends.num_calls(),
        3,
        "three an hour to one customer, none to a bounced address"
    );
    hands.advance(Duration::hours(1));
    let later = customer_wrote(&store, ticket.id, false, hands.now()).await;
    reactor.react(&later, 1).await.unwrap();
    assert_eq!(sends.num_calls(), 4, "the next hour has its own count");
}

// ---- one slow endpoint does not poison a batch ------------------------------------------

/// A receiver that takes the request and never answers; counts the calls.
async fn hanging_receiver() -> (Arc<Mutex<usize>>, String) {
    let calls = Arc::new(Mutex::new(0));
    let counted = calls.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move || {
            let counted = counted.clone();
            async move {
                *counted.lock().unwrap() += 1;
                std::future::pending::<()>().await;
                axum::http::StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (calls, url)
}

/// A batch as SQS hands it to the function (each event as the pipe puts it on the bus), each
/// event delivered for the `attempt`th time.
fn batch(events: &[&AuditEvent], attempt: u32) -> aws_lambda_events::event::sqs::SqsEvent {
    let records: Vec<_> = events
        .iter()
        .map(|e| {
            json!({
                "messageId": e.ticket_number.to_string(),
                "body": json!({
                    "source": shared::adapters::bus::TICKET_EVENT_SOURCE,
                    "detail-type": shared::adapters::bus::TICKET_EVENT_DETAIL_TYPE,
                    "detail": shared::adapters::bus::pipe_detail(&(*e).into()),
                })
                .to_string(),
                "attributes": {"ApproximateReceiveCount": attempt.to_string()}
            })
        })
        .collect();
    serde_json::from_value(json!({ "Records": records })).unwrap()
}

#[tokio::test]
async fn a_hanging_webhook_fails_only_its_own_record_and_repeats_no_other_effect() {
    let sdk = test_support::local_sdk().await;
    let store = store().await;
    let hands = Hands::at("2026-11-23T09:00:00Z");
    let desk = TicketDesk::new(store.clone(), hands.clone()).with_webhook_targets(LOOPBACK);
    let (fine, fine_url) = Receiver::start(vec![204]).await;
    let (hung, hung_url) = hanging_receiver().await;
    let settings = WebhookSettings {
        timeout: std::time::Duration::from_millis(300),
        ..loopback_webhooks()
    };
    let secret = "s3cret-s3cret-s3cret";
    for (position, name, conditions, url) in [
        (1, "Tell the CRM", json!({}), &fine_url),
        (
            2,
            "Tell the slow system",
            json!({"all": [{"field": "subject", "op": "contains", "value": "slow"}]}),
            &hung_url,
        ),
    ] {
        let draft: RuleDraft = serde_json::from_value(json!({
            "name": name, "position": position,
            "triggers": [{"on": "ticket_created"}],
            "conditions": conditions,
            "actions": [{"do": "webhook", "url": url, "secret": secret}]
        }))
        .unwrap();
        desk.create_rule(&admin(), draft).await.unwrap();
    }
    let reactor = EventReactor::new(
        store.clone(),
        SesMailer::new(aws_sdk_sesv2::Client::new(&sdk), None),
        S3Blobs::new(test_support::s3_client(&sdk)),
        hands.clone(),
        OutboundConfig {
            addresses: parse_support_addresses("support@help.example.com").unwrap(),
            max_attempts: 5,
            autoreplies_per_hour: 3,
        },
    )
    .with_webhooks(settings);
    let page = PageRequest {
        limit: 10,
        cursor: None,
    };
    let mut events = vec![];
    for subject in ["fast one", "slow one", "fast two"] {
        let (ticket, _) = desk
            .create_ticket(&admin(), new_ticket(subject, "b@example.cz"))
            .await
            .unwrap();
        events.push(store.list_events(ticket.id, &page).await.unwrap().items.remove(0));
    }
    let slow = events[1].clone();
    let run = |batch| {
        let reactor = &reactor;
        let handled =
            shared::queue::each_message_at_once(batch, shared::queue::MESSAGES_IN_FLIGHT, move |m| async move {
                let decoded = shared::adapters::bus::decode_sqs_body(m.body.as_deref().unwrap(), "x").unwrap();
                let shared::adapters::bus::BusEvent::Ticket(event) = decoded else {
                    panic!("a ticket event")
                };
                reactor.react(&*event, shared::queue::attempt(&m)).await.is_ok()
            });
        // A guard against a batch that never returns, not a measure of how fast it is.
        async move {
            tokio::time::timeout(std::time::Duration::from_secs(60), handled)
                .await
                .expect("the batch returns")
        }
    };
    let failed = |response: aws_lambda_events::event::sqs::SqsBatchResponse| -> Vec<String> {
        response
            .batch_item_failures
            .into_iter()
            .map(|f| f.item_identifier)
            .collect()
    };

    let first = run(batch(&events.iter().collect::<Vec<_>>(), 1)).await;
    assert_eq!(
        failed(first),
        [slow.ticket_number.to_string()],
        "only the slow ticket's record fails"
    );
    assert_eq!((fine.seen().len(), *hung.lock().unwrap()), (3, 1));
    // SQS delivers the failed record again; only its slow call is made again, until the last.
    for attempt in 2..=5 {
        hands.advance(Duration::seconds(61));
        let again = failed(run(batch(&[&slow], attempt)).await);
        assert_eq!(again.is_empty(), attempt == 5, "{attempt}: {again:?}");
    }
    assert_eq!(
        (fine.seen().len(), *hung.lock().unwrap()),
        (3, 5),
        "no other effect repeated"
    );
    let notes: Vec<String> = store
        .list_messages(slow.ticket_id, &page)
        .await
        .unwrap()
        .items
        .into_iter()
        .filter(|m| m.visibility == shared::domain::Visibility::Internal)
        .map(|m| m.body_text)
        .collect();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(
        notes[0].contains(&hung_url) && notes[0].contains("no answer within 300 ms"),
        "{notes:?}"
    );
}

/// The default SLA rule: a breach (flagged by the SLA sweep) escalates the ticket one level and
/// mails the department lead, once, however often the `sla.breached` event is delivered.
#[tokio::test]
async fn a_breach_escalates_once_and_tells_the_lead_once_under_redelivery() {
    let store = store().await;
    // Friday 16:30 UTC: an urgent first response of 60 business minutes is due Monday 09:30.
    let hands = Hands::at("2026-12-04T16:30:00Z");
    let desk = TicketDesk::new(store.clone(), hands.clone());
    let (support, agents) = team(&desk, "support", 1).await;
    let lead = shared::usecases::desk::DepartmentPatch {
        lead: Some(Some(agents[0])),
        ..Default::default()
    };
    desk.update_department(&admin(), &support, lead).await.unwrap();
    let policy: shared::domain::sla::SlaPolicyDraft = serde_json::from_value(json!({
        "name": "Urgent", "position": 1,
        "targets": {"urgent": {"first_response": 60}}
    }))
    .unwrap();
    desk.create_sla_policy(&admin(), policy).await.unwrap();
    let new = NewTicket {
        priority: Priority::Urgent,
        ..ticket_for("Till is down", &support, None)
    };
    let (ticket, _) = desk.create_ticket(&admin(), new).await.unwrap();

    let sdk = test_support::local_sdk().await;
    let (mailer, sends) = ses_answering(vec![Ok(()), Ok(()), Ok(())]);
    let reactor = EventReactor::new(
        store.clone(),
        mailer,
        S3Blobs::new(test_support::s3_client(&sdk)),
        hands.clone(),
        OutboundConfig {
            addresses: parse_support_addresses("support@help.example.com").unwrap(),
            max_attempts: 5,
            autoreplies_per_hour: 3,
        },
    );
    reactor.ensure_default_rules().await.unwrap();

    hands.advance(Duration::hours(65)); // Monday 09:30
    let report = shared::usecases::sla_sweep::sweep_sla(&store, hands.now(), LIMITS)
        .await
        .unwrap();
    assert_eq!(report.flagged, 1, "{report:?}");
    let events = store
        .list_events(
            ticket.id,
            &PageRequest {
                limit: 50,
                cursor: None,
            },
        )
        .await
        .unwrap()
        .items;
    let breached = events
        .iter()
        .find(|e| e.event_type == EventType::SlaBreached)
        .expect("the sweep recorded the breach");
    for attempt in 1..=3 {
        reactor.react(breached, attempt).await.unwrap();
    }
    let after = store.get_ticket(ticket.id).await.unwrap().unwrap();
    assert_eq!(after.support_level, SupportLevel::L2, "escalated one level, once");
    assert_eq!(sends.num_calls(), 1, "the lead is told once");
}
