//! The inbound mail corpus: every fixture in `tests/fixtures/mail` goes through the parser, which must
//! never panic and must stay within its limits; then each fixture is checked for what it is there for.
//! The fixtures and what they model are listed in `tests/fixtures/mail/README.md`.
//!
//! `// KNOWN:` marks an expectation the parser (or the mail domain) does not meet yet. There the test
//! pins today's behaviour and says what it should be, so a fix shows up here as a failure to update.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;

use shared::domain::mail::{InboundMail, MailKind, ThreadHint, split_quoted};
use shared::domain::{EmailAddress, TicketNumber};
use shared::usecases::intake::{MailLimits, parse_mail};

fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/mail")
}

/// The `.eml` files in the corpus, sorted by name.
fn fixture_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(corpus_dir())
        .expect("the corpus folder tests/fixtures/mail exists")
        .map(|entry| {
            entry
                .expect("a readable folder entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|name| name.ends_with(".eml"))
        .collect();
    names.sort();
    names
}

fn raw(name: &str) -> Vec<u8> {
    std::fs::read(corpus_dir().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn parse(name: &str) -> InboundMail {
    parse_mail(&raw(name), &MailLimits::default())
}

fn email(address: &str) -> EmailAddress {
    EmailAddress::parse(address).unwrap()
}

fn ours() -> Vec<EmailAddress> {
    vec![email("support@help.example.com")]
}

fn message_id(id: &str) -> ThreadHint {
    ThreadHint::MessageId(id.to_owned())
}

fn number(n: u64) -> ThreadHint {
    ThreadHint::Number(TicketNumber::new(n))
}

fn from_name(mail: &InboundMail) -> Option<&str> {
    mail.from.as_ref().and_then(|m| m.name.as_deref())
}

fn from_email(mail: &InboundMail) -> Option<&str> {
    mail.from.as_ref().map(|m| m.email.as_str())
}

fn attachment_names(mail: &InboundMail) -> Vec<&str> {
    mail.attachments.iter().map(|a| a.name.as_str()).collect()
}

/// What in `mail` is over `limits`, as readable complaints.
fn over_limits(mail: &InboundMail, limits: &MailLimits) -> Vec<String> {
    let mut problems = Vec::new();
    if mail.text.len() > limits.max_text_bytes {
        problems.push(format!("text is {} bytes", mail.text.len()));
    }
    if let Some(html) = &mail.html
        && html.len() > limits.max_html_bytes
    {
        problems.push(format!("html is {} bytes", html.len()));
    }
    if mail.attachments.len() > limits.max_attachments {
        problems.push(format!("{} attachments", mail.attachments.len()));
    }
    for a in &mail.attachments {
        if a.bytes.len() > limits.max_attachment_bytes {
            problems.push(format!("attachment {} is {} bytes", a.name, a.bytes.len()));
        }
    }
    problems
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".into())
}

/// Writes `text` (with `\n` line ends) as a message with CRLF line ends, as it arrives.
fn crlf(text: &str) -> Vec<u8> {
    text.replace('\n', "\r\n").into_bytes()
}

// ------------------------------------------------------------------------------------------- the whole corpus

#[test]
fn every_fixture_parses_without_panicking_and_within_the_limits() {
    let limits = MailLimits::default();
    let names = fixture_names();
    assert!(names.len() >= 20, "the corpus has only {} fixtures", names.len());
    let mut problems = Vec::new();
    for name in &names {
        let raw = raw(name);
        match catch_unwind(AssertUnwindSafe(|| parse_mail(&raw, &limits))) {
            Err(payload) => problems.push(format!("{name}: parse_mail panicked: {}", panic_message(&*payload))),
            Ok(mail) => {
                problems.extend(over_limits(&mail, &limits).into_iter().map(|p| format!("{name}: {p}")));
                // What the rest of intake does with every mail must not panic either.
                let ours = ours();
                let rest = catch_unwind(AssertUnwindSafe(|| {
                    let _ = mail.kind(&ours);
                    let _ = mail.thread_hints(&ours);
                    let _ = mail.addressed_to(&ours);
                    let _ = split_quoted(&mail.text);
                }));
                if let Err(payload) = rest {
                    problems.push(format!("{name}: classifying panicked: {}", panic_message(&*payload)));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_readme_describes_every_fixture_and_only_those() {
    let readme = std::fs::read_to_string(corpus_dir().join("README.md")).expect("the corpus has a README.md");
    let names = fixture_names();
    for name in &names {
        assert!(
            readme.contains(&format!("`{name}`")),
            "README.md does not describe {name}"
        );
    }
    for word in readme.split('`').filter(|w| w.ends_with(".eml") && !w.contains(' ')) {
        assert!(
            names.iter().any(|n| n == word),
            "README.md describes {word}, which is not in the corpus"
        );
    }
}

#[test]
fn text_fixtures_keep_their_crlf_line_endings() {
    // A checkout that normalises line endings would quietly change what the parser is fed.
    for name in fixture_names() {
        if matches!(name.as_str(), "zero-bytes.eml" | "binary-garbage.eml") {
            continue;
        }
        let raw = raw(&name);
        let bare_lf = raw
            .iter()
            .enumerate()
            .filter(|&(i, &b)| b == b'\n' && (i == 0 || raw[i - 1] != b'\r'));
        assert_eq!(bare_lf.count(), 0, "{name} has bare LF line endings");
        assert!(
            raw.windows(4).any(|w| w == b"\r\n\r\n"),
            "{name} has no CRLF header/body separator"
        );
    }
}

// ------------------------------------------------------------------------------------------- clients

#[test]
fn gmail_reply_threads_by_its_headers_and_splits_off_the_history() {
    let m = parse("gmail-reply-quoted.eml");
    assert_eq!(m.in_reply_to, ["lambdesk-HD-1042-9c2e@help.example.com"]);
    assert_eq!(
        m.references,
        [
            "lambdesk-HD-1042-7f3a@help.example.com",
            "lambdesk-HD-1042-9c2e@help.example.com"
        ]
    );
    assert_eq!(
        m.thread_hints(&ours()),
        [
            message_id("lambdesk-HD-1042-9c2e@help.example.com"),
            message_id("lambdesk-HD-1042-7f3a@help.example.com"),
            number(1042),
        ]
    );
    assert_eq!(m.kind(&ours()), MailKind::Personal);
    assert_eq!(from_email(&m), Some("martin.svoboda@example.com"));
    assert!(
        m.html.as_deref().is_some_and(|h| h.contains("gmail_quote")),
        "{:?}",
        m.html
    );
    let (visible, quoted) = split_quoted(&m.text);
    assert!(visible.ends_with("Martin"), "{visible:?}");
    assert!(!visible.contains("tray 2"), "{visible:?}");
    let quoted = quoted.expect("the quoted history is split off");
    assert!(quoted.starts_with("On Fri, 20 Nov 2026 at 16:05"), "{quoted:?}");
    assert!(quoted.contains("> Please open tray 2"), "{quoted:?}");
}

#[test]
fn outlook_html_only_windows_1252_gets_a_text_version() {
    let m = parse("outlook-html-only-cp1252.eml");
    assert_eq!(from_name(&m), Some("Renée Dupont"));
    assert!(m.html.as_deref().is_some_and(|h| h.contains("class=\"MsoNormal\"")));
    for expected in [
        "€ 1.250,00",
        "€ 1.025,00 – could you check?",
        "“Net 30”",
        "Renée Dupont",
        "Dupont & Fils",
    ] {
        assert!(m.text.contains(expected), "text lacks {expected:?}: {:?}", m.text);
    }
    for markup in ["<p", "MsoNormal", "font-family", "<o:p>", "&nbsp;"] {
        assert!(!m.text.contains(markup), "text still has {markup:?}: {:?}", m.text);
    }
    let (visible, quoted) = split_quoted(&m.text);
    assert!(visible.trim_start().starts_with("Hello,"), "{visible:?}");
    assert!(
        visible.contains("Kind regards") && !visible.contains("please find invoice"),
        "{visible:?}"
    );
    let quoted = quoted.expect("the Original Message block is split off");
    assert!(quoted.starts_with("-----Original Message-----"), "{quoted:?}");
    assert!(
        quoted.contains("From: Lambdesk Support <support@help.example.com>"),
        "{quoted:?}"
    );
}

#[test]
fn apple_mail_inline_image_is_an_inline_attachment_with_its_content_id() {
    let m = parse("apple-mail-inline-image.eml");
    assert_eq!(from_name(&m), Some("Lucie Černá"));
    assert!(m.text.contains("when I export the monthly report"), "{:?}", m.text);
    let html = m.html.as_deref().expect("the HTML part is kept");
    assert!(html.contains("src=\"cid:8F2D5A1C-3B4E-4C6F-9D7A-1E2B3C4D5E6F\""));
    assert_eq!(m.attachments.len(), 1, "{:?}", attachment_names(&m));
    let image = &m.attachments[0];
    assert_eq!(image.name, "Screenshot 2026-11-23 at 11.02.15.png");
    assert_eq!(image.content_type, "image/png");
    assert_eq!(
        image.content_id.as_deref(),
        Some("8F2D5A1C-3B4E-4C6F-9D7A-1E2B3C4D5E6F")
    );
    assert!(image.inline);
    assert!(image.bytes.starts_with(b"\x89PNG\r\n\x1a\n"));
}

#[test]
fn thunderbird_signature_is_split_at_the_dash_dash_space_line() {
    let m = parse("thunderbird-signature.eml");
    assert_eq!(from_name(&m), Some("Petr Novák"));
    let (visible, quoted) = split_quoted(&m.text);
    assert!(
        visible.contains("client version 5.2.1") && visible.ends_with("Petr"),
        "{visible:?}"
    );
    let quoted = quoted.expect("the signature is split off");
    assert!(quoted.starts_with("--"), "{quoted:?}");
    assert!(
        quoted.contains("Novák & syn s.r.o.") && quoted.contains("+420 555 123 456"),
        "{quoted:?}"
    );
}

const CZECH: &str = "Příliš žluťoučký kůň úpěl ďábelské ódy";

#[test]
fn czech_iso_8859_2_quoted_printable_decodes_and_splits() {
    let m = parse("czech-iso-8859-2-qp.eml");
    assert_eq!(m.subject, format!("Re: {CZECH}"));
    assert_eq!(from_name(&m), Some("Jana Nováková"));
    assert!(m.text.contains(CZECH), "{:?}", m.text);
    assert_eq!(
        m.thread_hints(&ours()).first(),
        Some(&message_id("lambdesk-HD-1043-1a2b@help.example.com"))
    );
    let (visible, quoted) = split_quoted(&m.text);
    assert!(
        visible.contains(CZECH) && visible.ends_with("Jana Nováková"),
        "{visible:?}"
    );
    let quoted = quoted.expect("the Czech attribution starts the quote");
    assert!(
        quoted.starts_with("Dne 20. 11. 2026 v 15:12 Lambdesk Support napsal(a):"),
        "{quoted:?}"
    );
    assert!(quoted.contains("> pošlete nám prosím přesné znění textu"), "{quoted:?}");
}

#[test]
fn hungarian_utf8_base64_decodes_and_splits_at_irta() {
    let m = parse("hungarian-utf8-base64.eml");
    assert_eq!(m.subject, "Re: Hibás számlázási cím");
    assert_eq!(from_name(&m), Some("Kovács Péter"));
    assert!(m.text.contains("Árvíztűrő tükörfúrógép utca 3."), "{:?}", m.text);
    let (visible, quoted) = split_quoted(&m.text);
    assert!(visible.ends_with("Kovács Péter"), "{visible:?}");
    let quoted = quoted.expect("the Hungarian attribution starts the quote");
    assert!(
        quoted.starts_with("2026. 11. 20. 15:12 keltezéssel, Lambdesk Support írta:"),
        "{quoted:?}"
    );
}

#[test]
fn hungarian_gmail_attribution_line() {
    let m = parse("hungarian-gmail-attribution.eml");
    assert_eq!(m.subject, "Re: [#HD-1045] Nem érkezett meg a csomag");
    assert_eq!(from_name(&m), Some("Szabó Anna"));
    assert!(m.text.contains("kézbesítették"), "{:?}", m.text);
    let (visible, quoted) = split_quoted(&m.text);
    let quoted = quoted.expect("the quoted lines are split off");
    assert!(quoted.contains("> A csomagot ma feladtuk"), "{quoted:?}");
    assert!(visible.ends_with("Szabó Anna"), "{visible:?}");
}

#[test]
fn malay_plain_text_splits_at_menulis() {
    let m = parse("malay-plain.eml");
    assert!(m.html.is_none());
    assert_eq!(
        m.thread_hints(&ours()),
        [message_id("lambdesk-HD-1055-4d5e@help.example.com"), number(1055)]
    );
    let (visible, quoted) = split_quoted(&m.text);
    assert!(
        visible.contains("bayaran balik untuk pesanan 55821") && visible.ends_with("Siti"),
        "{visible:?}"
    );
    let quoted = quoted.expect("the wrapped Malay attribution starts the quote");
    assert!(quoted.starts_with("Pada Jum, 20 Nov 2026 pada 3:12 PTG"), "{quoted:?}");
}

#[test]
fn japanese_iso_2022_jp_decodes_headers_and_body() {
    let m = parse("japanese-iso-2022-jp.eml");
    assert_eq!(m.subject, "【お問い合わせ】商品が届きません");
    assert_eq!(from_name(&m), Some("山田 太郎"));
    assert!(
        m.text.contains("注文番号 55821 の商品がまだ届いておりません。"),
        "{:?}",
        m.text
    );
    assert!(
        !m.text.contains('\u{1b}') && !m.subject.contains('\u{1b}'),
        "escape sequences left in"
    );
}

#[test]
fn raw_8bit_utf8_headers_are_read_as_utf8() {
    let m = parse("raw-utf8-headers.eml");
    assert_eq!(m.subject, "Grüße aus Köln – Rechnung Nr. 42 fehlt");
    assert_eq!(from_name(&m), Some("Jürgen Müller"));
    assert_eq!(from_email(&m), Some("juergen.mueller@mueller.example"));
    assert!(
        m.text.contains("Hauptstraße 5") && m.text.contains("Grüßen"),
        "{:?}",
        m.text
    );
}

// ------------------------------------------------------------------------------------------- broken MIME

#[test]
fn multipart_without_its_closing_boundary_still_yields_the_text() {
    let m = parse("broken-unterminated-multipart.eml");
    assert!(m.text.contains("arrived damaged, photos attached"), "{:?}", m.text);
    assert_eq!(attachment_names(&m), ["IMG_2041.jpg"]);
    assert_eq!(m.attachments[0].content_type, "image/jpeg");
    // KNOWN: the part cut off before a closing boundary is not transfer-decoded: its bytes are the
    // base64 text itself (106 bytes, "/9j/4AAQ…"), stored as image/jpeg, with no note. With the
    // closing boundary added, the same part decodes to the 78 JPEG bytes. It should be (at least
    // decoded, or dropped with a note):
    // assert!(m.attachments[0].bytes.starts_with(&[0xff, 0xd8, 0xff]));
    assert!(m.attachments[0].bytes.starts_with(b"/9j/4AAQ"));
    assert!(m.notes.is_empty(), "{:?}", m.notes);
}

#[test]
fn multipart_whose_boundary_never_appears() {
    let m = parse("broken-boundary-never-appears.eml");
    assert_eq!(m.subject, "Order 55821: customer question");
    assert!(m.text.contains("Can I change the delivery address"), "{:?}", m.text);
    assert!(m.attachments.is_empty());
    assert!(m.notes.iter().any(|n| n.contains("MIME structure")), "{:?}", m.notes);
}

#[test]
fn missing_content_type_is_read_as_plain_text() {
    let m = parse("broken-no-content-type.eml");
    assert!(m.text.contains("disk quota exceeded on volume1"), "{:?}", m.text);
    assert!(m.text.contains("Karel Veselý"), "{:?}", m.text);
    assert!(m.html.is_none() && m.attachments.is_empty());
}

#[test]
fn empty_body_parses_to_empty_text() {
    let m = parse("empty-body.eml");
    assert_eq!(m.subject, "Please call me back");
    assert!(m.text.trim().is_empty(), "{:?}", m.text);
    assert!(m.html.is_none() && m.attachments.is_empty());
    assert_eq!(split_quoted(&m.text), (String::new(), None));
    assert_eq!(m.kind(&ours()), MailKind::Personal);
}

#[test]
fn zero_byte_file_gives_an_empty_mail_with_a_note() {
    let m = parse("zero-bytes.eml");
    assert!(m.from.is_none() && m.subject.is_empty() && m.text.is_empty());
    assert!(!m.notes.is_empty());
}

#[test]
fn binary_garbage_does_not_become_a_mail() {
    let m = parse("binary-garbage.eml");
    assert!(m.from.is_none() && m.message_id.is_none() && m.subject.is_empty());
    assert!(m.attachments.is_empty());
    assert!(!m.notes.is_empty(), "nothing readable came out, and it says so");
}

#[test]
fn unknown_8bit_charset_is_read_lossily() {
    let m = parse("unknown-8bit-charset.eml");
    assert!(m.text.contains("faktura") && m.text.contains("88"), "{:?}", m.text);
    assert!(m.text.contains('\u{fffd}'), "{:?}", m.text);
    assert!(
        m.notes.iter().any(|n| n.contains("could not be decoded")),
        "{:?}",
        m.notes
    );
}

#[test]
fn html_only_mail_written_in_div_lines() {
    let m = parse("html-only-div-lines.eml");
    assert!(m.html.is_some());
    let (visible, quoted) = split_quoted(&m.text);
    assert!(visible.starts_with("Hello,"), "{visible:?}");
    assert!(quoted.is_some_and(|q| q.starts_with("On Friday, November 20th, 2026")));
    // KNOWN: the text made from HTML (mail-parser's html_to_text) breaks lines only at <br> and </p>,
    // so consecutive <div> lines run together without even a space. It should be:
    // assert!(m.text.contains("portal.\nThe reset") && m.text.contains("Thanks,\nPavel"));
    assert!(
        m.text.contains("portal.The reset") && m.text.contains("Thanks,Pavel"),
        "{:?}",
        m.text
    );
}

// ------------------------------------------------------------------------------------------- attachments

#[test]
fn only_an_attachment() {
    let m = parse("only-attachment.eml");
    assert!(m.text.trim().is_empty(), "{:?}", m.text);
    assert_eq!(attachment_names(&m), ["scan_20261123_101500.pdf"]);
    let pdf = &m.attachments[0];
    assert_eq!(pdf.content_type, "application/pdf");
    assert!(!pdf.inline);
    assert!(pdf.bytes.starts_with(b"%PDF-1.4") && pdf.bytes.ends_with(b"%%EOF\n"));
}

#[test]
fn winmail_dat_is_kept_as_an_attachment() {
    let m = parse("winmail-dat-tnef.eml");
    assert_eq!(from_name(&m), Some("Radek Horák"));
    assert!(m.text.contains("signed contract renewal for 2027"), "{:?}", m.text);
    assert_eq!(attachment_names(&m), ["winmail.dat"]);
    assert_eq!(m.attachments[0].content_type, "application/ms-tnef");
    assert!(
        m.attachments[0].bytes.starts_with(&[0x78, 0x9f, 0x3e, 0x22]),
        "no TNEF signature"
    );
}

#[test]
fn forwarded_message_is_a_message_rfc822_attachment() {
    let m = parse("forwarded-rfc822.eml");
    assert_eq!(from_name(&m), Some("Olga Malá"));
    assert!(m.text.contains("forwarding the complaint"), "{:?}", m.text);
    assert!(
        !m.text.contains("FORWARDED-INNER-BODY"),
        "the forwarded body leaked into the text"
    );
    assert_eq!(attachment_names(&m), ["Order 55821 delayed.eml"]);
    let inner = &m.attachments[0];
    assert_eq!(inner.content_type, "message/rfc822");
    let inner_text = String::from_utf8_lossy(&inner.bytes);
    assert!(inner_text.contains("Subject: Order 55821 delayed"), "{inner_text:?}");
    assert!(inner_text.contains("FORWARDED-INNER-BODY"), "{inner_text:?}");
}

#[test]
fn pdf_and_docx_attachments_keep_names_types_and_bytes() {
    let m = parse("pdf-and-docx.eml");
    assert!(m.text.contains("invoice 2026-0117"), "{:?}", m.text);
    assert_eq!(attachment_names(&m), ["Faktura 2026-0117.pdf", "Nabídka č. 7.docx"]);
    let (pdf, docx) = (&m.attachments[0], &m.attachments[1]);
    assert_eq!(pdf.content_type, "application/pdf");
    assert!(pdf.bytes.starts_with(b"%PDF-1.4") && pdf.bytes.ends_with(b"%%EOF\n"));
    assert_eq!(
        docx.content_type,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    );
    assert!(docx.bytes.starts_with(b"PK\x03\x04"));
    assert!(!pdf.inline && !docx.inline);
}

#[test]
fn a_huge_attachment_is_left_out_with_a_note() {
    // Generated here rather than kept in the repository: 294,337 lines of 76 base64 characters,
    // 57 zero bytes each, decode to 16,777,209 bytes, over the 15 MiB limit (raw: about 23 MB).
    const LINES: usize = 294_337;
    let head = crlf(
        "From: Martin Svoboda <martin.svoboda@example.com>\n\
         To: support@help.example.com\n\
         Subject: Site survey photos\n\
         Message-ID: <huge-1@example.com>\n\
         MIME-Version: 1.0\n\
         Content-Type: multipart/mixed; boundary=\"huge-boundary\"\n\
         \n\
         --huge-boundary\n\
         Content-Type: text/plain; charset=utf-8\n\
         \n\
         The photos from the site survey are attached.\n\
         --huge-boundary\n\
         Content-Type: text/plain; name=\"readme.txt\"\n\
         Content-Disposition: attachment; filename=\"readme.txt\"\n\
         \n\
         Survey of 23 November.\n\
         --huge-boundary\n\
         Content-Type: application/zip; name=\"site-survey.zip\"\n\
         Content-Disposition: attachment; filename=\"site-survey.zip\"\n\
         Content-Transfer-Encoding: base64\n\
         \n",
    );
    let mut raw = Vec::with_capacity(head.len() + LINES * 78 + 64);
    raw.extend_from_slice(&head);
    for _ in 0..LINES {
        raw.extend_from_slice(&[b'A'; 76]);
        raw.extend_from_slice(b"\r\n");
    }
    raw.extend_from_slice(b"--huge-boundary--\r\n");
    assert!(raw.len() < 28_000_000, "the generated mail is {} bytes", raw.len());
    assert!(LINES * 57 > MailLimits::default().max_attachment_bytes);

    let m = parse_mail(&raw, &MailLimits::default());
    assert!(m.text.contains("photos from the site survey"), "{:?}", m.text);
    assert_eq!(attachment_names(&m), ["readme.txt"]);
    assert!(
        m.notes
            .iter()
            .any(|n| n.contains("site-survey.zip") && n.contains("larger than the attachment limit")),
        "{:?}",
        m.notes
    );
    assert!(over_limits(&m, &MailLimits::default()).is_empty());
}

#[test]
fn a_long_text_is_cut_on_a_character_boundary_with_a_note() {
    let limits = MailLimits::default();
    let body = "žluťoučký kůň úpěl\n".repeat(limits.max_text_bytes / 10);
    let mut raw = crlf("From: jana@novakova.example\nSubject: long\nContent-Type: text/plain; charset=utf-8\n\n");
    raw.extend_from_slice(&crlf(&body));
    let m = parse_mail(&raw, &limits);
    assert!(m.text.len() <= limits.max_text_bytes && m.text.len() > limits.max_text_bytes - 4);
    assert!(body.starts_with(&m.text), "the cut text is not a prefix of the body");
    assert!(m.notes.iter().any(|n| n.contains("was cut")), "{:?}", m.notes);
}

#[test]
fn more_attachments_than_the_limit_keeps_the_first_ones_with_a_note() {
    let limits = MailLimits::default();
    let mut text = String::from("From: scanner@vesely.example\nContent-Type: multipart/mixed; boundary=\"m\"\n\n");
    text.push_str("--m\nContent-Type: text/plain\n\nMany pages.\n");
    for i in 1..=limits.max_attachments + 10 {
        text.push_str(&format!(
            "--m\nContent-Type: application/pdf\nContent-Disposition: attachment; filename=\"page-{i}.pdf\"\n\n%PDF-{i}\n"
        ));
    }
    text.push_str("--m--\n");
    let m = parse_mail(&crlf(&text), &limits);
    assert_eq!(m.attachments.len(), limits.max_attachments);
    assert_eq!(m.attachments[0].name, "page-1.pdf");
    assert!(m.notes.iter().any(|n| n.contains("only the first 50")), "{:?}", m.notes);
}

// ------------------------------------------------------------------------------------------- machines

#[test]
fn out_of_office_is_automated() {
    let m = parse("out-of-office.eml");
    assert_eq!(m.signals.auto_submitted.as_deref(), Some("auto-replied"));
    assert!(m.signals.auto_response_suppress);
    assert_eq!(m.kind(&ours()), MailKind::Automated);
    assert_eq!(from_name(&m), Some("Tomáš Dvořák"));
}

#[test]
fn mailing_list_is_automated() {
    let m = parse("mailing-list.eml");
    assert!(m.signals.list_id);
    assert_eq!(m.signals.precedence.as_deref(), Some("list"));
    assert_eq!(m.kind(&ours()), MailKind::Automated);
    assert_eq!(m.delivered_to, [email("support@help.example.com")]);
    let ours = ours();
    assert_eq!(m.addressed_to(&ours), [&ours[0]]);
}

#[test]
fn delivery_status_notification_is_a_bounce_naming_our_message() {
    let m = parse("dsn-delivery-status.eml");
    assert!(m.signals.report);
    assert_eq!(m.kind(&ours()), MailKind::Bounce);
    assert_eq!(m.bounced_message_ids, ["lambdesk-HD-1001-abc@help.example.com"]);
    assert!(m.text.contains("unknown user"), "{:?}", m.text);
    assert_eq!(m.bounced_recipients, [email("old.address@defunct.example")]);
}

#[test]
fn delivery_status_notification_with_a_folded_message_id() {
    let m = parse("dsn-folded-message-id.eml");
    assert_eq!(m.kind(&ours()), MailKind::Bounce);
    assert_eq!(m.bounced_message_ids, ["lambdesk-HD-1001-abc@help.example.com"]);
}

#[test]
fn exchange_ndr_with_the_original_message_is_a_bounce() {
    let m = parse("bounce-ndr-with-original.eml");
    assert_eq!(m.kind(&ours()), MailKind::Bounce);
    assert_eq!(m.bounced_message_ids, ["lambdesk-HD-1077-d41f@help.example.com"]);
    assert!(m.text.contains("couldn't be delivered"), "{:?}", m.text);
    assert!(m.attachments.iter().any(|a| a.content_type == "message/rfc822"));
    assert_eq!(m.bounced_recipients, [email("j.novotny@contoso.example")]);
}

#[test]
fn legacy_bounce_without_multipart_report() {
    let m = parse("bounce-legacy-mixed.eml");
    assert_eq!(from_email(&m), Some("MAILER-DAEMON@gw.oldcorp.example"));
    assert!(m.attachments.iter().any(|a| a.content_type == "message/rfc822"));
    assert_eq!(m.bounced_message_ids, ["lambdesk-HD-1080-e5a1@help.example.com"]);
    assert_eq!(m.kind(&ours()), MailKind::Bounce);
    assert!(
        m.bounced_recipients.is_empty(),
        "no delivery-status part names an address"
    );
}

#[test]
fn ses_spam_verdict_is_read() {
    let m = parse("ses-spam-verdict.eml");
    assert!(m.verdicts.spam);
    assert!(!m.verdicts.virus);
}

#[test]
fn own_address_in_from_is_our_own_outbound_mail() {
    let m = parse("own-address-from.eml");
    assert_eq!(m.kind(&ours()), MailKind::OwnOutbound);
    assert_eq!(m.kind(&[]), MailKind::Personal);
}

// ------------------------------------------------------------------------------------------- addresses

#[test]
fn no_from_header_gives_no_sender() {
    let m = parse("no-from.eml");
    assert!(m.from.is_none(), "{:?}", m.from);
    assert_eq!(m.subject, "Disk space warning on web-01");
    assert!(m.text.contains("95% full"), "{:?}", m.text);
}

#[test]
fn reply_to_that_differs_from_from_is_kept() {
    let m = parse("reply-to-differs.eml");
    assert_eq!(from_email(&m), Some("wordpress@shop.example"));
    let reply_to = m.reply_to.as_ref().expect("Reply-To is kept");
    assert_eq!(reply_to.email.as_str(), "eva.horvathova@horvath.example");
    assert_eq!(reply_to.name.as_deref(), Some("Eva Horváthová"));
    assert_eq!(m.kind(&ours()), MailKind::Personal);
}

#[test]
fn plus_address_names_the_ticket() {
    let m = parse("plus-addressed.eml");
    assert_eq!(m.to[0].email.as_str(), "support+hd1042@help.example.com");
    assert_eq!(m.thread_hints(&ours()), [number(1042)]);
    let ours = ours();
    assert_eq!(m.addressed_to(&ours), [&ours[0]]);
}

#[test]
fn subject_token_names_the_ticket() {
    let m = parse("subject-token.eml");
    assert!(m.in_reply_to.is_empty() && m.references.is_empty());
    assert_eq!(m.thread_hints(&ours()), [number(1042)]);
}

// ------------------------------------------------------------------------------------------- subjects

#[test]
fn very_long_folded_subject_is_unfolded_whole() {
    let m = parse("long-subject.eml");
    let expected = "RE: FW: RE: Request for quotation - 250 units of toner cartridges (black, cyan, magenta, yellow) \
                    for the MFP-3000 series, delivery to our Brno, Ostrava and Plzen branches before the end of the \
                    quarter, including installation, disposal of the old cartridges and a two year service contract \
                    for all three sites";
    assert!(expected.len() > 250);
    assert_eq!(m.subject, expected);
}

#[test]
fn header_injection_in_an_encoded_subject() {
    let m = parse("subject-header-injection.eml");
    // The encoded CR LF in the From display name is dropped with the name; the address stays.
    assert_eq!(from_email(&m), Some("probe@attacker.example"));
    assert_eq!(from_name(&m), None);
    assert!(!m.subject.contains(['\r', '\n']), "{:?}", m.subject);
    assert_eq!(m.subject, "Invoice overdue Bcc: everyone@victim.example Click here");
}
