//! End to end through the dev host over HTTP, as a user with curl would: tokens, tickets,
//! conversation, audit, merge, and the change arriving on the event bus.

use std::time::Duration;

use devhost::testing::TestHost;
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

struct Api {
    host: TestHost,
    http: Client,
}

impl Api {
    async fn start() -> Self {
        Self {
            host: TestHost::start().await,
            http: Client::new(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.host.url)
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<Value>,
        if_match: Option<&str>,
    ) -> (StatusCode, reqwest::header::HeaderMap, Value) {
        let mut request = self.http.request(method, self.url(path)).bearer_auth(token);
        if let Some(b) = body {
            request = request.json(&b);
        }
        if let Some(tag) = if_match {
            request = request.header("if-match", tag);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap();
        (
            status,
            headers,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }
}

#[tokio::test]
async fn a_support_day_through_the_dev_host() {
    let api = Api::start().await;
    let admin = api.host.token("admin", "admin@example.com", &[]);
    let agent = api.host.token("agent", "ann@example.com", &["support"]);
    use reqwest::Method as M;

    let (s, _, _) = api
        .call(
            M::POST,
            "/v1/departments",
            &admin,
            Some(json!({"id": "support", "name": "Support"})),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);

    let (s, h, first) = api
        .call(
            M::POST,
            "/v1/tickets",
            &agent,
            Some(json!({
                "subject": "Printer on fire",
                "body": "It is on fire again.",
                "requester": {"email": "jana@example.cz", "name": "Jana", "phone": "+420 601 234 567"},
                "channel": "phone",
                "impact": "high",
                "urgency": "high",
                "tags": ["hardware"]
            })),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{first}");
    assert_eq!(
        first["department"], "support",
        "an agent's single department is the default"
    );
    assert_eq!(first["priority"], "urgent");
    assert_eq!(h["etag"], "\"1\"");
    let number = first["number"].as_str().unwrap().to_owned();
    let (_, _, second) = api
        .call(
            M::POST,
            "/v1/tickets",
            &agent,
            Some(
                json!({"subject": "Printer still on fire", "body": "Again.", "requester": {"phone": "+420601234567"}}),
            ),
            None,
        )
        .await;
    assert_eq!(
        second["requester"], first["requester"],
        "the phone number recognises the contact"
    );

    // Filter and read back.
    let (s, _, list) = api
        .call(M::GET, "/v1/tickets?priority=urgent&status=new", &agent, None, None)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    let (_, _, by_number) = api
        .call(
            M::GET,
            &format!("/v1/tickets/{}", number.to_lowercase()),
            &agent,
            None,
            None,
        )
        .await;
    assert_eq!(by_number["id"], first["id"]);

    // Update with the current ETag, then with the stale one, then with none.
    let path = format!("/v1/tickets/{number}");
    let (s, h, updated) = api
        .call(
            M::PATCH,
            &path,
            &agent,
            Some(json!({"status": "open", "add_tags": ["vip"]})),
            Some("\"1\""),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{updated}");
    assert_eq!(h["etag"], "\"2\"");
    let (s, h, stale) = api
        .call(M::PATCH, &path, &agent, Some(json!({"priority": "low"})), Some("\"1\""))
        .await;
    assert_eq!(s, StatusCode::PRECONDITION_FAILED, "{stale}");
    assert_eq!(h["etag"], "\"2\"");
    let (s, _, _) = api
        .call(M::PATCH, &path, &agent, Some(json!({"priority": "low"})), None)
        .await;
    assert_eq!(s, StatusCode::PRECONDITION_REQUIRED);
    let (s, _, refused) = api
        .call(
            M::PATCH,
            &path,
            &agent,
            Some(json!({"status": "closed"})),
            Some("\"2\""),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(refused["error"]["message"], "cannot move a ticket from open to closed");

    // Reply, note, conversation.
    let (s, _, reply) = api
        .call(
            M::POST,
            &format!("{path}/replies"),
            &agent,
            Some(json!({"body": "We are on our way.", "status": "pending"})),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{reply}");
    assert_eq!(reply["message"]["delivery"], "queued");
    assert_eq!(reply["ticket"]["status"], "pending");
    let (s, _, _) = api
        .call(
            M::POST,
            &format!("{path}/notes"),
            &agent,
            Some(json!({"body": "Bring an extinguisher."})),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (_, _, conversation) = api.call(M::GET, &format!("{path}/messages"), &agent, None, None).await;
    let kinds: Vec<(String, String)> = conversation["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["author"].as_str().unwrap().to_owned(),
                m["visibility"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("agent".into(), "public".into()),
            ("agent".into(), "public".into()),
            ("agent".into(), "internal".into())
        ]
    );

    // Merge the second into the first, then read the audit trail.
    let second_number = second["number"].as_str().unwrap();
    let (s, _, merged) = api
        .call(
            M::POST,
            &format!("/v1/tickets/{second_number}/merge"),
            &agent,
            Some(json!({"into": number})),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{merged}");
    assert_eq!(merged["source"]["status"], "closed");
    assert_eq!(merged["source"]["merged_into"]["number"], number.as_str());
    let (_, _, audit) = api.call(M::GET, &format!("{path}/audit"), &agent, None, None).await;
    let types: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    for expected in [
        "ticket.created",
        "ticket.updated",
        "message.agent_reply",
        "message.note",
        "ticket.merged",
    ] {
        assert!(types.contains(&expected), "{expected} missing from {types:?}");
    }
    let update = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["type"] == "ticket.updated")
        .unwrap();
    assert_eq!(
        update["changes"][0],
        json!({"field": "status", "from": "new", "to": "open"})
    );
    assert_eq!(update["actor"]["kind"], "agent");

    // A colleague in another department sees none of it.
    let outsider = api.host.token("agent", "bob@example.com", &["billing"]);
    let (s, _, _) = api.call(M::GET, &path, &outsider, None, None).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (_, _, theirs) = api.call(M::GET, "/v1/tickets", &outsider, None, None).await;
    assert_eq!(theirs["items"], json!([]));
}

#[tokio::test]
async fn the_gateway_refuses_missing_and_forged_tokens() {
    let api = Api::start().await;
    let response = api.http.get(api.url("/v1/tickets")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let forged = dev_auth::sign(
        &dev_auth::SigningKey::from_bytes(b"not-the-dev-host-key-not-the-key"),
        &dev_auth::DevClaims::new("admin", "eve@example.com", &[], chrono::Duration::hours(1)),
    )
    .unwrap();
    let response = api
        .http
        .get(api.url("/v1/tickets"))
        .bearer_auth(forged)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let response = api.http.get(api.url("/elsewhere")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_ticket_change_arrives_on_the_bus_as_production_delivers_it() {
    let api = Api::start().await;
    let sdk = api.host.sdk();
    let sqs = aws_sdk_sqs::Client::new(sdk);
    let events = aws_sdk_eventbridge::Client::new(sdk);
    let queue = sqs
        .create_queue()
        .queue_name(devhost::testing::unique("events"))
        .send()
        .await
        .unwrap();
    let queue_url = queue.queue_url().unwrap().to_owned();
    let attributes = sqs
        .get_queue_attributes()
        .queue_url(&queue_url)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
        .send()
        .await
        .unwrap();
    let queue_arn = attributes.attributes().unwrap()[&aws_sdk_sqs::types::QueueAttributeName::QueueArn].clone();
    events
        .put_rule()
        .name("all-ticket-events")
        .event_bus_name(api.host.bus())
        .event_pattern(json!({"source": ["lambdesk.tickets"]}).to_string())
        .send()
        .await
        .unwrap();
    events
        .put_targets()
        .rule("all-ticket-events")
        .event_bus_name(api.host.bus())
        .targets(
            aws_sdk_eventbridge::types::Target::builder()
                .id("queue")
                .arn(&queue_arn)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();

    let mut pipe = api.host.pipe().await;
    let admin = api.host.token("admin", "admin@example.com", &[]);
    let (s, _, ticket) = api
        .call(
            reqwest::Method::POST,
            "/v1/tickets",
            &admin,
            Some(json!({"subject": "Hello", "body": "Hi", "requester": {"email": "q@example.com"}})),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, _, _) = api
        .call(
            reqwest::Method::PATCH,
            &format!("/v1/tickets/{}", ticket["id"].as_str().unwrap()),
            &admin,
            Some(json!({"priority": "high"})),
            Some("\"1\""),
        )
        .await;
    assert_eq!(s, StatusCode::OK);

    assert_eq!(
        pipe.poll_once().await.unwrap(),
        2,
        "two audit events pass the filter; ticket, contact and message items do not"
    );
    let mut bodies = Vec::new();
    for _ in 0..20 {
        let received = sqs
            .receive_message()
            .queue_url(&queue_url)
            .max_number_of_messages(10)
            .send()
            .await
            .unwrap();
        bodies.extend(received.messages().iter().filter_map(|m| m.body().map(str::to_owned)));
        if bodies.len() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(bodies.len(), 2);
    let mut types = Vec::new();
    for body in bodies {
        let envelope: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(envelope["source"], "lambdesk.tickets");
        assert_eq!(envelope["detail-type"], "TicketEvent");
        // The published contract (docs/events.md), read by the one decoder.
        let detail = &envelope["detail"];
        assert_eq!(detail["version"], 1);
        let Ok(shared::adapters::bus::BusEvent::Ticket(event)) = shared::adapters::bus::decode(&envelope, "x") else {
            panic!("not a ticket event: {envelope}");
        };
        assert_eq!(event.ticket_id.to_string(), ticket["id"].as_str().unwrap());
        assert_eq!(event.event_type.as_str(), detail["type"]);
        types.push(event.event_type.as_str().to_owned());
    }
    types.sort();
    assert_eq!(types, ["ticket.created", "ticket.updated"]);
    assert_eq!(pipe.poll_once().await.unwrap(), 0, "each change is delivered once");
}
