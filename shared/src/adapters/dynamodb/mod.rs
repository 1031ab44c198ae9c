//! The store on DynamoDB: one table, keys per docs/data-model.md.

mod cursor;
mod items;
mod keys;
mod people;
mod tickets;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{Put, TransactWriteItem};

pub use items::Item;

use crate::ports::StoreError;

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
        match result {
            Ok(_) => Ok(()),
            Err(SdkError::ServiceError(e)) => match e.into_err() {
                TransactWriteItemsError::TransactionCanceledException(cancelled) => {
                    let reasons = cancelled.cancellation_reasons();
                    let failed = reasons.iter().position(|r| r.code() == Some("ConditionalCheckFailed"));
                    match failed {
                        Some(index) => Err(explain(index)),
                        // Another transaction touched the same items at the same moment.
                        None if reasons.iter().any(|r| r.code() == Some("TransactionConflict")) => {
                            Err(StoreError::VersionConflict)
                        }
                        None => Err(StoreError::unknown(cancelled)),
                    }
                }
                other => Err(StoreError::unknown(other)),
            },
            Err(e) => Err(StoreError::unknown(e)),
        }
    }
}
