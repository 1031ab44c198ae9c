//! Search for agents (`GET /v1/search?q=`): a ticket number, a requester's email, or words of
//! the subject or of the requester's name, within the departments the agent works in. Every
//! path is a key lookup (the number's pointer, the email's contact, the word index); hits from
//! the index are checked against the ticket as it is now, so stale keys (a subject or
//! department that changed) never show (docs/console.md).

use std::collections::{BTreeMap, BTreeSet};

use crate::domain::search::{SearchQuery, contains_all};
use crate::domain::{ContactId, DepartmentId, Principal, Ticket, TicketId};
use crate::ports::{ContactStore, SearchIndex, StoreError, TeamStore, TicketQuery, TicketStore};

/// At most this many tickets answer a search.
pub const MAX_RESULTS: usize = 25;
/// Index keys read per (department, word): the newest tickets holding the word.
const KEYS_PER_WORD: usize = 100;
/// Requesters whose name matched, whose tickets are listed.
const MAX_CONTACTS: usize = 5;

/// The tickets that answer `text` for `who`, most recently updated first; empty when `text`
/// holds nothing to look for.
pub async fn search<S>(store: &S, who: &Principal, text: &str) -> Result<Vec<Ticket>, StoreError>
where
    S: TicketStore + ContactStore + TeamStore + SearchIndex,
{
    let found = match SearchQuery::parse(text) {
        None => Vec::new(),
        Some(SearchQuery::Number(number)) => match store.find_ticket_id(number).await? {
            Some(id) => store.get_ticket(id).await?.into_iter().collect(),
            None => Vec::new(),
        },
        Some(SearchQuery::Email(email)) => match store.find_contact_by_email(&email).await? {
            Some(contact) => requester_tickets(store, who, contact.id).await?,
            None => Vec::new(),
        },
        Some(SearchQuery::Words(words)) => {
            let mut found = by_subject(store, who, &words).await?;
            if found.len() < MAX_RESULTS {
                found.extend(by_requester_name(store, who, &words).await?);
            }
            found
        }
    };
    let mut unique: BTreeMap<TicketId, Ticket> = BTreeMap::new();
    for ticket in found.into_iter().filter(|t| who.may_work_in(t.department.as_ref())) {
        unique.insert(ticket.id, ticket);
    }
    let mut tickets: Vec<Ticket> = unique.into_values().collect();
    tickets.sort_by_key(|t| std::cmp::Reverse(t.updated_at));
    tickets.truncate(MAX_RESULTS);
    Ok(tickets)
}

/// The departments whose index keys `who` may read (`None`: tickets of no department).
async fn departments<S: TeamStore>(store: &S, who: &Principal) -> Result<Vec<Option<DepartmentId>>, StoreError> {
    Ok(match who.department_scope() {
        Some(scope) => scope.iter().cloned().map(Some).collect(),
        None => {
            let mut all: Vec<Option<DepartmentId>> = store
                .list_departments()
                .await?
                .into_iter()
                .map(|d| Some(d.id))
                .collect();
            all.push(None);
            all
        }
    })
}

async fn by_subject<S>(store: &S, who: &Principal, words: &[String]) -> Result<Vec<Ticket>, StoreError>
where
    S: TicketStore + TeamStore + SearchIndex,
{
    let mut tickets = Vec::new();
    for department in departments(store, who).await? {
        let mut candidates: Option<BTreeSet<TicketId>> = None;
        for word in words {
            let ids: BTreeSet<TicketId> = store
                .tickets_by_word(department.as_ref(), word, KEYS_PER_WORD)
                .await?
                .into_iter()
                .collect();
            candidates = Some(match candidates {
                None => ids,
                Some(previous) => previous.intersection(&ids).copied().collect(),
            });
        }
        // Newest first (ids are ULIDs); each candidate is read to check it still matches.
        for id in candidates.unwrap_or_default().into_iter().rev() {
            if tickets.len() >= MAX_RESULTS {
                return Ok(tickets);
            }
            if let Some(ticket) = store.get_ticket(id).await?
                && ticket.department == department
                && contains_all(&ticket.subject, words)
            {
                tickets.push(ticket);
            }
        }
    }
    Ok(tickets)
}

async fn by_requester_name<S>(store: &S, who: &Principal, words: &[String]) -> Result<Vec<Ticket>, StoreError>
where
    S: TicketStore + ContactStore + SearchIndex,
{
    let mut candidates: Option<BTreeSet<ContactId>> = None;
    for word in words {
        let ids: BTreeSet<ContactId> = store
            .contacts_by_name_word(word, KEYS_PER_WORD)
            .await?
            .into_iter()
            .collect();
        candidates = Some(match candidates {
            None => ids,
            Some(previous) => previous.intersection(&ids).copied().collect(),
        });
    }
    let mut tickets = Vec::new();
    for id in candidates.unwrap_or_default().into_iter().rev().take(MAX_CONTACTS) {
        let Some(contact) = store.get_contact(id).await? else {
            continue;
        };
        if contact.name.as_deref().is_some_and(|name| contains_all(name, words)) {
            tickets.extend(requester_tickets(store, who, id).await?);
        }
    }
    Ok(tickets)
}

async fn requester_tickets<S: TicketStore>(
    store: &S,
    who: &Principal,
    requester: ContactId,
) -> Result<Vec<Ticket>, StoreError> {
    let query = TicketQuery {
        requester: Some(requester),
        scope: who.department_scope().cloned(),
        limit: MAX_RESULTS,
        ..TicketQuery::default()
    };
    Ok(store.list_tickets(&query).await?.items)
}
