//! What exports and erasures of personal data need from the store and the bucket
//! (docs/privacy.md), beyond the ticket and contact ports they use as every writer does.

use std::future::Future;

use super::{BlobError, NpsResponse, Page, PageRequest, StoreError};
use crate::domain::privacy::PrivacyRequest;
use crate::domain::{
    AuditEvent, BlobRef, Contact, ContactId, DepartmentId, EmailAddress, Message, Ticket, TicketId, Timestamp,
};

/// The items only privacy work reads or writes.
pub trait PrivacyStore: Send + Sync {
    /// Records a new erasure of `request.contact`, once: when one was recorded before, that one
    /// is returned instead (to be carried on, or answered as it ended).
    fn start_erasure(
        &self,
        request: &PrivacyRequest,
    ) -> impl Future<Output = Result<Option<PrivacyRequest>, StoreError>> + Send;
    /// Writes a request as it now stands (a finished erasure, a new export).
    fn save_request(&self, request: &PrivacyRequest) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Every request, exports and erasures, a page at a time.
    fn list_requests(
        &self,
        page: &PageRequest,
    ) -> impl Future<Output = Result<Page<PrivacyRequest>, StoreError>> + Send;
    /// The exports made of one contact.
    fn exports_of(&self, contact: ContactId) -> impl Future<Output = Result<Vec<PrivacyRequest>, StoreError>> + Send;
    /// The tickets `address` was ever copied on (the CC pointers the ticket writes keep).
    fn cc_tickets(&self, address: &EmailAddress) -> impl Future<Output = Result<Vec<TicketId>, StoreError>> + Send;
    /// Writes back messages that exist (their erased form); idempotent.
    fn replace_messages(&self, messages: &[Message]) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Writes back audit events that exist (their erased form) without publishing them again.
    fn replace_events(&self, events: &[AuditEvent]) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Forgets the threading pointers of these Message-IDs; idempotent.
    fn forget_message_ids(&self, message_ids: &[String]) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Forgets a ticket's search index items for `words` under each of `departments`; idempotent.
    fn forget_search_words(
        &self,
        ticket: TicketId,
        departments: &[Option<DepartmentId>],
        words: &[String],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// The NPS answers `contact` gave, as their own survey items hold them.
    fn nps_answers_of(&self, contact: ContactId) -> impl Future<Output = Result<Vec<NpsResponse>, StoreError>> + Send;
    /// Forgets a ticket's pending survey and the comment of its rating (the rating stays).
    fn forget_survey(&self, ticket: &Ticket) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Forgets the person last: the contact becomes `erased`, its email and phone pointers,
    /// CC pointers, name search items, survey mark, NPS candidacy and answers (the score stays
    /// in the month's figures without its comment) and automatic-reply counters around `now`
    /// go. Idempotent.
    fn forget_person(
        &self,
        person: &Contact,
        erased: &Contact,
        now: Timestamp,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// Deletes stored files for good.
pub trait BlobEraser: Send + Sync {
    /// Deletes `blob` and, in a versioned bucket, every version of it; nothing there is fine.
    fn erase(&self, blob: &BlobRef) -> impl Future<Output = Result<(), BlobError>> + Send;
}
