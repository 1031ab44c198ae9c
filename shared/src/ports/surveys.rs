//! The satisfaction surveys' store port (docs/csat.md): pending surveys on a due-time index,
//! who was surveyed when, and the ratings by month for the report.

use std::future::Future;

use super::StoreError;
use crate::domain::{AgentId, ContactId, DepartmentId, TicketId, TicketNumber, Timestamp};

/// A survey waiting to go out: the resolution it is for and when it is due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingSurvey {
    pub ticket: TicketId,
    /// When the ticket was resolved (the resolution's event time): a ticket resolved again
    /// later has a newer one, and this one is not sent.
    pub resolved_at: Timestamp,
    /// Who resolved it (no survey for a resolution no person made on an unassigned ticket).
    pub resolver: crate::domain::Actor,
    pub due: Timestamp,
}

/// One ticket's rating as the satisfaction report reads it (kept per month of the rating).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RatingRecord {
    pub ticket_id: TicketId,
    pub ticket_number: TicketNumber,
    pub rating: crate::domain::satisfaction::Rating,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    pub at: Timestamp,
    /// Which of the ticket's ratings this is (1 for the first): a later one replaces it, an
    /// earlier one delivered late does not (two can share a millisecond).
    pub ratings: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<AgentId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<DepartmentId>,
}

/// Satisfaction surveys: the pending ones on a due-time index (nothing to keep, one Query to
/// find what is due), who was surveyed when, and the ratings by month for the report.
pub trait SurveyStore: Send + Sync {
    /// Keeps `survey` until it is due, replacing one for an older resolution of the ticket
    /// (never a newer one: a late redelivery of an old resolution changes nothing).
    fn schedule_survey(&self, survey: &PendingSurvey) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Surveys due at or before `until`, soonest first, at most `limit`, after `after`.
    fn due_surveys(
        &self,
        until: Timestamp,
        after: Option<&PendingSurvey>,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<PendingSurvey>, StoreError>> + Send;
    /// Removes `survey` once handled, unless a newer resolution replaced it meanwhile.
    fn finish_survey(&self, survey: &PendingSurvey) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// When `contact` was last sent a survey.
    fn last_surveyed(&self, contact: ContactId) -> impl Future<Output = Result<Option<Timestamp>, StoreError>> + Send;
    fn mark_surveyed(&self, contact: ContactId, at: Timestamp) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Keeps a ticket's latest rating for the report; `previous` is the rating it replaces
    /// (its month's record goes). Idempotent.
    fn record_rating(
        &self,
        rating: &RatingRecord,
        previous: Option<Timestamp>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// The ratings given from `from` until before `to`: one Query per month in between.
    fn ratings(
        &self,
        from: Timestamp,
        to: Timestamp,
    ) -> impl Future<Output = Result<Vec<RatingRecord>, StoreError>> + Send;
}
