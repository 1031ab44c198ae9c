//! Holidays: local dates on which a team does not work, whatever its week says.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// A date off: once, or every year on the same month and day (a yearly 29 February is off only
/// in leap years; it does not move to 28 February or 1 March). The name is for people.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Holiday {
    pub date: NaiveDate,
    #[serde(default)]
    pub yearly: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl Holiday {
    pub fn once(date: NaiveDate) -> Self {
        Self {
            date,
            yearly: false,
            name: None,
        }
    }

    pub fn yearly(date: NaiveDate) -> Self {
        Self {
            date,
            yearly: true,
            name: None,
        }
    }
}

/// The holidays of a calendar, sorted for a binary search per day looked at.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Holidays {
    once: Vec<NaiveDate>,
    /// (month, day) pairs.
    yearly: Vec<(u32, u32)>,
}

impl Holidays {
    pub fn new<'a>(holidays: impl IntoIterator<Item = &'a Holiday>) -> Self {
        let mut set = Self::default();
        for holiday in holidays {
            match holiday.yearly {
                true => set.yearly.push((holiday.date.month(), holiday.date.day())),
                false => set.once.push(holiday.date),
            }
        }
        set.once.sort_unstable();
        set.once.dedup();
        set.yearly.sort_unstable();
        set.yearly.dedup();
        set
    }

    /// Whether `date` (a local date) is a day off.
    pub fn contains(&self, date: NaiveDate) -> bool {
        self.once.binary_search(&date).is_ok() || self.yearly.binary_search(&(date.month(), date.day())).is_ok()
    }

    pub fn is_empty(&self) -> bool {
        self.once.is_empty() && self.yearly.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn a_holiday_is_once_or_every_year_on_its_month_and_day() {
        let holidays = Holidays::new(&[
            Holiday::once(date("2026-11-30")),
            Holiday::yearly(date("2020-12-24")),
            Holiday::yearly(date("2024-02-29")),
        ]);
        assert!(holidays.contains(date("2026-11-30")));
        assert!(!holidays.contains(date("2027-11-30")), "once is once");
        assert!(holidays.contains(date("2020-12-24")));
        assert!(holidays.contains(date("2031-12-24")));
        assert!(holidays.contains(date("2028-02-29")));
        assert!(!holidays.contains(date("2027-02-28")), "no leap day, no holiday");
        assert!(!holidays.contains(date("2027-03-01")));
        assert!(!Holidays::default().contains(date("2026-12-24")));
    }

    #[test]
    fn a_holiday_reads_as_a_date_and_a_yearly_flag() {
        let holiday: Holiday =
            serde_json::from_value(serde_json::json!({"date": "2026-12-24", "yearly": true})).unwrap();
        assert_eq!(holiday, Holiday::yearly(date("2026-12-24")));
        let once: Holiday = serde_json::from_value(serde_json::json!({"date": "2026-12-31"})).unwrap();
        assert!(!once.yearly);
        assert!(serde_json::from_value::<Holiday>(serde_json::json!({"date": "2026-02-30"})).is_err());
    }
}
