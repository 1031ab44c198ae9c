//! The agents' use cases for people: contacts (customers), departments and agents.

use std::collections::BTreeSet;

use super::{DeskError, TicketDesk, not_found_as};
use crate::domain::calendar::CalendarId;
use crate::domain::{
    Agent, AgentId, Assignee, Clock, Contact, ContactId, Department, DepartmentId, DomainError, EmailAddress,
    PhoneNumber, Principal, RequesterDetails, Role, Seniority,
};
use crate::ports::{
    Account, ActionLedger, AgentDirectory, ContactStore, RuleStore, StoreError, TeamStore, TemplateStore, TicketStore,
};

#[derive(Debug, Clone, PartialEq)]
pub struct NewAgent {
    pub email: EmailAddress,
    pub name: String,
    pub role: Role,
    pub seniority: Seniority,
    pub departments: BTreeSet<DepartmentId>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct AgentPatch {
    pub email: Option<EmailAddress>,
    pub name: Option<String>,
    pub role: Option<Role>,
    pub seniority: Option<Seniority>,
    pub departments: Option<BTreeSet<DepartmentId>>,
    pub active: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct DepartmentPatch {
    pub name: Option<String>,
    pub lead: Option<Option<AgentId>>,
    /// `Some(None)`: back to the desk's default calendar.
    pub calendar: Option<Option<CalendarId>>,
}

impl<S, C> TicketDesk<S, C>
where
    S: TicketStore + ContactStore + TeamStore + TemplateStore + RuleStore + ActionLedger,
    C: Clock,
{
    // ---- contacts ------------------------------------------------------------------------

    pub async fn get_contact(&self, id: ContactId) -> Result<Contact, DeskError> {
        self.store
            .get_contact(id)
            .await?
            .ok_or_else(|| DeskError::NotFound(format!("contact {id}")))
    }

    pub async fn find_contact(
        &self,
        email: Option<&EmailAddress>,
        phone: Option<&PhoneNumber>,
    ) -> Result<Option<Contact>, DeskError> {
        if let Some(email) = email {
            return Ok(self.store.find_contact_by_email(email).await?);
        }
        if let Some(phone) = phone {
            return Ok(self.store.find_contact_by_phone(phone).await?);
        }
        Ok(None)
    }

    /// An admin's word that a contact's address works again (after a bounce marked it
    /// undeliverable), or that it should be treated as bouncing. Logged with who did it.
    pub async fn set_contact_undeliverable(
        &self,
        who: &Principal,
        id: ContactId,
        undeliverable: bool,
    ) -> Result<Contact, DeskError> {
        who.require(Role::Admin)?;
        let mut contact = self.get_contact(id).await?;
        if contact.undeliverable != undeliverable {
            match self.store.set_undeliverable(id, undeliverable).await {
                Err(StoreError::NotFound { what }) => return Err(DeskError::NotFound(what)),
                other => other?,
            }
            tracing::info!(contact_id = %id, by = %who.subject, undeliverable, "contact deliverability set by an admin");
            contact.undeliverable = undeliverable;
        }
        Ok(contact)
    }

    pub async fn create_contact(&self, details: RequesterDetails) -> Result<Contact, DeskError> {
        let now = self.clock.now();
        let contact = details.into_contact(ContactId::generate(now), now);
        match self.store.create_contact(&contact).await {
            Ok(()) => Ok(contact),
            Err(StoreError::AlreadyExists { what }) => {
                Err(DomainError::conflict(format!("a contact with this {what} already exists")).into())
            }
            Err(e) => Err(e.into()),
        }
    }

    // ---- departments and agents ------------------------------------------------------------

    pub async fn create_department(
        &self,
        who: &Principal,
        id: DepartmentId,
        name: String,
        lead: Option<AgentId>,
    ) -> Result<Department, DeskError> {
        self.create_department_with_calendar(who, id, name, lead, None).await
    }

    /// A new department that names its business calendar (`None`: the desk's default).
    pub async fn create_department_with_calendar(
        &self,
        who: &Principal,
        id: DepartmentId,
        name: String,
        lead: Option<AgentId>,
        calendar: Option<CalendarId>,
    ) -> Result<Department, DeskError> {
        who.require(Role::Admin)?;
        if let Some(lead) = lead {
            self.require_agent(lead, "lead").await?;
        }
        if let Some(calendar) = &calendar {
            self.require_calendar(calendar, "calendar_id").await?;
        }
        let now = self.clock.now();
        let department = Department {
            id,
            name,
            lead,
            calendar_id: calendar,
            created_at: now,
            updated_at: now,
        };
        match self.store.create_department(&department).await {
            Ok(()) => Ok(department),
            Err(StoreError::AlreadyExists { .. }) => {
                Err(DomainError::conflict(format!("department {} already exists", department.id)).into())
            }
            Err(e) => Err(e.into()),
        }
    }

    pub async fn update_department(
        &self,
        who: &Principal,
        id: &DepartmentId,
        patch: DepartmentPatch,
    ) -> Result<Department, DeskError> {
        who.require(Role::Admin)?;
        let mut department = self
            .require_department(id, "department")
            .await
            .map_err(not_found_as("department", id))?;
        if let Some(Some(lead)) = patch.lead {
            self.require_agent(lead, "lead").await?;
        }
        if let Some(Some(calendar)) = &patch.calendar {
            self.require_calendar(calendar, "calendar_id").await?;
        }
        if let Some(calendar) = patch.calendar {
            department.calendar_id = calendar;
        }
        if let Some(name) = patch.name {
            department.name = name;
        }
        if let Some(lead) = patch.lead {
            department.lead = lead;
        }
        department.updated_at = self.clock.now();
        self.store.update_department(&department).await?;
        Ok(department)
    }

    pub async fn get_department(&self, id: &DepartmentId) -> Result<Department, DeskError> {
        self.store
            .get_department(id)
            .await?
            .ok_or_else(|| DeskError::NotFound(format!("department {id}")))
    }

    pub async fn list_departments(&self) -> Result<Vec<Department>, DeskError> {
        Ok(self.store.list_departments().await?)
    }

    /// Invites an agent: their sign-in account first (`directory`: created with the role's
    /// group and the departments claim, and the invitation mailed), then the agent record.
    ///
    /// The record is written last, as the commit point: a failure or crash in between leaves
    /// an account without a record, and repeating the request finds the account and brings it
    /// in line instead of inviting again, then writes the record. An existing record for the
    /// address is refused (409) before the directory is touched.
    pub async fn create_agent(
        &self,
        who: &Principal,
        new: NewAgent,
        directory: &impl AgentDirectory,
    ) -> Result<Agent, DeskError> {
        who.require(Role::Admin)?;
        for d in &new.departments {
            self.require_department(d, "departments").await?;
        }
        if self.store.find_agent_by_email(&new.email).await?.is_some() {
            return Err(DomainError::conflict("an agent with this email already exists").into());
        }
        let now = self.clock.now();
        let agent = Agent {
            id: AgentId::generate(now),
            email: new.email,
            name: new.name,
            role: new.role,
            seniority: new.seniority,
            departments: new.departments,
            active: true,
            created_at: now,
            updated_at: now,
        };
        directory.put_account(&Account::from(&agent), None).await?;
        match self.store.create_agent(&agent).await {
            Ok(()) => Ok(agent),
            Err(StoreError::AlreadyExists { .. }) => {
                Err(DomainError::conflict("an agent with this email already exists").into())
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Changes an agent: the account first (group, departments claim, address, enabled), then
    /// the record, as in [`Self::create_agent`]. The account is always set to the whole new
    /// state, so repeating a request that failed half way finishes it, and any later change
    /// of the agent repairs an account that drifted.
    pub async fn update_agent(
        &self,
        who: &Principal,
        id: AgentId,
        patch: AgentPatch,
        directory: &impl AgentDirectory,
    ) -> Result<Agent, DeskError> {
        who.require(Role::Admin)?;
        let mut agent = self.get_agent(id).await?;
        let previous_email = agent.email.clone();
        if let Some(departments) = &patch.departments {
            for d in departments {
                self.require_department(d, "departments").await?;
            }
        }
        if let Some(v) = patch.email {
            agent.email = v;
        }
        if let Some(v) = patch.name {
            agent.name = v;
        }
        if let Some(v) = patch.role {
            agent.role = v;
        }
        if let Some(v) = patch.seniority {
            agent.seniority = v;
        }
        if let Some(v) = patch.departments {
            agent.departments = v;
        }
        if let Some(v) = patch.active {
            agent.active = v;
        }
        if agent.email.normalized() != previous_email.normalized()
            && let Some(other) = self.store.find_agent_by_email(&agent.email).await?
            && other.id != agent.id
        {
            return Err(DomainError::conflict("an agent with this email already exists").into());
        }
        agent.updated_at = self.clock.now();
        directory
            .put_account(&Account::from(&agent), Some(&previous_email))
            .await?;
        match self.store.update_agent(&agent, &previous_email).await {
            Ok(()) => Ok(agent),
            Err(StoreError::AlreadyExists { .. }) => {
                Err(DomainError::conflict("an agent with this email already exists").into())
            }
            Err(e) => Err(e.into()),
        }
    }

    pub async fn get_agent(&self, id: AgentId) -> Result<Agent, DeskError> {
        self.store
            .get_agent(id)
            .await?
            .ok_or_else(|| DeskError::NotFound(format!("agent {id}")))
    }

    pub async fn list_agents(&self, who: &Principal) -> Result<Vec<Agent>, DeskError> {
        who.require(Role::Manager)?;
        Ok(self.store.list_agents().await?)
    }

    /// The active colleagues a ticket of `department` can be handed to, by name; without a
    /// department, those of the caller's departments (everyone's for managers and admins). An
    /// agent may ask only about their own departments.
    pub async fn list_assignees(
        &self,
        who: &Principal,
        department: Option<&DepartmentId>,
    ) -> Result<Vec<Assignee>, DeskError> {
        if let Some(d) = department
            && !who.may_work_in(Some(d))
        {
            return Err(DomainError::forbidden(format!("{d} is not one of your departments")).into());
        }
        let scope = who.department_scope();
        let mut found: Vec<Assignee> = self
            .store
            .list_agents()
            .await?
            .iter()
            .filter(|a| a.active)
            .filter(|a| match (department, scope) {
                (Some(d), _) => a.departments.contains(d),
                (None, Some(mine)) => !a.departments.is_disjoint(mine),
                (None, None) => true,
            })
            .map(Assignee::from)
            .collect();
        found.sort_by(|a, b| a.name.to_lowercase().cmp(&b.name.to_lowercase()).then(a.id.cmp(&b.id)));
        Ok(found)
    }

    /// The signed-in person's agent profile, found by the email in their token.
    pub async fn me(&self, who: &Principal) -> Result<Option<Agent>, DeskError> {
        let Some(email) = who.email.as_deref().and_then(|e| EmailAddress::parse(e).ok()) else {
            return Ok(None);
        };
        Ok(self.store.find_agent_by_email(&email).await?)
    }
}
