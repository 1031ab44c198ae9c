//! The agents' console in a real browser (`tests/browser/console.mjs`, Debian's Chromium driven
//! by playwright-core, as `browser.rs`): an agent signs in on the dev sign-in page, tags the
//! ticket and hands it to a colleague with bulk actions from the department's queue, finds a
//! ticket by a word of its subject (typed without its diacritics), replies with a canned
//! response and a file, adds a note, assigns it to themselves and resolves it; a second agent who opened
//! the ticket before saves a stale change and is told someone else changed it. The API then
//! shows each step on the ticket. Managers edit a calendar and an SLA policy; an admin invites
//! an agent (their Cognito account checked in moto) and edits a department and a template.
//! `SCREENSHOT_DIR` keeps the screenshots.

use std::path::Path;
use std::time::Duration;

use devhost::testing::{TestHost, send_mail, unique};
use serde_json::{Value, json};

const SCRIPT_TIMEOUT: Duration = Duration::from_secs(180);

fn tool(name: &str) -> String {
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => v,
        _ => panic!("{name} is not set (run through `cargo xtask test`; `cargo xtask stack` prints it)"),
    }
}

async fn post(host: &TestHost, token: &str, path: &str, body: Value) -> Value {
    let response = reqwest::Client::new()
        .post(format!("{}{path}", host.url))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    assert!(status.is_success() || status == 409, "{path}: {status} {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

/// Runs one sub-command of `console.mjs`; the JSON line it printed.
async fn run_script(args: &[&str]) -> Value {
    let (chromium, node_path) = (tool("LAMBDESK_CHROMIUM"), tool("LAMBDESK_NODE_PATH"));
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("browser/console.mjs");
    let mut command = tokio::process::Command::new("node");
    command
        .arg(&script)
        .args(args)
        .env("LAMBDESK_CHROMIUM", chromium)
        .env("LAMBDESK_NODE_PATH", node_path)
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true);
    let output = tokio::time::timeout(SCRIPT_TIMEOUT, command.output())
        .await
        .expect("console.mjs took too long")
        .expect("run node");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "console.mjs {args:?} failed:\n{}{stdout}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_str(stdout.lines().last().unwrap_or_default()).unwrap()
}

#[tokio::test]
async fn an_agent_works_a_ticket_from_search_to_resolved_in_the_console() {
    let host = TestHost::start().await;
    let admin = host.token("admin", "admin@example.com", &[]);
    let department = unique("desk");
    post(
        &host,
        &admin,
        "/v1/departments",
        json!({"id": department, "name": "Front desk"}),
    )
    .await;
    let (ann, bob) = (
        format!("{}@example.com", unique("ann")),
        format!("{}@example.com", unique("bob")),
    );
    let mut agents = Vec::new();
    for (email, name) in [(&ann, "Ann Agent"), (&bob, "Bob Agent")] {
        let agent = post(
            &host,
            &admin,
            "/v1/agents",
            json!({"email": email, "name": name, "role": "agent", "departments": [department]}),
        )
        .await;
        agents.push(agent["id"].as_str().unwrap().to_owned());
    }
    // A word of this run only ("pokladna" plus a unique tail), spelt in the subject with a
    // capital and an accent: the agent types it plain.
    let tail = unique("x").replace('-', "");
    let word = format!("pokladna{tail}");
    let subject = format!("Pokládna{tail} v Brně nefunguje");
    let ticket = post(
        &host,
        &admin,
        "/v1/tickets",
        json!({"subject": subject, "body": "The till prints nothing.", "department": department,
               "requester": {"email": format!("{}@example.cz", unique("jana")), "name": "Jana Nováková"}}),
    )
    .await;
    let number = ticket["number"].as_str().unwrap().to_owned();
    let manager = host.token("manager", "mia@example.com", &[]);
    let canned_title = format!("Looking into it {}", unique("c"));
    post(
        &host,
        &manager,
        "/v1/canned-responses",
        json!({"title": canned_title, "department": department,
               "body": "Hello {{requester.name}}, we are looking into {{ticket.number}}. {{agent.name}}"}),
    )
    .await;

    let result = run_script(&["work", &host.url, &ann, &bob, "Bob Agent", &word, &canned_title]).await;
    assert_eq!(result["number"], number.as_str(), "{result}");
    let conflict = result["conflict"].as_array().unwrap();
    assert!(
        conflict.iter().any(|c| c.as_str().unwrap().starts_with("status")),
        "{result}"
    );

    let ticket = e2e::get_json(&host.url, &admin, &format!("/v1/tickets/{number}")).await;
    assert_eq!(ticket["status"], "resolved", "{ticket}");
    assert_eq!(ticket["assignee"], agents[0].as_str(), "{ticket}");
    assert_eq!(ticket["priority"], "normal", "the stale save changed nothing: {ticket}");
    assert_eq!(ticket["tags"], json!(["till"]), "the bulk action tagged it: {ticket}");
    let messages = e2e::get_json(&host.url, &admin, &format!("/v1/tickets/{number}/messages")).await;
    let items = messages["items"].as_array().unwrap();
    let reply = items.iter().find(|m| {
        m["author"] == "agent"
            && m["visibility"] == "public"
            && m["body_text"].as_str().is_some_and(|b| b.starts_with("Hello"))
    });
    let reply = reply.unwrap_or_else(|| panic!("no reply: {messages}"));
    assert_eq!(
        reply["attachments"][0]["name"], "till-log.txt",
        "the file went with the reply: {reply}"
    );
    assert_eq!(
        reply["body_text"],
        format!("Hello Jana Nováková, we are looking into {number}. Ann Agent"),
        "{reply}"
    );
    assert!(
        items
            .iter()
            .any(|m| m["visibility"] == "internal" && m["body_text"].as_str().unwrap().contains("till logs")),
        "{messages}"
    );
}

/// What `cargo xtask dev --seed` gives the console: the seeded people on the dev sign-in page,
/// a canned response in each department, and the seeded tickets findable by their words.
#[tokio::test]
async fn the_seeded_desk_is_ready_for_the_console() {
    let host = TestHost::start().await;
    assert!(
        devhost::seed::seed(&host.host.gateway.tickets.desk, &host.host.gateway.tickets.directory)
            .await
            .unwrap()
    );
    let people: Value = reqwest::get(format!("{}/_dev/sign-in", host.url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let emails: Vec<&str> = people["people"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["email"].as_str().unwrap())
        .collect();
    for email in [
        "admin@example.com",
        "ann@example.com",
        "bob@example.com",
        "mia@example.com",
    ] {
        assert!(emails.contains(&email), "{people}");
    }
    let ann = host.token("agent", "ann@example.com", &["support"]);
    let canned = e2e::get_json(&host.url, &ann, "/v1/canned-responses").await;
    assert_eq!(canned["items"][0]["title"], "We are on it", "{canned}");
    let admin = host.token("admin", "admin@example.com", &[]);
    let found = e2e::get_json(&host.url, &admin, "/v1/search?q=vat").await;
    assert_eq!(
        found["items"][0]["subject"], "Invoice shows the wrong VAT number",
        "{found}"
    );
    let found = e2e::get_json(&host.url, &ann, "/v1/search?q=vat").await;
    assert_eq!(found["items"], json!([]), "billing's ticket is not Ann's: {found}");

    // Mia, the seeded manager, switches a rule off on the rules page, reorders, edits, and
    // makes a canned response.
    let canned_title = unique("Refund steps");
    let switched = run_script(&["rules", &host.url, "mia@example.com", &canned_title]).await;
    assert!(
        switched["field_error"].as_str().unwrap().starts_with("actions"),
        "{switched}"
    );
    assert!(
        switched["dry_run"].as_str().unwrap().starts_with("It would"),
        "{switched}"
    );
    let rules = e2e::get_json(&host.url, &admin, "/v1/rules").await;
    let rule = rules["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == switched["rule"]);
    assert_eq!(
        rule.unwrap_or_else(|| panic!("{switched} in {rules}"))["enabled"],
        false
    );
    let mut ordered: Vec<&Value> = rules["items"].as_array().unwrap().iter().collect();
    ordered.sort_by_key(|r| r["position"].as_i64());
    assert_eq!(ordered[0]["name"], switched["first"], "{rules}");
    let canned = e2e::get_json(&host.url, &admin, "/v1/canned-responses").await;
    let made = canned["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["title"] == canned_title.as_str());
    let made = made.unwrap_or_else(|| panic!("{canned}"));
    assert_eq!(made["body"], "Hello {{requester.name}}, edited", "{made}");
    assert_eq!(
        made["scope"],
        json!({"kind": "department", "department": "support"}),
        "{made}"
    );
    // The SLA page's edits, after a field error beside Saturday.
    assert!(
        switched["saturday_error"].as_str().unwrap().contains("HH:MM"),
        "{switched}"
    );
    let calendar = e2e::get_json(&host.url, &admin, "/v1/calendars/prague-office").await;
    assert_eq!(
        calendar["weekly_hours"]["sat"],
        json!([{"from": "10:00", "to": "12:00"}]),
        "{calendar}"
    );
    assert_eq!(
        calendar["weekly_hours"]["mon"],
        json!([{"from": "09:00", "to": "17:00"}])
    );
    let policies = e2e::get_json(&host.url, &admin, "/v1/sla-policies").await;
    assert_eq!(
        policies["items"][0]["targets"]["urgent"],
        json!({"first_response": 30, "next_response": 60, "resolution": 480}),
        "{policies}"
    );
}

/// An admin invites an agent on the team page (Cognito account in the agent group with the
/// departments claim, checked in moto), adds a department to them, renames a department and
/// rewrites a mail template, each after a field error shown beside its field.
#[tokio::test]
async fn an_admin_invites_an_agent_and_edits_the_team_and_a_template_in_the_console() {
    let host = TestHost::start().await;
    let admin = host.token("admin", "admin@example.com", &[]);
    let department = unique("desk");
    for (id, name) in [(department.as_str(), "Front desk"), ("support", "Support")] {
        post(&host, &admin, "/v1/departments", json!({"id": id, "name": name})).await;
    }
    let email = format!("{}@example.com", unique("nina"));

    let result = run_script(&["admin", &host.url, &email, &department]).await;
    assert!(!result["email_error"].as_str().unwrap().is_empty(), "{result}");
    assert!(!result["template_error"].as_str().unwrap().is_empty(), "{result}");

    let agents = e2e::get_json(&host.url, &admin, "/v1/agents").await;
    let agent = agents["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["email"] == email.as_str());
    let agent = agent.unwrap_or_else(|| panic!("{email} in {agents}"));
    let mut departments = vec![department.clone(), "support".to_owned()];
    departments.sort();
    assert_eq!(agent["departments"], json!(departments), "{agent}");
    assert_eq!(agent["role"], "agent");

    let cognito = test_support::user_pool::client(&host.host.sdk);
    let pool = &host.host.names.user_pool_id;
    let user = cognito
        .admin_get_user()
        .user_pool_id(pool)
        .username(&email)
        .send()
        .await
        .unwrap_or_else(|e| panic!("no Cognito account for {email}: {e:?}"));
    assert!(user.enabled());
    let claim = user
        .user_attributes()
        .iter()
        .find(|a| a.name() == "custom:departments")
        .and_then(|a| a.value());
    assert_eq!(claim, Some(departments.join(",").as_str()));
    let groups = cognito
        .admin_list_groups_for_user()
        .user_pool_id(pool)
        .username(&email)
        .send()
        .await
        .unwrap();
    let groups: Vec<&str> = groups.groups().iter().filter_map(|g| g.group_name()).collect();
    assert_eq!(groups, ["agent"]);

    let renamed = e2e::get_json(&host.url, &admin, &format!("/v1/departments/{department}")).await;
    assert_eq!(renamed["name"], result["department"], "{renamed}");
    let template = e2e::get_json(&host.url, &admin, "/v1/templates/acknowledgement/en").await;
    assert_eq!(template["subject"], "We got it: {{ ticket_subject }}", "{template}");
    assert_eq!(template["customized"], true);
}

/// A customer's HTML mail: the sanitised HTML in a sandboxed frame (no scripts, no same
/// origin), its remote image loaded only when the agent asks, its attachment downloaded through
/// the JSON signed link; then a custom field and a merge into another requester's ticket.
#[tokio::test]
async fn customer_mail_shows_in_a_sandboxed_frame_then_the_ticket_is_merged() {
    let host = TestHost::start().await;
    let admin = host.token("admin", "admin@example.com", &[]);
    post(
        &host,
        &admin,
        "/v1/departments",
        json!({"id": "support", "name": "Support"}),
    )
    .await;
    let ann = format!("{}@example.com", unique("ann"));
    post(
        &host,
        &admin,
        "/v1/agents",
        json!({"email": ann, "name": "Ann Agent", "role": "agent", "departments": ["support"]}),
    )
    .await;
    let customer = format!("{}@example.cz", unique("eva"));
    let mail = format!(
        "From: Eva <{customer}>\nTo: support@help.example.com\nSubject: Printer jam\n\
         Message-ID: <{}@example.cz>\nMIME-Version: 1.0\n\
         Content-Type: multipart/mixed; boundary=\"outer\"\n\n\
         --outer\nContent-Type: multipart/alternative; boundary=\"alt\"\n\n\
         --alt\nContent-Type: text/plain; charset=utf-8\n\nThe printer jams again.\n\
         --alt\nContent-Type: text/html; charset=utf-8\n\n\
         <p>The <b>printer</b> jams again.</p><img src=\"https://images.example/pixel.png\" alt=\"logo\">\
         <script>parent.document.title = 'owned'</script>\
         <meta http-equiv=\"refresh\" content=\"0; url=https://images.example/away\">\n\
         --alt--\n\
         --outer\nContent-Type: application/pdf; name=\"invoice.pdf\"\n\
         Content-Disposition: attachment; filename=\"invoice.pdf\"\nContent-Transfer-Encoding: base64\n\n\
         JVBERi0xLjQKJcOkw7zDtsOfCg==\n--outer--\n",
        unique("m")
    );
    send_mail(host.smtp, &customer, "support@help.example.com", &mail).await;
    host.drain_inbound().await;
    let found = e2e::get_json(&host.url, &admin, &format!("/v1/search?q={customer}")).await;
    let number = found["items"][0]["number"]
        .as_str()
        .unwrap_or_else(|| panic!("{found}"));

    let other = post(
        &host,
        &admin,
        "/v1/tickets",
        json!({"subject": "Printer again", "body": "Same here.", "department": "support",
               "requester": {"email": format!("{}@example.cz", unique("petr"))}}),
    )
    .await;
    let into = other["number"].as_str().unwrap();

    let result = run_script(&["mail", &host.url, &ann, number, into]).await;
    let sandbox = result["sandbox"].as_str().unwrap();
    assert!(
        !sandbox.contains("allow-scripts") && !sandbox.contains("allow-same-origin"),
        "{result}"
    );
    assert_eq!(result["scripts"], 0, "{result}");
    assert_eq!(result["remote_before"], 0, "no remote image before asking: {result}");
    assert!(result["remote_after"].as_u64().unwrap() >= 1, "{result}");
    assert_eq!(result["download"], "invoice.pdf", "{result}");
    let merged = e2e::get_json(&host.url, &admin, &format!("/v1/tickets/{number}")).await;
    assert_eq!(merged["custom_fields"], json!({"order_id": "A-17"}), "{merged}");
    assert_eq!(merged["merged_into"]["id"], other["id"], "{merged}");
}

/// The Cognito sign-in path of the console's real `auth.js` (authorization code with PKCE,
/// refresh, sign-out), against a stand-in for the hosted sign-in that `console.mjs pkce`
/// answers in the browser's network layer; the token it hands out is a dev token, so the
/// console then works against the dev host's API.
#[tokio::test]
async fn the_cognito_sign_in_runs_pkce_refreshes_and_signs_out() {
    let host = TestHost::start().await;
    let admin = host.token("admin", "admin@example.com", &[]);
    let result = run_script(&["pkce", &host.url, &admin]).await;
    assert_eq!(result["challenge_ok"], true, "{result}");
    assert_eq!(result["state_ok"], true, "{result}");
    assert!(result["refreshed"].as_u64().unwrap() >= 1, "{result}");
    assert_eq!(result["logout_uri"], format!("{}/console/", host.url), "{result}");
    assert_eq!(result["logout_client"], "console-client", "{result}");
    assert_eq!(result["cleared"], true, "{result}");
}
