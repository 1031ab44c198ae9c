//! Templates as data: the shipped defaults (`shared/templates/`), overlaid by what admins
//! stored. An admin may rewrite a built-in template (`acknowledgement`, `agent_reply`,
//! `customer_replied`, `escalated`, `urgent_ticket`, `satisfaction_survey`, `bad_rating`) in
//! any language, or add templates of their own (for rules that send mail); removing a stored
//! built-in brings the shipped default back.
//!
//! Which one renders a mail for a contact: for each of the contact's language tag (`cs-cz`),
//! its primary language (`cs`) and English, the stored template in that language, else the
//! shipped one; the first found wins.

use serde::{Deserialize, Serialize};

use super::contact::Language;
use super::error::DomainError;
use super::templates::{
    RenderedMail, SHIPPED_LANGUAGES, TemplateContext, TemplateError, TemplateKind, default_source, render_source,
};
use super::time::Timestamp;

/// A template's name: lower-case letters, digits and `_`, starting with a letter, at most 64.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct TemplateName(String);

impl TemplateName {
    pub fn parse(text: &str) -> Result<Self, DomainError> {
        let ok = (1..=64).contains(&text.len())
            && text.starts_with(|c: char| c.is_ascii_lowercase())
            && text
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !ok {
            return Err(DomainError::invalid(
                "name",
                "expected lower-case letters, digits and _, starting with a letter, at most 64",
            ));
        }
        Ok(Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The built-in mail this name is, if it is one.
    pub fn kind(&self) -> Option<TemplateKind> {
        TemplateKind::ALL.into_iter().find(|k| k.as_str() == self.0)
    }
}

impl From<TemplateKind> for TemplateName {
    fn from(kind: TemplateKind) -> Self {
        Self(kind.as_str().to_owned())
    }
}

impl<'de> Deserialize<'de> for TemplateName {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl std::fmt::Display for TemplateName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// One template in one language, shipped or stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Template {
    pub name: TemplateName,
    pub language: Language,
    pub subject: String,
    pub text: String,
    /// Stored by an admin (`false`: the shipped default).
    pub customized: bool,
    pub updated_at: Option<Timestamp>,
    /// The admin who stored it (their token subject).
    pub updated_by: Option<String>,
}

impl Template {
    /// A template an admin writes; its sources are checked first.
    pub fn stored(
        name: TemplateName,
        language: Language,
        subject: String,
        text: String,
        by: &str,
        now: Timestamp,
    ) -> Result<Self, DomainError> {
        super::templates::check_sources(&subject, &text)?;
        Ok(Self {
            name,
            language,
            subject,
            text,
            customized: true,
            updated_at: Some(now),
            updated_by: Some(by.to_owned()),
        })
    }

    fn shipped(kind: TemplateKind, language: &'static str) -> Option<Self> {
        let (subject, text) = default_source(kind, language)?;
        Some(Self {
            name: kind.into(),
            language: Language::parse(language).ok()?,
            subject: subject.to_owned(),
            text: text.to_owned(),
            customized: false,
            updated_at: None,
            updated_by: None,
        })
    }

    pub fn render(&self, context: &TemplateContext) -> Result<RenderedMail, TemplateError> {
        render_source(&self.subject, &self.text, Some(self.language.as_str()), context).map_err(|e| match e {
            TemplateError::Render { message, .. } => TemplateError::Render {
                kind: "stored",
                language: "stored",
                message: format!("{}/{}: {message}", self.name, self.language.as_str()),
            },
        })
    }
}

/// The shipped templates overlaid by the stored ones given.
#[derive(Debug, Clone, Default)]
pub struct TemplateLibrary {
    stored: Vec<Template>,
}

impl TemplateLibrary {
    pub fn new(stored: Vec<Template>) -> Self {
        Self { stored }
    }

    /// The template in exactly this language, stored or shipped.
    pub fn exact(&self, name: &TemplateName, language: &Language) -> Option<Template> {
        self.stored
            .iter()
            .find(|t| &t.name == name && &t.language == language)
            .cloned()
            .or_else(|| {
                let shipped = SHIPPED_LANGUAGES.into_iter().find(|l| *l == language.as_str())?;
                Template::shipped(name.kind()?, shipped)
            })
    }

    /// The template a contact with `language` gets (see the module notes).
    pub fn pick(&self, name: &TemplateName, language: Option<&Language>) -> Option<Template> {
        let mut candidates: Vec<Language> = Vec::new();
        if let Some(language) = language {
            candidates.push(language.clone());
            if let Some((primary, _)) = language.as_str().split_once('-')
                && let Ok(primary) = Language::parse(primary)
            {
                candidates.push(primary);
            }
        }
        candidates.push(Language::parse(SHIPPED_LANGUAGES[0]).expect("en is a language"));
        candidates.iter().find_map(|l| self.exact(name, l))
    }

    /// Renders the template a contact with `language` gets.
    pub fn render(
        &self,
        name: &TemplateName,
        language: Option<&Language>,
        context: &TemplateContext,
    ) -> Result<RenderedMail, TemplateError> {
        self.pick(name, language)
            .ok_or_else(|| TemplateError::Render {
                kind: "stored",
                language: "any",
                message: format!("there is no template {name}"),
            })?
            .render(context)
    }

    /// Every template there is: each built-in in each shipped language (stored or shipped),
    /// then every other stored one; by name, then language.
    pub fn all(&self) -> Vec<Template> {
        let mut all: Vec<Template> = TemplateKind::ALL
            .into_iter()
            .flat_map(|kind| {
                SHIPPED_LANGUAGES
                    .into_iter()
                    .filter_map(move |l| Template::shipped(kind, l))
            })
            .filter(|shipped| {
                !self
                    .stored
                    .iter()
                    .any(|t| t.name == shipped.name && t.language == shipped.language)
            })
            .chain(self.stored.iter().cloned())
            .collect();
        all.sort_by(|a, b| (&a.name, a.language.as_str()).cmp(&(&b.name, b.language.as_str())));
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lang(text: &str) -> Language {
        Language::parse(text).unwrap()
    }

    fn name(text: &str) -> TemplateName {
        TemplateName::parse(text).unwrap()
    }

    fn stored(n: &str, l: &str, subject: &str) -> Template {
        Template::stored(
            name(n),
            lang(l),
            subject.into(),
            "{{ team_name }}".into(),
            "admin",
            Timestamp::parse("2026-11-23T10:00:00Z").unwrap(),
        )
        .unwrap()
    }

    fn context() -> TemplateContext {
        TemplateContext {
            ticket_number: "HD-7".into(),
            ticket_subject: "Hi".into(),
            team_name: "Billing".into(),
            ..Default::default()
        }
    }

    #[test]
    fn names_are_slugs() {
        assert!(TemplateName::parse("vip_welcome2").is_ok());
        for bad in ["", "2fa", "Caps", "with-dash", "a b", &"x".repeat(65)] {
            assert!(TemplateName::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(name("agent_reply").kind(), Some(TemplateKind::AgentReply));
        assert_eq!(name("vip").kind(), None);
    }

    #[test]
    fn a_stored_template_wins_over_the_shipped_one_in_its_language_only() {
        let ack = TemplateName::from(TemplateKind::Acknowledgement);
        let library = TemplateLibrary::new(vec![stored("acknowledgement", "cs", "Máme to: {{ ticket_subject }}")]);
        let czech = library.pick(&ack, Some(&lang("cs-CZ"))).unwrap();
        assert!(czech.customized);
        assert_eq!(
            library.render(&ack, Some(&lang("cs")), &context()).unwrap().subject,
            "Máme to: Hi"
        );
        let english = library.pick(&ack, None).unwrap();
        assert!(!english.customized);
        assert!(english.subject.starts_with("We received"));
        let hungarian = library.pick(&ack, Some(&lang("hu"))).unwrap();
        assert_eq!(hungarian.language.as_str(), "hu");
        // A language nobody wrote falls back to English, stored English first.
        let library = TemplateLibrary::new(vec![stored("acknowledgement", "en", "Got it")]);
        assert_eq!(library.pick(&ack, Some(&lang("de"))).unwrap().subject, "Got it");
    }

    #[test]
    fn a_full_tag_beats_its_primary_language() {
        let library = TemplateLibrary::new(vec![
            stored("vip", "pt", "Olá"),
            stored("vip", "pt-br", "Oi"),
            stored("vip", "en", "Hello"),
        ]);
        let vip = name("vip");
        assert_eq!(library.pick(&vip, Some(&lang("pt-BR"))).unwrap().subject, "Oi");
        assert_eq!(library.pick(&vip, Some(&lang("pt-PT"))).unwrap().subject, "Olá");
        assert_eq!(library.pick(&vip, Some(&lang("cs"))).unwrap().subject, "Hello");
        assert!(library.pick(&name("nothing"), None).is_none());
        assert!(library.render(&name("nothing"), None, &context()).is_err());
    }

    #[test]
    fn all_lists_every_built_in_once_and_the_custom_ones() {
        let library = TemplateLibrary::new(vec![stored("agent_reply", "cs", "x"), stored("vip", "en", "y")]);
        let all = library.all();
        assert_eq!(all.len(), TemplateKind::ALL.len() * SHIPPED_LANGUAGES.len() + 1);
        let reply_cs: Vec<_> = all
            .iter()
            .filter(|t| t.name.as_str() == "agent_reply" && t.language.as_str() == "cs")
            .collect();
        assert_eq!(reply_cs.len(), 1);
        assert!(reply_cs[0].customized);
        assert!(all.iter().any(|t| t.name.as_str() == "vip"));
    }

    #[test]
    fn stored_sources_are_checked() {
        let bad = Template::stored(
            name("vip"),
            lang("en"),
            "{{ nope }}".into(),
            "x".into(),
            "a",
            Timestamp::parse("2026-11-23T10:00:00Z").unwrap(),
        );
        assert!(matches!(bad, Err(DomainError::Invalid { field, .. }) if field == "subject"));
    }
}
