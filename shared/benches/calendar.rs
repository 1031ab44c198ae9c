//! How long business-calendar arithmetic takes (issue 12: adding a target across a month of a
//! calendar with holidays, goal under 10 µs). The figures are recorded in `docs/calendars.md`.
//!
//! The calendar is a Prague desk's: Monday to Friday 08:00–12:00 and 13:00–17:00 (two
//! intervals a day), the Czech public holidays as yearly dates plus one-off closures. The
//! cases start on 2026-12-01 (a Tuesday) and run over Christmas and New Year:
//!
//! - `add 1 business hour`: the common SLA target, a first response;
//! - `add 160 business hours (a month)`: a resolution target whose end is 34 days later,
//!   walking every date of December with its holidays;
//! - `between over a month`: what the SLA clock measures when a ticket is met or paused;
//! - `add 160 business hours over the March clock change`: the same across DST.
//!
//! Run it with `cargo bench -p shared --bench calendar`.

use std::hint::black_box;

use chrono::{NaiveDate, TimeDelta, Weekday};
use criterion::{Criterion, criterion_group, criterion_main};

use shared::domain::Timestamp;
use shared::domain::calendar::{BusinessCalendar, Holiday, Interval, WeeklyHours, parse_zone};

fn prague_desk() -> BusinessCalendar {
    let split = vec![Interval::hours(8, 12).unwrap(), Interval::hours(13, 17).unwrap()];
    let days = [Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri];
    let hours = WeeklyHours::new(days.map(|d| (d, split.clone()))).unwrap();
    let date = |text: &str| text.parse::<NaiveDate>().unwrap();
    let yearly = [
        "2020-01-01",
        "2020-05-01",
        "2020-05-08",
        "2020-07-05",
        "2020-07-06",
        "2020-09-28",
        "2020-10-28",
        "2020-11-17",
        "2020-12-24",
        "2020-12-25",
        "2020-12-26",
    ];
    let once = ["2026-04-03", "2026-04-06", "2026-12-31", "2027-03-26", "2027-03-29"];
    let holidays = yearly
        .iter()
        .map(|d| Holiday::yearly(date(d)))
        .chain(once.iter().map(|d| Holiday::once(date(d))))
        .collect();
    BusinessCalendar::new(parse_zone("Europe/Prague").unwrap(), hours, holidays)
}

fn bench(c: &mut Criterion) {
    let calendar = prague_desk();
    let december = Timestamp::parse("2026-12-01T09:15:00Z").unwrap();
    let march = Timestamp::parse("2027-03-10T09:15:00Z").unwrap();
    let month = TimeDelta::hours(160);
    let end = calendar.add_business_duration(december, month).unwrap();
    assert_eq!(end, Timestamp::parse("2027-01-04T09:15:00Z").unwrap());
    let mut group = c.benchmark_group("calendar");
    group.bench_function("add 1 business hour", |b| {
        b.iter(|| calendar.add_business_duration(black_box(december), black_box(TimeDelta::hours(1))))
    });
    group.bench_function("add 160 business hours (a month)", |b| {
        b.iter(|| calendar.add_business_duration(black_box(december), black_box(month)))
    });
    group.bench_function("between over a month", |b| {
        b.iter(|| calendar.business_duration_between(black_box(december), black_box(end)))
    });
    group.bench_function("add 160 business hours over the March clock change", |b| {
        b.iter(|| calendar.add_business_duration(black_box(march), black_box(month)))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
