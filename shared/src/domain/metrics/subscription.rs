//! Report subscriptions: who gets the desk's figures by mail, how often, at which local hour,
//! for which departments and in which language. A draft from the API is checked once here
//! (each mistake names its field); a subscription carries its next send, which the store keeps
//! on the due index so the hourly `reports` run finds what is due with one Query.

use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::schedule::{Frequency, REPORT_LANGUAGES, next_send_at, parse_hour, parse_time_zone};
use crate::domain::error::DomainError;
use crate::domain::{DepartmentId, EmailAddress, ReportSubscriptionId, Timestamp};

/// The most recipients one subscription mails.
pub const MAX_RECIPIENTS: usize = 20;
/// The most departments one subscription filters on.
pub const MAX_DEPARTMENTS: usize = 50;

/// A subscription as the API receives it: plain values, checked by [`SubscriptionDraft::check`].
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubscriptionDraft {
    pub recipients: Vec<String>,
    pub frequency: String,
    pub hour: i64,
    pub time_zone: String,
    #[serde(default)]
    pub departments: Vec<String>,
    #[serde(default = "default_language")]
    pub language: String,
}

fn default_language() -> String {
    "en".into()
}

/// A checked draft.
#[derive(Debug, Clone, PartialEq)]
pub struct SubscriptionSpec {
    pub recipients: Vec<EmailAddress>,
    pub frequency: Frequency,
    pub hour: u32,
    pub time_zone: Tz,
    pub departments: Vec<DepartmentId>,
    pub language: String,
}

impl SubscriptionDraft {
    pub fn check(self) -> Result<SubscriptionSpec, DomainError> {
        if self.recipients.is_empty() || self.recipients.len() > MAX_RECIPIENTS {
            return Err(DomainError::invalid("recipients", "between 1 and 20 email addresses"));
        }
        let mut recipients: Vec<EmailAddress> = Vec::new();
        for text in &self.recipients {
            let address = EmailAddress::parse(text.trim())
                .map_err(|_| DomainError::invalid("recipients", format!("not an email address: {text:?}")))?;
            if !recipients.iter().any(|r| r.normalized() == address.normalized()) {
                recipients.push(address);
            }
        }
        let frequency = match self.frequency.as_str() {
            "daily" => Frequency::Daily,
            "weekly" => Frequency::Weekly,
            "monthly" => Frequency::Monthly,
            _ => return Err(DomainError::invalid("frequency", "expected daily, weekly or monthly")),
        };
        let hour = parse_hour(self.hour)?;
        let time_zone = parse_time_zone(&self.time_zone)?;
        if self.departments.len() > MAX_DEPARTMENTS {
            return Err(DomainError::invalid("departments", "at most 50 departments"));
        }
        let mut departments: Vec<DepartmentId> = self
            .departments
            .iter()
            .map(|d| {
                DepartmentId::parse(d)
                    .map_err(|_| DomainError::invalid("departments", format!("not a department id: {d:?}")))
            })
            .collect::<Result<_, _>>()?;
        departments.sort();
        departments.dedup();
        if !REPORT_LANGUAGES.contains(&self.language.as_str()) {
            return Err(DomainError::invalid("language", "expected one of en, cs, hu, ms"));
        }
        Ok(SubscriptionSpec {
            recipients,
            frequency,
            hour,
            time_zone,
            departments,
            language: self.language,
        })
    }
}

/// A stored subscription. `next_send_at` is when its next mail goes (a UTC instant at the
/// local hour); the mail sent then covers the period before it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportSubscription {
    pub id: ReportSubscriptionId,
    pub recipients: Vec<EmailAddress>,
    pub frequency: Frequency,
    pub hour: u32,
    pub time_zone: String,
    #[serde(default)]
    pub departments: Vec<DepartmentId>,
    pub language: String,
    pub next_send_at: Timestamp,
    pub created_by: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl ReportSubscription {
    pub fn new(id: ReportSubscriptionId, spec: SubscriptionSpec, created_by: String, now: Timestamp) -> Self {
        let next = Timestamp::new(next_send_at(
            spec.frequency,
            spec.hour,
            spec.time_zone,
            now.as_datetime(),
        ));
        Self {
            id,
            recipients: spec.recipients,
            frequency: spec.frequency,
            hour: spec.hour,
            time_zone: spec.time_zone.name().to_owned(),
            departments: spec.departments,
            language: spec.language,
            next_send_at: next,
            created_by,
            created_at: now,
            updated_at: now,
        }
    }

    /// The same subscription with a new spec; its next send is worked out again from `now`.
    pub fn replaced(&self, spec: SubscriptionSpec, now: Timestamp) -> Self {
        Self {
            created_by: self.created_by.clone(),
            created_at: self.created_at,
            ..Self::new(self.id, spec, String::new(), now)
        }
        .touched(now)
    }

    fn touched(mut self, now: Timestamp) -> Self {
        self.updated_at = now;
        self
    }

    /// The stored zone (checked when written; UTC should one ever fail to read).
    pub fn tz(&self) -> Tz {
        self.time_zone.parse().unwrap_or(chrono_tz::UTC)
    }

    /// The send after the one due at `next_send_at`.
    pub fn following_send(&self) -> Timestamp {
        Timestamp::new(next_send_at(
            self.frequency,
            self.hour,
            self.tz(),
            self.next_send_at.as_datetime(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> SubscriptionDraft {
        SubscriptionDraft {
            recipients: vec!["Lea@Help.example.com".into(), "lea@help.example.com".into()],
            frequency: "weekly".into(),
            hour: 8,
            time_zone: "Europe/Prague".into(),
            departments: vec!["billing".into(), "support".into(), "billing".into()],
            language: "cs".into(),
        }
    }

    fn field(draft: SubscriptionDraft) -> String {
        match draft.check() {
            Err(DomainError::Invalid { field, .. }) => field.into_owned(),
            other => panic!("expected a field error, got {other:?}"),
        }
    }

    #[test]
    fn a_good_draft_is_checked_once_and_duplicates_go() {
        let spec = draft().check().unwrap();
        assert_eq!(spec.recipients.len(), 1);
        assert_eq!(spec.departments.len(), 2);
        assert_eq!(spec.frequency, Frequency::Weekly);
        assert_eq!(spec.time_zone, chrono_tz::Europe::Prague);
    }

    #[test]
    fn each_mistake_names_its_field() {
        assert_eq!(
            field(SubscriptionDraft {
                recipients: vec![],
                ..draft()
            }),
            "recipients"
        );
        assert_eq!(
            field(SubscriptionDraft {
                recipients: vec!["nope".into()],
                ..draft()
            }),
            "recipients"
        );
        assert_eq!(
            field(SubscriptionDraft {
                frequency: "hourly".into(),
                ..draft()
            }),
            "frequency"
        );
        assert_eq!(field(SubscriptionDraft { hour: 24, ..draft() }), "hour");
        assert_eq!(
            field(SubscriptionDraft {
                time_zone: "Mars/Olympus".into(),
                ..draft()
            }),
            "time_zone"
        );
        assert_eq!(
            field(SubscriptionDraft {
                departments: vec!["Not A Slug".into()],
                ..draft()
            }),
            "departments"
        );
        assert_eq!(
            field(SubscriptionDraft {
                language: "de".into(),
                ..draft()
            }),
            "language"
        );
    }

    #[test]
    fn the_next_send_is_the_next_local_hour_and_then_the_one_after() {
        let now = Timestamp::parse("2026-12-09T12:00:00Z").unwrap();
        let id = ReportSubscriptionId::generate(now);
        let sub = ReportSubscription::new(id, draft().check().unwrap(), "lea".into(), now);
        // Weekly at 08:00 Prague: Monday 14 December, 07:00 UTC.
        assert_eq!(sub.next_send_at, Timestamp::parse("2026-12-14T07:00:00Z").unwrap());
        assert_eq!(sub.following_send(), Timestamp::parse("2026-12-21T07:00:00Z").unwrap());
        let later = Timestamp::parse("2026-12-10T00:00:00Z").unwrap();
        let daily = sub.replaced(
            SubscriptionDraft {
                frequency: "daily".into(),
                ..draft()
            }
            .check()
            .unwrap(),
            later,
        );
        assert_eq!(daily.next_send_at, Timestamp::parse("2026-12-10T07:00:00Z").unwrap());
        assert_eq!((daily.created_by.as_str(), daily.created_at), ("lea", now));
        assert_eq!(daily.updated_at, later);
    }
}
