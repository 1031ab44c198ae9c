//! Reading requests: JSON bodies with field-level errors, query strings that refuse unknown
//! parameters, and `If-Match`.

use lambda_http::http::header;
use lambda_http::{Body, Request, RequestExt};
use serde::de::DeserializeOwned;

use super::ApiError;
use crate::domain::{DomainError, Precondition};

/// The largest request body read. A message body is at most 64 KiB; JSON escaping and the
/// other fields fit well inside this.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// Parses a JSON body into `T`. Broken JSON is a 400; JSON of the wrong shape (unknown field,
/// wrong type, bad value) is a 422 naming the field by its path, e.g. `requester.email`.
pub fn parse_json<T: DeserializeOwned>(request: &Request) -> Result<T, ApiError> {
    let is_json = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .eq_ignore_ascii_case("application/json")
        })
        .unwrap_or(false);
    if !is_json {
        return Err(ApiError::UnsupportedMediaType {
            accepted: "application/json",
        });
    }
    let bytes: &[u8] = match request.body() {
        Body::Empty => b"",
        Body::Text(t) => t.as_bytes(),
        Body::Binary(b) => b,
        _ => b"",
    };
    if bytes.len() > MAX_BODY_BYTES {
        return Err(ApiError::PayloadTooLarge { limit: MAX_BODY_BYTES });
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::BadRequest {
            field: None,
            message: "the body is empty; send a JSON object".into(),
        });
    }
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(json_error)?;
    deserializer.end().map_err(|e| ApiError::BadRequest {
        field: None,
        message: format!("malformed JSON: {e}"),
    })?;
    Ok(value)
}

fn json_error(e: serde_path_to_error::Error<serde_json::Error>) -> ApiError {
    let path = e.path().to_string();
    let inner = e.into_inner();
    match inner.classify() {
        serde_json::error::Category::Data => {
            let message = strip_position(&inner.to_string());
            // serde names an unknown field in the message; report it as the field itself.
            let field = match message
                .strip_prefix("unknown field `")
                .and_then(|r| r.split('`').next())
            {
                Some(unknown) if path == "." => unknown.to_owned(),
                Some(unknown) if path == unknown || path.ends_with(&format!(".{unknown}")) => path,
                Some(unknown) => format!("{path}.{unknown}"),
                None if path == "." => "body".to_owned(),
                None => path,
            };
            ApiError::Unprocessable { field, message }
        }
        _ => ApiError::BadRequest {
            field: None,
            message: format!("malformed JSON: {inner}"),
        },
    }
}

/// serde_json appends " at line 1 column 9"; the field path says more to a client.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

/// The query string, limited to the parameters a route knows.
pub struct QueryParams<'a> {
    request: &'a Request,
}

impl<'a> QueryParams<'a> {
    /// Refuses any parameter not in `known` (a typo would otherwise silently widen a list).
    pub fn new(request: &'a Request, known: &[&str]) -> Result<Self, ApiError> {
        let params = request.query_string_parameters_ref();
        if let Some(params) = params {
            for (name, _) in params.iter() {
                if !known.contains(&name) {
                    return Err(ApiError::bad_field(
                        name,
                        format!("unknown query parameter; known: {}", known.join(", ")),
                    ));
                }
            }
        }
        Ok(Self { request })
    }

    pub fn get(&self, name: &str) -> Option<&'a str> {
        self.request.query_string_parameters_ref().and_then(|p| p.first(name))
    }

    /// Parses a parameter with a domain parser; a bad value is a 400 naming the parameter.
    pub fn parse<T>(&self, name: &str, parse: impl Fn(&str) -> Result<T, DomainError>) -> Result<Option<T>, ApiError> {
        self.get(name)
            .map(|v| {
                parse(v).map_err(|e| match e {
                    DomainError::Invalid { reason, .. } => ApiError::bad_field(name, reason),
                    other => ApiError::bad_field(name, other.to_string()),
                })
            })
            .transpose()
    }
}

/// The `If-Match` precondition a ticket change must carry: 428 when absent, 400 when garbled.
pub fn if_match(request: &Request) -> Result<Precondition, ApiError> {
    let value = request
        .headers()
        .get(header::IF_MATCH)
        .ok_or(ApiError::PreconditionRequired)?;
    let text = value
        .to_str()
        .map_err(|_| ApiError::bad_field("If-Match", "not a valid header value"))?;
    Precondition::parse(text).map_err(|e| ApiError::bad_field("If-Match", e.to_string()))
}
