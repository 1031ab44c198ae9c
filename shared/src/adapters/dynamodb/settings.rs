//! Desk-wide settings an admin stores: one item each in the `SETTINGS` partition, the record
//! as it serializes (survey settings, retention settings).

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::items::{from_item, record_item};
use super::keys::{PK, SK};
use super::{DynamoStore, sdk_error};
use crate::ports::StoreError;

const SETTINGS_PK: &str = "SETTINGS";

impl DynamoStore {
    /// The settings stored under `sk`, if an admin stored any.
    pub(super) async fn settings<T: DeserializeOwned>(&self, sk: &str) -> Result<Option<T>, StoreError> {
        self.get(SETTINGS_PK.to_owned(), sk)
            .await?
            .map(|mut item| {
                for key in [PK, SK, "entity"] {
                    item.remove(key);
                }
                from_item(item)
            })
            .transpose()
    }

    /// Replaces the settings under `sk`.
    pub(super) async fn put_settings<T: Serialize>(
        &self,
        sk: &str,
        settings: &T,
        entity: &str,
    ) -> Result<(), StoreError> {
        let item = record_item(settings, SETTINGS_PK.to_owned(), sk.to_owned(), entity)?;
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(())
    }
}
