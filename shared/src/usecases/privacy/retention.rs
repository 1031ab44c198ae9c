//! The retention job (docs/privacy.md, "Retention"): a solved ticket whose solving is older
//! than the admin's setting loses its requester's personal data through the same per-ticket
//! steps as an erasure of them (files, pointers, messages, audit trail, then the ticket
//! through the one write path), as of the schedule's "now".
//!
//! Cost follows the work: one Query per page of the `byRetention` index, whose entries are
//! exactly the solved tickets still holding personal data, ordered by when they were solved,
//! so a run reads only what is past the cutoff (never a Scan). A ticket done leaves the index
//! with the write that anonymised it; a run that runs out of time leaves the rest for the next.

use std::time::Instant;

use super::PrivacyDesk;
use crate::domain::privacy::Redactor;
use crate::domain::{Actor, Clock, TicketId, Timestamp};
use crate::ports::{
    BlobEraser, BlobStore, ContactStore, DueTicket, FileLinks, PrivacyStore, RetentionStore, TicketStore,
};
use crate::usecases::desk::DeskError;
use crate::usecases::reactor::sweep::SweepLimits;

/// What one retention run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct RetentionReport {
    /// Tickets solved before this were due; `None`: retention is off.
    pub cutoff: Option<Timestamp>,
    /// Tickets whose requester's personal data was taken out.
    pub anonymised: usize,
    /// Tickets that failed (logged; still in the index, so tried again next run).
    pub failed: usize,
    /// Whether everything due was done (else the budget ran out first).
    pub complete: bool,
}

impl<S, B, C> PrivacyDesk<'_, S, B, C>
where
    S: TicketStore + ContactStore + PrivacyStore + RetentionStore,
    B: BlobStore + BlobEraser + FileLinks,
    C: Clock,
{
    /// Takes the requester's personal data out of every ticket solved before the retention
    /// setting's cutoff at `now`, as far as `limits` allow.
    pub async fn apply_retention(&self, now: Timestamp, limits: SweepLimits) -> Result<RetentionReport, DeskError> {
        let settings = self.store.retention_settings().await?.unwrap_or_default();
        let (Some(cutoff), Some(months)) = (settings.cutoff(now), settings.solved_ticket_months) else {
            return Ok(RetentionReport {
                complete: true,
                ..Default::default()
            });
        };
        let deadline = Instant::now() + limits.budget;
        let actor = Actor::System {
            cause: "retention".into(),
        };
        let reason = format!("personal data of the requester removed: solved more than {months} months ago");
        let mut report = RetentionReport {
            cutoff: Some(cutoff),
            ..Default::default()
        };
        let mut after: Option<DueTicket> = None;
        loop {
            if Instant::now() >= deadline {
                tracing::warn!(?report, "retention ran out of time; the rest is due next run");
                return Ok(report);
            }
            let page = self.store.retained_before(cutoff, after.as_ref(), limits.page).await?;
            for due in &page {
                match self.anonymise(due.ticket, &actor, &reason).await {
                    Ok(()) => report.anonymised += 1,
                    Err(error) => {
                        tracing::error!(ticket = %due.ticket, %error, "retention failed for a ticket");
                        report.failed += 1;
                    }
                }
            }
            if page.len() < limits.page {
                report.complete = true;
                tracing::info!(?report, "retention done");
                return Ok(report);
            }
            after = page.last().copied();
        }
    }

    /// One ticket, as an erasure of its requester would leave it (whatever else of theirs
    /// stays: their contact and their other tickets are not this ticket's to remove).
    async fn anonymise(&self, id: TicketId, actor: &Actor, reason: &str) -> Result<(), DeskError> {
        let Some(ticket) = self.store.get_ticket(id).await? else {
            return Ok(());
        };
        let requester = self.contact(ticket.requester).await?;
        self.erase_ticket(actor, id, &Redactor::new(&requester), reason).await?;
        Ok(())
    }
}
