//! The API's settings are read from an environment map shaped as `template.yaml` sets it.

use shared::config::Env;
use tickets_api::{Config, ConfigError};

fn template_env() -> Env {
    [
        ("TABLE_NAME", "desk"),
        ("MAIL_BUCKET", "desk-mail"),
        ("USER_POOL_ID", "eu-central-1_Abc123"),
        ("RUST_LOG", "info"),
    ]
    .into_iter()
    .collect()
}

#[test]
fn the_template_environment_parses() {
    let config = Config::from_env(&template_env()).unwrap();
    assert_eq!(config.table_name, "desk");
    assert_eq!(config.mail_bucket, "desk-mail");
    assert_eq!(config.user_pool_id, "eu-central-1_Abc123");
    assert!(!config.s3_force_path_style);
    assert!(!config.webhook_allow_loopback_http, "strict webhooks unless asked");
}

#[test]
fn local_switches_are_read() {
    let env = template_env()
        .with("S3_FORCE_PATH_STYLE", "true")
        .with("WEBHOOK_ALLOW_LOOPBACK_HTTP", "true");
    let config = Config::from_env(&env).unwrap();
    assert!(config.s3_force_path_style && config.webhook_allow_loopback_http);
}

#[test]
fn a_missing_table_is_named() {
    let env: Env = [("MAIL_BUCKET", "desk-mail")].into_iter().collect();
    assert!(matches!(
        Config::from_env(&env),
        Err(ConfigError::Missing("TABLE_NAME"))
    ));
}

#[test]
fn a_missing_user_pool_is_named() {
    let env: Env = [("TABLE_NAME", "desk"), ("MAIL_BUCKET", "desk-mail")]
        .into_iter()
        .collect();
    assert!(matches!(
        Config::from_env(&env),
        Err(ConfigError::Missing("USER_POOL_ID"))
    ));
}
