//! Business calendars: when a team works (weekly hours in its IANA time zone, less its
//! holidays), and the arithmetic the SLA clocks and the rules do on that time: is this moment
//! working time, how much working time lies between two moments, when has a given amount of
//! working time passed.
//!
//! All three read the same thing, the working *spans* of each local date as UTC instants
//! (`days.rs` says how a local time becomes an instant across clock changes), so they agree
//! exactly: measuring what was added gives it back, and an added duration ends inside a span
//! or at the end of one. A holiday is a local date with no spans. The calendar as
//! data (named, stored, the ETag's version) is [`Calendar`] in `entity.rs`.

use chrono::{DateTime, Datelike, TimeDelta, Utc};
pub use chrono_tz::Tz;

use super::time::Timestamp;

mod days;
mod entity;
mod holidays;
mod hours;
mod zone;

pub use entity::{Calendar, CalendarDraft, CalendarId, CalendarSpec, HolidayDraft, IntervalDraft, MAX_HOLIDAYS};
pub use holidays::{Holiday, Holidays};
pub use hours::{DAY_NAMES, Interval, LocalTime, MAX_INTERVALS_PER_DAY, MINUTES_PER_DAY, WeeklyHours, weekday};
pub use zone::parse_zone;

use days::{Day, DayWalk};

/// The last year an instant may fall in: timestamps are written with four-digit years.
pub const LAST_YEAR: i32 = 9999;

/// When a team works: weekly hours on the local clock of an IANA time zone, less holidays.
#[derive(Debug, Clone)]
pub struct BusinessCalendar {
    zone: Tz,
    hours: WeeklyHours,
    holidays: Vec<Holiday>,
    days_off: Holidays,
}

impl PartialEq for BusinessCalendar {
    fn eq(&self, other: &Self) -> bool {
        self.zone == other.zone && self.hours == other.hours && self.days_off == other.days_off
    }
}

impl Eq for BusinessCalendar {}

/// Monday to Friday, 09:00 to 17:00 UTC, no holidays: a desk's calendar until it names one.
impl Default for BusinessCalendar {
    fn default() -> Self {
        Self::new(
            chrono_tz::UTC,
            WeeklyHours::weekdays(9, 17).expect("09:00-17:00 is an interval"),
            Vec::new(),
        )
    }
}

impl BusinessCalendar {
    pub fn new(zone: Tz, hours: WeeklyHours, holidays: Vec<Holiday>) -> Self {
        let days_off = Holidays::new(&holidays);
        Self {
            zone,
            hours,
            holidays,
            days_off,
        }
    }

    /// Every minute of every day, UTC, no holidays: business time is clock time.
    pub fn always() -> Self {
        let whole_day = Interval::new(LocalTime::MIDNIGHT, LocalTime::END_OF_DAY).expect("a day is an interval");
        let days = DAY_NAMES.map(|name| (weekday(name).expect("a day name"), vec![whole_day]));
        Self::new(
            chrono_tz::UTC,
            WeeklyHours::new(days).expect("one interval a day"),
            Vec::new(),
        )
    }

    pub fn zone(&self) -> Tz {
        self.zone
    }

    pub fn hours(&self) -> &WeeklyHours {
        &self.hours
    }

    pub fn holidays(&self) -> &[Holiday] {
        &self.holidays
    }

    /// Whether `at` is working time.
    pub fn contains(&self, at: Timestamp) -> bool {
        let at = at.as_datetime();
        DayWalk::from(self.zone, at)
            .and_then(|mut walk| walk.next_day())
            .is_some_and(|day| self.spans(&day).any(|(start, end)| start <= at && at < end))
    }

    /// The working time in `from..to`; zero when `to` is not after `from`.
    pub fn business_duration_between(&self, from: Timestamp, to: Timestamp) -> TimeDelta {
        let (from, to) = (from.as_datetime(), to.as_datetime());
        let mut total = TimeDelta::zero();
        if to <= from || self.hours.is_empty() {
            return total;
        }
        let Some(mut walk) = DayWalk::from(self.zone, from) else {
            return total;
        };
        while let Some(day) = walk.next_day().filter(|day| day.start < to) {
            for (start, end) in self.spans(&day) {
                let (start, end) = (start.max(from), end.min(to));
                if end > start {
                    total += end - start;
                }
            }
        }
        total
    }

    /// The moment `duration` of working time after `start` has passed: the end of a span when
    /// it runs out exactly there. `start` itself for no duration. `None` when the calendar has
    /// no working time at all, or the moment would lie past the year [`LAST_YEAR`].
    ///
    /// Walks the local dates from `start`, one offset lookup each: a target of a month costs a
    /// few microseconds, one of a year some tens of them (docs/calendars.md).
    pub fn add_business_duration(&self, start: Timestamp, duration: TimeDelta) -> Option<Timestamp> {
        if duration <= TimeDelta::zero() {
            return Some(start);
        }
        if self.hours.is_empty() {
            return None;
        }
        let start = start.as_datetime();
        // Working time never runs faster than the clock: no end before start + duration.
        let earliest = start.checked_add_signed(duration)?;
        if earliest.year() > LAST_YEAR {
            return None;
        }
        let mut remaining = duration;
        let mut walk = DayWalk::from(self.zone, start)?;
        loop {
            let day = walk.next_day()?;
            if day.date.year() > LAST_YEAR {
                return None;
            }
            for (span_start, span_end) in self.spans(&day) {
                let span_start = span_start.max(start);
                if span_end <= span_start {
                    continue;
                }
                let length = span_end - span_start;
                if remaining <= length {
                    return Some(Timestamp::new(span_start + remaining));
                }
                remaining -= length;
            }
        }
    }

    /// The working spans of one local date as UTC instants, in order; none on a holiday.
    fn spans<'a>(&'a self, day: &'a Day) -> impl Iterator<Item = (DateTime<Utc>, DateTime<Utc>)> + 'a {
        let intervals = self.hours.on(day.date.weekday());
        let intervals = match intervals.is_empty() || self.days_off.contains(day.date) {
            true => &[][..],
            false => intervals,
        };
        intervals.iter().filter_map(move |interval| {
            let start = day.instant(self.zone, interval.from().minutes())?;
            let end = day.instant(self.zone, interval.to().minutes())?;
            Some((start, end))
        })
    }
}

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;
