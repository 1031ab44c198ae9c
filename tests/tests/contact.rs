//! The contact form end to end through the dev host, the way the embeddable widget drives
//! it: the form's description, a signed upload straight to S3, the JSON submission, the
//! acknowledgement mail with its portal link, the customer's reply on the portal, and all of
//! it seen by an agent through the API.

use std::time::{Duration, Instant};

use devhost::testing::{TestHost, unique};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

async fn get_json(url: &str, token: Option<&str>) -> (StatusCode, Value) {
    let mut request = Client::new().get(url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn post_json(url: &str, token: Option<&str>, body: Value) -> (StatusCode, Value) {
    let mut request = Client::new().post(url).json(&body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The text of the mails moto's SES sent to `to`, soft line breaks of quoted-printable undone.
async fn mail_to(to: &str) -> Vec<String> {
    e2e::sent_mail(to)
        .await
        .into_iter()
        .map(|raw| raw.replace("=\r\n", ""))
        .collect()
}

#[tokio::test]
async fn the_widget_path_from_form_to_portal_reply_seen_by_an_agent() {
    let host = TestHost::start().await;
    let mut pipe = host.pipe().await;
    let admin = host.token("admin", "admin@example.com", &[]);
    for (id, name) in [("support", "Support"), ("billing", "Billing")] {
        let (status, body) = post_json(
            &format!("{}/v1/departments", host.url),
            Some(&admin),
            json!({ "id": id, "name": name }),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }

    let (status, form) = get_json(&format!("{}/v1/contact/form", host.url), None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        form["categories"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == "billing")
    );
    let started = Instant::now();

    // One attachment, straight to S3 through the signed form.
    let pdf = b"%PDF-1.4\n% statement\n".to_vec();
    let (status, upload) = post_json(
        form["uploads_url"].as_str().unwrap(),
        None,
        json!({ "name": "statement.pdf", "content_type": "application/pdf", "size": pdf.len() }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{upload}");
    let mut multipart = reqwest::multipart::Form::new();
    for (k, v) in upload["fields"].as_object().unwrap() {
        multipart = multipart.text(k.clone(), v.as_str().unwrap().to_owned());
    }
    multipart = multipart.part(
        "file",
        reqwest::multipart::Part::bytes(pdf.clone()).file_name("statement.pdf"),
    );
    let stored = Client::new()
        .post(upload["url"].as_str().unwrap())
        .multipart(multipart)
        .send()
        .await
        .unwrap();
    assert!(stored.status().is_success(), "{}", stored.status());

    // A person takes a few seconds to write; the form token says when the form was shown.
    let min_fill = Duration::from_secs(form["min_fill_seconds"].as_u64().unwrap());
    tokio::time::sleep(min_fill.saturating_sub(started.elapsed()) + Duration::from_millis(200)).await;
    let email = format!("{}@example.org", unique("widget"));
    let (status, created) = post_json(
        form["submit_url"].as_str().unwrap(),
        None,
        json!({
            "name": "Ana Lima", "email": email, "category": "billing", "subject": "Statement is wrong",
            "message": "The attached statement lists a payment twice.", "website": "",
            "form_token": form["form_token"], "attachments": [upload["upload_id"]],
        }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let number = created["ticket_number"].as_str().unwrap().to_owned();

    // The reactor acknowledges it with a link to the customer's page.
    let deadline = Instant::now() + Duration::from_secs(30);
    let link = loop {
        host.drain_events(&mut pipe).await;
        let found = mail_to(&email).await.iter().find_map(|mail| {
            let start = mail.find(&format!("{}/portal/", host.url))?;
            let rest = &mail[start..];
            let end = rest.find(|c: char| c.is_whitespace()).unwrap_or(rest.len());
            Some(rest[..end].to_owned())
        });
        if let Some(link) = found {
            break link;
        }
        assert!(
            Instant::now() < deadline,
            "no acknowledgement with a portal link for {number}"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    let page = reqwest::get(&link).await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(
        html.contains(&number) && html.contains("lists a payment twice"),
        "{html}"
    );
    assert!(html.contains("statement.pdf"), "the attachment is offered");

    // The customer replies on the page (a plain form post, as a browser without JS sends it).
    let reply = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(format!("{link}/reply"))
        .form(&[("message", "Here is the bank reference: 7731-22.")])
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), StatusCode::SEE_OTHER);

    // An agent sees all of it.
    let (status, ticket) = get_json(&format!("{}/v1/tickets/{number}", host.url), Some(&admin)).await;
    assert_eq!(status, StatusCode::OK, "{ticket}");
    assert_eq!(ticket["channel"], "form");
    assert_eq!(ticket["department"], "billing");
    let (_, messages) = get_json(&format!("{}/v1/tickets/{number}/messages", host.url), Some(&admin)).await;
    let items = messages["items"].as_array().unwrap();
    assert_eq!(items[0]["attachments"][0]["name"], "statement.pdf");
    assert!(
        items
            .iter()
            .any(|m| m["author"] == "customer" && m["body_text"].as_str().unwrap().contains("7731-22")),
        "{messages}"
    );
    let (_, audit) = get_json(&format!("{}/v1/tickets/{number}/audit", host.url), Some(&admin)).await;
    assert!(
        audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["type"] == "message.customer" && e["actor"]["kind"] == "customer"),
        "{audit}"
    );
}
