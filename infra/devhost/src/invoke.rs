//! `POST /_dev/invoke/{function}`: runs a scheduled function of the dev host now, with the
//! event its schedule sends in AWS and the time the caller names (`cargo xtask invoke
//! reactor-sweep --at 2026-11-23T09:00:00Z`), so time-based behaviour can be tried at any moment.
//! Only for callers on this machine: the host listens on loopback, and a request naming
//! another host (a browser led here by DNS rebinding) is refused.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};

use crate::host::DevHost;

/// The path prefix of the route (not under `/v1`, which is the API's).
pub const INVOKE_PATH: &str = "/_dev/invoke";

pub fn routes(host: Arc<DevHost>) -> Router {
    Router::new()
        .route(&format!("{INVOKE_PATH}/{{function}}"), post(invoke))
        .with_state(host)
}

/// Whether the request names this machine (`Host: 127.0.0.1:…`, `localhost:…`, `[::1]:…`).
fn from_loopback(headers: &HeaderMap) -> bool {
    let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else {
        return false;
    };
    let name = match host.rsplit_once(':') {
        Some((name, port)) if port.chars().all(|c| c.is_ascii_digit()) => name,
        _ => host,
    };
    matches!(name, "127.0.0.1" | "localhost" | "[::1]")
}

fn answer(status: StatusCode, body: Value) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response()
}

async fn invoke(
    State(host): State<Arc<DevHost>>,
    Path(function): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !from_loopback(&headers) {
        return answer(StatusCode::FORBIDDEN, json!({"message": "loopback only"}));
    }
    let Ok(event) = serde_json::from_slice::<Value>(&body) else {
        return answer(
            StatusCode::BAD_REQUEST,
            json!({"message": "the body must be the event, as JSON"}),
        );
    };
    match function.as_str() {
        "reactor-sweep" => match host.sweep(event).await {
            Ok(report) => answer(StatusCode::OK, json!(report)),
            Err(e) => answer(StatusCode::INTERNAL_SERVER_ERROR, json!({"message": e.to_string()})),
        },
        "sla-sweep" => match host.sla_sweep(event).await {
            Ok(report) => answer(StatusCode::OK, json!(report)),
            Err(e) => answer(StatusCode::INTERNAL_SERVER_ERROR, json!({"message": e.to_string()})),
        },
        "csat-sweep" => match host.csat_sweep(event).await {
            Ok(report) => answer(StatusCode::OK, json!(report)),
            Err(e) => answer(StatusCode::INTERNAL_SERVER_ERROR, json!({"message": e.to_string()})),
        },
        other => answer(
            StatusCode::NOT_FOUND,
            json!({"message": format!("no scheduled function {other:?}; try reactor-sweep, sla-sweep or csat-sweep")}),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_this_machine_s_names_pass() {
        let with = |host: &str| {
            let mut h = HeaderMap::new();
            h.insert(header::HOST, host.parse().unwrap());
            from_loopback(&h)
        };
        assert!(with("127.0.0.1:3000") && with("localhost:3000") && with("[::1]:3000") && with("localhost"));
        assert!(!with("evil.example:3000") && !with("127.0.0.1.evil.example"));
        assert!(!from_loopback(&HeaderMap::new()));
    }
}
