//! Changing a contact as staff do: their groups (managers and admins), which SLA policies choose
//! by, and the admin's undeliverable mark. Groups are copied onto the contact's unsolved
//! tickets, each through the one ticket write path, so the policy is chosen again by them.

use std::collections::BTreeSet;

use super::{DeskError, TicketDesk};
use crate::domain::{Clock, Contact, ContactGroup, ContactId, DomainError, Principal, Revision, Role};
use crate::ports::{
    ActionLedger, ContactStore, RuleStore, StoreError, TeamStore, TemplateStore, TicketQuery, TicketStore,
};
use crate::usecases::commit::{Decision, commit_with_retry};

/// What `PATCH /v1/contacts/{contact}` changes; at least one field.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ContactPatch {
    pub undeliverable: Option<bool>,
    pub groups: Option<BTreeSet<ContactGroup>>,
}

/// A contact's tickets are read in pages of this many when their groups are copied.
const PAGE: usize = 100;

impl<S, C> TicketDesk<S, C>
where
    S: TicketStore + ContactStore + TeamStore + TemplateStore + RuleStore + ActionLedger,
    C: Clock,
{
    pub async fn update_contact(
        &self,
        who: &Principal,
        id: ContactId,
        patch: ContactPatch,
    ) -> Result<Contact, DeskError> {
        if patch.undeliverable.is_none() && patch.groups.is_none() {
            return Err(DomainError::invalid("body", "name at least one of undeliverable, groups").into());
        }
        if patch.undeliverable.is_some() {
            who.require(Role::Admin)?;
        }
        if let Some(groups) = &patch.groups {
            who.require(Role::Manager)?;
            ContactGroup::check_count(groups)?;
        }
        let mut contact = match patch.undeliverable {
            Some(undeliverable) => self.set_contact_undeliverable(who, id, undeliverable).await?,
            None => self.get_contact(id).await?,
        };
        if let Some(groups) = patch.groups {
            if contact.groups != groups {
                match self.store.set_contact_groups(id, &groups).await {
                    Err(StoreError::NotFound { what }) => return Err(DeskError::NotFound(what)),
                    other => other?,
                }
                tracing::info!(contact_id = %id, by = %who.subject, ?groups, "contact groups set");
                contact.groups = groups;
            }
            // Also when the contact already had them: a request that failed half-way through
            // the tickets finishes when it is sent again.
            self.copy_groups_to_tickets(who, &contact).await?;
        }
        Ok(contact)
    }

    /// Copies the contact's groups onto each of their unsolved tickets that lacks them, one
    /// recorded change each. Solved tickets keep the groups they were measured with.
    async fn copy_groups_to_tickets(&self, who: &Principal, contact: &Contact) -> Result<(), DeskError> {
        let sla = &self.store.sla_book().await?;
        let mut query = TicketQuery {
            requester: Some(contact.id),
            limit: PAGE,
            ..TicketQuery::default()
        };
        loop {
            let page = self.store.list_tickets(&query).await?;
            for stale in page
                .items
                .iter()
                .filter(|t| t.status.is_unsolved() && t.requester_groups != contact.groups)
            {
                let groups = &contact.groups;
                commit_with_retry::<_, _, DeskError, _, _>(&self.store, |_| async move {
                    let Some(current) = self.store.get_ticket(stale.id).await? else {
                        return Ok(Decision::Done(()));
                    };
                    let mut revision = Revision::of(&current, who.actor(), self.clock.now())?;
                    revision.set_requester_groups(groups);
                    Ok(Decision::commit_one(revision.into_write(sla), ()))
                })
                .await?;
            }
            match page.cursor {
                Some(cursor) => query.cursor = Some(cursor),
                None => return Ok(()),
            }
        }
    }
}
