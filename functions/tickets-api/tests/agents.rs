//! Admins invite agents into the Cognito user pool and keep their accounts in step with the
//! agent records (moto's cognito-idp, DynamoDB Local): the invitation creates the account in
//! the role's group with the departments claim the API reads back; changes move the group and
//! the claim; deactivating disables the account; a repeat of a half-done invitation finishes
//! it; a failing pool leaves no record behind; agents and managers may do none of it.

use aws_sdk_cognitoidentityprovider::Client as Cognito;
use aws_sdk_cognitoidentityprovider::error::ErrorMetadata;
use aws_sdk_cognitoidentityprovider::operation::admin_get_user::AdminGetUserError;
use aws_sdk_cognitoidentityprovider::types::AttributeType;
use aws_sdk_cognitoidentityprovider::types::error::TooManyRequestsException;
use aws_smithy_mocks::{RuleMode, mock, mock_client};
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

struct Desk {
    deps: TestDeps,
    cognito: Cognito,
    pool: String,
    table: String,
}

async fn desk() -> Desk {
    let sdk = test_support::local_sdk().await;
    let table = test_support::fresh_table(&sdk).await;
    let pool = test_support::user_pool::fresh(&sdk).await;
    let cognito = test_support::user_pool::client(&sdk);
    let desk = Desk {
        deps: deps(&sdk, &table, CognitoDirectory::new(cognito.clone(), &pool)),
        cognito,
        pool,
        table,
    };
    for (id, name) in [("support", "Support"), ("billing", "Billing")] {
        let made = send(
            &desk.deps,
            "POST",
            "/v1/departments",
            Some(json!({"id": id, "name": name})),
            "admin",
        )
        .await;
        assert_eq!(made.0, 201, "{}", made.1);
    }
    desk
}

fn deps(sdk: &aws_config::SdkConfig, table: &str, directory: CognitoDirectory) -> TestDeps {
    Deps {
        desk: TicketDesk::new(DynamoStore::new(aws_sdk_dynamodb::Client::new(sdk), table), SystemClock),
        files: ReplyFiles::new(S3Blobs::new(test_support::s3_client(sdk)), SystemClock, "unused"),
        directory,
    }
}

/// An API Gateway v2 event from the sample, for `role`'s token.
async fn send(deps: &TestDeps, method: &str, path: &str, body: Option<Value>, role: &str) -> (u16, Value) {
    let sample = format!(
        "{}/../../events/tickets-api/create-ticket.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut e: Value = serde_json::from_str(&std::fs::read_to_string(sample).unwrap()).unwrap();
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
    e["requestContext"]["authorizer"]["jwt"]["claims"] = json!({
        "sub": format!("{role}-1"),
        "email": format!("{role}@example.com"),
        "cognito:groups": format!("[{role}]"),
        "custom:departments": "support",
    });
    let request = lambda_http::request::from_str(&e.to_string()).unwrap();
    let response = handle(deps, request).await.unwrap();
    let status = response.status().as_u16();
    let body = match response.into_body() {
        Body::Text(t) => serde_json::from_str(&t).unwrap_or(Value::String(t)),
        _ => Value::Null,
    };
    (status, body)
}

/// What the pool holds for `email`: enabled, its groups, its attributes.
struct Account {
    enabled: bool,
    groups: Vec<String>,
    attributes: Vec<(String, String)>,
}

impl Account {
    fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

async fn account(desk: &Desk, email: &str) -> Option<Account> {
    let user = match desk
        .cognito
        .admin_get_user()
        .user_pool_id(&desk.pool)
        .username(email)
        .send()
        .await
    {
        Ok(user) => user,
        Err(e) if e.as_service_error().is_some_and(|e| e.is_user_not_found_exception()) => return None,
        Err(e) => panic!("{e:?}"),
    };
    let groups = desk
        .cognito
        .admin_list_groups_for_user()
        .user_pool_id(&desk.pool)
        .username(email)
        .send()
        .await
        .unwrap();
    Some(Account {
        enabled: user.enabled(),
        groups: groups
            .groups()
            .iter()
            .filter_map(|g| g.group_name().map(str::to_owned))
            .collect(),
        attributes: user
            .user_attributes()
            .iter()
            .map(|a| (a.name().to_owned(), a.value().unwrap_or_default().to_owned()))
            .collect(),
    })
}

async fn users_in_pool(desk: &Desk) -> usize {
    let listed = desk.cognito.list_users().user_pool_id(&desk.pool).send().await.unwrap();
    listed.users().len()
}

fn invitation(email: &str) -> Value {
    json!({"email": email, "name": "Nora New", "role": "agent", "departments": ["support", "billing"]})
}

/// `POST /v1/agents` with [`invitation`] for `email`, as `role`.
async fn invite(deps: &TestDeps, email: &str, role: &str) -> (u16, Value) {
    send(deps, "POST", "/v1/agents", Some(invitation(email)), role).await
}

#[tokio::test]
async fn an_invitation_creates_the_account_in_the_roles_group_with_the_departments_claim() {
    let desk = desk().await;
    let (status, agent) = invite(&desk.deps, "nora@example.com", "admin").await;
    assert_eq!(status, 201, "{agent}");
    let account = account(&desk, "nora@example.com")
        .await
        .expect("the account was created");
    assert!(account.enabled);
    assert_eq!(account.groups, ["agent"]);
    // Exactly as `http::auth` reads the claim: ids joined by commas.
    assert_eq!(account.attribute("custom:departments"), Some("billing,support"));
    assert_eq!(account.attribute("email"), Some("nora@example.com"));
    assert_eq!(account.attribute("email_verified"), Some("true"));
    assert_eq!(account.attribute("name"), Some("Nora New"));

    // The same address again is a conflict, and the account is left as it was.
    let (status, _) = invite(&desk.deps, "nora@example.com", "admin").await;
    assert_eq!(status, 409);
    assert_eq!(users_in_pool(&desk).await, 1);
}

#[tokio::test]
async fn changes_move_the_group_and_the_claim_and_deactivation_disables_the_account() {
    let desk = desk().await;
    let (_, agent) = invite(&desk.deps, "omar@example.com", "admin").await;
    let path = format!("/v1/agents/{}", agent["id"].as_str().unwrap());

    let (status, body) = send(
        &desk.deps,
        "PATCH",
        &path,
        Some(json!({"role": "manager", "departments": ["billing"]})),
        "admin",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let now = account(&desk, "omar@example.com").await.unwrap();
    assert_eq!(now.groups, ["manager"]);
    assert_eq!(now.attribute("custom:departments"), Some("billing"));

    let (status, _) = send(&desk.deps, "PATCH", &path, Some(json!({"active": false})), "admin").await;
    assert_eq!(status, 200);
    assert!(!account(&desk, "omar@example.com").await.unwrap().enabled);

    let (status, _) = send(&desk.deps, "PATCH", &path, Some(json!({"active": true})), "admin").await;
    assert_eq!(status, 200);
    let back = account(&desk, "omar@example.com").await.unwrap();
    assert!(back.enabled);
    assert_eq!(back.groups, ["manager"]);
}

#[tokio::test]
async fn a_repeated_invitation_finishes_one_that_stopped_after_creating_the_account() {
    let desk = desk().await;
    // What a crash after AdminCreateUser leaves: an account in no group, without departments,
    // and no agent record.
    desk.cognito
        .admin_create_user()
        .user_pool_id(&desk.pool)
        .username("pia@example.com")
        .user_attributes(
            AttributeType::builder()
                .name("email")
                .value("pia@example.com")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();

    let (status, agent) = invite(&desk.deps, "pia@example.com", "admin").await;
    assert_eq!(status, 201, "{agent}");
    let account = account(&desk, "pia@example.com").await.unwrap();
    assert_eq!(account.groups, ["agent"]);
    assert_eq!(account.attribute("custom:departments"), Some("billing,support"));
    assert_eq!(users_in_pool(&desk).await, 1, "no second account");
    let (_, listed) = send(&desk.deps, "GET", "/v1/agents", None, "admin").await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_failing_pool_writes_no_record_so_the_same_request_can_be_repeated() {
    let desk = desk().await;
    let sdk = test_support::local_sdk().await;
    let throttled = mock!(Cognito::admin_get_user)
        .sequence()
        .error(|| {
            AdminGetUserError::TooManyRequestsException(
                TooManyRequestsException::builder()
                    .message("Rate exceeded")
                    .meta(ErrorMetadata::builder().code("TooManyRequestsException").build())
                    .build(),
            )
        })
        .repeatedly()
        .build();
    let busy = deps(
        &sdk,
        &desk.table,
        CognitoDirectory::new(
            mock_client!(aws_sdk_cognitoidentityprovider, RuleMode::MatchAny, [&throttled]),
            &desk.pool,
        ),
    );
    let (status, body) = invite(&busy, "quinn@example.com", "admin").await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"]["code"], "unavailable");
    let (_, listed) = send(&desk.deps, "GET", "/v1/agents", None, "admin").await;
    assert_eq!(listed["items"], json!([]), "no record without its account");

    let (status, _) = invite(&desk.deps, "quinn@example.com", "admin").await;
    assert_eq!(status, 201);
    assert_eq!(account(&desk, "quinn@example.com").await.unwrap().groups, ["agent"]);
}

#[tokio::test]
async fn agents_and_managers_may_neither_invite_nor_change_agents() {
    let desk = desk().await;
    let (_, agent) = invite(&desk.deps, "rita@example.com", "admin").await;
    let path = format!("/v1/agents/{}", agent["id"].as_str().unwrap());
    for role in ["agent", "manager"] {
        let (status, _) = invite(&desk.deps, "sam@example.com", role).await;
        assert_eq!(status, 403, "{role} invites");
        let (status, _) = send(&desk.deps, "PATCH", &path, Some(json!({"role": "admin"})), role).await;
        assert_eq!(status, 403, "{role} promotes");
    }
    assert!(account(&desk, "sam@example.com").await.is_none());
    assert_eq!(account(&desk, "rita@example.com").await.unwrap().groups, ["agent"]);
}

#[tokio::test]
async fn a_changed_address_moves_with_the_account() {
    let desk = desk().await;
    let (_, agent) = invite(&desk.deps, "tom@example.com", "admin").await;
    let path = format!("/v1/agents/{}", agent["id"].as_str().unwrap());
    let (status, body) = send(
        &desk.deps,
        "PATCH",
        &path,
        Some(json!({"email": "tomas@example.com"})),
        "admin",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let moved = account(&desk, "tomas@example.com")
        .await
        .expect("found by the new address");
    assert_eq!(moved.attribute("email"), Some("tomas@example.com"));
    assert_eq!(moved.groups, ["agent"]);
    assert!(account(&desk, "tom@example.com").await.is_none());
    assert_eq!(users_in_pool(&desk).await, 1, "the same account, not a new one");

    // Repeating the change (as after a failure between the account and the record) is harmless.
    let (status, _) = send(
        &desk.deps,
        "PATCH",
        &path,
        Some(json!({"email": "tomas@example.com"})),
        "admin",
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(users_in_pool(&desk).await, 1);
}
