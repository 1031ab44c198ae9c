//! Automation rules end to end through the dev host: a manager writes a rule through the API,
//! mail arrives over SMTP, the reactor routes, assigns and tags the ticket with the rule named
//! in the audit trail, and the dry run explains a rule that did not fire. Rules on a customer's
//! reply and on an agent's reply wake on those and on nothing else.

use std::time::{Duration, Instant};

use devhost::pipe::StreamPipe;
use devhost::testing::{TestHost, send_mail, unique};
use e2e::call;
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};

async fn agent_in_billing(host: &TestHost, admin: &str, name: &str) -> String {
    let (status, agent) = call(
        &host.url,
        Method::POST,
        "/v1/agents",
        admin,
        Some(
            json!({"email": format!("{}@help.example.com", unique(name)), "name": name,
                    "role": "agent", "departments": ["billing"]}),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{agent}");
    agent["id"].as_str().unwrap().to_owned()
}

async fn mail_to_billing(host: &TestHost, n: u32) {
    let from = format!("{}@example.cz", unique("payer"));
    let mail = format!(
        "From: {from}\nTo: billing@help.example.com\nSubject: Invoice {n}\nMessage-ID: <inv{n}.{from}>\n\nWhere is invoice {n}?\n"
    );
    send_mail(host.smtp, &from, "billing@help.example.com", &mail).await;
}

#[tokio::test]
async fn a_managers_rule_routes_assigns_and_tags_mail_and_the_dry_run_explains() {
    let host = TestHost::start().await;
    let mut pipe = host.pipe().await;
    let admin = host.token("admin", "admin@example.com", &[]);
    let manager = host.token("manager", "manager@example.com", &[]);
    let agent = host.token("agent", "agent@example.com", &["billing"]);
    let (status, _) = call(
        &host.url,
        Method::POST,
        "/v1/departments",
        &admin,
        Some(json!({"id": "billing", "name": "Billing"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let mut agents = vec![
        agent_in_billing(&host, &admin, "Ann").await,
        agent_in_billing(&host, &admin, "Ben").await,
    ];
    agents.sort();

    let rule = json!({
        "name": "Billing mail",
        "position": 10,
        "triggers": [{"on": "ticket_created", "channels": ["email"]}],
        "conditions": {"all": [{"field": "recipient", "op": "is", "value": "billing@help.example.com"}]},
        "actions": [
            {"do": "set_department", "department": "billing"},
            {"do": "assign", "strategy": "round_robin"},
            {"do": "add_tags", "tags": ["billing"]}
        ]
    });
    let (status, refused) = call(&host.url, Method::POST, "/v1/rules", &agent, Some(rule.clone())).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "agents read rules, they do not write them: {refused}"
    );
    let (status, created) = call(&host.url, Method::POST, "/v1/rules", &manager, Some(rule)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let vip = json!({
        "name": "VIP senders",
        "position": 20,
        "triggers": [{"on": "ticket_created"}],
        "conditions": {"all": [{"field": "sender_domain", "op": "is", "value": "vip.example"}]},
        "actions": [{"do": "set_priority", "priority": "high"}]
    });
    let (status, vip) = call(&host.url, Method::POST, "/v1/rules", &manager, Some(vip)).await;
    assert_eq!(status, StatusCode::CREATED, "{vip}");
    let (status, bad) = call(
        &host.url,
        Method::POST,
        "/v1/rules",
        &manager,
        Some(
            json!({"name": "bad", "position": 1, "triggers": [{"on": "agent_replied"}],
                    "conditions": {"all": [{"field": "subject", "op": "greater_than", "value": 1}]},
                    "actions": [{"do": "mark_spam"}]}),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad["error"]["field"], "conditions.all[0].op");

    mail_to_billing(&host, 1).await;
    mail_to_billing(&host, 2).await;
    host.drain_inbound().await;
    host.drain_events(&mut pipe).await;

    let mut assigned = Vec::new();
    for number in ["HD-1001", "HD-1002"] {
        let (_, ticket) = call(&host.url, Method::GET, &format!("/v1/tickets/{number}"), &admin, None).await;
        assert_eq!(ticket["department"], "billing", "{ticket}");
        assert!(
            ticket["tags"].as_array().unwrap().contains(&json!("billing")),
            "{ticket}"
        );
        assigned.push(ticket["assignee"].as_str().expect("assigned").to_owned());
        let (_, audit) = call(
            &host.url,
            Method::GET,
            &format!("/v1/tickets/{number}/audit"),
            &admin,
            None,
        )
        .await;
        let by_rule: Vec<&Value> = audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["actor"]["kind"] == "rule")
            .collect();
        assert_eq!(by_rule.len(), 1, "{audit}");
        assert_eq!(by_rule[0]["actor"]["name"], "Billing mail");
        let fields: Vec<&str> = by_rule[0]["changes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["field"].as_str().unwrap())
            .collect();
        assert!(fields.contains(&"assignee") && fields.contains(&"tags"), "{fields:?}");
    }
    assigned.sort();
    assert_eq!(assigned, agents, "round-robin gave each agent one");
    let (_, rules) = call(&host.url, Method::GET, "/v1/rules", &agent, None).await;
    let names: Vec<&str> = rules["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"Close resolved tickets after 7 days") && names.contains(&"Billing mail"),
        "a new desk got its default rules beside the manager's: {names:?}"
    );

    let (status, dry) = call(
        &host.url,
        Method::POST,
        "/v1/rules/dry-run",
        &agent,
        Some(json!({"ticket": "HD-1001", "event": {"on": "ticket_created"}, "rule": vip["id"]})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{dry}");
    let outcome = &dry["outcomes"][0];
    assert_eq!(outcome["name"], "VIP senders");
    assert_eq!(outcome["fired"], false);
    assert_eq!(outcome["conditions"][0]["matched"], false);
    assert_eq!(outcome["conditions"][0]["actual"], "example.cz", "{dry}");
    assert_eq!(dry["ticket"]["priority"], "normal", "a dry run changes nothing");
}

#[tokio::test]
async fn rules_reacting_to_each_other_stop_at_the_chain_limit() {
    let host = TestHost::start().await;
    let mut pipe = host.pipe().await;
    let admin = host.token("admin", "admin@example.com", &[]);
    // Two rules that would wake each other forever: each undoes the other's tag.
    for (name, position, op, add, remove) in [
        ("flip", 1, "excludes", "flip", "flop"),
        ("flop", 2, "includes", "flop", "flip"),
    ] {
        let rule = json!({"name": name, "position": position,
            "triggers": [{"on": "ticket_created"}, {"on": "field_changed", "field": "tags"}],
            "conditions": {"all": [{"field": "tags", "op": op, "value": "flip"}]},
            "actions": [{"do": "add_tags", "tags": [add]}, {"do": "remove_tags", "tags": [remove]}]});
        let (status, body) = call(&host.url, Method::POST, "/v1/rules", &admin, Some(rule)).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let (status, _) = call(
        &host.url,
        Method::POST,
        "/v1/tickets",
        &admin,
        Some(json!({"subject": "Loop", "body": "x", "requester": {"email": "loop@example.cz"}})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    host.drain_events(&mut pipe).await;
    let (_, audit) = call(
        &host.url,
        Method::GET,
        "/v1/tickets/HD-1001/audit?limit=100",
        &admin,
        None,
    )
    .await;
    let items = audit["items"].as_array().unwrap();
    let depths: Vec<u64> = items.iter().filter_map(|e| e["actor"]["depth"].as_u64()).collect();
    assert!(!depths.is_empty() && depths.iter().all(|d| *d <= 3), "{depths:?}");
    assert!(
        items
            .iter()
            .any(|e| e["actor"]["cause"].as_str().is_some_and(|c| c.contains("cut at depth"))),
        "the trail says where the chain was cut: {audit}"
    );
}

/// Moves mail and ticket events along until `done` holds of the ticket, or fails after 60 s
/// (the local stack is shared with other tests, so it is given time, not a fixed sleep).
async fn until_ticket(host: &TestHost, pipe: &mut StreamPipe, token: &str, what: &str, done: impl Fn(&Value) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        host.drain_inbound().await;
        host.drain_events(pipe).await;
        let (_, ticket) = call(&host.url, Method::GET, "/v1/tickets/HD-1001", token, None).await;
        if done(&ticket) {
            return;
        }
        assert!(Instant::now() < deadline, "gave up waiting until {what}: {ticket}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// The audit events on HD-1001 made by the rule named `name`.
async fn events_by_rule(host: &TestHost, token: &str, name: &str) -> Vec<Value> {
    let (status, audit) = call(
        &host.url,
        Method::GET,
        "/v1/tickets/HD-1001/audit?limit=100",
        token,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{audit}");
    audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["actor"]["kind"] == "rule" && e["actor"]["name"] == name)
        .cloned()
        .collect()
}

fn has_tag(ticket: &Value, tag: &str) -> bool {
    ticket["tags"].as_array().is_some_and(|tags| tags.contains(&json!(tag)))
}

fn changed_fields(event: &Value) -> Vec<&str> {
    event["changes"]
        .as_array()
        .map(|c| c.iter().filter_map(|c| c["field"].as_str()).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn a_customer_replied_rule_wakes_on_the_customers_reply_not_on_the_new_ticket() {
    let host = TestHost::start().await;
    let mut pipe = host.pipe().await;
    let manager = host.token("manager", "manager@example.com", &[]);
    // Both mails say "still broken", so only the trigger tells the reply from the first mail.
    let came_back = json!({
        "name": "Customer came back",
        "position": 50,
        "triggers": [{"on": "customer_replied"}],
        "conditions": {"all": [{"field": "body", "op": "contains", "value": "still broken"}]},
        "actions": [{"do": "add_tags", "tags": ["came-back"]}, {"do": "set_priority", "priority": "high"}]
    });
    // Shows when the reactor has been through the new ticket's rules.
    let seen = json!({
        "name": "Seen new mail",
        "position": 60,
        "triggers": [{"on": "ticket_created"}],
        "actions": [{"do": "add_tags", "tags": ["seen"]}]
    });
    for rule in [came_back, seen] {
        let (status, body) = call(&host.url, Method::POST, "/v1/rules", &manager, Some(rule)).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }

    let customer = format!("{}@example.cz", unique("jana"));
    let first = format!(
        "From: Jana <{customer}>\nTo: support@help.example.com\nSubject: Printer\nMessage-ID: <cr-1.{customer}>\n\nThe printer is still broken.\n"
    );
    send_mail(host.smtp, &customer, "support@help.example.com", &first).await;
    until_ticket(&host, &mut pipe, &manager, "the new ticket's rules ran", |t| {
        has_tag(t, "seen")
    })
    .await;
    let (_, ticket) = call(&host.url, Method::GET, "/v1/tickets/HD-1001", &manager, None).await;
    assert!(!has_tag(&ticket, "came-back"), "not on the new ticket: {ticket}");
    assert_eq!(ticket["priority"], "normal", "{ticket}");
    assert!(events_by_rule(&host, &manager, "Customer came back").await.is_empty());

    let reply = format!(
        "From: {customer}\nTo: support@help.example.com\nSubject: Re: [#HD-1001] Printer\nMessage-ID: <cr-2.{customer}>\nIn-Reply-To: <cr-1.{customer}>\n\nSorry, it is still broken after the restart.\n"
    );
    send_mail(host.smtp, &customer, "support@help.example.com", &reply).await;
    until_ticket(&host, &mut pipe, &manager, "the reply's rule fired", |t| {
        has_tag(t, "came-back")
    })
    .await;
    let (_, ticket) = call(&host.url, Method::GET, "/v1/tickets/HD-1001", &manager, None).await;
    assert_eq!(ticket["priority"], "high", "{ticket}");
    let (_, messages) = call(&host.url, Method::GET, "/v1/tickets/HD-1001/messages", &manager, None).await;
    assert_eq!(
        messages["items"].as_array().unwrap().len(),
        2,
        "the reply threaded: {messages}"
    );

    let fired = events_by_rule(&host, &manager, "Customer came back").await;
    assert_eq!(fired.len(), 1, "{fired:?}");
    assert_eq!(fired[0]["type"], "ticket.updated");
    assert_eq!(fired[0]["actor"]["depth"], 1);
    let fields = changed_fields(&fired[0]);
    assert!(fields.contains(&"priority") && fields.contains(&"tags"), "{fields:?}");
}

#[tokio::test]
async fn an_agent_replied_rule_fires_once_on_the_reply_and_not_on_a_note() {
    let host = TestHost::start().await;
    let mut pipe = host.pipe().await;
    let manager = host.token("manager", "manager@example.com", &[]);
    let admin = host.token("admin", "admin@example.com", &[]);
    let rule = json!({
        "name": "Answered: wait for the customer",
        "position": 50,
        "triggers": [{"on": "agent_replied"}],
        "actions": [{"do": "set_status", "status": "pending"}, {"do": "add_tags", "tags": ["answered"]}]
    });
    let (status, body) = call(&host.url, Method::POST, "/v1/rules", &manager, Some(rule)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let requester = format!("{}@example.cz", unique("petr"));
    let (status, body) = call(
        &host.url,
        Method::POST,
        "/v1/tickets",
        &admin,
        Some(json!({"subject": "Login fails", "body": "I cannot log in.", "requester": {"email": requester}})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    // The note comes first, so once the rule has fired on the reply, the note has been past
    // the reactor too: one firing means the note woke nothing.
    let (status, body) = call(
        &host.url,
        Method::POST,
        "/v1/tickets/HD-1001/notes",
        &admin,
        Some(json!({"body": "Checked the account: it is not locked."})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, body) = call(
        &host.url,
        Method::POST,
        "/v1/tickets/HD-1001/replies",
        &admin,
        Some(json!({"body": "Please try again now."})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(
        body["ticket"]["status"], "open",
        "the reply itself opens the ticket: {body}"
    );

    until_ticket(&host, &mut pipe, &manager, "the reply's rule fired", |t| {
        has_tag(t, "answered")
    })
    .await;
    let (_, ticket) = call(&host.url, Method::GET, "/v1/tickets/HD-1001", &manager, None).await;
    assert_eq!(ticket["status"], "pending", "{ticket}");

    // Another note, and everything left moved along: still one firing.
    let (status, body) = call(
        &host.url,
        Method::POST,
        "/v1/tickets/HD-1001/notes",
        &admin,
        Some(json!({"body": "Told them to clear the cache too."})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    host.drain_events(&mut pipe).await;
    let fired = events_by_rule(&host, &manager, "Answered: wait for the customer").await;
    assert_eq!(fired.len(), 1, "once, on the reply only: {fired:?}");
    assert_eq!(fired[0]["actor"]["depth"], 1);
    let fields = changed_fields(&fired[0]);
    assert!(fields.contains(&"status") && fields.contains(&"tags"), "{fields:?}");
    let (_, ticket) = call(&host.url, Method::GET, "/v1/tickets/HD-1001", &manager, None).await;
    assert_eq!(ticket["status"], "pending", "{ticket}");
}

#[tokio::test]
async fn a_field_changed_rule_wakes_on_that_field_only() {
    let host = TestHost::start().await;
    let mut pipe = host.pipe().await;
    let manager = host.token("manager", "manager@example.com", &[]);
    let rule = json!({
        "name": "Urgent goes to level 2",
        "position": 50,
        "triggers": [{"on": "field_changed", "field": "priority"}],
        "conditions": {"all": [{"field": "priority", "op": "is", "value": "urgent"}]},
        "actions": [{"do": "set_support_level", "level": "L2"}, {"do": "add_tags", "tags": ["escalated"]}]
    });
    let (status, body) = call(&host.url, Method::POST, "/v1/rules", &manager, Some(rule)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, _) = call(
        &host.url,
        Method::POST,
        "/v1/tickets",
        &manager,
        Some(json!({"subject": "Server down", "body": "All of it", "requester": {"email": "ops@example.cz"}})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let patch = |body: Value| {
        let host = &host;
        let manager = &manager;
        async move {
            let response = Client::new()
                .patch(format!("{}/v1/tickets/HD-1001", host.url))
                .bearer_auth(manager)
                .header("if-match", "*")
                .json(&body)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::OK, "{}", response.text().await.unwrap());
        }
    };
    // Another field changes: the rule stays asleep.
    patch(json!({"status": "open"})).await;
    host.drain_events(&mut pipe).await;
    assert!(
        events_by_rule(&host, &manager, "Urgent goes to level 2")
            .await
            .is_empty()
    );

    patch(json!({"priority": "urgent"})).await;
    until_ticket(&host, &mut pipe, &manager, "the rule escalated the ticket", |t| {
        has_tag(t, "escalated")
    })
    .await;
    let (_, ticket) = call(&host.url, Method::GET, "/v1/tickets/HD-1001", &manager, None).await;
    assert_eq!(ticket["support_level"], "L2", "{ticket}");
    let fired = events_by_rule(&host, &manager, "Urgent goes to level 2").await;
    assert_eq!(fired.len(), 1, "{fired:?}");
    assert_eq!(fired[0]["actor"]["depth"], 1);
}

/// `cargo xtask invoke reactor-sweep --at …` drives this route: the sweep runs as of the time
/// given, and only for callers naming this machine.
#[tokio::test]
async fn the_dev_host_runs_the_sweep_at_the_time_it_is_given() {
    let host = TestHost::start().await;
    let url = format!("{}{}/reactor-sweep", host.url, devhost::invoke::INVOKE_PATH);
    let client = Client::new();
    let response = client
        .post(&url)
        .body(json!({"time": "2030-01-01T00:00:00Z"}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let report: Value = response.json().await.unwrap();
    assert_eq!(report["complete"], true, "{report}");
    let elsewhere = client
        .post(&url)
        .header("Host", "rebound.example:3000")
        .body(json!({"time": "2030-01-01T00:00:00Z"}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(elsewhere.status(), StatusCode::FORBIDDEN);
    let unknown = client
        .post(format!("{}{}/no-such-function", host.url, devhost::invoke::INVOKE_PATH))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
}
