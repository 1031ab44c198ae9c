//! From stored hourly tallies to a period's figures: hours folded into the days of a time zone,
//! the backlog at the end of each day, rates and percentiles, and the same table as CSV.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Duration, NaiveDate, NaiveDateTime, TimeZone};
use chrono_tz::Tz;
use serde_json::{Map, Value};

use super::{Counter, Latency, Tally};

/// One stored aggregate: a group's tally in one UTC hour (`YYYY-MM-DDTHH`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HourRow {
    pub hour: String,
    pub group: String,
    pub tally: Tally,
}

/// The start of a stored hour, in UTC.
pub fn hour_start(hour: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    let naive = NaiveDateTime::parse_from_str(&format!("{hour}:00"), "%Y-%m-%dT%H:%M").ok()?;
    Some(naive.and_utc())
}

/// The local day in `tz` an hour counts in (by the hour's start: in a zone whose offset is not
/// whole hours, the hour holding local midnight counts in the day it starts in).
pub fn local_day(hour: &str, tz: Tz) -> Option<NaiveDate> {
    Some(hour_start(hour)?.with_timezone(&tz).date_naive())
}

/// The first and last stored hours (inclusive) of the local days `from..=to` in `tz`.
pub fn hour_range(from: NaiveDate, to: NaiveDate, tz: Tz) -> (String, String) {
    let start = |day: NaiveDate| {
        let midnight = day.and_hms_opt(0, 0, 0).unwrap_or_default();
        tz.from_local_datetime(&midnight)
            .earliest()
            // Midnight skipped by a clock change: the day starts an hour later.
            .or_else(|| tz.from_local_datetime(&(midnight + Duration::hours(1))).earliest())
            .map_or(midnight.and_utc(), |t| t.with_timezone(&chrono::Utc))
    };
    let first = start(from);
    let last = start(to + Duration::days(1)) - Duration::seconds(1);
    (
        first.format("%Y-%m-%dT%H").to_string(),
        last.format("%Y-%m-%dT%H").to_string(),
    )
}

/// A group's figures on one day (or, for totals, over the period: `day` is `None`).
#[derive(Debug, Clone, PartialEq)]
pub struct DayFigures {
    pub day: Option<NaiveDate>,
    pub group: String,
    pub tally: Tally,
    /// Unsolved tickets at the end of the day (of the period's last day for totals).
    pub backlog: i64,
}

/// Days `from..=to` in `tz` for every group seen: each day's tally and end-of-day backlog.
/// `rows` must hold every stored hour from `from` up to now (the hours after `to` are read only
/// for the backlog), and `backlog_now` each group's unsolved tickets now: the backlog at the end
/// of a day is now's less what changed after it.
pub fn by_day(
    rows: &[HourRow],
    backlog_now: &BTreeMap<String, i64>,
    from: NaiveDate,
    to: NaiveDate,
    tz: Tz,
) -> Vec<DayFigures> {
    let mut tallies: BTreeMap<(String, NaiveDate), Tally> = BTreeMap::new();
    let mut later_delta: BTreeMap<(String, NaiveDate), i64> = BTreeMap::new();
    let mut groups: BTreeSet<String> = backlog_now
        .iter()
        .filter(|(_, n)| **n != 0)
        .map(|(g, _)| g.clone())
        .collect();
    for row in rows {
        let Some(day) = local_day(&row.hour, tz) else { continue };
        if day < from {
            continue;
        }
        *later_delta.entry((row.group.clone(), day)).or_default() += row.tally.get(Counter::BacklogDelta);
        if day <= to {
            groups.insert(row.group.clone());
            tallies.entry((row.group.clone(), day)).or_default().add(&row.tally);
        }
    }
    let mut out = Vec::new();
    for group in groups {
        let now = backlog_now.get(&group).copied().unwrap_or(0);
        let mut day = to;
        // Walk back from `to`, taking off each later day's change.
        let mut after: i64 = later_delta
            .iter()
            .filter(|((g, d), _)| *g == group && *d > to)
            .map(|(_, n)| n)
            .sum();
        let mut days = Vec::new();
        loop {
            days.push(DayFigures {
                day: Some(day),
                group: group.clone(),
                tally: tallies.get(&(group.clone(), day)).cloned().unwrap_or_default(),
                backlog: now - after,
            });
            after += later_delta.get(&(group.clone(), day)).copied().unwrap_or(0);
            if day <= from {
                break;
            }
            day -= Duration::days(1);
        }
        days.reverse();
        out.extend(days);
    }
    out.sort_by(|a, b| (a.day, &a.group).cmp(&(b.day, &b.group)));
    out
}

/// The period's figures per group: the days' tallies added, the backlog at the period's end.
pub fn totals(days: &[DayFigures]) -> Vec<DayFigures> {
    let mut by_group: BTreeMap<String, DayFigures> = BTreeMap::new();
    for day in days {
        let total = by_group.entry(day.group.clone()).or_insert_with(|| DayFigures {
            day: None,
            group: day.group.clone(),
            tally: Tally::default(),
            backlog: 0,
        });
        total.tally.add(&day.tally);
        total.backlog = day.backlog;
    }
    by_group.into_values().collect()
}

fn ratio(part: i64, whole: i64) -> Value {
    if whole == 0 {
        Value::Null
    } else {
        Value::from((part as f64 / whole as f64 * 1000.0).round() / 1000.0)
    }
}

/// The names of the figures, in the order of the CSV's columns (after `day` and `group`).
pub const COLUMNS: [&str; 33] = [
    "created",
    "solved",
    "reopened",
    "backlog",
    "replies",
    "replies_per_solved",
    "transfers",
    "fcr",
    "fcr_rate",
    "first_response_p50_s",
    "first_response_p90_s",
    "first_response_business_p50_s",
    "first_response_business_p90_s",
    "resolution_p50_s",
    "resolution_p90_s",
    "resolution_business_p50_s",
    "resolution_business_p90_s",
    "sla_first_response_met",
    "sla_first_response_breached",
    "sla_first_response_rate",
    "sla_next_response_met",
    "sla_next_response_breached",
    "sla_next_response_rate",
    "sla_resolution_met",
    "sla_resolution_breached",
    "sla_resolution_rate",
    "csat_good",
    "csat_bad",
    "csat_rate",
    "first_responses",
    "resolutions",
    "reopen_rate",
    "transfers_per_solved",
];

impl DayFigures {
    /// The figures by [`COLUMNS`]: counts, rates (0 to 1, 3 decimals; `null` without a base)
    /// and percentiles in seconds (`null` without samples).
    pub fn figures(&self) -> Vec<(&'static str, Value)> {
        let t = &self.tally;
        let c = |counter: Counter| Value::from(t.get(counter));
        let q = |latency: Latency, q: f64| t.latency(latency).quantile(q).map_or(Value::Null, Value::from);
        let sla = |met: Counter, breached: Counter| ratio(t.get(met), t.get(met) + t.get(breached));
        let solved = t.get(Counter::Solved);
        let values = vec![
            c(Counter::Created),
            c(Counter::Solved),
            c(Counter::Reopened),
            Value::from(self.backlog),
            c(Counter::Replies),
            ratio(t.get(Counter::SolvedReplies), solved),
            c(Counter::Transfers),
            c(Counter::Fcr),
            ratio(t.get(Counter::Fcr), solved),
            q(Latency::FirstResponse, 0.5),
            q(Latency::FirstResponse, 0.9),
            q(Latency::FirstResponseBusiness, 0.5),
            q(Latency::FirstResponseBusiness, 0.9),
            q(Latency::Resolution, 0.5),
            q(Latency::Resolution, 0.9),
            q(Latency::ResolutionBusiness, 0.5),
            q(Latency::ResolutionBusiness, 0.9),
            c(Counter::SlaFirstResponseMet),
            c(Counter::SlaFirstResponseBreached),
            sla(Counter::SlaFirstResponseMet, Counter::SlaFirstResponseBreached),
            c(Counter::SlaNextResponseMet),
            c(Counter::SlaNextResponseBreached),
            sla(Counter::SlaNextResponseMet, Counter::SlaNextResponseBreached),
            c(Counter::SlaResolutionMet),
            c(Counter::SlaResolutionBreached),
            sla(Counter::SlaResolutionMet, Counter::SlaResolutionBreached),
            c(Counter::CsatGood),
            c(Counter::CsatBad),
            ratio(
                t.get(Counter::CsatGood),
                t.get(Counter::CsatGood) + t.get(Counter::CsatBad),
            ),
            Value::from(t.latency(Latency::FirstResponse).count()),
            Value::from(t.latency(Latency::Resolution).count()),
            ratio(t.get(Counter::Reopened), solved),
            ratio(t.get(Counter::Transfers), solved),
        ];
        COLUMNS.into_iter().zip(values).collect()
    }

    /// One figure by its column name.
    pub fn figure(&self, name: &str) -> Value {
        self.figures()
            .into_iter()
            .find(|(n, _)| *n == name)
            .map_or(Value::Null, |(_, v)| v)
    }

    /// As JSON: `day` (absent for totals), `group` and the figures.
    pub fn to_json(&self) -> Value {
        let mut map = Map::new();
        if let Some(day) = self.day {
            map.insert("day".into(), Value::from(day.to_string()));
        }
        map.insert("group".into(), Value::from(self.group.clone()));
        for (name, value) in self.figures() {
            map.insert(name.into(), value);
        }
        Value::Object(map)
    }
}

/// The days as CSV (RFC 4180, CRLF): `day,group,` then [`COLUMNS`]; an empty cell where a
/// figure has no value. Group names are slugs, ids or enum names, but are quoted when needed.
pub fn to_csv(days: &[DayFigures]) -> String {
    let mut out = String::from("day,group,");
    out.push_str(&COLUMNS.join(","));
    out.push_str("\r\n");
    for row in days {
        let mut cells = vec![row.day.map(|d| d.to_string()).unwrap_or_default(), csv_cell(&row.group)];
        cells.extend(row.figures().into_iter().map(|(_, v)| match v {
            Value::Null => String::new(),
            Value::String(s) => csv_cell(&s),
            other => other.to_string(),
        }));
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out
}

fn csv_cell(text: &str) -> String {
    // A leading = + - @ would be a formula in a spreadsheet.
    let text = if text.starts_with(['=', '+', '-', '@']) {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    if text.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}
