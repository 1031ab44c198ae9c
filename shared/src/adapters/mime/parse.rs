//! Raw MIME to [`InboundMail`], with mail-parser (every charset and transfer encoding,
//! HTML-only mail, nested `message/rfc822`). Never panics and never refuses: whatever cannot be
//! read becomes a note, and the raw message stays in S3 regardless.

use mail_parser::{Address, HeaderValue, Message, MessageParser, MimeHeaders, PartType};

use crate::domain::EmailAddress;
use crate::domain::mail::{AttachmentPart, Authentication, AutomationSignals, InboundMail, Mailbox, Verdicts};

/// Caps that keep a message item well under DynamoDB's 400 KB; over them, the text is cut
/// with a note (the raw message keeps the whole).
#[derive(Debug, Clone, Copy)]
pub struct MailLimits {
    pub max_text_bytes: usize,
    pub max_html_bytes: usize,
    pub max_attachment_bytes: usize,
    pub max_attachments: usize,
}

impl Default for MailLimits {
    fn default() -> Self {
        Self {
            max_text_bytes: 64 * 1024,
            max_html_bytes: 128 * 1024,
            max_attachment_bytes: 15 * 1024 * 1024,
            max_attachments: 50,
        }
    }
}

/// The mail in `raw` as its sender wrote it, within `limits` (intake then cuts its headers to
/// what may be stored: `usecases::intake::parse_mail`).
pub fn parse_mime(raw: &[u8], limits: &MailLimits) -> InboundMail {
    let Some(message) = MessageParser::default().parse(raw) else {
        // Not even headers: keep what bytes there are as text.
        let text = String::from_utf8_lossy(raw);
        return InboundMail {
            text: truncate(&text, limits.max_text_bytes).0,
            notes: vec!["the message could not be parsed as MIME; showing its raw text".into()],
            ..Default::default()
        };
    };
    let mut notes = Vec::new();
    // Line ends are stored as `\n`, whatever the wire used.
    let text = message
        .body_text(0)
        .map(|t| t.replace("\r\n", "\n"))
        .unwrap_or_default();
    let (text, cut) = truncate(text.trim_matches('\u{feff}'), limits.max_text_bytes);
    if cut {
        notes.push(format!(
            "the text was longer than {} KiB and was cut; the raw message has all of it",
            limits.max_text_bytes / 1024
        ));
    }
    // mail-parser renders text as HTML when there is none; keep only HTML the sender wrote.
    let wrote_html = message.html_bodies().any(|p| p.is_text_html());
    let html = wrote_html
        .then(|| message.body_html(0))
        .flatten()
        .map(|h| h.into_owned());
    let html = match html {
        Some(h) if h.len() > limits.max_html_bytes => {
            notes.push("the HTML version was too large to keep; the raw message has it".into());
            None
        }
        other => other,
    };

    let mut attachments = Vec::new();
    for (index, part) in message.attachments().enumerate() {
        if index >= limits.max_attachments {
            notes.push(format!(
                "only the first {} attachments were kept",
                limits.max_attachments
            ));
            break;
        }
        let content_type = part
            .content_type()
            .map(|ct| match ct.subtype() {
                Some(sub) => format!("{}/{}", ct.ctype(), sub),
                None => ct.ctype().to_owned(),
            })
            .unwrap_or_else(|| "application/octet-stream".into())
            .to_ascii_lowercase();
        let bytes: Vec<u8> = match &part.body {
            PartType::Message(inner) => inner.raw_message().to_vec(),
            _ => part.contents().to_vec(),
        };
        let name = part.attachment_name().map(sanitize_file_name).unwrap_or_else(|| {
            if content_type == "message/rfc822" {
                format!("message-{}.eml", index + 1)
            } else {
                format!("attachment-{}", index + 1)
            }
        });
        if bytes.len() > limits.max_attachment_bytes {
            notes.push(format!(
                "{name} ({} bytes) is larger than the attachment limit; the raw message has it",
                bytes.len()
            ));
            continue;
        }
        let inline = part
            .content_disposition()
            .is_some_and(|d| d.ctype().eq_ignore_ascii_case("inline"));
        attachments.push(AttachmentPart {
            name,
            content_type,
            content_id: part.content_id().map(|c| c.trim_matches(['<', '>']).to_owned()),
            inline,
            bytes,
        });
    }

    // A multipart whose boundary never appears has no parts: show its body as text rather
    // than an empty message (the structure is lost, the words are not).
    let (text, attachments) =
        if text.trim().is_empty() && attachments.len() == 1 && attachments[0].content_type.starts_with("multipart/") {
            notes.push("the MIME structure is broken; showing the body as it came".into());
            let raw_body = String::from_utf8_lossy(&attachments[0].bytes).replace("\r\n", "\n");
            (truncate(&raw_body, limits.max_text_bytes).0, vec![])
        } else {
            (text, attachments)
        };
    if text.contains('\u{fffd}') {
        notes.push("some characters could not be decoded; the raw message has the original bytes".into());
    }
    if message.headers().is_empty() {
        notes.push("the message has no headers; it may not be mail at all".into());
    }
    let from = message.from().and_then(|a| mailboxes(a).into_iter().next());
    let machine_sender = from.as_ref().is_some_and(|m| {
        let address = m.email.normalized();
        address.starts_with("mailer-daemon@") || address.starts_with("postmaster@")
    });
    let root_type = message.root_part().content_type();
    let report = root_type.is_some_and(|ct| {
        ct.ctype().eq_ignore_ascii_case("multipart") && ct.subtype().is_some_and(|s| s.eq_ignore_ascii_case("report"))
    });
    InboundMail {
        // It becomes a once-key in the table: one too long for a key would fail every retry.
        message_id: message.message_id().map(clean_id).filter(|id| usable_id(id)),
        in_reply_to: ids(message.in_reply_to()),
        references: ids(message.references()),
        from,
        reply_to: message.reply_to().and_then(|a| mailboxes(a).into_iter().next()),
        envelope_from: topmost_header(&message, "Return-Path")
            .and_then(|v| EmailAddress::parse(v.trim().trim_matches(['<', '>'])).ok()),
        to: message.to().map(mailboxes).unwrap_or_default(),
        cc: message.cc().map(mailboxes).unwrap_or_default(),
        delivered_to: ["Delivered-To", "X-Original-To"]
            .iter()
            .filter_map(|h| message.header_raw(*h))
            .filter_map(|v| EmailAddress::parse(v.trim().trim_matches(['<', '>'])).ok())
            .collect(),
        subject: message.subject().map(one_line).unwrap_or_default(),
        text,
        html,
        attachments,
        signals: AutomationSignals {
            auto_submitted: text_header(&message, "Auto-Submitted"),
            precedence: text_header(&message, "Precedence"),
            list_id: message.header_raw("List-Id").is_some(),
            auto_response_suppress: message.header_raw("X-Auto-Response-Suppress").is_some(),
            report,
        },
        verdicts: Verdicts {
            spam: topmost_header(&message, "X-SES-Spam-Verdict").is_some_and(|v| v.trim().eq_ignore_ascii_case("FAIL")),
            virus: topmost_header(&message, "X-SES-Virus-Verdict")
                .is_some_and(|v| v.trim().eq_ignore_ascii_case("FAIL")),
        },
        authentication: topmost_header(&message, "Authentication-Results")
            .map(Authentication::parse)
            .unwrap_or_default(),
        // A bounce names our message in a report part, or (older servers) attaches it.
        bounced_message_ids: if report || machine_sender {
            reported_message_ids(&message)
        } else {
            vec![]
        },
        bounced_recipients: if report || machine_sender {
            super::dsn::failed_recipients(&message)
        } else {
            vec![]
        },
        notes,
    }
}

/// A header value on one line: control characters (an encoded CR LF, say) become spaces.
fn one_line(value: &str) -> String {
    let spaced: String = value.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    spaced.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn text_header(message: &Message<'_>, name: &str) -> Option<String> {
    message
        .header_raw(name)
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// The first occurrence of a header, raw. The receiving side (SES) puts its trace and verdict
/// headers on top; copies further down were written by the sender and must not win, so this
/// is not mail-parser's `header_raw`, which answers with the last occurrence.
fn topmost_header<'a>(message: &'a Message<'_>, name: &str) -> Option<&'a str> {
    let header = message
        .headers()
        .iter()
        .find(|h| h.name.as_str().eq_ignore_ascii_case(name))?;
    message
        .raw_message()
        .get(header.offset_start as usize..header.offset_end as usize)
        .and_then(|bytes| std::str::from_utf8(bytes).ok())
}

fn clean_id(id: &str) -> String {
    id.trim().trim_matches(['<', '>']).to_owned()
}

fn ids(value: &HeaderValue<'_>) -> Vec<String> {
    match value {
        HeaderValue::Text(t) => vec![clean_id(t)],
        HeaderValue::TextList(list) => list.iter().map(|t| clean_id(t)).collect(),
        _ => vec![],
    }
    .into_iter()
    .filter(|id| usable_id(id))
    .collect()
}

/// An id we keep: not empty, and within RFC 5322's 998-character line (well under DynamoDB's
/// 2048-byte key: every id is looked up or written as one).
fn usable_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 998
}

fn mailboxes(address: &Address<'_>) -> Vec<Mailbox> {
    address
        .iter()
        .filter_map(|a| {
            let email = EmailAddress::parse(a.address()?).ok()?;
            let name = a
                .name()
                .map(|n| n.trim().to_owned())
                .filter(|n| !n.is_empty() && !n.chars().any(char::is_control));
            Some(Mailbox { name, email })
        })
        .collect()
}

/// The Message-IDs a delivery report is about: from its `message/rfc822` or
/// `text/rfc822-headers` part.
fn reported_message_ids(message: &Message<'_>) -> Vec<String> {
    let mut found = Vec::new();
    for part in &message.parts {
        match &part.body {
            PartType::Message(inner) => found.extend(inner.message_id().map(clean_id)),
            _ if part.is_content_type("text", "rfc822-headers") => {
                // Unfold first: a long Message-ID often continues on the next line.
                let text = String::from_utf8_lossy(part.contents())
                    .replace("\r\n", "\n")
                    .replace("\n ", " ")
                    .replace("\n\t", " ");
                let id = text.lines().find_map(|l| {
                    l.split_once(':')
                        .filter(|(k, _)| k.trim().eq_ignore_ascii_case("message-id"))
                        .map(|(_, v)| clean_id(v))
                });
                found.extend(id);
            }
            _ => {}
        }
    }
    found.retain(|id| usable_id(id));
    found.dedup();
    found
}

/// A file name safe to use in an S3 key and a download header.
fn sanitize_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let clean: String = base
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '<' | '>' | '|' | '*' | '?'))
        .take(150)
        .collect();
    let clean = clean.trim().trim_start_matches('.').to_owned();
    if clean.is_empty() { "attachment".into() } else { clean }
}

/// Cuts `text` to at most `max` bytes on a character boundary; says whether it cut.
fn truncate(text: &str, max: usize) -> (String, bool) {
    if text.len() <= max {
        return (text.to_owned(), false);
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    (text[..end].to_owned(), true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(raw: &str) -> InboundMail {
        parse_mime(raw.as_bytes(), &MailLimits::default())
    }

    #[test]
    fn a_plain_mail() {
        let m = parse(
            "From: Jana <jana@example.cz>\r\nTo: support@help.example.com\r\nSubject: Hello\r\nMessage-ID: <a1@example.cz>\r\nIn-Reply-To: <b2@help.example.com>\r\nReferences: <a0@x> <b2@help.example.com>\r\n\r\nHi there\r\n",
        );
        assert_eq!(m.from.unwrap().email.as_str(), "jana@example.cz");
        assert_eq!(m.message_id.as_deref(), Some("a1@example.cz"));
        assert_eq!(m.in_reply_to, ["b2@help.example.com"]);
        assert_eq!(m.references, ["a0@x", "b2@help.example.com"]);
        assert_eq!(m.subject, "Hello");
        assert_eq!(m.text.trim(), "Hi there");
        assert!(m.html.is_none());
    }

    #[test]
    fn html_only_mail_gets_a_text_version() {
        let m = parse("From: a@b.cz\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Hello <b>world</b></p>");
        assert!(m.text.contains("Hello"));
        assert!(m.html.unwrap().contains("<b>world</b>"));
    }

    #[test]
    fn encoded_words_and_charsets() {
        let m = parse(
            "From: =?UTF-8?Q?Jana_Nov=C3=A1kov=C3=A1?= <jana@example.cz>\r\nSubject: =?ISO-8859-2?Q?P=F8=EDli=B9_=BElu=BBou=E8k=FD?=\r\nContent-Type: text/plain; charset=iso-8859-2\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nK=F9=F2\r\n",
        );
        assert_eq!(m.from.unwrap().name.as_deref(), Some("Jana Nováková"));
        assert_eq!(m.subject, "Příliš žluťoučký");
        assert_eq!(m.text.trim(), "Kůň");
    }

    #[test]
    fn attachments_are_listed_with_safe_names() {
        let m = parse(
            "From: a@b.cz\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n--XX\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n--XX\r\nContent-Type: application/pdf; name=\"../../etc/passwd.pdf\"\r\nContent-Disposition: attachment; filename=\"../../etc/passwd.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQ=\r\n--XX--\r\n",
        );
        assert_eq!(m.attachments.len(), 1);
        assert_eq!(m.attachments[0].name, "passwd.pdf");
        assert_eq!(m.attachments[0].content_type, "application/pdf");
        assert_eq!(m.attachments[0].bytes, b"%PDF-1.4");
    }

    #[test]
    fn oversize_parts_become_notes() {
        let limits = MailLimits {
            max_text_bytes: 10,
            max_attachment_bytes: 3,
            ..Default::default()
        };
        let m = parse_mime(b"From: a@b.cz\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n--XX\r\nContent-Type: text/plain\r\n\r\n0123456789abcdef\r\n--XX\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=big.bin\r\n\r\nlarge content\r\n--XX--\r\n", &limits);
        assert_eq!(m.text, "0123456789");
        assert!(m.attachments.is_empty());
        assert_eq!(m.notes.len(), 2, "{:?}", m.notes);
    }

    #[test]
    fn automation_headers_and_verdicts() {
        let m = parse(
            "From: a@b.cz\r\nAuto-Submitted: auto-replied\r\nPrecedence: bulk\r\nList-Id: <x.lists.example>\r\nX-SES-Spam-Verdict: FAIL\r\nX-SES-Virus-Verdict: PASS\r\n\r\nout of office",
        );
        assert_eq!(m.signals.auto_submitted.as_deref(), Some("auto-replied"));
        assert_eq!(m.signals.precedence.as_deref(), Some("bulk"));
        assert!(m.signals.list_id);
        assert!(m.verdicts.spam && !m.verdicts.virus);
    }

    #[test]
    fn the_receiving_side_s_headers_on_top_win_over_the_sender_s_own() {
        let m = parse(
            "Return-Path: <bounce-7@mail.example.cz>\r\nAuthentication-Results: amazonses.com; spf=fail; dkim=none; dmarc=fail header.from=bank.example;\r\nX-SES-Spam-Verdict: PASS\r\nX-SES-Virus-Verdict: FAIL\r\nFrom: boss@bank.example\r\nAuthentication-Results: amazonses.com; spf=pass; dkim=pass; dmarc=pass\r\nX-SES-Virus-Verdict: PASS\r\nReturn-Path: <boss@bank.example>\r\n\r\nhi",
        );
        assert!(m.authentication.from_is_forged(), "{:?}", m.authentication);
        assert!(m.verdicts.virus, "a PASS further down is the sender's word");
        assert_eq!(m.envelope_from.unwrap().as_str(), "bounce-7@mail.example.cz");
        assert_eq!(parse("Return-Path: <>\r\nFrom: a@b.cz\r\n\r\nx").envelope_from, None);
    }

    #[test]
    fn a_bounce_names_the_message_it_reports_on() {
        let m = parse(
            "From: MAILER-DAEMON@mx.example\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=R\r\n\r\n--R\r\nContent-Type: text/plain\r\n\r\nDelivery failed\r\n--R\r\nContent-Type: message/delivery-status\r\n\r\nStatus: 5.1.1\r\n--R\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: <ours-1@help.example.com>\r\nSubject: x\r\n--R--\r\n",
        );
        assert!(m.signals.report);
        assert_eq!(m.bounced_message_ids, ["ours-1@help.example.com"]);
    }

    #[test]
    fn ids_too_long_for_a_key_are_dropped() {
        let long = "x".repeat(2000);
        let m = parse(&format!(
            "From: a@b.cz\r\nMessage-ID: <{long}@y>\r\nIn-Reply-To: <{long}@z>\r\n\r\nhi"
        ));
        assert_eq!((m.message_id, m.in_reply_to.len()), (None, 0));
        assert_eq!(parse("From: a@b.cz\r\nMessage-ID: <>\r\n\r\nhi").message_id, None);
    }

    #[test]
    fn garbage_never_panics() {
        for raw in [
            &b""[..],
            b"\xff\xfe\x00",
            b"From:\r\n\r\n",
            b"Content-Type: multipart/mixed; boundary=\r\n\r\n--\r\n--",
            b"\r\n\r\n\r\n",
        ] {
            let _ = parse_mime(raw, &MailLimits::default());
        }
    }
}
