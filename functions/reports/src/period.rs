//! A report's figures, shaped from the days `GET /v1/metrics` answers: the period's days per
//! group (the CSV, exactly as the API writes it), the desk's (or the chosen departments')
//! figures per day for the charts, and the period's and the previous period's totals for the
//! summary and its changes. Pure.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde_json::Value;
use shared::domain::metrics::figures::{DayFigures, to_csv, totals};
use shared::domain::metrics::schedule::{Frequency, period_before, previous_period};
use shared::domain::metrics::subscription::ReportSubscription;
use shared::domain::metrics::{Dimension, Tally};
use shared::usecases::metrics::MetricsQuery;

/// The local days a report covers, and the ones before it for "change from the previous period".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportPeriod {
    pub frequency: Frequency,
    pub first: NaiveDate,
    pub last: NaiveDate,
    pub previous_first: NaiveDate,
    pub previous_last: NaiveDate,
}

impl ReportPeriod {
    /// The period of the mail `subscription` sends at its `next_send_at`.
    pub fn of(subscription: &ReportSubscription) -> Self {
        let frequency = subscription.frequency;
        let (first, last) = period_before(frequency, subscription.tz(), subscription.next_send_at.as_datetime());
        let (previous_first, previous_last) = previous_period(frequency, (first, last));
        Self {
            frequency,
            first,
            last,
            previous_first,
            previous_last,
        }
    }

    /// The key a mail of this period is sent once under.
    pub fn key(&self) -> String {
        format!("{}..{}", self.first, self.last)
    }
}

/// The one read a report makes: both periods at once (the same use case, and so the same
/// figures, as `GET /v1/metrics`), grouped by department when the subscription names some.
pub fn query(subscription: &ReportSubscription, period: &ReportPeriod) -> MetricsQuery {
    MetricsQuery {
        from: period.previous_first,
        to: period.last,
        group_by: if subscription.departments.is_empty() {
            Dimension::All
        } else {
            Dimension::Department
        },
        tz: subscription.tz(),
    }
}

/// What a report mail says.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportFigures {
    pub period: ReportPeriod,
    /// The period's days per group, as `GET /v1/metrics` answers them.
    pub rows: Vec<DayFigures>,
    /// The chosen groups added up, one per day of the period.
    pub daily: Vec<DayFigures>,
    pub total: DayFigures,
    pub previous_total: DayFigures,
}

impl ReportFigures {
    /// From the days of [`query`]: only the subscription's departments (all groups without a
    /// filter), split into the period and the one before.
    pub fn new(subscription: &ReportSubscription, period: ReportPeriod, days: Vec<DayFigures>) -> Self {
        let wanted = |d: &DayFigures| {
            subscription.departments.is_empty() || subscription.departments.iter().any(|id| id.as_str() == d.group)
        };
        let days: Vec<DayFigures> = days.into_iter().filter(wanted).collect();
        let within =
            |d: &DayFigures, first: NaiveDate, last: NaiveDate| d.day.is_some_and(|day| day >= first && day <= last);
        let rows: Vec<DayFigures> = days
            .iter()
            .filter(|d| within(d, period.first, period.last))
            .cloned()
            .collect();
        let previous: Vec<DayFigures> = days
            .iter()
            .filter(|d| within(d, period.previous_first, period.previous_last))
            .cloned()
            .collect();
        let daily = merged_by_day(&rows, period.first, period.last);
        let total = merged(&totals(&rows));
        let previous_total = merged(&totals(&previous));
        Self {
            period,
            rows,
            daily,
            total,
            previous_total,
        }
    }

    /// The CSV attachment: the period's rows, the same text `GET /v1/metrics` answers with
    /// `Accept: text/csv` for the same period, zone and grouping.
    pub fn csv(&self) -> String {
        to_csv(&self.rows)
    }

    /// A figure of the period and of the one before, as numbers (`None` without a value).
    pub fn compare(&self, name: &str) -> (Option<f64>, Option<f64>) {
        (
            number(&self.total.figure(name)),
            number(&self.previous_total.figure(name)),
        )
    }
}

fn number(value: &Value) -> Option<f64> {
    value.as_f64()
}

/// Groups added up: tallies and backlogs summed (a period's totals carry each group's backlog
/// at its end, so the sum is the chosen groups' backlog then).
fn merged(rows: &[DayFigures]) -> DayFigures {
    let mut out = DayFigures {
        day: None,
        group: "all".into(),
        tally: Tally::default(),
        backlog: 0,
    };
    for row in rows {
        out.tally.add(&row.tally);
        out.backlog += row.backlog;
    }
    out
}

/// Every day from `first` to `last`, the groups of each added up (a day without rows is zero).
fn merged_by_day(rows: &[DayFigures], first: NaiveDate, last: NaiveDate) -> Vec<DayFigures> {
    let mut by_day: BTreeMap<NaiveDate, Vec<DayFigures>> = BTreeMap::new();
    for row in rows {
        if let Some(day) = row.day {
            by_day.entry(day).or_default().push(row.clone());
        }
    }
    first
        .iter_days()
        .take_while(|d| *d <= last)
        .map(|day| DayFigures {
            day: Some(day),
            ..merged(by_day.get(&day).map(Vec::as_slice).unwrap_or_default())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use shared::domain::metrics::Counter;
    use shared::domain::metrics::subscription::SubscriptionDraft;
    use shared::domain::{ReportSubscriptionId, Timestamp};

    use super::*;

    fn subscription(frequency: &str, departments: &[&str]) -> ReportSubscription {
        let draft: SubscriptionDraft = serde_json::from_value(serde_json::json!({
            "recipients": ["lead@example.com"], "frequency": frequency, "hour": 7,
            "time_zone": "Europe/Prague", "departments": departments
        }))
        .unwrap();
        let now = Timestamp::parse("2026-12-01T12:00:00Z").unwrap();
        ReportSubscription::new(
            ReportSubscriptionId::generate(now),
            draft.check().unwrap(),
            "lea".into(),
            now,
        )
    }

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn row(d: &str, group: &str, created: i64, backlog: i64) -> DayFigures {
        let mut tally = Tally::default();
        tally.bump(Counter::Created, created);
        DayFigures {
            day: Some(day(d)),
            group: group.into(),
            tally,
            backlog,
        }
    }

    #[test]
    fn the_period_is_the_one_before_the_send_in_the_recipients_zone() {
        // Weekly, at 07:00 Prague: first send Monday 7 December (06:00 UTC).
        let weekly = subscription("weekly", &[]);
        assert_eq!(weekly.next_send_at, Timestamp::parse("2026-12-07T06:00:00Z").unwrap());
        let period = ReportPeriod::of(&weekly);
        assert_eq!((period.first, period.last), (day("2026-11-30"), day("2026-12-06")));
        assert_eq!(
            (period.previous_first, period.previous_last),
            (day("2026-11-23"), day("2026-11-29"))
        );
        assert_eq!(period.key(), "2026-11-30..2026-12-06");
        let q = query(&weekly, &period);
        assert_eq!(
            (q.from, q.to, q.group_by),
            (day("2026-11-23"), day("2026-12-06"), Dimension::All)
        );

        // Monthly, made after the 1st's hour: first send 1 January, for December.
        let monthly = subscription("monthly", &["support"]);
        let period = ReportPeriod::of(&monthly);
        assert_eq!((period.first, period.last), (day("2026-12-01"), day("2026-12-31")));
        assert_eq!(
            (period.previous_first, period.previous_last),
            (day("2026-11-01"), day("2026-11-30"))
        );
        assert_eq!(query(&monthly, &period).group_by, Dimension::Department);

        // Daily at 07:00 Prague on 2 December: 1 December.
        let daily = subscription("daily", &[]);
        let period = ReportPeriod::of(&daily);
        assert_eq!((period.first, period.last), (day("2026-12-01"), day("2026-12-01")));
        assert_eq!(
            (period.previous_first, period.previous_last),
            (day("2026-11-30"), day("2026-11-30"))
        );
    }

    #[test]
    fn figures_keep_the_chosen_departments_and_split_the_two_periods() {
        let sub = subscription("weekly", &["support", "billing"]);
        let period = ReportPeriod::of(&sub);
        let days = vec![
            row("2026-11-24", "support", 2, 2),
            row("2026-11-24", "sales", 9, 9),
            row("2026-12-01", "support", 3, 4),
            row("2026-12-01", "billing", 1, 1),
            row("2026-12-02", "sales", 7, 16),
            row("2026-12-06", "support", 1, 5),
            row("2026-12-06", "billing", 0, 1),
        ];
        let figures = ReportFigures::new(&sub, period, days);
        assert_eq!(figures.rows.len(), 4, "sales and the previous week are not rows");
        assert_eq!(figures.daily.len(), 7);
        assert_eq!(figures.daily[1].tally.get(Counter::Created), 4);
        assert_eq!(figures.daily[1].backlog, 5);
        assert_eq!(figures.daily[2].tally.get(Counter::Created), 0);
        assert_eq!(figures.total.tally.get(Counter::Created), 5);
        // The backlog at the period's end: each group's last day, added.
        assert_eq!(figures.total.backlog, 6);
        assert_eq!(figures.compare("created"), (Some(5.0), Some(2.0)));
        let csv = figures.csv();
        assert!(csv.starts_with("day,group,created,"));
        assert!(csv.contains("\r\n2026-12-01,billing,1,0,0,1,"), "{csv}");
        assert_eq!(csv.lines().count(), 5);
        assert!(!csv.contains("sales"));
    }
}
