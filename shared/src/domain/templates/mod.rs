//! The notification mails Lambdesk sends, as templates with placeholders: shipped in English,
//! Czech, Hungarian and Malay (the texts are data files in `shared/templates/`, compiled in by
//! `shipped.rs`) and chosen by the contact's language. Rendering is in `text.rs`; which stored
//! or shipped template a mail uses is `template_library.rs`'s choice.
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

use serde::{Deserialize, Serialize};

use super::contact::Language;
use super::error::DomainError;

mod shipped;
mod text;

pub use shipped::default_source;
use text::{environment, render_parts, text_to_html};

/// The longest subject a rendered mail may have, in characters.
pub const MAX_SUBJECT_CHARS: usize = 250;
/// The largest subject template accepted, in bytes.
pub const MAX_SUBJECT_SOURCE_BYTES: usize = 1_000;
/// The largest text template accepted, in bytes.
pub const MAX_TEXT_SOURCE_BYTES: usize = 20_000;

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
    /// To the department lead when a ticket missed an SLA target.
    SlaBreached,
    /// To the requester after a resolution: how did we do? (good and bad links).
    SatisfactionSurvey,
    /// To the department lead when a customer rated a ticket bad (a rule sends it).
    BadRating,
    /// To a contact with a ticket resolved lately: how likely are you to recommend us (0–10
    /// links, NPS).
    NpsSurvey,
}

impl TemplateKind {
    pub const ALL: [TemplateKind; 9] = [
        Self::Acknowledgement,
        Self::AgentReply,
        Self::CustomerReplied,
        Self::Escalated,
        Self::UrgentTicket,
        Self::SlaBreached,
        Self::SatisfactionSurvey,
        Self::BadRating,
        Self::NpsSurvey,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Acknowledgement => "acknowledgement",
            Self::AgentReply => "agent_reply",
            Self::CustomerReplied => "customer_replied",
            Self::Escalated => "escalated",
            Self::UrgentTicket => "urgent_ticket",
            Self::SlaBreached => "sla_breached",
            Self::SatisfactionSurvey => "satisfaction_survey",
            Self::BadRating => "bad_rating",
            Self::NpsSurvey => "nps_survey",
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
    /// SatisfactionSurvey: the links that open the rating page with good or bad chosen.
    pub survey_good_link: Option<String>,
    pub survey_bad_link: Option<String>,
    /// SatisfactionSurvey on the five-point scale: the links that open the page with 1, … 5
    /// chosen (index + 1 = score), instead of the good and bad links.
    pub survey_score_links: Vec<String>,
    /// NpsSurvey: the links that open the NPS page with 0, 1, … 10 chosen (index = score).
    pub nps_links: Vec<String>,
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
        survey_good_link: Some("https://help.example.com/survey/token?rating=good".into()),
        survey_bad_link: Some("https://help.example.com/survey/token?rating=bad".into()),
        survey_score_links: (1..=5)
            .map(|score| format!("https://help.example.com/survey/token?score={score}"))
            .collect(),
        nps_links: (0..=10)
            .map(|score| format!("https://help.example.com/survey/token?score={score}"))
            .collect(),
    };
    let bare = TemplateContext {
        contact_name: None,
        agent_name: None,
        body: None,
        status_link: None,
        survey_good_link: None,
        survey_bad_link: None,
        survey_score_links: vec![],
        nps_links: vec![],
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

#[cfg(test)]
mod tests;
