//! Issue 17 end to end through the dev host: a customer writes in by mail with an attachment and
//! is copied on someone else's ticket; an admin exports their data (the ZIP holds their tickets,
//! messages and attachments), then erases them. Afterwards no item of the whole local table and
//! no object (any version) of the bucket contains their email address, name or phone, while the
//! tickets keep their numbers and statuses; mail from the same address later starts a fresh
//! contact. Agents can do neither; managers see that both requests were carried out.

use std::io::Read;

use devhost::testing::{TestHost, send_mail, unique};
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};

async fn call(host: &TestHost, method: Method, path: &str, token: &str, body: Option<Value>) -> (StatusCode, Value) {
    let mut request = Client::new()
        .request(method, format!("{}{path}", host.url))
        .bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

/// Every item of the table, each as text (a Scan: fine in a test, never in the code).
async fn whole_table(host: &TestHost) -> Vec<String> {
    let dynamodb = aws_sdk_dynamodb::Client::new(host.sdk());
    let mut all = Vec::new();
    let mut start = None;
    loop {
        let out = dynamodb
            .scan()
            .table_name(&host.host.names.table)
            .set_exclusive_start_key(start)
            .send()
            .await
            .unwrap();
        all.extend(out.items().iter().map(|item| format!("{item:?}")));
        match out.last_evaluated_key {
            Some(key) => start = Some(key),
            None => return all,
        }
    }
}

/// Every object of the bucket, every version of it, as (key, text).
async fn whole_bucket(host: &TestHost) -> Vec<(String, String)> {
    let s3 = test_support::s3_client(host.sdk());
    let bucket = &host.host.names.mail_bucket;
    let listed = s3.list_object_versions().bucket(bucket).send().await.unwrap();
    assert!(!listed.is_truncated().unwrap_or(false), "a test bucket fits one page");
    let mut all = Vec::new();
    for version in listed.versions() {
        let key = version.key().unwrap().to_owned();
        let body = s3
            .get_object()
            .bucket(bucket)
            .key(&key)
            .set_version_id(version.version_id().map(str::to_owned))
            .send()
            .await
            .unwrap()
            .body
            .collect()
            .await
            .unwrap()
            .into_bytes();
        all.push((key, String::from_utf8_lossy(&body).into_owned()));
    }
    all
}

fn mentions(text: &str, needles: &[&str]) -> bool {
    let text = text.to_lowercase();
    needles.iter().any(|n| text.contains(&n.to_lowercase()))
}

fn zip_entry(zip: &mut zip::ZipArchive<std::io::Cursor<Vec<u8>>>, name: &str) -> String {
    let mut text = String::new();
    zip.by_name(name)
        .unwrap_or_else(|e| panic!("{name}: {e}"))
        .read_to_string(&mut text)
        .unwrap();
    text
}

#[tokio::test]
async fn an_admin_exports_then_erases_a_customer_and_nothing_of_them_is_left() {
    let host = TestHost::start().await;
    let mut pipe = host.pipe().await;
    let admin = host.token("admin", "dpo@example.com", &[]);
    let manager = host.token("manager", "lead@example.com", &[]);
    let agent = host.token("agent", "ann@example.com", &[]);

    let email = format!("{}@example.cz", unique("zuzana"));
    let name = "Zuzana Erasmusová";
    let phone = "+420777123456";
    let needles = [email.as_str(), name, "Erasmusov", phone, "777 123 456"];
    let (status, contact) = call(
        &host,
        Method::POST,
        "/v1/contacts",
        &admin,
        Some(json!({"name": name, "email": email, "phone": "+420 777 123 456"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{contact}");
    let contact_id = contact["id"].as_str().unwrap().to_owned();

    // Their mail, with their name and phone in the text and a file that names them.
    let mail = format!(
        "From: {email}\nTo: support@help.example.com\nSubject: {name}: invoice question\n\
         Message-ID: <first.{email}>\nMIME-Version: 1.0\n\
         Content-Type: multipart/mixed; boundary=\"b1\"\n\n--b1\nContent-Type: text/plain; charset=utf-8\n\
         Content-Transfer-Encoding: 8bit\n\nHello, this is {name}, call me on +420 777 123 456.\n\
         --b1\nContent-Type: text/plain; name=\"details.txt\"\nContent-Disposition: attachment; filename=\"details.txt\"\n\n\
         Customer: {email}\n--b1--\n"
    );
    send_mail(host.smtp, &email, "support@help.example.com", &mail).await;
    host.drain_inbound().await;
    // The acknowledgement goes out (and counts against their address's hourly limit).
    host.drain_events(&mut pipe).await;
    let (_, mine) = call(
        &host,
        Method::GET,
        &format!("/v1/contacts/{contact_id}/tickets"),
        &admin,
        None,
    )
    .await;
    let theirs = mine["items"][0].clone();
    let number = theirs["number"]
        .as_str()
        .expect("their mail became their ticket")
        .to_owned();
    let (status, reply) = call(
        &host,
        Method::POST,
        &format!("/v1/tickets/{number}/replies"),
        &admin,
        Some(json!({"body": format!("Dear {name}, the invoice is corrected."), "status": "pending"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{reply}");
    // Someone else's ticket they are copied on.
    let (status, other) = call(
        &host,
        Method::POST,
        "/v1/tickets",
        &admin,
        Some(json!({"subject": "Team lunch", "body": "Booked.", "requester": {"email": format!("{}@example.cz", unique("boss"))},
                    "cc": [email]})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{other}");
    host.drain_events(&mut pipe).await;
    assert!(
        whole_table(&host).await.iter().any(|item| mentions(item, &needles)),
        "the desk holds their data before"
    );

    // Agents and managers can neither export nor erase.
    for token in [&agent, &manager] {
        let export = call(
            &host,
            Method::POST,
            &format!("/v1/contacts/{contact_id}/export"),
            token,
            None,
        )
        .await;
        assert_eq!(export.0, StatusCode::FORBIDDEN, "{}", export.1);
        let erase = call(
            &host,
            Method::POST,
            &format!("/v1/contacts/{contact_id}/erase"),
            token,
            Some(json!({"reason": "asked"})),
        )
        .await;
        assert_eq!(erase.0, StatusCode::FORBIDDEN, "{}", erase.1);
    }

    // The export: a ZIP behind a signed link with their tickets, messages and attachment.
    let (status, export) = call(
        &host,
        Method::POST,
        &format!("/v1/contacts/{contact_id}/export"),
        &admin,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{export}");
    let bytes = reqwest::get(export["url"].as_str().unwrap())
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).expect("a ZIP");
    let manifest: Value = serde_json::from_str(&zip_entry(&mut zip, "manifest.json")).unwrap();
    assert_eq!(manifest["contact"], contact_id.as_str());
    let relations: Vec<(String, String)> = manifest["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["number"].as_str().unwrap().to_owned(),
                t["relation"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(relations.contains(&(number.clone(), "requester".into())), "{manifest}");
    assert!(
        relations.contains(&(other["number"].as_str().unwrap().to_owned(), "cc".into())),
        "{manifest}"
    );
    let messages = zip_entry(&mut zip, &format!("tickets/{number}/messages.json"));
    assert!(messages.contains("call me on +420 777 123 456") && messages.contains("the invoice is corrected"));
    let names: Vec<String> = zip.file_names().map(|n| n.unwrap().into_owned()).collect();
    let attachment = names
        .iter()
        .find(|n| n.starts_with(&format!("tickets/{number}/attachments/")) && n.ends_with("details.txt"))
        .unwrap_or_else(|| panic!("the attachment is exported: {names:?}"))
        .clone();
    assert!(zip_entry(&mut zip, &attachment).contains(&email));
    assert!(
        names.iter().any(|n| n.starts_with(&format!("tickets/{number}/raw/"))),
        "{names:?}"
    );
    assert!(zip_entry(&mut zip, "contact.json").contains(name));

    // The erasure: a reason is required, then everything goes; asking again is the same answer.
    let (status, refused) = call(
        &host,
        Method::POST,
        &format!("/v1/contacts/{contact_id}/erase"),
        &admin,
        Some(json!({})),
    )
    .await;
    assert_eq!(
        (status, refused["error"]["field"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("reason"))
    );
    let reason = json!({"reason": format!("{name} asked by mail on 2026-12-01")});
    let (status, erased) = call(
        &host,
        Method::POST,
        &format!("/v1/contacts/{contact_id}/erase"),
        &admin,
        Some(reason.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{erased}");
    assert_eq!(erased["state"], "done");
    let (_, again) = call(
        &host,
        Method::POST,
        &format!("/v1/contacts/{contact_id}/erase"),
        &admin,
        Some(reason),
    )
    .await;
    assert_eq!(again["id"], erased["id"], "erasing twice is one erasure");
    // The erasure's events reach the reactor, which has nothing to do for them.
    host.drain_events(&mut pipe).await;

    for item in whole_table(&host).await {
        assert!(!mentions(&item, &needles), "an item still names them: {item}");
    }
    for (key, object) in whole_bucket(&host).await {
        assert!(!mentions(&object, &needles), "{key} still names them");
    }

    // Their tickets stay with their numbers, statuses and the agents' work.
    let (status, ticket) = call(&host, Method::GET, &format!("/v1/tickets/{number}"), &admin, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (ticket["status"].clone(), ticket["subject"].clone()),
        (json!("pending"), json!("[erased]"))
    );
    let (_, contact) = call(&host, Method::GET, &format!("/v1/contacts/{contact_id}"), &admin, None).await;
    assert_eq!(contact["name"], "erased contact");
    let (_, conversation) = call(
        &host,
        Method::GET,
        &format!("/v1/tickets/{number}/messages"),
        &admin,
        None,
    )
    .await;
    let bodies: Vec<&str> = conversation["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body_text"].as_str().unwrap())
        .collect();
    assert_eq!(bodies, ["[erased]", "Dear [erased], the invoice is corrected."]);
    let (_, audit) = call(&host, Method::GET, &format!("/v1/tickets/{number}/audit"), &admin, None).await;
    assert!(
        audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["type"] == "privacy.erased"),
        "{audit}"
    );
    let (status, other_now) = call(
        &host,
        Method::GET,
        &format!("/v1/tickets/{}", other["number"].as_str().unwrap()),
        &admin,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(other_now["cc"], json!([]));

    // Managers see that both requests were carried out; agents do not.
    let (status, requests) = call(&host, Method::GET, "/v1/privacy-requests", &manager, None).await;
    assert_eq!(status, StatusCode::OK, "{requests}");
    let kinds: Vec<&str> = requests["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds.len(), 2, "{requests}");
    assert!(kinds.contains(&"export") && kinds.contains(&"erasure"));
    assert_eq!(
        call(&host, Method::GET, "/v1/privacy-requests", &agent, None).await.0,
        StatusCode::FORBIDDEN
    );

    // Mail from the same address later starts a fresh contact.
    let later = format!(
        "From: {email}\nTo: support@help.example.com\nSubject: New question\nMessage-ID: <later.{email}>\n\nHi again.\n"
    );
    send_mail(host.smtp, &email, "support@help.example.com", &later).await;
    host.drain_inbound().await;
    let (_, found) = call(&host, Method::GET, &format!("/v1/contacts?email={email}"), &admin, None).await;
    let fresh = found["items"][0]["id"].as_str().expect("a contact for the address");
    assert_ne!(fresh, contact_id);
}

async fn retention_at(host: &TestHost, time: &str) -> Value {
    e2e::invoke_at(&host.url, "retention", time).await
}

/// Retention: an admin keeps solved tickets' personal data six months; the daily job, invoked
/// as of a moment, takes the requester's data out of a ticket solved longer ago (its messages,
/// its raw mail in the bucket, its subject) and leaves the open ticket and the contact alone;
/// a second run does nothing. Only admins read or change the setting.
#[tokio::test]
async fn tickets_solved_longer_ago_than_the_retention_setting_lose_their_requesters_data() {
    let host = TestHost::start_with_clock(devhost::clock::DevClock::starting_at(
        "2026-01-10T09:00:00Z".parse().unwrap(),
    ))
    .await;
    let mut pipe = host.pipe().await;
    let admin = host.token("admin", "dpo@example.com", &[]);
    let manager = host.token("manager", "lead@example.com", &[]);

    let (status, off) = call(&host, Method::GET, "/v1/settings/retention", &admin, None).await;
    assert_eq!(status, StatusCode::OK, "{off}");
    assert_eq!(off, json!({"solved_ticket_months": null, "stored": false}));
    let body = Some(json!({"solved_ticket_months": 6}));
    let (status, _) = call(&host, Method::PUT, "/v1/settings/retention", &manager, body.clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "managers do not set retention");
    let (status, refused) = call(
        &host,
        Method::PUT,
        "/v1/settings/retention",
        &admin,
        Some(json!({"solved_ticket_months": 0})),
    )
    .await;
    assert_eq!(
        (status, refused["error"]["field"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("solved_ticket_months"))
    );
    let (status, stored) = call(&host, Method::PUT, "/v1/settings/retention", &admin, body).await;
    assert_eq!(status, StatusCode::OK, "{stored}");
    assert_eq!(stored, json!({"solved_ticket_months": 6, "stored": true}));

    // One customer, two tickets by mail: the first solved now, the second still open.
    let email = format!("{}@example.hu", unique("kata"));
    let mut numbers = Vec::new();
    for (subject, words) in [
        ("Old question", "old-secret-words"),
        ("New question", "new-secret-words"),
    ] {
        let mail = format!(
            "From: Kata Kovács <{email}>\nTo: support@help.example.com\nSubject: {subject}\n\
             Message-ID: <{words}.{email}>\n\nThis is Kata, {words}.\n"
        );
        send_mail(host.smtp, &email, "support@help.example.com", &mail).await;
        host.drain_inbound().await;
        let (_, listed) = call(&host, Method::GET, "/v1/tickets?limit=100", &admin, None).await;
        let number = listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["subject"] == subject)
            .unwrap_or_else(|| panic!("a ticket for {subject}: {listed}"))["number"]
            .as_str()
            .unwrap()
            .to_owned();
        numbers.push(number);
    }
    let (old, new) = (&numbers[0], &numbers[1]);
    let (status, reply) = call(
        &host,
        Method::POST,
        &format!("/v1/tickets/{old}/replies"),
        &admin,
        Some(json!({"body": "Answered, Kata Kovács.", "status": "resolved"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{reply}");
    host.drain_events(&mut pipe).await;
    let held = |objects: &[(String, String)], words: &str| objects.iter().any(|(_, body)| body.contains(words));
    assert!(
        held(&whole_bucket(&host).await, "old-secret-words"),
        "the raw mail is kept"
    );

    // Five months on: not yet.
    let early = retention_at(&host, "2026-06-10T03:00:00Z").await;
    assert_eq!(
        (early["anonymised"].clone(), early["complete"].clone()),
        (json!(0), json!(true)),
        "{early}"
    );

    // Past six months: the solved ticket loses the requester's data, once.
    let run = retention_at(&host, "2026-07-11T03:00:00Z").await;
    assert_eq!(run["anonymised"], 1, "{run}");
    assert_eq!(run["cutoff"], "2026-01-11T03:00:00.000Z");
    host.drain_events(&mut pipe).await;
    let again = retention_at(&host, "2026-07-12T03:00:00Z").await;
    assert_eq!(again["anonymised"], 0, "{again}");

    let (_, ticket) = call(&host, Method::GET, &format!("/v1/tickets/{old}"), &admin, None).await;
    assert_eq!(
        (ticket["subject"].clone(), ticket["status"].clone()),
        (json!("[erased]"), json!("resolved")),
        "{ticket}"
    );
    assert!(ticket["anonymised_at"].is_string(), "{ticket}");
    let (_, conversation) = call(&host, Method::GET, &format!("/v1/tickets/{old}/messages"), &admin, None).await;
    let bodies: Vec<&str> = conversation["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body_text"].as_str().unwrap())
        .collect();
    assert_eq!(bodies, ["[erased]", "Answered, [erased]."]);
    let (_, audit) = call(&host, Method::GET, &format!("/v1/tickets/{old}/audit"), &admin, None).await;
    let erased: Vec<&Value> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "privacy.erased")
        .collect();
    assert_eq!(erased.len(), 1, "{audit}");
    assert!(erased[0]["reason"].as_str().unwrap().contains("6 months"), "{audit}");
    let objects = whole_bucket(&host).await;
    assert!(!held(&objects, "old-secret-words"), "the old raw mail is gone");
    assert!(held(&objects, "new-secret-words"), "the open ticket's mail stays");
    let (_, open) = call(&host, Method::GET, &format!("/v1/tickets/{new}"), &admin, None).await;
    assert_eq!(open["subject"], "New question", "{open}");
    let (_, contact) = call(
        &host,
        Method::GET,
        &format!("/v1/contacts/{}", open["requester"].as_str().unwrap()),
        &admin,
        None,
    )
    .await;
    assert_eq!(
        contact["email"],
        email.as_str(),
        "the contact stays: it has an open ticket"
    );
}
