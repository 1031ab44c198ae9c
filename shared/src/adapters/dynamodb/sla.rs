//! SLA policies (one partition: every ticket change reads them all with one Query) and the
//! tickets whose SLA comes due (the `SLA` partition of the due index, kept on the ticket item
//! itself, so a ticket's SLA deadline moves in the same write as the change that moves it).

use super::DynamoStore;
use super::items;
use super::keys::*;
use crate::domain::calendar::CalendarId;
use crate::domain::sla::{SlaBook, SlaCalendar, SlaPolicy};
use crate::domain::{SlaPolicyId, Timestamp};
use crate::ports::CalendarStore;
use crate::ports::{DueTicket, SlaStore, StoreError};

fn policy_sk(id: SlaPolicyId) -> String {
    format!("{SLA_POLICY_PREFIX}{id}")
}

impl SlaStore for DynamoStore {
    async fn list_sla_policies(&self) -> Result<Vec<SlaPolicy>, StoreError> {
        let mut policies: Vec<SlaPolicy> = self
            .query_all(SLA_POLICIES_PK, SLA_POLICY_PREFIX)
            .await?
            .into_iter()
            .map(items::from_item)
            .collect::<Result<_, _>>()?;
        policies.sort_by_key(|p| (p.position, p.id));
        Ok(policies)
    }

    async fn get_sla_policy(&self, id: SlaPolicyId) -> Result<Option<SlaPolicy>, StoreError> {
        self.get(SLA_POLICIES_PK.into(), &policy_sk(id))
            .await?
            .map(items::from_item)
            .transpose()
    }

    async fn put_sla_policy(&self, policy: &SlaPolicy, new: bool) -> Result<(), StoreError> {
        let item = items::record_item(policy, SLA_POLICIES_PK.into(), policy_sk(policy.id), "sla_policy")?;
        let (condition, error) = if new {
            (
                "attribute_not_exists(pk)",
                StoreError::AlreadyExists {
                    what: "SLA policy".into(),
                },
            )
        } else {
            (
                "attribute_exists(pk)",
                StoreError::NotFound {
                    what: format!("SLA policy {}", policy.id),
                },
            )
        };
        self.put_checked(item, condition, error).await
    }

    async fn delete_sla_policy(&self, id: SlaPolicyId) -> Result<(), StoreError> {
        self.delete_existing(SLA_POLICIES_PK.to_owned(), policy_sk(id), format!("SLA policy {id}"))
            .await
    }

    /// The policies, the calendars and the desk's default: three reads at once (one round
    /// trip), the calendars only when a policy counts business time.
    async fn sla_book(&self) -> Result<SlaBook, StoreError> {
        let policies = self.list_sla_policies().await?;
        if !policies.iter().any(|p| p.business_time) {
            return Ok(SlaBook::new(
                policies.into_iter().map(|p| (p, SlaCalendar::always())).collect(),
            ));
        }
        let (calendars, default) = tokio::try_join!(self.list_calendars(), self.default_calendar_id())?;
        let find = |id: Option<&CalendarId>| id.and_then(|id| calendars.iter().find(|c| &c.id == id));
        let fallback = find(default.as_ref())
            .map(|c| c.business_calendar())
            .unwrap_or_default();
        Ok(SlaBook::new(
            policies
                .into_iter()
                .map(|p| {
                    let calendar = match (p.business_time, find(p.calendar.as_ref())) {
                        (false, _) => SlaCalendar::always(),
                        (true, Some(named)) => named.business_calendar(),
                        (true, None) => fallback.clone(),
                    };
                    (p, calendar)
                })
                .collect(),
        ))
    }

    async fn sla_due_tickets(
        &self,
        until: Timestamp,
        after: Option<&DueTicket>,
        limit: usize,
    ) -> Result<Vec<DueTicket>, StoreError> {
        self.due_entries(BY_DUE, SLA_DUE, until, after, limit).await
    }
}
