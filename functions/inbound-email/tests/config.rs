//! The intake's settings are read from an environment map shaped as `template.yaml` sets it.

use inbound_email::{Config, ConfigError};
use shared::config::Env;
use shared::usecases::intake::ClosedReply;

fn template_env() -> Env {
    [
        ("TABLE_NAME", "desk"),
        ("MAIL_BUCKET", "desk-mail"),
        (
            "SUPPORT_ADDRESSES",
            "support@help.example.com=support,billing@help.example.com=billing",
        ),
        ("CLOSED_TICKET_REPLY", "reopen"),
        (
            "LINK_KEY_SECRET_ARN",
            "arn:aws:secretsmanager:eu-west-1:123456789012:secret:desk-link-key",
        ),
        ("RUST_LOG", "info"),
    ]
    .into_iter()
    .collect()
}

#[test]
fn the_template_environment_parses() {
    let config = Config::from_env(&template_env(), &test_support::desk_secrets()).unwrap();
    assert_eq!(config.table_name, "desk");
    assert_eq!(config.intake.attachments_bucket, "desk-mail");
    assert_eq!(config.intake.addresses.len(), 2);
    assert_eq!(config.intake.closed_reply, ClosedReply::Reopen);
    assert!(!config.s3_force_path_style);
}

#[test]
fn a_closed_reply_left_out_is_a_follow_up() {
    let env = template_env().with("CLOSED_TICKET_REPLY", "");
    let config = Config::from_env(&env, &test_support::desk_secrets()).unwrap();
    assert_eq!(config.intake.closed_reply, ClosedReply::FollowUp);
}

#[test]
fn bad_settings_are_named() {
    let env = template_env().with("SUPPORT_ADDRESSES", "not an address");
    let error = Config::from_env(&env, &test_support::desk_secrets()).unwrap_err();
    assert!(error.to_string().contains("SUPPORT_ADDRESSES"), "{error}");
    let env = template_env().with("S3_FORCE_PATH_STYLE", "yes");
    assert!(matches!(
        Config::from_env(&env, &test_support::desk_secrets()),
        Err(ConfigError::NotAFlag("S3_FORCE_PATH_STYLE"))
    ));
}
