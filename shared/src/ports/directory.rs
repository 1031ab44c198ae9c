//! Agents' sign-in accounts (the Cognito user pool), kept in step with the agent records.
//!
//! The agent record is the source of truth; the directory holds what a token must say about
//! the agent (group = role, `custom:departments`, enabled or not). Every call states the whole
//! account, never a change, so repeating one finishes whatever an earlier call left half done.

use std::collections::BTreeSet;
use std::future::Future;

use crate::domain::{Agent, DepartmentId, EmailAddress, Role};

/// The groups a role maps to; an account is in exactly one of them.
pub const ROLE_GROUPS: [&str; 3] = ["admin", "manager", "agent"];

/// What the directory must hold for one agent, derived from its record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// The sign-in name (the pool's usernames are email addresses).
    pub email: EmailAddress,
    pub name: String,
    pub role: Role,
    pub departments: BTreeSet<DepartmentId>,
    /// `false`: the account is disabled (its tokens can no longer be refreshed, no new sign-in).
    pub enabled: bool,
}

impl Account {
    /// The group of the account's role.
    pub fn group(&self) -> &'static str {
        match self.role {
            Role::Admin => ROLE_GROUPS[0],
            Role::Manager => ROLE_GROUPS[1],
            Role::Agent => ROLE_GROUPS[2],
        }
    }

    /// `custom:departments` as `http::auth` reads it from a token: ids joined by commas.
    pub fn departments_claim(&self) -> String {
        self.departments
            .iter()
            .map(DepartmentId::as_str)
            .collect::<Vec<_>>()
            .join(",")
    }
}

impl From<&Agent> for Account {
    fn from(agent: &Agent) -> Self {
        Self {
            email: agent.email.clone(),
            name: agent.name.clone(),
            role: agent.role,
            departments: agent.departments.clone(),
            enabled: agent.active,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DirectoryError {
    /// The directory refused a value (an address it will not mail, say).
    #[error("{field}: {reason}")]
    Invalid { field: &'static str, reason: String },
    /// Throttled or timed out after the SDK's retries: worth retrying shortly.
    #[error("the sign-in directory is busy or slow; retry shortly")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
    #[error("sign-in directory failure")]
    Unknown(#[source] Box<dyn std::error::Error + Send + Sync>),
}

pub trait AgentDirectory {
    /// Brings the account to `account`: invites it (the directory mails the invitation) when
    /// there is none and it is to be enabled, else updates it in place, found by
    /// `previous_email` when the address is changing (or by the new address, if an earlier
    /// call already changed it). A disabled account that does not exist is left absent.
    fn put_account(
        &self,
        account: &Account,
        previous_email: Option<&EmailAddress>,
    ) -> impl Future<Output = Result<(), DirectoryError>> + Send;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_departments_claim_is_what_the_api_reads_back() {
        let account = Account {
            email: EmailAddress::parse("ann@example.com").unwrap(),
            name: "Ann".into(),
            role: Role::Manager,
            departments: ["support", "billing"]
                .into_iter()
                .map(|d| DepartmentId::parse(d).unwrap())
                .collect(),
            enabled: true,
        };
        assert_eq!(account.group(), "manager");
        assert_eq!(account.departments_claim(), "billing,support");
        let claims = [
            ("sub", "u"),
            ("cognito:groups", account.group()),
            ("custom:departments", &account.departments_claim()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let principal = crate::http::principal_from_claims(&claims).unwrap();
        assert_eq!(principal.departments, account.departments);
        assert_eq!(principal.role, Role::Manager);
    }
}
