//! Mail end to end through the dev host: a real SMTP conversation, the mail stored in the
//! bucket, moto's own S3 notification queued, the inbound-email function run on the queue,
//! and the ticket seen through the agents' API.

use devhost::testing::{TestHost, send_mail};
use e2e::header;
use serde_json::Value;

async fn get(host: &TestHost, token: &str, path: &str) -> Value {
    e2e::get_json(&host.url, token, path).await
}

#[tokio::test]
async fn a_mail_sent_over_smtp_becomes_a_ticket_and_its_reply_threads() {
    let _ = tracing_subscriber::fmt()
        .with_test_writer()
        .with_env_filter("info")
        .try_init();
    let host = TestHost::start().await;
    let admin = host.token("admin", "admin@example.com", &[]);

    let first = "From: Jana Novakova <jana@example.cz>\nTo: support@help.example.com\nSubject: Printer on fire\nMessage-ID: <smtp-1@example.cz>\n\nHello,\n.the printer is on fire.\n";
    let queued = send_mail(host.smtp, "jana@example.cz", "support@help.example.com", first).await;
    assert!(queued.contains("queued as inbound/"), "{queued}");
    // S3 also queues an `s3:TestEvent` when the notification is set up; the function skips it.
    assert!(host.drain_inbound().await >= 1);

    let list = get(&host, &admin, "/v1/tickets?channel=email").await;
    let tickets = list["items"].as_array().unwrap();
    assert_eq!(tickets.len(), 1, "{list}");
    let ticket = &tickets[0];
    assert_eq!(ticket["subject"], "Printer on fire");
    assert_eq!(ticket["department"], "support");
    let number = ticket["number"].as_str().unwrap().to_owned();

    let reply = format!(
        "From: jana@example.cz\nTo: support@help.example.com\nSubject: Re: [#{number}] Printer on fire\nMessage-ID: <smtp-2@example.cz>\nIn-Reply-To: <smtp-1@example.cz>\n\nIt is out now.\n"
    );
    send_mail(host.smtp, "jana@example.cz", "support@help.example.com", &reply).await;
    // The same mail delivered again must not add a message.
    send_mail(host.smtp, "jana@example.cz", "support@help.example.com", &reply).await;
    assert!(host.drain_inbound().await >= 2);

    let messages = get(&host, &admin, &format!("/v1/tickets/{number}/messages")).await;
    let bodies: Vec<&str> = messages["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body_text"].as_str().unwrap())
        .collect();
    assert_eq!(
        bodies,
        ["Hello,\n.the printer is on fire.", "It is out now."],
        "dot-stuffing undone, duplicate dropped"
    );
    let raw = &messages["items"][0]["email"]["raw"];
    assert!(raw["key"].as_str().unwrap().starts_with("inbound/"), "{raw}");
}

/// What moto's SES has sent, to one recipient, as raw MIME (the local SES outbox).
async fn outbox(_host: &TestHost, to: &str) -> Vec<String> {
    e2e::sent_mail(to).await
}

#[tokio::test]
async fn acknowledgement_reply_and_the_answer_to_it_make_one_conversation() {
    let host = TestHost::start().await;
    let mut pipe = host.pipe().await;
    let admin = host.token("admin", "admin@example.com", &[]);
    let customer = format!("{}@example.cz", devhost::testing::unique("jana"));

    let first = format!(
        "From: Jana <{customer}>\nTo: support@help.example.com\nSubject: Printer on fire\nMessage-ID: <ack-1.{customer}>\n\nHelp!\n"
    );
    send_mail(host.smtp, &customer, "support@help.example.com", &first).await;
    host.drain_inbound().await;
    assert!(host.drain_events(&mut pipe).await >= 1);

    let sent = outbox(&host, &customer).await;
    assert_eq!(sent.len(), 1, "one acknowledgement: {sent:?}");
    let ack = &sent[0];
    let subject = header(ack, "Subject").unwrap();
    assert!(subject.starts_with("[#HD-1001]"), "{subject}");
    assert_eq!(header(ack, "Auto-Submitted"), Some("auto-replied"));
    assert_eq!(header(ack, "In-Reply-To"), Some(format!("<ack-1.{customer}>").as_str()));
    // Signed for this ticket: whoever answers it from any address reaches the ticket.
    let reply_to = header(ack, "Reply-To").unwrap();
    assert!(
        reply_to.starts_with("<support+hd1001-") && reply_to.ends_with("@help.example.com>"),
        "{reply_to}"
    );

    // The events again: nothing more is sent.
    let list: Value = reqwest::Client::new()
        .get(format!("{}/v1/tickets/HD-1001/audit", host.url))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(!list["items"].as_array().unwrap().is_empty());

    // An agent replies through the API; the reactor sends it, threaded to the customer's mail.
    let reply: Value = reqwest::Client::new()
        .post(format!("{}/v1/tickets/HD-1001/replies", host.url))
        .bearer_auth(&admin)
        .json(&serde_json::json!({"body": "We are on our way <with an extinguisher>."}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(reply["message"]["delivery"], "queued");
    host.drain_events(&mut pipe).await;
    let sent = outbox(&host, &customer).await;
    assert_eq!(sent.len(), 2, "{sent:?}");
    let answer = &sent[1];
    assert_eq!(
        header(answer, "In-Reply-To"),
        Some(format!("<ack-1.{customer}>").as_str())
    );
    assert!(header(answer, "Subject").unwrap().contains("[#HD-1001]"));
    assert_eq!(header(answer, "Auto-Submitted"), None);
    let our_id = header(answer, "Message-ID")
        .unwrap()
        .trim_matches(['<', '>'])
        .to_owned();
    let messages = get(&host, &admin, "/v1/tickets/HD-1001/messages").await;
    let agent_message = messages["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["author"] == "agent")
        .unwrap()
        .clone();
    assert_eq!(agent_message["delivery"], "sent");
    assert_eq!(agent_message["email"]["message_id"], our_id.as_str());

    // The customer answers that mail with no token in the subject: the headers thread it.
    let answer_back = format!(
        "From: {customer}\nTo: support@help.example.com\nSubject: Re: thanks\nMessage-ID: <ack-2.{customer}>\nIn-Reply-To: <{our_id}>\n\nThank you!\n"
    );
    send_mail(host.smtp, &customer, "support@help.example.com", &answer_back).await;
    host.drain_inbound().await;
    let messages = get(&host, &admin, "/v1/tickets/HD-1001/messages").await;
    let bodies: Vec<&str> = messages["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body_text"].as_str().unwrap())
        .collect();
    assert_eq!(
        bodies,
        ["Help!", "We are on our way <with an extinguisher>.", "Thank you!"]
    );
}

#[tokio::test]
async fn machines_get_no_acknowledgement_and_a_storm_is_cut_off() {
    let host = TestHost::start().await;
    let mut pipe = host.pipe().await;
    let robot = format!("{}@example.cz", devhost::testing::unique("robot"));
    let auto = format!(
        "From: {robot}\nTo: support@help.example.com\nSubject: Out of office\nAuto-Submitted: auto-replied\nMessage-ID: <ooo.{robot}>\n\nAway.\n"
    );
    send_mail(host.smtp, &robot, "support@help.example.com", &auto).await;
    host.drain_inbound().await;
    host.drain_events(&mut pipe).await;
    assert!(
        outbox(&host, &robot).await.is_empty(),
        "an auto-reply is never answered"
    );

    let storm = format!("{}@example.cz", devhost::testing::unique("storm"));
    for i in 0..6 {
        let mail = format!(
            "From: {storm}\nTo: support@help.example.com\nSubject: Problem {i}\nMessage-ID: <storm-{i}.{storm}>\n\nAgain {i}\n"
        );
        send_mail(host.smtp, &storm, "support@help.example.com", &mail).await;
    }
    host.drain_inbound().await;
    host.drain_events(&mut pipe).await;
    assert_eq!(
        outbox(&host, &storm).await.len(),
        3,
        "at most three automatic replies an hour"
    );
}

#[tokio::test]
async fn after_a_bounce_a_reply_is_recorded_as_failed_not_sent() {
    let host = TestHost::start().await;
    let mut pipe = host.pipe().await;
    let admin = host.token("admin", "admin@example.com", &[]);
    let gone = format!("{}@example.cz", devhost::testing::unique("gone"));
    let first = format!("From: {gone}\nTo: support@help.example.com\nSubject: Hello\nMessage-ID: <b1.{gone}>\n\nHi\n");
    send_mail(host.smtp, &gone, "support@help.example.com", &first).await;
    host.drain_inbound().await;
    host.drain_events(&mut pipe).await;
    let sent = outbox(&host, &gone).await;
    assert_eq!(sent.len(), 1, "the acknowledgement went out");
    // The report names our acknowledgement: only a bounce of mail we sent counts.
    let ours = header(&sent[0], "Message-ID")
        .unwrap()
        .trim_matches(['<', '>'])
        .to_owned();

    let dsn = format!(
        "From: MAILER-DAEMON@mx.example.cz\nTo: support@help.example.com\nSubject: Undelivered Mail\nMessage-ID: <dsn.{gone}>\nContent-Type: multipart/report; report-type=delivery-status; boundary=R\n\n--R\nContent-Type: text/plain\n\nNo such user.\n--R\nContent-Type: message/delivery-status\n\nFinal-Recipient: rfc822; {gone}\nAction: failed\nStatus: 5.1.1\n--R\nContent-Type: text/rfc822-headers\n\nMessage-ID: <{ours}>\n--R--\n"
    );
    send_mail(host.smtp, "", "support@help.example.com", &dsn).await;
    host.drain_inbound().await;

    let response = reqwest::Client::new()
        .post(format!("{}/v1/tickets/HD-1001/replies", host.url))
        .bearer_auth(&admin)
        .json(&serde_json::json!({"body": "Are you there?"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    host.drain_events(&mut pipe).await;
    assert_eq!(
        outbox(&host, &gone).await.len(),
        1,
        "nothing more is sent to a bouncing address"
    );
    let messages = get(&host, &admin, "/v1/tickets/HD-1001/messages").await;
    let reply = messages["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["author"] == "agent")
        .unwrap()
        .clone();
    assert_eq!(reply["delivery"], "failed");
}

/// An SES event about a mail of ours, as SES publishes it to the default bus.
fn ses_event(configuration_set: &str, event_type: &str, message_id: &str, recipient: &str) -> String {
    let detail = match event_type {
        "Bounce" => serde_json::json!({"bounce": {
            "bounceType": "Permanent", "bounceSubType": "General",
            "bouncedRecipients": [{"emailAddress": recipient, "action": "failed", "status": "5.1.1",
                                   "diagnosticCode": "smtp; 550 5.1.1 user unknown"}]}}),
        "Delivery" => serde_json::json!({"delivery": {"recipients": [recipient]}}),
        _ => serde_json::json!({}),
    };
    let mut detail = detail.as_object().unwrap().clone();
    detail.insert("eventType".into(), event_type.into());
    detail.insert(
        "mail".into(),
        serde_json::json!({
            "messageId": devhost::testing::unique("ses"),
            "headers": [{"name": "Message-ID", "value": format!("<{message_id}>")}],
            "commonHeaders": {"messageId": format!("<{message_id}>")},
            "tags": {"ses:configuration-set": [configuration_set]}
        }),
    );
    serde_json::Value::Object(detail).to_string()
}

async fn put_ses_event(host: &TestHost, detail: String) {
    let entry = aws_sdk_eventbridge::types::PutEventsRequestEntry::builder()
        .source("aws.ses")
        .detail_type("Email Bounced")
        .detail(detail)
        .event_bus_name("default")
        .build();
    let out = aws_sdk_eventbridge::Client::new(host.sdk())
        .put_events()
        .entries(entry)
        .send()
        .await
        .unwrap();
    assert_eq!(out.failed_entry_count(), 0);
}

#[tokio::test]
async fn ses_reports_mark_the_reply_and_stop_mail_to_a_hard_bounce() {
    let host = TestHost::start().await;
    let mut pipe = host.pipe().await;
    let admin = host.token("admin", "admin@example.com", &[]);
    let customer = format!("{}@example.cz", devhost::testing::unique("ses"));
    let first =
        format!("From: {customer}\nTo: support@help.example.com\nSubject: Hello\nMessage-ID: <s1.{customer}>\n\nHi\n");
    send_mail(host.smtp, &customer, "support@help.example.com", &first).await;
    host.drain_inbound().await;
    let response = reqwest::Client::new()
        .post(format!("{}/v1/tickets/HD-1001/replies", host.url))
        .bearer_auth(&admin)
        .json(&serde_json::json!({"body": "Hello back"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    host.drain_events(&mut pipe).await;
    let agent_reply = async || {
        get(&host, &admin, "/v1/tickets/HD-1001/messages").await["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["author"] == "agent")
            .unwrap()
            .clone()
    };
    let reply = agent_reply().await;
    assert_eq!(reply["delivery"], "sent");
    let ours = reply["email"]["message_id"].as_str().unwrap().to_owned();
    let set = host.host.names.configuration_set.clone();

    put_ses_event(&host, ses_event(&set, "Delivery", &ours, &customer)).await;
    host.drain_events(&mut pipe).await;
    assert_eq!(agent_reply().await["delivery"], "delivered");

    // Another stack's report about the same Message-ID is not ours to read.
    put_ses_event(&host, ses_event("someone-else-outbound", "Bounce", &ours, &customer)).await;
    host.drain_events(&mut pipe).await;
    assert_eq!(agent_reply().await["delivery"], "delivered");

    // The same report delivered twice acts once.
    for _ in 0..2 {
        put_ses_event(&host, ses_event(&set, "Bounce", &ours, &customer)).await;
    }
    host.drain_events(&mut pipe).await;
    assert_eq!(agent_reply().await["delivery"], "bounced");
    let contact = get(&host, &admin, &format!("/v1/contacts?email={customer}")).await;
    assert_eq!(contact["items"][0]["undeliverable"], true, "{contact}");
}

#[tokio::test]
async fn an_admins_template_is_what_the_customer_gets_until_it_is_removed() {
    let host = TestHost::start().await;
    let mut pipe = host.pipe().await;
    let admin = host.token("admin", "admin@example.com", &[]);
    let client = reqwest::Client::new();
    let template = "/v1/templates/acknowledgement/en";
    let response = client
        .put(format!("{}{template}", host.url))
        .bearer_auth(&admin)
        .json(&serde_json::json!({
            "subject": "Got it: {{ ticket_subject }}",
            "text": "Hi{% if contact_name %} {{ contact_name }}{% endif %},\nyour number is {{ ticket_number }}.\n{{ team_name }}"
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let stored: Value = response.json().await.unwrap();
    assert_eq!(stored["customized"], true);
    assert_eq!(
        get(&host, &admin, template).await["subject"],
        "Got it: {{ ticket_subject }}"
    );

    let customer = format!("{}@example.cz", devhost::testing::unique("tpl"));
    let mail = |n: u32| {
        format!(
            "From: Eva <{customer}>\nTo: support@help.example.com\nSubject: Question {n}\nMessage-ID: <t{n}.{customer}>\n\nHi\n"
        )
    };
    send_mail(host.smtp, &customer, "support@help.example.com", &mail(1)).await;
    host.drain_inbound().await;
    host.drain_events(&mut pipe).await;
    let sent = outbox(&host, &customer).await;
    assert_eq!(sent.len(), 1);
    assert!(
        header(&sent[0], "Subject").unwrap().contains("Got it: Question 1"),
        "{}",
        sent[0]
    );
    assert!(sent[0].contains("your number is HD-1001."), "{}", sent[0]);

    let response = client
        .delete(format!("{}{template}", host.url))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    send_mail(host.smtp, &customer, "support@help.example.com", &mail(2)).await;
    host.drain_inbound().await;
    host.drain_events(&mut pipe).await;
    let sent = outbox(&host, &customer).await;
    assert_eq!(sent.len(), 2);
    assert!(
        sent.iter()
            .any(|m| header(m, "Subject").unwrap().contains("We received your request")),
        "the shipped default is back"
    );
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Follows one signed-link redirect of the API and fetches what it points at.
async fn follow(host: &TestHost, token: &str, path: &str) -> (reqwest::header::HeaderMap, Vec<u8>) {
    let response = no_redirects()
        .get(format!("{}{path}", host.url))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 302, "{path}");
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let file = reqwest::get(&location).await.unwrap();
    assert!(file.status().is_success(), "{location}: {}", file.status());
    let headers = file.headers().clone();
    (headers, file.bytes().await.unwrap().to_vec())
}

#[tokio::test]
async fn inline_images_show_and_the_raw_mail_downloads() {
    let host = TestHost::start().await;
    let admin = host.token("admin", "admin@example.com", &[]);
    let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/mail/apple-mail-inline-image.eml");
    let mail = std::fs::read_to_string(fixture).unwrap().replace("\r\n", "\n");
    send_mail(
        host.smtp,
        "lucie.cerna@cerna.example",
        "support@help.example.com",
        &mail,
    )
    .await;
    host.drain_inbound().await;

    let messages = get(&host, &admin, "/v1/tickets/HD-1001/messages").await;
    let message = &messages["items"][0];
    let html = message["body_html"].as_str().unwrap();
    assert!(!html.contains("cid:"), "the inline image points at its part: {html}");
    let src = html
        .split("src=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&");
    let image = reqwest::get(&src).await.unwrap();
    assert!(image.status().is_success(), "{src}");
    assert_eq!(image.headers()["content-type"], "image/png");
    assert!(image.bytes().await.unwrap().starts_with(b"\x89PNG"));

    let id = message["id"].as_str().unwrap();
    let (headers, raw) = follow(&host, &admin, &format!("/v1/tickets/HD-1001/messages/{id}/raw")).await;
    assert!(
        headers["content-disposition"].to_str().unwrap().contains(".eml"),
        "{headers:?}"
    );
    assert!(String::from_utf8_lossy(&raw).contains("Error when exporting the monthly report"));

    let elsewhere = host.token("agent", "agent@example.com", &["billing"]);
    let refused = no_redirects()
        .get(format!("{}/v1/tickets/HD-1001/messages/{id}/raw", host.url))
        .bearer_auth(&elsewhere)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403, "an agent of another department gets no link");
}

#[tokio::test]
async fn a_file_uploaded_for_a_reply_is_mailed_with_it_and_kept() {
    let host = TestHost::start().await;
    let mut pipe = host.pipe().await;
    let admin = host.token("admin", "admin@example.com", &[]);
    let customer = format!("{}@example.cz", devhost::testing::unique("file"));
    let first = format!(
        "From: {customer}\nTo: support@help.example.com\nSubject: Invoice?\nMessage-ID: <f1.{customer}>\n\nWhere is my invoice?\n"
    );
    send_mail(host.smtp, &customer, "support@help.example.com", &first).await;
    host.drain_inbound().await;

    let client = reqwest::Client::new();
    let pdf = b"%PDF-1.7\nfaktura 2026/11\n%%EOF\n".to_vec();
    let upload: Value = client
        .post(format!("{}/v1/uploads", host.url))
        .bearer_auth(&admin)
        .json(&serde_json::json!({"name": "faktura-2026-11.pdf", "content_type": "application/pdf", "size": pdf.len()}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let put = client
        .put(upload["url"].as_str().unwrap())
        .header("content-type", upload["headers"]["content-type"].as_str().unwrap())
        .body(pdf.clone())
        .send()
        .await
        .unwrap();
    assert!(put.status().is_success(), "{}", put.text().await.unwrap());

    let never_uploaded = format!("{}/ghost.pdf", ulid_like());
    let refused = client
        .post(format!("{}/v1/tickets/HD-1001/replies", host.url))
        .bearer_auth(&admin)
        .json(&serde_json::json!({"body": "Here", "attachments": [never_uploaded]}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 422);
    let error: Value = refused.json().await.unwrap();
    assert_eq!(error["error"]["field"], "attachments");

    let reply = client
        .post(format!("{}/v1/tickets/HD-1001/replies", host.url))
        .bearer_auth(&admin)
        .json(&serde_json::json!({"body": "Your invoice is attached.", "attachments": [upload["upload_id"]]}))
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 201);
    let reply: Value = reply.json().await.unwrap();
    assert_eq!(reply["message"]["attachments"][0]["name"], "faktura-2026-11.pdf");
    assert_eq!(reply["message"]["attachments"][0]["size"], pdf.len());
    host.drain_events(&mut pipe).await;

    let sent = outbox(&host, &customer).await;
    let mailed = sent
        .iter()
        .map(|raw| shared::usecases::intake::parse_mail(raw.as_bytes(), &Default::default()))
        .find(|m| m.text.contains("Your invoice is attached."))
        .expect("the reply went out");
    assert_eq!(mailed.attachments.len(), 1);
    assert_eq!(mailed.attachments[0].name, "faktura-2026-11.pdf");
    assert_eq!(mailed.attachments[0].bytes, pdf);

    let id = reply["message"]["id"].as_str().unwrap();
    let (headers, bytes) = follow(
        &host,
        &admin,
        &format!("/v1/tickets/HD-1001/messages/{id}/attachments/1"),
    )
    .await;
    assert_eq!(bytes, pdf);
    assert!(
        headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
}

/// A well-formed upload id prefix that was never handed out.
fn ulid_like() -> String {
    "01JD3X7R9Q2M4N6P8S0T1V3W5Y".to_owned()
}
