//! `/_dev/sign-in`: the dev host's stand-in for the Cognito hosted sign-in, used by the
//! console (`CONSOLE_SIGN_IN=dev`). `GET` lists the people one may sign in as (every agent on
//! the desk, and an admin); `POST {"email"}` answers `{"token"}`, a dev token with that person's
//! role and departments, signed with the host's key as `cargo xtask token` signs. Loopback only,
//! as `/_dev/invoke`.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use dev_auth::DevClaims;
use serde::Deserialize;
use serde_json::{Value, json};
use shared::ports::TeamStore;

use crate::host::DevHost;
use crate::invoke::from_loopback;

pub const SIGN_IN_PATH: &str = "/_dev/sign-in";
/// The admin offered besides the desk's agents (admins need no agent record).
pub const DEV_ADMIN: (&str, &str) = ("admin@example.com", "Ada Admin");
/// A console session lasts a working day on the dev host.
const TOKEN_HOURS: i64 = 10;

pub fn routes(host: Arc<DevHost>) -> Router {
    Router::new()
        .route(SIGN_IN_PATH, get(people).post(sign_in))
        .with_state(host)
}

fn answer(status: StatusCode, body: Value) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response()
}

/// `(email, name, role, departments)` of everyone one may sign in as.
async fn everyone(host: &DevHost) -> Result<Vec<(String, String, String, Vec<String>)>, String> {
    let mut people = vec![(
        DEV_ADMIN.0.to_owned(),
        DEV_ADMIN.1.to_owned(),
        "admin".to_owned(),
        Vec::new(),
    )];
    let agents = host
        .gateway
        .tickets
        .desk
        .store()
        .list_agents()
        .await
        .map_err(|e| e.to_string())?;
    for agent in agents.into_iter().filter(|a| a.active) {
        people.push((
            agent.email.to_string(),
            agent.name,
            serde_json::to_value(agent.role)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
            agent.departments.iter().map(ToString::to_string).collect(),
        ));
    }
    Ok(people)
}

async fn people(State(host): State<Arc<DevHost>>, headers: HeaderMap) -> Response {
    if !from_loopback(&headers) {
        return answer(StatusCode::FORBIDDEN, json!({"message": "loopback only"}));
    }
    match everyone(&host).await {
        Ok(people) => answer(
            StatusCode::OK,
            json!({ "people": people.into_iter().map(|(email, name, role, departments)| json!({
                "email": email, "name": name, "role": role, "departments": departments,
            })).collect::<Vec<_>>() }),
        ),
        Err(e) => answer(StatusCode::INTERNAL_SERVER_ERROR, json!({ "message": e })),
    }
}

#[derive(Deserialize)]
struct SignIn {
    email: String,
}

async fn sign_in(State(host): State<Arc<DevHost>>, headers: HeaderMap, body: Bytes) -> Response {
    if !from_loopback(&headers) {
        return answer(StatusCode::FORBIDDEN, json!({"message": "loopback only"}));
    }
    let Ok(body) = serde_json::from_slice::<SignIn>(&body) else {
        return answer(StatusCode::BAD_REQUEST, json!({"message": "expected {\"email\": …}"}));
    };
    let people = match everyone(&host).await {
        Ok(p) => p,
        Err(e) => return answer(StatusCode::INTERNAL_SERVER_ERROR, json!({ "message": e })),
    };
    let Some((email, _, role, departments)) = people.into_iter().find(|p| p.0.eq_ignore_ascii_case(&body.email)) else {
        return answer(StatusCode::NOT_FOUND, json!({"message": "no such person on this desk"}));
    };
    let claims = DevClaims::new(&role, &email, &departments, chrono::Duration::hours(TOKEN_HOURS));
    match dev_auth::sign(&host.gateway.key, &claims) {
        Ok(token) => answer(StatusCode::OK, json!({ "token": token })),
        Err(e) => answer(StatusCode::INTERNAL_SERVER_ERROR, json!({ "message": e.to_string() })),
    }
}
