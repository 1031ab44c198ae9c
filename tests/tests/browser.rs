//! The contact form and the customer portal in a real browser: Debian's Chromium driven by
//! playwright-core (`tests/browser/contact.mjs`) against an in-process dev host. A customer
//! fills in the hosted form with a file, sees the ticket number, and the agents' API shows the
//! ticket; an empty form shows each field's error; the acknowledgement mail's portal link
//! opens the ticket, and the customer's reply there lands on it. The widget, embedded in a
//! page of another site the dev host allows, does the same through the JSON API, with the
//! file sent straight to storage (moto's S3) from the browser. A satisfaction survey's link
//! records the answer through its page's form with JavaScript off, and so does an NPS link.
//!
//! `cargo xtask test` installs the browser and its driver and says where they are in
//! `LAMBDESK_CHROMIUM` and `LAMBDESK_NODE_PATH` (`cargo xtask stack` prints them for a run by
//! hand).

use std::path::{Path, PathBuf};
use std::time::Duration;

use devhost::environment::DEV_WIDGET_ORIGIN;
use devhost::testing::{TestHost, unique};
use serde_json::Value;

/// One browser session, from launching Chromium to its last check.
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(120);

/// Where the browser tests' tools are, as `cargo xtask test` says.
struct BrowserTools {
    chromium: String,
    node_path: String,
}

impl BrowserTools {
    /// Panics with the fix when the tools' variables are missing, as the local stack does.
    fn from_env() -> Self {
        let var = |name: &str| match std::env::var(name) {
            Ok(value) if !value.trim().is_empty() => value,
            _ => panic!(
                "{name} is not set\n(run the tests with `cargo xtask test`, which installs playwright-core and \
                 Debian's chromium and sets LAMBDESK_CHROMIUM and LAMBDESK_NODE_PATH; `cargo xtask stack` prints \
                 them for a run by hand)"
            ),
        };
        Self {
            chromium: var("LAMBDESK_CHROMIUM"),
            node_path: var("LAMBDESK_NODE_PATH"),
        }
    }

    /// Runs one sub-command of `contact.mjs` and returns the JSON line it printed.
    async fn run(&self, args: &[&str], env: &[(&str, &str)]) -> Value {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("browser/contact.mjs");
        let mut command = tokio::process::Command::new("node");
        command
            .arg(&script)
            .args(args)
            .env("LAMBDESK_CHROMIUM", &self.chromium)
            .env("LAMBDESK_NODE_PATH", &self.node_path)
            .envs(env.iter().copied())
            .stdin(std::process::Stdio::null())
            .kill_on_drop(true);
        let output = tokio::time::timeout(SCRIPT_TIMEOUT, command.output())
            .await
            .unwrap_or_else(|_| panic!("contact.mjs {args:?} took over {SCRIPT_TIMEOUT:?}"))
            .unwrap_or_else(|e| panic!("cannot run node {} (needs Node.js 20+): {e}", script.display()));
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            output.status.success(),
            "contact.mjs {args:?} failed ({}):\n{stderr}{stdout}",
            output.status
        );
        let line = stdout.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or_default();
        serde_json::from_str(line).unwrap_or_else(|e| panic!("contact.mjs {args:?} printed {stdout:?}: {e}"))
    }
}

async fn get(host: &TestHost, token: &str, path: &str) -> Value {
    let response = reqwest::Client::new()
        .get(format!("{}{path}", host.url))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{path}: {}", response.status());
    response.json().await.unwrap()
}

async fn create_department(host: &TestHost, admin: &str, id: &str) {
    let response = reqwest::Client::new()
        .post(format!("{}/v1/departments", host.url))
        .bearer_auth(admin)
        .json(&serde_json::json!({"id": id, "name": id}))
        .send()
        .await
        .unwrap();
    assert!(
        response.status().is_success() || response.status() == 409,
        "department {id}: {}",
        response.status()
    );
}

/// The text of every mail moto's SES has sent to `to` (the local SES outbox).
async fn sent_texts(to: &str) -> Vec<String> {
    e2e::sent_mail(to)
        .await
        .into_iter()
        .map(|raw| shared::usecases::intake::parse_mail(raw.as_bytes(), &Default::default()).text)
        .collect()
}

/// The first `http://127.0.0.1:<port>/portal/<token>` link in `text` that points at `host`.
fn portal_link(text: &str, host: &TestHost) -> Option<String> {
    let prefix = format!("{}/portal/", host.url);
    let start = text.find(&prefix)?;
    let link: String = text[start..]
        .chars()
        .take_while(|c| !c.is_whitespace() && !matches!(c, '<' | '>' | '"' | ')'))
        .collect();
    (link.len() > prefix.len()).then_some(link)
}

/// A small but real PDF, as a customer would attach.
fn write_attachment() -> (PathBuf, Vec<u8>) {
    let pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n\
2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n\
3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >> endobj\n\
trailer << /Root 1 0 R >>\n%%EOF\n"
        .to_vec();
    let dir = std::env::temp_dir().join(unique("lambdesk-browser"));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("receipt.pdf");
    std::fs::write(&path, &pdf).unwrap();
    (path, pdf)
}

#[tokio::test]
async fn a_customer_writes_through_the_form_and_replies_in_the_portal() {
    let _ = tracing_subscriber::fmt()
        .with_test_writer()
        .with_env_filter("info")
        .try_init();
    let browser = BrowserTools::from_env();
    let host = TestHost::start().await;
    let mut pipe = host.pipe().await;
    let admin = host.token("admin", "admin@example.com", &[]);
    let customer = format!("{}@example.cz", unique("jana"));
    let (attachment, pdf) = write_attachment();

    // The category the browser picks must route to a department that exists.
    let (category, department) = FORM_CATEGORY;
    create_department(&host, &admin, department).await;

    let submitted = browser
        .run(
            &["form", &host.url, attachment.to_str().unwrap()],
            &[("CONTACT_EMAIL", &customer), ("CATEGORY", category)],
        )
        .await;
    let number = submitted["ticket_number"].as_str().unwrap().to_owned();
    assert_eq!(submitted["category"], category);

    let ticket = get(&host, &admin, &format!("/v1/tickets/{number}")).await;
    assert_eq!(ticket["channel"], "form", "{ticket}");
    assert_eq!(ticket["department"], department, "{ticket}");
    let requester = ticket["requester"].as_str().unwrap();
    let contact = get(&host, &admin, &format!("/v1/contacts/{requester}")).await;
    assert_eq!(contact["email"], customer.as_str(), "{contact}");
    assert_eq!(contact["name"], "Jana Nováková", "{contact}");
    let messages = get(&host, &admin, &format!("/v1/tickets/{number}/messages")).await;
    let first = &messages["items"][0];
    assert_eq!(first["author"], "customer", "{first}");
    assert!(first["body_text"].as_str().unwrap().contains("on fire"), "{first}");
    assert_eq!(first["attachments"][0]["name"], "receipt.pdf", "{first}");
    assert_eq!(first["attachments"][0]["size"], pdf.len(), "{first}");

    let empty = browser.run(&["empty", &host.url], &[]).await;
    assert_eq!(
        empty["errors"],
        serde_json::json!(["name", "email", "subject", "message"])
    );

    // The acknowledgement goes out when the reactor sees the new ticket.
    let mut texts = Vec::new();
    let mut link = None;
    for _ in 0..20 {
        host.drain_events(&mut pipe).await;
        texts = sent_texts(&customer).await;
        link = texts.iter().find_map(|text| portal_link(text, &host));
        if link.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let link = link.unwrap_or_else(|| panic!("no portal link in the mail to {customer}: {texts:?}"));

    let reply = format!("Still smoking, see {}", unique("reply"));
    let replied = browser.run(&["portal", &link, &reply], &[]).await;
    assert_eq!(replied["ok"], true);

    let messages = get(&host, &admin, &format!("/v1/tickets/{number}/messages")).await;
    let items = messages["items"].as_array().unwrap();
    assert!(
        items
            .iter()
            .any(|m| m["author"] == "customer" && m["body_text"].as_str().is_some_and(|b| b.contains(&reply))),
        "the portal reply is on the ticket: {messages}"
    );
    let _ = std::fs::remove_dir_all(attachment.parent().unwrap());
}

#[tokio::test]
async fn a_customer_writes_through_the_widget_on_another_site() {
    let _ = tracing_subscriber::fmt()
        .with_test_writer()
        .with_env_filter("info")
        .try_init();
    let browser = BrowserTools::from_env();
    let host = TestHost::start().await;
    let admin = host.token("admin", "admin@example.com", &[]);
    let customer = format!("{}@example.cz", unique("jana"));
    let (attachment, pdf) = write_attachment();
    let (category, department) = FORM_CATEGORY;
    create_department(&host, &admin, department).await;

    // The page of a site the dev host allows, with the widget's snippet: an empty submission
    // shows each field's error, then the filled-in one uploads the file to storage and opens
    // the ticket.
    let submitted = browser
        .run(
            &["widget", &host.url, attachment.to_str().unwrap()],
            &[
                ("CONTACT_EMAIL", &customer),
                ("CONTACT_SUBJECT", "Sent from the widget"),
                ("CATEGORY", category),
                ("WIDGET_ORIGIN", DEV_WIDGET_ORIGIN),
            ],
        )
        .await;
    assert_eq!(
        submitted["errors"],
        serde_json::json!(["name", "email", "subject", "message"])
    );
    assert_eq!(submitted["category"], category);
    let number = submitted["ticket_number"].as_str().unwrap().to_owned();

    let ticket = get(&host, &admin, &format!("/v1/tickets/{number}")).await;
    assert_eq!(ticket["channel"], "form", "{ticket}");
    assert_eq!(ticket["department"], department, "{ticket}");
    assert_eq!(ticket["subject"], "Sent from the widget", "{ticket}");
    let requester = ticket["requester"].as_str().unwrap();
    let contact = get(&host, &admin, &format!("/v1/contacts/{requester}")).await;
    assert_eq!(contact["email"], customer.as_str(), "{contact}");
    let messages = get(&host, &admin, &format!("/v1/tickets/{number}/messages")).await;
    let first = &messages["items"][0];
    assert_eq!(first["author"], "customer", "{first}");
    assert!(first["body_text"].as_str().unwrap().contains("on fire"), "{first}");
    assert_eq!(first["attachments"][0]["name"], "receipt.pdf", "{first}");
    assert_eq!(first["attachments"][0]["size"], pdf.len(), "{first}");
    let _ = std::fs::remove_dir_all(attachment.parent().unwrap());
}

/// The category the browser chooses and the department the dev host routes it to.
const FORM_CATEGORY: (&str, &str) = ("billing", "billing");

/// Opens a ticket for `requester`, resolves it, brings the resolution through the pipe to the
/// csat queue and runs the survey sweep a minute later: the ticket's path, what the sweep sent
/// (CSAT surveys, NPS questions) and the first survey link in the requester's mail.
async fn resolve_and_survey(
    host: &TestHost,
    admin: &str,
    requester: &str,
    subject: &str,
) -> (String, (usize, usize), String) {
    let mut pipe = host.pipe().await;
    let client = reqwest::Client::new();
    let created: Value = client
        .post(format!("{}/v1/tickets", host.url))
        .bearer_auth(admin)
        .json(&serde_json::json!({"subject": subject, "body": "Help.", "requester": {"email": requester}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let path = format!("/v1/tickets/{}", created["id"].as_str().unwrap());
    let resolved = client
        .patch(format!("{}{path}", host.url))
        .bearer_auth(admin)
        .header("if-match", "*")
        .json(&serde_json::json!({"status": "resolved"}))
        .send()
        .await
        .unwrap();
    assert!(resolved.status().is_success());
    host.drain_events(&mut pipe).await;
    host.drain_csat().await;
    let at = chrono::Utc::now() + chrono::Duration::minutes(1);
    let swept = host
        .host
        .csat_sweep(serde_json::json!({"time": at.to_rfc3339()}))
        .await
        .unwrap();
    let text = sent_texts(requester)
        .await
        .into_iter()
        .find(|t| t.contains("/survey/"))
        .expect("the survey mail");
    let start = text.find(&format!("{}/survey/", host.url)).unwrap();
    let link: String = text[start..].chars().take_while(|c| !c.is_whitespace()).collect();
    (path, (swept.csat.sent, swept.nps.sent), link)
}

/// The satisfaction survey in a browser with JavaScript off: an agent resolves a ticket, the
/// survey sweep mails the requester, the mail's "good" link opens a page with "good" chosen,
/// and a comment and the one button record the rating on the ticket (docs/csat.md).
#[tokio::test]
async fn a_survey_link_records_the_answer_in_a_browser_without_javascript() {
    let tools = BrowserTools::from_env();
    let host = TestHost::start().await;
    let admin = host.token("admin", "admin@example.com", &[]);
    let requester = format!("{}@customer.example", unique("rater"));
    let (path, sent, link) = resolve_and_survey(&host, &admin, &requester, "Printer jam").await;
    assert_eq!(sent.0, 1, "one CSAT survey sent: {sent:?}");
    assert!(link.ends_with("rating=good"), "{link}");

    let answer = tools.run(&["survey", &link, "Quick and friendly."], &[]).await;
    assert_eq!(answer["rating"], "good");
    let ticket = get(&host, &admin, &path).await;
    assert_eq!(ticket["satisfaction"]["rating"], "good", "{ticket}");
    assert_eq!(ticket["satisfaction"]["comment"], "Quick and friendly.");
}

/// The NPS question in a browser with JavaScript off: an admin turns NPS on, a resolution makes
/// the requester a candidate, the sweep mails the eleven links, the "9" link opens a page with 9
/// chosen, and the one button counts a promoter in `GET /v1/satisfaction` (docs/csat.md).
#[tokio::test]
async fn an_nps_link_records_the_score_in_a_browser_without_javascript() {
    let tools = BrowserTools::from_env();
    let host = TestHost::start().await;
    let admin = host.token("admin", "admin@example.com", &[]);
    let settings = serde_json::json!({"csat_enabled": false, "csat_scale": "good_bad", "csat_delay_seconds": 0,
                                      "csat_contact_cap_days": 7, "nps_enabled": true, "nps_interval_days": 90});
    let stored = reqwest::Client::new()
        .put(format!("{}/v1/settings/surveys", host.url))
        .bearer_auth(&admin)
        .json(&settings)
        .send()
        .await
        .unwrap();
    assert!(stored.status().is_success(), "{}", stored.text().await.unwrap());
    let requester = format!("{}@customer.example", unique("promoter"));
    let (_, sent, link) = resolve_and_survey(&host, &admin, &requester, "Export").await;
    assert_eq!(sent.1, 1, "one NPS survey sent: {sent:?}");
    let nine = format!("{}?score=9", link.split('?').next().unwrap());

    let answer = tools.run(&["survey", &nine, "Great tool."], &[]).await;
    assert_eq!(answer["score"], "9");
    let report = get(&host, &admin, "/v1/satisfaction").await;
    assert_eq!(report["nps"]["promoters"], 1, "{report}");
    assert_eq!(report["nps"]["score"].as_f64(), Some(100.0), "{report}");
}
