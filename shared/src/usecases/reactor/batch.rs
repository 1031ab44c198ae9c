//! The desk's rules, read once per batch of events (or per sweep), not per event: a batch is
//! a few seconds of events, and a rule saved meanwhile applies from the next batch on.
//!
//! A desk with no rules at all is given its default rules here, once ever (the store's seed
//! marker makes a second seeding a no-op). Only a desk without rules pays that check, so
//! events do not read the marker.

use tokio::sync::OnceCell;

use super::{EventReactor, Reaction, ReactorError};
use crate::domain::rules::Rule;
use crate::domain::{Clock, TicketEvent};
use crate::ports::{
    ActionLedger, BlobStore, ContactStore, MailSender, RuleStore, TeamStore, TemplateStore, TicketStore,
};

/// The rules of one batch, read when its first ticket event needs them.
#[derive(Debug, Default)]
pub struct BatchRules(OnceCell<Vec<Rule>>);

impl<S, M, B, C, W> EventReactor<S, M, B, C, W>
where
    W: crate::ports::WebhookSender,
    S: TicketStore + ContactStore + TeamStore + TemplateStore + ActionLedger + RuleStore,
    M: MailSender,
    B: BlobStore,
    C: Clock,
{
    /// Runs the event's actions. `attempt` is how many times the event has been delivered.
    /// Copies of events a merge carried over never reach the bus (the pipe's filter keeps them
    /// off), so every event here is one to act on.
    pub async fn react(&self, event: impl Into<TicketEvent>, attempt: u32) -> Result<Vec<Reaction>, ReactorError> {
        self.react_in(event, attempt, &BatchRules::default()).await
    }

    /// [`Self::react`] for one event of a batch whose rules `batch` holds.
    pub async fn react_in(
        &self,
        event: impl Into<TicketEvent>,
        attempt: u32,
        batch: &BatchRules,
    ) -> Result<Vec<Reaction>, ReactorError> {
        let event = &event.into();
        // The event's actions read the same items: once for all of them.
        let reads = &super::EventReads::default();
        let mut reactions = Vec::new();
        for action in super::Action::for_event(event.event_type) {
            reactions.push(self.run(*action, event, attempt, batch, reads).await?);
        }
        Ok(reactions)
    }

    /// The batch's rules, read now if no event of the batch read them yet.
    pub(super) async fn batch_rules<'a>(&self, batch: &'a BatchRules) -> Result<&'a [Rule], ReactorError> {
        let rules = batch
            .0
            .get_or_try_init(|| async {
                let rules = self.store.list_rules().await?;
                if !rules.is_empty() || !self.ensure_default_rules().await? {
                    return Ok::<_, ReactorError>(rules);
                }
                Ok(self.store.list_rules().await?)
            })
            .await?;
        Ok(rules)
    }
}
