//! What a stored mail may weigh. DynamoDB refuses an item over 400 KB, and a mail that cannot
//! be written is retried until it lands in the dead-letter queue; so every part a sender
//! controls is capped before it is stored, each cut is noted on the message, and HTML too large
//! for the item is kept in S3 as a download (see `store_attachments`). A mail never fails for
//! its size: the raw copy keeps all of it.
//!
//! Worst case under these caps, in bytes: text 64 Ki + quoted text 64 Ki + HTML 128 Ki +
//! subject 4 Ki + References/In-Reply-To 25 × 998 + To/Cc 100 × 254 + notes 20 × 500 +
//! attachments 51 × ~1 Ki ≈ 370 KB, under the limit with the keys and attribute names.

use crate::domain::mail::InboundMail;
use crate::domain::{EmailAddress, Message};

/// Sanitised HTML kept in the message item; larger HTML goes to S3.
pub const MAX_STORED_HTML_BYTES: usize = 128 * 1024;
/// Each of `body_text` and `quoted_text` (the parser already cuts the text to this).
pub const MAX_STORED_TEXT_BYTES: usize = 64 * 1024;
/// RFC 5322's line length: no real subject is longer.
pub const MAX_SUBJECT_CHARS: usize = 998;
/// Addresses kept per `To` and per `Cc`.
pub const MAX_ADDRESSES: usize = 50;
/// `References` kept: the thread's root and the latest ones (RFC 5322 § 3.6.4 trims so too).
pub const MAX_REFERENCES: usize = 20;
/// `In-Reply-To` names one message; a few are tolerated.
pub const MAX_IN_REPLY_TO: usize = 5;
/// A display name (it may become a contact's name).
pub const MAX_NAME_CHARS: usize = 200;
/// Notes kept on a message, and the length of each.
pub const MAX_NOTES: usize = 20;
pub const MAX_NOTE_CHARS: usize = 500;
/// A part's `Content-ID` (longer ones are dropped: no real one is near this).
pub const MAX_CONTENT_ID_BYTES: usize = 250;
/// A part's media type (`type/subtype`, each at most 100 by RFC 6838 and 127 by RFC 4288).
pub const MAX_CONTENT_TYPE_BYTES: usize = 255;
/// Character references (`&`) in HTML worth sanitising: html5ever's tokenizer costs time in
/// the length of the rest of the document for each one, so 128 KiB of `&` takes minutes and
/// would time the mail out into the DLQ. Real mail stays far below this.
pub const MAX_HTML_AMPERSANDS: usize = 4_000;
/// The name the full HTML is attached under when it is too large for the message item.
pub const OVERSIZE_HTML_NAME: &str = "message.html";

/// Whether sanitised HTML is too large to keep in the message item.
pub fn html_overflows(html: &str) -> bool {
    html.len() > MAX_STORED_HTML_BYTES
}

/// A parsed mail with its headers and parts' labels cut to the caps (this also bounds the
/// lookups threading makes), each cut noted.
pub fn cap_mail(mail: &mut InboundMail) {
    let mut notes = Vec::new();
    let ampersands = mail.html.as_deref().map_or(0, |h| h.matches('&').count());
    if ampersands > MAX_HTML_AMPERSANDS {
        mail.html = None;
        notes.push(format!(
            "the HTML version has {ampersands} character references, too many to clean; the text is shown and the raw message has the HTML"
        ));
    }
    if mail.subject.chars().count() > MAX_SUBJECT_CHARS {
        mail.subject = mail.subject.chars().take(MAX_SUBJECT_CHARS).collect();
        notes.push(format!("the subject was cut to {MAX_SUBJECT_CHARS} characters"));
    }
    for (header, list) in [("To", &mut mail.to), ("Cc", &mut mail.cc)] {
        if list.len() > MAX_ADDRESSES {
            notes.push(cut_list_note(header, list.len(), MAX_ADDRESSES));
            list.truncate(MAX_ADDRESSES);
        }
    }
    if mail.delivered_to.len() > MAX_ADDRESSES {
        mail.delivered_to.truncate(MAX_ADDRESSES);
    }
    for mailbox in mail
        .from
        .iter_mut()
        .chain(mail.reply_to.iter_mut())
        .chain(mail.to.iter_mut())
        .chain(mail.cc.iter_mut())
    {
        if let Some(name) = &mut mailbox.name
            && name.chars().count() > MAX_NAME_CHARS
        {
            *name = name.chars().take(MAX_NAME_CHARS).collect();
        }
    }
    if let Some(note) = cap_ids("References", &mut mail.references, MAX_REFERENCES, true) {
        notes.push(note);
    }
    if let Some(note) = cap_ids("In-Reply-To", &mut mail.in_reply_to, MAX_IN_REPLY_TO, false) {
        notes.push(note);
    }
    for part in &mut mail.attachments {
        if part.content_id.as_ref().is_some_and(|c| c.len() > MAX_CONTENT_ID_BYTES) {
            part.content_id = None;
        }
        if part.content_type.len() > MAX_CONTENT_TYPE_BYTES {
            part.content_type = "application/octet-stream".into();
        }
    }
    mail.notes.extend(notes);
}

/// A message as it may be stored: every field a sender controls within its cap. HTML over
/// [`MAX_STORED_HTML_BYTES`] is left out with a note pointing at its download.
pub fn fit_message(mut message: Message) -> Message {
    let mut notes = Vec::new();
    if message.body_html.as_deref().is_some_and(html_overflows) {
        message.body_html = None;
        let attached = message.attachments.iter().any(|a| a.name == OVERSIZE_HTML_NAME);
        notes.push(if attached {
            format!("the HTML version is too large to show here; it is attached as {OVERSIZE_HTML_NAME}")
        } else {
            "the HTML version is too large to show here; the raw message has it".to_owned()
        });
    }
    cut_text(&mut message.body_text, MAX_STORED_TEXT_BYTES);
    if let Some(quoted) = &mut message.quoted_text {
        cut_text(quoted, MAX_STORED_TEXT_BYTES);
    }
    for attachment in &mut message.attachments {
        if attachment
            .content_id
            .as_ref()
            .is_some_and(|c| c.len() > MAX_CONTENT_ID_BYTES)
        {
            attachment.content_id = None;
        }
        if attachment.content_type.len() > MAX_CONTENT_TYPE_BYTES {
            attachment.content_type = "application/octet-stream".into();
        }
    }
    if let Some(email) = &mut message.email {
        if email.subject.chars().count() > MAX_SUBJECT_CHARS {
            email.subject = email.subject.chars().take(MAX_SUBJECT_CHARS).collect();
        }
        cap_addresses(&mut email.to);
        cap_addresses(&mut email.cc);
        cap_ids("References", &mut email.references, MAX_REFERENCES, true);
        cap_ids("In-Reply-To", &mut email.in_reply_to, MAX_IN_REPLY_TO, false);
        email.notes.extend(notes);
        if email.notes.len() > MAX_NOTES {
            // The newest notes (the caps' own) say the most about what is missing.
            let extra = email.notes.len() - MAX_NOTES;
            email.notes.drain(..extra);
        }
        for note in &mut email.notes {
            if note.chars().count() > MAX_NOTE_CHARS {
                *note = note.chars().take(MAX_NOTE_CHARS).collect();
            }
        }
    }
    message
}

fn cap_addresses(list: &mut Vec<EmailAddress>) {
    list.truncate(MAX_ADDRESSES);
}

/// Keeps `max` ids: the first (a thread's root) and the latest when `keep_root`, else the first.
fn cap_ids(header: &str, ids: &mut Vec<String>, max: usize, keep_root: bool) -> Option<String> {
    if ids.len() <= max {
        return None;
    }
    let note = cut_list_note(header, ids.len(), max);
    if keep_root && max > 1 {
        let latest = ids.split_off(ids.len() - (max - 1));
        ids.truncate(1);
        ids.extend(latest);
    } else {
        ids.truncate(max);
    }
    Some(note)
}

fn cut_list_note(header: &str, had: usize, kept: usize) -> String {
    format!("{header} named {had} entries; {kept} were kept (the raw message has all)")
}

/// Cuts `text` to at most `max` bytes on a character boundary.
fn cut_text(text: &mut String, max: usize) {
    if text.len() > max {
        let mut end = max;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::mail::{AttachmentPart, Mailbox};
    use crate::domain::{
        Attachment, BlobRef, ContactId, Delivery, EmailDetails, MessageId, TicketId, Timestamp, Visibility, Writer,
    };

    fn address(i: usize) -> EmailAddress {
        EmailAddress::parse(&format!("{}{i}@{}.example", "a".repeat(60), "d".repeat(150))).unwrap()
    }

    fn mailbox(i: usize) -> Mailbox {
        Mailbox {
            name: Some("N".repeat(1000)),
            email: address(i),
        }
    }

    fn long_ids(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("{i}-{}@x", "r".repeat(990))).collect()
    }

    #[test]
    fn parsed_headers_are_capped_with_notes() {
        let mut mail = InboundMail {
            subject: "S".repeat(5000),
            to: (0..500).map(mailbox).collect(),
            cc: (0..3).map(mailbox).collect(),
            from: Some(mailbox(0)),
            html: Some("&nbsp;".repeat(MAX_HTML_AMPERSANDS + 1)),
            references: long_ids(300),
            in_reply_to: long_ids(30),
            attachments: vec![AttachmentPart {
                name: "a.png".into(),
                content_type: format!("image/{}", "x".repeat(400)),
                content_id: Some("c".repeat(300)),
                inline: true,
                bytes: vec![1],
            }],
            ..Default::default()
        };
        let root = mail.references[0].clone();
        let last = mail.references[299].clone();
        cap_mail(&mut mail);
        assert_eq!(mail.subject.chars().count(), MAX_SUBJECT_CHARS);
        assert_eq!((mail.to.len(), mail.cc.len()), (MAX_ADDRESSES, 3));
        assert_eq!(mail.references.len(), MAX_REFERENCES);
        assert_eq!((&mail.references[0], mail.references.last().unwrap()), (&root, &last));
        assert_eq!(mail.in_reply_to.len(), MAX_IN_REPLY_TO);
        assert_eq!(mail.from.unwrap().name.unwrap().chars().count(), MAX_NAME_CHARS);
        assert_eq!(mail.attachments[0].content_id, None);
        assert_eq!(mail.attachments[0].content_type, "application/octet-stream");
        assert_eq!(mail.html, None);
        assert_eq!(mail.notes.len(), 5, "{:?}", mail.notes);
    }

    #[test]
    fn a_message_at_every_cap_fits_an_item() {
        let now = Timestamp::parse("2026-11-23T09:00:00Z").unwrap();
        let id = MessageId::generate(now);
        let attachment = |i: usize| Attachment {
            name: "n".repeat(150),
            content_type: "t".repeat(1000),
            size: 1,
            inline: true,
            content_id: Some("c".repeat(5000)),
            blob: BlobRef {
                bucket: "mail".into(),
                key: format!("attachments/{id}/{i}-{}", "n".repeat(150)),
            },
            quarantined: false,
        };
        let message = Message {
            id,
            ticket_id: TicketId::generate(now),
            writer: Writer::Customer(ContactId::generate(now)),
            visibility: Visibility::Public,
            from: Some(address(0)),
            body_text: "t".repeat(200_000),
            delivery: Delivery::None,
            created_at: now,
            carried_from: None,
            body_html: Some("h".repeat(MAX_STORED_HTML_BYTES)),
            quoted_text: Some("q".repeat(200_000)),
            attachments: (0..51).map(attachment).collect(),
            email: Some(EmailDetails {
                message_id: Some("m".repeat(998)),
                in_reply_to: long_ids(100),
                references: long_ids(1000),
                subject: "s".repeat(100_000),
                to: (0..1000).map(address).collect(),
                cc: (0..1000).map(address).collect(),
                raw: None,
                automated: false,
                notes: vec!["n".repeat(10_000); 100],
                virus_flagged: false,
                forged_sender: false,
            }),
        };
        let fitted = fit_message(message.clone());
        assert_eq!(fitted.body_html.as_ref().map(String::len), Some(MAX_STORED_HTML_BYTES));
        let size = serde_json::to_vec(&fitted).unwrap().len();
        // DynamoDB's limit is 400 KiB of names and values; JSON counts a little more.
        assert!(size < 390_000, "{size} bytes");
        let over = fit_message(Message {
            body_html: Some("h".repeat(MAX_STORED_HTML_BYTES + 1)),
            ..message
        });
        assert_eq!(over.body_html, None);
        let notes = &over.email.unwrap().notes;
        assert_eq!(notes.len(), MAX_NOTES);
        assert!(notes.last().unwrap().contains("HTML version is too large"), "{notes:?}");
    }
}
