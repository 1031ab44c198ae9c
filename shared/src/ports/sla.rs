//! What the SLA needs from the store: the policies, the book every ticket change is settled
//! by, and the tickets whose SLA comes due.

use std::future::Future;

use super::{DueTicket, StoreError};
use crate::domain::Timestamp;
use crate::domain::sla::{SlaBook, SlaPolicy};

/// SLA policies (one small partition, read whole) and the tickets whose SLA comes due.
pub trait SlaStore: Send + Sync {
    /// Every policy, in position order.
    fn list_sla_policies(&self) -> impl Future<Output = Result<Vec<SlaPolicy>, StoreError>> + Send;
    fn get_sla_policy(
        &self,
        id: crate::domain::SlaPolicyId,
    ) -> impl Future<Output = Result<Option<SlaPolicy>, StoreError>> + Send;
    /// Writes a new policy (`AlreadyExists` if the id is taken) or replaces one (`NotFound` if
    /// there is none).
    fn put_sla_policy(&self, policy: &SlaPolicy, new: bool) -> impl Future<Output = Result<(), StoreError>> + Send;
    fn delete_sla_policy(&self, id: crate::domain::SlaPolicyId) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// The policies in force with the calendars they count business time by: what every
    /// ticket change is settled by.
    fn sla_book(&self) -> impl Future<Output = Result<SlaBook, StoreError>> + Send;
    /// Tickets whose SLA warning or due time is at or before `until`, soonest first, at most
    /// `limit`, after `after` when given: one Query on the due index.
    fn sla_due_tickets(
        &self,
        until: Timestamp,
        after: Option<&DueTicket>,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<DueTicket>, StoreError>> + Send;
}
