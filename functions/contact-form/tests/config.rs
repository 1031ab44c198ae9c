//! The contact form's settings are read from an environment map shaped as `template.yaml` sets
//! it, with its secrets from Secrets Manager.

use contact_form::{Config, ConfigError};
use shared::adapters::secrets::DeskSecrets;
use shared::config::{Env, SecretString};

fn secrets() -> DeskSecrets {
    DeskSecrets {
        captcha: Some(SecretString::new("0x4AAAAAAA-captcha-secret")),
        edge: Some(SecretString::new("edge-secret-0123456789")),
        ..test_support::desk_secrets()
    }
}

fn template_env() -> Env {
    [
        ("TABLE_NAME", "desk"),
        ("MAIL_BUCKET", "desk-mail"),
        (
            "LINK_KEY_SECRET_ARN",
            "arn:aws:secretsmanager:eu-west-1:123456789012:secret:desk-link-key",
        ),
        ("PUBLIC_BASE_URL", "https://abc.execute-api.eu-west-1.amazonaws.com/"),
        ("CONTACT_CATEGORIES", "general=support,billing=billing"),
        ("CONTACT_ORIGINS", "https://www.example.com/, https://shop.example.com"),
        ("CONTACT_LIMIT_PER_IP", "5"),
        ("CONTACT_LIMIT_PER_EMAIL", "3"),
        ("CONTACT_LIMIT_WINDOW_SECONDS", "3600"),
        ("CONTACT_MIN_FILL_SECONDS", "3"),
        ("CAPTCHA_PROVIDER", "none"),
        ("CAPTCHA_SITE_KEY", ""),
        ("CAPTCHA_SECRET_ARN", ""),
        ("CONTACT_EDGE_SECRET_ARN", ""),
        ("RUST_LOG", "info"),
    ]
    .into_iter()
    .collect()
}

#[test]
fn the_template_environment_parses() {
    let config = Config::from_env(&template_env(), secrets()).unwrap();
    assert_eq!(config.table_name, "desk");
    assert_eq!(config.mail_bucket, "desk-mail");
    assert_eq!(
        config.public_base_url,
        "https://abc.execute-api.eu-west-1.amazonaws.com"
    );
    assert_eq!(config.categories.iter().count(), 2);
    assert_eq!(config.origins, ["https://www.example.com", "https://shop.example.com"]);
    assert_eq!((config.per_ip.limit, config.per_ip.seconds), (5, 3600));
    assert_eq!(config.per_email.limit, 3);
    assert_eq!(config.min_fill_seconds, 3);
    assert!(config.captcha.is_none());
    assert!(config.edge_secret.is_some());
}

#[test]
fn secrets_stay_out_of_the_debug_output() {
    let env = template_env()
        .with("CAPTCHA_PROVIDER", "turnstile")
        .with("CAPTCHA_SITE_KEY", "site-key");
    let config = Config::from_env(&env, secrets()).unwrap();
    let printed = format!("{config:?}");
    assert!(!printed.contains("captcha-secret"), "{printed}");
    assert!(!printed.contains("edge-secret"), "{printed}");
}

#[test]
fn a_captcha_needs_its_site_key_and_secret() {
    let env = template_env().with("CAPTCHA_PROVIDER", "hcaptcha");
    assert!(matches!(
        Config::from_env(&env, secrets()),
        Err(ConfigError::Missing("CAPTCHA_SITE_KEY"))
    ));
    let env = env.with("CAPTCHA_SITE_KEY", "site-key");
    let without_secret = DeskSecrets {
        captcha: None,
        ..secrets()
    };
    assert!(matches!(
        Config::from_env(&env, without_secret),
        Err(ConfigError::Missing("CAPTCHA_SECRET_ARN"))
    ));
}

#[test]
fn bad_settings_are_named() {
    let env = template_env().with("CAPTCHA_PROVIDER", "recaptcha");
    assert!(matches!(
        Config::from_env(&env, secrets()),
        Err(ConfigError::Invalid {
            name: "CAPTCHA_PROVIDER",
            ..
        })
    ));
    let env = template_env().with("CONTACT_LIMIT_PER_IP", "many");
    assert!(matches!(
        Config::from_env(&env, secrets()),
        Err(ConfigError::NotANumber("CONTACT_LIMIT_PER_IP"))
    ));
    let env = template_env().with("PUBLIC_BASE_URL", "");
    assert!(matches!(
        Config::from_env(&env, secrets()),
        Err(ConfigError::Missing("PUBLIC_BASE_URL"))
    ));
}
