//! Who may do what: roles and department scope, decided without I/O.

use std::collections::BTreeSet;

use super::audit::Actor;
use super::error::DomainError;
use super::team::{DepartmentId, Role};
use super::ticket::Ticket;

/// The signed-in person making a request, as the authorizer vouched for them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The token's `sub`: stable even if the email changes.
    pub subject: String,
    pub email: Option<String>,
    pub role: Role,
    /// The departments an agent works in; managers and admins see every department.
    pub departments: BTreeSet<DepartmentId>,
}

impl Principal {
    pub fn require(&self, at_least: Role) -> Result<(), DomainError> {
        if self.role >= at_least {
            return Ok(());
        }
        let needed = match at_least {
            Role::Admin => "this needs the admin role",
            Role::Manager => "this needs the manager or admin role",
            Role::Agent => "this needs a signed-in agent",
        };
        Err(DomainError::forbidden(needed))
    }

    /// The departments this principal is limited to, or `None` for all of them.
    pub fn department_scope(&self) -> Option<&BTreeSet<DepartmentId>> {
        (self.role == Role::Agent).then_some(&self.departments)
    }

    pub fn may_work_in(&self, department: Option<&DepartmentId>) -> bool {
        match (self.department_scope(), department) {
            (None, _) => true,
            (Some(scope), Some(d)) => scope.contains(d),
            // Unrouted tickets belong to no team yet: managers triage them.
            (Some(_), None) => false,
        }
    }

    pub fn check_ticket(&self, ticket: &Ticket) -> Result<(), DomainError> {
        if self.may_work_in(ticket.department.as_ref()) {
            return Ok(());
        }
        Err(DomainError::forbidden(format!(
            "{} is not in one of your departments",
            ticket.number
        )))
    }

    pub fn actor(&self) -> Actor {
        Actor::Agent {
            subject: self.subject.clone(),
            role: self.role,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ticket::tests::sample_ticket;

    fn principal(role: Role, departments: &[&str]) -> Principal {
        Principal {
            subject: "s".into(),
            email: None,
            role,
            departments: departments.iter().map(|d| DepartmentId::parse(d).unwrap()).collect(),
        }
    }

    #[test]
    fn roles_meet_their_minimum() {
        assert!(principal(Role::Admin, &[]).require(Role::Admin).is_ok());
        assert!(principal(Role::Manager, &[]).require(Role::Admin).is_err());
        assert!(principal(Role::Manager, &[]).require(Role::Manager).is_ok());
        assert!(principal(Role::Agent, &[]).require(Role::Manager).is_err());
        assert!(principal(Role::Agent, &[]).require(Role::Agent).is_ok());
    }

    #[test]
    fn agents_see_only_their_departments() {
        let mut ticket = sample_ticket();
        let agent = principal(Role::Agent, &["billing"]);
        assert!(
            agent.check_ticket(&ticket).is_err(),
            "unrouted tickets are for managers"
        );
        ticket.department = Some(DepartmentId::parse("billing").unwrap());
        assert!(agent.check_ticket(&ticket).is_ok());
        ticket.department = Some(DepartmentId::parse("sales").unwrap());
        assert!(agent.check_ticket(&ticket).is_err());
        assert!(principal(Role::Manager, &[]).check_ticket(&ticket).is_ok());
    }
}
