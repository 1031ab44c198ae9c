//! Where the metrics consumer keeps its hourly aggregates and where reports read them.

use std::collections::BTreeMap;
use std::future::Future;

use super::StoreError;
use crate::domain::metrics::figures::HourRow;
use crate::domain::metrics::{Contribution, Dimension};
use crate::domain::{EventId, TicketEvent, TicketId};

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

    /// A ticket's events as the bus carried them (with the ticket as each change left it),
    /// oldest first; copies a merge carried over are not among them. For a rebuild.
    fn ticket_events(&self, ticket: TicketId) -> impl Future<Output = Result<Vec<TicketEvent>, StoreError>> + Send;

    /// Replaces the stored hours `first_hour..=last_hour` of `dimension` with `rows` (a rebuild
    /// from the tickets), and moves each group's backlog now by the change in its hours' backlog
    /// deltas. Returns how many hour items were written.
    fn replace_hours(
        &self,
        dimension: Dimension,
        first_hour: &str,
        last_hour: &str,
        rows: &[HourRow],
    ) -> impl Future<Output = Result<usize, StoreError>> + Send;
}
