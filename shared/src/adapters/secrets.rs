//! The desk's secrets, read from AWS Secrets Manager once per container, never from plaintext
//! environment variables: the environment names the secrets (their ARNs), the function's role
//! may read only those, and the values live in memory only.
//!
//! - The **link key** (`LINK_KEY_SECRET_ARN`) signs portal links, contact form tokens and reply
//!   addresses. Both its `AWSCURRENT` and (when there is one) `AWSPREVIOUS` versions are read:
//!   the current one signs, and a token names the key that signed it, so after a rotation the
//!   links already mailed keep working until they expire.
//! - The **CAPTCHA secret** (`CAPTCHA_SECRET_ARN`, optional) is the contact form's key at its
//!   CAPTCHA provider.
//!
//! Every function calls [`load`] with the environment its `Config` is read from
//! ([`crate::config::Env`]) when it builds its `Deps`, on their first use
//! ([`crate::config::OnFirstUse`]: the first event, not the cold start's init), so they all read
//! the same way, and the values come back wrapped
//! in [`SecretString`], which never prints them. Endpoints come from
//! the SDK configuration (`AWS_ENDPOINT_URL_SECRETS_MANAGER` / `AWS_ENDPOINT_URL`), so the
//! dev host and the tests read the same code path from moto.

use aws_sdk_secretsmanager::Client;
use aws_sdk_secretsmanager::operation::get_secret_value::GetSecretValueError;

use crate::config::{ConfigError, Env, SecretString};
use crate::domain::signing::LinkSigner;

/// The variable that names the link key's secret.
pub const LINK_KEY_SECRET_ARN: &str = "LINK_KEY_SECRET_ARN";
/// The variable that names the CAPTCHA secret, when the form has a CAPTCHA.
pub const CAPTCHA_SECRET_ARN: &str = "CAPTCHA_SECRET_ARN";
/// The variable that names the secret CloudFront sends the contact API, when it is in front.
pub const CONTACT_EDGE_SECRET_ARN: &str = "CONTACT_EDGE_SECRET_ARN";

/// What a function needs from Secrets Manager.
#[derive(Debug, Clone)]
pub struct DeskSecrets {
    /// Signs with the current link key; verifies with the current and the previous one.
    pub signer: LinkSigner,
    /// The CAPTCHA provider's secret key, when configured.
    pub captcha: Option<SecretString>,
    /// The header value that proves a request came through the contact API's CloudFront
    /// distribution, when there is one.
    pub edge: Option<SecretString>,
}

#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("{name}: cannot read the secret: {reason}")]
    Unreadable { name: &'static str, reason: String },
    #[error("{name}: {reason}")]
    Invalid { name: &'static str, reason: String },
}

/// Reads the secrets `env` names: the link key (required), the CAPTCHA secret and the contact
/// API's edge secret (each when its variable is set and not empty).
pub async fn load(sdk: &aws_config::SdkConfig, env: &Env) -> Result<DeskSecrets, SecretsError> {
    let link_key = env.required(LINK_KEY_SECRET_ARN)?;
    let captcha = env.optional(CAPTCHA_SECRET_ARN);
    let client = Client::new(sdk);
    let mut secrets = load_from(&client, &link_key, captcha.as_deref()).await?;
    if let Some(edge) = env.optional(CONTACT_EDGE_SECRET_ARN) {
        secrets.edge = Some(current_version(&client, &edge, CONTACT_EDGE_SECRET_ARN).await?);
    }
    Ok(secrets)
}

/// The current value of a secret that must have one.
async fn current_version(client: &Client, secret: &str, name: &'static str) -> Result<SecretString, SecretsError> {
    version(client, secret, "AWSCURRENT", name)
        .await?
        .ok_or_else(|| SecretsError::Unreadable {
            name,
            reason: "the secret has no current version".into(),
        })
}

/// [`load`] with the secrets named here rather than by the environment.
pub async fn load_from(
    client: &Client,
    link_key_secret: &str,
    captcha_secret: Option<&str>,
) -> Result<DeskSecrets, SecretsError> {
    let current = version(client, link_key_secret, "AWSCURRENT", LINK_KEY_SECRET_ARN)
        .await?
        .ok_or_else(|| SecretsError::Unreadable {
            name: LINK_KEY_SECRET_ARN,
            reason: "the secret has no current version".into(),
        })?;
    let previous = version(client, link_key_secret, "AWSPREVIOUS", LINK_KEY_SECRET_ARN).await?;
    let signer = LinkSigner::with_keys(
        current.expose().as_bytes(),
        previous.as_ref().map(|p| p.expose().as_bytes()),
    )
    .map_err(|e| SecretsError::Invalid {
        name: LINK_KEY_SECRET_ARN,
        reason: e.to_string(),
    })?;
    let captcha = match captcha_secret {
        None => None,
        Some(id) => Some(current_version(client, id, CAPTCHA_SECRET_ARN).await?),
    };
    Ok(DeskSecrets {
        signer,
        captcha,
        edge: None,
    })
}

/// One version of a secret by its stage; `None` when the secret has no version in that stage
/// (a secret never rotated has no `AWSPREVIOUS`).
async fn version(
    client: &Client,
    secret: &str,
    stage: &str,
    name: &'static str,
) -> Result<Option<SecretString>, SecretsError> {
    match client
        .get_secret_value()
        .secret_id(secret)
        .version_stage(stage)
        .send()
        .await
    {
        Ok(out) => Ok(out.secret_string().map(SecretString::new)),
        Err(e)
            if stage != "AWSCURRENT"
                && matches!(
                    e.as_service_error(),
                    Some(GetSecretValueError::ResourceNotFoundException(_))
                ) =>
        {
            Ok(None)
        }
        Err(e) => Err(SecretsError::Unreadable {
            name,
            reason: aws_sdk_secretsmanager::error::DisplayErrorContext(&e).to_string(),
        }),
    }
}
