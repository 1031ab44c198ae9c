//! The HTTP API, played locally: the JWT authorizer (verifying dev tokens) and the Lambda
//! proxy integration (payload v2.0), so handlers receive exactly what API Gateway sends.

use std::sync::Arc;

use axum::Router;
use axum::body::{Body as AxumBody, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use chrono::Utc;
use dev_auth::SigningKey;
use lambda_http::Body;
use serde_json::{Map, Value, json};
use shared::adapters::dynamodb::DynamoStore;

use crate::clock::DevClock;

/// API Gateway's own request size limit.
const MAX_PAYLOAD: usize = 10 * 1024 * 1024;

pub struct Gateway {
    pub tickets: tickets_api::Deps<DynamoStore, DevClock>,
    /// The public routes (the template's `ContactApi`): no authorizer.
    pub contact: contact_form::Deps<DynamoStore, DevClock>,
    /// The survey page (`/survey/{token}` on the same public API).
    pub csat: csat::Deps<DynamoStore, shared::adapters::sesv2::SesMailer, DevClock>,
    /// The agents' console (`GET /console` and `/console/{proxy+}`, no authorizer).
    pub console: console::Config,
    pub key: SigningKey,
}

pub fn router(gateway: Arc<Gateway>) -> Router {
    Router::new().fallback(dispatch).with_state(gateway)
}

fn gateway_error(status: StatusCode, message: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        json!({ "message": message }).to_string(),
    )
        .into_response()
}

/// Whether a path belongs to the public contact API rather than the agents' API.
fn is_public(path: &str) -> bool {
    path == "/contact"
        || path.starts_with("/contact/")
        || path == "/v1/contact"
        || path.starts_with("/v1/contact/")
        || path.starts_with("/portal/")
        || path.starts_with("/survey/")
        || is_console(path)
}

fn is_console(path: &str) -> bool {
    path == "/console" || path.starts_with("/console/")
}

async fn dispatch(State(gateway): State<Arc<Gateway>>, request: Request) -> Response {
    let path = request.uri().path().to_owned();
    if is_public(&path) {
        return public(&gateway, request, &path).await;
    }
    // The template routes `ANY /v1/{proxy+}` to tickets-api behind the JWT authorizer.
    let Some(proxy) = path.strip_prefix("/v1/").filter(|p| !p.is_empty()).map(str::to_owned) else {
        return gateway_error(StatusCode::NOT_FOUND, "Not Found");
    };
    let claims = match bearer(request.headers()).map(|t| dev_auth::verify(&gateway.key, t)) {
        Some(Ok(claims)) => claims.as_gateway_claims(),
        _ => {
            let mut response = gateway_error(StatusCode::UNAUTHORIZED, "Unauthorized");
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer"));
            return response;
        }
    };
    let (parts, body) = request.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_PAYLOAD).await else {
        return gateway_error(StatusCode::PAYLOAD_TOO_LARGE, "Request Entity Too Large");
    };
    let event = proxy_event(&parts, &bytes, &proxy, Some(claims));
    let lambda_request = match lambda_http::request::from_str(&event.to_string()) {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(error = %e, "could not build the Lambda request");
            return gateway_error(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error");
        }
    };
    let Ok(response) = tickets_api::handle(&gateway.tickets, lambda_request).await;
    into_axum(response)
}

/// The contact API's routes: the Lambda proxy integration, without an authorizer.
async fn public(gateway: &Gateway, request: Request, path: &str) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_PAYLOAD).await else {
        return gateway_error(StatusCode::PAYLOAD_TOO_LARGE, "Request Entity Too Large");
    };
    let event = proxy_event(&parts, &bytes, path.trim_start_matches('/'), None);
    let lambda_request = match lambda_http::request::from_str(&event.to_string()) {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(error = %e, "could not build the Lambda request");
            return gateway_error(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error");
        }
    };
    let Ok(response) = if is_console(path) {
        console::handle(&gateway.console, lambda_request).await
    } else if path.starts_with("/survey/") {
        csat::handle_page(&gateway.csat, lambda_request).await
    } else {
        contact_form::handle(&gateway.contact, lambda_request).await
    };
    into_axum(response)
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then_some(token.trim())
}

/// The API Gateway HTTP API payload v2.0 for a request.
pub fn proxy_event(
    parts: &axum::http::request::Parts,
    body: &[u8],
    proxy: &str,
    claims: Option<std::collections::HashMap<String, String>>,
) -> Value {
    let mut headers = Map::new();
    for (name, value) in &parts.headers {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        let joined = match headers.get(name.as_str()).and_then(Value::as_str) {
            Some(previous) => format!("{previous},{value}"),
            None => value,
        };
        headers.insert(name.as_str().to_owned(), Value::String(joined));
    }
    let raw_query = parts.uri.query().unwrap_or_default();
    let mut query = Map::new();
    for (k, v) in serde_urlencoded::from_str::<Vec<(String, String)>>(raw_query).unwrap_or_default() {
        let joined = match query.get(&k).and_then(Value::as_str) {
            Some(previous) => format!("{previous},{v}"),
            None => v,
        };
        query.insert(k, Value::String(joined));
    }
    let (body, is_base64) = match std::str::from_utf8(body) {
        _ if body.is_empty() => (Value::Null, false),
        Ok(text) => (Value::String(text.to_owned()), false),
        Err(_) => (
            Value::String(base64::engine::general_purpose::STANDARD.encode(body)),
            true,
        ),
    };
    let now = Utc::now();
    let mut context = json!({
        "accountId": "000000000000",
        "apiId": "local",
        "domainName": "127.0.0.1",
        "domainPrefix": "127",
        "http": {
            "method": parts.method.as_str(),
            "path": parts.uri.path(),
            "protocol": "HTTP/1.1",
            "sourceIp": "127.0.0.1",
            "userAgent": parts.headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or_default(),
        },
        "requestId": ulid::Ulid::new().to_string(),
        "routeKey": "ANY /v1/{proxy+}",
        "stage": "$default",
        "time": now.format("%d/%b/%Y:%H:%M:%S %z").to_string(),
        "timeEpoch": now.timestamp_millis(),
    });
    if let Some(claims) = claims {
        context["authorizer"] = json!({ "jwt": { "claims": claims, "scopes": null } });
    }
    let mut event = json!({
        "version": "2.0",
        "routeKey": "ANY /v1/{proxy+}",
        "rawPath": parts.uri.path(),
        "rawQueryString": raw_query,
        "headers": headers,
        "pathParameters": { "proxy": proxy },
        "requestContext": context,
        "isBase64Encoded": is_base64,
    });
    if !query.is_empty() {
        event["queryStringParameters"] = Value::Object(query);
    }
    if !body.is_null() {
        event["body"] = body;
    }
    event
}

fn into_axum(response: lambda_http::Response<Body>) -> Response {
    let (parts, body) = response.into_parts();
    let bytes = match body {
        Body::Text(t) => t.into_bytes(),
        Body::Binary(b) => b,
        _ => Vec::new(),
    };
    Response::from_parts(parts, AxumBody::from(bytes))
}
