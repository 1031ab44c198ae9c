//! Inbound email as the help desk understands it, once MIME is parsed: who it is from, what it
//! answers, whether it may be auto-answered, and the part a person actually wrote.

use serde::{Deserialize, Serialize};

use super::contact::EmailAddress;
use super::ids::TicketNumber;

/// A name and address from a header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mailbox {
    pub name: Option<String>,
    pub email: EmailAddress,
}

/// The headers that tell a person from a machine (RFC 3834 and common practice).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AutomationSignals {
    /// `Auto-Submitted` value, if any (`no` means a person).
    pub auto_submitted: Option<String>,
    pub precedence: Option<String>,
    pub list_id: bool,
    pub auto_response_suppress: bool,
    /// `multipart/report` (delivery status or disposition notifications).
    pub report: bool,
}

/// SES's spam and virus verdicts, from the headers it adds on receipt.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdicts {
    pub spam: bool,
    pub virus: bool,
}

/// One verdict of a sender check (SPF, DKIM or DMARC) as the receiving side recorded it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthVerdict {
    Pass,
    Fail,
    /// Anything else: none, neutral, softfail, temperror, or not recorded at all.
    #[default]
    Other,
}

/// What SES found when it checked the sender: its `Authentication-Results` header.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Authentication {
    pub spf: AuthVerdict,
    pub dkim: AuthVerdict,
    pub dmarc: AuthVerdict,
}

impl Authentication {
    /// Whether the `From` address is evidently not the real sender: DMARC failed, or, for a
    /// domain without a DMARC verdict, SPF failed and no DKIM signature vouches for it. Such
    /// mail is kept, but it never threads by reference, is never answered automatically and
    /// never gets a customer's link. Forwarding breaks SPF but rarely DKIM, so people whose mail
    /// is forwarded still pass.
    pub fn from_is_forged(&self) -> bool {
        self.dmarc == AuthVerdict::Fail
            || (self.dmarc != AuthVerdict::Pass && self.spf == AuthVerdict::Fail && self.dkim != AuthVerdict::Pass)
    }

    /// Reads the first `Authentication-Results` header, the one the receiving side (SES, whose
    /// authserv-id is `amazonses.com`) put on top. Headers further down were written by whoever
    /// sent the mail and prove nothing; a header from another authserv-id is ignored.
    pub fn parse(header: &str) -> Self {
        let mut parts = header.split(';');
        let authserv = parts.next().unwrap_or_default().trim();
        if !authserv.eq_ignore_ascii_case("amazonses.com") {
            return Self::default();
        }
        let mut found = Self::default();
        for part in parts {
            let Some((method, rest)) = part.trim().split_once('=') else {
                continue;
            };
            let result = rest.split_whitespace().next().unwrap_or_default().to_ascii_lowercase();
            let verdict = match result.as_str() {
                "pass" => AuthVerdict::Pass,
                "fail" | "permerror" => AuthVerdict::Fail,
                _ => AuthVerdict::Other,
            };
            match method.trim().to_ascii_lowercase().as_str() {
                "spf" => found.spf = verdict,
                // Several signatures: one that passes is enough.
                "dkim" if found.dkim != AuthVerdict::Pass => found.dkim = verdict,
                "dmarc" => found.dmarc = verdict,
                _ => {}
            }
        }
        found
    }
}

/// A parsed inbound message. Never panics to build; what could not be read is in `notes`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InboundMail {
    /// Without angle brackets.
    pub message_id: Option<String>,
    pub in_reply_to: Vec<String>,
    pub references: Vec<String>,
    pub from: Option<Mailbox>,
    pub reply_to: Option<Mailbox>,
    /// The envelope sender (`Return-Path`, which SES records), for mail whose `From` is unreadable.
    pub envelope_from: Option<EmailAddress>,
    pub to: Vec<Mailbox>,
    pub cc: Vec<Mailbox>,
    /// `Delivered-To` / `X-Original-To`, where the receiving side recorded the envelope.
    pub delivered_to: Vec<EmailAddress>,
    pub subject: String,
    pub text: String,
    pub html: Option<String>,
    pub attachments: Vec<AttachmentPart>,
    pub signals: AutomationSignals,
    pub verdicts: Verdicts,
    pub authentication: Authentication,
    /// Message-IDs of our own mail that a bounce reports on.
    pub bounced_message_ids: Vec<String>,
    /// The addresses a bounce's delivery-status part says failed (`Original-Recipient` and
    /// `Final-Recipient` of each failed recipient).
    pub bounced_recipients: Vec<EmailAddress>,
    /// What the parser had to work around (bad charset, truncated body, ...).
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentPart {
    pub name: String,
    pub content_type: String,
    pub content_id: Option<String>,
    pub inline: bool,
    pub bytes: Vec<u8>,
}

/// What kind of mail this is, deciding what happens to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailKind {
    /// Written by a person: thread it or open a ticket, and it may be auto-answered.
    Personal,
    /// Sent by a machine (auto-reply, list, bulk): keep it, never auto-answer it.
    Automated,
    /// A delivery failure report about mail we sent.
    Bounce,
    /// A copy of our own outgoing mail: never a customer message.
    OwnOutbound,
}

/// Senders that are machines by convention.
const MACHINE_LOCAL_PARTS: [&str; 8] = [
    "mailer-daemon",
    "postmaster",
    "noreply",
    "no-reply",
    "donotreply",
    "do-not-reply",
    "bounce",
    "bounces",
];

impl InboundMail {
    /// Classifies the mail. `ours` are our support addresses; mail from them is our own.
    pub fn kind(&self, ours: &[EmailAddress]) -> MailKind {
        let from = self.from.as_ref().map(|m| m.email.normalized());
        if from.as_ref().is_some_and(|f| ours.iter().any(|o| o.normalized() == *f)) {
            return MailKind::OwnOutbound;
        }
        let local = from.as_deref().and_then(|f| f.split('@').next()).unwrap_or_default();
        let machine_sender = MACHINE_LOCAL_PARTS
            .iter()
            .any(|m| local == *m || local.starts_with(&format!("{m}+")));
        if self.signals.report || (machine_sender && !self.bounced_message_ids.is_empty()) {
            return MailKind::Bounce;
        }
        let s = &self.signals;
        let auto_submitted = s
            .auto_submitted
            .as_deref()
            .is_some_and(|v| !v.trim().eq_ignore_ascii_case("no"));
        let bulk = s
            .precedence
            .as_deref()
            .is_some_and(|p| matches!(p.trim().to_ascii_lowercase().as_str(), "bulk" | "junk" | "list"));
        if auto_submitted || bulk || s.list_id || s.auto_response_suppress || machine_sender {
            return MailKind::Automated;
        }
        MailKind::Personal
    }

    /// Which tickets this mail may belong to, strongest evidence first.
    pub fn thread_hints(&self, ours: &[EmailAddress]) -> Vec<ThreadHint> {
        let mut hints: Vec<ThreadHint> = Vec::new();
        let mut push = |h: ThreadHint| {
            if !hints.contains(&h) {
                hints.push(h);
            }
        };
        let recipients: Vec<PlusTag> = self
            .to
            .iter()
            .chain(&self.cc)
            .map(|m| &m.email)
            .chain(&self.delivered_to)
            .filter_map(|address| plus_tag(address, ours))
            .collect();
        // A signed reply address is the only evidence that does not depend on who sent it.
        for tag in &recipients {
            if let Some(signature) = &tag.signature {
                push(ThreadHint::Signed {
                    number: tag.number,
                    signature: signature.clone(),
                });
            }
        }
        for id in self.in_reply_to.iter().chain(self.references.iter().rev()) {
            push(ThreadHint::MessageId(id.clone()));
        }
        if let Some(n) = subject_token(&self.subject) {
            push(ThreadHint::Number(n));
        }
        for tag in recipients {
            push(ThreadHint::Number(tag.number));
        }
        hints
    }

    /// Who sent the mail: `From`, else the envelope sender SES recorded, else `Reply-To`.
    pub fn sender(&self) -> Option<Mailbox> {
        self.from
            .clone()
            .or_else(|| self.envelope_from.clone().map(|email| Mailbox { name: None, email }))
            .or_else(|| self.reply_to.clone())
    }

    /// The support addresses this mail was sent to, in header order.
    pub fn addressed_to<'a>(&self, ours: &'a [EmailAddress]) -> Vec<&'a EmailAddress> {
        let recipients: Vec<String> = self
            .delivered_to
            .iter()
            .chain(self.to.iter().map(|m| &m.email))
            .chain(self.cc.iter().map(|m| &m.email))
            .map(|e| strip_plus(&e.normalized()))
            .collect();
        ours.iter().filter(|o| recipients.contains(&o.normalized())).collect()
    }
}

/// Evidence that a mail continues a ticket. Only [`ThreadHint::Signed`] proves anything on its
/// own; the others are honoured only for the ticket's participants (see `domain::threading`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ThreadHint {
    /// Our reply address with its tag, `support+hd1042-<tag>@…`: checked against the ticket id.
    Signed {
        number: TicketNumber,
        signature: String,
    },
    MessageId(String),
    Number(TicketNumber),
}

/// The token our subjects carry, `[#HD-1042]`, anywhere in a subject.
pub fn subject_token(subject: &str) -> Option<TicketNumber> {
    let start = subject.find("[#")?;
    let rest = &subject[start + 2..];
    let end = rest.find(']')?;
    TicketNumber::parse(rest[..end].trim()).ok()
}

/// The ticket a plus-address of ours names, and the tag that signs it, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlusTag {
    pub number: TicketNumber,
    pub signature: Option<String>,
}

/// `support+hd1042@example.com` → HD-1042 and `support+hd1042-<tag>@example.com` → HD-1042
/// signed by `<tag>`, when `support@example.com` is ours.
pub fn plus_tag(address: &EmailAddress, ours: &[EmailAddress]) -> Option<PlusTag> {
    let normalized = address.normalized();
    let (local, domain) = normalized.rsplit_once('@')?;
    let (base, tag) = local.split_once('+')?;
    let base_address = format!("{base}@{domain}");
    if !ours.iter().any(|o| o.normalized() == base_address) {
        return None;
    }
    let rest = tag.strip_prefix("hd-").or_else(|| tag.strip_prefix("hd"))?;
    let (digits, signature) = match rest.split_once('-') {
        Some((digits, signature)) => (digits, Some(signature.to_owned()).filter(|s| !s.is_empty())),
        None => (rest, None),
    };
    let number = TicketNumber::parse(&format!("HD-{digits}")).ok()?;
    Some(PlusTag { number, signature })
}

fn strip_plus(address: &str) -> String {
    match address.rsplit_once('@') {
        Some((local, domain)) => format!("{}@{domain}", local.split('+').next().unwrap_or(local)),
        None => address.to_owned(),
    }
}

/// Customer HTML made safe to show: ammonia's defaults (no scripts, styles, event handlers or
/// unsafe links), no relative URLs (they would resolve against our own origin), `cid:` kept
/// only as an image source (so inline images can be pointed at their stored parts when the
/// message is read, and nothing else can point at a part), and remote images parked in
/// `data-remote-src` so opening the message loads nothing from the sender's servers.
pub fn sanitize_html(html: &str) -> String {
    let clean = ammonia::Builder::default()
        .add_url_schemes(["cid"])
        .url_relative(ammonia::UrlRelative::Deny)
        .attribute_filter(|element, attribute, value| {
            let cid = value
                .trim_start()
                .get(..4)
                .is_some_and(|s| s.eq_ignore_ascii_case("cid:"));
            (!cid || (element == "img" && attribute == "src")).then_some(value.into())
        })
        .clean(html)
        .to_string();
    super::files::block_remote_images(&clean)
}

/// Splits what the sender wrote from the history and signature below it, for display. The
/// full text is kept; this only decides what is shown first.
pub fn split_quoted(text: &str) -> (String, Option<String>) {
    let lines: Vec<&str> = text.lines().collect();
    let cut = lines
        .iter()
        .enumerate()
        .position(|(i, line)| starts_history(line, lines.get(i + 1).copied()));
    let Some(cut) = cut else {
        return (text.trim_end().to_owned(), None);
    };
    let visible = lines[..cut].join("\n").trim_end().to_owned();
    let quoted = lines[cut..].join("\n").trim().to_owned();
    if visible.trim().is_empty() {
        // Top-posting with nothing above: show everything rather than an empty message.
        return (text.trim_end().to_owned(), None);
    }
    (visible, (!quoted.is_empty()).then_some(quoted))
}

fn starts_history(line: &str, next: Option<&str>) -> bool {
    let t = line.trim();
    if t == "--" && line.trim_end_matches(' ') == "--" {
        return true; // the signature delimiter "-- "
    }
    if t.starts_with("-----Original Message-----")
        || t.starts_with("-----Původní zpráva-----")
        || t.starts_with("________________")
    {
        return true;
    }
    if t.starts_with('>') && next.is_none_or(|n| n.trim().is_empty() || n.trim_start().starts_with('>')) {
        return true;
    }
    // "On <date>, <name> wrote:" in English, Czech, Hungarian and Malay, possibly wrapped onto
    // the next line.
    let joined = match next {
        Some(n) => format!("{t} {}", n.trim()),
        None => t.to_owned(),
    };
    let wrote = |s: &str| {
        (s.starts_with("On ") && s.contains(" wrote:"))
            || (s.starts_with("Dne ") && s.contains("napsal"))
            || (s.contains(" írta") && s.ends_with(':'))
            || (s.starts_with("Pada ") && s.contains("menulis:"))
    };
    // Hungarian puts the name first ("Anna <a@x> ezt írta (időpont: …):"), so it may wrap anywhere.
    let hungarian = joined.contains(" írta") && joined.ends_with(':');
    (wrote(t) && t.ends_with(':'))
        || (wrote(&joined) && joined.ends_with(':') && t.starts_with(['O', 'D', 'P']))
        || hungarian
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitised_html_keeps_inline_images_and_nothing_dangerous() {
        let html =
            r#"<p onclick="x()">Hi<script>alert(1)</script><img src="cid:logo@x"><a href="javascript:x()">a</a></p>"#;
        let clean = sanitize_html(html);
        assert!(clean.contains(r#"<img src="cid:logo@x">"#), "{clean}");
        assert!(
            !clean.contains("script") && !clean.contains("onclick") && !clean.contains("javascript"),
            "{clean}"
        );
    }
    #[test]
    fn sanitised_html_links_parts_only_from_images_and_loads_nothing_remote() {
        let clean = sanitize_html(
            r#"<a href="cid:page@x">open</a><img src="cid:logo@x"><img src="https://track.example/p.gif?u=1&v=2" alt="logo"><img src="/api/v1/x"><img src="//cdn.example/a.png"><a href="https://example.com/">site</a>"#,
        );
        assert!(!clean.contains(r#"href="cid:"#), "{clean}");
        assert!(clean.contains(r#"<img src="cid:logo@x">"#), "{clean}");
        assert!(
            clean.contains(r#"<img data-remote-src="https://track.example/p.gif?u=1&amp;v=2" alt="logo">"#),
            "{clean}"
        );
        // Relative and protocol-relative sources would load from our origin or anywhere.
        assert!(
            !clean.contains("/api/v1/x") && !clean.contains("cdn.example"),
            "{clean}"
        );
        assert!(clean.contains(r#"href="https://example.com/""#), "{clean}");
        // No other way to make the browser fetch survives either.
        let fetchers = sanitize_html(
            r#"<table background="https://x.example/t.png"><tr><td background="https://x.example/d.png">a</td></tr></table><img srcset="https://x.example/s.png 1x"><div style="background:url(https://x.example/b.png)">b</div><picture><source srcset="https://x.example/p.png"></picture><video poster="https://x.example/v.png"></video><input type="image" src="https://x.example/i.png"><link rel="stylesheet" href="https://x.example/c.css"><meta http-equiv="refresh" content="0;url=https://x.example/"><iframe src="https://x.example/f"></iframe><object data="https://x.example/o"></object><embed src="https://x.example/e">"#,
        );
        assert!(!fetchers.contains("x.example"), "{fetchers}");
        // Only our own attribute carries remote addresses: a sender's is stripped.
        assert!(!sanitize_html(r#"<img data-remote-src="javascript:x()">"#).contains("javascript"));
    }

    use proptest::prelude::*;

    fn email(s: &str) -> EmailAddress {
        EmailAddress::parse(s).unwrap()
    }

    fn mail_from(from: &str) -> InboundMail {
        InboundMail {
            from: Some(Mailbox {
                name: None,
                email: email(from),
            }),
            ..Default::default()
        }
    }

    #[test]
    fn people_machines_bounces_and_ourselves() {
        let ours = [email("support@help.example.com")];
        assert_eq!(mail_from("jana@example.cz").kind(&ours), MailKind::Personal);
        assert_eq!(mail_from("Support@Help.Example.com").kind(&ours), MailKind::OwnOutbound);
        assert_eq!(mail_from("noreply@shop.example").kind(&ours), MailKind::Automated);
        let mut auto = mail_from("jana@example.cz");
        auto.signals.auto_submitted = Some("auto-replied".into());
        assert_eq!(auto.kind(&ours), MailKind::Automated);
        auto.signals.auto_submitted = Some("no".into());
        assert_eq!(auto.kind(&ours), MailKind::Personal);
        for precedence in ["bulk", "junk", "List"] {
            let mut m = mail_from("jana@example.cz");
            m.signals.precedence = Some(precedence.into());
            assert_eq!(m.kind(&ours), MailKind::Automated, "{precedence}");
        }
        let mut list = mail_from("jana@example.cz");
        list.signals.list_id = true;
        assert_eq!(list.kind(&ours), MailKind::Automated);
        let mut report = mail_from("mailer-daemon@mx.example");
        report.signals.report = true;
        assert_eq!(report.kind(&ours), MailKind::Bounce);
    }

    #[test]
    fn hints_come_in_order_of_strength() {
        let ours = [email("support@help.example.com")];
        let mut m = mail_from("jana@example.cz");
        m.in_reply_to = vec!["b@x".into()];
        m.references = vec!["a@x".into(), "b@x".into()];
        m.subject = "Re: [#HD-1042] Printer".into();
        m.to = vec![Mailbox {
            name: None,
            email: email("support+hd1043@help.example.com"),
        }];
        assert_eq!(
            m.thread_hints(&ours),
            [
                ThreadHint::MessageId("b@x".into()),
                ThreadHint::MessageId("a@x".into()),
                ThreadHint::Number(TicketNumber::new(1042)),
                ThreadHint::Number(TicketNumber::new(1043)),
            ]
        );
    }

    #[test]
    fn plus_addresses_only_count_on_our_addresses() {
        let ours = [email("support@help.example.com")];
        let number = |a: &str| plus_tag(&email(a), &ours).map(|t| t.number);
        assert_eq!(number("support+hd7@help.example.com"), Some(TicketNumber::new(7)));
        assert_eq!(number("someone+hd7@help.example.com"), None);
        assert_eq!(number("support+news@help.example.com"), None);
        assert_eq!(
            plus_tag(&email("Support+HD7-00AA11bb22cc@help.example.com"), &ours),
            Some(PlusTag {
                number: TicketNumber::new(7),
                signature: Some("00aa11bb22cc".into())
            }),
            "a signed reply address, its case folded"
        );
        assert_eq!(
            plus_tag(&email("support+hd7-@help.example.com"), &ours)
                .unwrap()
                .signature,
            None
        );
    }

    #[test]
    fn signed_reply_addresses_come_first() {
        let ours = [email("support@help.example.com")];
        let mut m = mail_from("jana@example.cz");
        m.in_reply_to = vec!["b@x".into()];
        m.subject = "Re: [#HD-1042] Printer".into();
        m.to = vec![Mailbox {
            name: None,
            email: email("support+hd1042-abcdef012345@help.example.com"),
        }];
        assert_eq!(
            m.thread_hints(&ours),
            [
                ThreadHint::Signed {
                    number: TicketNumber::new(1042),
                    signature: "abcdef012345".into()
                },
                ThreadHint::MessageId("b@x".into()),
                ThreadHint::Number(TicketNumber::new(1042)),
            ]
        );
    }

    #[test]
    fn only_ses_s_own_authentication_results_count() {
        let ses = Authentication::parse(
            "amazonses.com;\r\n spf=pass (spfCheck: domain of example.cz designates 192.0.2.1 as permitted sender) client-ip=192.0.2.1; envelope-from=jana@example.cz; helo=mx.example.cz;\r\n dkim=pass header.i=@example.cz;\r\n dmarc=pass header.from=example.cz;",
        );
        assert_eq!(
            ses,
            Authentication {
                spf: AuthVerdict::Pass,
                dkim: AuthVerdict::Pass,
                dmarc: AuthVerdict::Pass
            }
        );
        assert!(!ses.from_is_forged());
        let forged = Authentication::parse("amazonses.com; spf=fail; dkim=none; dmarc=fail header.from=bank.example;");
        assert!(forged.from_is_forged());
        let no_dmarc = Authentication::parse("amazonses.com; spf=fail; dkim=none; dmarc=none;");
        assert!(no_dmarc.from_is_forged(), "SPF fails and nothing else vouches");
        let forwarded = Authentication::parse("amazonses.com; spf=fail; dkim=pass header.i=@example.cz; dmarc=none;");
        assert!(!forwarded.from_is_forged(), "DKIM survives forwarding");
        let softfail = Authentication::parse("amazonses.com; spf=softfail; dkim=none; dmarc=none;");
        assert!(!softfail.from_is_forged());
        // Written by the sender, not by SES.
        let claimed = Authentication::parse("mx.evil.example; spf=pass; dkim=pass; dmarc=pass");
        assert_eq!(claimed, Authentication::default());
        assert!(
            !Authentication::default().from_is_forged(),
            "no verdict is not a failure"
        );
    }

    #[test]
    fn the_support_address_is_found_through_plus_addressing() {
        let ours = [email("support@help.example.com"), email("billing@help.example.com")];
        let mut m = mail_from("jana@example.cz");
        m.to = vec![Mailbox {
            name: None,
            email: email("Billing+hd9@help.example.com"),
        }];
        assert_eq!(m.addressed_to(&ours), [&ours[1]]);
    }

    #[test]
    fn subject_tokens() {
        assert_eq!(subject_token("Re: [#HD-12] x"), Some(TicketNumber::new(12)));
        assert_eq!(subject_token("[#hd-12]"), Some(TicketNumber::new(12)));
        assert_eq!(subject_token("[#HD-x]"), None);
        assert_eq!(subject_token("HD-12"), None);
    }

    #[test]
    fn quoted_history_is_split_off() {
        let (visible, quoted) = split_quoted(
            "Thanks, that worked.\n\nOn Mon, 23 Nov 2026 at 10:00, Ann <ann@x.com> wrote:\n> Try turning it off.\n",
        );
        assert_eq!(visible, "Thanks, that worked.");
        assert!(quoted.unwrap().starts_with("On Mon"));
        let (visible, quoted) =
            split_quoted("Díky.\n\nDne po 23. 11. 2026 v 10:00 Ann napsal(a):\n> Zkuste to vypnout.");
        assert_eq!(visible, "Díky.");
        assert!(quoted.is_some());
        let (visible, quoted) = split_quoted("Hi\n-- \nJana Nováková\nACME");
        assert_eq!(
            (visible.as_str(), quoted.as_deref()),
            ("Hi", Some("-- \nJana Nováková\nACME"))
        );
        let (visible, quoted) = split_quoted("Hello\n\n-----Original Message-----\nFrom: x");
        assert_eq!((visible.as_str(), quoted.is_some()), ("Hello", true));
        let (visible, quoted) = split_quoted("> only a quote\n> nothing else");
        assert_eq!((visible.as_str(), quoted), ("> only a quote\n> nothing else", None));
        assert_eq!(split_quoted("a > b is fine\nsecond line").1, None);
    }

    proptest! {
        #[test]
        fn splitting_loses_nothing(text in "(?s).{0,400}") {
            let (visible, quoted) = split_quoted(&text);
            let rejoined = format!("{visible}{}", quoted.unwrap_or_default());
            let letters = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
            prop_assert_eq!(letters(&rejoined), letters(&text));
        }
    }
}
