//! The SQS edge shared by the queue-fed functions: one span per message, and partial batch
//! failures, so a failing message is retried alone and the rest of the batch is not.

use std::future::Future;

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};
use futures::StreamExt;
use tracing::Instrument;

/// How many messages of one batch the reactor handles at once. A slow message (a webhook
/// waiting for its timeout) then delays the batch by its own time, not by the sum of everyone's.
pub const MESSAGES_IN_FLIGHT: usize = 10;

/// Runs `handle` on each message, one after the other; those it returns `false` for are
/// reported as failed.
pub async fn each_message<F, Fut>(event: SqsEvent, handle: F) -> SqsBatchResponse
where
    F: FnMut(SqsMessage) -> Fut,
    Fut: Future<Output = bool>,
{
    each_message_at_once(event, 1, handle).await
}

/// Runs `handle` on each message, up to `in_flight` at a time; those it returns `false` for
/// are reported as failed (in the batch's order), and only those.
pub async fn each_message_at_once<F, Fut>(event: SqsEvent, in_flight: usize, mut handle: F) -> SqsBatchResponse
where
    F: FnMut(SqsMessage) -> Fut,
    Fut: Future<Output = bool>,
{
    let runs = event.records.into_iter().enumerate().map(|(i, message)| {
        let id = message.message_id.clone().unwrap_or_default();
        let span = tracing::info_span!("queue_message", sqs_message = %id);
        let run = handle(message).instrument(span);
        async move { (i, id, run.await) }
    });
    let mut failed: Vec<(usize, String)> = futures::stream::iter(runs)
        .buffer_unordered(in_flight.max(1))
        .filter_map(|(i, id, ok)| async move { (!ok).then_some((i, id)) })
        .collect()
        .await;
    failed.sort();
    let mut response = SqsBatchResponse::default();
    for (_, id) in failed {
        let mut failure = BatchItemFailure::default();
        failure.item_identifier = id;
        response.batch_item_failures.push(failure);
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

    #[tokio::test]
    async fn messages_run_together_up_to_the_bound_and_failures_stay_exact() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let records: Vec<_> = (0..25)
            .map(|i| serde_json::json!({"messageId": format!("m{i}"), "body": i.to_string()}))
            .collect();
        let event: SqsEvent = serde_json::from_value(serde_json::json!({ "Records": records })).unwrap();
        let in_flight = AtomicUsize::new(0);
        let most = AtomicUsize::new(0);
        let response = each_message_at_once(event, MESSAGES_IN_FLIGHT, |m| {
            let (in_flight, most) = (&in_flight, &most);
            async move {
                let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                // Every message waits once, as one waiting on a webhook would.
                tokio::task::yield_now().await;
                in_flight.fetch_sub(1, Ordering::SeqCst);
                m.body.unwrap().parse::<u32>().unwrap() % 7 != 3
            }
        })
        .await;
        assert_eq!(most.load(Ordering::SeqCst), MESSAGES_IN_FLIGHT);
        let failed: Vec<_> = response
            .batch_item_failures
            .iter()
            .map(|f| f.item_identifier.as_str())
            .collect();
        assert_eq!(failed, ["m3", "m10", "m17", "m24"]);
    }
}
