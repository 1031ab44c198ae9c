//! Departments, agents, their roles and seniority.

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::calendar::CalendarId;
use super::contact::EmailAddress;
use super::error::DomainError;
use super::ids::AgentId;
use super::time::Timestamp;

/// A department's slug, e.g. `billing`: 1 to 40 of `a-z 0-9 -`. It appears in URLs and tokens.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DepartmentId(String);

impl DepartmentId {
    pub fn parse(text: &str) -> Result<Self, DomainError> {
        let ok = (1..=40).contains(&text.len())
            && text
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !text.starts_with('-');
        if !ok {
            return Err(DomainError::invalid(
                "department",
                "expected a department id like billing (a-z, 0-9, -)",
            ));
        }
        Ok(Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DepartmentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for DepartmentId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for DepartmentId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Department {
    pub id: DepartmentId,
    pub name: String,
    pub lead: Option<AgentId>,
    /// The department's business calendar; `None`: the desk's default. (Departments stored
    /// before calendars existed read as `None`.)
    #[serde(default)]
    pub calendar_id: Option<CalendarId>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// What a principal may do. Ordered: each role can do what the ones below it can.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Agent,
    Manager,
    Admin,
}

impl Role {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "agent" => Some(Role::Agent),
            "manager" => Some(Role::Manager),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Seniority {
    Junior,
    Regular,
    Senior,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agent {
    pub id: AgentId,
    pub email: EmailAddress,
    pub name: String,
    pub role: Role,
    pub seniority: Seniority,
    pub departments: BTreeSet<DepartmentId>,
    pub active: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl Agent {
    /// Whether this agent can take tickets of `department` (any, when the ticket has none).
    pub fn can_work_in(&self, department: Option<&DepartmentId>) -> bool {
        self.active && department.is_none_or(|d| self.departments.contains(d))
    }

    /// [`Agent::can_work_in`] as the check an assignment must pass, naming the `assignee` field.
    pub fn check_assignable(&self, department: Option<&DepartmentId>) -> Result<(), DomainError> {
        if self.can_work_in(department) {
            return Ok(());
        }
        Err(DomainError::invalid(
            "assignee",
            "the agent is inactive or not in the ticket's department",
        ))
    }
}

/// What any agent may know of a colleague to hand them a ticket: no email, role or seniority.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignee {
    pub id: AgentId,
    pub name: String,
    pub departments: BTreeSet<DepartmentId>,
}

impl From<&Agent> for Assignee {
    fn from(agent: &Agent) -> Self {
        Self {
            id: agent.id,
            name: agent.name.clone(),
            departments: agent.departments.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn department_ids_are_slugs() {
        assert!(DepartmentId::parse("billing-eu").is_ok());
        for bad in ["", "Billing", "bill ing", "-x", &"a".repeat(41)] {
            assert!(DepartmentId::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn roles_are_ordered() {
        assert!(Role::Admin > Role::Manager && Role::Manager > Role::Agent);
        assert_eq!(Role::parse("manager"), Some(Role::Manager));
        assert_eq!(Role::parse("root"), None);
    }
}
