//! Metrics aggregates on the table. One partition per dimension, `METRICS#<dimension>`:
//! `H#<YYYY-MM-DDTHH>#<group>` holds a group's counters and histogram buckets for one UTC hour
//! (numbers, grown by `ADD`), `TOTAL#<group>` its backlog now. A period is one paged Query of
//! a key range, O(hours × groups) items whatever the number of tickets. Each event is recorded
//! once: `METRICS-SEEN#<event id>` is put with `attribute_not_exists` in the same transaction as
//! the additions, so a redelivered event changes nothing.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_dynamodb::types::{AttributeValue, DeleteRequest, PutRequest, TransactWriteItem, Update, WriteRequest};

use super::items::s;
use super::keys::{EVENT_PREFIX, PK, SK, ticket_pk};
use super::{DynamoStore, sdk_error};
use crate::domain::metrics::figures::HourRow;
use crate::domain::metrics::histogram::BUCKETS;
use crate::domain::metrics::{Contribution, Counter, Dimension, Group, Latency, Tally};
use crate::domain::{EventId, TicketEvent, TicketId};
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

    async fn ticket_events(&self, ticket: TicketId) -> Result<Vec<TicketEvent>, StoreError> {
        let items = self.query_all(&ticket_pk(ticket), EVENT_PREFIX).await?;
        items
            .iter()
            // Copies a merge carried over never reached the bus.
            .filter(|item| !item.contains_key("carried_from"))
            .filter_map(|item| item.get("event").and_then(|v| v.as_s().ok()))
            .map(|json| serde_json::from_str(json).map_err(StoreError::unknown))
            .collect()
    }

    async fn replace_hours(
        &self,
        dimension: Dimension,
        first_hour: &str,
        last_hour: &str,
        rows: &[HourRow],
    ) -> Result<usize, StoreError> {
        let pk = metrics_pk(dimension);
        let old = self
            .query_metrics(dimension, &format!("H#{first_hour}"), &format!("H#{last_hour}#~"))
            .await?;
        // What the period's hours added to each group's backlog, before and after.
        let mut backlog_change: BTreeMap<String, i64> = BTreeMap::new();
        let mut requests = Vec::new();
        for item in &old {
            let Some(sk) = item.get(SK).and_then(|v| v.as_s().ok()) else {
                continue;
            };
            if let Some((_, group)) = sk.strip_prefix("H#").and_then(|rest| rest.split_once('#')) {
                *backlog_change.entry(group.to_owned()).or_default() -= tally_of(item).get(Counter::BacklogDelta);
            }
            let delete = DeleteRequest::builder()
                .key(PK, s(pk.clone()))
                .key(SK, s(sk))
                .build()
                .map_err(StoreError::unknown)?;
            requests.push(WriteRequest::builder().delete_request(delete).build());
        }
        for chunk in requests.chunks(25) {
            self.batch_write(chunk.to_vec()).await?;
        }
        let mut puts = Vec::new();
        for row in rows {
            *backlog_change.entry(row.group.clone()).or_default() += row.tally.get(Counter::BacklogDelta);
            let mut item = HashMap::from([
                (PK.to_owned(), s(pk.clone())),
                (SK.to_owned(), s(format!("H#{}#{}", row.hour, row.group))),
                ("entity".to_owned(), s("metrics")),
            ]);
            for (attr, n) in additions(&row.tally) {
                item.insert(attr, number(n));
            }
            let put = PutRequest::builder()
                .set_item(Some(item))
                .build()
                .map_err(StoreError::unknown)?;
            puts.push(WriteRequest::builder().put_request(put).build());
        }
        for chunk in puts.chunks(25) {
            self.batch_write(chunk.to_vec()).await?;
        }
        for (group, change) in backlog_change.into_iter().filter(|(_, n)| *n != 0) {
            let total = vec![("backlog".to_owned(), change)];
            let update = add_update(&self.table, pk.clone(), format!("TOTAL#{group}"), total)?;
            let update = update
                .update
                .ok_or_else(|| StoreError::Unknown("an update without its update".into()))?;
            self.client
                .update_item()
                .table_name(&self.table)
                .set_key(Some(update.key))
                .update_expression(update.update_expression)
                .set_expression_attribute_names(update.expression_attribute_names)
                .set_expression_attribute_values(update.expression_attribute_values)
                .send()
                .await
                .map_err(sdk_error)?;
        }
        Ok(rows.len())
    }
}
