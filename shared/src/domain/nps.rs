//! Net Promoter Score (NPS): the relationship survey "how likely are you to recommend us?",
//! 0 to 10, to contacts who had a ticket resolved lately, at most once per interval. Pure: the
//! use cases in `usecases/satisfaction/nps.rs` read and write (docs/csat.md).
//!
//! NPS = % promoters (9–10) − % detractors (0–6); passives (7–8) count in the total only.

use serde::{Deserialize, Serialize};

use super::contact::Contact;
use super::error::DomainError;
use super::time::Timestamp;

/// How many times one NPS survey's answer may be given (the first and its changes).
pub const MAX_NPS_ANSWERS: u16 = 10;

/// An answer on the 0–10 scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct NpsScore(u8);

impl NpsScore {
    pub const MAX: u8 = 10;

    pub fn new(score: u8) -> Result<Self, DomainError> {
        if score > Self::MAX {
            return Err(DomainError::invalid("score", "expected a whole number from 0 to 10"));
        }
        Ok(Self(score))
    }

    pub fn parse(text: &str) -> Result<Self, DomainError> {
        let score = text
            .trim()
            .parse::<u8>()
            .map_err(|_| DomainError::invalid("score", "expected a whole number from 0 to 10"))?;
        Self::new(score)
    }

    pub fn value(self) -> u8 {
        self.0
    }

    /// All scores, 0 first.
    pub fn all() -> impl Iterator<Item = NpsScore> {
        (0..=Self::MAX).map(NpsScore)
    }

    pub fn category(self) -> NpsCategory {
        match self.0 {
            9..=10 => NpsCategory::Promoter,
            7..=8 => NpsCategory::Passive,
            _ => NpsCategory::Detractor,
        }
    }
}

impl TryFrom<u8> for NpsScore {
    type Error = DomainError;
    fn try_from(score: u8) -> Result<Self, DomainError> {
        Self::new(score)
    }
}

impl From<NpsScore> for u8 {
    fn from(score: NpsScore) -> u8 {
        score.0
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NpsCategory {
    Promoter,
    Passive,
    Detractor,
}

/// The answers of a period and the score they make.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct NpsTally {
    pub responses: usize,
    pub promoters: usize,
    pub passives: usize,
    pub detractors: usize,
    /// % promoters − % detractors, −100 to 100, rounded to one decimal; `null` with no answers.
    pub score: Option<f64>,
}

impl NpsTally {
    pub fn of(scores: impl IntoIterator<Item = NpsScore>) -> Self {
        let mut tally = Self::default();
        for score in scores {
            tally.responses += 1;
            match score.category() {
                NpsCategory::Promoter => tally.promoters += 1,
                NpsCategory::Passive => tally.passives += 1,
                NpsCategory::Detractor => tally.detractors += 1,
            }
        }
        tally.score = (tally.responses > 0).then(|| {
            let net = tally.promoters as f64 - tally.detractors as f64;
            (net * 1000.0 / tally.responses as f64).round() / 10.0
        });
        tally
    }
}

/// When NPS surveys go and to whom.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NpsPolicy {
    pub enabled: bool,
    /// A contact is asked at most once in this many days, and only with a ticket resolved in
    /// the last this many days.
    pub interval_days: i64,
}

/// Off until a desk turns it on: it mails every recent customer, which is the desk's choice.
impl Default for NpsPolicy {
    fn default() -> Self {
        Self {
            enabled: false,
            interval_days: 90,
        }
    }
}

/// Why a contact due for NPS is not asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NoNps {
    #[error("NPS surveys are off")]
    Disabled,
    #[error("the contact's last resolved ticket is too long ago")]
    NoRecentResolution,
    #[error("the contact was asked within the interval")]
    AskedRecently,
    #[error("the contact has no deliverable address")]
    Undeliverable,
}

impl NpsPolicy {
    fn interval(&self) -> chrono::Duration {
        chrono::Duration::days(self.interval_days.max(1))
    }

    /// When a contact with a resolution at `now` is due: now, or once the interval since the
    /// last survey has passed.
    pub fn due(&self, last_sent: Option<Timestamp>, now: Timestamp) -> Timestamp {
        match last_sent {
            Some(sent) => now.max(self.next_after(sent)),
            None => now,
        }
    }

    /// The first moment a contact surveyed at `sent` may be asked again.
    pub fn next_after(&self, sent: Timestamp) -> Timestamp {
        Timestamp::new(sent.as_datetime() + self.interval())
    }

    /// Whether a contact due at `now` is asked: NPS on, a ticket resolved within the interval,
    /// none asked within it, and an address that does not bounce.
    pub fn check(
        &self,
        contact: &Contact,
        last_resolved: Timestamp,
        last_sent: Option<Timestamp>,
        now: Timestamp,
    ) -> Result<(), NoNps> {
        if !self.enabled {
            return Err(NoNps::Disabled);
        }
        if now.as_datetime() - last_resolved.as_datetime() > self.interval() {
            return Err(NoNps::NoRecentResolution);
        }
        if last_sent.is_some_and(|sent| now < self.next_after(sent)) {
            return Err(NoNps::AskedRecently);
        }
        if contact.undeliverable || contact.email.is_none() {
            return Err(NoNps::Undeliverable);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ContactId;

    fn at(text: &str) -> Timestamp {
        Timestamp::parse(text).unwrap()
    }

    fn score(n: u8) -> NpsScore {
        NpsScore::new(n).unwrap()
    }

    fn contact() -> Contact {
        Contact {
            id: ContactId::generate(at("2026-01-01T00:00:00Z")),
            name: None,
            email: Some(crate::domain::EmailAddress::parse("ann@example.com").unwrap()),
            phone: None,
            language: None,
            created_at: at("2026-01-01T00:00:00Z"),
            undeliverable: false,
            groups: Default::default(),
        }
    }

    #[test]
    fn scores_are_whole_numbers_from_0_to_10_in_three_groups() {
        assert_eq!(NpsScore::parse(" 10 ").map(NpsScore::value), Ok(10));
        assert!(NpsScore::parse("11").is_err());
        assert!(NpsScore::parse("-1").is_err());
        assert!(NpsScore::parse("7.5").is_err());
        assert!(serde_json::from_str::<NpsScore>("11").is_err());
        let groups: Vec<NpsCategory> = NpsScore::all().map(NpsScore::category).collect();
        assert_eq!(groups[..7], [NpsCategory::Detractor; 7]);
        assert_eq!(groups[7..9], [NpsCategory::Passive; 2]);
        assert_eq!(groups[9..], [NpsCategory::Promoter; 2]);
    }

    #[test]
    fn nps_is_percent_promoters_minus_percent_detractors() {
        // 3 promoters, 2 passives, 1 detractor: 50% − 16.7% = 33.3.
        let tally = NpsTally::of([10, 9, 9, 8, 7, 6].map(score));
        assert_eq!(
            (tally.responses, tally.promoters, tally.passives, tally.detractors),
            (6, 3, 2, 1)
        );
        assert_eq!(tally.score, Some(33.3));
        assert_eq!(NpsTally::of([0, 6].map(score)).score, Some(-100.0));
        assert_eq!(NpsTally::of([7, 8].map(score)).score, Some(0.0));
        assert_eq!(NpsTally::of([10].map(score)).score, Some(100.0));
        assert_eq!(NpsTally::of([]).score, None);
    }

    #[test]
    fn a_contact_is_due_now_or_once_the_interval_since_the_last_survey_passed() {
        let policy = NpsPolicy::default();
        let now = at("2026-06-01T00:00:00Z");
        assert_eq!(policy.due(None, now), now);
        assert_eq!(
            policy.due(Some(at("2026-05-01T00:00:00Z")), now),
            at("2026-07-30T00:00:00Z")
        );
        assert_eq!(policy.due(Some(at("2026-01-01T00:00:00Z")), now), now);
    }

    #[test]
    fn at_most_one_survey_per_interval_and_only_after_a_recent_resolution() {
        let policy = NpsPolicy {
            enabled: true,
            ..NpsPolicy::default()
        };
        let now = at("2026-06-01T00:00:00Z");
        let recent = at("2026-05-20T00:00:00Z");
        assert_eq!(policy.check(&contact(), recent, None, now), Ok(()));
        assert_eq!(
            policy.check(&contact(), at("2026-02-01T00:00:00Z"), None, now),
            Err(NoNps::NoRecentResolution)
        );
        // Asked 89 days ago: not yet; 90 days ago: again.
        assert_eq!(
            policy.check(&contact(), recent, Some(at("2026-03-04T00:00:00Z")), now),
            Err(NoNps::AskedRecently)
        );
        assert_eq!(
            policy.check(&contact(), recent, Some(at("2026-03-03T00:00:00Z")), now),
            Ok(())
        );
        let bouncing = Contact {
            undeliverable: true,
            ..contact()
        };
        assert_eq!(policy.check(&bouncing, recent, None, now), Err(NoNps::Undeliverable));
        let off = NpsPolicy {
            enabled: false,
            ..policy
        };
        assert_eq!(off.check(&contact(), recent, None, now), Err(NoNps::Disabled));
    }
}
