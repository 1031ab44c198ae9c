//! The reactor's settings are read from an environment map shaped as `template.yaml` sets it.

use reactor::{Config, ConfigError};
use shared::config::Env;

fn template_env() -> Env {
    [
        ("TABLE_NAME", "desk"),
        ("SUPPORT_ADDRESSES", "support@help.example.com=support"),
        ("SES_CONFIGURATION_SET", "desk-outbound"),
        ("MAX_SEND_ATTEMPTS", "5"),
        ("AUTOREPLIES_PER_HOUR", "4"),
        (
            "LINK_KEY_SECRET_ARN",
            "arn:aws:secretsmanager:eu-west-1:123456789012:secret:desk-link-key",
        ),
        ("PUBLIC_BASE_URL", "https://abc.execute-api.eu-west-1.amazonaws.com/"),
        ("CONTACT_CATEGORIES", "general=support,billing=billing"),
        ("RUST_LOG", "info"),
    ]
    .into_iter()
    .collect()
}

#[test]
fn the_template_environment_parses() {
    let config = Config::from_env(&template_env(), &test_support::desk_secrets()).unwrap();
    assert_eq!(config.table_name, "desk");
    assert_eq!(config.configuration_set.as_deref(), Some("desk-outbound"));
    assert_eq!(config.outbound.addresses.len(), 1);
    assert_eq!(config.outbound.max_attempts, 5);
    assert_eq!(config.outbound.autoreplies_per_hour, 4);
    assert_eq!(
        config.portal.map(|p| p.base_url).as_deref(),
        Some("https://abc.execute-api.eu-west-1.amazonaws.com")
    );
    let categories: Vec<_> = config.form_categories.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(categories, ["general", "billing"]);
    assert!(!config.webhook_allow_loopback_http);
}

#[test]
fn optional_settings_left_empty_are_off() {
    let env = template_env()
        .with("SES_CONFIGURATION_SET", "")
        .with("PUBLIC_BASE_URL", "")
        .with("CONTACT_CATEGORIES", " ");
    let config = Config::from_env(&env, &test_support::desk_secrets()).unwrap();
    assert_eq!(config.configuration_set, None);
    assert!(config.portal.is_none());
    assert!(config.form_categories.is_empty());
}

#[test]
fn bad_settings_are_named() {
    let env = template_env().with("MAX_SEND_ATTEMPTS", "five");
    assert!(matches!(
        Config::from_env(&env, &test_support::desk_secrets()),
        Err(ConfigError::NotANumber("MAX_SEND_ATTEMPTS"))
    ));
    let env = template_env().with("CONTACT_CATEGORIES", "=");
    assert!(matches!(
        Config::from_env(&env, &test_support::desk_secrets()),
        Err(ConfigError::Invalid {
            name: "CONTACT_CATEGORIES",
            ..
        })
    ));
}
