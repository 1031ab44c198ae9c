//! `/v1/calendars` through the handler with real-shaped API Gateway v2 events, against
//! DynamoDB Local: who may read and write, field errors for bad calendars, the ETag and
//! If-Match on a replacement, the desk's default, and a department naming its calendar.

use lambda_http::Body;
use serde_json::{Value, json};
use shared::adapters::cognito::CognitoDirectory;
use shared::adapters::dynamodb::DynamoStore;
use shared::adapters::s3::S3Blobs;
use shared::domain::SystemClock;
use shared::usecases::desk::TicketDesk;
use shared::usecases::files::ReplyFiles;
use tickets_api::{Deps, handle};

type TestDeps = Deps<DynamoStore, SystemClock>;

async fn deps() -> TestDeps {
    let sdk = test_support::local_sdk().await;
    let table = test_support::fresh_table(&sdk).await;
    let s3 = test_support::s3_client(&sdk);
    Deps {
        desk: TicketDesk::new(
            DynamoStore::new(aws_sdk_dynamodb::Client::new(&sdk), table),
            SystemClock,
        ),
        files: ReplyFiles::new(S3Blobs::new(s3), SystemClock, test_support::unique("mail")),
        // No agent is invited here: a pool id that is never called.
        directory: CognitoDirectory::new(test_support::user_pool::client(&sdk), "unused"),
    }
}

struct Answer {
    status: u16,
    headers: lambda_http::http::HeaderMap,
    body: Value,
}

/// The create-ticket sample event, re-aimed at another method, path, body and role.
fn event(method: &str, path: &str, body: Option<Value>, role: Option<&str>, if_match: Option<&str>) -> Value {
    let sample = format!(
        "{}/../../events/tickets-api/create-ticket.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut e: Value = serde_json::from_str(&std::fs::read_to_string(&sample).unwrap()).unwrap();
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
    match role {
        Some(role) => {
            e["requestContext"]["authorizer"]["jwt"]["claims"] = json!({
                "sub": format!("{role}-1"),
                "email": format!("{role}@example.com"),
                "cognito:groups": format!("[{role}]"),
                "custom:departments": "support",
            })
        }
        None => {
            e["requestContext"].as_object_mut().unwrap().remove("authorizer");
        }
    }
    if let Some(version) = if_match {
        e["headers"]["if-match"] = json!(version);
    }
    e
}

async fn send(deps: &TestDeps, e: Value) -> Answer {
    let request = lambda_http::request::from_str(&e.to_string()).expect("a valid API Gateway v2 event");
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

fn prague(id: &str) -> Value {
    json!({
        "id": id,
        "name": "Prague office",
        "time_zone": "Europe/Prague",
        "weekly_hours": {
            "mon": [{"from": "08:00", "to": "12:00"}, {"from": "13:00", "to": "17:00"}],
            "fri": [{"from": "09:00", "to": "15:00"}],
        },
        "holidays": [{"date": "2026-12-24", "yearly": true, "name": "Christmas Eve"}],
    })
}

fn without_id(mut body: Value) -> Value {
    body.as_object_mut().unwrap().remove("id");
    body
}

#[tokio::test]
async fn managers_and_admins_write_calendars_and_everyone_reads_them() {
    let deps = deps().await;
    let refused = send(
        &deps,
        event("POST", "/v1/calendars", Some(prague("x")), Some("agent"), None),
    )
    .await;
    assert_eq!(refused.status, 403, "an agent creates: {}", refused.body);
    let by_manager = send(
        &deps,
        event(
            "POST",
            "/v1/calendars",
            Some(prague("by-manager")),
            Some("manager"),
            None,
        ),
    )
    .await;
    assert_eq!(by_manager.status, 201, "a manager creates: {}", by_manager.body);
    let anonymous = send(&deps, event("GET", "/v1/calendars", None, None, None)).await;
    assert_eq!(anonymous.status, 401);

    let created = send(
        &deps,
        event("POST", "/v1/calendars", Some(prague("prague")), Some("admin"), None),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(created.headers["etag"], "\"1\"");
    assert_eq!(created.headers["location"], "/v1/calendars/prague");
    assert_eq!(created.body["time_zone"], "Europe/Prague");
    assert_eq!(
        created.body["weekly_hours"]["mon"][1],
        json!({"from": "13:00", "to": "17:00"})
    );
    assert_eq!(created.body["weekly_hours"]["sun"], json!([]));
    assert_eq!(created.body["holidays"][0]["yearly"], true);
    let again = send(
        &deps,
        event("POST", "/v1/calendars", Some(prague("prague")), Some("admin"), None),
    )
    .await;
    assert_eq!(again.status, 409);

    for role in ["admin", "manager", "agent"] {
        let list = send(&deps, event("GET", "/v1/calendars", None, Some(role), None)).await;
        assert_eq!(list.status, 200, "{role}");
        let ids: Vec<&str> = list.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, ["by-manager", "prague"], "{role}");
        let one = send(&deps, event("GET", "/v1/calendars/prague", None, Some(role), None)).await;
        assert_eq!(one.status, 200, "{role}");
        assert_eq!(one.headers["etag"], "\"1\"");
        let default = send(&deps, event("GET", "/v1/calendars/default", None, Some(role), None)).await;
        assert_eq!(default.body, json!({"calendar_id": null}), "{role}");
    }
    let missing = send(&deps, event("GET", "/v1/calendars/oslo", None, Some("agent"), None)).await;
    assert_eq!(missing.status, 404);
    let malformed = send(&deps, event("GET", "/v1/calendars/Oslo!", None, Some("agent"), None)).await;
    assert_eq!(malformed.status, 400);
    assert_eq!(malformed.body["error"]["field"], "calendar");
    let agent_delete = send(
        &deps,
        event("DELETE", "/v1/calendars/prague", None, Some("agent"), None),
    )
    .await;
    assert_eq!(agent_delete.status, 403);
    let manager_delete = send(
        &deps,
        event("DELETE", "/v1/calendars/by-manager", None, Some("manager"), None),
    )
    .await;
    assert_eq!(manager_delete.status, 204);
    let wrong = send(
        &deps,
        event("PATCH", "/v1/calendars/prague", Some(json!({})), Some("admin"), None),
    )
    .await;
    assert_eq!(wrong.status, 405);
    assert_eq!(wrong.headers["allow"], "GET, PUT, DELETE");
}

#[tokio::test]
async fn bad_calendars_are_400s_naming_the_field() {
    let deps = deps().await;
    let mut cases = vec![
        ("time_zone", json!({"time_zone": "Europe/Praha"})),
        ("time_zone", json!({"time_zone": "+01:00"})),
        (
            "weekly_hours.mon[0].to",
            json!({"weekly_hours": {"mon": [{"from": "17:00", "to": "09:00"}]}}),
        ),
        (
            "weekly_hours.mon[0].from",
            json!({"weekly_hours": {"mon": [{"from": "9am", "to": "17:00"}]}}),
        ),
        (
            "weekly_hours.tue[1]",
            json!({"weekly_hours": {"tue": [{"from": "08:00", "to": "12:00"}, {"from": "11:00", "to": "13:00"}]}}),
        ),
        ("weekly_hours.someday", json!({"weekly_hours": {"someday": []}})),
        ("holidays[0].date", json!({"holidays": [{"date": "2026-02-30"}]})),
        (
            "holidays[1].date",
            json!({"holidays": [{"date": "2026-12-24"}, {"date": "24/12/2026"}]}),
        ),
        ("name", json!({"name": ""})),
    ];
    cases.push(("id", json!({"id": "default"})));
    for (field, change) in cases {
        let mut body = prague("good");
        for (k, v) in change.as_object().unwrap() {
            body[k] = v.clone();
        }
        let answer = send(&deps, event("POST", "/v1/calendars", Some(body), Some("admin"), None)).await;
        assert!(
            answer.status == 400 || answer.status == 422,
            "{field}: {} {}",
            answer.status,
            answer.body
        );
        assert_eq!(answer.body["error"]["field"], field, "{}", answer.body);
    }
    // The domain's checks are 400s; only JSON of the wrong shape is a 422.
    let overlap =
        json!({"weekly_hours": {"tue": [{"from": "08:00", "to": "12:00"}, {"from": "11:00", "to": "13:00"}]}});
    let mut body = prague("good");
    body["weekly_hours"] = overlap["weekly_hours"].clone();
    let answer = send(&deps, event("POST", "/v1/calendars", Some(body), Some("admin"), None)).await;
    assert_eq!(answer.status, 400);
    let shape = send(
        &deps,
        event(
            "POST",
            "/v1/calendars",
            Some(json!({"id": "x", "name": 1})),
            Some("admin"),
            None,
        ),
    )
    .await;
    assert_eq!(shape.status, 422);
}

#[tokio::test]
async fn a_replacement_needs_if_match_with_the_current_etag() {
    let deps = deps().await;
    send(
        &deps,
        event("POST", "/v1/calendars", Some(prague("prague")), Some("admin"), None),
    )
    .await;
    let path = "/v1/calendars/prague";
    let mut change = without_id(prague("prague"));
    change["name"] = json!("Prague HQ");

    let unconditional = send(&deps, event("PUT", path, Some(change.clone()), Some("admin"), None)).await;
    assert_eq!(unconditional.status, 428);
    let replaced = send(
        &deps,
        event("PUT", path, Some(change.clone()), Some("admin"), Some("\"1\"")),
    )
    .await;
    assert_eq!(replaced.status, 200, "{}", replaced.body);
    assert_eq!(replaced.headers["etag"], "\"2\"");
    assert_eq!(replaced.body["name"], "Prague HQ");
    let stale = send(
        &deps,
        event("PUT", path, Some(change.clone()), Some("admin"), Some("\"1\"")),
    )
    .await;
    assert_eq!(stale.status, 412);
    assert_eq!(stale.headers["etag"], "\"2\"");
    let agent = send(
        &deps,
        event("PUT", path, Some(change.clone()), Some("agent"), Some("\"2\"")),
    )
    .await;
    assert_eq!(agent.status, 403);
    let mut bad = change.clone();
    bad["time_zone"] = json!("Mars/Olympus");
    let invalid = send(&deps, event("PUT", path, Some(bad), Some("admin"), Some("\"2\""))).await;
    assert_eq!(invalid.status, 400);
    assert_eq!(invalid.body["error"]["field"], "time_zone");
    let gone = send(
        &deps,
        event("PUT", "/v1/calendars/oslo", Some(change), Some("admin"), Some("*")),
    )
    .await;
    assert_eq!(gone.status, 404);
}

#[tokio::test]
async fn departments_and_the_default_name_calendars_and_keep_them_from_deletion() {
    let deps = deps().await;
    send(
        &deps,
        event("POST", "/v1/calendars", Some(prague("prague")), Some("admin"), None),
    )
    .await;

    let unknown = json!({"id": "support", "name": "Support", "calendar_id": "atlantis"});
    let refused = send(
        &deps,
        event("POST", "/v1/departments", Some(unknown), Some("admin"), None),
    )
    .await;
    assert_eq!(refused.status, 422, "an unknown calendar, as an unknown lead");
    assert_eq!(refused.body["error"]["field"], "calendar_id");
    let department = json!({"id": "support", "name": "Support", "calendar_id": "prague"});
    let created = send(
        &deps,
        event("POST", "/v1/departments", Some(department), Some("admin"), None),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(created.body["calendar_id"], "prague");

    let in_use = send(
        &deps,
        event("DELETE", "/v1/calendars/prague", None, Some("admin"), None),
    )
    .await;
    assert_eq!(in_use.status, 409, "{}", in_use.body);

    let cleared = send(
        &deps,
        event(
            "PATCH",
            "/v1/departments/support",
            Some(json!({"calendar_id": null})),
            Some("admin"),
            None,
        ),
    )
    .await;
    assert_eq!(cleared.status, 200, "{}", cleared.body);
    assert_eq!(cleared.body["calendar_id"], Value::Null);

    let by_agent = send(
        &deps,
        event(
            "PUT",
            "/v1/calendars/default",
            Some(json!({"calendar_id": "prague"})),
            Some("agent"),
            None,
        ),
    )
    .await;
    assert_eq!(by_agent.status, 403);
    let unknown_default = send(
        &deps,
        event(
            "PUT",
            "/v1/calendars/default",
            Some(json!({"calendar_id": "atlantis"})),
            Some("admin"),
            None,
        ),
    )
    .await;
    assert_eq!(unknown_default.status, 422);
    assert_eq!(unknown_default.body["error"]["field"], "calendar_id");
    let set = send(
        &deps,
        event(
            "PUT",
            "/v1/calendars/default",
            Some(json!({"calendar_id": "prague"})),
            Some("admin"),
            None,
        ),
    )
    .await;
    assert_eq!(set.status, 200);
    assert_eq!(set.body, json!({"calendar_id": "prague"}));
    let is_default = send(
        &deps,
        event("DELETE", "/v1/calendars/prague", None, Some("admin"), None),
    )
    .await;
    assert_eq!(is_default.status, 409, "{}", is_default.body);

    send(
        &deps,
        event(
            "PUT",
            "/v1/calendars/default",
            Some(json!({"calendar_id": null})),
            Some("admin"),
            None,
        ),
    )
    .await;
    let deleted = send(
        &deps,
        event("DELETE", "/v1/calendars/prague", None, Some("admin"), None),
    )
    .await;
    assert_eq!(deleted.status, 204, "{}", deleted.body);
    let gone = send(
        &deps,
        event("DELETE", "/v1/calendars/prague", None, Some("admin"), None),
    )
    .await;
    assert_eq!(gone.status, 404);
}
