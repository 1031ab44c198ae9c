//! Business hours: the weekly windows in which a team works, in the team's local time, and the
//! arithmetic the SLA clock and the rules do on them (is this moment inside, how much working
//! time lies between two moments, when has a given amount of working time passed).
//!
//! Local time is a fixed offset from UTC (`+01:00`), not a named zone: the workspace has no
//! time-zone database (chrono-tz), so a team whose country moves its clocks changes the offset
//! twice a year until one is added. Holidays are not modelled yet.

use chrono::{DateTime, Datelike, Days, FixedOffset, NaiveDate, TimeDelta, Timelike, Utc, Weekday};

use super::error::DomainError;
use super::time::Timestamp;

/// Minutes in a day: a window may end at 1440, the midnight that ends its day.
pub const MINUTES_PER_DAY: u16 = 1440;
/// The furthest a local time may be from UTC, in minutes (±18:00, as RFC 3339 allows).
pub const MAX_OFFSET_MINUTES: i32 = 18 * 60;

/// One stretch of work on a weekday, in local minutes since midnight: from `from` (inclusive)
/// to `to` (exclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkingWindow {
    day: Weekday,
    from: u16,
    to: u16,
}

impl WorkingWindow {
    /// A window of `from..to` minutes on `day`; `from < to <= 1440`.
    pub fn new(day: Weekday, from: u16, to: u16) -> Result<Self, DomainError> {
        if from >= to || to > MINUTES_PER_DAY {
            return Err(DomainError::invalid(
                "windows",
                format!("a window runs from a minute of the day to a later one, at most {MINUTES_PER_DAY}"),
            ));
        }
        Ok(Self { day, from, to })
    }

    /// A window of whole hours, `start_hour..end_hour` (`end_hour` at most 24).
    pub fn hours(day: Weekday, start_hour: u16, end_hour: u16) -> Result<Self, DomainError> {
        Self::new(day, start_hour.saturating_mul(60), end_hour.saturating_mul(60))
    }

    pub fn day(&self) -> Weekday {
        self.day
    }

    pub fn from_minute(&self) -> u16 {
        self.from
    }

    pub fn to_minute(&self) -> u16 {
        self.to
    }
}

/// When a team works: weekly windows on a fixed offset from UTC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BusinessHours {
    offset: FixedOffset,
    /// Monday first, then by start; overlapping and touching windows merged.
    windows: Vec<WorkingWindow>,
}

/// Monday to Friday, 09:00 to 17:00 UTC.
impl Default for BusinessHours {
    fn default() -> Self {
        let weekdays = [Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri];
        Self {
            offset: FixedOffset::east_opt(0).expect("UTC is an offset"),
            windows: weekdays
                .into_iter()
                .map(|day| WorkingWindow {
                    day,
                    from: 9 * 60,
                    to: 17 * 60,
                })
                .collect(),
        }
    }
}

impl BusinessHours {
    /// Business hours `utc_offset_minutes` east of UTC (`60` for `+01:00`, `-300` for `-05:00`).
    pub fn new(utc_offset_minutes: i32, windows: impl IntoIterator<Item = WorkingWindow>) -> Result<Self, DomainError> {
        let offset = (-MAX_OFFSET_MINUTES..=MAX_OFFSET_MINUTES)
            .contains(&utc_offset_minutes)
            .then(|| FixedOffset::east_opt(utc_offset_minutes * 60))
            .flatten()
            .ok_or_else(|| DomainError::invalid("utc_offset", "must be within ±18:00 of UTC"))?;
        let mut sorted: Vec<WorkingWindow> = windows.into_iter().collect();
        sorted.sort_by_key(|w| (w.day.num_days_from_monday(), w.from, w.to));
        let mut windows: Vec<WorkingWindow> = Vec::with_capacity(sorted.len());
        for window in sorted {
            match windows.last_mut() {
                Some(last) if last.day == window.day && window.from <= last.to => last.to = last.to.max(window.to),
                _ => windows.push(window),
            }
        }
        Ok(Self { offset, windows })
    }

    pub fn offset(&self) -> FixedOffset {
        self.offset
    }

    pub fn windows(&self) -> &[WorkingWindow] {
        &self.windows
    }

    /// Whether `at` falls inside a window.
    pub fn contains(&self, at: Timestamp) -> bool {
        let local = at.as_datetime().with_timezone(&self.offset);
        let minute = (local.hour() * 60 + local.minute()) as u16;
        self.windows_on(local.weekday())
            .any(|w| (w.from..w.to).contains(&minute))
    }

    /// The working time in `from..to`; zero when `to` is not after `from`.
    pub fn business_duration_between(&self, from: Timestamp, to: Timestamp) -> TimeDelta {
        let (from, to) = (from.as_datetime(), to.as_datetime());
        if to <= from {
            return TimeDelta::zero();
        }
        let first = self.local_date(from);
        let last = self.local_date(to);
        let mut total = TimeDelta::zero();
        let mut date = Some(first);
        while let Some(day) = date.filter(|d| *d <= last) {
            // Days strictly between the ends are whole: skip whole weeks of them at once.
            let weeks = (last - day).num_days() / 7;
            if day > first && weeks > 0 {
                total += self.weekly_total() * weeks as i32;
                date = day.checked_add_days(Days::new(weeks as u64 * 7));
                continue;
            }
            for (start, end) in self.spans_on(day) {
                let (start, end) = (start.max(from), end.min(to));
                if end > start {
                    total += end - start;
                }
            }
            date = day.succ_opt();
        }
        total
    }

    /// The moment `duration` of working time after `start` has passed: the end of a window when
    /// it runs out exactly there. `start` itself for no duration; `None` when there are no
    /// windows, or the moment lies beyond what a timestamp can hold.
    pub fn add_business_duration(&self, start: Timestamp, duration: TimeDelta) -> Option<Timestamp> {
        if duration <= TimeDelta::zero() {
            return Some(start);
        }
        let weekly = self.weekly_total();
        if weekly <= TimeDelta::zero() {
            return None;
        }
        let start = start.as_datetime();
        let first = self.local_date(start);
        let mut remaining = duration;
        let mut day = first;
        loop {
            if day > first {
                // Whole weeks that end before the duration runs out pass at once; a week in
                // which it would run out exactly is walked, to end at that week's last window.
                let weeks = (remaining - TimeDelta::milliseconds(1)).num_milliseconds() / weekly.num_milliseconds();
                if weeks > 0 {
                    remaining -= weekly * i32::try_from(weeks).ok()?;
                    day = day.checked_add_days(Days::new(u64::try_from(weeks).ok()? * 7))?;
                }
            }
            for (span_start, span_end) in self.spans_on(day) {
                let span_start = span_start.max(start);
                if span_end <= span_start {
                    continue;
                }
                let length = span_end - span_start;
                if remaining <= length {
                    return span_start.checked_add_signed(remaining).map(Timestamp::new);
                }
                remaining -= length;
            }
            day = day.succ_opt()?;
        }
    }

    /// The working time in one week.
    fn weekly_total(&self) -> TimeDelta {
        self.windows
            .iter()
            .map(|w| TimeDelta::minutes(i64::from(w.to - w.from)))
            .sum()
    }

    fn windows_on(&self, day: Weekday) -> impl Iterator<Item = &WorkingWindow> {
        self.windows.iter().filter(move |w| w.day == day)
    }

    fn local_date(&self, at: DateTime<Utc>) -> NaiveDate {
        at.with_timezone(&self.offset).date_naive()
    }

    /// The windows of one local date as UTC spans, in order; none past the calendar's end.
    fn spans_on(&self, date: NaiveDate) -> impl Iterator<Item = (DateTime<Utc>, DateTime<Utc>)> + '_ {
        let midnight = date
            .and_hms_opt(0, 0, 0)
            .and_then(|local| local.checked_sub_signed(TimeDelta::seconds(i64::from(self.offset.local_minus_utc()))))
            .map(|utc| utc.and_utc());
        self.windows_on(date.weekday()).filter_map(move |w| {
            let midnight = midnight?;
            let start = midnight.checked_add_signed(TimeDelta::minutes(i64::from(w.from)))?;
            let end = midnight.checked_add_signed(TimeDelta::minutes(i64::from(w.to)))?;
            Some((start, end))
        })
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::domain::ticket::tests::at;

    fn weekdays(offset: i32, start: u16, end: u16) -> BusinessHours {
        let days = [Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri];
        BusinessHours::new(offset, days.map(|d| WorkingWindow::hours(d, start, end).unwrap())).unwrap()
    }

    // 2026-11-23 is a Monday; 2026-11-27 a Friday.

    #[test]
    fn the_default_is_weekdays_nine_to_five_utc() {
        let hours = BusinessHours::default();
        assert_eq!(hours, weekdays(0, 9, 17));
        assert!(hours.contains(at("2026-11-23T09:00:00Z")));
        assert!(hours.contains(at("2026-11-23T16:59:59.999Z")));
        assert!(!hours.contains(at("2026-11-23T08:59:59.999Z")));
        assert!(!hours.contains(at("2026-11-23T17:00:00Z")));
        assert!(hours.contains(at("2026-11-27T12:00:00Z")));
        assert!(!hours.contains(at("2026-11-28T12:00:00Z")), "Saturday");
        assert!(!hours.contains(at("2026-11-29T12:00:00Z")), "Sunday");
    }

    #[test]
    fn contains_reads_the_local_time() {
        let prague = weekdays(60, 9, 17);
        assert!(prague.contains(at("2026-11-23T08:00:00Z")), "09:00 in Prague");
        assert!(!prague.contains(at("2026-11-23T16:00:00Z")), "17:00 in Prague");
        // Monday 02:00 UTC is still Sunday evening in New York.
        let new_york = BusinessHours::new(-300, [WorkingWindow::hours(Weekday::Sun, 20, 24).unwrap()]).unwrap();
        assert!(new_york.contains(at("2026-11-23T02:00:00Z")));
        assert!(!new_york.contains(at("2026-11-23T05:00:00Z")), "Monday 00:00 there");
        // Monday 00:00–04:00 in Sydney is Sunday 14:00–18:00 UTC.
        let sydney = BusinessHours::new(600, [WorkingWindow::hours(Weekday::Mon, 0, 4).unwrap()]).unwrap();
        assert!(sydney.contains(at("2026-11-22T14:00:00Z")));
        assert!(!sydney.contains(at("2026-11-22T18:00:00Z")));
    }

    #[test]
    fn working_time_between_spans_a_day_boundary_and_a_weekend() {
        let hours = BusinessHours::default();
        let between = |a: &str, b: &str| hours.business_duration_between(at(a), at(b));
        assert_eq!(
            between("2026-11-24T16:00:00Z", "2026-11-25T10:00:00Z"),
            TimeDelta::hours(2)
        );
        assert_eq!(
            between("2026-11-27T16:00:00Z", "2026-11-30T10:00:00Z"),
            TimeDelta::hours(2)
        );
        assert_eq!(
            between("2026-11-28T00:00:00Z", "2026-11-29T23:59:59Z"),
            TimeDelta::zero()
        );
        assert_eq!(
            between("2026-11-23T10:30:00Z", "2026-11-23T11:00:00Z"),
            TimeDelta::minutes(30)
        );
        assert_eq!(
            between("2026-11-23T00:00:00Z", "2026-11-30T00:00:00Z"),
            TimeDelta::hours(40)
        );
        assert_eq!(
            between("2026-11-23T09:00:00Z", "2027-11-22T09:00:00Z"),
            TimeDelta::hours(52 * 40)
        );
        assert_eq!(
            between("2026-11-25T10:00:00Z", "2026-11-24T16:00:00Z"),
            TimeDelta::zero()
        );
        assert_eq!(
            between("2026-11-25T10:00:00Z", "2026-11-25T10:00:00Z"),
            TimeDelta::zero()
        );
        let prague = weekdays(60, 9, 17);
        assert_eq!(
            prague.business_duration_between(at("2026-11-27T15:00:00Z"), at("2026-11-30T09:00:00Z")),
            TimeDelta::hours(2),
            "Friday 16:00 to Monday 10:00 in Prague"
        );
    }

    #[test]
    fn adding_working_time_skips_nights_and_weekends() {
        let hours = BusinessHours::default();
        let add = |a: &str, h: i64| hours.add_business_duration(at(a), TimeDelta::hours(h));
        assert_eq!(
            add("2026-11-27T16:00:00Z", 2),
            Some(at("2026-11-30T10:00:00Z")),
            "over the weekend"
        );
        assert_eq!(
            add("2026-11-24T16:30:00Z", 1),
            Some(at("2026-11-25T09:30:00Z")),
            "over the night"
        );
        assert_eq!(
            add("2026-11-28T12:00:00Z", 1),
            Some(at("2026-11-30T10:00:00Z")),
            "from a Saturday"
        );
        assert_eq!(
            add("2026-11-23T09:00:00Z", 8),
            Some(at("2026-11-23T17:00:00Z")),
            "ends with the day"
        );
        assert_eq!(
            add("2026-11-23T09:00:00Z", 40),
            Some(at("2026-11-27T17:00:00Z")),
            "ends with the week"
        );
        assert_eq!(add("2026-11-23T09:00:00Z", 41), Some(at("2026-11-30T10:00:00Z")));
        assert_eq!(add("2026-11-23T09:00:00Z", 52 * 40), Some(at("2027-11-19T17:00:00Z")));
        assert_eq!(add("2026-11-28T12:00:00Z", 0), Some(at("2026-11-28T12:00:00Z")));
        let prague = weekdays(60, 9, 17);
        assert_eq!(
            prague.add_business_duration(at("2026-11-27T15:00:00Z"), TimeDelta::hours(2)),
            Some(at("2026-11-30T09:00:00Z"))
        );
    }

    #[test]
    fn no_windows_means_no_working_time() {
        let never = BusinessHours::new(0, []).unwrap();
        assert!(!never.contains(at("2026-11-23T10:00:00Z")));
        assert_eq!(
            never.business_duration_between(at("2026-11-23T00:00:00Z"), at("2027-11-23T00:00:00Z")),
            TimeDelta::zero()
        );
        assert_eq!(
            never.add_business_duration(at("2026-11-23T10:00:00Z"), TimeDelta::hours(1)),
            None
        );
    }

    #[test]
    fn overlapping_windows_merge_and_bad_ones_are_refused() {
        let split = BusinessHours::new(
            0,
            [
                WorkingWindow::hours(Weekday::Mon, 11, 14).unwrap(),
                WorkingWindow::hours(Weekday::Mon, 9, 12).unwrap(),
                WorkingWindow::hours(Weekday::Mon, 14, 15).unwrap(),
            ],
        )
        .unwrap();
        assert_eq!(split.windows(), [WorkingWindow::hours(Weekday::Mon, 9, 15).unwrap()]);
        assert_eq!(
            split.business_duration_between(at("2026-11-23T00:00:00Z"), at("2026-11-24T00:00:00Z")),
            TimeDelta::hours(6)
        );
        assert!(WorkingWindow::hours(Weekday::Mon, 17, 9).is_err());
        assert!(WorkingWindow::hours(Weekday::Mon, 9, 9).is_err());
        assert!(WorkingWindow::new(Weekday::Mon, 0, MINUTES_PER_DAY + 1).is_err());
        assert!(WorkingWindow::new(Weekday::Mon, 0, MINUTES_PER_DAY).is_ok());
        assert!(BusinessHours::new(MAX_OFFSET_MINUTES + 1, []).is_err());
        assert!(BusinessHours::new(-MAX_OFFSET_MINUTES, []).is_ok());
    }

    #[test]
    fn far_past_the_calendar_is_none_not_a_panic() {
        let hours = BusinessHours::default();
        let start = at("2026-11-23T09:00:00Z");
        assert_eq!(hours.add_business_duration(start, TimeDelta::MAX), None);
    }

    fn any_hours() -> impl Strategy<Value = BusinessHours> {
        let window = (0u8..7, 0u16..MINUTES_PER_DAY, 1u16..=MINUTES_PER_DAY)
            .prop_filter_map("from < to", |(d, a, b)| {
                WorkingWindow::new(Weekday::try_from(d).ok()?, a.min(b), a.max(b)).ok()
            });
        (
            -MAX_OFFSET_MINUTES..=MAX_OFFSET_MINUTES,
            prop::collection::vec(window, 0..6),
        )
            .prop_map(|(offset, windows)| BusinessHours::new(offset, windows).unwrap())
    }

    fn any_moment() -> impl Strategy<Value = Timestamp> {
        (1_700_000_000_000i64..1_900_000_000_000)
            .prop_map(|ms| Timestamp::new(DateTime::from_timestamp_millis(ms).unwrap()))
    }

    proptest! {
        /// Adding working time and measuring it back agree, and the end is inside a window or
        /// at the end of one, never in the gap after it.
        #[test]
        fn adding_and_measuring_agree(hours in any_hours(), start in any_moment(), minutes in 1i64..200_000) {
            let duration = TimeDelta::minutes(minutes);
            match hours.add_business_duration(start, duration) {
                None => prop_assert!(hours.windows().is_empty()),
                Some(end) => {
                    prop_assert_eq!(hours.business_duration_between(start, end), duration);
                    let just_before = Timestamp::new(end.as_datetime() - TimeDelta::milliseconds(1));
                    prop_assert!(hours.contains(just_before), "{end} ends a stretch of work");
                }
            }
        }

        /// Working time is additive over a split point, and never more than the time itself.
        #[test]
        fn working_time_is_additive(hours in any_hours(), a in any_moment(), b in any_moment(), c in any_moment()) {
            let mut sorted = [a, b, c];
            sorted.sort();
            let [a, b, c] = sorted;
            let whole = hours.business_duration_between(a, c);
            prop_assert_eq!(whole, hours.business_duration_between(a, b) + hours.business_duration_between(b, c));
            prop_assert!(whole <= c.as_datetime() - a.as_datetime());
        }
    }
}
