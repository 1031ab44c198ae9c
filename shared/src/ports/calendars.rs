//! Business calendars in the store.

use std::future::Future;

use super::StoreError;
use crate::domain::Version;
use crate::domain::calendar::{Calendar, CalendarId};

/// Business calendars: one small partition; the desk's default is a pointer in it. Part of
/// the team store (every `TeamStore` is one), as the architecture puts business hours with
/// the teams, so every use case that reads departments can read their calendars.
pub trait CalendarStore: Send + Sync {
    /// Every calendar, by id.
    fn list_calendars(&self) -> impl Future<Output = Result<Vec<Calendar>, StoreError>> + Send;
    fn get_calendar(&self, id: &CalendarId) -> impl Future<Output = Result<Option<Calendar>, StoreError>> + Send;
    /// Writes a new calendar; `AlreadyExists` if the id is taken.
    fn create_calendar(&self, calendar: &Calendar) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Replaces a calendar only if it is still at version `read`: `VersionConflict` if it
    /// moved on, `NotFound` if it is gone.
    fn update_calendar(
        &self,
        calendar: &Calendar,
        read: Version,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Removes a calendar; `NotFound` if there was none. (Whether one may go is the use
    /// case's question: no department or default may name it.)
    fn delete_calendar(&self, id: &CalendarId) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// The desk's default calendar, if one was chosen.
    fn default_calendar_id(&self) -> impl Future<Output = Result<Option<CalendarId>, StoreError>> + Send;
    /// Chooses (or, with `None`, clears) the desk's default calendar.
    fn set_default_calendar_id(&self, id: Option<&CalendarId>) -> impl Future<Output = Result<(), StoreError>> + Send;
}
