//! Concrete cases: nights, weekends, holidays, split days and the clock changes of
//! Europe/Prague (2026-03-29 02:00 CET → 03:00 CEST; 2026-10-25 03:00 CEST → 02:00 CET).

use chrono::{NaiveDate, Weekday};

use super::*;
use crate::domain::ticket::tests::at;

// 2026-11-23 is a Monday; 2026-11-27 a Friday; Prague is UTC+1 then.

fn prague() -> Tz {
    parse_zone("Europe/Prague").unwrap()
}

fn date(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

fn prague_weekdays(holidays: Vec<Holiday>) -> BusinessCalendar {
    BusinessCalendar::new(prague(), WeeklyHours::weekdays(9, 17).unwrap(), holidays)
}

fn on(day: Weekday, intervals: &[(u16, u16)]) -> WeeklyHours {
    let intervals = intervals
        .iter()
        .map(|(a, b)| Interval::hours(*a, *b).unwrap())
        .collect();
    WeeklyHours::new([(day, intervals)]).unwrap()
}

fn minutes(m: i64) -> TimeDelta {
    TimeDelta::minutes(m)
}

#[test]
fn the_default_is_weekdays_nine_to_five_utc() {
    let calendar = BusinessCalendar::default();
    assert_eq!(calendar.zone(), chrono_tz::UTC);
    assert!(calendar.contains(at("2026-11-23T09:00:00Z")));
    assert!(calendar.contains(at("2026-11-23T16:59:59.999Z")));
    assert!(!calendar.contains(at("2026-11-23T08:59:59.999Z")));
    assert!(!calendar.contains(at("2026-11-23T17:00:00Z")));
    assert!(!calendar.contains(at("2026-11-28T12:00:00Z")), "Saturday");
    assert_eq!(
        calendar.add_business_duration(at("2026-11-27T16:00:00Z"), TimeDelta::hours(2)),
        Some(at("2026-11-30T10:00:00Z"))
    );
}

#[test]
fn always_is_clock_time() {
    let calendar = BusinessCalendar::always();
    let start = at("2026-11-28T23:30:00Z");
    assert!(calendar.contains(start));
    assert_eq!(
        calendar.add_business_duration(start, TimeDelta::days(31)),
        Some(at("2026-12-29T23:30:00Z"))
    );
    assert_eq!(
        calendar.business_duration_between(start, at("2027-11-28T23:30:00Z")),
        TimeDelta::days(365)
    );
}

#[test]
fn friday_afternoon_in_prague_runs_into_monday_or_past_a_monday_holiday() {
    let calendar = prague_weekdays(Vec::new());
    // Friday 16:30 in Prague + 60 business minutes = Monday 09:30 in Prague.
    assert_eq!(
        calendar.add_business_duration(at("2026-11-27T15:30:00Z"), minutes(60)),
        Some(at("2026-11-30T08:30:00Z"))
    );
    assert_eq!(
        calendar.business_duration_between(at("2026-11-27T15:30:00Z"), at("2026-11-30T08:30:00Z")),
        minutes(60)
    );
    let with_holiday = prague_weekdays(vec![Holiday::once(date("2026-11-30"))]);
    assert_eq!(
        with_holiday.add_business_duration(at("2026-11-27T15:30:00Z"), minutes(60)),
        Some(at("2026-12-01T08:30:00Z")),
        "Tuesday 09:30"
    );
    assert!(!with_holiday.contains(at("2026-11-30T10:00:00Z")));
    assert_eq!(
        with_holiday.business_duration_between(at("2026-11-27T15:30:00Z"), at("2026-12-01T08:30:00Z")),
        minutes(60)
    );
    let yearly = prague_weekdays(vec![Holiday::yearly(date("2019-11-30"))]);
    assert_eq!(
        yearly.add_business_duration(at("2026-11-27T15:30:00Z"), minutes(60)),
        Some(at("2026-12-01T08:30:00Z"))
    );
}

#[test]
fn a_split_day_skips_its_lunch_break() {
    let days = [Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri];
    let split = [Interval::hours(8, 12).unwrap(), Interval::hours(13, 17).unwrap()];
    let hours = WeeklyHours::new(days.map(|d| (d, split.to_vec()))).unwrap();
    let calendar = BusinessCalendar::new(chrono_tz::UTC, hours, Vec::new());
    assert!(!calendar.contains(at("2026-11-23T12:30:00Z")));
    assert_eq!(
        calendar.add_business_duration(at("2026-11-23T11:30:00Z"), minutes(60)),
        Some(at("2026-11-23T13:30:00Z"))
    );
    assert_eq!(
        calendar.add_business_duration(at("2026-11-23T08:00:00Z"), TimeDelta::hours(4)),
        Some(at("2026-11-23T12:00:00Z")),
        "ends where the morning ends"
    );
    assert_eq!(
        calendar.business_duration_between(at("2026-11-23T00:00:00Z"), at("2026-11-30T00:00:00Z")),
        TimeDelta::hours(40)
    );
}

#[test]
fn the_spring_clock_change_costs_no_working_time_outside_the_night() {
    let calendar = prague_weekdays(Vec::new());
    // Friday 2026-03-27 16:30 CET (UTC+1) + 60 minutes = Monday 09:30 CEST (UTC+2).
    assert_eq!(
        calendar.add_business_duration(at("2026-03-27T15:30:00Z"), minutes(60)),
        Some(at("2026-03-30T07:30:00Z"))
    );
    assert_eq!(
        calendar.business_duration_between(at("2026-03-23T00:00:00Z"), at("2026-04-06T00:00:00Z")),
        TimeDelta::hours(80)
    );
    // A round-the-clock calendar in Prague: that Sunday has 23 hours, the October one 25.
    let round_the_clock = BusinessCalendar::new(prague(), BusinessCalendar::always().hours().clone(), Vec::new());
    assert_eq!(
        round_the_clock.business_duration_between(at("2026-03-28T23:00:00Z"), at("2026-03-29T22:00:00Z")),
        TimeDelta::hours(23)
    );
    assert_eq!(
        round_the_clock.business_duration_between(at("2026-10-24T22:00:00Z"), at("2026-10-25T23:00:00Z")),
        TimeDelta::hours(25)
    );
    assert_eq!(
        round_the_clock.add_business_duration(at("2026-03-28T23:00:00Z"), TimeDelta::hours(23)),
        Some(at("2026-03-29T22:00:00Z")),
        "Sunday midnight to Monday midnight"
    );
}

#[test]
fn a_skipped_local_time_stands_for_the_jump() {
    let sunday = |intervals: &[(u16, u16)]| BusinessCalendar::new(prague(), on(Weekday::Sun, intervals), Vec::new());
    // 01:00–04:00 on 2026-03-29: 00:00Z to 02:00Z, two real hours.
    let night = sunday(&[(1, 4)]);
    assert_eq!(
        night.business_duration_between(at("2026-03-28T00:00:00Z"), at("2026-03-30T00:00:00Z")),
        TimeDelta::hours(2)
    );
    assert!(night.contains(at("2026-03-29T00:59:59Z")), "01:59:59 CET");
    assert!(night.contains(at("2026-03-29T01:00:00Z")), "03:00 CEST");
    assert!(!night.contains(at("2026-03-29T02:00:00Z")), "04:00 CEST");
    // An interval inside the gap (02:00–02:45) never happens that day.
    let minute = |h, m| LocalTime::hm(h, m).unwrap();
    let gap = WeeklyHours::new([(Weekday::Sun, vec![Interval::new(minute(2, 0), minute(2, 45)).unwrap()])]).unwrap();
    let gap = BusinessCalendar::new(prague(), gap, Vec::new());
    assert_eq!(
        gap.business_duration_between(at("2026-03-28T00:00:00Z"), at("2026-03-30T00:00:00Z")),
        TimeDelta::zero()
    );
    assert_eq!(
        gap.add_business_duration(at("2026-03-28T00:00:00Z"), minutes(45)),
        Some(at("2026-04-05T00:45:00Z")),
        "the next Sunday's 02:00–02:45 CEST"
    );
    // 02:00–04:00 starts at the jump: 03:00 CEST.
    let from_the_gap = sunday(&[(2, 4)]);
    assert_eq!(
        from_the_gap.add_business_duration(at("2026-03-28T00:00:00Z"), minutes(30)),
        Some(at("2026-03-29T01:30:00Z"))
    );
}

#[test]
fn a_repeated_local_time_stands_for_its_first_occurrence() {
    // 2026-10-25: 02:00–03:00 happens at 00:00Z–01:00Z (CEST) and again at 01:00Z–02:00Z (CET).
    let night = BusinessCalendar::new(prague(), on(Weekday::Sun, &[(1, 4)]), Vec::new());
    assert_eq!(
        night.business_duration_between(at("2026-10-24T00:00:00Z"), at("2026-10-26T00:00:00Z")),
        TimeDelta::hours(4),
        "the repeated hour is worked"
    );
    assert!(night.contains(at("2026-10-25T01:30:00Z")), "the second 02:30");
    let minute = |h, m| LocalTime::hm(h, m).unwrap();
    let early = WeeklyHours::new([(Weekday::Sun, vec![Interval::new(minute(2, 0), minute(2, 30)).unwrap()])]).unwrap();
    let early = BusinessCalendar::new(prague(), early, Vec::new());
    assert!(early.contains(at("2026-10-25T00:15:00Z")), "the first 02:15");
    assert!(!early.contains(at("2026-10-25T01:15:00Z")), "the second 02:15");
    assert_eq!(
        early.add_business_duration(at("2026-10-24T12:00:00Z"), minutes(30)),
        Some(at("2026-10-25T00:30:00Z"))
    );
}

#[test]
fn a_clock_that_falls_back_over_midnight_repeats_the_last_hour_of_the_day() {
    // Beirut falls back on the last Sunday of October at 00:00 to Saturday 23:00.
    let beirut = parse_zone("Asia/Beirut").unwrap();
    let evening = BusinessCalendar::new(beirut, on(Weekday::Sat, &[(22, 24)]), Vec::new());
    // Saturday 2026-10-24 22:00 EEST (19:00Z) to Sunday 00:00 EET (22:00Z): three hours.
    assert_eq!(
        evening.business_duration_between(at("2026-10-24T00:00:00Z"), at("2026-10-26T00:00:00Z")),
        TimeDelta::hours(3)
    );
    assert!(evening.contains(at("2026-10-24T21:30:00Z")), "the second 23:30");
    assert!(!evening.contains(at("2026-10-24T22:00:00Z")));
}

#[test]
fn no_working_time_means_no_end() {
    let never = BusinessCalendar::new(prague(), WeeklyHours::default(), Vec::new());
    assert!(!never.contains(at("2026-11-23T10:00:00Z")));
    assert_eq!(
        never.business_duration_between(at("2026-11-23T00:00:00Z"), at("2027-11-23T00:00:00Z")),
        TimeDelta::zero()
    );
    assert_eq!(
        never.add_business_duration(at("2026-11-23T10:00:00Z"), minutes(1)),
        None
    );
    assert_eq!(
        never.add_business_duration(at("2026-11-23T10:00:00Z"), TimeDelta::zero()),
        Some(at("2026-11-23T10:00:00Z"))
    );
}

#[test]
fn far_past_the_last_year_is_none_not_a_panic_or_a_long_walk() {
    let calendar = BusinessCalendar::default();
    assert_eq!(
        calendar.add_business_duration(at("2026-11-23T09:00:00Z"), TimeDelta::MAX),
        None
    );
    assert_eq!(
        calendar.add_business_duration(at("9999-12-31T16:00:00Z"), TimeDelta::hours(2)),
        None
    );
    assert_eq!(
        calendar.business_duration_between(at("2026-11-23T09:00:00Z"), at("2026-11-23T08:00:00Z")),
        TimeDelta::zero()
    );
}
