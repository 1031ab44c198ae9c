//! The survey end to end against DynamoDB Local and moto's SES, through the function's entry
//! points and the samples in `events/csat*`: a resolution delivered several times schedules
//! one survey, the sweep mails it when due (at the schedule's time) and only once, a GET of
//! the link (what a mail scanner does) records nothing, the form's POST records the rating on
//! the ticket with a `csat.received` event, and the abuse cases (forged, altered, expired,
//! replayed, flooded) get a clear page and write nothing.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use aws_lambda_events::event::sqs::SqsEvent;
use csat::{Deps, handle_events, handle_page, sweep};
use lambda_http::Body;
use lambda_runtime::LambdaEvent;
use serde_json::{Value, json};
use shared::adapters::dynamodb::DynamoStore;
use shared::adapters::sesv2::SesMailer;
use shared::domain::nps::NpsPolicy;
use shared::domain::satisfaction::{Rating, SurveyPolicy};
use shared::domain::signing::LinkSigner;
use shared::domain::{
    AuditEvent, Channel, Clock, EmailAddress, EventType, Precondition, Principal, Priority, RequesterDetails, Role,
    Status, SupportLevel, Ticket, TicketEvent, TicketPatch, TicketRef, Timestamp,
};
use shared::ports::{NpsStore, PageRequest, SurveyStore, TicketStore};
use shared::usecases::desk::{NewTicket, TicketDesk};
use shared::usecases::intake::parse_support_addresses;
use shared::usecases::satisfaction::{SatisfactionFilter, SurveyConfig, Surveys};

const SES_DOMAIN: &str = "email.amazonses.com";

/// A clock the test moves by hand, shared by the desk and the survey page.
#[derive(Clone)]
struct TestClock(Arc<Mutex<Timestamp>>);

impl TestClock {
    fn at(text: &str) -> Self {
        Self(Arc::new(Mutex::new(Timestamp::parse(text).unwrap())))
    }
    fn advance_hours(&self, hours: i64) {
        let mut now = self.0.lock().unwrap();
        *now = Timestamp::new(now.as_datetime() + chrono::Duration::hours(hours));
    }
}

impl Clock for TestClock {
    fn now(&self) -> Timestamp {
        *self.0.lock().unwrap()
    }
}

struct Fixture {
    /// The browser's `Accept-Language` for the survey page.
    language: Mutex<&'static str>,
    deps: Deps<DynamoStore, SesMailer, TestClock>,
    desk: TicketDesk<DynamoStore, TestClock>,
    clock: TestClock,
    store: DynamoStore,
}

fn agent() -> Principal {
    Principal {
        subject: "agent-1".into(),
        email: None,
        role: Role::Admin,
        departments: BTreeSet::new(),
    }
}

async fn fixture() -> Fixture {
    fixture_with(NpsPolicy::default()).await
}

async fn fixture_with(nps: NpsPolicy) -> Fixture {
    let sdk = test_support::local_sdk().await;
    let table = test_support::fresh_table(&sdk).await;
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&sdk), &table);
    // moto sends only from verified identities.
    let ses = aws_sdk_sesv2::Client::new(&sdk);
    let _ = ses
        .create_email_identity()
        .email_identity("help.example.com")
        .send()
        .await;
    let clock = TestClock::at("2026-11-23T09:00:00Z");
    let surveys = Surveys::new(
        store.clone(),
        SesMailer::new(ses, None),
        clock.clone(),
        SurveyConfig {
            policy: SurveyPolicy::default(),
            nps,
            signer: LinkSigner::new(&[7; 32]).unwrap(),
            base_url: "https://forms.example.com".into(),
            addresses: parse_support_addresses("support@help.example.com").unwrap(),
        },
    );
    Fixture {
        language: Mutex::new("en"),
        deps: Deps {
            surveys,
            ses_domain: SES_DOMAIN.into(),
        },
        desk: TicketDesk::new(store.clone(), clock.clone()),
        clock,
        store,
    }
}

fn sample(path: &str) -> Value {
    let path = format!("{}/../../events/{path}.json", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))).unwrap()
}

/// A ticket for a requester no other test mails, solved by an agent: the ticket and its
/// resolution's event.
async fn resolved_ticket(f: &Fixture, requester: &str) -> (Ticket, AuditEvent) {
    let new = NewTicket {
        subject: "Invoice <missing>".into(),
        body: "Where is my invoice?".into(),
        requester: RequesterDetails::new(
            Some("Ann".into()),
            Some(EmailAddress::parse(requester).unwrap()),
            None,
            None,
        )
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
    };
    let (ticket, _) = f.desk.create_ticket(&agent(), new).await.unwrap();
    f.clock.advance_hours(1);
    let patch = TicketPatch {
        status: Some(Status::Resolved),
        ..Default::default()
    };
    let ticket = f
        .desk
        .update_ticket(&agent(), TicketRef::Id(ticket.id), Precondition::Any, patch)
        .await
        .unwrap();
    let resolved = events(f, &ticket).await.into_iter().last().unwrap();
    assert!(shared::domain::satisfaction::resolves(&resolved.changes));
    (ticket, resolved)
}

async fn events(f: &Fixture, ticket: &Ticket) -> Vec<AuditEvent> {
    let page = PageRequest {
        limit: 50,
        cursor: None,
    };
    f.store.list_events(ticket.id, &page).await.unwrap().items
}

/// The event as the csat queue delivers it: the sample's envelope around this event.
fn via_sqs(event: &AuditEvent) -> SqsEvent {
    let mut sqs = sample("csat/ticket-resolved-via-sqs");
    let mut body: Value = serde_json::from_str(sqs["Records"][0]["body"].as_str().unwrap()).unwrap();
    let published = TicketEvent::from(event);
    body["detail"]["type"] = json!(published.event_type);
    body["detail"]["ticket_id"] = json!(published.ticket_id);
    body["detail"]["event"] = json!(serde_json::to_string(&published).unwrap());
    sqs["Records"][0]["body"] = json!(body.to_string());
    serde_json::from_value(sqs).unwrap()
}

async fn deliver(f: &Fixture, event: &AuditEvent) {
    let response = handle_events(&f.deps, LambdaEvent::new(via_sqs(event), Default::default()))
        .await
        .unwrap();
    assert!(response.batch_item_failures.is_empty(), "{response:?}");
}

async fn sweep_at(f: &Fixture, at: Timestamp) -> csat::SurveySweepReport {
    sweep(&f.deps, json!({ "time": at })).await.unwrap().csat
}

fn hours_after(at: Timestamp, hours: i64) -> Timestamp {
    Timestamp::new(at.as_datetime() + chrono::Duration::hours(hours))
}

/// The raw mails moto's SES sent to `to`, quoted-printable soft breaks undone.
async fn mail_to(to: &str) -> Vec<String> {
    let endpoint = std::env::var("AWS_ENDPOINT_URL_SESV2")
        .or_else(|_| std::env::var("AWS_ENDPOINT_URL"))
        .expect("AWS_ENDPOINT_URL_SESV2");
    // moto builds the dump from live state: while other tests write, a dump can fail.
    let mut dump = Value::Null;
    for _ in 0..5 {
        let response = reqwest::get(format!("{endpoint}/moto-api/data.json")).await.unwrap();
        if response.status().is_success()
            && let Ok(read) = response.json::<Value>().await
        {
            dump = read;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    dump["ses"]["RawMessage"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|m| m["destinations"].as_array().is_some_and(|d| d.iter().any(|x| x == to)))
        .filter_map(|m| {
            m["raw_data"]
                .as_str()
                .map(|raw| raw.replace("=\r\n", "").replace("=3D", "="))
        })
        .collect()
}

/// The token of the survey link for `rating` in a survey mail (one token, an answer each).
fn token_in(mail: &str, rating: &str) -> String {
    const BASE: &str = "https://forms.example.com/survey/";
    let start = mail.find(BASE).expect("a survey link") + BASE.len();
    let token = mail[start..].split('?').next().unwrap().to_owned();
    assert!(mail.contains(&format!("{BASE}{token}?rating={rating}")), "{mail}");
    token
}

struct Answer {
    status: u16,
    text: String,
}

fn language(f: &Fixture) -> &'static str {
    *f.language.lock().unwrap()
}

async fn page(f: &Fixture, method: &str, token: &str, form: Option<&str>) -> Answer {
    page_query(f, method, token, None, form).await
}

/// A request to the page with `query` (`score=9`) instead of the sample's.
async fn page_query(f: &Fixture, method: &str, token: &str, query: Option<(&str, &str)>, form: Option<&str>) -> Answer {
    let mut event = match method {
        "GET" => sample("csat-page/get-survey"),
        _ => sample("csat-page/post-survey"),
    };
    if let Some((name, value)) = query {
        event["rawQueryString"] = json!(format!("{name}={value}"));
        event["queryStringParameters"] = json!({ name: value });
    }
    for pointer in ["/rawPath", "/requestContext/http/path"] {
        *event.pointer_mut(pointer).unwrap() = json!(format!("/survey/{token}"));
    }
    event["pathParameters"]["token"] = json!(token);
    event["headers"]["accept-language"] = json!(language(f));
    if let Some(form) = form {
        event["body"] = json!(form);
        event["isBase64Encoded"] = json!(false);
    }
    let request = lambda_http::request::from_str(&event.to_string()).unwrap();
    let response = handle_page(&f.deps, request).await.unwrap();
    let status = response.status().as_u16();
    let text = match response.into_body() {
        Body::Text(t) => t,
        other => panic!("not a page: {other:?}"),
    };
    Answer { status, text }
}

async fn ticket(f: &Fixture, ticket: &Ticket) -> Ticket {
    f.store.get_ticket(ticket.id).await.unwrap().unwrap()
}

fn count(events: &[AuditEvent], kind: EventType) -> usize {
    events.iter().filter(|e| e.event_type == kind).count()
}

#[tokio::test]
async fn a_resolution_sends_one_survey_when_due_and_only_the_form_s_post_records_a_rating() {
    let f = fixture().await;
    let address = format!("{}@customer.example", test_support::unique("csat"));
    let (solved, resolution) = resolved_ticket(&f, &address).await;

    // Delivered three times: one pending survey.
    for _ in 0..3 {
        deliver(&f, &resolution).await;
    }
    assert_eq!(
        sweep_at(&f, hours_after(resolution.at, 23)).await.sent,
        0,
        "not due yet"
    );
    let report = sweep_at(&f, hours_after(resolution.at, 25)).await;
    assert_eq!((report.sent, report.failed, report.complete), (1, 0, true));
    assert_eq!(sweep_at(&f, hours_after(resolution.at, 26)).await.sent, 0, "sent once");
    let mails = mail_to(&address).await;
    assert_eq!(mails.len(), 1);
    assert!(mails[0].contains("How did we do?"), "{}", mails[0]);
    let bad = token_in(&mails[0], "bad");

    // A scanner (or the customer) opens the link: a page, nothing recorded.
    let opened = page(&f, "GET", &bad, None).await;
    assert_eq!(opened.status, 200);
    assert!(opened.text.contains(r#"value="bad" checked"#), "{}", opened.text);
    assert!(opened.text.contains("Invoice &lt;missing&gt;"), "the subject, escaped");
    assert!(!opened.text.contains("Where is my invoice"), "never the conversation");
    assert!(!opened.text.contains("<script"));
    // A Czech browser gets the page in Czech, its form posting back in Czech.
    *f.language.lock().unwrap() = "cs-CZ,cs;q=0.9";
    let czech = page(&f, "GET", &bad, None).await;
    assert!(czech.text.contains(r#"<html lang="cs">"#) && czech.text.contains("Jak jsme si vedli?"));
    assert!(czech.text.contains("?lang=cs"), "{}", czech.text);
    *f.language.lock().unwrap() = "en";
    assert_eq!(ticket(&f, &solved).await.satisfaction, None);
    assert_eq!(count(&events(&f, &solved).await, EventType::CsatReceived), 0);

    // The form's post records it; posted again, it records nothing more.
    let form = "rating=bad&comment=It+took+three+days.";
    for _ in 0..2 {
        let thanked = page(&f, "POST", &bad, Some(form)).await;
        assert_eq!(thanked.status, 200, "{}", thanked.text);
        assert!(thanked.text.contains("Thank you"));
    }
    let rated = ticket(&f, &solved).await.satisfaction.unwrap();
    assert_eq!(
        (rated.rating, rated.comment.unwrap().as_str()),
        (Rating::Bad, "It took three days.")
    );
    let trail = events(&f, &solved).await;
    assert_eq!(count(&trail, EventType::CsatReceived), 1);

    // The rating changes within the window: the last one counts, both stay in the trail.
    let changed = page(&f, "POST", &bad, Some("rating=good&comment=")).await;
    assert_eq!(changed.status, 200);
    assert_eq!(ticket(&f, &solved).await.satisfaction.unwrap().rating, Rating::Good);
    let trail = events(&f, &solved).await;
    assert_eq!(count(&trail, EventType::CsatReceived), 2);

    // Each csat.received event keeps the latest rating for the report, once however often,
    // and the older one delivered last (both in the same millisecond here) changes nothing.
    let mut ratings: Vec<&AuditEvent> = trail
        .iter()
        .filter(|e| e.event_type == EventType::CsatReceived)
        .collect();
    ratings.sort_by_key(|e| std::cmp::Reverse(e.changes[0].to["ratings"].as_u64()));
    for event in ratings {
        deliver(&f, event).await;
        deliver(&f, event).await;
    }
    let report = f
        .deps
        .surveys
        .report(&SatisfactionFilter {
            from: hours_after(resolution.at, -24),
            to: hours_after(resolution.at, 24 * 40),
            department: None,
            agent: None,
        })
        .await
        .unwrap();
    assert_eq!((report.good, report.bad, report.score), (1, 0, Some(100.0)));
}

#[tokio::test]
async fn forged_altered_expired_and_flooded_links_get_a_clear_page_and_write_nothing() {
    let f = fixture().await;
    let address = format!("{}@customer.example", test_support::unique("csat"));
    let (solved, resolution) = resolved_ticket(&f, &address).await;
    deliver(&f, &resolution).await;
    sweep_at(&f, hours_after(resolution.at, 25)).await;
    let token = token_in(&mail_to(&address).await[0], "good");

    let forged = LinkSigner::new(&[9; 32])
        .unwrap()
        .survey_token(solved.id, hours_after(resolution.at, 999));
    let mut altered = token.clone();
    altered.replace_range(altered.len() - 3.., "AAA");
    for (name, token) in [
        ("forged", forged.as_str()),
        ("altered", altered.as_str()),
        ("garbage", "x.y.z"),
    ] {
        for method in ["GET", "POST"] {
            let answer = page(&f, method, token, Some("rating=bad")).await;
            assert_eq!(answer.status, 404, "{name} {method}");
            assert!(answer.text.contains("not valid"), "{name}: {}", answer.text);
        }
    }
    // Bad input on a good link: the form again, saying what to fix.
    let unrated = page(&f, "POST", &token, Some("rating=5")).await;
    assert_eq!(unrated.status, 422);
    assert!(unrated.text.contains("choose good or bad"));
    let huge = format!("rating=bad&comment={}", "x".repeat(30_000));
    assert_eq!(page(&f, "POST", &token, Some(&huge)).await.status, 413);
    assert_eq!(ticket(&f, &solved).await.satisfaction, None);

    // A flood of changes stops at the cap.
    let mut statuses = vec![];
    for i in 0..12 {
        // Changes back and forth (the tenth is bad), then "good" again and again.
        let rating = if i % 2 == 0 || i >= 10 { "good" } else { "bad" };
        statuses.push(page(&f, "POST", &token, Some(&format!("rating={rating}"))).await.status);
    }
    assert_eq!(statuses[..10], [200; 10]);
    assert_eq!(statuses[10..], [429, 429]);
    assert_eq!(count(&events(&f, &solved).await, EventType::CsatReceived), 10);

    // Thirty days after the mail, the link has expired.
    f.clock.advance_hours(24 * 32);
    for method in ["GET", "POST"] {
        let answer = page(&f, method, &token, Some("rating=bad")).await;
        assert_eq!(answer.status, 410, "{method}");
        assert!(answer.text.contains("expired"));
    }
}

#[tokio::test]
async fn reopened_merged_auto_closed_and_recently_surveyed_get_no_survey() {
    let f = fixture().await;
    let address = format!("{}@customer.example", test_support::unique("csat"));

    // Reopened before the delay: no survey.
    let (reopened, resolution) = resolved_ticket(&f, &address).await;
    deliver(&f, &resolution).await;
    let reopen = TicketPatch {
        status: Some(Status::Open),
        ..Default::default()
    };
    f.desk
        .update_ticket(&agent(), TicketRef::Id(reopened.id), Precondition::Any, reopen)
        .await
        .unwrap();
    let report = sweep_at(&f, hours_after(resolution.at, 25)).await;
    assert_eq!((report.sent, report.skipped), (0, 1));
    assert!(
        f.store
            .due_surveys(hours_after(resolution.at, 25), None, 10)
            .await
            .unwrap()
            .is_empty(),
        "a survey that will not go is gone"
    );

    // Resolved by a rule with nobody assigned: auto-closed, no survey.
    let (unworked, mut by_rule) = resolved_ticket(&f, &address).await;
    by_rule.actor = shared::domain::Actor::System {
        cause: "time sweep".into(),
    };
    deliver(&f, &by_rule).await;
    assert_eq!(sweep_at(&f, hours_after(by_rule.at, 25)).await.skipped, 1);
    assert_eq!(ticket(&f, &unworked).await.assignee, None);

    // Two tickets of one contact within the cap: one survey.
    let (_, first) = resolved_ticket(&f, &address).await;
    let (_, second) = resolved_ticket(&f, &address).await;
    deliver(&f, &first).await;
    deliver(&f, &second).await;
    let report = sweep_at(&f, hours_after(second.at, 25)).await;
    assert_eq!((report.sent, report.skipped), (1, 1));
    assert_eq!(mail_to(&address).await.len(), 1);
}

/// `events/csat-sweep`: what the schedule sends the sweep.
#[tokio::test]
async fn the_schedule_s_sample_drives_the_sweep_and_a_bad_event_is_an_error() {
    let f = fixture().await;
    let report = sweep(&f.deps, sample("csat-sweep/scheduled")).await.unwrap();
    assert!(report.csat.complete && report.csat.failed == 0, "{report:?}");
    assert!(report.nps.complete && report.nps.failed == 0, "{report:?}");
    let unusable = sweep(&f.deps, json!({"time": "yesterday"})).await;
    assert!(matches!(unusable, Err(csat::SweepError::Event(_))), "{unusable:?}");
    // The queue's sample (a ticket that does not exist here) is handled without a failure.
    let event: SqsEvent = serde_json::from_value(sample("csat/ticket-resolved-via-sqs")).unwrap();
    let response = handle_events(&f.deps, LambdaEvent::new(event, Default::default()))
        .await
        .unwrap();
    assert!(response.batch_item_failures.is_empty());
}

fn days_after(at: Timestamp, days: i64) -> Timestamp {
    Timestamp::new(at.as_datetime() + chrono::Duration::days(days))
}

async fn nps_sweep_at(f: &Fixture, at: Timestamp) -> csat::SurveySweepReport {
    csat::sweep_nps(&f.deps, json!({ "time": at })).await.unwrap()
}

/// The token of the NPS link for `score` in an NPS mail (one token, a score each).
fn nps_token_in(mail: &str, score: u8) -> String {
    const BASE: &str = "https://forms.example.com/survey/";
    let start = mail.find(BASE).expect("an NPS link") + BASE.len();
    let token = mail[start..].split('?').next().unwrap().to_owned();
    assert!(mail.contains(&format!("{BASE}{token}?score={score}")), "{mail}");
    token
}

async fn nps_of(f: &Fixture, from: Timestamp, to: Timestamp) -> shared::domain::nps::NpsTally {
    let filter = SatisfactionFilter {
        from,
        to,
        department: None,
        agent: None,
    };
    shared::usecases::satisfaction::satisfaction_report(&f.store, &agent(), filter)
        .await
        .unwrap()
        .nps
}

#[tokio::test]
async fn nps_asks_a_recently_solved_contact_once_per_interval_and_only_the_form_s_post_records_the_score() {
    let f = fixture_with(NpsPolicy {
        enabled: true,
        interval_days: 90,
    })
    .await;
    let address = format!("{}@customer.example", test_support::unique("nps"));
    let (_, resolution) = resolved_ticket(&f, &address).await;
    // Delivered three times, swept twice: one NPS survey.
    for _ in 0..3 {
        deliver(&f, &resolution).await;
    }
    let first = hours_after(resolution.at, 1);
    let report = nps_sweep_at(&f, first).await;
    assert_eq!((report.sent, report.failed, report.complete), (1, 0, true));
    assert_eq!(
        nps_sweep_at(&f, hours_after(resolution.at, 2)).await.sent,
        0,
        "sent once"
    );
    let mails: Vec<String> = mail_to(&address)
        .await
        .into_iter()
        .filter(|m| m.contains("recommend"))
        .collect();
    assert_eq!(mails.len(), 1, "one NPS mail");
    for score in 0..=10 {
        nps_token_in(&mails[0], score);
    }
    let token = nps_token_in(&mails[0], 9);

    // A scanner opens the link: the form with 9 chosen, nothing recorded.
    let opened = page_query(&f, "GET", &token, Some(("score", "9")), None).await;
    assert!(opened.text.contains(r#"value="9" checked"#), "{}", opened.text);
    assert_eq!(opened.status, 200, "{}", opened.text);
    assert!(
        opened.text.contains("How likely are you to recommend us"),
        "{}",
        opened.text
    );
    assert!(!opened.text.contains("<script"));
    let period = (resolution.at, days_after(resolution.at, 1));
    assert_eq!(
        nps_of(&f, period.0, period.1).await.responses,
        0,
        "a GET records nothing"
    );
    // An altered link: the clear page, not an error.
    let altered = format!("{}x", token);
    assert_eq!(page(&f, "GET", &altered, None).await.status, 404);
    assert_eq!(page(&f, "POST", &altered, Some("score=9")).await.status, 404);

    // The form's POST records the answer; no score is a 422 with the form again.
    let missing = page(&f, "POST", &token, Some("comment=hi")).await;
    assert_eq!(missing.status, 422, "{}", missing.text);
    let posted = page(&f, "POST", &token, Some("score=9&comment=Quick+and+kind")).await;
    assert_eq!(posted.status, 200, "{}", posted.text);
    let tally = nps_of(&f, period.0, period.1).await;
    assert_eq!((tally.responses, tally.promoters, tally.score), (1, 1, Some(100.0)));
    // Posted again: the same. Changed to a 3: one answer, now a detractor.
    assert_eq!(
        page(&f, "POST", &token, Some("score=9&comment=Quick+and+kind"))
            .await
            .status,
        200
    );
    assert_eq!(page(&f, "POST", &token, Some("score=3")).await.status, 200);
    let tally = nps_of(&f, period.0, period.1).await;
    assert_eq!((tally.responses, tally.detractors, tally.score), (1, 1, Some(-100.0)));

    // Another resolution a month later: not asked again before 90 days since the survey.
    f.clock.advance_hours(24 * 30);
    let (_, later) = resolved_ticket(&f, &address).await;
    deliver(&f, &later).await;
    assert_eq!(
        nps_sweep_at(&f, hours_after(later.at, 1)).await.sent,
        0,
        "the cap holds"
    );
    assert_eq!(nps_sweep_at(&f, days_after(first, 89)).await.sent, 0, "the cap holds");
    let again = nps_sweep_at(&f, days_after(first, 90)).await;
    assert_eq!(again.sent, 1, "90 days on, with a resolution within them");
    assert_eq!(nps_sweep_at(&f, days_after(first, 91)).await.sent, 0);
    // 90 days after that, the last resolution is too old: not asked, and off the index.
    let stale = nps_sweep_at(&f, days_after(first, 180)).await;
    assert_eq!((stale.sent, stale.skipped), (0, 1));
    assert_eq!(
        nps_sweep_at(&f, days_after(first, 400)).await,
        csat::SurveySweepReport {
            complete: true,
            ..Default::default()
        }
    );
    let sent = mail_to(&address)
        .await
        .into_iter()
        .filter(|m| m.contains("recommend"))
        .count();
    assert_eq!(sent, 2);
}

#[tokio::test]
async fn nps_off_sends_nothing_and_the_contacts_wait() {
    let f = fixture().await;
    let address = format!("{}@customer.example", test_support::unique("nps-off"));
    let (_, resolution) = resolved_ticket(&f, &address).await;
    deliver(&f, &resolution).await;
    let report = nps_sweep_at(&f, hours_after(resolution.at, 1)).await;
    assert_eq!((report.sent, report.skipped, report.complete), (0, 0, true));
    let due = f.store.due_nps(hours_after(resolution.at, 1), None, 10).await.unwrap();
    assert_eq!(due.len(), 1, "still due when NPS is turned on");
}

#[tokio::test]
async fn the_stored_survey_settings_win_over_the_configured_defaults() {
    use shared::domain::satisfaction::SurveySettings;
    use shared::ports::SurveySettingsStore;
    // Configured: CSAT on, NPS off. Stored: the other way round.
    let f = fixture().await;
    let settings = SurveySettings {
        csat_enabled: false,
        csat_scale: Default::default(),
        csat_delay_seconds: 0,
        csat_contact_cap_days: 7,
        nps_enabled: true,
        nps_interval_days: 30,
    };
    f.store.put_survey_settings(&settings).await.unwrap();
    assert_eq!(f.store.survey_settings().await.unwrap(), Some(settings));
    let address = format!("{}@customer.example", test_support::unique("settings"));
    let (_, resolution) = resolved_ticket(&f, &address).await;
    deliver(&f, &resolution).await;
    assert_eq!(nps_sweep_at(&f, hours_after(resolution.at, 1)).await.sent, 1, "NPS on");
    let report = sweep_at(&f, hours_after(resolution.at, 25)).await;
    assert_eq!((report.sent, report.skipped), (0, 0), "CSAT off: nothing pending");
    let mails = mail_to(&address).await;
    assert_eq!(mails.len(), 1);
    assert!(mails[0].contains("recommend"));
}

#[tokio::test]
async fn a_five_point_desk_asks_one_to_five_and_four_or_five_counts_as_good() {
    use shared::domain::satisfaction::{CsatScale, Score, SurveySettings};
    use shared::ports::SurveySettingsStore;
    let f = fixture().await;
    let settings = SurveySettings {
        csat_scale: CsatScale::FivePoint,
        csat_delay_seconds: 0,
        ..SurveySettings::of(Default::default(), NpsPolicy::default())
    };
    f.store.put_survey_settings(&settings).await.unwrap();
    let address = format!("{}@customer.example", test_support::unique("five"));
    let (solved, resolution) = resolved_ticket(&f, &address).await;
    deliver(&f, &resolution).await;
    assert_eq!(sweep_at(&f, hours_after(resolution.at, 1)).await.sent, 1);
    let mails = mail_to(&address).await;
    assert_eq!(mails.len(), 1);
    let token = nps_token_in(&mails[0], 1);
    for score in 1..=5 {
        assert!(mails[0].contains(&format!(
            "{score}: https://forms.example.com/survey/{token}?score={score}"
        )));
    }
    assert!(!mails[0].contains("rating=good"), "one scale per mail");

    // The link opens the five-point form with its score chosen, and records nothing.
    let opened = page_query(&f, "GET", &token, Some(("score", "2")), None).await;
    assert_eq!(opened.status, 200);
    assert!(opened.text.contains(r#"value="2" checked"#), "{}", opened.text);
    assert!(opened.text.contains("5 = very satisfied") && !opened.text.contains(r#"value="good""#));
    assert_eq!(ticket(&f, &solved).await.satisfaction, None);

    // 2 is kept as bad, 4 as good; a score off the scale is refused with the form again.
    let posted = page(&f, "POST", &token, Some("score=2&comment=slow")).await;
    assert_eq!(posted.status, 200, "{}", posted.text);
    let rated = ticket(&f, &solved).await.satisfaction.unwrap();
    assert_eq!((rated.rating, rated.score), (Rating::Bad, Score::try_from(2).ok()));
    let wrong = page(&f, "POST", &token, Some("score=6")).await;
    assert_eq!(wrong.status, 422);
    assert!(wrong.text.contains("from 1 to 5"), "{}", wrong.text);
    page(&f, "POST", &token, Some("score=4")).await;
    let rated = ticket(&f, &solved).await.satisfaction.unwrap();
    assert_eq!(
        (rated.rating, rated.score, rated.ratings),
        (Rating::Good, Score::try_from(4).ok(), 2)
    );
    // The page reopened without a chosen answer shows the last score.
    let again = page_query(&f, "GET", &token, Some(("lang", "en")), None).await;
    assert!(again.text.contains(r#"value="4" checked"#), "{}", again.text);
}
