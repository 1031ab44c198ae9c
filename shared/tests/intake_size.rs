//! A mail never fails for its size: whatever a sender packs into HTML, subjects, address lists
//! and References, the message stays under DynamoDB's 400 KB item limit (DynamoDB Local
//! enforces it) and the full HTML stays reachable in S3.

use std::collections::BTreeSet;

use shared::adapters::dynamodb::DynamoStore;
use shared::adapters::s3::S3Blobs;
use shared::domain::mail::sanitize_html;
use shared::domain::{BlobRef, Principal, Role, SystemClock, TicketRef};
use shared::ports::{BlobStore, PageRequest};
use shared::usecases::desk::TicketDesk;
use shared::usecases::files::ReplyFiles;
use shared::usecases::intake::caps::{MAX_ADDRESSES, MAX_REFERENCES, OVERSIZE_HTML_NAME};
use shared::usecases::intake::{IntakeConfig, MailIntake, Outcome};

#[tokio::test]
async fn a_mail_too_large_for_an_item_becomes_a_ticket_with_its_full_html_in_s3() {
    let sdk = test_support::local_sdk().await;
    let table = test_support::fresh_table(&sdk).await;
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&sdk), table);
    let s3 = S3Blobs::client(&sdk, true);
    let bucket = test_support::unique("mail");
    s3.create_bucket().bucket(&bucket).send().await.unwrap();
    let blobs = S3Blobs::new(s3);
    let config = IntakeConfig::parse("support@help.example.com=support", "follow_up", &bucket).unwrap();
    let intake = MailIntake::new(store.clone(), blobs.clone(), SystemClock, config);
    let desk = TicketDesk::new(store, SystemClock);

    // 120 KiB of HTML that sanitises to four times its size (each link gains
    // `rel="noopener noreferrer"`), 1000 recipients, 600 References and a 5000-character
    // subject: well over 400 KB stored as is.
    let html = format!("<p>{}</p>", "<a>x</a>".repeat(120 * 1024 / 8));
    let recipients = |prefix: &str| {
        (0..1000)
            .map(|i| format!("{prefix}-recipient-number-{i}@customers.example.com"))
            .collect::<Vec<_>>()
            .join(",\n ")
    };
    let references = (0..600)
        .map(|i| format!("<{i}-{}@mail.example.com>", "r".repeat(200)))
        .collect::<Vec<_>>()
        .join("\n ");
    let raw = format!(
        "From: Jana <jana@example.cz>\nTo: support@help.example.com,\n {}\nCc: {}\nSubject: {}\nMessage-ID: <big-1@example.cz>\nReferences: {references}\nMIME-Version: 1.0\nContent-Type: text/html; charset=utf-8\n\n{html}\n",
        recipients("to"),
        recipients("cc"),
        "Big ".repeat(1250),
    );
    let sanitised = sanitize_html(&html);
    assert!(
        sanitised.len() > 500 * 1024,
        "the test needs HTML that grows past the limit"
    );

    let blob = BlobRef {
        bucket: bucket.clone(),
        key: test_support::unique("inbound/m"),
    };
    blobs
        .put(&blob, raw.replace('\n', "\r\n").into_bytes(), "message/rfc822")
        .await
        .unwrap();
    let outcome = intake.receive(&blob).await.expect("a mail never fails for its size");
    let Outcome::Created(pointer) = outcome else {
        panic!("expected a new ticket, got {outcome:?}");
    };

    let admin = Principal {
        subject: "admin".into(),
        email: None,
        role: Role::Admin,
        departments: BTreeSet::new(),
    };
    let page = PageRequest {
        limit: 10,
        cursor: None,
    };
    let messages = desk
        .list_messages(&admin, TicketRef::Id(pointer.id), page)
        .await
        .unwrap()
        .items;
    let message = &messages[0];
    let email = message.email.as_ref().unwrap();
    assert_eq!(message.body_html, None);
    assert!(
        email.notes.iter().any(|n| n.contains(OVERSIZE_HTML_NAME)),
        "{:?}",
        email.notes
    );
    assert_eq!((email.to.len(), email.cc.len()), (MAX_ADDRESSES, MAX_ADDRESSES));
    assert_eq!(email.references.len(), MAX_REFERENCES);
    assert!(email.subject.chars().count() <= 998);
    assert!(!message.body_text.is_empty());

    // The full sanitised HTML is a download on the message.
    let index = 1 + message
        .attachments
        .iter()
        .position(|a| a.name == OVERSIZE_HTML_NAME)
        .expect("the HTML attached");
    let attachment = &message.attachments[index - 1];
    let kept = String::from_utf8(blobs.get(&attachment.blob).await.unwrap()).unwrap();
    assert!(
        kept.trim_end() == sanitised.trim_end(),
        "the full sanitised HTML is kept"
    );
    let files = ReplyFiles::new(blobs.clone(), SystemClock, &bucket);
    let url = files.attachment_link(message, index).await.unwrap();
    assert!(url.contains("response-content-disposition=attachment"), "{url}");
    assert!(
        url.contains("response-content-type=application%2Foctet-stream"),
        "{url}"
    );
}
