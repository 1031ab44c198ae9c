//! The local stand-in for the HTTP API's JWT authorizer.
//!
//! In production API Gateway verifies a Cognito token and hands the handler the claims as
//! strings in `requestContext.authorizer.jwt.claims`. Locally, `cargo xtask token` signs a token
//! with a per-checkout key and the dev host verifies it and passes the same claims on, flattened
//! the way API Gateway flattens them, so the handler's code path is the production one.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use chrono::{Duration, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

/// The issuer the dev host accepts; production tokens come from the Cognito user pool.
pub const ISSUER: &str = "lambdesk-dev";
/// The audience the dev host accepts, standing in for the Cognito app client id.
pub const AUDIENCE: &str = "lambdesk";

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("no signing key at {path}: {source}")]
    Key { path: PathBuf, source: std::io::Error },
    #[error("token rejected: {0}")]
    Token(#[from] jsonwebtoken::errors::Error),
}

/// A local HS256 key, generated once per checkout and kept outside git.
#[derive(Clone)]
pub struct SigningKey(Vec<u8>);

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningKey(..)")
    }
}

impl SigningKey {
    /// Reads the key at `path`, creating it (32 random bytes, hex) the first time.
    pub fn load_or_create(path: &Path) -> Result<Self, AuthError> {
        let key_error = |source| AuthError::Key {
            path: path.to_owned(),
            source,
        };
        match std::fs::read_to_string(path) {
            Ok(text) => Ok(Self(text.trim().as_bytes().to_vec())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir).map_err(key_error)?;
                }
                let bytes: [u8; 32] = rand::random();
                let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
                std::fs::write(path, &hex).map_err(key_error)?;
                Ok(Self(hex.into_bytes()))
            }
            Err(e) => Err(key_error(e)),
        }
    }

    pub fn from_bytes(bytes: &[u8]) -> Self {
        Self(bytes.to_vec())
    }
}

/// What a dev token says about its bearer: the same claims a Cognito ID token carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DevClaims {
    pub sub: String,
    pub email: String,
    #[serde(rename = "cognito:groups")]
    pub groups: Vec<String>,
    #[serde(rename = "custom:departments", default, skip_serializing_if = "String::is_empty")]
    pub departments: String,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
}

impl DevClaims {
    /// Claims for one role, valid for `ttl` from now.
    pub fn new(role: &str, email: &str, departments: &[String], ttl: Duration) -> Self {
        let now = Utc::now();
        Self {
            sub: format!("dev-{}", email.to_ascii_lowercase()),
            email: email.to_owned(),
            groups: vec![role.to_owned()],
            departments: departments.join(","),
            iss: ISSUER.to_owned(),
            aud: AUDIENCE.to_owned(),
            iat: now.timestamp(),
            exp: (now + ttl).timestamp(),
        }
    }

    /// The claims as API Gateway hands them to a Lambda: every value a string, arrays written
    /// as `[a b]`.
    pub fn as_gateway_claims(&self) -> HashMap<String, String> {
        let mut claims = HashMap::from([
            ("sub".to_owned(), self.sub.clone()),
            ("email".to_owned(), self.email.clone()),
            ("cognito:groups".to_owned(), format!("[{}]", self.groups.join(" "))),
            ("iss".to_owned(), self.iss.clone()),
            ("aud".to_owned(), self.aud.clone()),
            ("iat".to_owned(), self.iat.to_string()),
            ("exp".to_owned(), self.exp.to_string()),
        ]);
        if !self.departments.is_empty() {
            claims.insert("custom:departments".to_owned(), self.departments.clone());
        }
        claims
    }
}

pub fn sign(key: &SigningKey, claims: &DevClaims) -> Result<String, AuthError> {
    Ok(jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(&key.0),
    )?)
}

/// Verifies signature, issuer, audience and expiry, as the HTTP API authorizer does.
pub fn verify(key: &SigningKey, token: &str) -> Result<DevClaims, AuthError> {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_issuer(&[ISSUER]);
    validation.set_audience(&[AUDIENCE]);
    validation.leeway = 5;
    let data = jsonwebtoken::decode::<DevClaims>(token, &DecodingKey::from_secret(&key.0), &validation)?;
    Ok(data.claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SigningKey {
        SigningKey::from_bytes(b"test-key-test-key-test-key-12345")
    }

    #[test]
    fn a_signed_token_verifies_and_keeps_its_claims() {
        let claims = DevClaims::new("agent", "ann@example.com", &["billing".into()], Duration::hours(1));
        let token = sign(&key(), &claims).unwrap();
        assert_eq!(verify(&key(), &token).unwrap(), claims);
    }

    #[test]
    fn a_token_signed_with_another_key_is_rejected() {
        let claims = DevClaims::new("admin", "a@example.com", &[], Duration::hours(1));
        let token = sign(&SigningKey::from_bytes(b"another-key-another-key-another-k"), &claims).unwrap();
        assert!(verify(&key(), &token).is_err());
    }

    #[test]
    fn an_expired_token_is_rejected() {
        let claims = DevClaims::new("admin", "a@example.com", &[], Duration::hours(-1));
        let token = sign(&key(), &claims).unwrap();
        assert!(verify(&key(), &token).is_err());
    }

    #[test]
    fn gateway_claims_flatten_groups_like_api_gateway() {
        let claims = DevClaims::new(
            "manager",
            "m@example.com",
            &["a".into(), "b".into()],
            Duration::hours(1),
        );
        let flat = claims.as_gateway_claims();
        assert_eq!(flat["cognito:groups"], "[manager]");
        assert_eq!(flat["custom:departments"], "a,b");
    }

    #[test]
    fn the_key_file_is_created_once_and_reused() {
        let dir = std::env::temp_dir().join(format!("dev-auth-{}", std::process::id()));
        let path = dir.join("key");
        let first = SigningKey::load_or_create(&path).unwrap();
        let second = SigningKey::load_or_create(&path).unwrap();
        assert_eq!(first.0, second.0);
        assert_eq!(first.0.len(), 64);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
