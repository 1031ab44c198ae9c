//! The email intake's pure front on arbitrary bytes: `shared::usecases::intake::triage` (MIME parsing,
//! classification, threading hints), then what `MailIntake` does next with the text and HTML
//! (`split_quoted`, and `sanitize_html`: ammonia keeping `cid:` images). Nothing may panic, and
//! the promises the rest of the desk builds on must hold for any input. See docs/fuzzing.md.

#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use shared::domain::EmailAddress;
use shared::domain::mail::{InboundMail, MailKind, ThreadHint, sanitize_html, split_quoted};
use shared::usecases::intake::{IntakeConfig, Triage, triage};

/// Two support addresses, as `SUPPORT_ADDRESSES` would name them in production.
static CONFIG: LazyLock<IntakeConfig> = LazyLock::new(|| {
    IntakeConfig::parse(
        "support@help.example.com=support,billing@help.example.com=billing",
        "follow_up",
        "mail",
    )
    .expect("the fuzzing configuration parses")
});

/// RFC 5322's line limit; longer ids are dropped by the parser.
const MAX_ID_LEN: usize = 998;

fuzz_target!(|bytes: &[u8]| {
    let config = &*CONFIG;
    let Triage { mail, kind, hints } = triage(bytes, config);
    check_mail(&mail, config);
    check_kind(&mail, kind, config);
    check_hints(&mail, &hints);
    check_quote_split(&mail.text);
    if let Some(html) = &mail.html {
        check_clean_html(html);
    }
});

fn check_mail(mail: &InboundMail, config: &IntakeConfig) {
    // The subject becomes a ticket subject and an outgoing `Subject:` header: one line.
    assert!(
        !mail.subject.chars().any(char::is_control),
        "control character in the subject: {:?}",
        mail.subject
    );
    assert_eq!(mail.subject.trim(), mail.subject, "subject not trimmed");

    let limits = &config.limits;
    assert!(mail.text.len() <= limits.max_text_bytes, "text over the limit");
    assert!(
        mail.html.as_ref().is_none_or(|h| h.len() <= limits.max_html_bytes),
        "HTML over the limit"
    );
    assert!(mail.attachments.len() <= limits.max_attachments, "too many attachments");
    for part in &mail.attachments {
        assert!(
            part.bytes.len() <= limits.max_attachment_bytes,
            "attachment over the limit"
        );
        // The name goes into an S3 key and a download header.
        let name = &part.name;
        assert!(!name.is_empty(), "empty attachment name");
        assert!(name.chars().count() <= 150, "attachment name too long: {name:?}");
        assert!(
            !name.starts_with('.') && !name.contains(['/', '\\', '"']) && !name.chars().any(char::is_control),
            "unsafe attachment name: {name:?}"
        );
        assert_eq!(part.content_type, part.content_type.to_ascii_lowercase());
    }

    // Addresses were parsed into the newtype once; they must stay what it accepts.
    let mailboxes = mail.from.iter().chain(&mail.reply_to).chain(&mail.to).chain(&mail.cc);
    for mailbox in mailboxes {
        assert_reparses(&mailbox.email);
        if let Some(name) = &mailbox.name {
            assert!(
                !name.is_empty() && !name.chars().any(char::is_control),
                "bad display name: {name:?}"
            );
        }
    }
    mail.delivered_to.iter().for_each(assert_reparses);

    // Every id becomes a table key: the Message-ID a once-key (an empty one would make every
    // other mail without one a duplicate), the others thread and bounce lookups. DynamoDB
    // refuses a key over 2048 bytes, so an id that long would fail the mail on every retry.
    let ids = mail
        .message_id
        .iter()
        .chain(&mail.in_reply_to)
        .chain(&mail.references)
        .chain(&mail.bounced_message_ids);
    for id in ids {
        assert!(!id.is_empty(), "empty message id");
        assert!(id.len() <= MAX_ID_LEN, "message id of {} bytes", id.len());
    }
}

fn assert_reparses(address: &EmailAddress) {
    let again = EmailAddress::parse(address.as_str());
    assert_eq!(again.as_ref().ok(), Some(address), "{address:?} does not parse again");
}

fn check_kind(mail: &InboundMail, kind: MailKind, config: &IntakeConfig) {
    let from_ours = mail.from.as_ref().is_some_and(|from| {
        config
            .addresses
            .iter()
            .any(|s| s.address.normalized() == from.email.normalized())
    });
    assert_eq!(
        kind == MailKind::OwnOutbound,
        from_ours,
        "{kind:?} for from = {:?}",
        mail.from
    );
}

fn check_hints(mail: &InboundMail, hints: &[ThreadHint]) {
    for (i, hint) in hints.iter().enumerate() {
        assert!(!hints[..i].contains(hint), "duplicate hint {hint:?}");
        if let ThreadHint::MessageId(id) = hint {
            assert!(
                mail.in_reply_to.contains(id) || mail.references.contains(id),
                "hint {id:?} is in no header"
            );
        }
    }
    let recipients = mail.to.len() + mail.cc.len() + mail.delivered_to.len();
    // A signed reply address gives a signed hint and, further down, its plain number.
    assert!(hints.len() <= mail.in_reply_to.len() + mail.references.len() + 1 + 2 * recipients);
}

fn check_quote_split(text: &str) {
    let (visible, quoted) = split_quoted(text);
    // Only where the history starts is decided: no word is lost or invented.
    let letters = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    let rejoined = format!("{visible}{}", quoted.as_deref().unwrap_or_default());
    assert_eq!(letters(&rejoined), letters(text), "split_quoted changed the words");
    assert!(
        quoted.as_ref().is_none_or(|q| !q.trim().is_empty()),
        "empty quoted part"
    );
}

fn check_clean_html(html: &str) {
    let clean = sanitize_html(html).to_ascii_lowercase();
    for tag in ["<script", "<style", "<iframe", "<object", "<embed", "<form"] {
        assert!(!clean.contains(tag), "{tag} survived sanitizing");
    }
}
