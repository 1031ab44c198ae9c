//! [`AgentDirectory`] in a Cognito user pool: the agents' sign-in accounts.
//!
//! The pool's usernames are email addresses (`UsernameAttributes: [email]` in the template), so
//! an account is found by its address; Cognito names it internally by a generated id, which
//! every later call of one `put_account` uses. Cognito mails the invitation (a temporary
//! password) itself when an account is created.

use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_cognitoidentityprovider::types::{AttributeType, DeliveryMediumType};

use crate::domain::EmailAddress;
use crate::ports::{Account, AgentDirectory, DirectoryError, ROLE_GROUPS};

/// The attribute `http::auth` reads the departments from (the token's claim of that name).
pub const DEPARTMENTS_ATTRIBUTE: &str = "custom:departments";

#[derive(Debug, Clone)]
pub struct CognitoDirectory {
    client: Client,
    user_pool_id: String,
}

impl CognitoDirectory {
    pub fn new(client: Client, user_pool_id: impl Into<String>) -> Self {
        Self {
            client,
            user_pool_id: user_pool_id.into(),
        }
    }

    pub fn user_pool_id(&self) -> &str {
        &self.user_pool_id
    }

    /// The account signing in as `email`, if there is one.
    async fn find(&self, email: &EmailAddress) -> Result<Option<Found>, DirectoryError> {
        match self
            .client
            .admin_get_user()
            .user_pool_id(&self.user_pool_id)
            .username(email.as_str())
            .send()
            .await
        {
            Ok(user) => Ok(Some(Found {
                username: user.username().to_owned(),
                email: user
                    .user_attributes()
                    .iter()
                    .find(|a| a.name() == "email")
                    .and_then(|a| a.value())
                    .unwrap_or_default()
                    .to_owned(),
            })),
            Err(e) if code(&e) == Some("UserNotFoundException") => Ok(None),
            Err(e) => Err(translate(e)),
        }
    }

    /// Creates the account with its attributes; Cognito mails the invitation. `None` when an
    /// account with that address appeared meanwhile (a concurrent or earlier call).
    async fn invite(&self, account: &Account) -> Result<Option<String>, DirectoryError> {
        let created = self
            .client
            .admin_create_user()
            .user_pool_id(&self.user_pool_id)
            .username(account.email.as_str())
            .set_user_attributes(Some(attributes(account, true)?))
            .desired_delivery_mediums(DeliveryMediumType::Email)
            .send()
            .await;
        match created {
            Ok(out) => Ok(Some(
                out.user()
                    .and_then(|u| u.username())
                    .unwrap_or(account.email.as_str())
                    .to_owned(),
            )),
            Err(e) if code(&e) == Some("UsernameExistsException") => Ok(None),
            Err(e) if code(&e) == Some("CodeDeliveryFailureException") => Err(DirectoryError::Invalid {
                field: "email",
                reason: "the invitation could not be delivered to this address".into(),
            }),
            Err(e) => Err(translate(e)),
        }
    }

    /// Sets the attributes; the address only when it changes (setting an account's own
    /// address again is refused as taken by some implementations, and needs no new proof).
    async fn update(&self, found: &Found, account: &Account) -> Result<(), DirectoryError> {
        let email_changes = !found.email.eq_ignore_ascii_case(account.email.as_str());
        self.client
            .admin_update_user_attributes()
            .user_pool_id(&self.user_pool_id)
            .username(&found.username)
            .set_user_attributes(Some(attributes(account, email_changes)?))
            .send()
            .await
            .map_err(translate)?;
        Ok(())
    }

    /// Puts the account in the role's group and out of the other role groups (groups of other
    /// meanings are left alone).
    async fn set_group(&self, username: &str, group: &str) -> Result<(), DirectoryError> {
        let listed = self
            .client
            .admin_list_groups_for_user()
            .user_pool_id(&self.user_pool_id)
            .username(username)
            .send()
            .await
            .map_err(translate)?;
        let current: Vec<&str> = listed.groups().iter().filter_map(|g| g.group_name()).collect();
        if !current.contains(&group) {
            self.client
                .admin_add_user_to_group()
                .user_pool_id(&self.user_pool_id)
                .username(username)
                .group_name(group)
                .send()
                .await
                .map_err(translate)?;
        }
        for stale in current.iter().filter(|g| **g != group && ROLE_GROUPS.contains(g)) {
            self.client
                .admin_remove_user_from_group()
                .user_pool_id(&self.user_pool_id)
                .username(username)
                .group_name(*stale)
                .send()
                .await
                .map_err(translate)?;
        }
        Ok(())
    }

    async fn set_enabled(&self, username: &str, enabled: bool) -> Result<(), DirectoryError> {
        if enabled {
            self.client
                .admin_enable_user()
                .user_pool_id(&self.user_pool_id)
                .username(username)
                .send()
                .await
                .map_err(translate)?;
        } else {
            self.client
                .admin_disable_user()
                .user_pool_id(&self.user_pool_id)
                .username(username)
                .send()
                .await
                .map_err(translate)?;
        }
        Ok(())
    }
}

impl AgentDirectory for CognitoDirectory {
    async fn put_account(
        &self,
        account: &Account,
        previous_email: Option<&EmailAddress>,
    ) -> Result<(), DirectoryError> {
        let mut found = None;
        if let Some(previous) = previous_email.filter(|p| p.normalized() != account.email.normalized()) {
            found = self.find(previous).await?;
        }
        if found.is_none() {
            found = self.find(&account.email).await?;
        }
        let username = match found {
            Some(found) => {
                self.update(&found, account).await?;
                found.username
            }
            // Never invite someone only to disable them.
            None if !account.enabled => return Ok(()),
            None => match self.invite(account).await? {
                Some(username) => username,
                // Created meanwhile: bring it in line like any other.
                None => {
                    let found = self
                        .find(&account.email)
                        .await?
                        .ok_or_else(|| DirectoryError::Unknown("the account exists and cannot be found".into()))?;
                    self.update(&found, account).await?;
                    found.username
                }
            },
        };
        self.set_group(&username, account.group()).await?;
        self.set_enabled(&username, account.enabled).await
    }
}

/// An account as the pool holds it: its internal name and its current address.
struct Found {
    username: String,
    email: String,
}

/// The attributes an account carries: the name, the departments claim and, with `email`, the
/// address (verified: the admin vouches for it, and Cognito mails the invitation there).
fn attributes(account: &Account, email: bool) -> Result<Vec<AttributeType>, DirectoryError> {
    let address = [
        ("email", account.email.as_str().to_owned()),
        ("email_verified", "true".to_owned()),
    ];
    address
        .into_iter()
        .filter(|_| email)
        .chain([
            ("name", account.name.clone()),
            (DEPARTMENTS_ATTRIBUTE, account.departments_claim()),
        ])
        .map(|(name, value)| {
            AttributeType::builder()
                .name(name)
                .value(value)
                .build()
                .map_err(|e| DirectoryError::Unknown(Box::new(e)))
        })
        .collect()
}

fn code<E: ProvideErrorMetadata, R>(e: &SdkError<E, R>) -> Option<&str> {
    match e {
        SdkError::ServiceError(service) => service.err().code(),
        _ => None,
    }
}

/// Throttling and transport failures are worth a retry; the rest is opaque.
fn translate<E, R>(e: SdkError<E, R>) -> DirectoryError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    let busy = matches!(
        code(&e),
        Some("TooManyRequestsException" | "LimitExceededException" | "InternalErrorException")
    ) || matches!(
        e,
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_)
    );
    if busy {
        DirectoryError::Unavailable(Box::new(e))
    } else {
        DirectoryError::Unknown(Box::new(e))
    }
}
