//! `POST /_dev/invoke/{function}`: runs a scheduled function of the dev host now, with the
//! event its schedule sends in AWS and the time the caller names (`cargo xtask invoke
//! reactor-sweep --at 2026-11-23T09:00:00Z`), so time-based behaviour can be tried at any moment.
//! Only for callers on this machine: the host listens on loopback, and a request naming
//! another host (a browser led here by DNS rebinding) is refused.
//!
//! The scheduled functions are registered in [`scheduled`], one line each; the dev host's
//! schedules (`DevHost::run_schedules`) run them from there too.

use std::fmt::Display;
use std::future::Future;
use std::pin::Pin;
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

/// What a scheduled function's run answers: its report as JSON, or its error's text.
pub type RunResult = Result<Value, String>;
/// Runs a scheduled function on the host with the event its schedule sends (`{"time": …}`).
pub type Run = fn(Arc<DevHost>, Value) -> Pin<Box<dyn Future<Output = RunResult> + Send>>;

/// Every scheduled function of the template, by its binary's name (a test checks the two
/// lists agree). Adding one is one line here.
pub fn scheduled() -> Vec<(&'static str, Run)> {
    vec![
        ("reactor-sweep", |host, event| {
            Box::pin(async move { report(host.sweep(event).await) })
        }),
        ("sla-sweep", |host, event| {
            Box::pin(async move { report(host.sla_sweep(event).await) })
        }),
        ("csat-sweep", |host, event| {
            Box::pin(async move { report(host.csat_sweep(event).await) })
        }),
        ("retention", |host, event| {
            Box::pin(async move { report(host.retention(event).await) })
        }),
        ("reports", |host, event| {
            Box::pin(async move { report(host.reports(event).await) })
        }),
    ]
}

/// The run of scheduled function `name`, if there is one.
pub fn find(name: &str) -> Option<Run> {
    scheduled().into_iter().find(|(n, _)| *n == name).map(|(_, run)| run)
}

/// A run's outcome as the invoke route answers it.
pub fn report<T: serde::Serialize, E: Display>(result: Result<T, E>) -> RunResult {
    match result {
        Ok(report) => serde_json::to_value(report).map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    }
}

pub fn routes(host: Arc<DevHost>) -> Router {
    Router::new()
        .route(&format!("{INVOKE_PATH}/{{function}}"), post(invoke))
        .with_state(host)
}

/// Whether the request names this machine (`Host: 127.0.0.1:…`, `localhost:…`, `[::1]:…`).
pub(crate) fn from_loopback(headers: &HeaderMap) -> bool {
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
    let Some(run) = find(&function) else {
        let known: Vec<&str> = scheduled().into_iter().map(|(name, _)| name).collect();
        return answer(
            StatusCode::NOT_FOUND,
            json!({"message": format!("no scheduled function {function:?}; try one of {}", known.join(", "))}),
        );
    };
    match run(host, event).await {
        Ok(report) => answer(StatusCode::OK, report),
        Err(message) => answer(StatusCode::INTERNAL_SERVER_ERROR, json!({ "message": message })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_scheduled_function_of_the_template_is_registered() {
        let template = crate::template::Template::load_default().unwrap();
        let mut in_template: Vec<String> = template.schedules().unwrap().into_iter().map(|s| s.function).collect();
        in_template.dedup();
        let mut registered: Vec<String> = scheduled().into_iter().map(|(n, _)| n.to_owned()).collect();
        registered.sort();
        assert_eq!(
            registered, in_template,
            "register each scheduled function in `scheduled()`"
        );
    }

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
