//! The stream-to-bus pipe, played locally: polls DynamoDB Local's stream and puts each record
//! that passes the template's filter on moto's bus, shaped as EventBridge Pipes delivers it:
//! through the template's input template, so consumers here see what they see in AWS.

use std::collections::HashMap;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use aws_sdk_dynamodbstreams::types::{AttributeValue, Record, ShardIteratorType};
use aws_sdk_eventbridge::types::PutEventsRequestEntry;
use base64::Engine;
use serde_json::{Map, Value, json};

use crate::pattern;
use crate::template::PipeSpec;

pub struct StreamPipe {
    streams: aws_sdk_dynamodbstreams::Client,
    events: aws_sdk_eventbridge::Client,
    stream_arn: String,
    bus: String,
    region: String,
    spec: PipeSpec,
    /// Each followed shard and the last sequence number delivered from it (`None`: nothing
    /// yet, read from the shard's start). Positions, not iterators, are kept: DynamoDB Local
    /// expires a held iterator when other tables are written.
    positions: HashMap<String, Option<String>>,
    /// Shards read to their end.
    finished: Vec<String>,
}

impl StreamPipe {
    /// Starts at the stream's current end, as a newly created pipe does.
    pub async fn start(sdk: &aws_config::SdkConfig, table: &str, bus: &str, spec: PipeSpec) -> Result<Self> {
        let dynamodb = aws_sdk_dynamodb::Client::new(sdk);
        let described = dynamodb
            .describe_table()
            .table_name(table)
            .send()
            .await
            .context("describing the table")?;
        let Some(stream_arn) = described.table().and_then(|t| t.latest_stream_arn()).map(str::to_owned) else {
            bail!("table {table} has no stream; its template definition must enable one");
        };
        let mut pipe = Self {
            streams: aws_sdk_dynamodbstreams::Client::new(sdk),
            events: aws_sdk_eventbridge::Client::new(sdk),
            stream_arn,
            bus: bus.to_owned(),
            region: sdk
                .region()
                .map(|r| r.to_string())
                .unwrap_or_else(|| "us-east-1".into()),
            spec,
            positions: HashMap::new(),
            finished: Vec::new(),
        };
        pipe.discover_shards().await?;
        let shards: Vec<String> = pipe.positions.keys().cloned().collect();
        for shard in shards {
            while !pipe.read(&shard).await?.is_empty() {}
        }
        Ok(pipe)
    }

    /// Follows every shard not yet known, from its start.
    async fn discover_shards(&mut self) -> Result<()> {
        let stream = self
            .streams
            .describe_stream()
            .stream_arn(&self.stream_arn)
            .send()
            .await
            .context("describing the stream")?;
        for shard in stream
            .stream_description()
            .map(|d| d.shards().to_vec())
            .unwrap_or_default()
        {
            let Some(id) = shard.shard_id() else { continue };
            if !self.positions.contains_key(id) && !self.finished.iter().any(|f| f == id) {
                self.positions.insert(id.to_owned(), None);
            }
        }
        Ok(())
    }

    /// The records of `shard` after its position, moving the position past them.
    async fn read(&mut self, shard: &str) -> Result<Vec<Record>> {
        let after = self.positions.get(shard).cloned().flatten();
        let kind = if after.is_some() {
            ShardIteratorType::AfterSequenceNumber
        } else {
            ShardIteratorType::TrimHorizon
        };
        let iterator = self
            .streams
            .get_shard_iterator()
            .stream_arn(&self.stream_arn)
            .shard_id(shard)
            .shard_iterator_type(kind)
            .set_sequence_number(after)
            .send()
            .await
            .context("getting a shard iterator")?;
        let Some(iterator) = iterator.shard_iterator() else {
            return Ok(vec![]);
        };
        let out = self
            .streams
            .get_records()
            .shard_iterator(iterator)
            .send()
            .await
            .context("reading the stream")?;
        let records = out.records().to_vec();
        if let Some(last) = records
            .last()
            .and_then(|r| r.dynamodb())
            .and_then(|d| d.sequence_number())
        {
            self.positions.insert(shard.to_owned(), Some(last.to_owned()));
        } else if out.next_shard_iterator().is_none() {
            self.positions.remove(shard);
            self.finished.push(shard.to_owned());
        }
        Ok(records)
    }

    /// Moves whatever the stream has now onto the bus; returns how many events were put.
    pub async fn poll_once(&mut self) -> Result<usize> {
        self.discover_shards().await?;
        let mut published = 0;
        let shards: Vec<String> = self.positions.keys().cloned().collect();
        for shard in shards {
            let records = self.read(&shard).await?;
            let entries: Vec<PutEventsRequestEntry> = records
                .iter()
                .map(|r| self.record_json(r))
                .filter(|json| {
                    self.spec.filter_patterns.is_empty()
                        || self.spec.filter_patterns.iter().any(|p| pattern::matches(p, json))
                })
                .map(|json| {
                    let detail = match &self.spec.input_template {
                        Some(template) => render(template, &json)?,
                        None => json.to_string(),
                    };
                    Ok(PutEventsRequestEntry::builder()
                        .event_bus_name(&self.bus)
                        .source(&self.spec.source)
                        .detail_type(&self.spec.detail_type)
                        .detail(detail)
                        .build())
                })
                .collect::<Result<_>>()?;
            for chunk in entries.chunks(10) {
                let result = self
                    .events
                    .put_events()
                    .set_entries(Some(chunk.to_vec()))
                    .send()
                    .await
                    .context("putting events")?;
                if result.failed_entry_count() > 0 {
                    bail!(
                        "the bus refused {} of {} events",
                        result.failed_entry_count(),
                        chunk.len()
                    );
                }
                published += chunk.len();
            }
        }
        Ok(published)
    }

    /// Polls until the process ends, as the pipe runs until it is deleted.
    pub async fn run(mut self, every: Duration) {
        loop {
            match self.poll_once().await {
                Ok(n) if n > 0 => tracing::info!(events = n, "pipe delivered events to the bus"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %format!("{e:#}"), "pipe poll failed; retrying"),
            }
            tokio::time::sleep(every).await;
        }
    }

    /// The record as DynamoDB Streams gives it to a pipe (and so as the bus receives it).
    fn record_json(&self, record: &Record) -> Value {
        let data = record.dynamodb();
        let mut dynamodb = Map::new();
        if let Some(d) = data {
            if let Some(t) = d.approximate_creation_date_time() {
                dynamodb.insert("ApproximateCreationDateTime".into(), json!(t.secs()));
            }
            if let Some(keys) = d.keys() {
                dynamodb.insert("Keys".into(), image(keys));
            }
            if let Some(new) = d.new_image() {
                dynamodb.insert("NewImage".into(), image(new));
            }
            if let Some(old) = d.old_image() {
                dynamodb.insert("OldImage".into(), image(old));
            }
            if let Some(seq) = d.sequence_number() {
                dynamodb.insert("SequenceNumber".into(), json!(seq));
            }
            if let Some(size) = d.size_bytes() {
                dynamodb.insert("SizeBytes".into(), json!(size));
            }
            if let Some(view) = d.stream_view_type() {
                dynamodb.insert("StreamViewType".into(), json!(view.as_str()));
            }
        }
        json!({
            "eventID": record.event_id(),
            "eventName": record.event_name().map(|n| n.as_str()),
            "eventVersion": record.event_version(),
            "eventSource": "aws:dynamodb",
            "awsRegion": self.region,
            "dynamodb": dynamodb,
            "eventSourceARN": self.stream_arn,
        })
    }
}

/// What an EventBridge Pipes input template makes of `record`: each `<$.path>` replaced by the
/// value at that path; inside quotes, a string's characters escaped for a JSON string (what
/// Pipes does to keep the output valid JSON), elsewhere the value's JSON. A path that is
/// missing, or a placeholder this stand-in does not know, is an error rather than a guess.
pub fn render(template: &str, record: &Value) -> Result<String> {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find('<') {
        let Some(len) = rest[start..].find('>') else { break };
        let placeholder = &rest[start + 1..start + len];
        out.push_str(&rest[..start]);
        let Some(path) = placeholder.strip_prefix("$.") else {
            bail!("input template placeholder <{placeholder}> is not played locally");
        };
        let value = path
            .split('.')
            .try_fold(record, |v, key| v.get(key))
            .with_context(|| format!("input template: the record has no {placeholder}"))?;
        let quoted = out.ends_with('"') && rest[start + len + 1..].starts_with('"');
        match (quoted, value) {
            (true, Value::String(text)) => {
                let escaped = serde_json::to_string(text)?;
                out.push_str(&escaped[1..escaped.len() - 1]);
            }
            (true, other) => {
                let escaped = serde_json::to_string(&other.to_string())?;
                out.push_str(&escaped[1..escaped.len() - 1]);
            }
            (false, other) => out.push_str(&other.to_string()),
        }
        rest = &rest[start + len + 1..];
    }
    out.push_str(rest);
    serde_json::from_str::<Value>(&out).context("input template: the result is not JSON")?;
    Ok(out)
}

fn image(attributes: &HashMap<String, AttributeValue>) -> Value {
    Value::Object(attributes.iter().map(|(k, v)| (k.clone(), attribute(v))).collect())
}

/// DynamoDB's JSON wire form of one attribute value.
fn attribute(value: &AttributeValue) -> Value {
    let b64 =
        |b: &aws_sdk_dynamodbstreams::primitives::Blob| base64::engine::general_purpose::STANDARD.encode(b.as_ref());
    match value {
        AttributeValue::S(s) => json!({ "S": s }),
        AttributeValue::N(n) => json!({ "N": n }),
        AttributeValue::Bool(b) => json!({ "BOOL": b }),
        AttributeValue::Null(_) => json!({ "NULL": true }),
        AttributeValue::M(m) => json!({ "M": image(m) }),
        AttributeValue::L(l) => json!({ "L": l.iter().map(attribute).collect::<Vec<_>>() }),
        AttributeValue::Ss(ss) => json!({ "SS": ss }),
        AttributeValue::Ns(ns) => json!({ "NS": ns }),
        AttributeValue::B(b) => json!({ "B": b64(b) }),
        AttributeValue::Bs(bs) => json!({ "BS": bs.iter().map(b64).collect::<Vec<_>>() }),
        _ => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_template_s_input_template_makes_the_published_contract() {
        let spec = crate::template::Template::load_default()
            .unwrap()
            .pipe(crate::local::PIPE)
            .unwrap();
        let at = shared::domain::Timestamp::parse("2026-11-23T09:00:00Z").unwrap();
        let audit = shared::domain::AuditEvent {
            id: shared::domain::EventId::generate(at),
            event_type: shared::domain::EventType::TicketCreated,
            ticket_id: shared::domain::TicketId::generate(at),
            ticket_number: shared::domain::TicketNumber::new(1001),
            // A quote in the event's text: the template must keep it escaped.
            actor: shared::domain::Actor::System {
                cause: "rule \"a\" stopped".into(),
            },
            at,
            changes: vec![],
            message_id: None,
            related: None,
            carried_from: None,
            reason: None,
        };
        let record = json!({"eventName": "INSERT", "dynamodb": {"NewImage": {
            "entity": {"S": "audit"},
            "type": {"S": "ticket.created"},
            "ticket_id": {"S": audit.ticket_id.to_string()},
            "event": {"S": shared::domain::events::stored_json(&audit).unwrap()},
        }}});
        let detail: Value =
            serde_json::from_str(&render(spec.input_template.as_ref().unwrap(), &record).unwrap()).unwrap();
        assert_eq!(detail, shared::adapters::bus::pipe_detail(&(&audit).into()));
        let bus_event = json!({"source": spec.source, "detail-type": spec.detail_type, "detail": detail});
        let decoded = shared::adapters::bus::decode(&bus_event, "x").unwrap();
        assert_eq!(
            decoded,
            shared::adapters::bus::BusEvent::Ticket(Box::new((&audit).into()))
        );
    }

    #[test]
    fn attributes_take_the_wire_form() {
        let v = AttributeValue::M(HashMap::from([
            ("n".to_owned(), AttributeValue::N("1".into())),
            (
                "l".to_owned(),
                AttributeValue::L(vec![AttributeValue::S("x".into()), AttributeValue::Null(true)]),
            ),
        ]));
        assert_eq!(
            attribute(&v),
            json!({"M": {"n": {"N": "1"}, "l": {"L": [{"S": "x"}, {"NULL": true}]}}})
        );
    }
}
