//! The HTTP edge shared by the API functions: reading requests into domain values, and the
//! one mapping from errors to responses.

mod auth;
mod error;
mod request;

pub use auth::{principal, principal_from_claims};
pub use error::ApiError;
pub use request::{MAX_BODY_BYTES, QueryParams, if_match, parse_json};

use lambda_http::http::{StatusCode, header};
use lambda_http::{Body, Response};
use serde::Serialize;

pub fn json_response(status: StatusCode, value: &impl Serialize) -> Response<Body> {
    let body = serde_json::to_string(value).unwrap_or_else(|_| "{}".to_owned());
    let mut response = Response::new(Body::Text(body));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json"),
    );
    response
}
