//! The retention settings (`SETTINGS` / `RETENTION`, [`super::settings`]) and the `byRetention` index, whose keys
//! the ticket item carries while it is solved and still holds personal data (`items::ticket_item`).

use super::DynamoStore;
use super::keys::{BY_RETENTION, HELD};
use crate::domain::Timestamp;
use crate::domain::retention::RetentionSettings;
use crate::ports::{DueTicket, RetentionStore, StoreError};

const RETENTION_SETTINGS_SK: &str = "RETENTION";

impl RetentionStore for DynamoStore {
    async fn retention_settings(&self) -> Result<Option<RetentionSettings>, StoreError> {
        self.settings(RETENTION_SETTINGS_SK).await
    }

    async fn put_retention_settings(&self, settings: &RetentionSettings) -> Result<(), StoreError> {
        self.put_settings(RETENTION_SETTINGS_SK, settings, "retention_settings")
            .await
    }

    async fn retained_before(
        &self,
        cutoff: Timestamp,
        after: Option<&DueTicket>,
        limit: usize,
    ) -> Result<Vec<DueTicket>, StoreError> {
        self.due_entries(BY_RETENTION, HELD, cutoff, after, limit).await
    }
}
