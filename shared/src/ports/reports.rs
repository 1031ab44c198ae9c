//! Report subscriptions in the store.

use std::future::Future;

use super::StoreError;
use crate::domain::metrics::subscription::ReportSubscription;
use crate::domain::{ReportSubscriptionId, Timestamp};

/// Report subscriptions: one small partition to list them, and each on the due index under its
/// next send, so the hourly run reads only what is due.
pub trait ReportSubscriptionStore: Send + Sync {
    /// Every subscription, oldest first.
    fn list_report_subscriptions(&self) -> impl Future<Output = Result<Vec<ReportSubscription>, StoreError>> + Send;
    fn get_report_subscription(
        &self,
        id: ReportSubscriptionId,
    ) -> impl Future<Output = Result<Option<ReportSubscription>, StoreError>> + Send;
    /// Writes a subscription: a new one (`AlreadyExists` if the id is taken) or a replacement
    /// (`NotFound` if it is gone).
    fn put_report_subscription(
        &self,
        subscription: &ReportSubscription,
        new: bool,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// `NotFound` if there was none.
    fn delete_report_subscription(
        &self,
        id: ReportSubscriptionId,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// The subscriptions whose next send is at or before `until`, soonest first, at most `limit`.
    fn due_report_subscriptions(
        &self,
        until: Timestamp,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<ReportSubscription>, StoreError>> + Send;
    /// Moves a subscription's next send from `sent` to `next`, only if it still is `sent` (an
    /// edit in between already chose its own): `false` when it was not moved.
    fn advance_report_subscription(
        &self,
        id: ReportSubscriptionId,
        sent: Timestamp,
        next: Timestamp,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
}
