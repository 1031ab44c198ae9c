//! Automation rules: what a team writes down about its workflow ("mail to billing@ goes to
//! Billing, round-robin, tagged billing"), checked when saved and run by the event reactor.
//!
//! A rule has triggers (which events wake it: `trigger.rs`), conditions (all-of and any-of
//! groups over the ticket, the message and time: `condition.rs`, `facts.rs`) and actions
//! (changes to the ticket, notes, mail, webhooks: `action.rs`). This module holds the rule
//! itself and the checks made when it is saved (limits in `bounds.rs`, webhook targets in
//! `webhook_target.rs`). [`RuleRun`] (`evaluate.rs`) runs rules against one event;
//! [`next_look`] (`next_look.rs`) says when the time sweep should look at a ticket again;
//! [`default_rules`] (`defaults.rs`) are a new desk's. Nothing here does I/O except through
//! the [`Assigner`] an evaluation is handed.

use serde::{Deserialize, Serialize};

use super::error::DomainError;
use super::ids::RuleId;
use super::message::parse_body;
use super::template_library::TemplateName;
use super::ticket::check_tag_count;
use super::time::Timestamp;

mod action;
mod bounds;
mod condition;
mod defaults;
mod evaluate;
mod facts;
mod next_look;
mod trigger;
mod webhook_target;

pub use super::calendar::BusinessCalendar;
pub use action::{AssignStrategy, Effect, Recipient, RuleAction};
pub use bounds::{MAX_ACTIONS, MAX_CONDITIONS, MAX_HOURS, MAX_LIST_VALUES, MAX_POSITION, MAX_TRIGGERS};
pub use condition::{Condition, Conditions, Op};
pub use defaults::default_rules;
pub use evaluate::{Assigner, ConditionResult, Evaluation, RuleOutcome, RuleRun, cause_of};
pub use facts::{Facts, MessageFacts};
pub use next_look::{first_look, next_look};
pub use trigger::{Happening, Trigger, WatchedField};
pub use webhook_target::{WebhookTargets, is_public};

/// How many rule changes may follow one another before the chain is cut.
pub const MAX_CHAIN_DEPTH: u8 = 3;
/// How often rules may change one ticket in an hour before they are stopped for it.
pub const MAX_FIRES_PER_TICKET_HOUR: u64 = 30;
/// The most rules a desk may have.
pub const MAX_RULES: usize = 500;
const MAX_NAME_CHARS: usize = 120;
/// What agents see instead of a webhook's secret.
pub const HIDDEN_SECRET: &str = "(hidden)";

/// A rule as written by a manager (what `PUT`/`POST /v1/rules` take).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleDraft {
    pub name: String,
    #[serde(default = "yes")]
    pub enabled: bool,
    pub position: u32,
    pub triggers: Vec<Trigger>,
    #[serde(default)]
    pub conditions: Conditions,
    pub actions: Vec<RuleAction>,
    /// No rule after this one runs for the event when this one fired.
    #[serde(default)]
    pub stop: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    pub id: RuleId,
    pub name: String,
    pub enabled: bool,
    pub position: u32,
    pub triggers: Vec<Trigger>,
    pub conditions: Conditions,
    pub actions: Vec<RuleAction>,
    pub stop: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl Rule {
    /// The rule as someone who may not write rules sees it: webhook secrets hidden.
    pub fn without_secrets(mut self) -> Self {
        for action in &mut self.actions {
            if let RuleAction::Webhook { secret, .. } = action {
                *secret = HIDDEN_SECRET.to_owned();
            }
        }
        self
    }

    pub fn from_draft(id: RuleId, draft: RuleDraft, created_at: Timestamp, now: Timestamp) -> Self {
        Self {
            id,
            name: draft.name,
            enabled: draft.enabled,
            position: draft.position,
            triggers: draft.triggers,
            conditions: draft.conditions,
            actions: draft.actions,
            stop: draft.stop,
            created_at,
            updated_at: now,
        }
    }
}

impl RuleDraft {
    /// Checks everything that needs no lookup, webhooks against a deployed desk's targets;
    /// `template_exists` answers for mail actions.
    pub fn check(&self, template_exists: impl Fn(&TemplateName) -> bool) -> Result<(), DomainError> {
        self.check_with(&WebhookTargets::STRICT, template_exists)
    }

    /// [`check`](Self::check) with the webhook targets this desk is configured to allow.
    pub fn check_with(
        &self,
        targets: &WebhookTargets,
        template_exists: impl Fn(&TemplateName) -> bool,
    ) -> Result<(), DomainError> {
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > MAX_NAME_CHARS || name.chars().any(char::is_control) {
            return Err(DomainError::invalid(
                "name",
                format!("must be 1 to {MAX_NAME_CHARS} characters on one line"),
            ));
        }
        if self.triggers.is_empty() {
            return Err(DomainError::invalid("triggers", "name at least one trigger"));
        }
        if self.actions.is_empty() {
            return Err(DomainError::invalid("actions", "name at least one action"));
        }
        bounds::check_bounds(self)?;
        for (group, list) in [("all", &self.conditions.all), ("any", &self.conditions.any)] {
            for (i, condition) in list.iter().enumerate() {
                condition.check(&format!("conditions.{group}[{i}]"))?;
            }
        }
        for (i, action) in self.actions.iter().enumerate() {
            let path = format!("actions[{i}]");
            match action {
                RuleAction::Assign { strategy, agent } if (*strategy == AssignStrategy::Agent) != agent.is_some() => {
                    return Err(DomainError::invalid(
                        format!("{path}.agent"),
                        "name an agent for strategy agent, and only then",
                    ));
                }
                RuleAction::AddTags { tags } | RuleAction::RemoveTags { tags } => {
                    check_tag_count(tags).map_err(|_| DomainError::invalid(format!("{path}.tags"), "too many tags"))?;
                }
                RuleAction::AddNote { body } => {
                    parse_body("body", body).map_err(|e| match e {
                        DomainError::Invalid { reason, .. } => DomainError::invalid(format!("{path}.body"), reason),
                        other => other,
                    })?;
                }
                RuleAction::Escalate {
                    template: Some(template),
                } if !template_exists(template) => {
                    return Err(DomainError::invalid(
                        format!("{path}.template"),
                        format!("there is no template {template}"),
                    ));
                }
                RuleAction::SendEmail { template, to, address } => {
                    if !template_exists(template) {
                        return Err(DomainError::invalid(
                            format!("{path}.template"),
                            format!("there is no template {template}"),
                        ));
                    }
                    if (*to == Recipient::Address) != address.is_some() {
                        return Err(DomainError::invalid(
                            format!("{path}.address"),
                            "name an address for to: address, and only then",
                        ));
                    }
                }
                RuleAction::Webhook { url, secret } => {
                    targets
                        .check_url(url)
                        .map_err(|reason| DomainError::invalid(format!("{path}.url"), reason))?;
                    if secret.len() < 16 || secret.len() > 256 {
                        return Err(DomainError::invalid(
                            format!("{path}.secret"),
                            "must be 16 to 256 characters",
                        ));
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;
