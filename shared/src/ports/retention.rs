//! What the retention job and its settings need from the store (docs/privacy.md, "Retention").

use std::future::Future;

use super::{DueTicket, StoreError};
use crate::domain::Timestamp;
use crate::domain::retention::RetentionSettings;

pub trait RetentionStore: Send + Sync {
    /// The settings an admin stored, if any.
    fn retention_settings(&self) -> impl Future<Output = Result<Option<RetentionSettings>, StoreError>> + Send;
    fn put_retention_settings(
        &self,
        settings: &RetentionSettings,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Solved tickets still holding their requester's personal data, solved at or before
    /// `cutoff` (`due` is when), oldest first, at most `limit`, after `after`: one Query of
    /// the `byRetention` index.
    fn retained_before(
        &self,
        cutoff: Timestamp,
        after: Option<&DueTicket>,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<DueTicket>, StoreError>> + Send;
}
