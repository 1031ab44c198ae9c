//! The local engines' own request rates (the limit anything built on them can reach), with
//! the dev host's pollers and pipe stopped and running: the rates must be the same, or the
//! dev host slows down everything it hosts.

use std::time::{Duration, Instant};

use anyhow::Result;
use aws_config::SdkConfig;
use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem};

use crate::stats::Rate;

pub struct EngineRates {
    pub sqs_send: Rate,
    pub s3_put: Rate,
    pub dynamodb_transaction: Rate,
}

/// `n` sequential requests of each kind.
pub async fn measure(sdk: &SdkConfig, table: &str, n: usize) -> Result<EngineRates> {
    let sqs = aws_sdk_sqs::Client::new(sdk);
    let queue = sqs
        .create_queue()
        .queue_name(test_support::unique("bench-rate"))
        .send()
        .await?
        .queue_url
        .unwrap_or_default();
    let s3 = test_support::s3_client(sdk);
    let bucket = test_support::unique("bench-rate");
    s3.create_bucket().bucket(&bucket).send().await?;
    let dynamodb = aws_sdk_dynamodb::Client::new(sdk);

    let body = "x".repeat(200);
    let sqs_send = time(n, |_| {
        let request = sqs.send_message().queue_url(&queue).message_body(&body);
        async move { request.send().await.map(drop).map_err(anyhow::Error::from) }
    })
    .await?;
    let object = vec![b'x'; 2000];
    let s3_put = time(n, |i| {
        let request = s3
            .put_object()
            .bucket(&bucket)
            .key(format!("k{i}"))
            .body(object.clone().into());
        async move { request.send().await.map(drop).map_err(anyhow::Error::from) }
    })
    .await?;
    let run = test_support::unique("r");
    let dynamodb_transaction = time(n, |i| {
        let items: Vec<TransactWriteItem> = (0..4)
            .map(|k| {
                let put = Put::builder()
                    .table_name(table)
                    .item("pk", AttributeValue::S(format!("BENCH#{run}#{i}")))
                    .item("sk", AttributeValue::S(format!("ITEM#{k}")))
                    .item("body", AttributeValue::S("x".repeat(300)))
                    .build()
                    .expect("put");
                TransactWriteItem::builder().put(put).build()
            })
            .collect();
        let request = dynamodb.transact_write_items().set_transact_items(Some(items));
        async move { request.send().await.map(drop).map_err(anyhow::Error::from) }
    })
    .await?;
    Ok(EngineRates {
        sqs_send,
        s3_put,
        dynamodb_transaction,
    })
}

/// Runs `call` `n` times in a row (after one warm-up call) and reports the rate.
async fn time<F, Fut>(n: usize, mut call: F) -> Result<Rate>
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = Result<()>>,
{
    call(usize::MAX).await?;
    let mut latencies = Vec::with_capacity(n);
    let start = Instant::now();
    for i in 0..n {
        let one = Instant::now();
        call(i).await?;
        latencies.push(one.elapsed());
    }
    Ok(Rate::new(n, start.elapsed(), latencies))
}

/// Lets the pollers settle into their waits before measuring next to them.
pub const SETTLE: Duration = Duration::from_millis(1500);
