//! Local dates as stretches of UTC time, and the instant a wall-clock reading stands for.
//!
//! Clock changes are resolved by one rule, used for every reading: a local time stands for the
//! first instant at which the zone's clock reads that time or later.
//!
//! - A time the clock skips (Europe/Prague, last Sunday of March: 02:00 jumps to 03:00, so
//!   02:30 never happens) stands for the jump itself, 03:00 CEST. An interval 01:00–04:00 that
//!   day holds 2 hours of work; one inside the gap (02:00–02:45) holds none.
//! - A time the clock shows twice (last Sunday of October: 03:00 falls back to 02:00, so
//!   02:30 happens at 00:30 and at 01:30 UTC) stands for its first occurrence. An interval
//!   01:00–04:00 that day holds 4 hours (the repeated hour is worked); one that ends at 02:30
//!   ends at the first 02:30.
//!
//! The rule maps later readings of a date to later (or equal) instants, so a day's intervals
//! stay in order and never overlap, and a date runs from the first instant its clock reads
//! 00:00 or later to the first instant the next date's does: consecutive dates tile the time
//! line with no gap and no overlap, even where a clock falls back over midnight.

use chrono::{DateTime, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, Offset, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;

use super::hours::MINUTES_PER_DAY;

/// One local date, `[start, end)` in UTC.
#[derive(Debug, Clone, Copy)]
pub(super) struct Day {
    pub date: NaiveDate,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// 24 hours long with one offset at both ends: readings are `start` plus minutes. (A day in
    /// which the clock jumped and jumped back by the same amount would pass for plain; no zone
    /// in the database has one.)
    plain: bool,
}

impl Day {
    /// The instant local `minutes` after midnight of this date stands for.
    pub fn instant(&self, zone: Tz, minutes: u16) -> Option<DateTime<Utc>> {
        match minutes {
            0 => Some(self.start),
            MINUTES_PER_DAY => Some(self.end),
            _ if self.plain => Some(self.start + TimeDelta::minutes(i64::from(minutes))),
            _ => first_reading(
                zone,
                self.date.and_hms_opt(0, 0, 0)? + TimeDelta::minutes(i64::from(minutes)),
            ),
        }
    }
}

/// Walks local dates forward, one instant lookup per date.
pub(super) struct DayWalk {
    zone: Tz,
    date: NaiveDate,
    start: (DateTime<Utc>, FixedOffset),
}

impl DayWalk {
    /// Starting with the date that holds `at`.
    pub fn from(zone: Tz, at: DateTime<Utc>) -> Option<Self> {
        let date = at.with_timezone(&zone).date_naive();
        let mut walk = Self {
            zone,
            date,
            start: day_start(zone, date)?,
        };
        // Where the clock falls back over midnight, `at` may read date D on the clock yet lie
        // after D+1 began (its first midnight).
        let next = walk.date.succ_opt().and_then(|d| day_start(zone, d))?;
        if at >= next.0 {
            walk.date = walk.date.succ_opt()?;
            walk.start = next;
        }
        Some(walk)
    }

    /// The current date, then on to the next.
    pub fn next_day(&mut self) -> Option<Day> {
        let next_date = self.date.succ_opt()?;
        let end = self.start_after(next_date)?;
        let day = Day {
            date: self.date,
            start: self.start.0,
            end: end.0,
            plain: end.0 - self.start.0 == TimeDelta::days(1) && end.1 == self.start.1,
        };
        self.date = next_date;
        self.start = end;
        Some(day)
    }
}

impl DayWalk {
    /// When `date` (the day after the current one) begins. Most days the clock does not
    /// change: midnight is at the offset the current day began with, which one lookup of the
    /// offset at that instant confirms (half the cost of resolving a local time). When the
    /// offset there differs, the clock changed in between: resolve midnight by the rule.
    fn start_after(&self, date: NaiveDate) -> Option<(DateTime<Utc>, FixedOffset)> {
        let offset = self.start.1;
        let guess = date.and_hms_opt(0, 0, 0)? - TimeDelta::seconds(i64::from(offset.local_minus_utc()));
        if self.zone.offset_from_utc_datetime(&guess).fix() == offset {
            return Some((guess.and_utc(), offset));
        }
        day_start(self.zone, date)
    }
}

/// The instant `date` begins and the offset from UTC then.
fn day_start(zone: Tz, date: NaiveDate) -> Option<(DateTime<Utc>, FixedOffset)> {
    let start = first_reading(zone, date.and_hms_opt(0, 0, 0)?)?;
    Some((start, zone.offset_from_utc_datetime(&start.naive_utc()).fix()))
}

/// The first instant at which the clock of `zone` reads `local` or later.
fn first_reading(zone: Tz, local: NaiveDateTime) -> Option<DateTime<Utc>> {
    match zone.from_local_datetime(&local) {
        LocalResult::Single(at) => Some(at.to_utc()),
        LocalResult::Ambiguous(a, b) => Some(a.to_utc().min(b.to_utc())),
        LocalResult::None => gap_end(zone, local),
    }
}

/// The instant the clock jumped over `local`: the first whose reading is `local` or later.
fn gap_end(zone: Tz, local: NaiveDateTime) -> Option<DateTime<Utc>> {
    let offset = |seconds: i64| -> Option<i64> {
        let at = DateTime::from_timestamp(seconds, 0)?;
        Some(i64::from(
            zone.offset_from_utc_datetime(&at.naive_utc()).fix().local_minus_utc(),
        ))
    };
    let local_seconds = local.and_utc().timestamp();
    let day = 86_400;
    // Offsets stay within a day of UTC, so a day either side lies before and after the jump.
    let (before, after) = (offset(local_seconds - day)?, offset(local_seconds + day)?);
    let reads_local_or_later = |seconds: i64| offset(seconds).is_some_and(|o| seconds + o >= local_seconds);
    // The jump lies in (local - after, local - before]; transitions fall on whole seconds.
    let (mut early, mut late) = (local_seconds - after, local_seconds - before);
    if reads_local_or_later(early) || !reads_local_or_later(late) {
        return DateTime::from_timestamp(late, 0);
    }
    while late - early > 1 {
        let middle = early + (late - early) / 2;
        match reads_local_or_later(middle) {
            true => late = middle,
            false => early = middle,
        }
    }
    DateTime::from_timestamp(late, 0)
}
