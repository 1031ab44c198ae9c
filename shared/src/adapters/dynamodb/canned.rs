//! Canned responses: one partition for the desk (a help desk keeps tens or hundreds, read in one
//! Query), one item each.

use super::items;
use super::{DynamoStore, sdk_error};
use crate::ports::{CannedStore, StoreError};
use crate::usecases::desk::canned::CannedResponse;

const CANNED_PK: &str = "CANNED";
const CANNED_PREFIX: &str = "CANNED#";

fn canned_sk(id: &str) -> String {
    format!("{CANNED_PREFIX}{id}")
}

impl CannedStore for DynamoStore {
    async fn list_canned(&self) -> Result<Vec<CannedResponse>, StoreError> {
        self.query_all(CANNED_PK, CANNED_PREFIX)
            .await?
            .into_iter()
            .map(items::from_item)
            .collect()
    }

    async fn put_canned(&self, canned: &CannedResponse) -> Result<(), StoreError> {
        let item = items::record_item(canned, CANNED_PK.into(), canned_sk(&canned.id), "canned")?;
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(())
    }

    async fn delete_canned(&self, id: &str) -> Result<(), StoreError> {
        self.delete_existing(CANNED_PK, canned_sk(id), format!("canned response {id}"))
            .await
    }
}
