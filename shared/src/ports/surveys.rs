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

/// A contact who had a ticket resolved and so may be asked the NPS question: their latest
/// resolution, their last NPS survey, and when they are next due (docs/csat.md, "NPS").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NpsCandidate {
    pub contact: ContactId,
    pub last_resolved: Timestamp,
    pub last_sent: Option<Timestamp>,
    /// When the sweep looks at them next.
    pub due: Timestamp,
}

/// One answer to an NPS survey (the survey is the contact and when it was sent); the report
/// keeps each survey's latest answer under the month it was given.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct NpsResponse {
    pub contact: ContactId,
    /// When the survey was sent (its links name it).
    pub sent: Timestamp,
    pub score: crate::domain::nps::NpsScore,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    pub at: Timestamp,
    /// How many answers this survey got (1 for the first).
    pub answers: u16,
}

/// NPS surveys on the table: candidates on the due-time index (one Query finds who is due),
/// the send recorded with a conditional write, and the answers by month for the report.
pub trait NpsStore: Send + Sync {
    /// Notes a resolution of one of `contact`'s tickets at `resolved_at`. A contact not due
    /// already becomes due at `resolved_at`; one who is due keeps their due time (which is
    /// the end of the interval after their last survey, or sooner). An older resolution
    /// delivered late changes nothing.
    fn note_nps_resolution(
        &self,
        contact: ContactId,
        resolved_at: Timestamp,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Candidates due at or before `until`, soonest first, at most `limit`, after `after`.
    fn due_nps(
        &self,
        until: Timestamp,
        after: Option<&NpsCandidate>,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<NpsCandidate>, StoreError>> + Send;
    /// Records that `candidate` was sent a survey at `sent` and is next due at `next_due`, if
    /// it is still due as read (a conditional write): whether this call recorded it.
    fn record_nps_sent(
        &self,
        candidate: &NpsCandidate,
        sent: Timestamp,
        next_due: Timestamp,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// Takes `candidate` off the due index (not asked: no recent resolution, undeliverable),
    /// unless it changed since it was read. A later resolution puts it back.
    fn drop_nps_due(&self, candidate: &NpsCandidate) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// The latest answer to the survey sent to `contact` at `sent`.
    fn nps_response(
        &self,
        contact: ContactId,
        sent: Timestamp,
    ) -> impl Future<Output = Result<Option<NpsResponse>, StoreError>> + Send;
    /// Keeps `response` as the survey's latest answer, replacing `previous` (read before):
    /// a `VersionConflict` when another answer came in between.
    fn record_nps_response(
        &self,
        response: &NpsResponse,
        previous: Option<&NpsResponse>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// The answers given from `from` until before `to`: one Query per month in between.
    fn nps_responses(
        &self,
        from: Timestamp,
        to: Timestamp,
    ) -> impl Future<Output = Result<Vec<NpsResponse>, StoreError>> + Send;
}

/// The survey settings admins keep (one item); none stored means the functions' defaults.
pub trait SurveySettingsStore: Send + Sync {
    fn survey_settings(
        &self,
    ) -> impl Future<Output = Result<Option<crate::domain::satisfaction::SurveySettings>, StoreError>> + Send;
    fn put_survey_settings(
        &self,
        settings: &crate::domain::satisfaction::SurveySettings,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}
