//! The agents' use cases for SLA policies: everyone on staff reads them, managers and admins
//! write them. A saved policy applies to each ticket from its next change (the sweep's look at
//! a due time included), which re-selects and re-targets its clocks.

use super::{DeskError, TicketDesk};
use serde::Serialize;

use crate::domain::sla::{ClockStanding, SlaCalendar, SlaPolicy, SlaPolicyDraft};
use crate::domain::{Clock, DomainError, Principal, Role, SlaPolicyId, TicketRef, Timestamp};
use crate::ports::{ActionLedger, ContactStore, RuleStore, StoreError, TeamStore, TemplateStore, TicketStore};

/// A ticket's SLA as it stands now: what `GET /v1/tickets/{ticket}/sla` answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SlaStanding {
    pub policy_id: Option<SlaPolicyId>,
    pub policy_name: Option<String>,
    /// The moment the figures are for.
    pub at: Timestamp,
    pub clocks: Vec<ClockStanding>,
}

/// A desk's policies are read whole by every ticket change: keep the partition small.
pub const MAX_SLA_POLICIES: usize = 50;

impl<S, C> TicketDesk<S, C>
where
    S: TicketStore + ContactStore + TeamStore + TemplateStore + RuleStore + ActionLedger,
    C: Clock,
{
    /// Every policy, in position order (the first that matches a ticket applies).
    pub async fn list_sla_policies(&self) -> Result<Vec<SlaPolicy>, DeskError> {
        Ok(self.store.list_sla_policies().await?)
    }

    pub async fn get_sla_policy(&self, id: SlaPolicyId) -> Result<SlaPolicy, DeskError> {
        self.store
            .get_sla_policy(id)
            .await?
            .ok_or_else(|| DeskError::NotFound(format!("SLA policy {id}")))
    }

    /// The ticket's clocks as they stand now, with the business time each has left by its
    /// policy's calendar. Read on demand (not stored): time left changes every second.
    pub async fn ticket_sla(&self, who: &Principal, reference: TicketRef) -> Result<SlaStanding, DeskError> {
        let ticket = self.get_ticket(who, reference).await?;
        let at = self.clock.now();
        let Some(sla) = ticket.sla else {
            return Ok(SlaStanding {
                policy_id: None,
                policy_name: None,
                at,
                clocks: vec![],
            });
        };
        let book = self.store.sla_book().await?;
        // A policy deleted since the last change has no calendar left: its clocks count
        // calendar time until the ticket's next change drops them.
        let always = SlaCalendar::always();
        let calendar = book.policy(sla.policy_id).map_or(&always, |(_, calendar)| calendar);
        Ok(SlaStanding {
            policy_id: Some(sla.policy_id),
            policy_name: Some(sla.policy_name.clone()),
            at,
            clocks: sla.standing(at, calendar),
        })
    }

    /// Checks what the draft alone cannot say: that the calendar it names exists.
    async fn check_sla_policy(&self, draft: &SlaPolicyDraft) -> Result<(), DeskError> {
        draft.check()?;
        if let Some(calendar) = &draft.calendar {
            self.require_calendar(calendar, "calendar").await?;
        }
        Ok(())
    }

    pub async fn create_sla_policy(&self, who: &Principal, draft: SlaPolicyDraft) -> Result<SlaPolicy, DeskError> {
        who.require(Role::Manager)?;
        self.check_sla_policy(&draft).await?;
        if self.store.list_sla_policies().await?.len() >= MAX_SLA_POLICIES {
            return Err(DomainError::conflict(format!("a desk has at most {MAX_SLA_POLICIES} SLA policies")).into());
        }
        let now = self.clock.now();
        let policy = SlaPolicy::from_draft(SlaPolicyId::generate(now), draft, now, now);
        self.store.put_sla_policy(&policy, true).await?;
        Ok(policy)
    }

    pub async fn replace_sla_policy(
        &self,
        who: &Principal,
        id: SlaPolicyId,
        draft: SlaPolicyDraft,
    ) -> Result<SlaPolicy, DeskError> {
        who.require(Role::Manager)?;
        self.check_sla_policy(&draft).await?;
        let existing = self.get_sla_policy(id).await?;
        let policy = SlaPolicy::from_draft(id, draft, existing.created_at, self.clock.now());
        self.store.put_sla_policy(&policy, false).await?;
        Ok(policy)
    }

    pub async fn delete_sla_policy(&self, who: &Principal, id: SlaPolicyId) -> Result<(), DeskError> {
        who.require(Role::Manager)?;
        match self.store.delete_sla_policy(id).await {
            Err(StoreError::NotFound { what }) => Err(DeskError::NotFound(what)),
            other => Ok(other?),
        }
    }
}
