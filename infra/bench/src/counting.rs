//! Counts the AWS requests the functions make, by service and operation: an HTTP client for
//! the SDKs that wraps the default one and looks at each request on its way out (the SDKs'
//! own requests, unchanged). DynamoDB write units are computed from the items' sizes in the
//! requests, since DynamoDB Local under-reports what transactions consume, and read units from
//! the items' sizes in the responses (the response is read whole and handed on unchanged).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::byte_stream::ByteStream;
use serde_json::Value;

/// What was sent since the last [`Counter::take`]: requests per "Service.Operation", and the
/// write and read units the DynamoDB requests cost.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Counts {
    pub requests: BTreeMap<String, u64>,
    pub write_units: f64,
    pub read_units: f64,
}

impl Counts {
    /// `DynamoDB 3 (TransactWriteItems 1, Query 2), S3 1 (...)`.
    pub fn summary(&self) -> String {
        let mut by_service: BTreeMap<&str, Vec<(&str, u64)>> = BTreeMap::new();
        for (key, n) in &self.requests {
            let (service, op) = key.split_once('.').unwrap_or((key, ""));
            by_service.entry(service).or_default().push((op, *n));
        }
        by_service
            .iter()
            .map(|(service, ops)| {
                let total: u64 = ops.iter().map(|(_, n)| n).sum();
                let detail: Vec<String> = ops.iter().map(|(op, n)| format!("{op} {n}")).collect();
                format!("{service} {total} ({})", detail.join(", "))
            })
            .collect::<Vec<_>>()
            .join("; ")
    }
}

#[derive(Debug, Clone, Default)]
pub struct Counter(Arc<Mutex<Counts>>);

impl Counter {
    /// Everything counted so far; starts counting afresh.
    pub fn take(&self) -> Counts {
        std::mem::take(&mut *self.0.lock().expect("counter"))
    }

    /// Counts a request; a DynamoDB read comes back as what its response must be read for.
    fn record(&self, request: &HttpRequest) -> Option<Read> {
        let operation = operation(request);
        let body = request.body().bytes().filter(|_| operation.starts_with("DynamoDB."));
        let units = body.map(|body| write_units(&operation, body)).unwrap_or(0.0);
        let read = body.and_then(|body| Read::of(&operation, body));
        let mut counts = self.0.lock().expect("counter");
        *counts.requests.entry(operation).or_default() += 1;
        counts.write_units += units;
        read
    }

    fn add_read_units(&self, units: f64) {
        self.0.lock().expect("counter").read_units += units;
    }

    /// An HTTP client for `SdkConfig` that counts into this counter.
    pub fn http_client(&self) -> SharedHttpClient {
        SharedHttpClient::new(CountingClient {
            inner: aws_smithy_http_client::Builder::new().build_http(),
            counter: self.clone(),
        })
    }
}

#[derive(Debug)]
struct CountingClient {
    inner: SharedHttpClient,
    counter: Counter,
}

impl HttpClient for CountingClient {
    fn http_connector(&self, settings: &HttpConnectorSettings, components: &RuntimeComponents) -> SharedHttpConnector {
        SharedHttpConnector::new(CountingConnector {
            inner: self.inner.http_connector(settings, components),
            counter: self.counter.clone(),
        })
    }
}

#[derive(Debug)]
struct CountingConnector {
    inner: SharedHttpConnector,
    counter: Counter,
}

impl HttpConnector for CountingConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let read = self.counter.record(&request);
        let response = self.inner.call(request);
        let Some(read) = read else {
            return response;
        };
        let counter = self.counter.clone();
        HttpConnectorFuture::new(async move {
            let mut response = response.await?;
            let body = ByteStream::new(response.take_body())
                .collect()
                .await
                .map_err(|e| ConnectorError::io(e.into()))?
                .into_bytes();
            counter.add_read_units(read.units(&body));
            *response.body_mut() = SdkBody::from(body);
            Ok(response)
        })
    }
}

/// A DynamoDB read whose units are known once its response is in.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Read {
    /// GetItem, Query, Scan: one 4 KB unit per 4 KB of the items together (GetItem: of its
    /// item), half as much when eventually consistent, never less than one such unit.
    Items { consistent: bool },
    /// BatchGetItem: each item on its own (eventually consistent, as ours are).
    Batch,
    /// TransactGetItems: twice a consistent read of each item.
    Transaction,
}

impl Read {
    fn of(operation: &str, body: &[u8]) -> Option<Self> {
        let consistent = || {
            serde_json::from_slice::<Value>(body)
                .ok()
                .and_then(|json| json.get("ConsistentRead").and_then(Value::as_bool))
                .unwrap_or(false)
        };
        match operation {
            "DynamoDB.GetItem" | "DynamoDB.Query" | "DynamoDB.Scan" => Some(Read::Items {
                consistent: consistent(),
            }),
            "DynamoDB.BatchGetItem" => Some(Read::Batch),
            "DynamoDB.TransactGetItems" => Some(Read::Transaction),
            _ => None,
        }
    }

    /// Read units the response's items cost.
    fn units(self, response: &[u8]) -> f64 {
        let Ok(json) = serde_json::from_slice::<Value>(response) else {
            return 0.0;
        };
        let blocks = |bytes: usize| (bytes as f64 / 4096.0).ceil().max(1.0);
        let factor = |consistent: bool| if consistent { 1.0 } else { 0.5 };
        match self {
            Read::Items { consistent } => {
                let bytes = match (json.get("Item"), json.get("Items").and_then(Value::as_array)) {
                    (Some(item), _) => item_size(item),
                    (None, Some(items)) => items.iter().map(item_size).sum(),
                    (None, None) => 0,
                };
                blocks(bytes) * factor(consistent)
            }
            Read::Batch => json.get("Responses").and_then(Value::as_object).map_or(0.0, |tables| {
                tables
                    .values()
                    .filter_map(Value::as_array)
                    .flatten()
                    .map(|item| blocks(item_size(item)) * 0.5)
                    .sum()
            }),
            Read::Transaction => json.get("Responses").and_then(Value::as_array).map_or(0.0, |items| {
                items
                    .iter()
                    .map(|r| 2.0 * blocks(r.get("Item").map_or(0, item_size)))
                    .sum()
            }),
        }
    }
}

/// "Service.Operation" of a request: from `X-Amz-Target` for the JSON protocols (DynamoDB,
/// its streams, SQS, EventBridge, Secrets Manager), from the path for SES v2 and S3.
fn operation(request: &HttpRequest) -> String {
    if let Some(target) = request.headers().get("x-amz-target") {
        let (prefix, op) = target.split_once('.').unwrap_or((target, ""));
        let service = match prefix {
            p if p.starts_with("DynamoDBStreams") => "DynamoDBStreams",
            p if p.starts_with("DynamoDB") => "DynamoDB",
            "AmazonSQS" => "SQS",
            "AWSEvents" => "EventBridge",
            "secretsmanager" => "SecretsManager",
            other => other,
        };
        return format!("{service}.{op}");
    }
    let path = request.uri().split('?').next().unwrap_or_default();
    let path = path
        .split_once("://")
        .map_or(path, |(_, rest)| rest.split_once('/').map_or("", |(_, p)| p));
    if path.starts_with("v2/email/outbound-emails") {
        return "SES.SendEmail".into();
    }
    if path.starts_with("v2/email") {
        return format!("SES.{}", request.method());
    }
    // Path-style S3: bucket, then the key when there is one.
    let object = path.trim_matches('/').contains('/');
    let op = match (request.method(), object) {
        ("PUT", true) => "PutObject",
        ("GET", true) => "GetObject",
        ("HEAD", true) => "HeadObject",
        ("DELETE", true) => "DeleteObject",
        (method, _) => method,
    };
    format!("S3.{op}")
}

/// Write units a DynamoDB write request costs: 1 per 1 KB of each item written (2 inside a
/// transaction), computed from the item in the request (what DynamoDB bills for a put; an
/// update is billed on the item's size after it, which the request does not show, so it
/// counts as one unit here).
fn write_units(operation: &str, body: &[u8]) -> f64 {
    let Ok(json) = serde_json::from_slice::<Value>(body) else {
        return 0.0;
    };
    let units = |item: Option<&Value>| item.map_or(1.0, |i| (item_size(i) as f64 / 1024.0).ceil().max(1.0));
    match operation {
        "DynamoDB.PutItem" => units(json.get("Item")),
        "DynamoDB.UpdateItem" | "DynamoDB.DeleteItem" => 1.0,
        "DynamoDB.TransactWriteItems" => json
            .get("TransactItems")
            .and_then(Value::as_array)
            .map_or(0.0, |items| {
                items
                    .iter()
                    .map(|t| 2.0 * units(t.get("Put").and_then(|p| p.get("Item"))))
                    .sum()
            }),
        "DynamoDB.BatchWriteItem" => json
            .get("RequestItems")
            .and_then(Value::as_object)
            .map_or(0.0, |tables| {
                tables
                    .values()
                    .filter_map(Value::as_array)
                    .flatten()
                    .map(|w| units(w.get("PutRequest").and_then(|p| p.get("Item"))))
                    .sum()
            }),
        _ => 0.0,
    }
}

/// An item's size as DynamoDB counts it (close enough): attribute names plus values.
fn item_size(item: &Value) -> usize {
    item.as_object().map_or(0, |attributes| {
        attributes
            .iter()
            .map(|(name, value)| name.len() + value_size(value))
            .sum()
    })
}

fn value_size(value: &Value) -> usize {
    let Some((kind, inner)) = value.as_object().and_then(|o| o.iter().next()) else {
        return 0;
    };
    match (kind.as_str(), inner) {
        ("S" | "N" | "B", Value::String(s)) => s.len(),
        ("M", m) => 3 + item_size(m),
        ("L", Value::Array(l)) => 3 + l.iter().map(|v| 1 + value_size(v)).sum::<usize>(),
        ("SS" | "NS" | "BS", Value::Array(l)) => l.iter().filter_map(Value::as_str).map(str::len).sum(),
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_transaction_costs_two_units_per_kilobyte_of_each_item() {
        let big = "x".repeat(1500);
        let body = json!({"TransactItems": [
            {"Put": {"Item": {"pk": {"S": "a"}, "body": {"S": big}}}},
            {"Put": {"Item": {"pk": {"S": "b"}}}},
            {"ConditionCheck": {"Key": {"pk": {"S": "c"}}}}
        ]});
        let units = write_units("DynamoDB.TransactWriteItems", body.to_string().as_bytes());
        assert_eq!(units, 2.0 * 2.0 + 2.0 + 2.0);
    }

    #[test]
    fn a_read_costs_a_unit_per_4_kilobytes_of_what_it_returns_half_when_eventually_consistent() {
        let item = |kb: usize| json!({"pk": {"S": "a"}, "body": {"S": "x".repeat(kb * 1024)}});
        let get = Read::of("DynamoDB.GetItem", br#"{"ConsistentRead": true}"#).unwrap();
        assert_eq!(get.units(json!({"Item": item(5)}).to_string().as_bytes()), 2.0);
        assert_eq!(get.units(b"{}"), 1.0, "a miss still costs the least unit");
        let query = Read::of("DynamoDB.Query", b"{}").unwrap();
        // Three items of 3 KB are 9 KB together: three 4 KB blocks, halved.
        let page = json!({"Items": [item(3), item(3), item(3)]});
        assert_eq!(query.units(page.to_string().as_bytes()), 1.5);
        let batch = Read::of("DynamoDB.BatchGetItem", b"{}").unwrap();
        let batch_page = json!({"Responses": {"t": [item(1), item(5)]}});
        assert_eq!(batch.units(batch_page.to_string().as_bytes()), 0.5 + 1.0);
        assert_eq!(Read::of("DynamoDB.PutItem", b"{}"), None);
    }
}
