//! When a report subscription mails and which period its mail covers, in the recipient's time
//! zone: daily reports cover the day before, weekly ones the ISO week before (sent on
//! Mondays), monthly ones the month before (sent on the 1st), each at the chosen local hour.
//! Pure: the subscriptions store keeps `next_send_at` in a due-hour partition so the hourly
//! `reports` run finds what is due with one Query.

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc, Weekday};
use chrono_tz::Tz;

use crate::domain::error::DomainError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Frequency {
    Daily,
    Weekly,
    Monthly,
}

/// The languages report mails are written in.
pub const REPORT_LANGUAGES: [&str; 4] = ["en", "cs", "hu", "ms"];

/// The hour of the day (0–23) a report goes at, local to its time zone.
pub fn parse_hour(hour: i64) -> Result<u32, DomainError> {
    u32::try_from(hour)
        .ok()
        .filter(|h| *h < 24)
        .ok_or_else(|| DomainError::invalid("hour", "must be a whole hour from 0 to 23"))
}

pub fn parse_time_zone(text: &str) -> Result<Tz, DomainError> {
    text.parse()
        .map_err(|_| DomainError::invalid("time_zone", "must be an IANA time zone, e.g. Europe/Prague"))
}

/// Whether a report of `frequency` goes on local date `day`.
fn sends_on(frequency: Frequency, day: NaiveDate) -> bool {
    match frequency {
        Frequency::Daily => true,
        Frequency::Weekly => day.weekday() == Weekday::Mon,
        Frequency::Monthly => day.day() == 1,
    }
}

/// The instant local `hour:00` happens on `day` in `tz`; in a clock change's gap, the first
/// instant after it.
fn local_instant(day: NaiveDate, hour: u32, tz: Tz) -> DateTime<Utc> {
    let mut local = day.and_hms_opt(hour, 0, 0).unwrap_or_default();
    for _ in 0..3 {
        if let Some(at) = tz.from_local_datetime(&local).earliest() {
            return at.with_timezone(&Utc);
        }
        local += Duration::hours(1);
    }
    local.and_utc()
}

/// The first send strictly after `after`.
pub fn next_send_at(frequency: Frequency, hour: u32, tz: Tz, after: DateTime<Utc>) -> DateTime<Utc> {
    let mut day = after.with_timezone(&tz).date_naive();
    loop {
        if sends_on(frequency, day) {
            let at = local_instant(day, hour, tz);
            if at > after {
                return at;
            }
        }
        day += Duration::days(1);
    }
}

/// The local days (first, last) the mail sent at `send_at` covers: the full period before the
/// send's local date.
pub fn period_before(frequency: Frequency, tz: Tz, send_at: DateTime<Utc>) -> (NaiveDate, NaiveDate) {
    let today = send_at.with_timezone(&tz).date_naive();
    match frequency {
        Frequency::Daily => {
            let day = today - Duration::days(1);
            (day, day)
        }
        Frequency::Weekly => {
            let this_monday = today - Duration::days(i64::from(today.weekday().num_days_from_monday()));
            (this_monday - Duration::days(7), this_monday - Duration::days(1))
        }
        Frequency::Monthly => {
            let first = today.with_day(1).unwrap_or(today);
            let last = first - Duration::days(1);
            (last.with_day(1).unwrap_or(last), last)
        }
    }
}

/// The period before a period of the same frequency, for "change from the previous period".
pub fn previous_period(frequency: Frequency, (first, _): (NaiveDate, NaiveDate)) -> (NaiveDate, NaiveDate) {
    match frequency {
        Frequency::Daily => (first - Duration::days(1), first - Duration::days(1)),
        Frequency::Weekly => (first - Duration::days(7), first - Duration::days(1)),
        Frequency::Monthly => {
            let last = first - Duration::days(1);
            (last.with_day(1).unwrap_or(last), last)
        }
    }
}

/// The key of the UTC hour a send is due in (`YYYY-MM-DDTHH`): the subscriptions due in a run's
/// hour are one partition.
pub fn due_hour(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
    }

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    const PRAGUE: Tz = chrono_tz::Europe::Prague;

    #[test]
    fn daily_reports_go_at_the_local_hour_the_next_time_it_comes() {
        // 07:00 in Prague is 06:00 UTC in winter.
        assert_eq!(
            next_send_at(Frequency::Daily, 7, PRAGUE, utc("2026-12-07T05:00:00Z")),
            utc("2026-12-07T06:00:00Z")
        );
        assert_eq!(
            next_send_at(Frequency::Daily, 7, PRAGUE, utc("2026-12-07T06:00:00Z")),
            utc("2026-12-08T06:00:00Z")
        );
        // Summer time: 05:00 UTC.
        assert_eq!(
            next_send_at(Frequency::Daily, 7, PRAGUE, utc("2026-07-01T00:00:00Z")),
            utc("2026-07-01T05:00:00Z")
        );
    }

    #[test]
    fn weekly_reports_go_on_mondays_and_monthly_on_the_first() {
        // Wednesday 9 December 2026 → Monday 14th.
        assert_eq!(
            next_send_at(Frequency::Weekly, 8, PRAGUE, utc("2026-12-09T12:00:00Z")),
            utc("2026-12-14T07:00:00Z")
        );
        assert_eq!(
            next_send_at(Frequency::Monthly, 8, PRAGUE, utc("2026-12-09T12:00:00Z")),
            utc("2027-01-01T07:00:00Z")
        );
    }

    #[test]
    fn an_hour_the_clock_skips_sends_at_the_first_instant_after() {
        // 29 March 2026, Prague: 02:00 → 03:00.
        assert_eq!(
            next_send_at(Frequency::Daily, 2, PRAGUE, utc("2026-03-28T12:00:00Z")),
            utc("2026-03-29T01:00:00Z")
        );
    }

    #[test]
    fn each_mail_covers_the_full_period_before_it() {
        let send = utc("2026-12-07T06:00:00Z"); // Monday 7 December, 07:00 Prague
        assert_eq!(
            period_before(Frequency::Daily, PRAGUE, send),
            (day("2026-12-06"), day("2026-12-06"))
        );
        assert_eq!(
            period_before(Frequency::Weekly, PRAGUE, send),
            (day("2026-11-30"), day("2026-12-06"))
        );
        assert_eq!(
            period_before(Frequency::Monthly, PRAGUE, send),
            (day("2026-11-01"), day("2026-11-30"))
        );
        // Just after local midnight the local date is already the next day.
        let late = utc("2026-12-06T23:30:00Z");
        assert_eq!(
            period_before(Frequency::Daily, PRAGUE, late),
            (day("2026-12-06"), day("2026-12-06"))
        );
        assert_eq!(
            period_before(Frequency::Daily, chrono_tz::UTC, late),
            (day("2026-12-05"), day("2026-12-05"))
        );
    }

    #[test]
    fn the_previous_period_is_the_same_length_before() {
        assert_eq!(
            previous_period(Frequency::Weekly, (day("2026-11-30"), day("2026-12-06"))),
            (day("2026-11-23"), day("2026-11-29"))
        );
        assert_eq!(
            previous_period(Frequency::Monthly, (day("2026-03-01"), day("2026-03-31"))),
            (day("2026-02-01"), day("2026-02-28"))
        );
        assert_eq!(
            previous_period(Frequency::Daily, (day("2026-03-01"), day("2026-03-01"))),
            (day("2026-02-28"), day("2026-02-28"))
        );
    }

    #[test]
    fn hours_and_zones_are_checked() {
        assert_eq!(parse_hour(0), Ok(0));
        assert_eq!(parse_hour(23), Ok(23));
        assert!(parse_hour(24).is_err() && parse_hour(-1).is_err());
        assert!(parse_time_zone("Europe/Prague").is_ok());
        assert!(parse_time_zone("Mars/Olympus").is_err());
        assert_eq!(due_hour(utc("2026-12-07T06:00:00Z")), "2026-12-07T06");
    }
}
