//! The hourly run of the `reports` function: the subscriptions due by the run's time (one
//! Query of the due index), each mailed once for its period, then moved to its next send.
//!
//! Once per period, under retries and redelivery: the mail is sent under a claim keyed by
//! subscription and period in the action ledger (a conditional write, as the reactor's
//! mails); a run that finds the claim done only moves the subscription on, one that finds it
//! held by another run leaves it for the next hour. The figures come from the use case that
//! serves `GET /v1/metrics`: O(days × groups) aggregate items, never tickets.

use serde::Serialize;
use shared::domain::metrics::subscription::ReportSubscription;
use shared::domain::{EmailAddress, Timestamp};
use shared::ports::{ActionLedger, Claim, MailSender, MetricsStore, ReportSubscriptionStore, SendError, StoreError};
use shared::usecases::metrics::figures;
use tracing::Instrument;

use crate::mail::{ReportMailError, compose_report};
use crate::period::{ReportFigures, ReportPeriod, query};

/// How long a run holds a report's claim before another may take it over (it crashed).
const LEASE_SECONDS: i64 = 300;
/// The most subscriptions one run mails; the rest stay due for the next run.
pub const RUN_LIMIT: usize = 200;

/// What a run did, as the dev host's invoke answers it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReportRun {
    pub due: usize,
    pub sent: usize,
    /// Mailed before (a retried run): only moved on.
    pub already_sent: usize,
    /// Another run holds the claim: left for the next run.
    pub busy: usize,
    pub failed: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Send(#[from] SendError),
    #[error(transparent)]
    Mail(#[from] ReportMailError),
    /// Some reports failed (each logged): the run fails so the schedule retries it; those sent
    /// are not sent again.
    #[error("{failed} of {due} due reports failed")]
    Failed { failed: usize, due: usize },
}

enum Outcome {
    Sent,
    AlreadySent,
    Busy,
}

/// The ports the run uses and the address reports come from.
pub struct ReportMailer<S, M> {
    pub store: S,
    pub mailer: M,
    pub from: EmailAddress,
}

impl<S, M> ReportMailer<S, M>
where
    S: ReportSubscriptionStore + MetricsStore + ActionLedger,
    M: MailSender,
{
    /// Mails every report due at `now`.
    pub async fn run(&self, now: Timestamp) -> Result<ReportRun, ReportError> {
        let due = self.store.due_report_subscriptions(now, RUN_LIMIT).await?;
        let mut report = ReportRun {
            due: due.len(),
            ..ReportRun::default()
        };
        for subscription in &due {
            let span = tracing::info_span!("report", subscription = %subscription.id);
            match self.send(subscription, now).instrument(span).await {
                Ok(Outcome::Sent) => report.sent += 1,
                Ok(Outcome::AlreadySent) => report.already_sent += 1,
                Ok(Outcome::Busy) => report.busy += 1,
                Err(e) => {
                    tracing::error!(error = %e, "report not sent; the run will be retried");
                    report.failed += 1;
                }
            }
        }
        tracing::info!(?report, "report run");
        if report.failed > 0 {
            return Err(ReportError::Failed {
                failed: report.failed,
                due: report.due,
            });
        }
        Ok(report)
    }

    async fn send(&self, subscription: &ReportSubscription, now: Timestamp) -> Result<Outcome, ReportError> {
        let period = ReportPeriod::of(subscription);
        let key = format!("REPORT#{}#{}", subscription.id, period.key());
        let outcome = match self.store.claim(&key, now, LEASE_SECONDS).await? {
            Claim::Busy => return Ok(Outcome::Busy),
            Claim::AlreadyDone => Outcome::AlreadySent,
            Claim::Claimed => {
                let days = figures(&self.store, &query(subscription, &period)).await?;
                let report = ReportFigures::new(subscription, period, days);
                // Dated at the send it stands for, so a retry composes the same mail.
                let raw = compose_report(subscription, &report, &self.from, subscription.next_send_at)?;
                self.mailer.send_raw(&self.from, &subscription.recipients, raw).await?;
                self.store.complete(&key).await?;
                Outcome::Sent
            }
        };
        // An edit since the Query chose its own next send; leave it.
        self.store
            .advance_report_subscription(
                subscription.id,
                subscription.next_send_at,
                subscription.following_send(),
            )
            .await?;
        Ok(outcome)
    }
}
