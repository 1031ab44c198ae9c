//! The public routes with the sample events from `events/contact-form`, against DynamoDB Local
//! and moto's S3: tickets and contacts made, categories routed, every defence tripping where
//! it should (and recovering), uploads through the signed S3 form, and the portal's links
//! refusing forgery, other tickets and expiry.

use std::sync::{Arc, Mutex};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use contact_form::{Captcha, CaptchaProvider, Config, Deps, handle};
use lambda_http::Body;
use serde_json::{Value, json};
use shared::adapters::dynamodb::DynamoStore;
use shared::adapters::s3::S3Blobs;
use shared::config::SecretString;
use shared::domain::contact_form::{FormCategories, RateWindow};
use shared::domain::signing::LinkSigner;
use shared::domain::{
    Channel, Clock, DepartmentId, EmailAddress, Principal, Role, Status, SystemClock, TicketRef, Timestamp, Visibility,
};
use shared::ports::{ContactStore, PageRequest, TicketQuery, TicketStore};
use shared::usecases::desk::TicketDesk;

const KEY: &str = "test-portal-key-0123456789-0123456789";
const ORIGIN: &str = "https://www.example.com";

/// A clock the test moves by hand, shared by every part that reads it.
#[derive(Clone)]
struct TestClock(Arc<Mutex<Timestamp>>);

impl TestClock {
    fn new() -> Self {
        Self(Arc::new(Mutex::new(SystemClock.now())))
    }
    fn advance(&self, seconds: i64) {
        let mut now = self.0.lock().unwrap();
        *now = Timestamp::new(now.as_datetime() + chrono::Duration::seconds(seconds));
    }
}

impl Clock for TestClock {
    fn now(&self) -> Timestamp {
        *self.0.lock().unwrap()
    }
}

struct Fixture {
    deps: Deps<DynamoStore, TestClock>,
    clock: TestClock,
    desk: TicketDesk<DynamoStore, SystemClock>,
    bucket: String,
    s3: aws_sdk_s3::Client,
}

fn config(table: &str, bucket: &str) -> Config {
    Config {
        table_name: table.into(),
        mail_bucket: bucket.into(),
        s3_force_path_style: true,
        signer: LinkSigner::new(KEY.as_bytes()).unwrap(),
        public_base_url: "https://help.example.com".into(),
        categories: FormCategories::parse("general=support,billing=billing").unwrap(),
        origins: vec![ORIGIN.into()],
        per_ip: RateWindow { limit: 3, seconds: 600 },
        per_email: RateWindow { limit: 2, seconds: 600 },
        min_fill_seconds: 3,
        captcha: None,
        edge_secret: None,
    }
}

async fn fixture_with(change: impl FnOnce(&mut Config)) -> Fixture {
    let sdk = test_support::local_sdk().await;
    let table = test_support::fresh_table(&sdk).await;
    let s3 = test_support::s3_client(&sdk);
    let bucket = test_support::unique("mail");
    s3.create_bucket().bucket(&bucket).send().await.unwrap();
    let store = || DynamoStore::new(aws_sdk_dynamodb::Client::new(&sdk), &table);
    let desk = TicketDesk::new(store(), SystemClock);
    let admin = Principal {
        subject: "admin".into(),
        email: None,
        role: Role::Admin,
        departments: Default::default(),
    };
    for id in ["support", "billing"] {
        desk.create_department(&admin, DepartmentId::parse(id).unwrap(), id.into(), None)
            .await
            .unwrap();
    }
    let clock = TestClock::new();
    let mut config = config(&table, &bucket);
    change(&mut config);
    let blobs = S3Blobs::new(s3.clone()).with_credentials(sdk.credentials_provider());
    let deps = Deps::with(store(), blobs, clock.clone(), config).unwrap();
    Fixture {
        deps,
        clock,
        desk,
        bucket,
        s3,
    }
}

async fn fixture() -> Fixture {
    fixture_with(|_| {}).await
}

fn sample(name: &str) -> Value {
    let path = format!("{}/../../events/contact-form/{name}.json", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))).unwrap()
}

struct Answer {
    status: u16,
    headers: lambda_http::http::HeaderMap,
    body: Value,
}

impl Answer {
    fn text(&self) -> &str {
        self.body.as_str().unwrap_or_default()
    }
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

async fn send(f: &Fixture, event: &Value) -> Answer {
    let request = lambda_http::request::from_str(&event.to_string()).expect("a valid API Gateway v2 event");
    let response = handle(&f.deps, request).await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = match response.into_body() {
        Body::Text(t) => serde_json::from_str(&t).unwrap_or(Value::String(t)),
        Body::Empty => Value::Null,
        other => panic!("unexpected body {other:?}"),
    };
    Answer { status, headers, body }
}

/// The JSON submission sample with a token rendered `age` seconds ago and `change` applied.
fn submission(f: &Fixture, change: impl FnOnce(&mut Value)) -> Value {
    let mut e = sample("post-contact-json");
    let mut body: Value = serde_json::from_str(e["body"].as_str().unwrap()).unwrap();
    let rendered = Timestamp::new(f.clock.now().as_datetime() - chrono::Duration::seconds(10));
    body["form_token"] = json!(signer().form_token(rendered));
    change(&mut body);
    e["body"] = json!(body.to_string());
    e
}

fn signer() -> LinkSigner {
    LinkSigner::new(KEY.as_bytes()).unwrap()
}

fn from_ip(mut event: Value, ip: &str) -> Value {
    event["requestContext"]["http"]["sourceIp"] = json!(ip);
    event
}

/// The urlencoded sample's fields, changed and encoded again.
fn urlencoded(f: &Fixture, change: impl FnOnce(&mut Vec<(String, String)>)) -> Value {
    let mut e = sample("post-contact-urlencoded");
    let raw = STANDARD.decode(e["body"].as_str().unwrap()).unwrap();
    let mut pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&raw).unwrap();
    let rendered = Timestamp::new(f.clock.now().as_datetime() - chrono::Duration::seconds(10));
    for (k, v) in pairs.iter_mut() {
        if k == "form_token" {
            *v = signer().form_token(rendered);
        }
    }
    change(&mut pairs);
    e["body"] = json!(STANDARD.encode(serde_urlencoded::to_string(&pairs).unwrap()));
    e
}

async fn tickets(f: &Fixture) -> Vec<shared::domain::Ticket> {
    f.desk
        .store()
        .list_tickets(&TicketQuery {
            limit: 50,
            ..Default::default()
        })
        .await
        .unwrap()
        .items
}

/// A ticket's conversation as stored.
async fn messages(f: &Fixture, ticket: shared::domain::TicketId) -> Vec<shared::domain::Message> {
    let page = PageRequest {
        limit: 50,
        cursor: None,
    };
    f.desk.store().list_messages(ticket, &page).await.unwrap().items
}

/// A ticket's audit trail as stored.
async fn events(f: &Fixture, ticket: shared::domain::TicketId) -> Vec<shared::domain::AuditEvent> {
    let page = PageRequest {
        limit: 50,
        cursor: None,
    };
    f.desk.store().list_events(ticket, &page).await.unwrap().items
}

#[tokio::test]
async fn the_hosted_form_speaks_the_browser_s_language_and_labels_every_field() {
    let f = fixture().await;
    let page = send(&f, &sample("get-contact")).await;
    assert_eq!(page.status, 200);
    assert_eq!(page.header("content-type"), Some("text/html; charset=utf-8"));
    assert!(
        page.header("content-security-policy")
            .unwrap()
            .contains("default-src 'none'")
    );
    let html = page.text();
    assert!(
        html.contains("<html lang=\"cs\">") && html.contains("Napište nám"),
        "{html}"
    );
    for field in [
        "name",
        "email",
        "phone",
        "category",
        "subject",
        "message",
        "attachments",
    ] {
        assert!(html.contains(&format!("<label for=\"{field}\">")), "label for {field}");
        assert!(html.contains(&format!("id=\"{field}\"")), "control {field}");
    }
    assert!(
        html.contains("name=\"website\" type=\"text\" tabindex=\"-1\""),
        "the honeypot"
    );
    assert!(html.contains("<option value=\"billing\">Fakturace</option>"));
    let token = html
        .split("name=\"form_token\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    assert!(signer().check_form_token(Some(token), f.clock.now(), 0).is_ok());
}

#[tokio::test]
async fn the_widget_and_its_form_description_point_at_this_api() {
    let f = fixture().await;
    let script = send(&f, &sample("get-widget")).await;
    assert_eq!(script.status, 200);
    assert!(
        script
            .header("content-type")
            .unwrap()
            .starts_with("application/javascript")
    );
    assert!(script.text().contains("var API = 'https://help.example.com';"));
    let form = send(&f, &sample("get-form")).await;
    assert_eq!(form.status, 200);
    assert_eq!(form.body["submit_url"], "https://help.example.com/v1/contact");
    assert_eq!(
        form.body["categories"][1],
        json!({ "id": "billing", "label": "Fakturace" })
    );
    assert_eq!(form.body["language"], "cs");
    assert!(form.body["form_token"].as_str().unwrap().contains('.'));
}

#[tokio::test]
async fn a_submission_becomes_a_form_ticket_in_the_category_s_department() {
    let f = fixture().await;
    let answer = send(&f, &submission(&f, |_| {})).await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    let number = answer.body["ticket_number"].as_str().unwrap();
    assert!(number.starts_with("HD-"));
    assert_eq!(answer.header("access-control-allow-origin"), Some(ORIGIN));
    let all = tickets(&f).await;
    assert_eq!(all.len(), 1);
    let ticket = &all[0];
    assert_eq!(ticket.number.to_string(), number);
    assert_eq!(ticket.channel, Channel::Form);
    assert_eq!(ticket.department.as_ref().map(|d| d.as_str()), Some("billing"));
    assert_eq!(ticket.custom_fields["category"], "billing");
    assert_eq!(ticket.subject, "Invoice 2025-0117 charged twice");
    let contact = f
        .desk
        .store()
        .find_contact_by_email(&EmailAddress::parse("jana.novakova@example.cz").unwrap())
        .await
        .unwrap()
        .expect("the contact was created");
    assert_eq!(ticket.requester, contact.id);
    assert_eq!(contact.name.as_deref(), Some("Jana Nováková"));
    assert_eq!(contact.phone.as_ref().map(|p| p.as_str()), Some("+420601234567"));
    assert_eq!(contact.language.as_ref().map(|l| l.as_str()), Some("cs"));
    let messages = messages(&f, ticket.id).await;
    assert_eq!(messages.len(), 1);
    assert!(messages[0].body_text.contains("charged twice"));

    // The same person again: recognised, not duplicated.
    let again = send(&f, &submission(&f, |b| b["category"] = json!("general"))).await;
    assert_eq!(again.status, 201);
    let all = tickets(&f).await;
    assert_eq!(all.len(), 2);
    assert!(all.iter().all(|t| t.requester == contact.id));
    assert!(
        all.iter()
            .any(|t| t.department.as_ref().map(|d| d.as_str()) == Some("support"))
    );
}

#[tokio::test]
async fn the_form_without_javascript_gets_a_page_back() {
    let f = fixture().await;
    let answer = send(&f, &urlencoded(&f, |_| {})).await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    assert!(answer.text().contains("id=\"confirmation\""));
    assert!(answer.text().contains("id=\"ticket-number\">HD-"));
    assert_eq!(tickets(&f).await.len(), 1);

    // Sent empty: each field's error on the page, the values kept, nothing stored.
    let empty = send(
        &f,
        &urlencoded(&f, |pairs| {
            pairs.retain(|(k, _)| k == "form_token" || k == "lang" || k == "subject");
        }),
    )
    .await;
    assert_eq!(empty.status, 422);
    let html = empty.text();
    assert!(html.contains("id=\"error-summary\""), "{html}");
    for field in ["name", "email", "category", "message"] {
        assert!(html.contains(&format!("id=\"{field}-error\"")), "{field}");
        assert!(html.contains(&format!("aria-describedby=\"{field}-error\"")), "{field}");
    }
    assert!(!html.contains("id=\"subject-error\""));
    assert!(
        html.contains("value=\"Invoice 2025-0117 charged twice\""),
        "the subject is kept"
    );
    assert_eq!(tickets(&f).await.len(), 1);
}

#[tokio::test]
async fn bad_fields_are_named_and_oversize_bodies_refused() {
    let f = fixture().await;
    let answer = send(
        &f,
        &submission(&f, |b| {
            b["email"] = json!("not an address");
            b["subject"] = json!("x".repeat(201));
            b["category"] = json!("sales");
        }),
    )
    .await;
    assert_eq!(answer.status, 422);
    let fields: Vec<&str> = answer.body["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["email", "category", "subject"]);
    assert_eq!(answer.body["error"]["field"], "email");

    let huge = send(&f, &submission(&f, |b| b["message"] = json!("y".repeat(200_000)))).await;
    assert_eq!(huge.status, 413);
    let unknown = send(&f, &submission(&f, |b| b["favourite_colour"] = json!("red"))).await;
    assert_eq!(
        (unknown.status, unknown.body["error"]["field"].as_str()),
        (422, Some("favourite_colour"))
    );
    assert!(tickets(&f).await.is_empty());
}

#[tokio::test]
async fn bots_are_refused_without_a_ticket() {
    let f = fixture().await;
    let cases = [
        (
            "honeypot",
            submission(&f, |b| b["website"] = json!("http://cheap-pills.example")),
        ),
        ("no token", submission(&f, |b| b["form_token"] = json!(null))),
        (
            "forged token",
            submission(&f, |b| b["form_token"] = json!("1700000000.AAAA")),
        ),
        (
            "too fast",
            submission(&f, |b| b["form_token"] = json!(signer().form_token(f.clock.now()))),
        ),
    ];
    for (case, event) in cases {
        let answer = send(&f, &event).await;
        assert_eq!(answer.status, 400, "{case}: {}", answer.body);
        assert_eq!(answer.body["error"]["code"], "bad_request", "{case}");
        assert!(!answer.body.to_string().contains("panic"), "{case}");
    }
    assert!(tickets(&f).await.is_empty());
}

#[tokio::test]
async fn a_form_is_accepted_once_and_replays_forgeries_and_old_tokens_are_refused() {
    let f = fixture().await;
    let sent = submission(&f, |_| {});
    let first = send(&f, &from_ip(sent.clone(), "198.51.100.20")).await;
    assert_eq!(first.status, 201, "{}", first.body);
    // The same request again, from elsewhere and an hour later: no second ticket (the sample
    // speaks Czech: "this form was already sent").
    f.clock.advance(3600);
    let replay = send(&f, &from_ip(sent, "198.51.100.21")).await;
    assert_eq!(replay.status, 422, "{}", replay.body);
    assert_eq!(
        replay.body["error"]["fields"][0]["field"], "form_token",
        "{}",
        replay.body
    );
    assert!(
        replay.body["error"]["fields"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("už byl odeslán")),
        "{}",
        replay.body
    );
    // The hosted page sent twice (back button, resubmit): the page again with a notice.
    let page = urlencoded(&f, |pairs| {
        for (name, value) in pairs.iter_mut() {
            if name == "email" {
                *value = "page@example.com".into();
            }
        }
    });
    assert_eq!(send(&f, &from_ip(page.clone(), "198.51.100.22")).await.status, 200);
    let again = send(&f, &from_ip(page, "198.51.100.23")).await;
    assert_eq!(again.status, 422);
    assert!(again.text().contains("už byl odeslán"), "a notice: {}", again.text());
    // A token signed with another key, or rendered more than a day ago: refused as before.
    let forged = LinkSigner::new(&[9; 32]).unwrap().form_token(f.clock.now());
    let stale = signer().form_token(Timestamp::new(
        f.clock.now().as_datetime() - chrono::Duration::hours(25),
    ));
    for (case, token) in [("forged", forged), ("expired", stale)] {
        let answer = send(
            &f,
            &from_ip(submission(&f, |b| b["form_token"] = json!(token)), "198.51.100.24"),
        )
        .await;
        assert_eq!(answer.status, 400, "{case}: {}", answer.body);
    }
    assert_eq!(tickets(&f).await.len(), 2, "one ticket per form");
}

/// The request as CloudFront forwards it: with the edge secret and the viewer's address.
fn via_edge(mut event: Value, secret: &str, viewer: &str) -> Value {
    event["headers"]["x-lambdesk-edge"] = json!(secret);
    event["headers"]["cloudfront-viewer-address"] = json!(viewer);
    // The connection itself comes from CloudFront.
    event["requestContext"]["http"]["sourceIp"] = json!("130.176.1.10");
    event
}

#[tokio::test]
async fn behind_cloudfront_only_its_requests_are_served_and_each_viewer_is_counted() {
    let f = fixture_with(|c| c.edge_secret = Some(SecretString::new("edge-secret-0123456789"))).await;
    // Straight to the API (skipping WAF), with no secret or a wrong one: refused.
    let direct = send(&f, &from_ip(submission(&f, |_| {}), "203.0.113.50")).await;
    assert_eq!(direct.status, 403, "{}", direct.body);
    let guessed = send(
        &f,
        &via_edge(submission(&f, |_| {}), "edge-secret-0123456780", "203.0.113.50:443"),
    )
    .await;
    assert_eq!(guessed.status, 403);
    assert_eq!(send(&f, &sample("get-form")).await.status, 403, "every route");
    // Through CloudFront: the viewer's address is counted, not CloudFront's.
    let secret = "edge-secret-0123456789";
    for i in 0..3 {
        let event = submission(&f, |b| b["email"] = json!(format!("viewer{i}@example.com")));
        let answer = send(&f, &via_edge(event, secret, "203.0.113.50:50123")).await;
        assert_eq!(answer.status, 201, "{}", answer.body);
    }
    let event = submission(&f, |b| b["email"] = json!("viewer3@example.com"));
    assert_eq!(
        send(&f, &via_edge(event, secret, "203.0.113.50:50124")).await.status,
        429
    );
    let event = submission(&f, |b| b["email"] = json!("other@example.com"));
    let other = send(&f, &via_edge(event, secret, "[2001:db8::7]:443")).await;
    assert_eq!(other.status, 201, "another viewer behind the same edge: {}", other.body);
}

#[tokio::test]
async fn the_address_limit_trips_at_its_count_and_recovers_after_the_window() {
    let f = fixture().await;
    for i in 0..3 {
        let email = format!("person{i}@example.com");
        let answer = send(
            &f,
            &from_ip(submission(&f, |b| b["email"] = json!(email)), "203.0.113.9"),
        )
        .await;
        assert_eq!(answer.status, 201, "submission {i}: {}", answer.body);
    }
    let over = send(
        &f,
        &from_ip(
            submission(&f, |b| b["email"] = json!("late@example.com")),
            "203.0.113.9",
        ),
    )
    .await;
    assert_eq!(over.status, 429);
    let retry: i64 = over.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=600).contains(&retry), "{retry}");
    // Another address is not held back by this one.
    let other = send(
        &f,
        &from_ip(submission(&f, |b| b["email"] = json!("x@example.com")), "203.0.113.10"),
    )
    .await;
    assert_eq!(other.status, 201);
    assert_eq!(tickets(&f).await.len(), 4);

    f.clock.advance(retry);
    let later = send(
        &f,
        &from_ip(
            submission(&f, |b| b["email"] = json!("late@example.com")),
            "203.0.113.9",
        ),
    )
    .await;
    assert_eq!(later.status, 201, "a new window: {}", later.body);
}

#[tokio::test]
async fn the_email_limit_holds_across_addresses() {
    let f = fixture().await;
    for ip in ["198.51.100.1", "198.51.100.2"] {
        assert_eq!(send(&f, &from_ip(submission(&f, |_| {}), ip)).await.status, 201);
    }
    let third = send(
        &f,
        &from_ip(
            submission(&f, |b| b["email"] = json!("JANA.NOVAKOVA@example.cz")),
            "198.51.100.3",
        ),
    )
    .await;
    assert_eq!(third.status, 429, "the same mailbox, however written");
}

#[tokio::test]
async fn a_signed_upload_then_a_submission_attaches_the_file() {
    let f = fixture().await;
    let started = send(&f, &sample("post-upload")).await;
    assert_eq!(started.status, 201, "{}", started.body);
    assert_eq!(started.header("access-control-allow-origin"), Some(ORIGIN));
    let upload_id = started.body["upload_id"].as_str().unwrap().to_owned();
    assert!(upload_id.ends_with("/invoice.pdf"));
    let fields = started.body["fields"].as_object().unwrap();
    let policy = String::from_utf8(STANDARD.decode(fields["policy"].as_str().unwrap()).unwrap()).unwrap();
    assert!(
        policy.contains("content-length-range") && policy.contains("application/pdf"),
        "{policy}"
    );
    assert!(fields["key"].as_str().unwrap().starts_with("form-uploads/"));

    // The browser's part: a multipart POST of the fields and the file to the bucket.
    let pdf = b"%PDF-1.4\n% a small invoice\n".to_vec();
    let mut form = reqwest::multipart::Form::new();
    for (k, v) in fields {
        form = form.text(k.clone(), v.as_str().unwrap().to_owned());
    }
    form = form.part(
        "file",
        reqwest::multipart::Part::bytes(pdf.clone()).file_name("invoice.pdf"),
    );
    let posted = reqwest::Client::new()
        .post(started.body["url"].as_str().unwrap())
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert!(posted.status().is_success(), "S3 took the upload: {}", posted.status());

    let answer = send(&f, &submission(&f, |b| b["attachments"] = json!([upload_id]))).await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    let ticket = &tickets(&f).await[0];
    let messages = messages(&f, ticket.id).await;
    let attachment = &messages[0].attachments[0];
    assert_eq!(
        (attachment.name.as_str(), attachment.size),
        ("invoice.pdf", pdf.len() as u64)
    );
    assert!(attachment.blob.key.starts_with("attachments/"));
    let kept =
        f.s3.get_object()
            .bucket(&f.bucket)
            .key(&attachment.blob.key)
            .send()
            .await
            .unwrap();
    assert_eq!(kept.body.collect().await.unwrap().into_bytes().to_vec(), pdf);
}

#[tokio::test]
async fn uploads_of_refused_types_sizes_or_made_up_ids_are_refused() {
    let f = fixture().await;
    let upload = |name: &str, size: u64| {
        let mut e = sample("post-upload");
        e["body"] =
            json!(json!({ "name": name, "content_type": "application/octet-stream", "size": size }).to_string());
        e
    };
    let exe = send(&f, &upload("setup.exe", 1000)).await;
    assert_eq!(
        (exe.status, exe.body["error"]["field"].as_str()),
        (422, Some("name")),
        "{}",
        exe.body
    );
    let big = send(&f, &upload("video.mp4", 50 * 1024 * 1024)).await;
    assert_eq!((big.status, big.body["error"]["field"].as_str()), (422, Some("size")));
    // An id that was never uploaded: the submission names the field and makes no ticket.
    let answer = send(
        &f,
        &submission(&f, |b| {
            b["attachments"] = json!(["01J0000000000000000000000A/ghost.pdf"])
        }),
    )
    .await;
    assert_eq!(
        (answer.status, answer.body["error"]["field"].as_str()),
        (422, Some("attachments"))
    );
    assert!(tickets(&f).await.is_empty());
}

#[tokio::test]
async fn cors_answers_only_configured_origins() {
    let f = fixture().await;
    let allowed = send(&f, &sample("options-contact")).await;
    assert_eq!(allowed.status, 204);
    assert_eq!(allowed.header("access-control-allow-methods"), Some("GET, POST"));
    let mut stranger = sample("options-contact");
    stranger["headers"]["origin"] = json!("https://evil.example");
    let refused = send(&f, &stranger).await;
    assert_eq!(refused.header("access-control-allow-methods"), None);
    assert_eq!(refused.header("access-control-allow-origin"), None);
}

#[tokio::test]
async fn a_configured_captcha_is_checked_with_the_provider() {
    use axum::routing::post;
    let verify = axum::Router::new().route(
        "/siteverify",
        post(|body: String| async move {
            let ok = body.contains("secret=s3cret") && body.contains("response=good");
            json!({ "success": ok }).to_string()
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/siteverify", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, verify).await });
    let f = fixture_with(|c| {
        c.captcha = Some(Captcha::new(
            CaptchaProvider::Turnstile,
            "site-key".into(),
            SecretString::new("s3cret"),
            Some(url),
        ))
    })
    .await;
    let page = send(&f, &sample("get-contact")).await;
    assert!(
        page.text()
            .contains("class=\"field cf-turnstile\" data-sitekey=\"site-key\"")
    );
    let policy = page.header("content-security-policy").unwrap();
    assert!(
        policy.contains("script-src https://challenges.cloudflare.com"),
        "{policy}"
    );
    assert!(
        policy.contains("frame-src https://challenges.cloudflare.com"),
        "{policy}"
    );
    let bad = send(&f, &submission(&f, |b| b["captcha"] = json!("bad"))).await;
    assert_eq!(bad.status, 400);
    let missing = send(&f, &submission(&f, |_| {})).await;
    assert_eq!(missing.status, 400);
    let good = send(&f, &submission(&f, |b| b["captcha"] = json!("good"))).await;
    assert_eq!(good.status, 201, "{}", good.body);
}

fn portal(event: &str, token: &str) -> Value {
    let mut e = sample(event);
    let path = e["rawPath"].as_str().unwrap().replace("TOKEN", token);
    e["rawPath"] = json!(path);
    e["requestContext"]["http"]["path"] = json!(path);
    e["pathParameters"]["token"] = json!(token);
    e
}

#[tokio::test]
async fn the_portal_shows_the_public_conversation_and_takes_replies_and_closing() {
    let f = fixture().await;
    assert_eq!(send(&f, &submission(&f, |_| {})).await.status, 201);
    let ticket = tickets(&f).await.remove(0);
    let agent = Principal {
        subject: "agent-1".into(),
        email: None,
        role: Role::Admin,
        departments: Default::default(),
    };
    f.desk
        .add_note(
            &agent,
            TicketRef::Id(ticket.id),
            "Customer seems upset; refund approved".into(),
        )
        .await
        .unwrap();
    let expires = Timestamp::new(f.clock.now().as_datetime() + chrono::Duration::days(30));
    let token = signer().portal_token(ticket.id, expires);

    let page = send(&f, &portal("get-portal", &token)).await;
    assert_eq!(page.status, 200);
    let html = page.text();
    assert!(html.contains(&format!("id=\"ticket-ref\">{}", ticket.number)));
    assert!(html.contains("id=\"ticket-status\" data-status=\"new\""));
    assert!(html.contains("charged twice"));
    assert!(!html.contains("refund approved"), "internal notes never show");
    assert_eq!(page.header("referrer-policy"), Some("no-referrer"));

    let replied = send(&f, &portal("post-portal-reply", &token)).await;
    assert_eq!(replied.status, 303);
    assert_eq!(replied.header("location"), Some(format!("/portal/{token}").as_str()));
    let messages = messages(&f, ticket.id).await;
    let reply = messages
        .iter()
        .find(|m| m.body_text.contains("bank reference"))
        .expect("the reply");
    assert_eq!(
        (reply.visibility, reply.author()),
        (Visibility::Public, shared::domain::Author::Customer)
    );
    let events = events(&f, ticket.id).await;
    assert!(
        events
            .iter()
            .any(|e| e.event_type == shared::domain::EventType::CustomerReplied)
    );

    let mut empty = portal("post-portal-reply", &token);
    empty["body"] = json!(STANDARD.encode("message=+++"));
    let refused = send(&f, &empty).await;
    assert_eq!(refused.status, 422);
    assert!(refused.text().contains("id=\"message-error\""));

    assert_eq!(send(&f, &portal("post-portal-close", &token)).await.status, 303);
    let closed = f.desk.store().get_ticket(ticket.id).await.unwrap().unwrap();
    assert_eq!(closed.status, Status::Closed);
    let page = send(&f, &portal("get-portal", &token)).await;
    assert!(page.text().contains("id=\"closed-notice\""));
    assert!(!page.text().contains("id=\"reply-form\""));
    assert_eq!(
        send(&f, &portal("post-portal-close", &token)).await.status,
        303,
        "closing twice is fine"
    );
}

#[tokio::test]
async fn portal_links_cannot_be_forged_moved_or_used_late() {
    let f = fixture().await;
    for email in ["a@example.com", "b@example.com"] {
        assert_eq!(
            send(&f, &submission(&f, |b| b["email"] = json!(email))).await.status,
            201
        );
    }
    let all = tickets(&f).await;
    let (mine, theirs) = (&all[0], &all[1]);
    let expires = Timestamp::new(f.clock.now().as_datetime() + chrono::Duration::hours(1));
    let token = signer().portal_token(mine.id, expires);
    let signature = token.rsplit('.').next().unwrap();
    let moved = format!("{}.{}.{signature}", theirs.id, expires.as_datetime().timestamp());
    let other_key = LinkSigner::new(b"another-desk-key-0123456789-0123456789").unwrap();
    let forged = other_key.portal_token(theirs.id, expires);
    for (case, bad) in [("moved", moved), ("forged", forged), ("garbage", "x".to_owned())] {
        for event in ["get-portal", "post-portal-reply", "post-portal-close"] {
            let answer = send(&f, &portal(event, &bad)).await;
            assert_eq!(answer.status, 404, "{case} {event}");
            assert!(answer.text().contains("id=\"link-invalid\""));
        }
    }
    assert_eq!(send(&f, &portal("get-portal", &token)).await.status, 200);
    f.clock.advance(3601);
    assert_eq!(send(&f, &portal("get-portal", &token)).await.status, 404, "expired");
    // Nothing was written through the refused links.
    for t in [mine, theirs] {
        let now = f.desk.store().get_ticket(t.id).await.unwrap().unwrap();
        assert_eq!((now.status, now.version), (t.status, t.version));
    }
}

#[tokio::test]
async fn unknown_routes_and_methods_are_clear() {
    let f = fixture().await;
    let mut e = sample("get-form");
    e["requestContext"]["http"]["method"] = json!("DELETE");
    let answer = send(&f, &e).await;
    assert_eq!((answer.status, answer.header("allow")), (405, Some("GET")));
    e["requestContext"]["http"]["method"] = json!("GET");
    e["rawPath"] = json!("/v1/contact/nothing");
    e["requestContext"]["http"]["path"] = json!("/v1/contact/nothing");
    assert_eq!(send(&f, &e).await.status, 404);
    let mut wrong = submission(&f, |_| {});
    wrong["headers"]["content-type"] = json!("text/plain");
    assert_eq!(send(&f, &wrong).await.status, 415);
}

#[tokio::test]
async fn a_portal_link_cannot_flood_its_ticket() {
    let f = fixture().await;
    assert_eq!(send(&f, &submission(&f, |_| {})).await.status, 201);
    let ticket = tickets(&f).await.remove(0);
    let expires = Timestamp::new(f.clock.now().as_datetime() + chrono::Duration::days(30));
    let token = signer().portal_token(ticket.id, expires);
    for i in 0..20 {
        assert_eq!(
            send(&f, &portal("post-portal-reply", &token)).await.status,
            303,
            "reply {i}"
        );
    }
    let over = send(&f, &portal("post-portal-reply", &token)).await;
    assert_eq!(over.status, 429);
    assert!(over.text().contains("id=\"message-error\""));
    f.clock.advance(3600);
    assert_eq!(
        send(&f, &portal("post-portal-reply", &token)).await.status,
        303,
        "a new hour"
    );
}

/// A file SES's virus scan flagged is never offered to the customer; a clean one is.
#[tokio::test]
async fn the_portal_offers_no_link_to_a_quarantined_file() {
    let f = fixture().await;
    assert_eq!(send(&f, &submission(&f, |_| {})).await.status, 201);
    let ticket = tickets(&f).await.remove(0);
    let agent = Principal {
        subject: "agent-1".into(),
        email: None,
        role: Role::Admin,
        departments: Default::default(),
    };
    let file = |name: &str, quarantined| shared::domain::Attachment {
        name: name.into(),
        content_type: "application/pdf".into(),
        size: 1,
        inline: false,
        content_id: None,
        blob: shared::domain::BlobRef {
            bucket: f.bucket.clone(),
            key: format!("attachments/q/{name}"),
        },
        quarantined,
    };
    f.desk
        .reply(
            &agent,
            TicketRef::Id(ticket.id),
            "Two files".into(),
            None,
            vec![file("clean-invoice.pdf", false), file("flagged-invoice.pdf", true)],
        )
        .await
        .unwrap();
    let expires = Timestamp::new(f.clock.now().as_datetime() + chrono::Duration::days(30));
    let page = send(&f, &portal("get-portal", &signer().portal_token(ticket.id, expires))).await;
    assert_eq!(page.status, 200);
    assert!(page.text().contains("clean-invoice.pdf"), "{}", page.text());
    assert!(!page.text().contains("flagged-invoice.pdf"), "{}", page.text());
}
