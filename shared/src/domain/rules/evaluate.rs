//! Running rules for one event: [`RuleRun`] evaluates rules in position order, each seeing
//! what the ones before it changed, and cuts chains of rule changes that run too deep or fire
//! too often. Nothing here does I/O except through [`Assigner`], which picks agents for
//! round-robin and least-loaded assignment.

use std::future::Future;

use serde::Serialize;
use serde_json::Value;

use super::action::{AssignStrategy, Effect, Recipient, RuleAction, action_name};
use super::condition::{Condition, Op, holds};
use super::facts::{Facts, actual};
use super::trigger::Happening;
use super::{MAX_CHAIN_DEPTH, MAX_FIRES_PER_TICKET_HOUR, Rule};
use crate::domain::audit::Actor;
use crate::domain::ids::{AgentId, RuleId};
use crate::domain::team::DepartmentId;
use crate::domain::template_library::TemplateName;
use crate::domain::templates::TemplateKind;
use crate::domain::ticket::{FieldChange, Status, SupportLevel, Ticket, TicketPatch};

/// Picks agents for assignment; the reactor's is backed by the table (atomic counters), a dry
/// run's only looks.
pub trait Assigner: Send {
    fn pick(
        &mut self,
        strategy: AssignStrategy,
        department: Option<&DepartmentId>,
    ) -> impl Future<Output = Option<AgentId>> + Send;
}

/// One condition's verdict, for the dry run's explanation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConditionResult {
    pub path: String,
    pub field: String,
    pub op: Op,
    pub value: Value,
    /// What the field held.
    pub actual: Value,
    pub matched: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleOutcome {
    pub rule_id: RuleId,
    pub name: String,
    /// Whether its actions ran.
    pub fired: bool,
    /// Why it was not looked at, or stopped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
    pub conditions: Vec<ConditionResult>,
    pub changes: Vec<FieldChange>,
    pub effects: Vec<Effect>,
    /// Actions that could not be done (an assignment with nobody to take it, a refused move).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
}

/// What running the rules for one event came to.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    pub outcomes: Vec<RuleOutcome>,
    pub ticket: Ticket,
    /// Set when the chain was cut (too deep, or too many fires): said in the audit trail.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cut: Option<String>,
}

impl Evaluation {
    pub fn fired(&self) -> impl Iterator<Item = &RuleOutcome> {
        self.outcomes.iter().filter(|o| o.fired)
    }
}

/// Where this event sits in a chain of rule changes: the rule that made it, and how deep.
pub fn cause_of(actor: &Actor) -> (Option<RuleId>, u8) {
    match actor {
        Actor::Rule { rule_id, depth, .. } => (Some(*rule_id), *depth),
        _ => (None, 0),
    }
}

/// Runs `rules` (any order; they run by position) for one happening on `ticket`.
/// `caused_by` is the rule whose change this event is (it never re-triggers on its own change)
/// and `depth` how many rule changes led here; `fires_left` how many more rules may fire on
/// this ticket this hour.
pub struct RuleRun<'a> {
    pub rules: &'a [Rule],
    pub happening: &'a Happening,
    pub facts: &'a Facts,
    pub caused_by: Option<RuleId>,
    pub depth: u8,
    pub fires_left: u64,
    /// Evaluate one rule even if it is disabled (the dry run of a single rule).
    pub only: Option<RuleId>,
}

impl RuleRun<'_> {
    pub async fn evaluate(&self, ticket: &Ticket, assigner: &mut impl Assigner) -> Evaluation {
        let mut ticket = ticket.clone();
        let mut rules: Vec<&Rule> = self
            .rules
            .iter()
            .filter(|r| self.only.is_none_or(|only| only == r.id))
            .collect();
        rules.sort_by_key(|r| (r.position, r.id));
        let mut outcomes = Vec::new();
        let mut cut = None;
        let mut fires_left = self.fires_left;
        let mut stopped = false;
        for rule in rules {
            let mut outcome = RuleOutcome {
                rule_id: rule.id,
                name: rule.name.clone(),
                fired: false,
                skipped: None,
                conditions: vec![],
                changes: vec![],
                effects: vec![],
                problems: vec![],
            };
            let skip = if stopped {
                Some("an earlier rule stops further rules".to_owned())
            } else if !rule.enabled && self.only.is_none() {
                Some("disabled".to_owned())
            } else if !rule.triggers.iter().any(|t| self.happening.wakes(t)) {
                Some("none of its triggers is this event".to_owned())
            } else if self.caused_by == Some(rule.id) {
                Some("this event is its own change".to_owned())
            } else {
                None
            };
            if let Some(why) = skip {
                outcome.skipped = Some(why);
                outcomes.push(outcome);
                continue;
            }
            let matched = self.check_conditions(rule, &ticket, &mut outcome.conditions);
            if matched {
                if self.depth >= MAX_CHAIN_DEPTH {
                    let why = format!("chain of rule changes cut at depth {MAX_CHAIN_DEPTH}");
                    outcome.skipped = Some(why.clone());
                    cut = Some(why);
                    outcomes.push(outcome);
                    break;
                }
                if fires_left == 0 {
                    let why = format!("rules fired {MAX_FIRES_PER_TICKET_HOUR} times on this ticket this hour");
                    outcome.skipped = Some(why.clone());
                    cut = Some(why);
                    outcomes.push(outcome);
                    break;
                }
                fires_left -= 1;
                outcome.fired = true;
                self.act(rule, &mut ticket, &mut outcome, assigner).await;
                stopped = rule.stop;
            }
            outcomes.push(outcome);
        }
        Evaluation { outcomes, ticket, cut }
    }

    fn check_conditions(&self, rule: &Rule, ticket: &Ticket, results: &mut Vec<ConditionResult>) -> bool {
        let mut check = |group: &str, i: usize, c: &Condition| {
            let actual = actual(&c.field, ticket, self.facts);
            let matched = holds(c, &actual);
            results.push(ConditionResult {
                path: format!("conditions.{group}[{i}]"),
                field: c.field.clone(),
                op: c.op,
                value: c.value.clone(),
                actual,
                matched,
            });
            matched
        };
        // Every condition is evaluated (not short-circuited) so a dry run explains them all.
        let all: Vec<bool> = rule
            .conditions
            .all
            .iter()
            .enumerate()
            .map(|(i, c)| check("all", i, c))
            .collect();
        let any: Vec<bool> = rule
            .conditions
            .any
            .iter()
            .enumerate()
            .map(|(i, c)| check("any", i, c))
            .collect();
        all.iter().all(|m| *m) && (any.is_empty() || any.iter().any(|m| *m))
    }

    async fn act(&self, rule: &Rule, ticket: &mut Ticket, outcome: &mut RuleOutcome, assigner: &mut impl Assigner) {
        let now = self.facts.now;
        for action in &rule.actions {
            let mut patch = TicketPatch::default();
            match action {
                RuleAction::SetDepartment { department } => patch.department = Some(Some(department.clone())),
                RuleAction::Assign { strategy, agent } => {
                    let picked = match strategy {
                        AssignStrategy::Agent => *agent,
                        other => assigner.pick(*other, ticket.department.as_ref()).await,
                    };
                    match picked {
                        Some(agent) => patch.assignee = Some(Some(agent)),
                        None => {
                            outcome
                                .problems
                                .push("assign: no active agent is free to take it".into());
                            continue;
                        }
                    }
                }
                RuleAction::SetPriority { priority } => patch.priority = Some(*priority),
                RuleAction::SetStatus { status } => patch.status = Some(*status),
                RuleAction::SetType { ticket_type } => patch.ticket_type = Some(Some(*ticket_type)),
                RuleAction::SetSupportLevel { level } => patch.support_level = Some(*level),
                RuleAction::AddTags { tags } => patch.add_tags = tags.clone(),
                RuleAction::RemoveTags { tags } => patch.remove_tags = tags.clone(),
                RuleAction::MarkSpam => patch.status = Some(Status::Spam),
                RuleAction::Escalate { template } => {
                    let up = match ticket.support_level {
                        SupportLevel::L1 => SupportLevel::L2,
                        _ => SupportLevel::L3,
                    };
                    patch.support_level = Some(up);
                    outcome.effects.push(Effect::Email {
                        template: template
                            .clone()
                            .unwrap_or_else(|| TemplateName::from(TemplateKind::Escalated)),
                        to: Recipient::DepartmentLead,
                        address: None,
                    });
                }
                RuleAction::AddNote { body } => {
                    outcome.effects.push(Effect::Note { body: body.clone() });
                    continue;
                }
                RuleAction::SendEmail { template, to, address } => {
                    outcome.effects.push(Effect::Email {
                        template: template.clone(),
                        to: *to,
                        address: address.as_ref().map(|a| a.as_str().to_owned()),
                    });
                    continue;
                }
                RuleAction::Webhook { url, secret } => {
                    outcome.effects.push(Effect::Webhook {
                        url: url.clone(),
                        secret: secret.clone(),
                    });
                    continue;
                }
            }
            match ticket.apply(&patch, now) {
                Ok(changes) => {
                    if !changes.is_empty() {
                        ticket.updated_at = now;
                    }
                    outcome.changes.extend(changes);
                }
                Err(e) => outcome.problems.push(format!("{}: {e}", action_name(action))),
            }
        }
    }
}
