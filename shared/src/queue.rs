//! The SQS edge shared by the queue-fed functions: one span per message, and partial batch
//! failures, so a failing message is retried alone and the rest of the batch is not.

use std::future::Future;

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};
use tracing::Instrument;

/// Runs `handle` on each message; those it returns `false` for are reported as failed.
pub async fn each_message<F, Fut>(event: SqsEvent, mut handle: F) -> SqsBatchResponse
where
    F: FnMut(SqsMessage) -> Fut,
    Fut: Future<Output = bool>,
{
    let mut response = SqsBatchResponse::default();
    for message in event.records {
        let id = message.message_id.clone().unwrap_or_default();
        let span = tracing::info_span!("queue_message", sqs_message = %id);
        if !handle(message).instrument(span).await {
            let mut failure = BatchItemFailure::default();
            failure.item_identifier = id;
            response.batch_item_failures.push(failure);
        }
    }
    response
}

/// How many times SQS has delivered this message (1 the first time).
pub fn attempt(message: &SqsMessage) -> u32 {
    message
        .attributes
        .get("ApproximateReceiveCount")
        .and_then(|c| c.parse().ok())
        .unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn only_failed_messages_are_reported() {
        let event: SqsEvent = serde_json::from_value(serde_json::json!({"Records": [
            {"messageId": "a", "body": "ok", "attributes": {"ApproximateReceiveCount": "3"}},
            {"messageId": "b", "body": "bad", "attributes": {}},
        ]}))
        .unwrap();
        assert_eq!(attempt(&event.records[0]), 3);
        assert_eq!(attempt(&event.records[1]), 1);
        let response = each_message(event, |m| async move { m.body.as_deref() == Some("ok") }).await;
        let failed: Vec<_> = response
            .batch_item_failures
            .iter()
            .map(|f| f.item_identifier.as_str())
            .collect();
        assert_eq!(failed, ["b"]);
    }
}
