//! Satisfaction surveys end to end through the dev host: an agent resolves a ticket, the pipe
//! and the csat queue schedule its survey, the survey sweep (run as of a moment, as
//! `cargo xtask invoke csat-sweep --at` does) mails it through SES, fetching the "bad" link as a
//! mail scanner does records nothing, posting the page's form records "bad" with a comment on
//! the ticket, and the default bad-rating rule, once enabled, reopens the ticket and mails the
//! department's lead. The NPS question goes the same way: a resolution makes its requester a
//! candidate, the sweep asks them once, a scanner's fetch records nothing and the posted score
//! counts in `GET /v1/satisfaction`.

use devhost::testing::{TestHost, unique};
use e2e::{call, call_if_match, invoke_at, sent_mail};
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};

/// The first survey link in a raw survey mail (quoted-printable undone), with its query.
fn first_link(raw: &str, host: &TestHost) -> String {
    let text = raw.replace("=\r\n", "").replace("=3D", "=");
    let start = text.find(&format!("{}/survey/", host.url)).expect("a survey link");
    text[start..]
        .chars()
        .take_while(|c| !c.is_whitespace() && *c != '<' && *c != '"')
        .collect()
}

/// The survey link for `rating` in a raw survey mail (one token, an answer each).
fn link_in(raw: &str, host: &TestHost, rating: &str) -> String {
    let link = first_link(raw, host);
    format!("{}?rating={rating}", link.split('?').next().unwrap())
}

/// A ticket made through the API with `body`, then resolved, its events moved through the pipe
/// to the csat queue and handed to the csat function; its path.
async fn resolved_ticket(host: &TestHost, pipe: &mut devhost::pipe::StreamPipe, admin: &str, body: Value) -> String {
    let (status, ticket) = call(&host.url, Method::POST, "/v1/tickets", admin, Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{ticket}");
    let path = format!("/v1/tickets/{}", ticket["id"].as_str().unwrap());
    let (status, _) = call_if_match(
        &host.url,
        Method::PATCH,
        &path,
        admin,
        "*",
        Some(json!({"status": "resolved"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    host.drain_events(pipe).await;
    assert!(host.drain_csat().await >= 1, "the resolution reached the csat queue");
    path
}

#[tokio::test]
async fn a_resolved_ticket_is_surveyed_and_only_the_posted_form_records_a_bad_rating() {
    let host = TestHost::start().await;
    let mut pipe = host.pipe().await;
    let admin = host.token("admin", "admin@example.com", &[]);
    let (status, _) = call(
        &host.url,
        Method::POST,
        "/v1/departments",
        &admin,
        Some(json!({"id": "billing", "name": "Billing"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let lead_email = format!("{}@help.example.com", unique("lead"));
    let (status, lead) = call(
        &host.url,
        Method::POST,
        "/v1/agents",
        &admin,
        Some(json!({"email": lead_email, "name": "Lea", "role": "manager", "departments": ["billing"]})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{lead}");
    let (status, department) = call(
        &host.url,
        Method::PATCH,
        "/v1/departments/billing",
        &admin,
        Some(json!({"lead": lead["id"]})),
    )
    .await;
    assert!(status.is_success(), "{department}");

    // The default bad-rating rule ships disabled; the manager turns it on.
    let (_, rules) = call(&host.url, Method::GET, "/v1/rules", &admin, None).await;
    let rule = rules["items"]
        .as_array()
        .or(rules.as_array())
        .unwrap()
        .iter()
        .find(|r| r["triggers"][0]["on"] == "csat_received")
        .expect("the default bad-rating rule")
        .clone();
    assert_eq!(rule["enabled"], false);
    let draft = json!({
        "name": rule["name"], "enabled": true, "position": rule["position"], "triggers": rule["triggers"],
        "conditions": rule["conditions"], "actions": rule["actions"], "stop": rule["stop"]
    });
    let (status, enabled) = call(
        &host.url,
        Method::PUT,
        &format!("/v1/rules/{}", rule["id"].as_str().unwrap()),
        &admin,
        Some(draft),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{enabled}");

    let requester = format!("{}@customer.example", unique("rater"));
    let path = resolved_ticket(
        &host,
        &mut pipe,
        &admin,
        json!({"subject": "Invoice missing", "body": "Where is it?", "requester": {"email": requester},
               "department": "billing"}),
    )
    .await;

    // The schedule's run, as of now (the dev host surveys at the next sweep).
    let report = sweep_at(&host, chrono::Utc::now() + chrono::Duration::minutes(1)).await;
    assert_eq!(report["sent"], 1, "{report}");
    let mails = sent_mail(&requester).await;
    let surveys: Vec<&String> = mails.iter().filter(|m| m.contains("/survey/")).collect();
    assert_eq!(surveys.len(), 1, "one survey mail");
    let survey = surveys[0];
    let bad = link_in(survey, &host, "bad");

    // A scanner fetches the link: a page with "bad" chosen, and nothing recorded.
    let scanned = Client::new().get(&bad).send().await.unwrap();
    assert_eq!(scanned.status(), StatusCode::OK);
    assert!(scanned.text().await.unwrap().contains(r#"value="bad" checked"#));
    let (_, after_scan) = call(&host.url, Method::GET, &path, &admin, None).await;
    assert!(after_scan.get("satisfaction").is_none(), "{after_scan}");

    // The customer posts the page's form.
    let posted = Client::new()
        .post(bad.split('?').next().unwrap())
        .form(&[("rating", "bad"), ("comment", "Three days for an answer.")])
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), StatusCode::OK);
    let (_, rated) = call(&host.url, Method::GET, &path, &admin, None).await;
    assert_eq!(rated["satisfaction"]["rating"], "bad", "{rated}");
    assert_eq!(rated["satisfaction"]["comment"], "Three days for an answer.");

    // The csat.received event runs the rule: reopened, and the lead hears of it.
    host.drain_events(&mut pipe).await;
    let (_, reopened) = call(&host.url, Method::GET, &path, &admin, None).await;
    assert_eq!(reopened["status"], "open", "{reopened}");
    let to_lead = sent_mail(&lead_email).await;
    assert_eq!(to_lead.len(), 1);
    assert!(to_lead[0].contains("Three days for an answer."));
    let (_, trail) = call(&host.url, Method::GET, &format!("{path}/audit"), &admin, None).await;
    let kinds: Vec<&str> = trail["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["type"].as_str())
        .collect();
    assert!(kinds.contains(&"csat.received"), "{kinds:?}");
}

/// The NPS link for `score` in a raw NPS mail (one token, a score each).
fn nps_link_in(raw: &str, host: &TestHost, score: u8) -> String {
    let link = first_link(raw, host);
    assert!(link.contains("?score="), "an NPS link, not a CSAT one: {link}");
    format!("{}?score={score}", link.split('?').next().unwrap())
}

/// The survey sweep's run as of `at`, as its schedule (or `cargo xtask invoke`) starts it.
async fn sweep_at(host: &TestHost, at: chrono::DateTime<chrono::Utc>) -> Value {
    invoke_at(&host.url, "csat-sweep", &at.to_rfc3339()).await
}

#[tokio::test]
async fn an_admin_turns_nps_on_and_a_solved_ticket_s_requester_is_asked_once_and_counted() {
    let host = TestHost::start().await;
    let mut pipe = host.pipe().await;
    let admin = host.token("admin", "admin@example.com", &[]);
    // NPS on, CSAT off: the NPS question is the only mail the sweep sends.
    let settings = json!({"csat_enabled": false, "csat_scale": "good_bad", "csat_delay_seconds": 0,
                          "csat_contact_cap_days": 7, "nps_enabled": true, "nps_interval_days": 90});
    let (status, stored) = call(&host.url, Method::PUT, "/v1/settings/surveys", &admin, Some(settings)).await;
    assert_eq!(status, StatusCode::OK, "{stored}");

    let requester = format!("{}@customer.example", unique("promoter"));
    let body = json!({"subject": "Cannot log in", "body": "Locked out.", "requester": {"email": requester}});
    resolved_ticket(&host, &mut pipe, &admin, body).await;

    let now = chrono::Utc::now();
    let report = sweep_at(&host, now + chrono::Duration::minutes(1)).await;
    assert_eq!(
        (report["sent"].as_u64(), report["nps"]["sent"].as_u64()),
        (Some(0), Some(1)),
        "{report}"
    );
    let mails: Vec<String> = sent_mail(&requester)
        .await
        .into_iter()
        .filter(|m| m.contains("/survey/"))
        .collect();
    assert_eq!(mails.len(), 1, "one NPS mail");
    let three = nps_link_in(&mails[0], &host, 3);

    // A scanner fetches the link: the page has 3 chosen, and nothing is counted.
    let scanned = Client::new().get(&three).send().await.unwrap();
    assert_eq!(scanned.status(), StatusCode::OK);
    assert!(scanned.text().await.unwrap().contains(r#"value="3" checked"#));
    let (_, before) = call(&host.url, Method::GET, "/v1/satisfaction", &admin, None).await;
    assert_eq!(before["nps"]["responses"], 0, "{before}");

    // The contact posts the page's form: a detractor, so the score is -100.
    let posted = Client::new()
        .post(three.split('?').next().unwrap())
        .form(&[("score", "3"), ("comment", "Too slow.")])
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), StatusCode::OK);
    let (_, after) = call(&host.url, Method::GET, "/v1/satisfaction", &admin, None).await;
    assert_eq!(after["nps"]["responses"], 1, "{after}");
    assert_eq!(after["nps"]["detractors"], 1, "{after}");
    assert_eq!(after["nps"]["score"].as_f64(), Some(-100.0), "{after}");

    // The next runs ask nobody again: at most once per contact in the interval.
    let again = sweep_at(&host, now + chrono::Duration::minutes(6)).await;
    assert_eq!(again["nps"]["sent"], 0, "{again}");
    let surveys = sent_mail(&requester)
        .await
        .into_iter()
        .filter(|m| m.contains("/survey/"))
        .count();
    assert_eq!(surveys, 1);
}
