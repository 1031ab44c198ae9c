//! The agents' use cases for business calendars: every staff member reads them, managers and
//! admins write them (they set up the SLA policies that count by them), admins pick the desk's
//! default and name one on a department; and [`calendar_for`], the one
//! answer to "which calendar counts for this ticket" that the rules and the SLA clocks use.

use super::{DeskError, TicketDesk};
use crate::domain::calendar::{BusinessCalendar, Calendar, CalendarId, CalendarSpec};
use crate::domain::{Clock, DepartmentId, DomainError, Precondition, Principal, Role};
use crate::ports::{ActionLedger, ContactStore, RuleStore, StoreError, TeamStore, TemplateStore, TicketStore};

/// The most calendars a desk may keep.
pub const MAX_CALENDARS: usize = 100;

/// The calendar that applies to tickets of `department`: the department's own, else the
/// desk's default, else [`BusinessCalendar::default`] (Monday to Friday 09:00–17:00 UTC). A
/// calendar named but gone (deleted in a race with the department's change) falls through to
/// the next, never an error. Two or three GetItems, no Query.
pub async fn calendar_for<S: TeamStore>(
    store: &S,
    department: Option<&DepartmentId>,
) -> Result<BusinessCalendar, StoreError> {
    let named = match department {
        Some(id) => store.get_department(id).await?.and_then(|d| d.calendar_id),
        None => None,
    };
    if let Some(id) = named
        && let Some(calendar) = store.get_calendar(&id).await?
    {
        return Ok(calendar.business_calendar());
    }
    if let Some(id) = store.default_calendar_id().await?
        && let Some(calendar) = store.get_calendar(&id).await?
    {
        return Ok(calendar.business_calendar());
    }
    Ok(BusinessCalendar::default())
}

impl<S, C> TicketDesk<S, C>
where
    S: TicketStore + ContactStore + TeamStore + TemplateStore + RuleStore + ActionLedger,
    C: Clock,
{
    /// Every calendar, by id.
    pub async fn list_calendars(&self) -> Result<Vec<Calendar>, DeskError> {
        Ok(self.store.list_calendars().await?)
    }

    pub async fn get_calendar(&self, id: &CalendarId) -> Result<Calendar, DeskError> {
        self.store
            .get_calendar(id)
            .await?
            .ok_or_else(|| DeskError::NotFound(format!("calendar {id}")))
    }

    /// A new calendar from a checked draft (`CalendarDraft::check`, done at the edge).
    pub async fn create_calendar(
        &self,
        who: &Principal,
        id: CalendarId,
        spec: CalendarSpec,
    ) -> Result<Calendar, DeskError> {
        who.require(Role::Manager)?;
        if self.store.list_calendars().await?.len() >= MAX_CALENDARS {
            return Err(DomainError::conflict(format!("a desk has at most {MAX_CALENDARS} calendars")).into());
        }
        let calendar = Calendar::new(id, spec, self.clock.now());
        match self.store.create_calendar(&calendar).await {
            Ok(()) => Ok(calendar),
            Err(StoreError::AlreadyExists { .. }) => {
                Err(DomainError::conflict(format!("calendar {} already exists", calendar.id)).into())
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Replaces a calendar if it is still at the version the caller read (`If-Match`).
    pub async fn replace_calendar(
        &self,
        who: &Principal,
        id: &CalendarId,
        precondition: Precondition,
        spec: CalendarSpec,
    ) -> Result<Calendar, DeskError> {
        who.require(Role::Manager)?;
        let current = self.get_calendar(id).await?;
        if let Precondition::Exactly(version) = precondition
            && version != current.version
        {
            return Err(DeskError::PreconditionFailed {
                current: current.version,
            });
        }
        let calendar = current.replaced(spec, self.clock.now());
        match self.store.update_calendar(&calendar, current.version).await {
            Ok(()) => Ok(calendar),
            // Changed between our read and our write: the caller's version is stale too.
            Err(StoreError::VersionConflict) => match self.store.get_calendar(id).await? {
                Some(now) => Err(DeskError::PreconditionFailed { current: now.version }),
                None => Err(DeskError::NotFound(format!("calendar {id}"))),
            },
            Err(StoreError::NotFound { what }) => Err(DeskError::NotFound(what)),
            Err(e) => Err(e.into()),
        }
    }

    /// Deletes a calendar no department and not the desk's default names (409 otherwise).
    pub async fn delete_calendar(&self, who: &Principal, id: &CalendarId) -> Result<(), DeskError> {
        who.require(Role::Manager)?;
        self.get_calendar(id).await?;
        let users: Vec<String> = self
            .store
            .list_departments()
            .await?
            .into_iter()
            .filter(|d| d.calendar_id.as_ref() == Some(id))
            .map(|d| d.id.to_string())
            .collect();
        if !users.is_empty() {
            return Err(DomainError::conflict(format!(
                "calendar {id} is used by the department(s) {}; give them another calendar first",
                users.join(", ")
            ))
            .into());
        }
        let policies: Vec<String> = self
            .store
            .list_sla_policies()
            .await?
            .into_iter()
            .filter(|p| p.calendar.as_ref() == Some(id))
            .map(|p| p.name)
            .collect();
        if !policies.is_empty() {
            return Err(DomainError::conflict(format!(
                "calendar {id} is used by the SLA policies {}; give them another calendar first",
                policies.join(", ")
            ))
            .into());
        }
        if self.store.default_calendar_id().await?.as_ref() == Some(id) {
            return Err(DomainError::conflict(format!(
                "calendar {id} is the desk's default; choose another default first"
            ))
            .into());
        }
        match self.store.delete_calendar(id).await {
            Err(StoreError::NotFound { what }) => Err(DeskError::NotFound(what)),
            other => Ok(other?),
        }
    }

    /// The desk's default calendar's id (`None`: the built-in Monday to Friday 09–17 UTC).
    pub async fn default_calendar(&self) -> Result<Option<CalendarId>, DeskError> {
        Ok(self.store.default_calendar_id().await?)
    }

    /// Sets (or clears) the desk's default calendar; it must exist.
    pub async fn set_default_calendar(
        &self,
        who: &Principal,
        id: Option<CalendarId>,
    ) -> Result<Option<CalendarId>, DeskError> {
        who.require(Role::Admin)?;
        if let Some(id) = &id {
            self.require_calendar(id, "calendar_id").await?;
        }
        self.store.set_default_calendar_id(id.as_ref()).await?;
        Ok(id)
    }

    /// The calendar that applies to tickets of `department` (see [`calendar_for`]).
    pub async fn calendar_for(&self, department: Option<&DepartmentId>) -> Result<BusinessCalendar, DeskError> {
        Ok(calendar_for(&self.store, department).await?)
    }

    /// A calendar a request names in `field`: a 400 naming the field when there is none.
    pub(super) async fn require_calendar(&self, id: &CalendarId, field: &'static str) -> Result<Calendar, DeskError> {
        self.get_calendar(id).await.map_err(|e| match e {
            DeskError::NotFound(_) => DomainError::invalid(field, format!("no calendar {id}")).into(),
            other => other,
        })
    }
}
