//! Erasure of one person (docs/privacy.md, "How one erasure runs"): recorded once, then every
//! step idempotent, so asking again after a crash or a timeout carries it on; tickets change
//! through the one write path; the contact goes last.

use std::collections::BTreeSet;

use super::{PrivacyDesk, request_id};
use crate::domain::privacy::{PrivacyRequest, Redactor, RequestKind, RequestState, is_erased};
use crate::domain::search;
use crate::domain::{
    Actor, AuditEvent, Clock, ContactId, DepartmentId, EventType, Principal, Revision, Role, Ticket, TicketField,
    TicketId, TicketNumber,
};
use crate::ports::{BlobEraser, BlobStore, ContactStore, FileLinks, PrivacyStore, TicketStore};
use crate::usecases::commit::{Decision, commit_with_retry};
use crate::usecases::desk::DeskError;

impl<S, B, C> PrivacyDesk<'_, S, B, C>
where
    S: TicketStore + ContactStore + PrivacyStore,
    B: BlobStore + BlobEraser + FileLinks,
    C: Clock,
{
    /// Erases `contact`'s personal data everywhere, for `reason` (admins). A request finished
    /// before is answered as it ended; one that did not finish is carried on.
    pub async fn erase(
        &self,
        who: &Principal,
        contact: ContactId,
        reason: String,
    ) -> Result<PrivacyRequest, DeskError> {
        who.require(Role::Admin)?;
        let person = self.contact(contact).await?;
        let redactor = Redactor::new(&person);
        let now = self.clock.now();
        let fresh = PrivacyRequest {
            id: request_id(now),
            kind: RequestKind::Erasure,
            contact,
            requested_by: who.subject.clone(),
            requested_at: now,
            // An admin may well name the person in the reason; the proof must not.
            reason: Some(redactor.scrub(&reason).unwrap_or(reason)),
            state: RequestState::Running,
            finished_at: None,
            tickets: vec![],
            object: None,
            files: None,
        };
        let mut request = match self.store.start_erasure(&fresh).await? {
            None => fresh,
            Some(earlier) if earlier.state == RequestState::Done => return Ok(earlier),
            Some(earlier) => earlier,
        };
        tracing::info!(contact = %contact, request = %request.id, "erasing a contact's personal data");
        let reason = format!(
            "personal data of a contact erased: {}",
            request.reason.as_deref().unwrap_or_default()
        );
        let mut numbers = Vec::new();
        let tickets = self.tickets_of(&person).await?;
        let mut merged_into = Vec::new();
        for ticket in &tickets {
            numbers.extend(self.erase_ticket(&who.actor(), ticket.id, &redactor, &reason).await?);
            // Their messages were carried into the ticket theirs was merged into.
            merged_into.extend(ticket.merged_into.map(|p| p.id));
        }
        for id in merged_into {
            if !tickets.iter().any(|t| t.id == id) {
                numbers.extend(self.erase_ticket(&who.actor(), id, &redactor, &reason).await?);
            }
        }
        for export in self.store.exports_of(contact).await? {
            if let Some(object) = &export.object {
                self.files.erase(object).await?;
            }
        }
        if !is_erased(&person) {
            let erased = Redactor::erased_contact(&person);
            self.store.forget_person(&person, &erased, now).await?;
        }
        numbers.sort();
        numbers.dedup();
        request.tickets = numbers;
        request.state = RequestState::Done;
        request.finished_at = Some(self.clock.now());
        self.store.save_request(&request).await?;
        Ok(request)
    }

    /// One ticket: the person's files and Message-ID pointers go, the messages and events
    /// that named them are written back erased, then the ticket itself changes through the one
    /// write path with a `privacy.erased` event. Each step finds its own work done on a retry.
    pub(super) async fn erase_ticket(
        &self,
        actor: &Actor,
        id: TicketId,
        redactor: &Redactor,
        reason: &str,
    ) -> Result<Option<TicketNumber>, DeskError> {
        let Some(ticket) = self.store.get_ticket(id).await? else {
            return Ok(None);
        };
        let requested = ticket.requester == redactor.contact();
        let mut messages = Vec::new();
        let mut blobs = Vec::new();
        let mut message_ids = Vec::new();
        for message in self.all_messages(id).await? {
            let erasure = redactor.message(&message);
            messages.extend(erasure.message);
            blobs.extend(erasure.blobs);
            message_ids.extend(erasure.message_ids);
        }
        // Files and pointers before the messages that name them: a crash in between leaves
        // the messages as they were, and the retry finds the same files to delete.
        for blob in &blobs {
            self.files.erase(blob).await?;
        }
        self.store.forget_message_ids(&message_ids).await?;
        self.store.replace_messages(&messages).await?;
        let events = self.all_events(id).await?;
        // The word index keeps the words of every subject the ticket had, under every
        // department it was in: they go (the erased subject is indexed afresh by the commit).
        let (departments, subject_words) = indexed_under(&ticket, &events);
        self.store.forget_search_words(id, &departments, &subject_words).await?;
        let erased_events: Vec<_> = events.iter().filter_map(|e| redactor.event(e, requested)).collect();
        self.store.replace_events(&erased_events).await?;
        if requested {
            self.store.forget_survey(&ticket).await?;
        }
        let recorded_before = events.iter().any(|e| e.event_type == EventType::PrivacyErased);
        let now = self.clock.now();
        commit_with_retry(self.store, |_| async move {
            let ticket = self
                .store
                .get_ticket(id)
                .await?
                .ok_or_else(|| DeskError::NotFound("ticket".into()))?;
            let sla = self.store.sla_book().await?;
            let mut revision = Revision::for_erasure(&ticket, actor.clone(), now);
            revision.erase_person(redactor, recorded_before, reason);
            Ok::<_, DeskError>(Decision::commit_one(revision.into_write(&sla), ()))
        })
        .await?;
        Ok(Some(ticket.number))
    }
}

/// The departments a ticket was filed under and the words of the subjects it had, from the
/// ticket and its audit trail: where the word index may hold it.
fn indexed_under(ticket: &Ticket, events: &[AuditEvent]) -> (Vec<Option<DepartmentId>>, Vec<String>) {
    let mut departments = BTreeSet::from([ticket.department.clone()]);
    let mut subjects = vec![ticket.subject.clone()];
    for change in events.iter().flat_map(|e| &e.changes) {
        for value in [&change.from, &change.to] {
            match (change.field, value.as_str()) {
                (TicketField::Department, Some(d)) => {
                    departments.insert(DepartmentId::parse(d).ok());
                }
                (TicketField::Department, None) => {
                    departments.insert(None);
                }
                (TicketField::Subject, Some(text)) => subjects.push(text.to_owned()),
                _ => {}
            }
        }
    }
    let words: BTreeSet<String> = subjects.iter().flat_map(|s| search::words(s)).collect();
    (departments.into_iter().collect(), words.into_iter().collect())
}
