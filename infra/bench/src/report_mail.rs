//! A month's report against the size of the desk (issue 14's measure): tables of 10,000 and
//! 100,000 tickets created over November 2026, with the aggregates the metrics consumer would
//! have kept for them (their creations, per hour and group, written in their stored form with
//! the adapter's own `replace_hours`, since counting 100,000 events through the consumer would
//! take the bench an hour), then November's figures read as a report reads them
//! (`shared::usecases::metrics::figures`, the use case behind `GET /v1/metrics`). The tickets
//! are loaded in their stored form (`ticket_item`) so the table's size is real.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use anyhow::Result;
use aws_config::SdkConfig;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{AttributeValue, PutRequest, ReturnConsumedCapacity, WriteRequest};
use chrono::NaiveDate;
use futures::{StreamExt, TryStreamExt};
use shared::adapters::dynamodb::{DynamoStore, ticket_item};
use shared::domain::metrics::figures::HourRow;
use shared::domain::metrics::{Counter as Figure, Dimension, Tally};
use shared::domain::{Channel, DepartmentId, EmailAddress, RequesterDetails, Ticket, TicketNumber, Timestamp};
use shared::ports::MetricsStore;
use shared::usecases::metrics::{MetricsQuery, figures};

use crate::counting::{Counter, Counts};

const DEPARTMENTS: [&str; 5] = ["support", "billing", "sales", "returns", "tech"];
const CHANNELS: [Channel; 3] = [Channel::Email, Channel::Api, Channel::Phone];

/// One month's report over a table of `tickets`.
pub struct ReportScale {
    pub tickets: usize,
    pub group_by: &'static str,
    pub time: Duration,
    pub counts: Counts,
    /// What DynamoDB reports the report's Queries consumed (eventually consistent reads).
    pub read_units: f64,
    pub items: usize,
}

fn november_hour(n: usize, tickets: usize) -> chrono::DateTime<chrono::Utc> {
    let start = NaiveDate::from_ymd_opt(2026, 11, 1)
        .unwrap_or_default()
        .and_hms_opt(0, 0, 0)
        .unwrap_or_default()
        .and_utc();
    start + chrono::Duration::seconds((n as i64) * (30 * 86_400) / tickets.max(1) as i64)
}

async fn load(sdk: &SdkConfig, tickets: usize) -> Result<String> {
    let table = test_support::fresh_table(sdk).await;
    let client = Client::new(sdk);
    let now = Timestamp::parse("2026-12-01T00:00:00Z")?;
    let requester = RequesterDetails::new(None, Some(EmailAddress::parse("bench@example.cz")?), None, None)?
        .into_contact(shared::domain::ContactId::generate(now), now);
    let requester = &requester;
    futures::stream::iter(
        (0..tickets)
            .collect::<Vec<_>>()
            .chunks(25)
            .map(<[usize]>::to_vec)
            .collect::<Vec<_>>(),
    )
    .map(|chunk| {
        let (client, table) = (client.clone(), table.clone());
        async move {
            let mut writes = Vec::with_capacity(chunk.len());
            for n in chunk {
                let created = Timestamp::new(november_hour(n, tickets));
                let mut ticket = Ticket::new(
                    TicketNumber::new(1001 + n as u64),
                    format!("Till {n} is down"),
                    CHANNELS[n % CHANNELS.len()],
                    requester,
                    created,
                );
                ticket.department = Some(DepartmentId::parse(DEPARTMENTS[n % DEPARTMENTS.len()])?);
                writes.push(
                    WriteRequest::builder()
                        .put_request(PutRequest::builder().set_item(Some(ticket_item(&ticket)?)).build()?)
                        .build(),
                );
            }
            let mut pending = Some(std::collections::HashMap::from([(table.clone(), writes)]));
            while let Some(items) = pending.take().filter(|m| m.values().any(|v| !v.is_empty())) {
                pending = client
                    .batch_write_item()
                    .set_request_items(Some(items))
                    .send()
                    .await?
                    .unprocessed_items;
            }
            Ok::<_, anyhow::Error>(())
        }
    })
    .buffer_unordered(8)
    .try_collect::<Vec<_>>()
    .await?;
    eprintln!("    {tickets} tickets loaded");
    // The aggregates their creations left: per hour, per group of each dimension.
    let store = DynamoStore::new(client, table.clone());
    for dimension in [Dimension::All, Dimension::Department] {
        let mut tallies: BTreeMap<(String, String), Tally> = BTreeMap::new();
        for n in 0..tickets {
            let hour = november_hour(n, tickets).format("%Y-%m-%dT%H").to_string();
            let group = match dimension {
                Dimension::Department => DEPARTMENTS[n % DEPARTMENTS.len()].to_owned(),
                _ => "all".to_owned(),
            };
            let tally = tallies.entry((hour, group)).or_default();
            tally.bump(Figure::Created, 1);
            tally.bump(Figure::BacklogDelta, 1);
        }
        let rows: Vec<HourRow> = tallies
            .into_iter()
            .map(|((hour, group), tally)| HourRow { hour, group, tally })
            .collect();
        store
            .replace_hours(dimension, "2026-11-01T00", "2026-11-30T23", &rows)
            .await?;
    }
    Ok(table)
}

/// What DynamoDB says the report's two Queries of `dimension` consume, and how many items.
async fn consumed(sdk: &SdkConfig, table: &str, dimension: &str, first_hour: &str) -> Result<(f64, usize)> {
    let client = Client::new(sdk);
    let (mut units, mut items) = (0.0, 0);
    for (from, to) in [
        (format!("H#{first_hour}"), "H#~".to_owned()),
        ("TOTAL#".to_owned(), "TOTAL#~".to_owned()),
    ] {
        let mut start = None;
        loop {
            let out = client
                .query()
                .table_name(table)
                .key_condition_expression("pk = :pk AND sk BETWEEN :from AND :to")
                .expression_attribute_values(":pk", AttributeValue::S(format!("METRICS#{dimension}")))
                .expression_attribute_values(":from", AttributeValue::S(from.clone()))
                .expression_attribute_values(":to", AttributeValue::S(to.clone()))
                .return_consumed_capacity(ReturnConsumedCapacity::Total)
                .set_exclusive_start_key(start)
                .send()
                .await?;
            units += out.consumed_capacity().and_then(|c| c.capacity_units()).unwrap_or(0.0);
            items += out.items().len();
            start = out.last_evaluated_key;
            if start.is_none() {
                break;
            }
        }
    }
    Ok((units, items))
}

/// November's report, grouped two ways, over a table of `tickets`.
pub async fn scale(
    plain: &SdkConfig,
    counting: &SdkConfig,
    counter: &Counter,
    tickets: usize,
) -> Result<Vec<ReportScale>> {
    let table = load(plain, tickets).await?;
    eprintln!("    aggregates written");
    let store = DynamoStore::new(Client::new(counting), table.clone());
    let mut out = Vec::new();
    for group_by in [Dimension::All, Dimension::Department] {
        let query = MetricsQuery {
            from: NaiveDate::from_ymd_opt(2026, 11, 1).unwrap_or_default(),
            to: NaiveDate::from_ymd_opt(2026, 11, 30).unwrap_or_default(),
            group_by,
            tz: chrono_tz::Europe::Prague,
        };
        counter.take();
        let start = Instant::now();
        let days = figures(&store, &query).await?;
        let time = start.elapsed();
        let counts = counter.take();
        let created: i64 = days.iter().map(|d| d.tally.get(Figure::Created)).sum();
        anyhow::ensure!(created as usize <= tickets, "{created} created of {tickets}");
        let (first_hour, _) = shared::domain::metrics::figures::hour_range(query.from, query.to, query.tz);
        let (read_units, items) = consumed(plain, &table, group_by.as_str(), &first_hour).await?;
        out.push(ReportScale {
            tickets,
            group_by: group_by.as_str(),
            time,
            counts,
            read_units,
            items,
        });
    }
    Ok(out)
}

/// The section for the page: one row per table and grouping.
pub fn section(scales: &[ReportScale]) -> String {
    let mut text = String::from(
        "| tickets in the table | group_by | items read | read units (DynamoDB Local's report) | requests | time |\n| --- | --- | --- | --- | --- | --- |\n",
    );
    for s in scales {
        text.push_str(&format!(
            "| {} | {} | {} | {:.1} | {} | {:.0?} |\n",
            s.tickets,
            s.group_by,
            s.items,
            s.read_units,
            s.counts.summary(),
            s.time
        ));
    }
    text
}
