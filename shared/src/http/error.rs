//! The one mapping from errors to HTTP responses. Every body is
//! `{"error": {"code", "message", "field"?}}`; a 500 never carries internals.

use lambda_http::http::{HeaderValue, StatusCode, header};
use lambda_http::{Body, Response};
use serde_json::json;

use crate::domain::{DomainError, Version};
use crate::ports::{BlobError, DirectoryError, StoreError};
use crate::usecases::desk::DeskError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("a bearer token is required")]
    Unauthorized,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{method} is not allowed here")]
    MethodNotAllowed { method: String },
    /// The request could not be read at all (broken JSON, bad query value, bad cursor).
    #[error("{message}")]
    BadRequest { field: Option<String>, message: String },
    /// The request was read but a value is not acceptable.
    #[error("{message}")]
    Unprocessable { field: String, message: String },
    /// Several fields at once (a form a person fixes in one go): 422 naming each.
    #[error("{} fields need attention", .0.len())]
    InvalidFields(Vec<(String, String)>),
    #[error("too many requests; retry after {retry_after} seconds")]
    TooManyRequests { retry_after: i64 },
    #[error("{0}")]
    Conflict(String),
    /// A 409 whose code names the reason, for a client to act on (`different_requesters`).
    #[error("{message}")]
    ConflictBecause { code: &'static str, message: String },
    #[error("the ticket is now at version {current}; reload it and try again")]
    PreconditionFailed { current: Version },
    #[error("this change needs an If-Match header with the ticket's ETag")]
    PreconditionRequired,
    #[error("the body is larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    /// The body's media type is not one this route reads; `accepted` names those it does.
    #[error("send the body as {accepted}")]
    UnsupportedMediaType { accepted: &'static str },
    #[error("busy right now; retry shortly")]
    Unavailable,
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl ApiError {
    pub fn bad_field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::BadRequest {
            field: Some(field.into()),
            message: message.into(),
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Self::BadRequest { .. } => StatusCode::BAD_REQUEST,
            Self::Unprocessable { .. } | Self::InvalidFields(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Conflict(_) | Self::ConflictBecause { .. } => StatusCode::CONFLICT,
            Self::PreconditionFailed { .. } => StatusCode::PRECONDITION_FAILED,
            Self::PreconditionRequired => StatusCode::PRECONDITION_REQUIRED,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType { .. } => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            Self::Unauthorized => "unauthorized",
            Self::Forbidden(_) => "forbidden",
            Self::NotFound(_) => "not_found",
            Self::MethodNotAllowed { .. } => "method_not_allowed",
            Self::BadRequest { .. } => "bad_request",
            Self::Unprocessable { .. } | Self::InvalidFields(_) => "invalid_field",
            Self::TooManyRequests { .. } => "too_many_requests",
            Self::Conflict(_) => "conflict",
            Self::ConflictBecause { code, .. } => code,
            Self::PreconditionFailed { .. } => "version_mismatch",
            Self::PreconditionRequired => "if_match_required",
            Self::PayloadTooLarge { .. } => "payload_too_large",
            Self::UnsupportedMediaType { .. } => "unsupported_media_type",
            Self::Unavailable => "unavailable",
            Self::Internal(_) => "internal",
        }
    }

    fn field(&self) -> Option<&str> {
        match self {
            Self::BadRequest { field, .. } => field.as_deref(),
            Self::Unprocessable { field, .. } => Some(field),
            Self::InvalidFields(fields) => fields.first().map(|(f, _)| f.as_str()),
            _ => None,
        }
    }

    pub fn into_response(self) -> Response<Body> {
        if let Self::Internal(cause) = &self {
            // The cause chain goes to the log, never to the client.
            tracing::error!(error = %cause, source = ?cause.source(), "request failed");
        }
        let mut error = json!({ "code": self.code(), "message": self.to_string() });
        if let Some(field) = self.field() {
            error["field"] = json!(field);
        }
        if let Self::InvalidFields(fields) = &self {
            error["fields"] = fields
                .iter()
                .map(|(field, message)| json!({ "field": field, "message": message }))
                .collect();
        }
        let mut response = super::json_response(self.status(), &json!({ "error": error }));
        if let Self::PreconditionFailed { current } = self
            && let Ok(v) = HeaderValue::from_str(&current.etag())
        {
            response.headers_mut().insert(header::ETAG, v);
        }
        if let Self::TooManyRequests { retry_after } = self
            && let Ok(v) = HeaderValue::from_str(&retry_after.max(1).to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
        if let Self::Unavailable = self {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        response
    }
}

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> Self {
        match e {
            DomainError::Invalid { field, reason } => Self::Unprocessable {
                field: field.into_owned(),
                message: reason.into_owned(),
            },
            DomainError::Conflict { reason } => Self::Conflict(reason.into_owned()),
            DomainError::Forbidden { reason } => Self::Forbidden(reason.into_owned()),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::InvalidCursor => {
                Self::bad_field("cursor", "not a cursor from this list; start again without it")
            }
            StoreError::NotFound { what } => Self::NotFound(format!("{what} not found")),
            StoreError::AlreadyExists { what } => Self::Conflict(format!("{what} already exists")),
            StoreError::VersionConflict => Self::Conflict("changed by someone else at the same time; try again".into()),
            StoreError::Unavailable(cause) => {
                tracing::warn!(error = %cause, "store unavailable");
                Self::Unavailable
            }
            StoreError::Unknown(cause) => Self::Internal(cause),
        }
    }
}

impl From<DeskError> for ApiError {
    fn from(e: DeskError) -> Self {
        match e {
            DeskError::Domain(d) => d.into(),
            DeskError::NotFound(what) => Self::NotFound(format!("{what} not found")),
            DeskError::PreconditionFailed { current } => Self::PreconditionFailed { current },
            DeskError::Busy => Self::Conflict("the ticket is being changed by someone else; try again".into()),
            DeskError::Store(s) => s.into(),
            e @ DeskError::DifferentRequesters { .. } => Self::ConflictBecause {
                code: "different_requesters",
                message: e.to_string(),
            },
            DeskError::Files(BlobError::NotFound(what)) => Self::NotFound(format!("{what} not found")),
            DeskError::Files(BlobError::Unavailable(cause)) => {
                tracing::warn!(error = %cause, "file store unavailable");
                Self::Unavailable
            }
            DeskError::Files(BlobError::Unknown(cause)) => Self::Internal(cause),
            DeskError::Directory(DirectoryError::Invalid { field, reason }) => Self::Unprocessable {
                field: field.into(),
                message: reason,
            },
            DeskError::Directory(DirectoryError::Unavailable(cause)) => {
                tracing::warn!(error = %cause, "sign-in directory unavailable");
                Self::Unavailable
            }
            DeskError::Directory(DirectoryError::Unknown(cause)) => Self::Internal(cause),
        }
    }
}
