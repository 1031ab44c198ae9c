//! Building outgoing MIME with mail-builder. Every value goes through the builder's own
//! header encoding, and addresses and subjects are checked single-line values, so nothing a
//! customer typed can add a header.

use mail_builder::MessageBuilder;
use mail_builder::headers::HeaderType;
use mail_builder::headers::address::Address;
use mail_builder::headers::raw::Raw;
use mail_builder::mime::MimePart;

use crate::domain::{EmailAddress, TicketNumber, Timestamp};

#[derive(Debug, Clone)]
pub struct Outgoing {
    pub from_name: String,
    pub from: EmailAddress,
    pub reply_to: Option<EmailAddress>,
    pub to: Vec<(Option<String>, EmailAddress)>,
    pub cc: Vec<EmailAddress>,
    pub subject: String,
    /// Without angle brackets.
    pub message_id: String,
    pub in_reply_to: Option<String>,
    pub references: Vec<String>,
    /// RFC 3834 `Auto-Submitted` for mail no person wrote (`auto-replied`, `auto-generated`).
    pub auto_submitted: Option<&'static str>,
    pub text: String,
    pub html: String,
    pub date: Timestamp,
    pub attachments: Vec<OutgoingFile>,
}

/// A file sent along, read from where it is kept.
#[derive(Debug, Clone)]
pub struct OutgoingFile {
    pub name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

impl Outgoing {
    /// Everyone the message is addressed to.
    pub fn recipients(&self) -> Vec<EmailAddress> {
        self.to
            .iter()
            .map(|(_, e)| e.clone())
            .chain(self.cc.iter().cloned())
            .collect()
    }
}

/// An image the HTML shows by `cid:` (a chart in a report mail).
#[derive(Debug, Clone)]
pub struct InlineImage {
    /// Without `cid:` and angle brackets.
    pub content_id: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
}

pub fn compose(mail: &Outgoing) -> std::io::Result<Vec<u8>> {
    let mut builder = headers(mail).text_body(mail.text.clone()).html_body(mail.html.clone());
    for file in &mail.attachments {
        builder = builder.attachment(file.content_type.clone(), one_line(&file.name), file.bytes.clone());
    }
    builder.write_to_vec()
}

/// [`compose`] with images the HTML shows inline: `multipart/mixed` of
/// `multipart/alternative` (the text, then `multipart/related` of the HTML and its images) and
/// the attachments, the layout mail clients show images in place from.
pub fn compose_with_inline(mail: &Outgoing, images: &[InlineImage]) -> std::io::Result<Vec<u8>> {
    let mut related = vec![MimePart::new("text/html", mail.html.clone())];
    related.extend(images.iter().map(|image| {
        MimePart::new(image.content_type.clone(), image.bytes.clone())
            .inline()
            .cid(one_line(&image.content_id))
    }));
    let alternative = MimePart::new(
        "multipart/alternative",
        vec![
            MimePart::new("text/plain", mail.text.clone()),
            MimePart::new("multipart/related", related),
        ],
    );
    let mut parts = vec![alternative];
    parts.extend(
        mail.attachments
            .iter()
            .map(|file| MimePart::new(file.content_type.clone(), file.bytes.clone()).attachment(one_line(&file.name))),
    );
    headers(mail)
        .body(MimePart::new("multipart/mixed", parts))
        .write_to_vec()
}

/// The headers every outgoing mail carries.
fn headers(mail: &Outgoing) -> MessageBuilder<'_> {
    let to: Vec<Address<'_>> = mail
        .to
        .iter()
        .map(|(name, email)| Address::new_address(name.as_deref().map(one_line), email.as_str().to_owned()))
        .collect();
    let mut builder = MessageBuilder::new()
        .from((one_line(&mail.from_name), mail.from.as_str().to_owned()))
        .to(to)
        .subject(one_line(&mail.subject))
        .message_id(mail.message_id.clone())
        .date(mail.date.timestamp_millis() / 1000);
    if !mail.cc.is_empty() {
        builder = builder.cc(mail
            .cc
            .iter()
            .map(|e| Address::new_address(None::<String>, e.as_str().to_owned()))
            .collect::<Vec<_>>());
    }
    if let Some(reply_to) = &mail.reply_to {
        builder = builder.reply_to(reply_to.as_str().to_owned());
    }
    if let Some(parent) = &mail.in_reply_to {
        builder = builder.in_reply_to(parent.clone());
    }
    if !mail.references.is_empty() {
        builder = builder.references(mail.references.clone());
    }
    if let Some(value) = mail.auto_submitted {
        builder = builder
            .header("Auto-Submitted", HeaderType::Raw(Raw::new(value)))
            // Exchange's way of asking not to be auto-answered.
            .header("X-Auto-Response-Suppress", HeaderType::Raw(Raw::new("All")));
    }
    builder
}

/// The subject with the ticket's token, `[#HD-1042]`, unless it carries it already.
pub fn with_token(number: TicketNumber, subject: &str) -> String {
    let token = format!("[#{number}]");
    if subject.contains(&token) {
        subject.to_owned()
    } else {
        format!("{token} {subject}")
    }
}

/// `support+hd1042@example.com`, or with a tag `support+hd1042-<tag>@example.com`: replies land
/// on the right ticket even without headers, and a tagged one (see
/// `LinkSigner::reply_tag`) admits whoever holds it, participant or not.
pub fn plus_address(base: &EmailAddress, number: TicketNumber, tag: Option<&str>) -> Option<EmailAddress> {
    let (local, domain) = base.as_str().rsplit_once('@')?;
    let tag = tag.map(|t| format!("-{t}")).unwrap_or_default();
    EmailAddress::parse(&format!("{local}+hd{}{tag}@{domain}", number.value())).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::mime::{MailLimits, parse_mime};

    fn email(s: &str) -> EmailAddress {
        EmailAddress::parse(s).unwrap()
    }

    fn sample() -> Outgoing {
        Outgoing {
            from_name: "Customer Support".into(),
            from: email("support@help.example.com"),
            reply_to: plus_address(&email("support@help.example.com"), TicketNumber::new(1042), None),
            to: vec![(Some("Jana Nováková".into()), email("jana@example.cz"))],
            cc: vec![email("boss@example.cz")],
            subject: with_token(TicketNumber::new(1042), "Re: Printer\r\nBcc: evil@example.com"),
            message_id: "lambdesk.1042.abc@help.example.com".into(),
            in_reply_to: Some("c2@example.cz".into()),
            references: vec!["c1@example.cz".into(), "c2@example.cz".into()],
            auto_submitted: Some("auto-replied"),
            text: "Hello\nWorld".into(),
            html: "<p>Hello<br>World</p>".into(),
            date: Timestamp::parse("2026-11-23T10:00:00Z").unwrap(),
            attachments: vec![],
        }
    }

    #[test]
    fn what_we_send_reads_back_with_its_threading_headers() {
        let raw = compose(&sample()).unwrap();
        let parsed = parse_mime(&raw, &MailLimits::default());
        assert_eq!(parsed.message_id.as_deref(), Some("lambdesk.1042.abc@help.example.com"));
        assert_eq!(parsed.in_reply_to, ["c2@example.cz"]);
        assert_eq!(parsed.references, ["c1@example.cz", "c2@example.cz"]);
        assert_eq!(parsed.subject, "[#HD-1042] Re: Printer Bcc: evil@example.com");
        assert_eq!(
            parsed.reply_to.unwrap().email.as_str(),
            "support+hd1042@help.example.com"
        );
        assert_eq!(parsed.to[0].name.as_deref(), Some("Jana Nováková"));
        assert_eq!(parsed.cc[0].email.as_str(), "boss@example.cz");
        assert_eq!(parsed.signals.auto_submitted.as_deref(), Some("auto-replied"));
        assert!(parsed.text.contains("Hello"));
        assert!(parsed.html.unwrap().contains("<br>"));
        let text = String::from_utf8_lossy(&raw);
        assert!(!text.contains("\r\nBcc:"), "no injected header:\n{text}");
    }

    #[test]
    fn files_go_along_as_attachments() {
        let mail = Outgoing {
            attachments: vec![OutgoingFile {
                name: "faktura č. 7.pdf".into(),
                content_type: "application/pdf".into(),
                bytes: b"%PDF-1.7 fake".to_vec(),
            }],
            ..sample()
        };
        let parsed = parse_mime(&compose(&mail).unwrap(), &MailLimits::default());
        assert_eq!(parsed.attachments.len(), 1);
        assert_eq!(parsed.attachments[0].name, "faktura č. 7.pdf");
        assert_eq!(parsed.attachments[0].bytes, b"%PDF-1.7 fake");
        assert!(parsed.text.contains("Hello"));
    }

    #[test]
    fn a_tagged_reply_address_reads_back_as_signed() {
        let ours = [email("support@help.example.com")];
        let address = plus_address(&ours[0], TicketNumber::new(1042), Some("0a1b2c3d4e5f")).unwrap();
        assert_eq!(address.as_str(), "support+hd1042-0a1b2c3d4e5f@help.example.com");
        let tag = crate::domain::mail::plus_tag(&address, &ours).unwrap();
        assert_eq!(
            (tag.number, tag.signature.as_deref()),
            (TicketNumber::new(1042), Some("0a1b2c3d4e5f"))
        );
    }

    #[test]
    fn tokens_are_added_once() {
        assert_eq!(with_token(TicketNumber::new(7), "Hi"), "[#HD-7] Hi");
        assert_eq!(with_token(TicketNumber::new(7), "Re: [#HD-7] Hi"), "Re: [#HD-7] Hi");
    }
}
