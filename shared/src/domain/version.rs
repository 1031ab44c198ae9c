//! Optimistic concurrency: every ticket write names the version it read; the API shows the
//! version as a strong ETag.

use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Version(u64);

impl Version {
    pub const FIRST: Version = Version(1);

    pub fn new(v: u64) -> Self {
        Self(v)
    }

    pub fn value(self) -> u64 {
        self.0
    }

    pub fn next(self) -> Self {
        Self(self.0 + 1)
    }

    pub fn etag(self) -> String {
        format!("\"{}\"", self.0)
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// What an `If-Match` header asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precondition {
    /// `If-Match: *`: any current version (RFC 9110), i.e. no lost-update protection asked.
    Any,
    /// `If-Match: "7"`: exactly this version.
    Exactly(Version),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("If-Match must be \"*\" or one ETag such as \"3\"")]
pub struct BadPrecondition;

impl Precondition {
    /// Parses an `If-Match` value. Weak ETags (`W/"3"`) are refused: RFC 9110 requires the
    /// strong comparison for If-Match.
    pub fn parse(header: &str) -> Result<Self, BadPrecondition> {
        let value = header.trim();
        if value == "*" {
            return Ok(Self::Any);
        }
        let inner = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .ok_or(BadPrecondition)?;
        if inner.is_empty() || inner.len() > 20 || !inner.bytes().all(|b| b.is_ascii_digit()) {
            return Err(BadPrecondition);
        }
        inner
            .parse()
            .map(|v| Self::Exactly(Version(v)))
            .map_err(|_| BadPrecondition)
    }

    pub fn admits(self, current: Version) -> bool {
        match self {
            Self::Any => true,
            Self::Exactly(v) => v == current,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn if_match_forms() {
        assert_eq!(Precondition::parse("\"3\"").unwrap(), Precondition::Exactly(Version(3)));
        assert_eq!(Precondition::parse(" * ").unwrap(), Precondition::Any);
        for bad in ["3", "W/\"3\"", "\"\"", "\"a\"", "\"3\", \"4\"", ""] {
            assert!(Precondition::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn only_the_current_version_is_admitted() {
        let p = Precondition::Exactly(Version(2));
        assert!(p.admits(Version(2)));
        assert!(!p.admits(Version(3)));
        assert!(Precondition::Any.admits(Version(9)));
    }

    proptest! {
        #[test]
        fn etags_round_trip(v in 0u64..u64::MAX) {
            prop_assert_eq!(Precondition::parse(&Version(v).etag()).unwrap(), Precondition::Exactly(Version(v)));
        }
    }
}
