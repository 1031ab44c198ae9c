//! The notification mails Lambdesk sends, as templates with placeholders: shipped in English,
//! Czech, Hungarian and Malay and chosen by the contact's language.
//!
//! Pure: templates come in as strings and mails go out as strings. The rules hold for shipped
//! defaults and for sources an admin supplies alike:
//!
//! - placeholders are strict: a template naming a variable the context does not have is an error;
//! - the subject is one line (control characters and line breaks become spaces) of at most
//!   [`MAX_SUBJECT_CHARS`] characters, so no value can inject a header;
//! - the text renders without escaping, and the HTML part is derived from the rendered text with
//!   every line escaped, so nothing in a value can become markup;
//! - sources are small ([`MAX_SUBJECT_SOURCE_BYTES`], [`MAX_TEXT_SOURCE_BYTES`]), recursion is
//!   limited and `range` is not available. MiniJinja's fuel limit needs its `fuel` feature, which
//!   the workspace does not enable; until it does, a hostile template with nested loops over long
//!   values can still run long, so only admins may supply sources.
//!
//! The ticket token (`[#HD-1042]`) is not part of any template: the mail composer adds it.
//!
//! Variables a template may use are the fields of [`TemplateContext`]; the filter `quote` prefixes
//! every line of a text with `> `.

use minijinja::{AutoEscape, Environment, UndefinedBehavior};
use serde::{Deserialize, Serialize};

use super::contact::Language;
use super::error::DomainError;

/// The longest subject a rendered mail may have, in characters.
pub const MAX_SUBJECT_CHARS: usize = 250;
/// The largest subject template accepted, in bytes.
pub const MAX_SUBJECT_SOURCE_BYTES: usize = 1_000;
/// The largest text template accepted, in bytes.
pub const MAX_TEXT_SOURCE_BYTES: usize = 20_000;
/// How deep a template may nest (blocks, loops, macros); MiniJinja's default is 500.
const RECURSION_LIMIT: usize = 50;

/// The languages templates ship in; the first is the fallback.
pub const SHIPPED_LANGUAGES: [&str; 4] = ["en", "cs", "hu", "ms"];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TemplateKind {
    /// To the customer when a new ticket is opened.
    Acknowledgement,
    /// An agent's public reply, sent to the customer.
    AgentReply,
    /// To the assigned agent when the customer replied.
    CustomerReplied,
    /// To the department lead when a rule escalated a ticket.
    Escalated,
    /// To the department lead when a ticket became urgent.
    UrgentTicket,
}

impl TemplateKind {
    pub const ALL: [TemplateKind; 5] = [
        Self::Acknowledgement,
        Self::AgentReply,
        Self::CustomerReplied,
        Self::Escalated,
        Self::UrgentTicket,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Acknowledgement => "acknowledgement",
            Self::AgentReply => "agent_reply",
            Self::CustomerReplied => "customer_replied",
            Self::Escalated => "escalated",
            Self::UrgentTicket => "urgent_ticket",
        }
    }
}

/// What a template can say. Blank optional values count as missing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TemplateContext {
    /// The customer's name, if known.
    pub contact_name: Option<String>,
    /// `HD-1042`.
    pub ticket_number: String,
    pub ticket_subject: String,
    /// The replying agent, if known.
    pub agent_name: Option<String>,
    /// The department's name, e.g. "Customer Support".
    pub team_name: String,
    /// AgentReply: the agent's text; CustomerReplied: the customer's text.
    pub body: Option<String>,
    /// A link where the customer follows the ticket.
    pub status_link: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedMail {
    pub subject: String,
    pub text: String,
    pub html: String,
}

#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("template {kind}/{language}: {message}")]
    Render {
        kind: &'static str,
        language: &'static str,
        message: String,
    },
}

/// The shipped language for a contact language: "cs", "cs-CZ" -> "cs"; hu, ms likewise; anything
/// else or None -> "en".
pub fn shipped_language(language: Option<&Language>) -> &'static str {
    let primary = language
        .and_then(|language| language.as_str().split('-').next())
        .unwrap_or_default();
    SHIPPED_LANGUAGES
        .into_iter()
        .find(|shipped| shipped.eq_ignore_ascii_case(primary))
        .unwrap_or(SHIPPED_LANGUAGES[0])
}

/// Renders a shipped default.
pub fn render(
    kind: TemplateKind,
    language: Option<&Language>,
    context: &TemplateContext,
) -> Result<RenderedMail, TemplateError> {
    let language = shipped_language(language);
    let error = |message: String| TemplateError::Render {
        kind: kind.as_str(),
        language,
        message,
    };
    let (subject, text) = default_source(kind, language).ok_or_else(|| error("no shipped template".to_owned()))?;
    let (subject, text) = render_parts(subject, text, context).map_err(error)?;
    let html = text_to_html(&subject, &text, Some(language));
    Ok(RenderedMail { subject, text, html })
}

/// Renders template sources an admin supplied, under the same rules as the shipped ones;
/// `language` is the HTML part's `lang`.
pub fn render_source(
    subject: &str,
    text: &str,
    language: Option<&str>,
    context: &TemplateContext,
) -> Result<RenderedMail, TemplateError> {
    let error = |message: String| TemplateError::Render {
        kind: "custom",
        language: "custom",
        message,
    };
    if subject.len() > MAX_SUBJECT_SOURCE_BYTES {
        return Err(error(format!(
            "the subject template is longer than {MAX_SUBJECT_SOURCE_BYTES} bytes"
        )));
    }
    if text.len() > MAX_TEXT_SOURCE_BYTES {
        return Err(error(format!(
            "the text template is longer than {MAX_TEXT_SOURCE_BYTES} bytes"
        )));
    }
    let (subject, text) = render_parts(subject, text, context).map_err(error)?;
    let html = text_to_html(&subject, &text, language);
    Ok(RenderedMail { subject, text, html })
}

/// Checks an admin's sources before they are stored: each part within its size, and both
/// rendering without error for a context with every value and for one with only the required
/// ones. The error names the part (`subject` or `text`) and says what is wrong.
pub fn check_sources(subject: &str, text: &str) -> Result<(), DomainError> {
    if subject.trim().is_empty() {
        return Err(DomainError::invalid("subject", "must not be empty"));
    }
    if text.trim().is_empty() {
        return Err(DomainError::invalid("text", "must not be empty"));
    }
    if subject.len() > MAX_SUBJECT_SOURCE_BYTES {
        return Err(DomainError::invalid(
            "subject",
            format!("must be at most {MAX_SUBJECT_SOURCE_BYTES} bytes"),
        ));
    }
    if text.len() > MAX_TEXT_SOURCE_BYTES {
        return Err(DomainError::invalid(
            "text",
            format!("must be at most {MAX_TEXT_SOURCE_BYTES} bytes"),
        ));
    }
    let full = TemplateContext {
        contact_name: Some("Jana Nováková".into()),
        ticket_number: "HD-1042".into(),
        ticket_subject: "Printer on fire".into(),
        agent_name: Some("Petr Svoboda".into()),
        team_name: "Customer Support".into(),
        body: Some("Hello,\nthank you.".into()),
        status_link: Some("https://help.example.com/portal/token".into()),
    };
    let bare = TemplateContext {
        contact_name: None,
        agent_name: None,
        body: None,
        status_link: None,
        ..full.clone()
    };
    let env = environment();
    for context in [full, bare] {
        let context = context.normalized();
        for (field, source) in [("subject", subject), ("text", text)] {
            env.render_named_str(field, source, &context)
                .map_err(|e| DomainError::invalid(field, describe(&e)))?;
        }
    }
    Ok(())
}

/// MiniJinja's error without the template dump, with the line when it knows one.
fn describe(error: &minijinja::Error) -> String {
    let what = match error.detail() {
        Some(detail) => format!("{}: {detail}", error.kind()),
        None => error.kind().to_string(),
    };
    match error.line() {
        Some(line) => format!("line {line}: {what}"),
        None => what,
    }
}

/// The shipped (subject template, text template) for a kind in a shipped language ("en", "cs",
/// "hu", "ms"); None for any other language.
pub fn default_source(kind: TemplateKind, language: &str) -> Option<(&'static str, &'static str)> {
    use TemplateKind::*;
    let source = match (kind, language) {
        (Acknowledgement, "en") => (EN_ACK_SUBJECT, EN_ACK_TEXT),
        (Acknowledgement, "cs") => (CS_ACK_SUBJECT, CS_ACK_TEXT),
        (Acknowledgement, "hu") => (HU_ACK_SUBJECT, HU_ACK_TEXT),
        (Acknowledgement, "ms") => (MS_ACK_SUBJECT, MS_ACK_TEXT),
        (AgentReply, "en") => (REPLY_SUBJECT, EN_REPLY_TEXT),
        (AgentReply, "cs") => (REPLY_SUBJECT, CS_REPLY_TEXT),
        (AgentReply, "hu") => (REPLY_SUBJECT, HU_REPLY_TEXT),
        (AgentReply, "ms") => (REPLY_SUBJECT, MS_REPLY_TEXT),
        (CustomerReplied, "en") => (EN_CUSTOMER_SUBJECT, EN_CUSTOMER_TEXT),
        (CustomerReplied, "cs") => (CS_CUSTOMER_SUBJECT, CS_CUSTOMER_TEXT),
        (CustomerReplied, "hu") => (HU_CUSTOMER_SUBJECT, HU_CUSTOMER_TEXT),
        (CustomerReplied, "ms") => (MS_CUSTOMER_SUBJECT, MS_CUSTOMER_TEXT),
        (Escalated, "en") => (EN_ESCALATED_SUBJECT, EN_ESCALATED_TEXT),
        (Escalated, "cs") => (CS_ESCALATED_SUBJECT, CS_ESCALATED_TEXT),
        (Escalated, "hu") => (HU_ESCALATED_SUBJECT, HU_ESCALATED_TEXT),
        (Escalated, "ms") => (MS_ESCALATED_SUBJECT, MS_ESCALATED_TEXT),
        (UrgentTicket, "en") => (EN_URGENT_SUBJECT, EN_URGENT_TEXT),
        (UrgentTicket, "cs") => (CS_URGENT_SUBJECT, CS_URGENT_TEXT),
        (UrgentTicket, "hu") => (HU_URGENT_SUBJECT, HU_URGENT_TEXT),
        (UrgentTicket, "ms") => (MS_URGENT_SUBJECT, MS_URGENT_TEXT),
        _ => return None,
    };
    Some(source)
}

// Shipped templates. Block tags stand on their own lines (`trim_blocks` and `lstrip_blocks` are
// on), so a missing optional value leaves no stray blank line.
//
// The acknowledgement's subject names the ticket's subject only when there is one: an
// acknowledgement to an address nobody proved (a contact form's) is rendered with it blank, so
// the form cannot make us mail a stranger's words (see `EventReactor::acknowledge`).
//
// Czech greets with "Dobrý den," only: a name would need the vocative ("Jano"), which cannot be
// derived reliably, and the agent notification avoids past-tense verbs that need a gender.

const EN_ACK_SUBJECT: &str = "We received your request{% if ticket_subject %}: {{ ticket_subject }}{% endif %}";
const EN_ACK_TEXT: &str = "\
Hello{% if contact_name %} {{ contact_name }}{% endif %},

Thank you for contacting us. We have received your request and registered it under number \
{{ ticket_number }}. We will reply as soon as we can.

If you would like to add any information, simply reply to this email.

{% if status_link %}
You can follow your request here: {{ status_link }}

{% endif %}
Kind regards,
{{ team_name }}
";

const CS_ACK_SUBJECT: &str = "Váš požadavek jsme přijali{% if ticket_subject %}: {{ ticket_subject }}{% endif %}";
const CS_ACK_TEXT: &str = "\
Dobrý den,

děkujeme, že jste nás kontaktovali. Váš požadavek jsme přijali pod číslem {{ ticket_number }} \
a odpovíme Vám co nejdříve.

Pokud chcete cokoli doplnit, stačí odpovědět na tento e-mail.

{% if status_link %}
Stav požadavku můžete sledovat zde: {{ status_link }}

{% endif %}
S pozdravem
{{ team_name }}
";

const HU_ACK_SUBJECT: &str = "Megkaptuk kérését{% if ticket_subject %}: {{ ticket_subject }}{% endif %}";
const HU_ACK_TEXT: &str = "\
Tisztelt {% if contact_name %}{{ contact_name }}{% else %}Ügyfelünk{% endif %}!

Köszönjük, hogy felvette velünk a kapcsolatot. Megkaptuk kérését, amelyet a következő számon \
rögzítettünk: {{ ticket_number }}. Hamarosan válaszolunk.

Ha további információval szeretné kiegészíteni kérését, egyszerűen válaszoljon erre az e-mailre.

{% if status_link %}
Kérése állapotát itt követheti: {{ status_link }}

{% endif %}
Üdvözlettel:
{{ team_name }}
";

const MS_ACK_SUBJECT: &str =
    "Kami telah menerima permintaan anda{% if ticket_subject %}: {{ ticket_subject }}{% endif %}";
const MS_ACK_TEXT: &str = "\
Salam{% if contact_name %} {{ contact_name }}{% else %} sejahtera{% endif %},

Terima kasih kerana menghubungi kami. Kami telah menerima permintaan anda dan merekodkannya \
dengan nombor tiket {{ ticket_number }}. Kami akan membalas secepat mungkin.

Jika anda ingin menambah sebarang maklumat, balas sahaja e-mel ini.

{% if status_link %}
Anda boleh mengikuti status permintaan anda di sini: {{ status_link }}

{% endif %}
Salam hormat,
{{ team_name }}
";

/// "Re:" is what mail clients thread on, in every shipped language.
const REPLY_SUBJECT: &str = "Re: {{ ticket_subject }}";

const EN_REPLY_TEXT: &str = "\
{% if body %}
{{ body }}

{% endif %}
{% if agent_name %}
{{ agent_name }}
{% endif %}
{{ team_name }}
Ticket {{ ticket_number }}
{% if status_link %}
Follow your request: {{ status_link }}
{% endif %}
";

const CS_REPLY_TEXT: &str = "\
{% if body %}
{{ body }}

{% endif %}
{% if agent_name %}
{{ agent_name }}
{% endif %}
{{ team_name }}
Požadavek č. {{ ticket_number }}
{% if status_link %}
Stav požadavku: {{ status_link }}
{% endif %}
";

const HU_REPLY_TEXT: &str = "\
{% if body %}
{{ body }}

{% endif %}
{% if agent_name %}
{{ agent_name }}
{% endif %}
{{ team_name }}
Kérés száma: {{ ticket_number }}
{% if status_link %}
Kérése állapota: {{ status_link }}
{% endif %}
";

const MS_REPLY_TEXT: &str = "\
{% if body %}
{{ body }}

{% endif %}
{% if agent_name %}
{{ agent_name }}
{% endif %}
{{ team_name }}
Tiket {{ ticket_number }}
{% if status_link %}
Status permintaan anda: {{ status_link }}
{% endif %}
";

const EN_ESCALATED_SUBJECT: &str = "Escalated: {{ ticket_number }} {{ ticket_subject }}";
const EN_ESCALATED_TEXT: &str = "\
Ticket {{ ticket_number }} ({{ ticket_subject }}) was escalated to a higher support level and needs your attention.

Team: {{ team_name }}
";
const CS_ESCALATED_SUBJECT: &str = "Eskalováno: {{ ticket_number }} {{ ticket_subject }}";
const CS_ESCALATED_TEXT: &str = "\
Požadavek {{ ticket_number }} ({{ ticket_subject }}) byl eskalován na vyšší úroveň podpory a vyžaduje Vaši pozornost.

Tým: {{ team_name }}
";
const HU_ESCALATED_SUBJECT: &str = "Eszkalálva: {{ ticket_number }} {{ ticket_subject }}";
const HU_ESCALATED_TEXT: &str = "\
A(z) {{ ticket_number }} számú kérés ({{ ticket_subject }}) magasabb támogatási szintre került, és az Ön figyelmét igényli.

Csapat: {{ team_name }}
";
const MS_ESCALATED_SUBJECT: &str = "Dieskalasi: {{ ticket_number }} {{ ticket_subject }}";
const MS_ESCALATED_TEXT: &str = "\
Tiket {{ ticket_number }} ({{ ticket_subject }}) telah dieskalasi ke tahap sokongan yang lebih tinggi dan memerlukan perhatian anda.

Pasukan: {{ team_name }}
";

const EN_URGENT_SUBJECT: &str = "Urgent: {{ ticket_number }} {{ ticket_subject }}";
const EN_URGENT_TEXT: &str = "\
Ticket {{ ticket_number }} ({{ ticket_subject }}) is now urgent.

Team: {{ team_name }}
";
const CS_URGENT_SUBJECT: &str = "Naléhavé: {{ ticket_number }} {{ ticket_subject }}";
const CS_URGENT_TEXT: &str = "\
Požadavek {{ ticket_number }} ({{ ticket_subject }}) je nyní naléhavý.

Tým: {{ team_name }}
";
const HU_URGENT_SUBJECT: &str = "Sürgős: {{ ticket_number }} {{ ticket_subject }}";
const HU_URGENT_TEXT: &str = "\
A(z) {{ ticket_number }} számú kérés ({{ ticket_subject }}) mostantól sürgős.

Csapat: {{ team_name }}
";
const MS_URGENT_SUBJECT: &str = "Segera: {{ ticket_number }} {{ ticket_subject }}";
const MS_URGENT_TEXT: &str = "\
Tiket {{ ticket_number }} ({{ ticket_subject }}) kini segera.

Pasukan: {{ team_name }}
";

const EN_CUSTOMER_SUBJECT: &str = "{% if contact_name %}{{ contact_name }}{% else %}The customer{% endif %} replied to {{ ticket_number }}: \
{{ ticket_subject }}";
const EN_CUSTOMER_TEXT: &str = "\
{% if contact_name %}{{ contact_name }}{% else %}The customer{% endif %} replied to ticket {{ ticket_number }} \
({{ ticket_subject }}):

{% if body %}
{{ body | quote }}
{% else %}
(The message has no text.)
{% endif %}

Team: {{ team_name }}
";

const CS_CUSTOMER_SUBJECT: &str = "\
{% if contact_name %}{{ contact_name }} – nová odpověď{% else %}Nová odpověď zákazníka{% endif %} k {{ ticket_number }}: \
{{ ticket_subject }}";
const CS_CUSTOMER_TEXT: &str = "\
K požadavku {{ ticket_number }} („{{ ticket_subject }}“) přišla nová odpověď od zákazníka.
{% if contact_name %}
Zákazník: {{ contact_name }}
{% endif %}

{% if body %}
{{ body | quote }}
{% else %}
(Zpráva neobsahuje žádný text.)
{% endif %}

Tým: {{ team_name }}
";

const HU_CUSTOMER_SUBJECT: &str = "\
{% if contact_name %}{{ contact_name }}{% else %}Az ügyfél{% endif %} válaszolt ({{ ticket_number }}): \
{{ ticket_subject }}";
const HU_CUSTOMER_TEXT: &str = "\
{% if contact_name %}{{ contact_name }}{% else %}Az ügyfél{% endif %} válaszolt a következő kérésre: \
{{ ticket_number }} – {{ ticket_subject }}

{% if body %}
{{ body | quote }}
{% else %}
(Az üzenet nem tartalmaz szöveget.)
{% endif %}

Csapat: {{ team_name }}
";

const MS_CUSTOMER_SUBJECT: &str = "\
{% if contact_name %}{{ contact_name }}{% else %}Pelanggan{% endif %} telah membalas {{ ticket_number }}: \
{{ ticket_subject }}";
const MS_CUSTOMER_TEXT: &str = "\
{% if contact_name %}{{ contact_name }}{% else %}Pelanggan{% endif %} telah membalas tiket {{ ticket_number }} \
({{ ticket_subject }}):

{% if body %}
{{ body | quote }}
{% else %}
(Mesej ini tidak mengandungi teks.)
{% endif %}

Pasukan: {{ team_name }}
";

/// One environment per render: strict, unescaped (the text part is plain text), shallow.
fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_auto_escape_callback(|_| AutoEscape::None);
    env.set_recursion_limit(RECURSION_LIMIT);
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    // `range` is the one way to loop over something no value put there.
    env.remove_global("range");
    env.add_filter("quote", quote);
    env
}

/// Prefixes every line with `> `, the way mail quotes.
fn quote(text: String) -> String {
    text.lines()
        .map(|line| {
            if line.is_empty() {
                ">".to_owned()
            } else {
                format!("> {line}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Renders subject and text, then makes the subject one safe line and tidies the text.
fn render_parts(subject: &str, text: &str, context: &TemplateContext) -> Result<(String, String), String> {
    let env = environment();
    let context = context.normalized();
    let subject = env
        .render_named_str("subject", subject, &context)
        .map_err(|error| error.to_string())?;
    let text = env
        .render_named_str("text", text, &context)
        .map_err(|error| error.to_string())?;
    Ok((one_line(&subject), tidy_text(&text)))
}

impl TemplateContext {
    /// Optional values that are blank become missing, so "Hello ," never happens.
    fn normalized(&self) -> Self {
        fn present(value: &Option<String>) -> Option<String> {
            value
                .as_deref()
                .filter(|value| !value.trim().is_empty())
                .map(str::to_owned)
        }
        Self {
            contact_name: present(&self.contact_name).map(|name| name.trim().to_owned()),
            ticket_number: self.ticket_number.clone(),
            ticket_subject: self.ticket_subject.clone(),
            agent_name: present(&self.agent_name).map(|name| name.trim().to_owned()),
            team_name: self.team_name.clone(),
            body: present(&self.body),
            status_link: present(&self.status_link).map(|link| link.trim().to_owned()),
        }
    }
}

/// Control characters (CR and LF among them) and Unicode line breaks become spaces, runs of
/// whitespace one space; at most [`MAX_SUBJECT_CHARS`] characters, cut ones ending in "…".
fn one_line(subject: &str) -> String {
    let spaced: String = subject
        .chars()
        .map(|c| {
            if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') {
                ' '
            } else {
                c
            }
        })
        .collect();
    let line = spaced.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() <= MAX_SUBJECT_CHARS {
        return line;
    }
    let cut: String = line.chars().take(MAX_SUBJECT_CHARS - 1).collect();
    format!("{}…", cut.trim_end())
}

/// Line breaks become `\n`, other control characters but tab go, runs of blank lines become one,
/// leading and trailing blank lines go, and the text ends with one newline.
fn tidy_text(text: &str) -> String {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let mut out = String::with_capacity(text.len() + 1);
    let mut pending_blank = false;
    for line in text.split('\n') {
        let line: String = line.chars().filter(|&c| c == '\t' || !c.is_control()).collect();
        if line.trim().is_empty() {
            pending_blank = !out.is_empty();
            continue;
        }
        if pending_blank {
            out.push('\n');
            pending_blank = false;
        }
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// A minimal HTML document for the text: blank lines separate paragraphs, single line breaks
/// become `<br>`, and every line is escaped.
fn text_to_html(subject: &str, text: &str, language: Option<&str>) -> String {
    const BODY_STYLE: &str = "margin:0;padding:16px;background-color:#ffffff;color:#1f2933;\
font-family:Arial,Helvetica,sans-serif;font-size:14px;line-height:1.5";
    const P_STYLE: &str = "margin:0 0 1em 0";

    let mut paragraphs: Vec<Vec<&str>> = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            if !current.is_empty() {
                paragraphs.push(std::mem::take(&mut current));
            }
        } else {
            current.push(line);
        }
    }
    if !current.is_empty() {
        paragraphs.push(current);
    }

    let lang = language
        .map(|language| format!(" lang=\"{}\"", escape_html(language)))
        .unwrap_or_default();
    let mut html = format!(
        "<!DOCTYPE html>\n<html{lang}>\n<head>\n<meta charset=\"utf-8\">\n\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n</head>\n\
<body style=\"{BODY_STYLE}\">\n",
        escape_html(subject)
    );
    for paragraph in paragraphs {
        let lines: Vec<String> = paragraph.into_iter().map(escape_html).collect();
        html.push_str(&format!("<p style=\"{P_STYLE}\">{}</p>\n", lines.join("<br>\n")));
    }
    html.push_str("</body>\n</html>\n");
    html
}

fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn full() -> TemplateContext {
        TemplateContext {
            contact_name: Some("Jana Nováková".to_owned()),
            ticket_number: "HD-1042".to_owned(),
            ticket_subject: "Printer is broken".to_owned(),
            agent_name: Some("Petr Svoboda".to_owned()),
            team_name: "Customer Support".to_owned(),
            body: Some("First line\nsecond line\n\nNew paragraph".to_owned()),
            status_link: Some("https://help.example.com/t/abc".to_owned()),
        }
    }

    fn bare() -> TemplateContext {
        TemplateContext {
            ticket_number: "HD-1042".to_owned(),
            ticket_subject: "Printer is broken".to_owned(),
            team_name: "Customer Support".to_owned(),
            ..TemplateContext::default()
        }
    }

    fn lang(text: &str) -> Language {
        Language::parse(text).unwrap()
    }

    fn render_in(kind: TemplateKind, language: &str, context: &TemplateContext) -> RenderedMail {
        render(kind, Some(&lang(language)), context)
            .unwrap_or_else(|error| panic!("{}/{language}: {error}", kind.as_str()))
    }

    #[test]
    fn every_kind_and_language_renders_with_and_without_optional_values() {
        for kind in TemplateKind::ALL {
            for language in SHIPPED_LANGUAGES {
                assert!(default_source(kind, language).is_some());
                for (label, context) in [("full", full()), ("bare", bare())] {
                    let mail = render_in(kind, language, &context);
                    let at = format!("{}/{language}/{label}", kind.as_str());
                    assert!(mail.subject.contains("Printer is broken"), "{at}: {}", mail.subject);
                    assert!(mail.text.contains("HD-1042"), "{at}: {}", mail.text);
                    assert!(mail.text.contains("Customer Support"), "{at}: {}", mail.text);
                    assert!(mail.html.contains("HD-1042"), "{at}");
                    assert!(!mail.subject.contains("[#"), "{at}: the composer adds the token");
                    for part in [&mail.subject, &mail.text] {
                        assert!(!part.contains("{{") && !part.contains("{%"), "{at}: {part}");
                        assert!(!part.to_lowercase().contains("none"), "{at}: {part}");
                        assert!(!part.contains("\n\n\n"), "{at}: {part:?}");
                        assert!(!part.starts_with(char::is_whitespace), "{at}: {part:?}");
                    }
                    assert!(mail.text.ends_with('\n') && !mail.text.ends_with("\n\n"), "{at}");
                    assert!(
                        !mail.text.lines().any(|line| line.ends_with(' ')),
                        "{at}: {:?}",
                        mail.text
                    );
                    if label == "full" {
                        assert!(mail.text.contains("Customer Support"), "{at}");
                        // The mails to agents carry no customer link.
                        let link = matches!(kind, TemplateKind::Acknowledgement | TemplateKind::AgentReply);
                        assert_eq!(mail.text.contains("https://help.example.com/t/abc"), link, "{at}");
                        if kind == TemplateKind::AgentReply {
                            assert!(mail.text.contains("Petr Svoboda"), "{at}");
                        }
                        if matches!(kind, TemplateKind::AgentReply | TemplateKind::CustomerReplied) {
                            assert!(mail.text.contains("second line"), "{at}");
                        }
                    } else {
                        assert!(!mail.text.contains("https://"), "{at}");
                    }
                }
            }
        }
    }

    #[test]
    fn greetings_read_naturally_with_and_without_a_name() {
        let expected = [
            ("en", "Hello Jana Nováková,", "Hello,"),
            ("cs", "Dobrý den,", "Dobrý den,"),
            ("hu", "Tisztelt Jana Nováková!", "Tisztelt Ügyfelünk!"),
            ("ms", "Salam Jana Nováková,", "Salam sejahtera,"),
        ];
        for (language, named, unnamed) in expected {
            let first = |context: &TemplateContext| {
                let mail = render_in(TemplateKind::Acknowledgement, language, context);
                mail.text.lines().next().unwrap().to_owned()
            };
            assert_eq!(first(&full()), named);
            assert_eq!(first(&bare()), unnamed);
        }
        let blank_name = TemplateContext {
            contact_name: Some("  ".to_owned()),
            ..bare()
        };
        assert_eq!(first_line(TemplateKind::Acknowledgement, "en", &blank_name), "Hello,");
    }

    #[test]
    fn an_acknowledgement_without_a_subject_says_only_that_it_was_received() {
        let anonymous = TemplateContext {
            ticket_subject: String::new(),
            ..bare()
        };
        let expected = [
            ("en", "We received your request"),
            ("cs", "Váš požadavek jsme přijali"),
            ("hu", "Megkaptuk kérését"),
            ("ms", "Kami telah menerima permintaan anda"),
        ];
        for (language, subject) in expected {
            let ack = render_in(TemplateKind::Acknowledgement, language, &anonymous);
            assert_eq!(ack.subject, subject, "{language}");
            assert!(ack.text.contains("HD-1042"), "{language}");
        }
    }

    fn first_line(kind: TemplateKind, language: &str, context: &TemplateContext) -> String {
        render_in(kind, language, context)
            .text
            .lines()
            .next()
            .unwrap()
            .to_owned()
    }

    #[test]
    fn shipped_texts_say_what_the_brief_asks() {
        let ack = render_in(TemplateKind::Acknowledgement, "cs", &full());
        assert_eq!(ack.subject, "Váš požadavek jsme přijali: Printer is broken");
        assert!(ack.text.contains("Váš požadavek jsme přijali pod číslem HD-1042"));
        assert!(ack.text.ends_with("S pozdravem\nCustomer Support\n"));

        let ack = render_in(TemplateKind::Acknowledgement, "hu", &bare());
        assert!(ack.text.contains("Megkaptuk kérését"));
        let ack = render_in(TemplateKind::Acknowledgement, "ms", &bare());
        assert!(ack.text.contains("Kami telah menerima permintaan anda"));

        let reply = render_in(TemplateKind::AgentReply, "en", &full());
        assert_eq!(reply.subject, "Re: Printer is broken");
        assert_eq!(
            reply.text,
            "First line\nsecond line\n\nNew paragraph\n\nPetr Svoboda\nCustomer Support\nTicket HD-1042\n\
Follow your request: https://help.example.com/t/abc\n"
        );
        let reply = render_in(TemplateKind::AgentReply, "cs", &bare());
        assert_eq!(reply.text, "Customer Support\nPožadavek č. HD-1042\n");

        let replied = render_in(TemplateKind::CustomerReplied, "en", &full());
        assert_eq!(replied.subject, "Jana Nováková replied to HD-1042: Printer is broken");
        assert!(
            replied
                .text
                .contains("> First line\n> second line\n>\n> New paragraph\n")
        );
        let replied = render_in(TemplateKind::CustomerReplied, "en", &bare());
        assert_eq!(replied.subject, "The customer replied to HD-1042: Printer is broken");
        assert!(replied.text.starts_with("The customer replied to ticket HD-1042"));
    }

    #[test]
    fn markup_in_a_body_is_escaped_in_html_and_intact_in_text() {
        let context = TemplateContext {
            body: Some("<script>alert(1)</script>\na < b & c".to_owned()),
            ticket_subject: "<b>bold</b>".to_owned(),
            ..full()
        };
        for kind in [TemplateKind::AgentReply, TemplateKind::CustomerReplied] {
            let mail = render_in(kind, "en", &context);
            assert!(mail.text.contains("<script>alert(1)</script>"), "{}", mail.text);
            assert!(mail.text.contains("a < b & c"), "{}", mail.text);
            assert!(!mail.html.contains("<script"), "{}", mail.html);
            assert!(!mail.html.contains("<b>"), "{}", mail.html);
            assert!(
                mail.html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
                "{}",
                mail.html
            );
            assert!(mail.html.contains("a &lt; b &amp; c"), "{}", mail.html);
        }
    }

    #[test]
    fn html_is_a_document_of_paragraphs_and_line_breaks() {
        let mail = render_in(TemplateKind::AgentReply, "hu", &full());
        assert!(mail.html.starts_with("<!DOCTYPE html>\n<html lang=\"hu\">"));
        assert!(mail.html.contains("<title>Re: Printer is broken</title>"));
        assert!(mail.html.contains(">First line<br>\nsecond line</p>\n"));
        assert!(mail.html.contains(">New paragraph</p>"));
        assert_eq!(mail.html.matches("<p ").count(), 3, "{}", mail.html);
        assert!(mail.html.ends_with("</body>\n</html>\n"));
    }

    #[test]
    fn a_subject_with_a_header_injection_stays_on_one_line() {
        let context = TemplateContext {
            ticket_subject: "Help\r\nBcc: x@y.z\n\tmore\u{0}\u{2028}end".to_owned(),
            contact_name: Some("Eve\r\nX-Evil: 1".to_owned()),
            ..full()
        };
        for kind in TemplateKind::ALL {
            for language in SHIPPED_LANGUAGES {
                let mail = render_in(kind, language, &context);
                assert!(!mail.subject.chars().any(char::is_control), "{:?}", mail.subject);
                assert!(mail.subject.contains("Help Bcc: x@y.z more end"), "{:?}", mail.subject);
            }
        }
        let mail = render_source("{{ ticket_subject }}\n\n", "x", None, &context).unwrap();
        assert_eq!(mail.subject, "Help Bcc: x@y.z more end");
    }

    #[test]
    fn a_long_subject_is_cut_to_the_limit() {
        let context = TemplateContext {
            ticket_subject: "word ".repeat(200),
            ..full()
        };
        let mail = render_in(TemplateKind::AgentReply, "en", &context);
        let count = mail.subject.chars().count();
        assert!((MAX_SUBJECT_CHARS - 2..=MAX_SUBJECT_CHARS).contains(&count), "{count}");
        assert!(mail.subject.ends_with("word…"), "{}", mail.subject);
    }

    #[test]
    fn the_language_falls_back_to_english() {
        assert_eq!(shipped_language(None), "en");
        assert_eq!(shipped_language(Some(&lang("de"))), "en");
        assert_eq!(shipped_language(Some(&lang("en-GB"))), "en");
        assert_eq!(shipped_language(Some(&lang("cs"))), "cs");
        assert_eq!(shipped_language(Some(&lang("cs-CZ"))), "cs");
        assert_eq!(shipped_language(Some(&lang("hu-HU"))), "hu");
        assert_eq!(shipped_language(Some(&lang("MS"))), "ms");
        assert_eq!(shipped_language(Some(&lang("csb"))), "en");
        assert_eq!(default_source(TemplateKind::Acknowledgement, "de"), None);

        let none = render(TemplateKind::Acknowledgement, None, &bare()).unwrap();
        let german = render(TemplateKind::Acknowledgement, Some(&lang("de")), &bare()).unwrap();
        assert!(none.subject.starts_with("We received your request"));
        assert_eq!(none, german);
        let czech = render(TemplateKind::Acknowledgement, Some(&lang("cs-CZ")), &bare()).unwrap();
        assert!(czech.text.starts_with("Dobrý den,"));
        assert!(czech.html.contains("<html lang=\"cs\">"));
        let malay = render(TemplateKind::Acknowledgement, Some(&lang("MS")), &bare()).unwrap();
        assert!(malay.text.starts_with("Salam sejahtera,"));
    }

    #[test]
    fn render_source_fills_placeholders_by_the_same_rules() {
        let RenderedMail { subject, text, html } = render_source(
            "Update on {{ ticket_number }}",
            "Hi {{ contact_name or 'there' }}, <{{ ticket_subject }}>",
            None,
            &full(),
        )
        .unwrap();
        assert_eq!(subject, "Update on HD-1042");
        assert_eq!(text, "Hi Jana Nováková, <Printer is broken>\n");
        assert!(html.contains("Hi Jana Nováková, &lt;Printer is broken&gt;"));
        assert!(!html.contains("lang="));
    }

    #[test]
    fn render_source_rejects_an_unknown_variable() {
        for (subject, text) in [
            ("{{ ticket_number }}", "{{ customer_email }}"),
            ("{{ nope }}", "fine"),
            ("ok", "{% if secret %}x{% endif %}"),
            ("ok", "{{ ticket.number }}"),
        ] {
            let error = render_source(subject, text, None, &full()).unwrap_err();
            let TemplateError::Render { kind, message, .. } = &error;
            assert_eq!(*kind, "custom");
            assert!(message.contains("undefined"), "{error}");
        }
    }

    #[test]
    fn render_source_rejects_a_syntax_error() {
        for (subject, text) in [
            ("{{ ticket_number", "x"),
            ("x", "{% if body %}never closed"),
            ("x", "{{ }}"),
        ] {
            let error = render_source(subject, text, None, &full()).unwrap_err();
            assert!(
                error.to_string().starts_with("template custom/custom: syntax error"),
                "{error}"
            );
        }
    }

    #[test]
    fn render_source_refuses_large_sources_and_runaway_templates() {
        let big = "x".repeat(MAX_TEXT_SOURCE_BYTES + 1);
        assert!(render_source("s", &big, None, &full()).is_err());
        assert!(render_source(&"x".repeat(MAX_SUBJECT_SOURCE_BYTES + 1), "t", None, &full()).is_err());
        let unbounded = "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}";
        assert!(render_source("s", unbounded, None, &full()).is_err());
        let recursive = "{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}";
        assert!(render_source("s", recursive, None, &full()).is_err());
    }

    #[test]
    fn sources_are_checked_before_they_are_stored() {
        assert!(check_sources("Re: {{ ticket_subject }}", "{{ body }}\n\n{{ team_name }}").is_ok());
        let field = |subject: &str, text: &str| match check_sources(subject, text).unwrap_err() {
            DomainError::Invalid { field, reason } => (field.into_owned(), reason.into_owned()),
            other => panic!("{other}"),
        };
        let (f, reason) = field("{{ ticket_number", "fine");
        assert_eq!(f, "subject");
        assert!(reason.contains("syntax error"), "{reason}");
        let (f, reason) = field("ok", "line one\n{{ customer_email }}");
        assert_eq!(f, "text");
        assert!(reason.contains("line 2") && reason.contains("undefined"), "{reason}");
        assert_eq!(field("  ", "x").0, "subject");
        assert_eq!(field("x", "").0, "text");
        assert_eq!(field("x", &"y".repeat(MAX_TEXT_SOURCE_BYTES + 1)).0, "text");
        for kind in TemplateKind::ALL {
            for language in SHIPPED_LANGUAGES {
                let (subject, text) = default_source(kind, language).unwrap();
                check_sources(subject, text).unwrap();
            }
        }
    }

    #[test]
    fn kinds_have_stable_names() {
        let names: Vec<&str> = TemplateKind::ALL.iter().map(|kind| kind.as_str()).collect();
        assert_eq!(
            names,
            [
                "acknowledgement",
                "agent_reply",
                "customer_replied",
                "escalated",
                "urgent_ticket"
            ]
        );
        for kind in TemplateKind::ALL {
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.as_str());
        }
    }

    proptest! {
        #[test]
        fn any_subject_renders_to_one_bounded_line(subject in ".{0,400}", name in proptest::option::of(".{0,60}")) {
            let context = TemplateContext { ticket_subject: subject, contact_name: name, ..full() };
            for kind in TemplateKind::ALL {
                let mail = render(kind, None, &context).unwrap();
                let unsafe_char = |c: char| c.is_control() || matches!(c, '\u{2028}' | '\u{2029}');
                prop_assert!(!mail.subject.chars().any(unsafe_char), "{:?}", mail.subject);
                prop_assert!(mail.subject.chars().count() <= MAX_SUBJECT_CHARS);
                prop_assert_eq!(mail.subject.trim(), mail.subject.as_str());
            }
        }

        #[test]
        fn no_body_can_become_markup(body in "(<|>|&|\"|'|a|script|/|\r|\n| ){0,80}") {
            let context = TemplateContext { body: Some(body), ..full() };
            for kind in [TemplateKind::AgentReply, TemplateKind::CustomerReplied] {
                let mail = render(kind, None, &context).unwrap();
                let start = mail.html.find("<body").unwrap();
                let inside = &mail.html[start..];
                let stripped = inside
                    .replace("<body style=\"", "")
                    .replace("<p style=\"margin:0 0 1em 0\">", "")
                    .replace("</p>", "")
                    .replace("<br>", "")
                    .replace("</body>", "")
                    .replace("</html>", "");
                prop_assert!(!stripped.contains('<'), "{}", mail.html);
            }
        }
    }
}
