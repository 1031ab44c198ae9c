//! How long a solved ticket keeps its requester's personal data (docs/privacy.md,
//! "Retention"): an admin's setting, and the cutoff it gives at a moment.

use chrono::Months;
use serde::{Deserialize, Serialize};

use super::{DomainError, Timestamp};

/// The desk's retention settings (`/v1/settings/retention`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionSettings {
    /// Months a resolved or closed ticket keeps its requester's personal data, counted from
    /// when it was solved; `null` keeps it until someone asks for an erasure (the default).
    pub solved_ticket_months: Option<u16>,
}

impl RetentionSettings {
    /// Ten years: longer than any legal hold we know of, short enough to be a typo's ceiling.
    pub const MAX_MONTHS: u16 = 120;

    pub fn check(&self) -> Result<(), DomainError> {
        match self.solved_ticket_months {
            Some(months) if !(1..=Self::MAX_MONTHS).contains(&months) => Err(DomainError::invalid(
                "solved_ticket_months",
                format!(
                    "expected a whole number of months from 1 to {}, or null",
                    Self::MAX_MONTHS
                ),
            )),
            _ => Ok(()),
        }
    }

    /// Tickets solved before this moment lose their requester's personal data at `now`; none
    /// when retention is off.
    pub fn cutoff(&self, now: Timestamp) -> Option<Timestamp> {
        let months = self.solved_ticket_months?;
        now.as_datetime()
            .checked_sub_months(Months::new(months.into()))
            .map(Timestamp::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        Timestamp::parse(text).unwrap()
    }

    #[test]
    fn the_cutoff_is_calendar_months_back_and_none_when_off() {
        let now = at("2026-12-07T10:00:00Z");
        assert_eq!(RetentionSettings::default().cutoff(now), None);
        let months = |n| RetentionSettings {
            solved_ticket_months: Some(n),
        };
        assert_eq!(months(24).cutoff(now), Some(at("2024-12-07T10:00:00Z")));
        // The 31st less a month is the last day of the shorter month.
        assert_eq!(
            months(1).cutoff(at("2026-03-31T00:00:00Z")),
            Some(at("2026-02-28T00:00:00Z"))
        );
    }

    #[test]
    fn months_outside_one_to_ten_years_are_refused_by_field() {
        for bad in [0, 121] {
            let error = RetentionSettings {
                solved_ticket_months: Some(bad),
            }
            .check()
            .unwrap_err();
            assert!(
                matches!(&error, DomainError::Invalid { field, .. } if field == "solved_ticket_months"),
                "{error:?}"
            );
        }
        assert!(
            RetentionSettings {
                solved_ticket_months: Some(120)
            }
            .check()
            .is_ok()
        );
        let parsed: Result<RetentionSettings, _> = serde_json::from_str(r#"{"solved_ticket_months": 6, "x": 1}"#);
        assert!(parsed.is_err(), "unknown fields are refused");
    }
}
