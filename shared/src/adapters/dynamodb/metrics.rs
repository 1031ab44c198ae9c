//! Metrics aggregates on the table. One partition per dimension, `METRICS#<dimension>`:
//! `H#<YYYY-MM-DDTHH>#<group>` holds a group's counters and histogram buckets for one UTC hour
//! (numbers, grown by `ADD`), `TOTAL#<group>` its backlog now. A period is one paged Query of
//! a key range, O(hours × groups) items whatever the number of tickets. Each event is recorded
//! once: `METRICS-SEEN#<event id>` is put with `attribute_not_exists` in the same transaction as
//! the additions, so a redelivered event changes nothing.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem, Update};

use super::items::s;
use super::keys::{PK, SK};
use super::{DynamoStore, sdk_error};
use crate::domain::EventId;
use crate::domain::metrics::figures::HourRow;
use crate::domain::metrics::histogram::BUCKETS;
use crate::domain::metrics::{Contribution, Counter, Dimension, Group, Latency, Tally};
use crate::ports::{MetricsStore, StoreError};

/// How long the once-only marker of a recorded event is kept: longer than any redelivery
/// (a DLQ keeps messages 14 days).
const SEEN_SECONDS: i64 = 15 * 86400;

pub(crate) fn metrics_pk(dimension: Dimension) -> String {
    format!("METRICS#{}", dimension.as_str())
}

fn bucket_attr(latency: Latency, bucket: usize) -> String {
    format!("{}_{bucket:02}", latency.key())
}

fn number(n: i64) -> AttributeValue {
    AttributeValue::N(n.to_string())
}

/// `ADD` of every non-zero figure of `tally` (and `SET entity`).
fn add_update(
    table: &str,
    pk: String,
    sk: String,
    additions: Vec<(String, i64)>,
) -> Result<TransactWriteItem, StoreError> {
    let mut names = HashMap::new();
    let mut values = HashMap::from([(":entity".to_owned(), s("metrics"))]);
    let mut adds = Vec::new();
    for (i, (attr, by)) in additions.into_iter().enumerate() {
        names.insert(format!("#a{i}"), attr);
        values.insert(format!(":a{i}"), number(by));
        adds.push(format!("#a{i} :a{i}"));
    }
    let update = Update::builder()
        .table_name(table)
        .key(PK, s(pk))
        .key(SK, s(sk))
        .update_expression(format!("SET entity = :entity ADD {}", adds.join(", ")))
        .set_expression_attribute_names(Some(names))
        .set_expression_attribute_values(Some(values))
        .build()
        .map_err(StoreError::unknown)?;
    Ok(TransactWriteItem::builder().update(update).build())
}

fn additions(tally: &Tally) -> Vec<(String, i64)> {
    let mut out: Vec<(String, i64)> = Counter::ALL
        .into_iter()
        .filter(|c| tally.get(*c) != 0)
        .map(|c| (c.as_str().to_owned(), tally.get(c)))
        .collect();
    for latency in Latency::ALL {
        for (bucket, n) in tally.latency(latency).0.iter().enumerate() {
            if *n > 0 {
                out.push((bucket_attr(latency, bucket), *n as i64));
            }
        }
    }
    out
}

fn tally_of(item: &HashMap<String, AttributeValue>) -> Tally {
    let read = |name: &str| {
        item.get(name)
            .and_then(|v| v.as_n().ok())
            .and_then(|n| n.parse::<i64>().ok())
            .unwrap_or(0)
    };
    let mut tally = Tally::default();
    for counter in Counter::ALL {
        tally.bump(counter, read(counter.as_str()));
    }
    for latency in Latency::ALL {
        for bucket in 0..BUCKETS {
            let n = read(&bucket_attr(latency, bucket)).max(0) as u64;
            tally.latencies[latency as usize].0[bucket] = n;
        }
    }
    tally
}

impl DynamoStore {
    async fn query_metrics(
        &self,
        dimension: Dimension,
        from_sk: &str,
        to_sk: &str,
    ) -> Result<Vec<HashMap<String, AttributeValue>>, StoreError> {
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("pk = :pk AND sk BETWEEN :from AND :to")
                .expression_attribute_values(":pk", s(metrics_pk(dimension)))
                .expression_attribute_values(":from", s(from_sk))
                .expression_attribute_values(":to", s(to_sk))
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(sdk_error)?;
            items.extend(out.items.unwrap_or_default());
            start = out.last_evaluated_key;
            if start.is_none() {
                return Ok(items);
            }
        }
    }
}

impl MetricsStore for DynamoStore {
    async fn record_contribution(&self, event: EventId, contribution: &Contribution) -> Result<bool, StoreError> {
        let expires = chrono::Utc::now().timestamp() + SEEN_SECONDS;
        let seen = self.put(
            HashMap::from([
                (PK.to_owned(), s(format!("METRICS-SEEN#{event}"))),
                (SK.to_owned(), s("METRICS-SEEN")),
                ("entity".to_owned(), s("metrics-seen")),
                ("expires_at".to_owned(), number(expires)),
            ]),
            Some("attribute_not_exists(pk)"),
        )?;
        let mut tx = vec![seen];
        let adds = additions(&contribution.tally);
        let backlog = contribution.tally.get(Counter::BacklogDelta);
        for Group { dimension, value } in &contribution.groups {
            let sk = format!("H#{}#{value}", contribution.hour);
            tx.push(add_update(&self.table, metrics_pk(*dimension), sk, adds.clone())?);
            if backlog != 0 {
                let total = vec![("backlog".to_owned(), backlog)];
                tx.push(add_update(
                    &self.table,
                    metrics_pk(*dimension),
                    format!("TOTAL#{value}"),
                    total,
                )?);
            }
        }
        match self
            .transact(tx, |_| StoreError::AlreadyExists { what: "event".into() })
            .await
        {
            Ok(()) => Ok(true),
            // Only the marker has a condition: this event was recorded before.
            Err(StoreError::AlreadyExists { .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }

    async fn hour_rows(&self, dimension: Dimension, first_hour: &str) -> Result<Vec<HourRow>, StoreError> {
        let items = self.query_metrics(dimension, &format!("H#{first_hour}"), "H#~").await?;
        Ok(items
            .iter()
            .filter_map(|item| {
                let sk = item.get(SK)?.as_s().ok()?;
                let (hour, group) = sk.strip_prefix("H#")?.split_once('#')?;
                Some(HourRow {
                    hour: hour.to_owned(),
                    group: group.to_owned(),
                    tally: tally_of(item),
                })
            })
            .collect())
    }

    async fn backlog_now(&self, dimension: Dimension) -> Result<BTreeMap<String, i64>, StoreError> {
        let items = self.query_metrics(dimension, "TOTAL#", "TOTAL#~").await?;
        Ok(items
            .iter()
            .filter_map(|item| {
                let group = item.get(SK)?.as_s().ok()?.strip_prefix("TOTAL#")?.to_owned();
                let n = item.get("backlog")?.as_n().ok()?.parse().ok()?;
                Some((group, n))
            })
            .collect())
    }
}
