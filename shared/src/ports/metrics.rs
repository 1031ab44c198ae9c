//! Where the metrics consumer keeps its hourly aggregates and where reports read them.

use std::collections::BTreeMap;
use std::future::Future;

use super::StoreError;
use crate::domain::EventId;
use crate::domain::metrics::figures::HourRow;
use crate::domain::metrics::{Contribution, Dimension};

pub trait MetricsStore: Send + Sync {
    /// Adds an event's contribution once: `false` (and nothing changed) when this event was
    /// recorded before, so redelivery counts once.
    fn record_contribution(
        &self,
        event: EventId,
        contribution: &Contribution,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Every stored hour of `dimension` from `first_hour` on (up to now), each group's tally.
    fn hour_rows(
        &self,
        dimension: Dimension,
        first_hour: &str,
    ) -> impl Future<Output = Result<Vec<HourRow>, StoreError>> + Send;

    /// Each group's unsolved tickets now (the sum of every backlog change).
    fn backlog_now(
        &self,
        dimension: Dimension,
    ) -> impl Future<Output = Result<BTreeMap<String, i64>, StoreError>> + Send;
}
