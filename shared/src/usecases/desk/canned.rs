//! Canned responses, like Zendesk's macros: a title, a body with placeholders the console fills
//! in (`{{requester.name}}`, `{{ticket.number}}`, `{{agent.name}}`), and optional actions it
//! applies with the reply (a status to set, tags to add). Shared with a department (managers
//! and admins keep them) or personal (each agent keeps their own).

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::domain::{Clock, DepartmentId, DomainError, Principal, Role, Status, Tag, Timestamp};
use crate::ports::{CannedStore, StoreError};

/// The placeholders a body may name; any other `{{…}}` is refused, so a typo shows at once.
pub const PLACEHOLDERS: &[&str] = &["requester.name", "ticket.number", "agent.name"];
const MAX_TITLE_CHARS: usize = 120;
const MAX_BODY_CHARS: usize = 10_000;
const MAX_TAGS: usize = 10;

/// Who sees a canned response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CannedScope {
    /// Everyone working in the department.
    Department { department: DepartmentId },
    /// Only its owner (the token subject of the agent who made it).
    Personal { owner: String },
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CannedActions {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub add_tags: BTreeSet<Tag>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CannedResponse {
    pub id: String,
    pub title: String,
    pub body: String,
    pub scope: CannedScope,
    #[serde(default)]
    pub actions: CannedActions,
    pub created_at: Timestamp,
}

/// A canned response as asked for, before it has an id.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CannedDraft {
    pub title: String,
    pub body: String,
    /// Shared with this department; absent: personal.
    #[serde(default)]
    pub department: Option<DepartmentId>,
    #[serde(default)]
    pub actions: CannedActions,
}

#[derive(Debug, thiserror::Error)]
pub enum CannedError {
    #[error(transparent)]
    Domain(#[from] DomainError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn check(draft: &CannedDraft) -> Result<(), DomainError> {
    let title = draft.title.trim();
    if title.is_empty() || title.chars().count() > MAX_TITLE_CHARS {
        return Err(DomainError::invalid("title", "1 to 120 characters"));
    }
    if draft.body.trim().is_empty() || draft.body.chars().count() > MAX_BODY_CHARS {
        return Err(DomainError::invalid("body", "1 to 10000 characters"));
    }
    let mut rest = draft.body.as_str();
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let end = after
            .find("}}")
            .ok_or_else(|| DomainError::invalid("body", "a {{ without its }}"))?;
        let name = after[..end].trim();
        if !PLACEHOLDERS.contains(&name) {
            return Err(DomainError::invalid(
                "body",
                format!("unknown placeholder {{{{{name}}}}}; known: {}", PLACEHOLDERS.join(", ")),
            ));
        }
        rest = &after[end + 2..];
    }
    if draft.actions.add_tags.len() > MAX_TAGS {
        return Err(DomainError::invalid("actions.add_tags", "at most 10 tags"));
    }
    Ok(())
}

/// Whether `who` may use (see) `canned`.
fn visible_to(who: &Principal, canned: &CannedResponse) -> bool {
    match &canned.scope {
        CannedScope::Department { department } => who.may_work_in(Some(department)),
        CannedScope::Personal { owner } => *owner == who.subject,
    }
}

/// The canned responses `who` may use, personal ones first, then by title; `department`
/// narrows the shared ones to that department's.
pub async fn list<S: CannedStore>(
    store: &S,
    who: &Principal,
    department: Option<&DepartmentId>,
) -> Result<Vec<CannedResponse>, CannedError> {
    let mut all: Vec<CannedResponse> = store
        .list_canned()
        .await?
        .into_iter()
        .filter(|c| visible_to(who, c))
        .filter(|c| match (&c.scope, department) {
            (CannedScope::Department { department: d }, Some(wanted)) => d == wanted,
            _ => true,
        })
        .collect();
    all.sort_by(|a, b| {
        let personal = |c: &CannedResponse| !matches!(c.scope, CannedScope::Personal { .. });
        (personal(a), a.title.to_lowercase()).cmp(&(personal(b), b.title.to_lowercase()))
    });
    Ok(all)
}

/// Makes a canned response: a shared one needs a manager (or an admin); anyone makes their own.
pub async fn create<S: CannedStore, C: Clock>(
    store: &S,
    clock: &C,
    who: &Principal,
    draft: CannedDraft,
) -> Result<CannedResponse, CannedError> {
    check(&draft)?;
    let scope = match draft.department {
        Some(department) => {
            who.require(Role::Manager)?;
            CannedScope::Department { department }
        }
        None => CannedScope::Personal {
            owner: who.subject.clone(),
        },
    };
    let now = clock.now();
    let millis = u64::try_from(now.timestamp_millis()).unwrap_or_default();
    let canned = CannedResponse {
        id: ulid::Ulid::from_parts(millis, ulid::Ulid::new().random()).to_string(),
        title: draft.title.trim().to_owned(),
        body: draft.body,
        scope,
        actions: draft.actions,
        created_at: now,
    };
    store.put_canned(&canned).await?;
    Ok(canned)
}

/// The canned response `id` for `who` to change: someone else's personal one is not found (as
/// if it did not exist); one shared with a department not theirs is forbidden.
async fn find_for<S: CannedStore>(store: &S, who: &Principal, id: &str) -> Result<CannedResponse, CannedError> {
    let found = store.list_canned().await?.into_iter().find(|c| c.id == id);
    match found {
        Some(c) if visible_to(who, &c) => Ok(c),
        Some(CannedResponse {
            scope: CannedScope::Department { department },
            ..
        }) => Err(DomainError::forbidden(format!("{department} is not one of your departments")).into()),
        _ => Err(StoreError::NotFound {
            what: format!("canned response {id}"),
        }
        .into()),
    }
}

/// Replaces a canned response's title, body, department and actions, keeping its id: its
/// owner, or for one shared with a department (before or after) a manager. Without a
/// department it is (or becomes) personal: the owner's, or a shared one's editor's.
pub async fn replace<S: CannedStore>(
    store: &S,
    who: &Principal,
    id: &str,
    draft: CannedDraft,
) -> Result<CannedResponse, CannedError> {
    check(&draft)?;
    let existing = find_for(store, who, id).await?;
    if matches!(existing.scope, CannedScope::Department { .. }) || draft.department.is_some() {
        who.require(Role::Manager)?;
    }
    let scope = match (draft.department, existing.scope) {
        (Some(department), _) => CannedScope::Department { department },
        (None, CannedScope::Personal { owner }) => CannedScope::Personal { owner },
        (None, CannedScope::Department { .. }) => CannedScope::Personal {
            owner: who.subject.clone(),
        },
    };
    let canned = CannedResponse {
        id: existing.id,
        title: draft.title.trim().to_owned(),
        body: draft.body,
        scope,
        actions: draft.actions,
        created_at: existing.created_at,
    };
    store.put_canned(&canned).await?;
    Ok(canned)
}

/// Deletes a canned response: its owner, or for a shared one a manager.
pub async fn delete<S: CannedStore>(store: &S, who: &Principal, id: &str) -> Result<(), CannedError> {
    let canned = find_for(store, who, id).await?;
    if matches!(canned.scope, CannedScope::Department { .. }) {
        who.require(Role::Manager)?;
    }
    store.delete_canned(id).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(body: &str) -> CannedDraft {
        CannedDraft {
            title: "Thanks".into(),
            body: body.into(),
            department: None,
            actions: CannedActions::default(),
        }
    }

    #[test]
    fn only_known_placeholders_pass() {
        assert!(check(&draft("Hello {{requester.name}}, {{ ticket.number }} — {{agent.name}}")).is_ok());
        assert!(check(&draft("Hello {{requester.nmae}}")).is_err());
        assert!(check(&draft("Hello {{requester.name")).is_err());
        assert!(check(&draft("  ")).is_err());
    }
}
