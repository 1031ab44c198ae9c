//! The time sweep: every ticket whose next look is due gets the `time` rules run, and its next
//! look set again. "Now" is an input (the schedule's time), so a run can be replayed.
//!
//! Each ticket's run has an event id made of the ticket and its due time, so a sweep that
//! crashed and runs again at the same due time is the same event: its write is applied once
//! and its mail and webhooks are claimed under the same keys, so none goes twice. The sweep
//! pages through everything due until its time budget is spent; what is left is still due at
//! the next run. A ticket that fails is logged and skipped (it stays due), not the end of the
//! run.

use std::time::{Duration, Instant};

use super::{EventReactor, ReactorError};
use crate::domain::rules::{Happening, Rule, first_look};
use crate::domain::{Actor, Clock, EventId, EventType, Status, TICKET_EVENT_VERSION, TicketEvent, TicketId, Timestamp};
use crate::ports::{
    ActionLedger, BlobStore, ContactStore, DueTicket, MailSender, RuleStore, TeamStore, TemplateStore, TicketQuery,
    TicketStore,
};

/// How much one sweep takes on.
#[derive(Debug, Clone, Copy)]
pub struct SweepLimits {
    /// Tickets read per Query.
    pub page: usize,
    /// No new page is taken after this long; the rest waits for the next run.
    pub budget: Duration,
}

/// What one sweep did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct SweepReport {
    /// Tickets whose time rules ran.
    pub swept: usize,
    /// Tickets that failed (logged; still due, so tried again next run).
    pub failed: usize,
    /// Whether everything due was looked at (else the budget ran out first).
    pub complete: bool,
}

impl<S, M, B, C, W> EventReactor<S, M, B, C, W>
where
    W: crate::ports::WebhookSender,
    S: TicketStore + ContactStore + TeamStore + TemplateStore + ActionLedger + RuleStore,
    M: MailSender,
    B: BlobStore,
    C: Clock,
{
    /// Runs the `time` rules on every ticket due at `now`, as far as `limits` allow.
    pub async fn sweep(&self, now: Timestamp, limits: SweepLimits) -> Result<SweepReport, ReactorError> {
        let deadline = Instant::now() + limits.budget;
        let mut report = SweepReport::default();
        // A new desk gets its default rules within one schedule period of its deploy, whatever
        // happens first; events never check (one read a run, here).
        self.ensure_default_rules().await?;
        let rules = super::BatchRules::default();
        let rules = self.batch_rules(&rules).await?;
        if !self.reschedule(rules, now, deadline).await? {
            tracing::warn!("time sweep ran out of time setting next looks; it goes on next run");
            return Ok(report);
        }
        let mut after: Option<DueTicket> = None;
        loop {
            if Instant::now() >= deadline {
                tracing::warn!(?report, "time sweep ran out of time; the rest is due next run");
                return Ok(report);
            }
            let page = self.store.due_tickets(now, after.as_ref(), limits.page).await?;
            for due in &page {
                match self.sweep_one(due, now, rules).await {
                    Ok(()) => report.swept += 1,
                    Err(e) => {
                        report.failed += 1;
                        tracing::error!(ticket_id = %due.ticket, error = %e, "time sweep skipped a ticket");
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

    /// Sets every unsolved and resolved ticket's next look from `rules`, if a saved time rule
    /// asked for it, page by page until done or `deadline` (then the next run goes on from
    /// there). A threshold a ticket crossed before the rule existed makes it due `now`, so the
    /// rule gets its chance at tickets that were already waiting. Returns whether it is done.
    async fn reschedule(&self, rules: &[Rule], now: Timestamp, deadline: Instant) -> Result<bool, ReactorError> {
        const AT_ONCE: usize = 25;
        let Some(mut request) = self.store.reschedule_request().await? else {
            return Ok(true);
        };
        let statuses = [
            Status::New,
            Status::Open,
            Status::Pending,
            Status::OnHold,
            Status::Resolved,
        ];
        let from = request
            .status
            .and_then(|st| statuses.iter().position(|s| *s == st))
            .unwrap_or(0);
        for status in &statuses[from..] {
            if request.status != Some(*status) {
                request.status = Some(*status);
                request.cursor = None;
            }
            loop {
                if Instant::now() >= deadline {
                    self.store.reschedule_progress(&request, false).await?;
                    return Ok(false);
                }
                let query = TicketQuery {
                    status: Some(*status),
                    limit: 100,
                    cursor: request.cursor.clone(),
                    ..Default::default()
                };
                let page = self.store.list_tickets(&query).await?;
                for batch in page.items.chunks(AT_ONCE) {
                    let updates = batch
                        .iter()
                        .map(|t| self.store.set_next_look(t.id, first_look(rules, t, now)));
                    for result in futures::future::join_all(updates).await {
                        result?;
                    }
                }
                request.cursor = page.cursor;
                if request.cursor.is_none() {
                    break;
                }
            }
        }
        self.store.reschedule_progress(&request, true).await?;
        tracing::info!(requested_at = %request.requested_at, "next looks set from the rules");
        Ok(true)
    }

    async fn sweep_one(&self, due: &DueTicket, now: Timestamp, rules: &[Rule]) -> Result<(), ReactorError> {
        let Some(found) = self.store.get_ticket(due.ticket).await? else {
            return Ok(());
        };
        let event = TicketEvent {
            version: TICKET_EVENT_VERSION,
            id: sweep_event_id(due.ticket, due.due),
            event_type: EventType::TicketUpdated,
            ticket_id: found.id,
            ticket_number: found.number,
            actor: Actor::System {
                cause: "time sweep".into(),
            },
            at: now,
            changes: vec![],
            message_id: None,
            related: None,
            ticket: None,
        };
        // The sweep's effects get one try each run (as at a queue's last delivery): a failing
        // webhook is noted at once rather than waiting for a redelivery that never comes.
        let reaction = self
            .run_rules(
                &event,
                Some(Happening::Time),
                now,
                self.config.max_attempts,
                rules,
                &super::EventReads::default(),
            )
            .await?;
        tracing::info!(ticket = %found.number, ?reaction, "swept");
        Ok(())
    }
}

/// The sweep's event for `ticket` due at `due`: the same for every run that finds it so.
pub fn sweep_event_id(ticket: TicketId, due: Timestamp) -> EventId {
    let ms = u64::try_from(due.timestamp_millis()).unwrap_or_default();
    let ticket_bits = ulid::Ulid::from_string(&ticket.to_string())
        .map(|u| u.random())
        .unwrap_or_default();
    // Not the ticket's own bits, so the id is no other record's.
    let id = ulid::Ulid::from_parts(ms, ticket_bits ^ 0x0053_5745_4550);
    EventId::parse(&id.to_string()).expect("a ULID made from parts is canonical")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sweep_s_event_id_is_the_ticket_s_and_the_due_time_s() {
        let due = Timestamp::parse("2026-11-23T09:00:00Z").unwrap();
        let later = Timestamp::parse("2026-11-23T09:05:00Z").unwrap();
        let a = TicketId::generate(due);
        let b = TicketId::generate(due);
        assert_eq!(sweep_event_id(a, due), sweep_event_id(a, due));
        assert_ne!(sweep_event_id(a, due), sweep_event_id(b, due));
        assert_ne!(sweep_event_id(a, due), sweep_event_id(a, later));
    }
}
