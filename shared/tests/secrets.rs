//! The secrets kit against moto's Secrets Manager: the link key is read by ARN, both its
//! current and previous versions, so links signed before a rotation still open; the CAPTCHA
//! secret comes along when named.

use shared::adapters::secrets::{SecretsError, load_from};
use shared::config::SecretString;
use shared::domain::{TicketId, Timestamp};

fn at(seconds: i64) -> Timestamp {
    Timestamp::new(chrono::DateTime::from_timestamp(1_800_000_000 + seconds, 0).unwrap())
}

async fn client() -> aws_sdk_secretsmanager::Client {
    aws_sdk_secretsmanager::Client::new(&test_support::local_sdk().await)
}

/// A new secret holding `value`; its ARN.
async fn secret(client: &aws_sdk_secretsmanager::Client, value: &str) -> String {
    let out = client
        .create_secret()
        .name(test_support::unique("link-key"))
        .secret_string(value)
        .send()
        .await
        .unwrap();
    out.arn().unwrap().to_owned()
}

const FIRST: &str = "first-link-key-0123456789abcdef0123456789abcdef";
const SECOND: &str = "second-link-key-0123456789abcdef0123456789abcdef";
const THIRD: &str = "third-link-key-0123456789abcdef0123456789abcdef";

#[tokio::test]
async fn a_rotated_link_key_still_opens_what_the_previous_one_signed() {
    let client = client().await;
    let arn = secret(&client, FIRST).await;
    let before = load_from(&client, &arn, None).await.unwrap();
    assert!(before.captcha.is_none());
    let ticket = TicketId::generate(at(0));
    let mailed = before.signer.portal_token(ticket, at(1000));

    // Rotation: the new value becomes AWSCURRENT, the old one AWSPREVIOUS.
    client
        .put_secret_value()
        .secret_id(&arn)
        .secret_string(SECOND)
        .send()
        .await
        .unwrap();
    let after = load_from(&client, &arn, None).await.unwrap();
    assert_ne!(after.signer.key_id(), before.signer.key_id(), "signs with the new key");
    assert_eq!(after.signer.open_portal_token(&mailed, at(10)), Ok(ticket));
    let fresh = after.signer.portal_token(ticket, at(1000));
    assert!(before.signer.open_portal_token(&fresh, at(10)).is_err());

    // A second rotation drops the first key: its links are refused.
    client
        .put_secret_value()
        .secret_id(&arn)
        .secret_string(THIRD)
        .send()
        .await
        .unwrap();
    let later = load_from(&client, &arn, None).await.unwrap();
    assert_eq!(later.signer.open_portal_token(&fresh, at(10)), Ok(ticket));
    assert!(later.signer.open_portal_token(&mailed, at(10)).is_err());
}

#[tokio::test]
async fn the_captcha_secret_is_read_when_named_and_bad_secrets_fail_at_start() {
    let client = client().await;
    let link = secret(&client, FIRST).await;
    let captcha = secret(&client, "0x4AAAAAAA-captcha-secret").await;
    let secrets = load_from(&client, &link, Some(&captcha)).await.unwrap();
    assert_eq!(secrets.captcha, Some(SecretString::new("0x4AAAAAAA-captcha-secret")));
    assert!(!format!("{secrets:?}").contains("captcha-secret"), "never in a log");

    let short = secret(&client, "too-short").await;
    assert!(matches!(
        load_from(&client, &short, None).await,
        Err(SecretsError::Invalid { .. })
    ));
    let missing = load_from(
        &client,
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:nope",
        None,
    )
    .await;
    assert!(matches!(missing, Err(SecretsError::Unreadable { .. })));
}
