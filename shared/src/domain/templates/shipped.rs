//! The shipped template texts. They are data, not code: one file per built-in template and
//! language in `shared/templates/` (`<name>.<language>.txt`: a `Subject: ` line, a blank line,
//! then the text; `shared/templates/README.md` says how they are written), compiled into the
//! binary with `include_str!`, since a Lambda ships one file and reads no others.

use super::TemplateKind;

/// One shipped file: `(kind, language, its contents)`.
macro_rules! shipped {
    ($kind:ident, $name:literal, $language:literal) => {
        (
            TemplateKind::$kind,
            $language,
            include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/templates/",
                $name,
                ".",
                $language,
                ".txt"
            )),
        )
    };
}

/// Every shipped file; a test holds it to every kind in every shipped language, and to the
/// files in the folder.
pub(super) const FILES: [(TemplateKind, &str, &str); 36] = [
    shipped!(Acknowledgement, "acknowledgement", "en"),
    shipped!(Acknowledgement, "acknowledgement", "cs"),
    shipped!(Acknowledgement, "acknowledgement", "hu"),
    shipped!(Acknowledgement, "acknowledgement", "ms"),
    shipped!(AgentReply, "agent_reply", "en"),
    shipped!(AgentReply, "agent_reply", "cs"),
    shipped!(AgentReply, "agent_reply", "hu"),
    shipped!(AgentReply, "agent_reply", "ms"),
    shipped!(CustomerReplied, "customer_replied", "en"),
    shipped!(CustomerReplied, "customer_replied", "cs"),
    shipped!(CustomerReplied, "customer_replied", "hu"),
    shipped!(CustomerReplied, "customer_replied", "ms"),
    shipped!(Escalated, "escalated", "en"),
    shipped!(Escalated, "escalated", "cs"),
    shipped!(Escalated, "escalated", "hu"),
    shipped!(Escalated, "escalated", "ms"),
    shipped!(UrgentTicket, "urgent_ticket", "en"),
    shipped!(UrgentTicket, "urgent_ticket", "cs"),
    shipped!(UrgentTicket, "urgent_ticket", "hu"),
    shipped!(UrgentTicket, "urgent_ticket", "ms"),
    shipped!(SlaBreached, "sla_breached", "en"),
    shipped!(SlaBreached, "sla_breached", "cs"),
    shipped!(SlaBreached, "sla_breached", "hu"),
    shipped!(SlaBreached, "sla_breached", "ms"),
    shipped!(SatisfactionSurvey, "satisfaction_survey", "en"),
    shipped!(SatisfactionSurvey, "satisfaction_survey", "cs"),
    shipped!(SatisfactionSurvey, "satisfaction_survey", "hu"),
    shipped!(SatisfactionSurvey, "satisfaction_survey", "ms"),
    shipped!(BadRating, "bad_rating", "en"),
    shipped!(BadRating, "bad_rating", "cs"),
    shipped!(BadRating, "bad_rating", "hu"),
    shipped!(BadRating, "bad_rating", "ms"),
    shipped!(NpsSurvey, "nps_survey", "en"),
    shipped!(NpsSurvey, "nps_survey", "cs"),
    shipped!(NpsSurvey, "nps_survey", "hu"),
    shipped!(NpsSurvey, "nps_survey", "ms"),
];

/// The shipped (subject template, text template) for a kind in a shipped language ("en", "cs",
/// "hu", "ms"); None for any other language.
pub fn default_source(kind: TemplateKind, language: &str) -> Option<(&'static str, &'static str)> {
    let (_, _, file) = FILES.iter().find(|(k, l, _)| *k == kind && *l == language)?;
    parse(file)
}

/// A shipped file's subject and text: `Subject: <subject>`, a blank line, the text.
pub(super) fn parse(file: &'static str) -> Option<(&'static str, &'static str)> {
    let (subject, rest) = file.strip_prefix("Subject: ")?.split_once('\n')?;
    Some((subject, rest.strip_prefix('\n')?))
}
