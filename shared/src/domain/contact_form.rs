//! The public contact form and the customer's ticket page as plain rules: what a submission
//! must hold, the categories it routes by, how long its form token and the portal links last
//! (the signing itself is `signing.rs`), the counting windows of the rate limits and the page's
//! language. No I/O; the `contact-form` function and `shared::usecases::portal` do the rest.

use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::templates::SHIPPED_LANGUAGES;
use super::{DepartmentId, DomainError, EmailAddress, PhoneNumber, Timestamp};

pub const MAX_NAME_CHARS: usize = 200;
pub const MAX_SUBJECT_CHARS: usize = 200;
pub const MAX_MESSAGE_CHARS: usize = 20_000;
pub const MAX_FORM_ATTACHMENTS: usize = 5;
/// A JSON or urlencoded submission; attachments travel separately, so this is generous.
pub const MAX_FORM_BODY_BYTES: usize = 128 * 1024;
/// A no-JavaScript multipart submission carries its files: Lambda takes at most 6 MB, and
/// API Gateway base64-encodes binary bodies on the way.
pub const MAX_MULTIPART_BODY_BYTES: usize = 4 * 1024 * 1024;
/// A portal link works this long after the mail that carried it.
pub const PORTAL_LINK_DAYS: i64 = 30;
/// A form page older than this must be reloaded before it is sent.
pub const FORM_TOKEN_MAX_AGE_SECONDS: i64 = 24 * 60 * 60;

/// A choice on the form and the department it routes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormCategory {
    pub id: String,
    pub department: DepartmentId,
}

/// The configured categories in their display order: `general=support,billing=billing`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormCategories(Vec<FormCategory>);

impl FormCategories {
    pub fn parse(text: &str) -> Result<Self, DomainError> {
        let mut categories = Vec::new();
        for entry in text.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let (id, department) = entry.split_once('=').unwrap_or((entry, entry));
            let id = DepartmentId::parse(id.trim()).map_err(|_| {
                DomainError::invalid("categories", format!("{id:?} is not a category id (a-z, 0-9, -)"))
            })?;
            let department = DepartmentId::parse(department.trim())
                .map_err(|_| DomainError::invalid("categories", format!("{department:?} is not a department id")))?;
            if categories.iter().any(|c: &FormCategory| c.id == id.as_str()) {
                return Err(DomainError::invalid("categories", format!("{id} is listed twice")));
            }
            categories.push(FormCategory {
                id: id.as_str().to_owned(),
                department,
            });
        }
        if categories.is_empty() {
            return Err(DomainError::invalid("categories", "name at least one category"));
        }
        Ok(Self(categories))
    }

    pub fn iter(&self) -> impl Iterator<Item = &FormCategory> {
        self.0.iter()
    }

    pub fn find(&self, id: &str) -> Option<&FormCategory> {
        self.0.iter().find(|c| c.id == id)
    }
}

/// A submission as it arrives, from JSON or a form post: every field optional and untrusted.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ContactInput {
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub subject: Option<String>,
    pub message: Option<String>,
    pub category: Option<String>,
    /// The signed render time of the page the form came from.
    pub form_token: Option<String>,
    /// The honeypot: hidden from people, filled in by bots.
    pub website: Option<String>,
    /// The CAPTCHA widget's answer, when a CAPTCHA is configured.
    pub captcha: Option<String>,
    /// Upload ids from `POST /v1/contact/uploads`.
    #[serde(default)]
    pub attachments: Vec<String>,
}

/// What is wrong with one field, as a code the page words in the reader's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    Required,
    TooLong {
        max: usize,
    },
    NotAnEmail,
    NotAPhone,
    UnknownCategory,
    TooManyFiles {
        max: usize,
    },
    /// The upload is missing, expired, too big or of a refused type.
    BadFile,
    /// The form (its token) was already sent and made a ticket.
    AlreadySent,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    pub field: &'static str,
    pub problem: Problem,
}

/// A submission that passed every field check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactSubmission {
    pub name: String,
    pub email: EmailAddress,
    pub phone: Option<PhoneNumber>,
    pub subject: String,
    pub message: String,
    pub category: FormCategory,
    pub attachments: Vec<String>,
}

impl ContactInput {
    /// Whether a bot filled the field people never see.
    pub fn is_honeypot_filled(&self) -> bool {
        self.website.as_deref().is_some_and(|w| !w.trim().is_empty())
    }

    /// Every field's problem at once, in form order, so a person fixes them in one go.
    pub fn check(&self, categories: &FormCategories) -> Result<ContactSubmission, Vec<FieldProblem>> {
        let mut problems = Vec::new();
        let mut text = |field: &'static str, value: &Option<String>, max: usize, multiline: bool| {
            let value = value.as_deref().map(str::trim).unwrap_or_default();
            let value = if multiline {
                value.replace("\r\n", "\n")
            } else {
                value.split_whitespace().collect::<Vec<_>>().join(" ")
            };
            if value.is_empty() {
                problems.push(FieldProblem {
                    field,
                    problem: Problem::Required,
                });
            } else if value.chars().count() > max {
                problems.push(FieldProblem {
                    field,
                    problem: Problem::TooLong { max },
                });
            }
            value
        };
        let name = text("name", &self.name, MAX_NAME_CHARS, false);
        let email_text = text("email", &self.email, 254, false);
        let subject = text("subject", &self.subject, MAX_SUBJECT_CHARS, false);
        let message = text("message", &self.message, MAX_MESSAGE_CHARS, true);
        let email = match EmailAddress::parse(&email_text) {
            Ok(e) => Some(e),
            Err(_) => {
                if !email_text.is_empty() && !problems.iter().any(|p| p.field == "email") {
                    problems.push(FieldProblem {
                        field: "email",
                        problem: Problem::NotAnEmail,
                    });
                }
                None
            }
        };
        let phone = match self.phone.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
            None => None,
            Some(p) => match PhoneNumber::parse(p) {
                Ok(p) => Some(p),
                Err(_) => {
                    problems.push(FieldProblem {
                        field: "phone",
                        problem: Problem::NotAPhone,
                    });
                    None
                }
            },
        };
        let category = match self.category.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
            None => {
                problems.push(FieldProblem {
                    field: "category",
                    problem: Problem::Required,
                });
                None
            }
            Some(id) => {
                let found = categories.find(id).cloned();
                if found.is_none() {
                    problems.push(FieldProblem {
                        field: "category",
                        problem: Problem::UnknownCategory,
                    });
                }
                found
            }
        };
        if self.attachments.len() > MAX_FORM_ATTACHMENTS {
            problems.push(FieldProblem {
                field: "attachments",
                problem: Problem::TooManyFiles {
                    max: MAX_FORM_ATTACHMENTS,
                },
            });
        }
        // Field order on the page, not discovery order.
        problems.sort_by_key(|p| FIELD_ORDER.iter().position(|f| *f == p.field));
        match (email, category) {
            (Some(email), Some(category)) if problems.is_empty() => Ok(ContactSubmission {
                name,
                email,
                phone,
                subject,
                message,
                category,
                attachments: self.attachments.clone(),
            }),
            _ => Err(problems),
        }
    }
}

/// The fields in the order the form shows them.
pub const FIELD_ORDER: [&str; 7] = [
    "name",
    "email",
    "phone",
    "category",
    "subject",
    "message",
    "attachments",
];

/// A fixed counting window: at most `limit` submissions per subject (an IP, an email) per
/// `seconds`, counted in a table counter that expires with its window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateWindow {
    pub limit: u64,
    pub seconds: i64,
}

/// Where one submission is counted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateSlot {
    /// The counter's key: the subject is hashed, so no address sits in a key.
    pub key: String,
    /// When the counter may be deleted (the window's end, plus slack for clock skew).
    pub expires: Timestamp,
    /// Seconds until the window ends: the `Retry-After` when over the limit.
    pub retry_after: i64,
}

impl RateWindow {
    pub fn slot(&self, scope: &str, subject: &str, now: Timestamp) -> RateSlot {
        let seconds = self.seconds.max(1);
        let at = now.as_datetime().timestamp();
        let window = at.div_euclid(seconds);
        let end = (window + 1) * seconds;
        let digest = hex::encode(&Sha256::digest(subject.trim().to_lowercase().as_bytes())[..12]);
        RateSlot {
            key: format!("rate#{scope}#{digest}#{window}"),
            expires: Timestamp::new(now.as_datetime() + chrono::Duration::seconds(end - at + 60)),
            retry_after: end - at,
        }
    }
}

/// The shipped language that best fits an `Accept-Language` header (`en` when none does).
pub fn negotiate_language(accept_language: Option<&str>) -> &'static str {
    let mut wanted: Vec<(f32, usize, &str)> = accept_language
        .unwrap_or_default()
        .split(',')
        .enumerate()
        .filter_map(|(i, part)| {
            let mut pieces = part.split(';');
            let tag = pieces.next()?.trim();
            let q = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok())?;
            (!tag.is_empty() && q > 0.0).then_some((q, i, tag))
        })
        .collect();
    // Highest q first; equal q keeps the header's order.
    wanted.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    wanted
        .iter()
        .find_map(|(_, _, tag)| {
            let primary = tag.split('-').next().unwrap_or_default();
            SHIPPED_LANGUAGES.into_iter().find(|l| l.eq_ignore_ascii_case(primary))
        })
        .unwrap_or(SHIPPED_LANGUAGES[0])
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn at(seconds: i64) -> Timestamp {
        Timestamp::new(Utc.timestamp_opt(1_790_000_000 + seconds, 0).unwrap())
    }

    fn categories() -> FormCategories {
        FormCategories::parse("general=support, billing=billing,technical=support").unwrap()
    }

    fn good() -> ContactInput {
        ContactInput {
            name: Some("  Jana   Nováková ".into()),
            email: Some("jana@example.cz".into()),
            subject: Some("Invoice\r\nwrong".into()),
            message: Some("Hello,\r\nthe invoice is wrong.".into()),
            category: Some("billing".into()),
            ..Default::default()
        }
    }

    #[test]
    fn categories_parse_in_order_and_refuse_nonsense() {
        let c = categories();
        let ids: Vec<_> = c.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["general", "billing", "technical"]);
        assert_eq!(c.find("billing").unwrap().department.as_str(), "billing");
        assert_eq!(
            FormCategories::parse("sales")
                .unwrap()
                .find("sales")
                .unwrap()
                .department
                .as_str(),
            "sales"
        );
        assert!(FormCategories::parse("").is_err());
        assert!(FormCategories::parse("a=b,a=c").is_err());
        assert!(FormCategories::parse("Bad Id=x").is_err());
    }

    #[test]
    fn a_good_submission_is_cleaned() {
        let s = good().check(&categories()).unwrap();
        assert_eq!(s.name, "Jana Nováková");
        assert_eq!(s.subject, "Invoice wrong", "one line, no header injection");
        assert_eq!(s.message, "Hello,\nthe invoice is wrong.");
        assert_eq!(s.category.department.as_str(), "billing");
        assert_eq!(s.phone, None);
    }

    #[test]
    fn an_empty_submission_names_every_required_field_in_form_order() {
        let problems = ContactInput::default().check(&categories()).unwrap_err();
        let fields: Vec<_> = problems.iter().map(|p| p.field).collect();
        assert_eq!(fields, ["name", "email", "category", "subject", "message"]);
        assert!(problems.iter().all(|p| p.problem == Problem::Required));
    }

    #[test]
    fn each_field_says_what_is_wrong() {
        let input = ContactInput {
            name: Some("x".repeat(MAX_NAME_CHARS + 1)),
            email: Some("not-an-address".into()),
            phone: Some("call me maybe".into()),
            category: Some("sales".into()),
            message: Some("y".repeat(MAX_MESSAGE_CHARS + 1)),
            attachments: vec!["a".into(); MAX_FORM_ATTACHMENTS + 1],
            ..good()
        };
        let problems = input.check(&categories()).unwrap_err();
        let got: Vec<_> = problems.iter().map(|p| (p.field, p.problem)).collect();
        assert_eq!(
            got,
            [
                ("name", Problem::TooLong { max: MAX_NAME_CHARS }),
                ("email", Problem::NotAnEmail),
                ("phone", Problem::NotAPhone),
                ("category", Problem::UnknownCategory),
                ("message", Problem::TooLong { max: MAX_MESSAGE_CHARS }),
                (
                    "attachments",
                    Problem::TooManyFiles {
                        max: MAX_FORM_ATTACHMENTS
                    }
                ),
            ]
        );
    }

    #[test]
    fn the_honeypot_catches_what_people_never_fill() {
        assert!(!good().is_honeypot_filled());
        assert!(
            !ContactInput {
                website: Some("  ".into()),
                ..good()
            }
            .is_honeypot_filled()
        );
        assert!(
            ContactInput {
                website: Some("http://spam.example".into()),
                ..good()
            }
            .is_honeypot_filled()
        );
    }

    #[test]
    fn rate_windows_count_per_subject_and_say_when_to_retry() {
        let w = RateWindow { limit: 3, seconds: 600 };
        let start = at(0).as_datetime().timestamp().div_euclid(600) * 600 - at(0).as_datetime().timestamp();
        let a = w.slot("ip", "198.51.100.7", at(start + 10));
        let b = w.slot("ip", "198.51.100.7", at(start + 599));
        let c = w.slot("ip", "198.51.100.7", at(start + 600));
        assert_eq!(a.key, b.key, "same window");
        assert_ne!(b.key, c.key, "a new window counts afresh");
        assert_eq!(a.retry_after, 590);
        assert_eq!(b.retry_after, 1);
        assert_eq!(
            w.slot("email", "Jana@Example.cz", at(start)).key,
            w.slot("email", "jana@example.cz", at(start)).key
        );
        assert!(!a.key.contains("198.51"), "subjects are hashed");
        assert_ne!(w.slot("email", "x", at(start)).key, w.slot("ip", "x", at(start)).key);
    }

    #[test]
    fn languages_follow_the_browser() {
        assert_eq!(negotiate_language(Some("cs-CZ,cs;q=0.9,en;q=0.8")), "cs");
        assert_eq!(negotiate_language(Some("de-DE,hu;q=0.5,en;q=0.4")), "hu");
        assert_eq!(negotiate_language(Some("en;q=0.2, ms;q=0.9")), "ms");
        assert_eq!(negotiate_language(Some("fr, de")), "en");
        assert_eq!(negotiate_language(Some("cs;q=0")), "en");
        assert_eq!(negotiate_language(None), "en");
        assert_eq!(negotiate_language(Some(";;;,q=")), "en");
    }
}
