//! The word index behind search (docs/console.md): keys from a normalised word to the tickets
//! whose subject holds it (per department) and to the contacts whose name holds it. The index
//! is kept by the store's ticket and contact writes; a hit may be stale (the subject or the
//! department changed since), so callers check it against the ticket as it is now.

use std::future::Future;

use super::StoreError;
use crate::domain::{ContactId, DepartmentId, TicketId};

pub trait SearchIndex {
    /// The tickets indexed under `word` in `department` (`None`: tickets of no department),
    /// newest first, at most `limit`.
    fn tickets_by_word(
        &self,
        department: Option<&DepartmentId>,
        word: &str,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<TicketId>, StoreError>> + Send;

    /// The contacts whose name holds `word`, at most `limit`.
    fn contacts_by_name_word(
        &self,
        word: &str,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<ContactId>, StoreError>> + Send;
}
