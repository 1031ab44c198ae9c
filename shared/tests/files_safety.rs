//! Files from mail cannot phish, leak malware or track the agent: mail through the intake into
//! DynamoDB Local and moto's S3, then the links the agents' side hands out for its parts.

use std::collections::BTreeSet;

use base64::Engine;
use shared::adapters::dynamodb::DynamoStore;
use shared::adapters::s3::S3Blobs;
use shared::domain::{BlobRef, DomainError, Message, Principal, Role, SystemClock, TicketRef};
use shared::ports::{BlobStore, PageRequest};
use shared::usecases::desk::{DeskError, TicketDesk};
use shared::usecases::files::ReplyFiles;
use shared::usecases::intake::{IntakeConfig, MailIntake, Outcome};

struct Room {
    intake: MailIntake<DynamoStore, S3Blobs, SystemClock>,
    desk: TicketDesk<DynamoStore, SystemClock>,
    files: ReplyFiles<S3Blobs, SystemClock>,
    blobs: S3Blobs,
    bucket: String,
}

async fn room() -> Room {
    let sdk = test_support::local_sdk().await;
    let table = test_support::fresh_table(&sdk).await;
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&sdk), table);
    let s3 = S3Blobs::client(&sdk, true);
    let bucket = test_support::unique("mail");
    s3.create_bucket().bucket(&bucket).send().await.unwrap();
    let blobs = S3Blobs::new(s3);
    let config = IntakeConfig::parse("support@help.example.com=support", "follow_up", &bucket).unwrap();
    Room {
        intake: MailIntake::new(store.clone(), blobs.clone(), SystemClock, config),
        desk: TicketDesk::new(store, SystemClock),
        files: ReplyFiles::new(blobs.clone(), SystemClock, &bucket),
        blobs,
        bucket,
    }
}

fn admin() -> Principal {
    Principal {
        subject: "admin".into(),
        email: None,
        role: Role::Admin,
        departments: BTreeSet::new(),
    }
}

impl Room {
    /// The one message of the ticket `raw` becomes.
    async fn deliver(&self, raw: &str) -> Message {
        let blob = BlobRef {
            bucket: self.bucket.clone(),
            key: test_support::unique("inbound/m"),
        };
        self.blobs
            .put(&blob, raw.replace('\n', "\r\n").into_bytes(), "message/rfc822")
            .await
            .unwrap();
        let Outcome::Created(ticket) = self.intake.receive(&blob).await.unwrap() else {
            panic!("expected a new ticket");
        };
        let page = PageRequest {
            limit: 10,
            cursor: None,
        };
        let mut messages = self
            .desk
            .list_messages(&admin(), TicketRef::Id(ticket.id), page)
            .await
            .unwrap()
            .items;
        assert_eq!(messages.len(), 1);
        messages.remove(0)
    }
}

fn part(content_type: &str, name: &str, cid: &str, bytes: &[u8]) -> String {
    format!(
        "--B\nContent-Type: {content_type}; name=\"{name}\"\nContent-Disposition: inline; filename=\"{name}\"\nContent-ID: <{cid}>\nContent-Transfer-Encoding: base64\n\n{}\n",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

/// A mail whose HTML refers to a PNG, an HTML page and an SVG by `cid:` (as images and as a
/// link), and to a remote tracking pixel.
fn mail_with_parts(extra_headers: &str) -> String {
    let html = r#"<p>Hello</p><img src="cid:logo@x"><img src="cid:page@x"><img src="cid:pic@x"><a href="cid:page@x">Sign in again</a><img src="https://tracker.example/p.gif?who=agent" width="1">"#;
    format!(
        "From: Jana <jana@example.cz>\nTo: support@help.example.com\nSubject: Parts\nMessage-ID: <{}@example.cz>\n{extra_headers}MIME-Version: 1.0\nContent-Type: multipart/related; boundary=B\n\n--B\nContent-Type: text/html; charset=utf-8\n\n{html}\n{}{}{}--B--\n",
        test_support::unique("parts"),
        part("image/png", "logo.png", "logo@x", b"\x89PNG\r\n\x1a\nfake"),
        part(
            "text/html",
            "login.html",
            "page@x",
            b"<form action=https://evil.example>password</form>"
        ),
        part("image/svg+xml", "pic.svg", "pic@x", b"<svg onload=alert(1)></svg>"),
    )
}

fn index_of(message: &Message, name: &str) -> usize {
    1 + message.attachments.iter().position(|a| a.name == name).unwrap()
}

#[tokio::test]
async fn only_raster_images_show_inline_and_everything_else_downloads_as_bytes() {
    let room = room().await;
    let message = room.deliver(&mail_with_parts("")).await;
    let stored = message.body_html.clone().unwrap();
    assert!(!stored.contains(r#"href="cid:"#), "a cid: link is not kept: {stored}");
    assert!(
        stored.contains(r#"data-remote-src="https://tracker.example/p.gif?who=agent""#)
            && !stored.contains(r#" src="https://"#),
        "remote images are parked: {stored}"
    );

    let linked = room.files.link_inline(message.clone()).await.unwrap();
    let html = linked.body_html.unwrap();
    let logo = html
        .split(r#"<img src=""#)
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap();
    assert!(logo.starts_with("http"), "the PNG is linked: {html}");
    assert!(logo.contains("response-content-disposition=inline"), "{logo}");
    assert!(logo.contains("response-content-type=image%2Fpng"), "{logo}");
    // The HTML page and the SVG stay unresolved: the browser shows a broken image.
    assert!(html.contains(r#"<img src="cid:page@x">"#), "{html}");
    assert!(html.contains(r#"<img src="cid:pic@x">"#), "{html}");
    assert!(!html.contains(r#" src="https://tracker"#), "{html}");

    for name in ["login.html", "pic.svg"] {
        let url = room
            .files
            .attachment_link(&message, index_of(&message, name))
            .await
            .unwrap();
        assert!(
            url.contains("response-content-type=application%2Foctet-stream"),
            "{name}: {url}"
        );
        assert!(url.contains("response-content-disposition=attachment"), "{name}: {url}");
    }
    let png = room
        .files
        .attachment_link(&message, index_of(&message, "logo.png"))
        .await
        .unwrap();
    assert!(png.contains("response-content-type=image%2Fpng"), "{png}");
    assert!(png.contains("response-content-disposition=attachment"), "{png}");
    // The raw mail is a download too, never rendered.
    let raw = room.files.raw_link(&message).await.unwrap();
    assert!(
        raw.contains("response-content-type=application%2Foctet-stream"),
        "{raw}"
    );
}

/// HTML stored before the sanitiser parked remote images is made safe when it is read.
#[tokio::test]
async fn remote_images_in_html_stored_earlier_are_parked_when_read() {
    let room = room().await;
    let mut message = room.deliver(&mail_with_parts("")).await;
    message.body_html =
        Some(r#"<p>old</p><img src="https://tracker.example/old.gif"><a href="cid:page@x">x</a>"#.into());
    let html = room.files.link_inline(message).await.unwrap().body_html.unwrap();
    assert_eq!(
        html,
        r#"<p>old</p><img data-remote-src="https://tracker.example/old.gif"><a href="cid:page@x">x</a>"#
    );
}

fn forbidden(result: Result<String, DeskError>) -> String {
    match result {
        Err(DeskError::Domain(DomainError::Forbidden { reason })) => reason.into_owned(),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn virus_flagged_parts_are_kept_but_never_served() {
    let room = room().await;
    let message = room
        .deliver(&mail_with_parts(
            "X-SES-Virus-Verdict: FAIL\nX-SES-Spam-Verdict: PASS\n",
        ))
        .await;
    assert!(message.email.as_ref().unwrap().virus_flagged);
    assert_eq!(message.attachments.len(), 3);
    for (i, attachment) in message.attachments.iter().enumerate() {
        assert!(attachment.quarantined, "{}", attachment.name);
        let reason = forbidden(room.files.attachment_link(&message, i + 1).await);
        assert!(reason.contains("flagged by the virus scan"), "{reason}");
        // Kept for an investigation.
        assert!(!room.blobs.get(&attachment.blob).await.unwrap().is_empty());
    }
    let reason = forbidden(room.files.raw_link(&message).await);
    assert!(reason.contains("flagged by the virus scan"), "{reason}");
    let html = room.files.link_inline(message).await.unwrap().body_html.unwrap();
    assert!(
        html.contains(r#"<img src="cid:logo@x">"#),
        "never linked inline: {html}"
    );

    // A clean mail's parts are not quarantined.
    let clean = room.deliver(&mail_with_parts("X-SES-Virus-Verdict: PASS\n")).await;
    assert!(clean.attachments.iter().all(|a| !a.quarantined));
    assert!(!clean.email.unwrap().virus_flagged);
}
