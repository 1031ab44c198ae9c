//! The outbox of the rules' side effects: the mail and webhooks the rules decided, recorded in
//! the same transaction as their write (on the write's once-key item), so a crash between the
//! write and the effects loses none of them. A redelivery cannot decide them again: the ticket
//! already carries the rules' changes, so the rules may no longer match. It carries out what
//! was recorded instead, each effect still claimed on its own in the action ledger.

use serde::{Deserialize, Serialize};

use crate::domain::RuleId;
use crate::domain::rules::{Effect, Evaluation, Recipient};

/// One fired rule's mail and webhooks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct DecidedRule {
    pub rule_id: RuleId,
    pub name: String,
    pub effects: Vec<DecidedEffect>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct DecidedEffect {
    /// Its place among the rule's effects: part of its claim's key, the same as when decided.
    pub index: usize,
    #[serde(flatten)]
    pub what: ToDo,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(super) enum ToDo {
    Email {
        template: String,
        to: Recipient,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        address: Option<String>,
    },
    Webhook {
        url: String,
        secret: String,
    },
}

/// What the fired rules of `evaluation` ask for after the write (notes are part of the write).
pub(super) fn decided(evaluation: &Evaluation) -> Vec<DecidedRule> {
    evaluation
        .fired()
        .map(|outcome| DecidedRule {
            rule_id: outcome.rule_id,
            name: outcome.name.clone(),
            effects: outcome
                .effects
                .iter()
                .enumerate()
                .filter_map(|(index, effect)| {
                    let what = match effect {
                        Effect::Note { .. } => return None,
                        Effect::Email { template, to, address } => ToDo::Email {
                            template: template.as_str().to_owned(),
                            to: *to,
                            address: address.clone(),
                        },
                        Effect::Webhook { url, secret } => ToDo::Webhook {
                            url: url.clone(),
                            secret: secret.clone(),
                        },
                    };
                    Some(DecidedEffect { index, what })
                })
                .collect(),
        })
        .filter(|rule| !rule.effects.is_empty())
        .collect()
}

pub(super) fn to_json(rules: &[DecidedRule]) -> String {
    // Plain data (strings, enums, numbers): serializing it cannot fail.
    serde_json::to_string(rules).unwrap_or_else(|_| "[]".into())
}

pub(super) fn from_json(text: &str) -> Result<Vec<DecidedRule>, serde_json::Error> {
    serde_json::from_str(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorded_effects_read_back_as_written() {
        let rules = vec![DecidedRule {
            rule_id: RuleId::generate(crate::domain::Timestamp::parse("2026-11-23T09:00:00Z").unwrap()),
            name: "Tell ops".into(),
            effects: vec![
                DecidedEffect {
                    index: 1,
                    what: ToDo::Email {
                        template: "urgent_ticket".into(),
                        to: Recipient::Address,
                        address: Some("ops@example.com".into()),
                    },
                },
                DecidedEffect {
                    index: 2,
                    what: ToDo::Webhook {
                        url: "https://hooks.example.com/x".into(),
                        secret: "s".into(),
                    },
                },
            ],
        }];
        assert_eq!(from_json(&to_json(&rules)).unwrap(), rules);
    }
}
