//! Calendars as data: a named calendar an admin keeps (`/v1/calendars`), that departments and
//! the desk's default name by id, and the draft an admin writes, checked field by field.

use std::collections::BTreeMap;
use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::hours::{Interval, LocalTime, WeeklyHours, weekday};
use super::zone::{self, parse_zone};
use super::{BusinessCalendar, Holiday, Tz};
use crate::domain::error::DomainError;
use crate::domain::time::Timestamp;
use crate::domain::version::Version;

/// The most holidays one calendar may list (a decade of public holidays, with room).
pub const MAX_HOLIDAYS: usize = 400;
const MAX_NAME_CHARS: usize = 120;

/// A calendar's id, e.g. `prague-office`: 1 to 40 of `a-z 0-9 -`, chosen by the admin; never
/// `default`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CalendarId(String);

impl CalendarId {
    pub fn parse(text: &str) -> Result<Self, DomainError> {
        let ok = (1..=40).contains(&text.len())
            && text
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !text.starts_with('-')
            // `/v1/calendars/default` is the desk's default, not a calendar.
            && text != "default";
        if !ok {
            return Err(DomainError::invalid(
                "calendar_id",
                "expected a calendar id like prague-office (a-z, 0-9, -; not \"default\")",
            ));
        }
        Ok(Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CalendarId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for CalendarId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for CalendarId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Self::parse(&String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// A stored calendar.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Calendar {
    pub id: CalendarId,
    pub name: String,
    #[serde(with = "zone::by_name")]
    pub time_zone: Tz,
    // Empty maps are not stored (see the DynamoDB adapter): absent reads as no hours.
    #[serde(default)]
    pub weekly_hours: WeeklyHours,
    pub holidays: Vec<Holiday>,
    /// Moves one step with every change; the API's ETag.
    pub version: Version,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl Calendar {
    /// A new calendar from a checked draft.
    pub fn new(id: CalendarId, spec: CalendarSpec, now: Timestamp) -> Self {
        Self {
            id,
            name: spec.name,
            time_zone: spec.time_zone,
            weekly_hours: spec.weekly_hours,
            holidays: spec.holidays,
            version: Version::FIRST,
            created_at: now,
            updated_at: now,
        }
    }

    /// This calendar replaced by `spec`, one version on.
    pub fn replaced(&self, spec: CalendarSpec, now: Timestamp) -> Self {
        Self {
            version: self.version.next(),
            created_at: self.created_at,
            ..Self::new(self.id.clone(), spec, now)
        }
    }

    /// The arithmetic this calendar describes.
    pub fn business_calendar(&self) -> BusinessCalendar {
        BusinessCalendar::new(self.time_zone, self.weekly_hours.clone(), self.holidays.clone())
    }
}

/// A checked draft: what a calendar holds besides its id and bookkeeping.
#[derive(Debug, Clone, PartialEq)]
pub struct CalendarSpec {
    pub name: String,
    pub time_zone: Tz,
    pub weekly_hours: WeeklyHours,
    pub holidays: Vec<Holiday>,
}

/// One interval as written: `{"from": "08:00", "to": "12:00"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IntervalDraft {
    pub from: String,
    pub to: String,
}

/// One holiday as written: `{"date": "2026-12-24", "yearly": true, "name": "Christmas Eve"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HolidayDraft {
    pub date: String,
    #[serde(default)]
    pub yearly: bool,
    #[serde(default)]
    pub name: Option<String>,
}

/// A calendar as an admin writes it (the body of `POST`/`PUT /v1/calendars`): text checked
/// by [`CalendarDraft::check`], so each mistake is reported against its own field
/// (`time_zone`, `weekly_hours.mon[1].to`, `holidays[0].date`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarDraft {
    pub name: String,
    pub time_zone: String,
    /// By day (`mon` ... `sun`); a day left out is not worked.
    pub weekly_hours: BTreeMap<String, Vec<IntervalDraft>>,
    #[serde(default)]
    pub holidays: Vec<HolidayDraft>,
}

impl CalendarDraft {
    pub fn check(self) -> Result<CalendarSpec, DomainError> {
        let name = self.name.trim().to_owned();
        if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
            return Err(DomainError::invalid(
                "name",
                format!("1 to {MAX_NAME_CHARS} characters"),
            ));
        }
        let time_zone = parse_zone(self.time_zone.trim())?;
        let mut days = Vec::with_capacity(self.weekly_hours.len());
        for (day_name, intervals) in &self.weekly_hours {
            let field = format!("weekly_hours.{day_name}");
            let day = weekday(day_name).ok_or_else(|| {
                DomainError::invalid(field.clone(), "expected a day: mon, tue, wed, thu, fri, sat or sun")
            })?;
            let mut checked = Vec::with_capacity(intervals.len());
            for (index, interval) in intervals.iter().enumerate() {
                let at = |part: &str| format!("{field}[{index}].{part}");
                let time = |text: &str, part: &str| {
                    LocalTime::parse(text.trim()).map_err(|e| match e {
                        DomainError::Invalid { reason, .. } => DomainError::invalid(at(part), reason),
                        other => other,
                    })
                };
                let (from, to) = (time(&interval.from, "from")?, time(&interval.to, "to")?);
                checked.push(
                    Interval::new(from, to)
                        .map_err(|_| DomainError::invalid(at("to"), "an interval must end after it starts"))?,
                );
            }
            // An overlap is named by the index the admin wrote (the week sorts its intervals).
            let mut order: Vec<usize> = (0..checked.len()).collect();
            order.sort_by_key(|i| (checked[*i].from(), checked[*i].to()));
            if let Some(pair) = order.windows(2).find(|p| checked[p[1]].from() < checked[p[0]].to()) {
                return Err(DomainError::invalid(
                    format!("{field}[{}]", pair[1]),
                    format!("overlaps {}–{}", checked[pair[0]].from(), checked[pair[0]].to()),
                ));
            }
            days.push((day, checked));
        }
        let weekly_hours = WeeklyHours::new(days).map_err(|e| e.within("weekly_hours"))?;
        if self.holidays.len() > MAX_HOLIDAYS {
            return Err(DomainError::invalid(
                "holidays",
                format!("at most {MAX_HOLIDAYS} holidays"),
            ));
        }
        let mut holidays = Vec::with_capacity(self.holidays.len());
        for (index, holiday) in self.holidays.into_iter().enumerate() {
            let date = NaiveDate::parse_from_str(holiday.date.trim(), "%Y-%m-%d")
                .ok()
                .filter(|d| holiday.date.trim().len() == 10 && (1..=9999).contains(&chrono::Datelike::year(d)))
                .ok_or_else(|| {
                    DomainError::invalid(format!("holidays[{index}].date"), "expected a date as YYYY-MM-DD")
                })?;
            let name = holiday.name.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
            if name.as_ref().is_some_and(|n| n.chars().count() > MAX_NAME_CHARS) {
                return Err(DomainError::invalid(
                    format!("holidays[{index}].name"),
                    format!("at most {MAX_NAME_CHARS} characters"),
                ));
            }
            holidays.push(Holiday {
                date,
                yearly: holiday.yearly,
                name,
            });
        }
        holidays.sort();
        Ok(CalendarSpec {
            name,
            time_zone,
            weekly_hours,
            holidays,
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn draft(value: serde_json::Value) -> Result<CalendarSpec, DomainError> {
        serde_json::from_value::<CalendarDraft>(value).unwrap().check()
    }

    fn field_of(error: DomainError) -> String {
        match error {
            DomainError::Invalid { field, .. } => field.into_owned(),
            other => panic!("not a field error: {other}"),
        }
    }

    #[test]
    fn a_good_draft_becomes_a_calendar() {
        let spec = draft(json!({
            "name": " Prague office ",
            "time_zone": "Europe/Prague",
            "weekly_hours": {
                "mon": [{"from": "13:00", "to": "17:00"}, {"from": "08:00", "to": "12:00"}],
                "fri": [{"from": "08:00", "to": "14:00"}],
            },
            "holidays": [{"date": "2026-12-24", "yearly": true, "name": "Christmas Eve"}, {"date": "2026-11-30"}],
        }))
        .unwrap();
        assert_eq!(spec.name, "Prague office");
        assert_eq!(spec.time_zone.name(), "Europe/Prague");
        assert_eq!(spec.weekly_hours.weekly_minutes(), 14 * 60);
        assert_eq!(spec.holidays.len(), 2);
        let now = Timestamp::parse("2026-11-23T09:00:00Z").unwrap();
        let calendar = Calendar::new(CalendarId::parse("prague").unwrap(), spec.clone(), now);
        let stored: Calendar = serde_json::from_value(serde_json::to_value(&calendar).unwrap()).unwrap();
        assert_eq!(stored, calendar);
        assert_eq!(calendar.replaced(spec, now).version, Version::FIRST.next());
        assert_eq!(calendar.business_calendar().zone(), calendar.time_zone);
    }

    #[test]
    fn each_mistake_names_its_field() {
        let base = || {
            json!({
                "name": "Office",
                "time_zone": "Europe/Prague",
                "weekly_hours": {"mon": [{"from": "08:00", "to": "12:00"}]},
            })
        };
        let with = |key: &str, value: serde_json::Value| {
            let mut body = base();
            body[key] = value;
            field_of(draft(body).unwrap_err())
        };
        assert_eq!(with("time_zone", json!("Europe/Praha")), "time_zone");
        assert_eq!(with("time_zone", json!("+01:00")), "time_zone");
        assert_eq!(with("name", json!("  ")), "name");
        assert_eq!(
            with("weekly_hours", json!({"mon": [{"from": "12:00", "to": "08:00"}]})),
            "weekly_hours.mon[0].to"
        );
        assert_eq!(
            with("weekly_hours", json!({"mon": [{"from": "8:00", "to": "12:00"}]})),
            "weekly_hours.mon[0].from"
        );
        assert_eq!(
            with("weekly_hours", json!({"tue": [{"from": "08:00", "to": "24:30"}]})),
            "weekly_hours.tue[0].to"
        );
        assert_eq!(
            with(
                "weekly_hours",
                json!({"wed": [{"from": "08:00", "to": "12:00"}, {"from": "11:00", "to": "13:00"}]})
            ),
            "weekly_hours.wed[1]"
        );
        assert_eq!(
            with(
                "weekly_hours",
                json!({"thu": [{"from": "13:00", "to": "17:00"}, {"from": "08:00", "to": "13:30"}]})
            ),
            "weekly_hours.thu[0]"
        );
        assert_eq!(with("weekly_hours", json!({"monday": []})), "weekly_hours.monday");
        assert_eq!(with("holidays", json!([{"date": "2026-02-30"}])), "holidays[0].date");
        assert_eq!(
            with("holidays", json!([{"date": "2026-12-24"}, {"date": "24.12.2026"}])),
            "holidays[1].date"
        );
        let many: Vec<_> = (0..=MAX_HOLIDAYS).map(|_| json!({"date": "2026-12-24"})).collect();
        assert_eq!(with("holidays", json!(many)), "holidays");
    }

    #[test]
    fn calendar_ids_are_slugs() {
        assert!(CalendarId::parse("prague-office").is_ok());
        for bad in ["", "Prague", "-x", "a b", "default", &"x".repeat(41)] {
            assert!(CalendarId::parse(bad).is_err(), "{bad}");
        }
    }
}
