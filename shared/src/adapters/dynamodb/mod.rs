//! The store on DynamoDB: one table, keys per docs/data-model.md.

mod agent_loads;
mod calendars;
mod canned;
mod cursor;
mod items;
mod keys;
mod ledger;
mod mail_keys;
mod metrics;
mod nps;
mod people;
mod privacy;
mod report_subscriptions;
mod retention;
mod rules;
mod search;
mod settings;
mod sla;
mod surveys;
mod templates;
mod ticket_query;
mod tickets;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{Put, TransactWriteItem};

/// The item a ticket is stored as, with its index keys: the benchmarks load tables with it.
pub use items::{Item, ticket_item};
pub use rules::next_look_item;

use crate::ports::StoreError;

/// Error codes DynamoDB uses when it sheds load.
const THROTTLING: [&str; 3] = [
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
];

/// An SDK failure in port terms: throttling and timeouts (left after the SDK's own retries)
/// are `Unavailable`, so callers can say "retry shortly"; anything else is `Unknown`.
pub(crate) fn sdk_error<E, R>(error: SdkError<E, R>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    let throttled = error
        .as_service_error()
        .and_then(|e| e.code())
        .is_some_and(|c| THROTTLING.contains(&c));
    let timed_out = matches!(error, SdkError::TimeoutError(_));
    if throttled || timed_out {
        StoreError::Unavailable(Box::new(error))
    } else {
        StoreError::unknown(error)
    }
}

/// The DynamoDB adapter for every store port.
#[derive(Clone, Debug)]
pub struct DynamoStore {
    client: Client,
    table: String,
}

impl DynamoStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    fn put(&self, item: Item, condition: Option<&str>) -> Result<TransactWriteItem, StoreError> {
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .set_condition_expression(condition.map(str::to_owned))
            .build()
            .map_err(StoreError::unknown)?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    /// Runs a transaction. When it is cancelled, `explain` turns the index of the first
    /// item whose condition failed into the error for it.
    async fn transact(
        &self,
        items: Vec<TransactWriteItem>,
        explain: impl Fn(usize) -> StoreError,
    ) -> Result<(), StoreError> {
        let result = self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await;
        let error = match result {
            Ok(_) => return Ok(()),
            Err(e) => e,
        };
        if let Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) = error.as_service_error() {
            let reasons = cancelled.cancellation_reasons();
            if let Some(index) = reasons.iter().position(|r| r.code() == Some("ConditionalCheckFailed")) {
                return Err(explain(index));
            }
            // Another transaction touched the same items at the same moment.
            if reasons.iter().any(|r| r.code() == Some("TransactionConflict")) {
                return Err(StoreError::VersionConflict);
            }
        }
        Err(sdk_error(error))
    }
}
