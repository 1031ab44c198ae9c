//! A team's week: for each weekday, the stretches of local clock time in which it works.

use std::fmt;

use chrono::Weekday;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::domain::error::DomainError;

/// Minutes in a day: an interval may end at 24:00, the midnight that ends its day.
pub const MINUTES_PER_DAY: u16 = 1440;
/// The most intervals one weekday may have.
pub const MAX_INTERVALS_PER_DAY: usize = 12;
/// The weekdays as they are named in JSON, Monday first.
pub const DAY_NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// A reading of the local wall clock within a day, `00:00` to `24:00`, to the minute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LocalTime(u16);

impl LocalTime {
    pub const MIDNIGHT: LocalTime = LocalTime(0);
    pub const END_OF_DAY: LocalTime = LocalTime(MINUTES_PER_DAY);

    /// `hour:minute`; `None` past 24:00.
    pub fn hm(hour: u16, minute: u16) -> Option<Self> {
        let minutes = hour.checked_mul(60)?.checked_add(minute)?;
        (minute < 60 && minutes <= MINUTES_PER_DAY).then_some(Self(minutes))
    }

    /// `HH:MM`, `00:00` to `24:00`.
    pub fn parse(text: &str) -> Result<Self, DomainError> {
        let bad = || DomainError::invalid("time", "expected a time of day as HH:MM, from 00:00 to 24:00");
        let (hour, minute) = text.split_once(':').ok_or_else(bad)?;
        let digits = |s: &str| s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(hour) || !digits(minute) {
            return Err(bad());
        }
        Self::hm(hour.parse().map_err(|_| bad())?, minute.parse().map_err(|_| bad())?).ok_or_else(bad)
    }

    /// Minutes since midnight.
    pub fn minutes(self) -> u16 {
        self.0
    }
}

impl fmt::Display for LocalTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.0 / 60, self.0 % 60)
    }
}

impl Serialize for LocalTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for LocalTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Self::parse(&String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// One stretch of work: from `from` (inclusive) to `to` (exclusive) on the local clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Interval {
    from: LocalTime,
    to: LocalTime,
}

impl Interval {
    /// `from..to`; refused unless `from` is before `to`.
    pub fn new(from: LocalTime, to: LocalTime) -> Result<Self, DomainError> {
        if from >= to {
            return Err(DomainError::invalid("to", "an interval must end after it starts"));
        }
        Ok(Self { from, to })
    }

    /// Whole hours, `from_hour..to_hour` (`to_hour` at most 24).
    pub fn hours(from_hour: u16, to_hour: u16) -> Result<Self, DomainError> {
        let time = |h| LocalTime::hm(h, 0).ok_or_else(|| DomainError::invalid("time", "hours run from 0 to 24"));
        Self::new(time(from_hour)?, time(to_hour)?)
    }

    pub fn from(&self) -> LocalTime {
        self.from
    }

    pub fn to(&self) -> LocalTime {
        self.to
    }

    fn minutes(&self) -> i64 {
        i64::from(self.to.0 - self.from.0)
    }
}

impl<'de> Deserialize<'de> for Interval {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Raw {
            from: LocalTime,
            to: LocalTime,
        }
        let raw = Raw::deserialize(d)?;
        Self::new(raw.from, raw.to).map_err(serde::de::Error::custom)
    }
}

/// The working intervals of each weekday, Monday first; each day's in order, none overlapping
/// (touching is allowed: 08:00–12:00 and 12:00–13:00 is one stretch).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct WeeklyHours {
    days: [Vec<Interval>; 7],
}

impl WeeklyHours {
    /// The week from each day's intervals (days not named have none). Refused, naming
    /// `<day>[<index>]`, when a day's intervals overlap or are too many; given in any order.
    pub fn new(days: impl IntoIterator<Item = (Weekday, Vec<Interval>)>) -> Result<Self, DomainError> {
        let mut week = Self::default();
        for (day, intervals) in days {
            week.days[day.num_days_from_monday() as usize].extend(intervals);
        }
        for (index, intervals) in week.days.iter_mut().enumerate() {
            let name = DAY_NAMES[index];
            if intervals.len() > MAX_INTERVALS_PER_DAY {
                return Err(DomainError::invalid(
                    name,
                    format!("at most {MAX_INTERVALS_PER_DAY} intervals a day"),
                ));
            }
            intervals.sort_by_key(|i| (i.from, i.to));
            if let Some(at) = intervals.windows(2).position(|pair| pair[1].from < pair[0].to) {
                return Err(DomainError::invalid(
                    format!("{name}[{}]", at + 1),
                    format!(
                        "overlaps the interval before it ({}–{})",
                        intervals[at].from, intervals[at].to
                    ),
                ));
            }
        }
        Ok(week)
    }

    /// `from_hour..to_hour` on Monday to Friday.
    pub fn weekdays(from_hour: u16, to_hour: u16) -> Result<Self, DomainError> {
        let interval = Interval::hours(from_hour, to_hour)?;
        let days = [Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri];
        Self::new(days.map(|d| (d, vec![interval])))
    }

    /// The intervals of `day`, in order.
    pub fn on(&self, day: Weekday) -> &[Interval] {
        &self.days[day.num_days_from_monday() as usize]
    }

    /// Whether the week has no working time at all.
    pub fn is_empty(&self) -> bool {
        self.days.iter().all(Vec::is_empty)
    }

    /// The working minutes of a week without holidays or clock changes.
    pub fn weekly_minutes(&self) -> i64 {
        self.days.iter().flatten().map(Interval::minutes).sum()
    }
}

/// As `{"mon": [{"from": "09:00", "to": "17:00"}], ..., "sun": []}`: every day named.
impl Serialize for WeeklyHours {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(7))?;
        for (name, intervals) in DAY_NAMES.iter().zip(&self.days) {
            map.serialize_entry(name, intervals)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for WeeklyHours {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = std::collections::BTreeMap::<String, Vec<Interval>>::deserialize(d)?;
        let mut days = Vec::with_capacity(raw.len());
        for (name, intervals) in raw {
            let day = weekday(&name).ok_or_else(|| serde::de::Error::custom(format!("unknown day {name:?}")))?;
            days.push((day, intervals));
        }
        Self::new(days).map_err(serde::de::Error::custom)
    }
}

/// The weekday named `mon` ... `sun`.
pub fn weekday(name: &str) -> Option<Weekday> {
    let index = DAY_NAMES.iter().position(|n| *n == name)?;
    Weekday::try_from(index as u8).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_of_day_parse_as_hh_mm_up_to_midnight() {
        assert_eq!(LocalTime::parse("08:30").unwrap().minutes(), 510);
        assert_eq!(LocalTime::parse("24:00").unwrap(), LocalTime::END_OF_DAY);
        assert_eq!(LocalTime::parse("00:00").unwrap().to_string(), "00:00");
        for bad in ["24:01", "8:30", "08:60", "0830", "", "aa:bb", "08:30:00", "-1:00"] {
            assert!(LocalTime::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn intervals_run_forward_and_a_day_refuses_overlaps() {
        assert!(Interval::hours(17, 9).is_err());
        assert!(Interval::hours(9, 9).is_err());
        assert!(Interval::hours(0, 24).is_ok());
        let split = WeeklyHours::new([(
            Weekday::Mon,
            vec![Interval::hours(13, 17).unwrap(), Interval::hours(8, 12).unwrap()],
        )])
        .unwrap();
        assert_eq!(
            split.on(Weekday::Mon),
            [Interval::hours(8, 12).unwrap(), Interval::hours(13, 17).unwrap()]
        );
        assert_eq!(split.weekly_minutes(), 8 * 60);
        let touching = [Interval::hours(8, 12).unwrap(), Interval::hours(12, 13).unwrap()];
        assert!(WeeklyHours::new([(Weekday::Tue, touching.to_vec())]).is_ok());
        let overlapping = [Interval::hours(8, 12).unwrap(), Interval::hours(11, 13).unwrap()];
        let error = WeeklyHours::new([(Weekday::Tue, overlapping.to_vec())]).unwrap_err();
        assert!(
            matches!(error, DomainError::Invalid { ref field, .. } if field == "tue[1]"),
            "{error}"
        );
    }

    #[test]
    fn the_week_reads_and_writes_every_day_by_name() {
        let week = WeeklyHours::weekdays(9, 17).unwrap();
        let json = serde_json::to_value(&week).unwrap();
        assert_eq!(json["mon"], serde_json::json!([{"from": "09:00", "to": "17:00"}]));
        assert_eq!(json["sun"], serde_json::json!([]));
        assert_eq!(serde_json::from_value::<WeeklyHours>(json).unwrap(), week);
        assert!(serde_json::from_value::<WeeklyHours>(serde_json::json!({"funday": []})).is_err());
    }
}
