//! Customer satisfaction (CSAT): the customer's rating of a solved ticket, and which resolved
//! tickets get a survey. Pure: the use cases in `usecases/satisfaction` read and write.
//!
//! The scale is two answers, good or bad (Zendesk's), by default: one click in the mail,
//! nothing to weigh, and a share of good ratings is the figure support teams report. A desk may
//! ask on five points instead ([`CsatScale::FivePoint`], 1 to 5, Freshdesk's and most CSAT
//! surveys'): the score is kept, and 4 or 5 counts as good, 1 to 3 as bad (the usual "top two
//! boxes" CSAT), so the report, the metrics and the rules read one rating whichever scale
//! asked. A rating can be changed
//! within the link's window (the last one counts; every one stays in the audit trail), up to
//! [`MAX_RATINGS`] times, so a flood of posts cannot grow a ticket's history without bound.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::audit::Actor;
use super::contact::Contact;
use super::error::DomainError;
use super::ids::AgentId;
use super::ticket::{Status, Ticket};
use super::time::Timestamp;

/// How many times one ticket may be rated (the first rating and its changes).
pub const MAX_RATINGS: u16 = 10;
/// The longest comment kept, in characters.
pub const MAX_COMMENT_CHARS: usize = 2_000;
/// How long a survey's links work, in days.
pub const SURVEY_LINK_DAYS: i64 = 30;

/// The customer's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rating {
    Good,
    Bad,
}

impl Rating {
    pub const ALL: [Rating; 2] = [Rating::Good, Rating::Bad];

    pub fn as_str(self) -> &'static str {
        match self {
            Rating::Good => "good",
            Rating::Bad => "bad",
        }
    }

    pub fn parse(text: &str) -> Result<Self, DomainError> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == text.trim())
            .ok_or_else(|| DomainError::invalid("rating", "expected good or bad"))
    }
}

impl fmt::Display for Rating {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a desk's surveys ask.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CsatScale {
    /// Good or bad.
    #[default]
    GoodBad,
    /// 1 (very dissatisfied) to 5 (very satisfied).
    FivePoint,
}

/// An answer on the five-point scale, 1 to 5.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Score(u8);

impl Score {
    pub const ALL: [Score; 5] = [Score(1), Score(2), Score(3), Score(4), Score(5)];

    pub fn parse(text: &str) -> Result<Self, DomainError> {
        text.trim()
            .parse::<u8>()
            .ok()
            .and_then(|n| Self::try_from(n).ok())
            .ok_or_else(|| DomainError::invalid("score", "expected 1 to 5"))
    }

    pub fn value(self) -> u8 {
        self.0
    }

    /// The rating the score counts as: 4 and 5 are satisfied.
    pub fn rating(self) -> Rating {
        if self.0 >= 4 { Rating::Good } else { Rating::Bad }
    }
}

impl TryFrom<u8> for Score {
    type Error = DomainError;
    fn try_from(n: u8) -> Result<Self, DomainError> {
        if (1..=5).contains(&n) {
            Ok(Self(n))
        } else {
            Err(DomainError::invalid("score", "expected 1 to 5"))
        }
    }
}

impl From<Score> for u8 {
    fn from(score: Score) -> u8 {
        score.0
    }
}

/// What the customer answered: a rating, and the score it came from on the five-point scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Answer {
    pub rating: Rating,
    pub score: Option<Score>,
}

impl Answer {
    /// The scale the answer was given on.
    pub fn scale(self) -> CsatScale {
        match self.score {
            Some(_) => CsatScale::FivePoint,
            None => CsatScale::GoodBad,
        }
    }
}

impl From<Rating> for Answer {
    fn from(rating: Rating) -> Self {
        Self { rating, score: None }
    }
}

impl From<Score> for Answer {
    fn from(score: Score) -> Self {
        Self {
            rating: score.rating(),
            score: Some(score),
        }
    }
}

/// A customer's comment with a rating: trimmed, at most [`MAX_COMMENT_CHARS`], line breaks
/// kept and other control characters refused. Blank is no comment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Comment(String);

impl Comment {
    /// `None` for a blank comment.
    pub fn parse(text: &str) -> Result<Option<Self>, DomainError> {
        let text = text.trim().replace("\r\n", "\n");
        if text.is_empty() {
            return Ok(None);
        }
        if text.chars().count() > MAX_COMMENT_CHARS {
            return Err(DomainError::invalid(
                "comment",
                format!("at most {MAX_COMMENT_CHARS} characters"),
            ));
        }
        if text.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
            return Err(DomainError::invalid("comment", "must not contain control characters"));
        }
        Ok(Some(Self(text)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Comment {
    type Error = DomainError;
    fn try_from(text: String) -> Result<Self, DomainError> {
        Self::parse(&text)?.ok_or_else(|| DomainError::invalid("comment", "must not be blank"))
    }
}

impl From<Comment> for String {
    fn from(comment: Comment) -> String {
        comment.0
    }
}

/// The ticket's rating: the last one given, when, how many were given, and the agent who had
/// solved the ticket (so the rating counts for them even if the ticket moves on).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Satisfaction {
    pub rating: Rating,
    /// The five-point score the rating came from, on a desk that asks that way.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<Score>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<Comment>,
    pub at: Timestamp,
    /// How many ratings this ticket got (1 for the first).
    pub ratings: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<AgentId>,
}

/// Why a rating is not taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RatingRefused {
    #[error("this ticket cannot be rated")]
    NotRateable,
    #[error("this ticket was rated too many times")]
    TooManyRatings,
}

/// When surveys go out and to whom (the settings of the csat function).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SurveyPolicy {
    /// Whether resolutions get a survey at all.
    pub enabled: bool,
    /// How the survey asks.
    pub scale: CsatScale,
    /// How long after the resolution the survey goes (0: at the next sweep).
    pub delay_seconds: i64,
    /// At most one survey per contact in this many days.
    pub contact_cap_days: i64,
}

impl Default for SurveyPolicy {
    fn default() -> Self {
        Self {
            enabled: true,
            scale: CsatScale::GoodBad,
            delay_seconds: 24 * 3600,
            contact_cap_days: 7,
        }
    }
}

/// Why a resolved ticket gets no survey.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NoSurvey {
    #[error("satisfaction surveys are off")]
    Disabled,
    #[error("the ticket is no longer resolved or closed")]
    NotSolved,
    #[error("the ticket is spam")]
    Spam,
    #[error("the ticket was merged into another")]
    Merged,
    #[error("the ticket was resolved again since")]
    ResolvedAgain,
    #[error("nobody worked the ticket: it was closed automatically")]
    AutoClosed,
    #[error("the ticket is already rated")]
    AlreadyRated,
    #[error("the requester has no deliverable address")]
    Undeliverable,
    #[error("the requester had a survey recently")]
    SurveyedRecently,
}

impl SurveyPolicy {
    /// When a ticket resolved at `resolved_at` is surveyed.
    pub fn due(&self, resolved_at: Timestamp) -> Timestamp {
        Timestamp::new(resolved_at.as_datetime() + chrono::Duration::seconds(self.delay_seconds.max(0)))
    }

    /// Whether the resolution an event reported at `resolved_at` by `resolver` deserves a
    /// survey, looked at when it is due: the ticket as it is now, its requester, and when that
    /// contact was last surveyed.
    pub fn check(
        &self,
        ticket: &Ticket,
        resolved_at: Timestamp,
        resolver: &Actor,
        contact: &Contact,
        last_surveyed: Option<Timestamp>,
        now: Timestamp,
    ) -> Result<(), NoSurvey> {
        if !self.enabled {
            return Err(NoSurvey::Disabled);
        }
        if ticket.merged_into.is_some() {
            return Err(NoSurvey::Merged);
        }
        match ticket.status {
            Status::Spam => return Err(NoSurvey::Spam),
            Status::Resolved | Status::Closed => {}
            _ => return Err(NoSurvey::NotSolved),
        }
        // Reopened and resolved again: the newer resolution has its own survey.
        if ticket.resolved_at.is_some_and(|at| at != resolved_at) {
            return Err(NoSurvey::ResolvedAgain);
        }
        let by_person = matches!(resolver, Actor::Agent { .. });
        if !by_person && ticket.assignee.is_none() {
            return Err(NoSurvey::AutoClosed);
        }
        if ticket.satisfaction.is_some() {
            return Err(NoSurvey::AlreadyRated);
        }
        if contact.undeliverable || contact.email.is_none() {
            return Err(NoSurvey::Undeliverable);
        }
        let cap = chrono::Duration::days(self.contact_cap_days.max(0));
        if last_surveyed.is_some_and(|last| now.as_datetime() - last.as_datetime() < cap) {
            return Err(NoSurvey::SurveyedRecently);
        }
        Ok(())
    }
}

impl Satisfaction {
    /// The answer this rating records.
    pub fn answer(&self) -> Answer {
        Answer {
            rating: self.rating,
            score: self.score,
        }
    }
}

/// The survey settings an admin keeps (`/v1/settings/surveys`): CSAT on or off, its scale,
/// delay and contact cap, NPS on or off and its interval. Stored, they replace the csat functions'
/// template parameters, which are the defaults until then.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SurveySettings {
    pub csat_enabled: bool,
    /// Good/bad unless set: settings stored before the scale existed read as good/bad.
    #[serde(default)]
    pub csat_scale: CsatScale,
    /// 0 to 30 days.
    pub csat_delay_seconds: i64,
    /// 0 to 365 days.
    pub csat_contact_cap_days: i64,
    pub nps_enabled: bool,
    /// 1 to 365 days.
    pub nps_interval_days: i64,
}

impl SurveySettings {
    /// The settings `policy` and `nps` say (the defaults before an admin stores any).
    pub fn of(policy: SurveyPolicy, nps: super::nps::NpsPolicy) -> Self {
        Self {
            csat_enabled: policy.enabled,
            csat_scale: policy.scale,
            csat_delay_seconds: policy.delay_seconds,
            csat_contact_cap_days: policy.contact_cap_days,
            nps_enabled: nps.enabled,
            nps_interval_days: nps.interval_days,
        }
    }

    pub fn check(&self) -> Result<(), DomainError> {
        if !(0..=30 * 86_400).contains(&self.csat_delay_seconds) {
            return Err(DomainError::invalid("csat_delay_seconds", "0 to 2592000 (30 days)"));
        }
        if !(0..=365).contains(&self.csat_contact_cap_days) {
            return Err(DomainError::invalid("csat_contact_cap_days", "0 to 365"));
        }
        if !(1..=365).contains(&self.nps_interval_days) {
            return Err(DomainError::invalid("nps_interval_days", "1 to 365"));
        }
        Ok(())
    }

    pub fn csat(&self) -> SurveyPolicy {
        SurveyPolicy {
            enabled: self.csat_enabled,
            scale: self.csat_scale,
            delay_seconds: self.csat_delay_seconds,
            contact_cap_days: self.csat_contact_cap_days,
        }
    }

    pub fn nps(&self) -> super::nps::NpsPolicy {
        super::nps::NpsPolicy {
            enabled: self.nps_enabled,
            interval_days: self.nps_interval_days,
        }
    }
}

/// When a survey's links stop working.
pub fn links_expire(sent: Timestamp) -> Timestamp {
    Timestamp::new(sent.as_datetime() + chrono::Duration::days(SURVEY_LINK_DAYS))
}

/// Whether a ticket changed by an event with these status changes was just resolved.
pub fn resolves(changes: &[super::ticket::FieldChange]) -> bool {
    changes
        .iter()
        .any(|c| c.field == super::ticket::TicketField::Status && c.to == serde_json::json!("resolved"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ContactId;
    use crate::domain::ticket::tests::{at, sample_ticket};

    fn contact() -> Contact {
        Contact {
            id: ContactId::generate(at("2026-11-01T00:00:00Z")),
            name: None,
            email: Some(crate::domain::EmailAddress::parse("ann@example.com").unwrap()),
            phone: None,
            language: None,
            created_at: at("2026-11-01T00:00:00Z"),
            undeliverable: false,
            groups: Default::default(),
        }
    }

    fn agent() -> Actor {
        Actor::Agent {
            subject: "a".into(),
            role: crate::domain::Role::Agent,
        }
    }

    fn resolved() -> Ticket {
        let mut t = sample_ticket();
        t.status = Status::Resolved;
        t.resolved_at = Some(at("2026-11-24T10:00:00Z"));
        t
    }

    #[test]
    fn a_five_point_score_counts_four_and_five_as_good() {
        assert_eq!(Score::parse(" 4 ").map(Score::rating), Ok(Rating::Good));
        assert_eq!(Score::parse("3").map(Score::rating), Ok(Rating::Bad));
        for wrong in ["0", "6", "good", "", "-1", "300"] {
            assert!(Score::parse(wrong).is_err(), "{wrong}");
        }
        let answer = Answer::from(Score::parse("5").unwrap());
        assert_eq!((answer.rating, answer.scale()), (Rating::Good, CsatScale::FivePoint));
        assert_eq!(Answer::from(Rating::Bad).scale(), CsatScale::GoodBad);
        assert!(serde_json::from_str::<Score>("9").is_err());
        let old: SurveySettings = serde_json::from_str(
            r#"{"csat_enabled":true,"csat_delay_seconds":0,"csat_contact_cap_days":7,"nps_enabled":false,"nps_interval_days":90}"#,
        )
        .unwrap();
        assert_eq!(old.csat_scale, CsatScale::GoodBad);
    }

    #[test]
    fn ratings_and_comments_parse_at_the_edge() {
        assert_eq!(Rating::parse("bad"), Ok(Rating::Bad));
        assert!(Rating::parse("3").is_err());
        assert_eq!(Comment::parse("  \n "), Ok(None));
        assert_eq!(
            Comment::parse(" slow\r\nreply ").unwrap().unwrap().as_str(),
            "slow\nreply"
        );
        assert!(Comment::parse(&"x".repeat(MAX_COMMENT_CHARS + 1)).is_err());
        assert!(Comment::parse("bell\u{7}").is_err());
    }

    #[test]
    fn a_resolved_ticket_is_surveyed_unless_something_says_no() {
        let policy = SurveyPolicy::default();
        let resolved_at = at("2026-11-24T10:00:00Z");
        let now = policy.due(resolved_at);
        assert_eq!(now, at("2026-11-25T10:00:00Z"));
        let check = |t: &Ticket, by: &Actor, c: &Contact, last| policy.check(t, resolved_at, by, c, last, now);
        assert_eq!(check(&resolved(), &agent(), &contact(), None), Ok(()));

        let reopened = Ticket {
            status: Status::Open,
            resolved_at: None,
            ..resolved()
        };
        assert_eq!(check(&reopened, &agent(), &contact(), None), Err(NoSurvey::NotSolved));
        let again = Ticket {
            resolved_at: Some(at("2026-11-24T12:00:00Z")),
            ..resolved()
        };
        assert_eq!(check(&again, &agent(), &contact(), None), Err(NoSurvey::ResolvedAgain));
        let spam = Ticket {
            status: Status::Spam,
            ..resolved()
        };
        assert_eq!(check(&spam, &agent(), &contact(), None), Err(NoSurvey::Spam));
        let merged = Ticket {
            merged_into: Some(sample_ticket().pointer()),
            ..resolved()
        };
        assert_eq!(check(&merged, &agent(), &contact(), None), Err(NoSurvey::Merged));
        let system = Actor::System { cause: "rule".into() };
        assert_eq!(check(&resolved(), &system, &contact(), None), Err(NoSurvey::AutoClosed));
        let assigned = Ticket {
            assignee: Some(AgentId::generate(now)),
            ..resolved()
        };
        assert_eq!(check(&assigned, &system, &contact(), None), Ok(()));
        let bouncing = Contact {
            undeliverable: true,
            ..contact()
        };
        assert_eq!(
            check(&resolved(), &agent(), &bouncing, None),
            Err(NoSurvey::Undeliverable)
        );
        let recently = Some(at("2026-11-20T10:00:00Z"));
        assert_eq!(
            check(&resolved(), &agent(), &contact(), recently),
            Err(NoSurvey::SurveyedRecently)
        );
        let long_ago = Some(at("2026-11-10T10:00:00Z"));
        assert_eq!(check(&resolved(), &agent(), &contact(), long_ago), Ok(()));
        let off = SurveyPolicy {
            enabled: false,
            ..policy
        };
        assert_eq!(
            off.check(&resolved(), resolved_at, &agent(), &contact(), None, now),
            Err(NoSurvey::Disabled)
        );
    }

    #[test]
    fn survey_settings_are_checked_and_become_the_policies() {
        let settings = SurveySettings::of(SurveyPolicy::default(), crate::domain::nps::NpsPolicy::default());
        assert_eq!(settings.check(), Ok(()));
        assert_eq!(settings.csat(), SurveyPolicy::default());
        assert_eq!(settings.nps(), crate::domain::nps::NpsPolicy::default());
        for bad in [
            SurveySettings {
                csat_delay_seconds: -1,
                ..settings
            },
            SurveySettings {
                csat_contact_cap_days: 366,
                ..settings
            },
            SurveySettings {
                nps_interval_days: 0,
                ..settings
            },
        ] {
            assert!(bad.check().is_err(), "{bad:?}");
        }
        assert!(serde_json::from_str::<SurveySettings>(r#"{"csat_enabled":true}"#).is_err());
    }

    #[test]
    fn a_status_change_to_resolved_is_a_resolution() {
        use crate::domain::{FieldChange, TicketField};
        assert!(resolves(&[FieldChange::new(TicketField::Status, "open", "resolved")]));
        assert!(!resolves(&[FieldChange::new(
            TicketField::Status,
            "resolved",
            "closed"
        )]));
        assert!(!resolves(&[]));
    }
}
