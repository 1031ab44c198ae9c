//! Properties over random calendars in zones with and without clock changes (Prague, New York,
//! Sydney, Lord Howe's half-hour change, Beirut's change at midnight, Apia, Kolkata, UTC).

use chrono::{NaiveDate, Weekday};
use proptest::prelude::*;

use super::*;

const ZONES: [&str; 8] = [
    "UTC",
    "Europe/Prague",
    "America/New_York",
    "Australia/Sydney",
    "Australia/Lord_Howe",
    "Asia/Beirut",
    "Pacific/Apia",
    "Asia/Kolkata",
];

fn time(minutes: u16) -> LocalTime {
    LocalTime::hm(minutes / 60, minutes % 60).unwrap()
}

/// A day's intervals from sorted cut points: every other gap between them is worked.
fn any_day() -> impl Strategy<Value = Vec<Interval>> {
    prop::collection::btree_set(0u16..=MINUTES_PER_DAY / 15, 0..6).prop_map(|cuts| {
        let cuts: Vec<u16> = cuts.into_iter().map(|c| c * 15).collect();
        cuts.chunks_exact(2)
            .map(|pair| Interval::new(time(pair[0]), time(pair[1])).unwrap())
            .collect()
    })
}

fn any_calendar() -> impl Strategy<Value = BusinessCalendar> {
    let holiday = (0i64..3000, any::<bool>()).prop_map(|(offset, yearly)| {
        let date = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap() + TimeDelta::days(offset);
        Holiday {
            date,
            yearly,
            name: None,
        }
    });
    (
        prop::sample::select(&ZONES[..]),
        prop::collection::vec(any_day(), 7),
        prop::collection::vec(holiday, 0..8),
    )
        .prop_map(|(zone, days, holidays)| {
            let days = days
                .into_iter()
                .enumerate()
                .map(|(i, d)| (Weekday::try_from(i as u8).unwrap(), d));
            BusinessCalendar::new(parse_zone(zone).unwrap(), WeeklyHours::new(days).unwrap(), holidays)
        })
}

/// 2024 to 2030, on the minute or on any millisecond.
fn any_moment() -> impl Strategy<Value = Timestamp> {
    prop_oneof![
        (28_400_000i64..29_500_000).prop_map(|m| m * 60_000),
        1_704_000_000_000i64..1_770_000_000_000,
    ]
    .prop_map(|ms| Timestamp::new(DateTime::from_timestamp_millis(ms).unwrap()))
}

fn any_duration() -> impl Strategy<Value = TimeDelta> {
    prop_oneof![
        (1i64..20_000).prop_map(TimeDelta::minutes),
        (1i64..1_000_000_000).prop_map(TimeDelta::milliseconds),
    ]
}

fn later(at: Timestamp, by: TimeDelta) -> Timestamp {
    Timestamp::new(at.as_datetime() + by)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Measuring what was added gives it back, and the end is working time's end, never a gap.
    #[test]
    fn measuring_what_was_added_gives_it_back(calendar in any_calendar(), start in any_moment(), duration in any_duration()) {
        match calendar.add_business_duration(start, duration) {
            None => prop_assert!(calendar.hours().is_empty()),
            Some(end) => {
                prop_assert_eq!(calendar.business_duration_between(start, end), duration);
                prop_assert!(calendar.contains(later(end, TimeDelta::milliseconds(-1))), "{} ends a stretch of work", end);
                prop_assert!(end.as_datetime() - start.as_datetime() >= duration);
            }
        }
    }

    /// Adding a then b is adding a + b.
    #[test]
    fn adding_composes(calendar in any_calendar(), start in any_moment(), a in any_duration(), b in any_duration()) {
        let in_two = calendar.add_business_duration(start, a).and_then(|mid| calendar.add_business_duration(mid, b));
        prop_assert_eq!(in_two, calendar.add_business_duration(start, a + b));
    }

    /// A later start or a longer duration never ends earlier; a later end never measures less.
    #[test]
    fn arithmetic_is_monotonic(calendar in any_calendar(), a in any_moment(), b in any_moment(), d in any_duration(), e in any_duration()) {
        let (early, late) = (a.min(b), a.max(b));
        let (short, long) = (d.min(e), d.max(e));
        prop_assert!(calendar.add_business_duration(early, d) <= calendar.add_business_duration(late, d) || calendar.hours().is_empty());
        prop_assert!(calendar.add_business_duration(a, short) <= calendar.add_business_duration(a, long) || calendar.hours().is_empty());
        prop_assert!(calendar.business_duration_between(early, a) <= calendar.business_duration_between(early, late));
    }

    /// Working time is additive over a split point, never more than clock time, and a
    /// millisecond is working time exactly when `contains` says so.
    #[test]
    fn measuring_is_additive_and_agrees_with_contains(calendar in any_calendar(), a in any_moment(), b in any_moment(), c in any_moment()) {
        let mut sorted = [a, b, c];
        sorted.sort();
        let [a, b, c] = sorted;
        let whole = calendar.business_duration_between(a, c);
        prop_assert_eq!(whole, calendar.business_duration_between(a, b) + calendar.business_duration_between(b, c));
        prop_assert!(whole <= c.as_datetime() - a.as_datetime());
        let millisecond = TimeDelta::milliseconds(1);
        let worked = calendar.business_duration_between(a, later(a, millisecond)) == millisecond;
        prop_assert_eq!(worked, calendar.contains(a));
    }
}
