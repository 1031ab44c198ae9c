//! The word index (docs/console.md, "Search"): one small item per (department, word, ticket)
//! and per (word, contact), written in the same transaction as the ticket or contact it
//! describes, so the index never misses a committed ticket and costs no extra call. Items are
//! only added (erasing a person deletes theirs): a subject or department that changes leaves the
//! old keys behind, and the search use case drops such hits by checking the ticket as it is now.

use aws_sdk_dynamodb::types::TransactWriteItem;

use super::items::{self, s};
use super::keys::PK;
use super::{DynamoStore, sdk_error};
use crate::domain::search::words;
use crate::domain::{Contact, ContactId, DepartmentId, TicketField, TicketId};
use crate::ports::{SearchIndex, StoreError, TicketWrite};

/// Tickets without a department are indexed under this name (not a valid department id).
const NO_DEPARTMENT: &str = "-";

fn ticket_word_pk(department: Option<&DepartmentId>, word: &str) -> String {
    let department = department.map_or(NO_DEPARTMENT, DepartmentId::as_str);
    format!("SEARCH#{department}#{word}")
}

fn ticket_word_sk(ticket: TicketId) -> String {
    format!("TICKET#{ticket}")
}

fn name_word_pk(word: &str) -> String {
    format!("SEARCH-NAME#{word}")
}

fn name_word_sk(contact: ContactId) -> String {
    format!("CONTACT#{contact}")
}

/// The keys of a ticket's index items for `words` under each of `departments` (what erasing
/// a person's data deletes: the index keeps words of subjects and departments it had).
pub(super) fn ticket_word_keys(
    ticket: TicketId,
    departments: &[Option<DepartmentId>],
    words: &[String],
) -> Vec<(String, String)> {
    departments
        .iter()
        .flat_map(|d| {
            words
                .iter()
                .map(move |w| (ticket_word_pk(d.as_ref(), w), ticket_word_sk(ticket)))
        })
        .collect()
}

/// The keys of a contact's name index items.
pub(super) fn name_word_keys(contact: &Contact) -> Vec<(String, String)> {
    contact
        .name
        .as_deref()
        .map(words)
        .unwrap_or_default()
        .iter()
        .map(|w| (name_word_pk(w), name_word_sk(contact.id)))
        .collect()
}

/// Whether this write gives the ticket words or a department it was not indexed under.
fn reindexes(write: &TicketWrite) -> bool {
    write.read.is_none()
        || write
            .events
            .iter()
            .flat_map(|e| &e.changes)
            .any(|c| matches!(c.field, TicketField::Subject | TicketField::Department))
}

impl DynamoStore {
    /// The index items a ticket write carries: none unless the ticket is new or its subject or
    /// department changed (most writes, replies and status changes, add nothing).
    pub(super) fn search_puts(&self, write: &TicketWrite) -> Result<Vec<TransactWriteItem>, StoreError> {
        if !reindexes(write) {
            return Ok(Vec::new());
        }
        let ticket = &write.ticket;
        words(&ticket.subject)
            .into_iter()
            .map(|word| {
                let item = items::pointer_item(
                    ticket_word_pk(ticket.department.as_ref(), &word),
                    &ticket_word_sk(ticket.id),
                    "ticket_id",
                    ticket.id.to_string(),
                );
                self.put(item, None)
            })
            .collect()
    }

    /// The index items of a new contact's name.
    pub(super) fn contact_name_puts(&self, contact: &Contact) -> Result<Vec<TransactWriteItem>, StoreError> {
        let Some(name) = &contact.name else {
            return Ok(Vec::new());
        };
        words(name)
            .into_iter()
            .map(|word| {
                let item = items::pointer_item(
                    name_word_pk(&word),
                    &name_word_sk(contact.id),
                    "contact_id",
                    contact.id.to_string(),
                );
                self.put(item, None)
            })
            .collect()
    }

    async fn index_query(&self, pk: String, target: &str, limit: usize) -> Result<Vec<String>, StoreError> {
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("#pk = :pk")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_values(":pk", s(pk))
            // Ticket and contact ids are ULIDs: descending is newest first.
            .scan_index_forward(false)
            .limit(i32::try_from(limit).unwrap_or(i32::MAX))
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(out
            .items
            .unwrap_or_default()
            .iter()
            .filter_map(|item| items::string_attr(item, target))
            .collect())
    }
}

impl SearchIndex for DynamoStore {
    async fn tickets_by_word(
        &self,
        department: Option<&DepartmentId>,
        word: &str,
        limit: usize,
    ) -> Result<Vec<TicketId>, StoreError> {
        let ids = self
            .index_query(ticket_word_pk(department, word), "ticket_id", limit)
            .await?;
        ids.iter()
            .map(|id| TicketId::parse(id).map_err(StoreError::unknown))
            .collect()
    }

    async fn contacts_by_name_word(&self, word: &str, limit: usize) -> Result<Vec<ContactId>, StoreError> {
        let ids = self.index_query(name_word_pk(word), "contact_id", limit).await?;
        ids.iter()
            .map(|id| ContactId::parse(id).map_err(StoreError::unknown))
            .collect()
    }
}
