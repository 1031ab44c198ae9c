//! The SLA sweep: every ticket whose SLA warning or due time has come is looked at once, as of
//! the schedule's time ("now" is an input, so a run can be replayed). Looking is an empty
//! change of the ticket: [`Revision::into_write`] settles its SLA, which flags the warning or
//! the breach with a conditional write (the ticket's version), records `sla.warning` /
//! `sla.breached`, and moves the ticket's entry in the due index to its next deadline, all in
//! one transaction. A redelivered or overlapping run finds the clock flagged already and
//! writes nothing, so each flag (and the rules it wakes) happens once.
//!
//! Cost follows the work due: one Query per page of the due index (never a Scan), then per
//! ticket a read and a write. No cap on how many one run flags: it pages until nothing is due
//! or its time budget is spent, and what is left stays due for the next run.

use std::time::Instant;

use crate::domain::sla::SlaBook;
use crate::domain::{Actor, DomainError, Revision, Timestamp};
use crate::ports::{DueTicket, StoreError, TicketStore};
use crate::usecases::commit::{Decision, commit_with_retry};
use crate::usecases::reactor::sweep::SweepLimits;

/// What one SLA sweep did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct SlaSweepReport {
    /// Tickets whose SLA changed (a warning or breach flagged, or the clocks moved).
    pub flagged: usize,
    /// Tickets due that needed nothing (another writer got there first).
    pub unchanged: usize,
    /// Tickets that failed (logged; still due, so tried again next run).
    pub failed: usize,
    /// Whether everything due was looked at (else the budget ran out first).
    pub complete: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum SlaSweepError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Domain(#[from] DomainError),
}

/// Looks at every ticket whose SLA is due at `now`, as far as `limits` allow.
pub async fn sweep_sla<S: TicketStore>(
    store: &S,
    now: Timestamp,
    limits: SweepLimits,
) -> Result<SlaSweepReport, SlaSweepError> {
    let deadline = Instant::now() + limits.budget;
    let book = store.sla_book().await?;
    let mut report = SlaSweepReport::default();
    let mut after: Option<DueTicket> = None;
    loop {
        if Instant::now() >= deadline {
            tracing::warn!(?report, "SLA sweep ran out of time; the rest is due next run");
            return Ok(report);
        }
        let page = store.sla_due_tickets(now, after.as_ref(), limits.page).await?;
        for due in &page {
            match settle_one(store, due, now, &book).await {
                Ok(true) => report.flagged += 1,
                Ok(false) => report.unchanged += 1,
                Err(e) => {
                    report.failed += 1;
                    tracing::error!(ticket_id = %due.ticket, error = %e, "SLA sweep skipped a ticket");
                }
            }
        }
        if page.len() < limits.page {
            report.complete = true;
            return Ok(report);
        }
        after = page.last().copied();
    }
}

/// One due ticket: an empty change settled at `now`; whether it wrote anything.
async fn settle_one<S: TicketStore>(
    store: &S,
    due: &DueTicket,
    now: Timestamp,
    book: &SlaBook,
) -> Result<bool, SlaSweepError> {
    commit_with_retry(store, |_| async move {
        let Some(ticket) = store.get_ticket(due.ticket).await? else {
            return Ok(Decision::Done(false));
        };
        if ticket.merged_into.is_some() {
            return Ok(Decision::Done(false));
        }
        let revision = Revision::of(
            &ticket,
            Actor::System {
                cause: "sla sweep".into(),
            },
            now,
        )?;
        Ok(match revision.into_write(book) {
            Some(write) => Decision::commit_one(Some(write), true),
            None => Decision::Done(false),
        })
    })
    .await
}
