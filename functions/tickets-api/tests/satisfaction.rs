//! `GET /v1/satisfaction` against DynamoDB Local: managers see every rating of the period,
//! filtered by department and agent; an agent sees only their own and is refused another's;
//! bad periods are a 400 naming the parameter.

use std::collections::BTreeSet;

use lambda_http::Body;
use serde_json::{Value, json};
use shared::adapters::cognito::CognitoDirectory;
use shared::adapters::dynamodb::DynamoStore;
use shared::adapters::s3::S3Blobs;
use shared::domain::satisfaction::Rating;
use shared::domain::{
    Agent, AgentId, DepartmentId, EmailAddress, Role, Seniority, SystemClock, TicketId, TicketNumber, Timestamp,
};
use shared::ports::{RatingRecord, SurveyStore, TeamStore};
use shared::usecases::desk::TicketDesk;
use shared::usecases::files::ReplyFiles;
use tickets_api::{Deps, handle};

async fn deps() -> Deps<DynamoStore, SystemClock> {
    let sdk = test_support::local_sdk().await;
    let table = test_support::fresh_table(&sdk).await;
    Deps {
        desk: TicketDesk::new(
            DynamoStore::new(aws_sdk_dynamodb::Client::new(&sdk), table),
            SystemClock,
        ),
        files: ReplyFiles::new(S3Blobs::new(test_support::s3_client(&sdk)), SystemClock, "unused"),
        directory: CognitoDirectory::new(test_support::user_pool::client(&sdk), "unused"),
    }
}

/// The list-tickets sample, re-aimed at `GET /v1/satisfaction?<query>` for `role`.
async fn get(deps: &Deps<DynamoStore, SystemClock>, query: &[(&str, &str)], role: &str) -> (u16, Value) {
    let path = format!(
        "{}/../../events/tickets-api/create-ticket.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut e: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    e["rawPath"] = json!("/v1/satisfaction");
    e["requestContext"]["http"]["method"] = json!("GET");
    e["requestContext"]["http"]["path"] = json!("/v1/satisfaction");
    e["pathParameters"]["proxy"] = json!("satisfaction");
    let raw: Vec<String> = query.iter().map(|(k, v)| format!("{k}={v}")).collect();
    e["rawQueryString"] = json!(raw.join("&"));
    e["queryStringParameters"] = query.iter().map(|(k, v)| ((*k).to_owned(), json!(v))).collect();
    e.as_object_mut().unwrap().remove("body");
    e["requestContext"]["authorizer"]["jwt"]["claims"] = json!({
        "sub": role, "email": format!("{role}@example.com"), "cognito:groups": format!("[{role}]"),
        "custom:departments": "billing",
    });
    let request = lambda_http::request::from_str(&e.to_string()).unwrap();
    let response = handle(deps, request).await.unwrap();
    let status = response.status().as_u16();
    let body = match response.into_body() {
        Body::Text(t) => serde_json::from_str(&t).unwrap(),
        other => panic!("{other:?}"),
    };
    (status, body)
}

#[tokio::test]
async fn managers_see_every_rating_of_the_period_and_agents_their_own() {
    let deps = deps().await;
    let store = deps.desk.store();
    let at = |t: &str| Timestamp::parse(t).unwrap();
    let me = Agent {
        id: AgentId::generate(at("2026-11-01T00:00:00Z")),
        email: EmailAddress::parse("agent@example.com").unwrap(),
        name: "Ann".into(),
        role: Role::Agent,
        seniority: Seniority::Regular,
        departments: BTreeSet::from([DepartmentId::parse("billing").unwrap()]),
        active: true,
        created_at: at("2026-11-01T00:00:00Z"),
        updated_at: at("2026-11-01T00:00:00Z"),
    };
    store.create_agent(&me).await.unwrap();
    let other = AgentId::generate(at("2026-11-01T00:00:00Z"));
    let billing = DepartmentId::parse("billing").unwrap();
    for (n, (rating, when, agent, department)) in [
        (Rating::Good, "2026-11-20T10:00:00Z", Some(me.id), Some(billing.clone())),
        (Rating::Bad, "2026-12-02T10:00:00Z", Some(me.id), Some(billing.clone())),
        (Rating::Good, "2026-12-03T10:00:00Z", Some(other), None),
        (Rating::Bad, "2027-02-01T10:00:00Z", Some(other), None),
    ]
    .into_iter()
    .enumerate()
    {
        let record = RatingRecord {
            ticket_id: TicketId::generate(at(when)),
            ticket_number: TicketNumber::new(1001 + n as u64),
            rating,
            comment: None,
            at: at(when),
            ratings: 1,
            agent,
            department,
        };
        store.record_rating(&record, None).await.unwrap();
    }
    let period = [("from", "2026-11-15T00:00:00Z"), ("to", "2027-01-01T00:00:00Z")];

    let (status, all) = get(&deps, &period, "manager").await;
    assert_eq!(status, 200, "{all}");
    assert_eq!(
        (all["good"].clone(), all["bad"].clone(), all["score"].clone()),
        (json!(2), json!(1), json!(66.7))
    );
    assert_eq!(all["ratings"].as_array().unwrap().len(), 3);
    let (_, billing_only) = get(&deps, &[period[0], period[1], ("department", "billing")], "manager").await;
    assert_eq!(
        (billing_only["good"].clone(), billing_only["bad"].clone()),
        (json!(1), json!(1))
    );

    let (status, mine) = get(&deps, &period, "agent").await;
    assert_eq!(status, 200, "{mine}");
    assert_eq!(mine["ratings"].as_array().unwrap().len(), 2);
    let other_text = other.to_string();
    let (status, refused) = get(&deps, &[period[0], period[1], ("agent", other_text.as_str())], "agent").await;
    assert_eq!(status, 403, "{refused}");

    let (status, bad) = get(&deps, &[("from", "yesterday")], "manager").await;
    assert_eq!(status, 400, "{bad}");
    let (status, backwards) = get(
        &deps,
        &[("from", "2027-01-01T00:00:00Z"), ("to", "2026-01-01T00:00:00Z")],
        "manager",
    )
    .await;
    assert!(matches!(status, 400 | 422), "{status} {backwards}");
}
