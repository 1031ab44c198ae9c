//! Lambda's SQS event source mapping, played locally: receives a batch, hands it to the
//! function as the same `SqsEvent`, and deletes only what the function did not report as
//! failed. Failed messages come back after their visibility timeout and reach the DLQ by the
//! queue's own redrive policy.

use std::future::Future;
use std::time::Duration;

use anyhow::{Context, Result};
use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use aws_sdk_sqs::types::{DeleteMessageBatchRequestEntry, MessageSystemAttributeName};
use serde_json::{Map, Value, json};

pub struct QueuePoller {
    sqs: aws_sdk_sqs::Client,
    pub queue_url: String,
    queue_arn: String,
    region: String,
}

impl QueuePoller {
    pub async fn new(sdk: &aws_config::SdkConfig, queue_url: &str) -> Result<Self> {
        let sqs = aws_sdk_sqs::Client::new(sdk);
        let attributes = sqs
            .get_queue_attributes()
            .queue_url(queue_url)
            .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
            .send()
            .await
            .context("reading the queue's ARN")?;
        let queue_arn = attributes
            .attributes()
            .and_then(|a| a.get(&aws_sdk_sqs::types::QueueAttributeName::QueueArn))
            .cloned()
            .unwrap_or_default();
        let region = sdk
            .region()
            .map(|r| r.to_string())
            .unwrap_or_else(|| "us-east-1".into());
        Ok(Self {
            sqs,
            queue_url: queue_url.to_owned(),
            queue_arn,
            region,
        })
    }

    /// Delivers one batch (waiting up to `wait` for it); returns how many messages it held.
    pub async fn poll_once<F, Fut>(&self, wait: Duration, function: F) -> Result<usize>
    where
        F: FnOnce(SqsEvent) -> Fut,
        Fut: Future<Output = Result<SqsBatchResponse, lambda_runtime::Error>>,
    {
        let received = self
            .sqs
            .receive_message()
            .queue_url(&self.queue_url)
            .max_number_of_messages(10)
            .wait_time_seconds(wait.as_secs() as i32)
            .message_system_attribute_names(MessageSystemAttributeName::All)
            .send()
            .await
            .context("receiving from the queue")?;
        let messages = received.messages();
        if messages.is_empty() {
            return Ok(0);
        }
        let records: Vec<Value> = messages
            .iter()
            .map(|m| {
                let attributes: Map<String, Value> = m
                    .attributes()
                    .map(|a| a.iter().map(|(k, v)| (k.as_str().to_owned(), json!(v))).collect())
                    .unwrap_or_default();
                json!({
                    "messageId": m.message_id(),
                    "receiptHandle": m.receipt_handle(),
                    "body": m.body(),
                    "attributes": attributes,
                    "messageAttributes": {},
                    "md5OfBody": m.md5_of_body(),
                    "eventSource": "aws:sqs",
                    "eventSourceARN": self.queue_arn,
                    "awsRegion": self.region,
                })
            })
            .collect();
        let event: SqsEvent =
            serde_json::from_value(json!({ "Records": records })).context("building the SQS event")?;
        let failed: Vec<String> = match function(event).await {
            Ok(response) => response
                .batch_item_failures
                .into_iter()
                .map(|f| f.item_identifier)
                .collect(),
            // A function error fails the whole batch, as Lambda does.
            Err(e) => {
                tracing::warn!(error = %e, "function failed the whole batch");
                messages
                    .iter()
                    .filter_map(|m| m.message_id().map(str::to_owned))
                    .collect()
            }
        };
        let done: Vec<DeleteMessageBatchRequestEntry> = messages
            .iter()
            .filter(|m| m.message_id().is_some_and(|id| !failed.iter().any(|f| f == id)))
            .filter_map(|m| {
                DeleteMessageBatchRequestEntry::builder()
                    .id(m.message_id()?)
                    .receipt_handle(m.receipt_handle()?)
                    .build()
                    .ok()
            })
            .collect();
        if !done.is_empty() {
            self.sqs
                .delete_message_batch()
                .queue_url(&self.queue_url)
                .set_entries(Some(done))
                .send()
                .await
                .context("deleting handled messages")?;
        }
        Ok(messages.len())
    }
}
