//! Why the domain refuses something: one error type for every pure check, each variant one
//! HTTP status at the edge.

use std::borrow::Cow;

/// Why the domain refused a change. Each variant maps to one HTTP status at the edge.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// A value that can never be right (wrong format, out of range): 400/422 naming the field.
    #[error("{field}: {reason}")]
    Invalid {
        field: Cow<'static, str>,
        reason: Cow<'static, str>,
    },
    /// A change that is well formed but not allowed from the current state: 409.
    #[error("{reason}")]
    Conflict { reason: Cow<'static, str> },
    /// The principal may not do this: 403.
    #[error("{reason}")]
    Forbidden { reason: Cow<'static, str> },
}

impl DomainError {
    pub fn invalid(field: impl Into<Cow<'static, str>>, reason: impl Into<Cow<'static, str>>) -> Self {
        Self::Invalid {
            field: field.into(),
            reason: reason.into(),
        }
    }

    pub fn conflict(reason: impl Into<Cow<'static, str>>) -> Self {
        Self::Conflict { reason: reason.into() }
    }

    pub fn forbidden(reason: impl Into<Cow<'static, str>>) -> Self {
        Self::Forbidden { reason: reason.into() }
    }

    /// The same error reported against a field nested under `prefix` (e.g. `requester.email`).
    pub fn within(self, prefix: &str) -> Self {
        match self {
            Self::Invalid { field, reason } => Self::Invalid {
                field: format!("{prefix}.{field}").into(),
                reason,
            },
            other => other,
        }
    }
}
