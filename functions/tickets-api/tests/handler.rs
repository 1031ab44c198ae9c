//! The handler with real API Gateway v2 events (from `events/`), against DynamoDB Local:
//! the sample events work, bad input gets clear errors, and every route answers each role as
//! the access rules say.

use std::collections::BTreeSet;

use lambda_http::Body;
use serde_json::{Value, json};
use shared::adapters::cognito::CognitoDirectory;
use shared::adapters::dynamodb::DynamoStore;
use shared::adapters::s3::S3Blobs;
use shared::domain::template_library::TemplateName;
use shared::domain::{
    AgentSubject, Attachment, BlobRef, Channel, Delivery, DepartmentId, EmailAddress, EmailDetails, Language, Message,
    MessageId, Principal, Priority, RequesterDetails, Role, Seniority, SupportLevel, SystemClock, Ticket, TicketRef,
    Visibility, Writer,
};
use shared::ports::{ContactStore, TicketStore};
use shared::usecases::desk::{NewAgent, NewTicket, TicketDesk};
use shared::usecases::files::ReplyFiles;
use tickets_api::{Deps, handle};

type TestDeps = Deps<DynamoStore, SystemClock>;

async fn deps() -> TestDeps {
    let sdk = test_support::local_sdk().await;
    let table = test_support::fresh_table(&sdk).await;
    let s3 = test_support::s3_client(&sdk);
    let bucket = test_support::unique("mail");
    s3.create_bucket().bucket(&bucket).send().await.unwrap();
    Deps {
        desk: TicketDesk::new(
            DynamoStore::new(aws_sdk_dynamodb::Client::new(&sdk), table),
            SystemClock,
        ),
        files: ReplyFiles::new(S3Blobs::new(s3), SystemClock, bucket),
        directory: CognitoDirectory::new(
            test_support::user_pool::client(&sdk),
            test_support::user_pool::fresh(&sdk).await,
        ),
    }
}

fn sample(name: &str) -> Value {
    let path = format!("{}/../../events/tickets-api/{name}.json", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))).unwrap()
}

struct Answer {
    status: u16,
    headers: lambda_http::http::HeaderMap,
    body: Value,
}

async fn send(deps: &TestDeps, event: &Value) -> Answer {
    let request = lambda_http::request::from_str(&event.to_string()).expect("a valid API Gateway v2 event");
    let response = handle(deps, request).await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = match response.into_body() {
        Body::Text(t) => serde_json::from_str(&t).unwrap_or(Value::String(t)),
        Body::Empty => Value::Null,
        other => panic!("unexpected body {other:?}"),
    };
    Answer { status, headers, body }
}

/// The create-ticket sample, re-aimed at another method, path, body and bearer.
fn request(method: &str, path: &str, body: Option<Value>, claims: Option<Value>) -> Value {
    let mut e = sample("create-ticket");
    e["rawPath"] = json!(path);
    e["requestContext"]["http"]["method"] = json!(method);
    e["requestContext"]["http"]["path"] = json!(path);
    e["pathParameters"]["proxy"] = json!(path.trim_start_matches("/v1/"));
    match body {
        Some(b) => e["body"] = json!(b.to_string()),
        None => {
            e.as_object_mut().unwrap().remove("body");
        }
    }
    match claims {
        Some(c) => e["requestContext"]["authorizer"]["jwt"]["claims"] = c,
        None => {
            e["requestContext"].as_object_mut().unwrap().remove("authorizer");
        }
    }
    e
}

fn claims(role: &str, departments: &str) -> Value {
    json!({
        "sub": format!("{role}-{departments}"),
        "email": format!("{role}@example.com"),
        "cognito:groups": format!("[{role}]"),
        "custom:departments": departments,
    })
}

#[tokio::test]
async fn the_sample_events_create_read_update_and_list() {
    let deps = deps().await;
    let created = send(&deps, &sample("create-ticket")).await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(created.body["number"], "HD-1001");
    assert_eq!(created.body["priority"], "high");
    assert_eq!(created.body["status"], "new");
    assert_eq!(created.headers["etag"], "\"1\"");
    assert!(
        created.headers["location"]
            .to_str()
            .unwrap()
            .starts_with("/v1/tickets/")
    );

    let fetched = send(&deps, &sample("get-ticket-by-number")).await;
    assert_eq!(fetched.status, 200);
    assert_eq!(fetched.body["id"], created.body["id"]);

    let updated = send(&deps, &sample("update-ticket")).await;
    assert_eq!(updated.status, 200, "{}", updated.body);
    assert_eq!(updated.body["status"], "open");
    assert_eq!(updated.body["priority"], "urgent");
    assert_eq!(updated.headers["etag"], "\"2\"");
    let stale = send(&deps, &sample("update-ticket")).await;
    assert_eq!(stale.status, 412, "the same If-Match again is stale");
    assert_eq!(stale.headers["etag"], "\"2\"");

    // The sample agent works in `support`; the admin's ticket has no department.
    let listed = send(&deps, &sample("list-tickets")).await;
    assert_eq!(listed.status, 200);
    assert_eq!(listed.body["items"], json!([]));
}

#[tokio::test]
async fn requests_without_a_token_or_with_broken_json_get_clear_errors() {
    let deps = deps().await;
    let anonymous = send(&deps, &sample("no-token")).await;
    assert_eq!(anonymous.status, 401);
    assert_eq!(anonymous.body["error"]["code"], "unauthorized");
    let broken = send(&deps, &sample("malformed-json")).await;
    assert_eq!(broken.status, 400);
    assert!(
        broken.body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("malformed JSON")
    );
}

#[tokio::test]
async fn bad_input_names_the_field() {
    let deps = deps().await;
    let admin = || Some(claims("admin", ""));
    let cases = [
        (
            request(
                "POST",
                "/v1/tickets",
                Some(json!({"subject": "s", "body": "b", "requester": {"email": "a@b.cz"}, "colour": "red"})),
                admin(),
            ),
            422,
            "colour",
        ),
        (
            request(
                "POST",
                "/v1/tickets",
                Some(json!({"subject": "s", "body": "b", "requester": {"email": "nope"}})),
                admin(),
            ),
            422,
            "requester.email",
        ),
        (
            request(
                "POST",
                "/v1/tickets",
                Some(json!({"subject": "s", "body": "b", "requester": {"email": "a@b.cz"}, "priority": "huge"})),
                admin(),
            ),
            422,
            "priority",
        ),
        (
            request(
                "POST",
                "/v1/tickets",
                Some(json!({"subject": "", "body": "b", "requester": {"email": "a@b.cz"}})),
                admin(),
            ),
            422,
            "subject",
        ),
        (
            request(
                "POST",
                "/v1/tickets",
                Some(json!({"subject": "s", "requester": {"email": "a@b.cz"}})),
                admin(),
            ),
            422,
            "body",
        ),
        (
            request(
                "POST",
                "/v1/tickets",
                Some(json!({"subject": "s", "body": "x".repeat(70_000), "requester": {"email": "a@b.cz"}})),
                admin(),
            ),
            422,
            "body",
        ),
        (request("GET", "/v1/tickets/not-a-ticket", None, admin()), 400, "ticket"),
        (request("GET", "/v1/contacts/123", None, admin()), 400, "contact"),
        (request("GET", "/v1/tickets?colour=red", None, admin()), 400, "colour"),
        (
            request("PATCH", "/v1/tickets/HD-1", Some(json!({"priority": "low"})), admin()),
            428,
            "",
        ),
        (
            request(
                "PUT",
                "/v1/templates/acknowledgement/en",
                Some(json!({"subject": "Hi", "text": "{{ customer_secret }}"})),
                admin(),
            ),
            422,
            "text",
        ),
        (
            request(
                "PUT",
                "/v1/templates/acknowledgement/en",
                Some(json!({"subject": "{% if %}", "text": "x"})),
                admin(),
            ),
            422,
            "subject",
        ),
        (
            request(
                "PUT",
                "/v1/templates/Bad-Name/en",
                Some(json!({"subject": "s", "text": "t"})),
                admin(),
            ),
            400,
            "name",
        ),
        (
            request("GET", "/v1/templates/acknowledgement/x", None, admin()),
            400,
            "language",
        ),
        (request("GET", "/v1/templates/nothing_here/en", None, admin()), 404, ""),
        (
            request(
                "POST",
                "/v1/uploads",
                Some(json!({"name": "setup.exe", "content_type": "application/octet-stream", "size": 10})),
                admin(),
            ),
            422,
            "name",
        ),
        (
            request(
                "POST",
                "/v1/uploads",
                Some(json!({"name": "big.pdf", "content_type": "application/pdf", "size": 20_000_000})),
                admin(),
            ),
            422,
            "size",
        ),
        (
            request("GET", "/v1/tickets/HD-1/messages/nope/attachments/1", None, admin()),
            400,
            "message",
        ),
    ];
    for (mut event, status, field) in cases {
        if let Some((path, query)) = event["rawPath"].as_str().unwrap().to_owned().split_once('?') {
            event["rawPath"] = json!(path);
            event["rawQueryString"] = json!(query);
            let (k, v) = query.split_once('=').unwrap();
            event["queryStringParameters"] = json!({ k: v });
        }
        let answer = send(&deps, &event).await;
        assert_eq!(answer.status, status, "{event}: {}", answer.body);
        if !field.is_empty() {
            assert_eq!(answer.body["error"]["field"], field, "{}", answer.body);
        }
    }
    let mut huge = request("POST", "/v1/tickets", None, admin());
    huge["body"] = json!("x".repeat(300 * 1024));
    assert_eq!(send(&deps, &huge).await.status, 413);
    let mut not_json = request("POST", "/v1/tickets", Some(json!({})), admin());
    not_json["headers"]["content-type"] = json!("text/plain");
    assert_eq!(send(&deps, &not_json).await.status, 415);
    let mut bad_cursor = request("GET", "/v1/tickets", None, admin());
    bad_cursor["rawQueryString"] = json!("cursor=abc");
    bad_cursor["queryStringParameters"] = json!({"cursor": "abc"});
    let answer = send(&deps, &bad_cursor).await;
    assert_eq!(
        (answer.status, answer.body["error"]["field"].clone()),
        (400, json!("cursor"))
    );
}

/// What each route needs to run: fresh objects, so every case starts from the same state.
struct Fixture {
    ticket: Ticket,
    other: Ticket,
    /// The same requester's ticket in `billing`, where the department's agents cannot see.
    elsewhere: Ticket,
    /// A customer's mail on `ticket`, with its raw copy.
    mail: String,
    agent_id: String,
    /// A reply on `other` with one attachment.
    with_file: String,
    rule_id: String,
    sla_policy_id: String,
    report_subscription_id: String,
    /// A canned response shared with `support`.
    canned_id: String,
}

async fn fixture(deps: &TestDeps, n: usize) -> Fixture {
    let desk = &deps.desk;
    let admin = Principal {
        subject: "setup".into(),
        email: None,
        role: Role::Admin,
        departments: BTreeSet::new(),
    };
    let support = DepartmentId::parse("support").unwrap();
    if desk.get_department(&support).await.is_err() {
        desk.create_department(&admin, support.clone(), "Support".into(), None)
            .await
            .unwrap();
        desk.create_department(&admin, DepartmentId::parse("billing").unwrap(), "Billing".into(), None)
            .await
            .unwrap();
    }
    let new = || NewTicket {
        subject: format!("case {n}"),
        body: "b".into(),
        requester: RequesterDetails::new(
            None,
            Some(EmailAddress::parse(&format!("c{n}@example.com")).unwrap()),
            None,
            None,
        )
        .unwrap(),
        channel: Channel::Api,
        priority: Priority::Normal,
        ticket_type: None,
        department: Some(support.clone()),
        assignee: None,
        support_level: SupportLevel::L1,
        tags: BTreeSet::new(),
        custom_fields: Default::default(),
        cc: vec![],
    };
    let (ticket, _) = desk.create_ticket(&admin, new()).await.unwrap();
    let (other, _) = desk.create_ticket(&admin, new()).await.unwrap();
    let (elsewhere, _) = desk
        .create_ticket(
            &admin,
            NewTicket {
                department: Some(DepartmentId::parse("billing").unwrap()),
                ..new()
            },
        )
        .await
        .unwrap();
    // A customer's mail as intake keeps it: the raw copy in the bucket, a pointer on the message.
    let mail = Message {
        writer: Writer::Customer(ticket.requester),
        delivery: Delivery::None,
        email: Some(EmailDetails {
            raw: Some(BlobRef {
                bucket: "mail".into(),
                key: format!("inbound/{n}"),
            }),
            ..Default::default()
        }),
        ..bare_message(&ticket)
    };
    desk.store().carry_over(std::slice::from_ref(&mail), &[]).await.unwrap();
    desk.put_template(
        &admin,
        TemplateName::parse(&format!("fixture{n}")).unwrap(),
        Language::parse("en").unwrap(),
        "Hello".into(),
        "{{ team_name }}".into(),
    )
    .await
    .unwrap();
    let agent = desk
        .create_agent(
            &admin,
            NewAgent {
                email: EmailAddress::parse(&format!("agent{n}@example.com")).unwrap(),
                name: "A".into(),
                role: Role::Agent,
                seniority: Seniority::Regular,
                departments: [support].into(),
            },
            &deps.directory,
        )
        .await
        .unwrap();
    // A reply with a file, for the download route (the link is signed without reading it).
    let file = Attachment {
        name: "a.txt".into(),
        content_type: "text/plain".into(),
        size: 1,
        inline: false,
        content_id: None,
        blob: BlobRef {
            bucket: "mail".into(),
            key: format!("attachments/{n}/a.txt"),
        },
        quarantined: false,
    };
    let (_, with_file) = desk
        .reply(&admin, TicketRef::Id(other.id), "see file".into(), None, vec![file])
        .await
        .unwrap();
    let draft = serde_json::from_value(json!({"name": format!("fixture {n}"), "position": n,
        "triggers": [{"on": "agent_replied"}], "actions": [{"do": "add_tags", "tags": ["fx"]}]}))
    .unwrap();
    let rule = desk.create_rule(&admin, draft).await.unwrap();
    let draft = serde_json::from_value(json!({"name": format!("fixture {n}"), "position": n,
        "conditions": {"tags": ["never-on-a-fixture"]}, "targets": {"urgent": {"first_response": 60}}}))
    .unwrap();
    // One policy serves every fixture of a table (a desk has at most 50).
    let policy = match desk.list_sla_policies().await.unwrap().into_iter().next() {
        Some(policy) => policy,
        None => desk.create_sla_policy(&admin, draft).await.unwrap(),
    };
    let subscription = shared::usecases::report_subscriptions::create(
        desk.store(),
        &SystemClock,
        &admin,
        serde_json::from_value(
            json!({"recipients": ["lead@example.com"], "frequency": "daily", "hour": 7,
            "time_zone": "Europe/Prague", "departments": ["support"]}),
        )
        .unwrap(),
    )
    .await
    .unwrap();
    let canned = shared::usecases::desk::canned::create(
        desk.store(),
        &SystemClock,
        &admin,
        serde_json::from_value(json!({"title": format!("fixture {n}"), "body": "Hi", "department": "support"}))
            .unwrap(),
    )
    .await
    .unwrap();
    Fixture {
        canned_id: canned.id,
        ticket,
        other,
        elsewhere,
        mail: mail.id.to_string(),
        agent_id: agent.id.to_string(),
        with_file: with_file.id.to_string(),
        rule_id: rule.id.to_string(),
        sla_policy_id: policy.id.to_string(),
        report_subscription_id: subscription.id.to_string(),
    }
}

/// A bare message on `ticket`, for fixtures to fill in.
fn bare_message(ticket: &Ticket) -> Message {
    let now = shared::domain::Clock::now(&SystemClock);
    Message {
        id: MessageId::generate(now),
        ticket_id: ticket.id,
        writer: Writer::Agent(AgentSubject::new("fixture-agent")),
        visibility: Visibility::Public,
        from: None,
        body_text: "hello".into(),
        delivery: Delivery::None,
        created_at: now,
        carried_from: None,
        body_html: None,
        quoted_text: None,
        attachments: vec![],
        email: None,
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Who {
    Admin,
    Manager,
    AgentInDepartment,
    AgentElsewhere,
}

const EVERYONE: &[Who] = &[Who::Admin, Who::Manager, Who::AgentInDepartment, Who::AgentElsewhere];
const TICKET_WORKERS: &[Who] = &[Who::Admin, Who::Manager, Who::AgentInDepartment];
const MANAGERS: &[Who] = &[Who::Admin, Who::Manager];
const ADMINS: &[Who] = &[Who::Admin];

type Case = (
    &'static str,
    &'static [Who],
    fn(&Fixture, usize) -> (&'static str, String, Option<Value>),
);

fn routes() -> Vec<Case> {
    vec![
        ("list tickets", EVERYONE, |_, _| ("GET", "/v1/tickets".into(), None)),
        ("create ticket", TICKET_WORKERS, |_, _| {
            (
                "POST",
                "/v1/tickets".into(),
                Some(
                    json!({"subject": "s", "body": "b", "requester": {"email": "n@example.com"}, "department": "support"}),
                ),
            )
        }),
        ("get ticket", TICKET_WORKERS, |f, _| {
            ("GET", format!("/v1/tickets/{}", f.ticket.id), None)
        }),
        ("get ticket by number", TICKET_WORKERS, |f, _| {
            ("GET", format!("/v1/tickets/{}", f.ticket.number), None)
        }),
        ("update ticket", TICKET_WORKERS, |f, _| {
            (
                "PATCH",
                format!("/v1/tickets/{}", f.ticket.id),
                Some(json!({"priority": "high"})),
            )
        }),
        ("reply", TICKET_WORKERS, |f, _| {
            (
                "POST",
                format!("/v1/tickets/{}/replies", f.ticket.id),
                Some(json!({"body": "hello"})),
            )
        }),
        ("note", TICKET_WORKERS, |f, _| {
            (
                "POST",
                format!("/v1/tickets/{}/notes", f.ticket.id),
                Some(json!({"body": "psst"})),
            )
        }),
        ("messages", TICKET_WORKERS, |f, _| {
            ("GET", format!("/v1/tickets/{}/messages", f.ticket.id), None)
        }),
        ("ticket sla", TICKET_WORKERS, |f, _| {
            ("GET", format!("/v1/tickets/{}/sla", f.ticket.id), None)
        }),
        ("audit", TICKET_WORKERS, |f, _| {
            ("GET", format!("/v1/tickets/{}/audit", f.ticket.id), None)
        }),
        ("merge", TICKET_WORKERS, |f, _| {
            (
                "POST",
                format!("/v1/tickets/{}/merge", f.ticket.id),
                Some(json!({"into": f.other.number.to_string()})),
            )
        }),
        ("merge into another department", MANAGERS, |f, _| {
            (
                "POST",
                format!("/v1/tickets/{}/merge", f.ticket.id),
                Some(json!({"into": f.elsewhere.number.to_string()})),
            )
        }),
        ("raw mail", TICKET_WORKERS, |f, _| {
            (
                "GET",
                format!("/v1/tickets/{}/messages/{}/raw", f.ticket.id, f.mail),
                None,
            )
        }),
        ("set contact deliverable", ADMINS, |f, _| {
            (
                "PATCH",
                format!("/v1/contacts/{}", f.ticket.requester),
                Some(json!({"undeliverable": false})),
            )
        }),
        ("find contact", EVERYONE, |_, n| {
            ("GET", format!("/v1/contacts?email=c{n}@example.com"), None)
        }),
        ("create contact", EVERYONE, |_, n| {
            (
                "POST",
                "/v1/contacts".into(),
                Some(json!({"email": format!("new{n}@example.com")})),
            )
        }),
        ("get contact", EVERYONE, |f, _| {
            ("GET", format!("/v1/contacts/{}", f.ticket.requester), None)
        }),
        ("export contact", ADMINS, |f, _| {
            ("POST", format!("/v1/contacts/{}/export", f.ticket.requester), None)
        }),
        ("erase contact", ADMINS, |f, _| {
            (
                "POST",
                format!("/v1/contacts/{}/erase", f.ticket.requester),
                Some(json!({"reason": "asked by mail"})),
            )
        }),
        ("list privacy requests", MANAGERS, |_, _| {
            ("GET", "/v1/privacy-requests".into(), None)
        }),
        ("contact tickets", EVERYONE, |f, _| {
            ("GET", format!("/v1/contacts/{}/tickets", f.ticket.requester), None)
        }),
        ("list departments", EVERYONE, |_, _| {
            ("GET", "/v1/departments".into(), None)
        }),
        ("get department", EVERYONE, |_, _| {
            ("GET", "/v1/departments/support".into(), None)
        }),
        ("create department", ADMINS, |_, n| {
            (
                "POST",
                "/v1/departments".into(),
                Some(json!({"id": format!("d{n}"), "name": "D"})),
            )
        }),
        ("update department", ADMINS, |_, _| {
            (
                "PATCH",
                "/v1/departments/billing".into(),
                Some(json!({"name": "Billing EU"})),
            )
        }),
        ("list agents", MANAGERS, |_, _| ("GET", "/v1/agents".into(), None)),
        ("get agent", MANAGERS, |f, _| {
            ("GET", format!("/v1/agents/{}", f.agent_id), None)
        }),
        ("create agent", ADMINS, |_, n| {
            (
                "POST",
                "/v1/agents".into(),
                Some(json!({"email": format!("x{n}@example.com"), "name": "X", "role": "agent"})),
            )
        }),
        ("update agent", ADMINS, |f, _| {
            (
                "PATCH",
                format!("/v1/agents/{}", f.agent_id),
                Some(json!({"seniority": "senior"})),
            )
        }),
        ("list assignees", EVERYONE, |_, _| ("GET", "/v1/assignees".into(), None)),
        ("list a department's assignees", TICKET_WORKERS, |_, _| {
            ("GET", "/v1/assignees?department=support".into(), None)
        }),
        ("my profile", EVERYONE, |_, _| ("GET", "/v1/agents/me".into(), None)),
        ("download attachment", TICKET_WORKERS, |f, _| {
            (
                "GET",
                format!("/v1/tickets/{}/messages/{}/attachments/1", f.other.id, f.with_file),
                None,
            )
        }),
        ("attachment link", TICKET_WORKERS, |f, _| {
            (
                "GET",
                format!("/v1/tickets/{}/messages/{}/attachments/1/link", f.other.id, f.with_file),
                None,
            )
        }),
        ("start upload", EVERYONE, |_, _| {
            (
                "POST",
                "/v1/uploads".into(),
                Some(json!({"name": "invoice.pdf", "content_type": "application/pdf", "size": 1000})),
            )
        }),
        ("list rules", EVERYONE, |_, _| ("GET", "/v1/rules".into(), None)),
        ("get rule", EVERYONE, |f, _| {
            ("GET", format!("/v1/rules/{}", f.rule_id), None)
        }),
        ("create rule", MANAGERS, |_, n| {
            (
                "POST",
                "/v1/rules".into(),
                Some(
                    json!({"name": format!("r{n}"), "position": 1, "triggers": [{"on": "customer_replied"}],
                            "actions": [{"do": "set_priority", "priority": "high"}]}),
                ),
            )
        }),
        ("replace rule", MANAGERS, |f, _| {
            (
                "PUT",
                format!("/v1/rules/{}", f.rule_id),
                Some(
                    json!({"name": "renamed", "position": 2, "triggers": [{"on": "agent_replied"}],
                            "actions": [{"do": "add_tags", "tags": ["x"]}]}),
                ),
            )
        }),
        ("delete rule", MANAGERS, |f, _| {
            ("DELETE", format!("/v1/rules/{}", f.rule_id), None)
        }),
        ("dry-run rules", TICKET_WORKERS, |f, _| {
            (
                "POST",
                "/v1/rules/dry-run".into(),
                Some(json!({"ticket": f.ticket.id, "event": {"on": "agent_replied"}})),
            )
        }),
        ("list SLA policies", EVERYONE, |_, _| {
            ("GET", "/v1/sla-policies".into(), None)
        }),
        ("get SLA policy", EVERYONE, |f, _| {
            ("GET", format!("/v1/sla-policies/{}", f.sla_policy_id), None)
        }),
        ("create SLA policy", MANAGERS, |_, n| {
            (
                "POST",
                "/v1/sla-policies".into(),
                Some(
                    json!({"name": format!("p{n}"), "position": 5, "conditions": {"tags": ["nope"]},
                            "targets": {"high": {"resolution": 480}}}),
                ),
            )
        }),
        ("replace SLA policy", MANAGERS, |f, _| {
            (
                "PUT",
                format!("/v1/sla-policies/{}", f.sla_policy_id),
                Some(
                    json!({"name": "renamed", "position": 6, "conditions": {"tags": ["nope"]},
                            "targets": {"low": {"resolution": 4800}}}),
                ),
            )
        }),
        ("delete SLA policy", MANAGERS, |f, _| {
            ("DELETE", format!("/v1/sla-policies/{}", f.sla_policy_id), None)
        }),
        ("list templates", EVERYONE, |_, _| ("GET", "/v1/templates".into(), None)),
        ("get template", EVERYONE, |_, _| {
            ("GET", "/v1/templates/acknowledgement/cs".into(), None)
        }),
        ("put template", ADMINS, |_, n| {
            (
                "PUT",
                format!("/v1/templates/custom{n}/en"),
                Some(json!({"subject": "Hi {{ ticket_number }}", "text": "{{ team_name }}"})),
            )
        }),
        ("delete template", ADMINS, |_, n| {
            ("DELETE", format!("/v1/templates/fixture{n}/en"), None)
        }),
        // Agents see their own figures only (group_by=agent); any other grouping is theirs to ask
        // for not.
        ("metrics by department", MANAGERS, |_, _| {
            ("GET", "/v1/metrics?group_by=department".into(), None)
        }),
        ("list report subscriptions", MANAGERS, |_, _| {
            ("GET", "/v1/report-subscriptions".into(), None)
        }),
        ("create report subscription", MANAGERS, |_, _| {
            (
                "POST",
                "/v1/report-subscriptions".into(),
                Some(
                    json!({"recipients": ["boss@example.com"], "frequency": "weekly", "hour": 8,
                    "time_zone": "Europe/Budapest", "language": "hu"}),
                ),
            )
        }),
        ("get report subscription", MANAGERS, |f, _| {
            (
                "GET",
                format!("/v1/report-subscriptions/{}", f.report_subscription_id),
                None,
            )
        }),
        ("replace report subscription", MANAGERS, |f, _| {
            (
                "PUT",
                format!("/v1/report-subscriptions/{}", f.report_subscription_id),
                Some(
                    json!({"recipients": ["boss@example.com"], "frequency": "monthly", "hour": 6,
                    "time_zone": "Asia/Kuala_Lumpur", "language": "ms"}),
                ),
            )
        }),
        ("delete report subscription", MANAGERS, |f, _| {
            (
                "DELETE",
                format!("/v1/report-subscriptions/{}", f.report_subscription_id),
                None,
            )
        }),
        ("search", EVERYONE, |_, _| ("GET", "/v1/search?q=printer".into(), None)),
        ("list canned responses", EVERYONE, |_, _| {
            ("GET", "/v1/canned-responses".into(), None)
        }),
        ("create shared canned response", MANAGERS, |_, _| {
            (
                "POST",
                "/v1/canned-responses".into(),
                Some(json!({"title": "Thanks", "body": "Hi {{requester.name}}", "department": "support"})),
            )
        }),
        ("replace shared canned response", MANAGERS, |f, _| {
            (
                "PUT",
                format!("/v1/canned-responses/{}", f.canned_id),
                Some(json!({"title": "Thanks", "body": "Hi {{agent.name}}", "department": "support"})),
            )
        }),
        ("delete shared canned response", MANAGERS, |f, _| {
            ("DELETE", format!("/v1/canned-responses/{}", f.canned_id), None)
        }),
        ("get survey settings", ADMINS, |_, _| {
            ("GET", "/v1/settings/surveys".into(), None)
        }),
        ("put survey settings", ADMINS, |_, _| {
            (
                "PUT",
                "/v1/settings/surveys".into(),
                Some(
                    json!({"csat_enabled": true, "csat_scale": "five_point", "csat_delay_seconds": 3600, "csat_contact_cap_days": 7,
                            "nps_enabled": true, "nps_interval_days": 90}),
                ),
            )
        }),
        ("get retention settings", ADMINS, |_, _| {
            ("GET", "/v1/settings/retention".into(), None)
        }),
        ("put retention settings", ADMINS, |_, _| {
            (
                "PUT",
                "/v1/settings/retention".into(),
                Some(json!({"solved_ticket_months": 24})),
            )
        }),
    ]
}

fn event_for(method: &str, target: &str, body: Option<Value>, claims: Option<Value>) -> Value {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let mut e = request(method, path, body, claims);
    if method == "PATCH" {
        e["headers"]["if-match"] = json!("\"1\"");
    }
    if !query.is_empty() {
        e["rawQueryString"] = json!(query);
        let (k, v) = query.split_once('=').unwrap();
        e["queryStringParameters"] = json!({ k: v });
    }
    e
}

#[tokio::test]
async fn every_route_answers_each_role_as_the_rules_say() {
    let deps = deps().await;
    let mut n = 0;
    let mut failures = Vec::new();
    for (name, allowed, build) in routes() {
        for who in EVERYONE {
            n += 1;
            let f = fixture(&deps, n).await;
            let (method, target, body) = build(&f, n);
            let c = match who {
                Who::Admin => claims("admin", ""),
                Who::Manager => claims("manager", ""),
                Who::AgentInDepartment => claims("agent", "support"),
                Who::AgentElsewhere => claims("agent", "billing"),
            };
            let answer = send(&deps, &event_for(method, &target, body, Some(c))).await;
            let ok = if allowed.contains(who) {
                (200..300).contains(&answer.status) || answer.status == 302
            } else {
                answer.status == 403
            };
            if !ok {
                failures.push(format!("{name} as {who:?}: {} {}", answer.status, answer.body));
            }
        }
        n += 1;
        let f = fixture(&deps, n).await;
        let (method, target, body) = build(&f, n);
        let answer = send(&deps, &event_for(method, &target, body, None)).await;
        if answer.status != 401 {
            failures.push(format!("{name} without a token: {}", answer.status));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn unknown_routes_and_methods() {
    let deps = deps().await;
    let admin = Some(claims("admin", ""));
    assert_eq!(
        send(&deps, &request("GET", "/v1/nothing", None, admin.clone()))
            .await
            .status,
        404
    );
    let wrong = send(&deps, &request("DELETE", "/v1/tickets", None, admin)).await;
    assert_eq!(wrong.status, 405);
    assert_eq!(wrong.headers["allow"], "GET, POST");
}

/// A file the virus scan flagged is kept but never handed out: the download route refuses it
/// with a clear 403, where a clean file on the same message redirects to a signed link.
#[tokio::test]
async fn a_quarantined_attachment_cannot_be_downloaded() {
    let deps = deps().await;
    let fixture = fixture(&deps, 900).await;
    let admin_principal = Principal {
        subject: "setup".into(),
        email: None,
        role: Role::Admin,
        departments: BTreeSet::new(),
    };
    let file = |name: &str, quarantined| Attachment {
        name: name.into(),
        content_type: "application/pdf".into(),
        size: 1,
        inline: false,
        content_id: None,
        blob: BlobRef {
            bucket: "mail".into(),
            key: format!("attachments/q/{name}"),
        },
        quarantined,
    };
    let (_, message) = deps
        .desk
        .reply(
            &admin_principal,
            TicketRef::Id(fixture.ticket.id),
            "files".into(),
            None,
            vec![file("clean.pdf", false), file("invoice.pdf", true)],
        )
        .await
        .unwrap();
    let path = |index: usize| {
        format!(
            "/v1/tickets/{}/messages/{}/attachments/{index}",
            fixture.ticket.id, message.id
        )
    };
    let admin = || Some(claims("admin", ""));
    let clean = send(&deps, &request("GET", &path(1), None, admin())).await;
    assert_eq!(clean.status, 302, "{}", clean.body);
    let flagged = send(&deps, &request("GET", &path(2), None, admin())).await;
    assert_eq!(flagged.status, 403, "{}", flagged.body);
    assert!(
        flagged.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("flagged by the virus scan"),
        "{}",
        flagged.body
    );
    assert!(flagged.headers.get("location").is_none());
}

/// `PATCH` with `If-Match` and a JSON body.
fn patch(path: &str, version: &str, body: Value) -> Value {
    let mut e = request("PATCH", path, Some(body), Some(claims("admin", "")));
    e["headers"]["if-match"] = json!(version);
    e
}

#[tokio::test]
async fn ccs_are_added_and_removed_through_patch_with_field_errors() {
    let deps = deps().await;
    let created = send(&deps, &sample("create-ticket")).await;
    let path = format!("/v1/tickets/{}", created.body["id"].as_str().unwrap());
    let requester = deps
        .desk
        .get_contact(created.body["requester"].as_str().unwrap().parse().unwrap())
        .await
        .unwrap()
        .email
        .unwrap();

    let cases = [
        (
            json!({"add_cc": ["ok@example.com", "not an address"]}),
            422,
            "add_cc[1]",
        ),
        (
            json!({"add_cc": ["ok@example.com", requester.as_str()]}),
            422,
            "add_cc[1]",
        ),
        (
            json!({"add_cc": ["a@example.com"], "remove_cc": ["A@example.com"]}),
            422,
            "remove_cc[0]",
        ),
        (
            json!({"add_cc": (0..21).map(|i| format!("c{i}@example.com")).collect::<Vec<_>>()}),
            422,
            "add_cc",
        ),
    ];
    for (body, status, field) in cases {
        let answer = send(&deps, &patch(&path, "\"1\"", body.clone())).await;
        assert_eq!(answer.status, status, "{body}: {}", answer.body);
        assert_eq!(answer.body["error"]["field"], field, "{}", answer.body);
    }

    let added = send(&deps, &patch(&path, "\"1\"", json!({"add_cc": ["boss@example.com"]}))).await;
    assert_eq!(added.status, 200, "{}", added.body);
    assert_eq!(added.body["cc"], json!(["boss@example.com"]));
    let stale = send(
        &deps,
        &patch(&path, "\"1\"", json!({"remove_cc": ["boss@example.com"]})),
    )
    .await;
    assert_eq!(stale.status, 412, "CCs change under If-Match like any field");
    let removed = send(
        &deps,
        &patch(&path, "\"2\"", json!({"remove_cc": ["BOSS@example.com"]})),
    )
    .await;
    assert_eq!(removed.status, 200, "{}", removed.body);
    assert_eq!(removed.body["cc"], json!([]));

    let audit = send(
        &deps,
        &request("GET", &format!("{path}/audit"), None, Some(claims("admin", ""))),
    )
    .await;
    assert_eq!(audit.status, 200, "{}", audit.body);
    let cc_changes: Vec<Value> = audit.body["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .flat_map(|e| e["changes"].as_array().cloned().unwrap_or_default())
        .filter(|c| c["field"] == "cc")
        .collect();
    assert_eq!(cc_changes.len(), 2, "{}", audit.body);
}

#[tokio::test]
async fn merging_two_requesters_tickets_needs_an_explicit_yes() {
    let deps = deps().await;
    let admin = || Some(claims("admin", ""));
    let create = |email: &str| {
        request(
            "POST",
            "/v1/tickets",
            Some(json!({"subject": "s", "body": "b", "requester": {"email": email}})),
            admin(),
        )
    };
    let jana = send(&deps, &create("jana@example.cz")).await.body;
    let petr = send(&deps, &create("petr@example.cz")).await.body;
    let merge = |body: Value| {
        request(
            "POST",
            &format!("/v1/tickets/{}/merge", jana["id"].as_str().unwrap()),
            Some(body),
            admin(),
        )
    };
    let refused = send(&deps, &merge(json!({"into": petr["number"]}))).await;
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert_eq!(refused.body["error"]["code"], "different_requesters");
    let merged = send(
        &deps,
        &merge(json!({"into": petr["number"], "different_requesters": true})),
    )
    .await;
    assert_eq!(merged.status, 200, "{}", merged.body);
    assert_eq!(merged.body["source"]["merged_into"]["number"], petr["number"]);
}

#[tokio::test]
async fn an_admin_clears_undeliverable_on_a_contact() {
    let deps = deps().await;
    let contact = send(
        &deps,
        &request(
            "POST",
            "/v1/contacts",
            Some(json!({"email": "gone@example.cz"})),
            Some(claims("admin", "")),
        ),
    )
    .await
    .body;
    let id: shared::domain::ContactId = contact["id"].as_str().unwrap().parse().unwrap();
    deps.desk.store().set_undeliverable(id, true).await.unwrap();
    let path = format!("/v1/contacts/{id}");
    let body = || Some(json!({"undeliverable": false}));
    let by_agent = send(
        &deps,
        &request("PATCH", &path, body(), Some(claims("agent", "support"))),
    )
    .await;
    assert_eq!(by_agent.status, 403);
    let wrong = send(
        &deps,
        &request("PATCH", &path, Some(json!({"name": "x"})), Some(claims("admin", ""))),
    )
    .await;
    assert_eq!(wrong.status, 422);
    let cleared = send(&deps, &request("PATCH", &path, body(), Some(claims("admin", "")))).await;
    assert_eq!(cleared.status, 200, "{}", cleared.body);
    assert_eq!(cleared.body["undeliverable"], false);
    assert!(!deps.desk.get_contact(id).await.unwrap().undeliverable);
}

#[tokio::test]
async fn report_subscriptions_name_the_field_of_each_mistake() {
    let deps = deps().await;
    let admin = || Some(claims("admin", ""));
    let good =
        json!({"recipients": ["lead@example.com"], "frequency": "daily", "hour": 7, "time_zone": "Europe/Prague"});
    let cases = [
        ("recipients", json!({"recipients": ["not mail"]})),
        ("frequency", json!({"frequency": "hourly"})),
        ("hour", json!({"hour": 24})),
        ("time_zone", json!({"time_zone": "Europe/Atlantis"})),
        ("language", json!({"language": "de"})),
        ("departments", json!({"departments": ["nowhere"]})),
    ];
    for (field, change) in cases {
        let mut body = good.clone();
        for (k, v) in change.as_object().unwrap() {
            body[k] = v.clone();
        }
        let answer = send(&deps, &request("POST", "/v1/report-subscriptions", Some(body), admin())).await;
        assert_eq!(answer.status, 422, "{field}: {}", answer.body);
        assert_eq!(answer.body["error"]["field"], field, "{}", answer.body);
    }
    let created = send(&deps, &request("POST", "/v1/report-subscriptions", Some(good), admin())).await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(created.body["language"], "en");
    assert_eq!(created.body["time_zone"], "Europe/Prague");
    assert!(created.body["next_send_at"].as_str().unwrap().ends_with(":00:00.000Z"));
    let path = format!("/v1/report-subscriptions/{}", created.body["id"].as_str().unwrap());
    let deleted = send(&deps, &request("DELETE", &path, None, admin())).await;
    assert_eq!(deleted.status, 204);
    assert_eq!(send(&deps, &request("GET", &path, None, admin())).await.status, 404);
}

/// Every role may ask whom a ticket can go to, and gets names and departments, never emails; an
/// agent only for their own departments.
#[tokio::test]
async fn assignees_are_listed_by_department_without_emails() {
    let deps = deps().await;
    let f = fixture(&deps, 1).await;
    let agent = || Some(claims("agent", "support"));
    let mine = send(
        &deps,
        &event_for("GET", "/v1/assignees?department=support", None, agent()),
    )
    .await;
    assert_eq!(mine.status, 200, "{}", mine.body);
    let items = mine.body["items"].as_array().unwrap();
    assert!(items.iter().any(|a| a["id"] == f.agent_id.as_str()), "{}", mine.body);
    assert!(
        items
            .iter()
            .all(|a| a.as_object().unwrap().keys().collect::<BTreeSet<_>>()
                == BTreeSet::from([&"departments".to_owned(), &"id".to_owned(), &"name".to_owned()])),
        "{}",
        mine.body
    );
    let elsewhere = send(
        &deps,
        &event_for("GET", "/v1/assignees?department=billing", None, agent()),
    )
    .await;
    assert_eq!(elsewhere.status, 403, "{}", elsewhere.body);
    let billing = send(
        &deps,
        &event_for("GET", "/v1/assignees", None, Some(claims("agent", "billing"))),
    )
    .await;
    assert_eq!(billing.body["items"], json!([]), "no colleague shares billing");
    let manager = send(
        &deps,
        &event_for("GET", "/v1/assignees", None, Some(claims("manager", ""))),
    )
    .await;
    assert!(
        !manager.body["items"].as_array().unwrap().is_empty(),
        "{}",
        manager.body
    );
}

/// A canned response is edited in place (same id): a shared one by managers only, a personal
/// one by its owner; someone else's personal one does not exist for them.
#[tokio::test]
async fn a_canned_response_is_edited_in_place_by_whom_may() {
    let deps = deps().await;
    let manager = || Some(claims("manager", ""));
    let made = send(
        &deps,
        &request(
            "POST",
            "/v1/canned-responses",
            Some(json!({"title": "Hi", "body": "Hello", "department": "support"})),
            manager(),
        ),
    )
    .await;
    assert_eq!(made.status, 201, "{}", made.body);
    let path = format!("/v1/canned-responses/{}", made.body["id"].as_str().unwrap());
    let edit = json!({"title": "Hi again", "body": "Hello {{requester.name}}", "department": "support"});
    for who in [claims("agent", "support"), claims("agent", "billing")] {
        let refused = send(&deps, &request("PUT", &path, Some(edit.clone()), Some(who))).await;
        assert_eq!(refused.status, 403, "{}", refused.body);
    }
    let edited = send(&deps, &request("PUT", &path, Some(edit), manager())).await;
    assert_eq!(edited.status, 200, "{}", edited.body);
    assert_eq!(edited.body["id"], made.body["id"]);
    assert_eq!(edited.body["created_at"], made.body["created_at"]);
    assert_eq!(edited.body["title"], "Hi again");
    let bad = send(
        &deps,
        &request(
            "PUT",
            &path,
            Some(json!({"title": "Hi", "body": "{{nope}}", "department": "support"})),
            manager(),
        ),
    )
    .await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert_eq!(bad.body["error"]["field"], "body");

    let own = send(
        &deps,
        &request(
            "POST",
            "/v1/canned-responses",
            Some(json!({"title": "Mine", "body": "Hi"})),
            Some(claims("agent", "support")),
        ),
    )
    .await;
    let path = format!("/v1/canned-responses/{}", own.body["id"].as_str().unwrap());
    let mine = json!({"title": "Still mine", "body": "Hi there"});
    let by_owner = send(
        &deps,
        &request("PUT", &path, Some(mine.clone()), Some(claims("agent", "support"))),
    )
    .await;
    assert_eq!(by_owner.status, 200, "{}", by_owner.body);
    assert_eq!(by_owner.body["scope"]["kind"], "personal");
    let by_other = send(
        &deps,
        &request("PUT", &path, Some(mine), Some(claims("agent", "billing"))),
    )
    .await;
    assert_eq!(by_other.status, 404, "{}", by_other.body);
}
