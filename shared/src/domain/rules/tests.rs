use serde_json::{Value, json};

use super::*;
use crate::domain::audit::EventType;
use crate::domain::ids::AgentId;
use crate::domain::team::DepartmentId;
use crate::domain::ticket::tests::{at, sample_ticket};
use crate::domain::ticket::{Channel, FieldChange, Priority, Status, SupportLevel, Tag, TicketField};

/// Hands out agents from a list in turn, as the table's counter does.
struct InTurn(Vec<AgentId>, usize);

impl Assigner for InTurn {
    async fn pick(&mut self, _: AssignStrategy, _: Option<&DepartmentId>) -> Option<AgentId> {
        let agent = self.0.get(self.1 % self.0.len().max(1)).copied();
        self.1 += 1;
        agent
    }
}

fn nobody() -> InTurn {
    InTurn(vec![], 0)
}

fn rule(position: u32, json: Value) -> Rule {
    let draft: RuleDraft = serde_json::from_value(json).unwrap();
    draft.check(|_| true).unwrap();
    let now = at("2026-11-23T09:00:00Z");
    Rule::from_draft(RuleId::generate(now), RuleDraft { position, ..draft }, now, now)
}

fn facts(sender: &str, to: &str, body: &str, now: &str) -> Facts {
    Facts {
        message: Some(MessageFacts {
            body: body.into(),
            sender: Some(sender.into()),
            recipients: vec![to.into()],
            automated: false,
        }),
        language: Some("cs".into()),
        now: at(now),
        calendar: BusinessCalendar::default(),
    }
}

fn run<'a>(rules: &'a [Rule], happening: &'a Happening, facts: &'a Facts) -> RuleRun<'a> {
    RuleRun {
        rules,
        happening,
        facts,
        caused_by: None,
        depth: 0,
        fires_left: MAX_FIRES_PER_TICKET_HOUR,
        only: None,
    }
}

fn billing_rule() -> Rule {
    rule(
        1,
        json!({
            "name": "Billing mail",
            "position": 0,
            "triggers": [{"on": "ticket_created", "channels": ["email"]}],
            "conditions": {"all": [{"field": "recipient", "op": "is", "value": "billing@help.example.com"}]},
            "actions": [
                {"do": "set_department", "department": "billing"},
                {"do": "assign", "strategy": "round_robin"},
                {"do": "add_tags", "tags": ["billing"]}
            ]
        }),
    )
}

#[tokio::test]
async fn a_matching_rule_routes_assigns_and_tags() {
    let mut ticket = sample_ticket();
    ticket.channel = Channel::Email;
    let agent = AgentId::generate(at("2026-11-23T09:00:00Z"));
    let rules = [billing_rule()];
    let facts = facts(
        "jana@example.cz",
        "Billing@help.example.com",
        "Invoice?",
        "2026-11-23T10:00:00Z",
    );
    let happening = Happening::Created(Channel::Email);
    let evaluation = run(&rules, &happening, &facts)
        .evaluate(&ticket, &mut InTurn(vec![agent], 0))
        .await;
    let outcome = &evaluation.outcomes[0];
    assert!(outcome.fired, "{outcome:?}");
    assert_eq!(evaluation.ticket.department.as_ref().unwrap().as_str(), "billing");
    assert_eq!(evaluation.ticket.assignee, Some(agent));
    assert!(evaluation.ticket.tags.iter().any(|t| t.as_str() == "billing"));
    let fields: Vec<&str> = outcome.changes.iter().map(|c| c.field.as_str()).collect();
    assert_eq!(fields, ["department", "assignee", "tags"]);

    // Mail to support@ matches nothing, and the dry run says which condition failed.
    let other = facts_to("support@help.example.com");
    let evaluation = run(&rules, &happening, &other).evaluate(&ticket, &mut nobody()).await;
    let outcome = &evaluation.outcomes[0];
    assert!(!outcome.fired);
    assert_eq!(outcome.conditions[0].path, "conditions.all[0]");
    assert!(!outcome.conditions[0].matched);
    assert_eq!(outcome.conditions[0].actual, json!(["support@help.example.com"]));
    assert_eq!(evaluation.ticket, ticket);
}

fn facts_to(to: &str) -> Facts {
    facts("jana@example.cz", to, "hi", "2026-11-23T10:00:00Z")
}

#[tokio::test]
async fn rules_run_in_position_order_and_each_sees_the_last() {
    let first = rule(
        2,
        json!({"name": "urgent words", "position": 0, "triggers": [{"on": "customer_replied"}],
               "conditions": {"any": [{"field": "body", "op": "contains", "value": "DOWN"},
                                      {"field": "body", "op": "matches", "value": "\\boutage\\b"}]},
               "actions": [{"do": "set_priority", "priority": "urgent"}]}),
    );
    let second = rule(
        5,
        json!({"name": "urgent to L2", "position": 0, "triggers": [{"on": "customer_replied"}],
               "conditions": {"all": [{"field": "priority", "op": "is", "value": "urgent"}]},
               "actions": [{"do": "escalate"}], "stop": true}),
    );
    let third = rule(
        9,
        json!({"name": "never", "position": 0, "triggers": [{"on": "customer_replied"}],
               "actions": [{"do": "add_tags", "tags": ["x"]}]}),
    );
    let rules = [third.clone(), second, first];
    let facts = facts(
        "a@b.cz",
        "support@x.cz",
        "Total outage since 9:00",
        "2026-11-23T10:00:00Z",
    );
    let evaluation = run(&rules, &Happening::CustomerReplied, &facts)
        .evaluate(&sample_ticket(), &mut nobody())
        .await;
    let names: Vec<(&str, bool)> = evaluation.outcomes.iter().map(|o| (o.name.as_str(), o.fired)).collect();
    assert_eq!(
        names,
        [("urgent words", true), ("urgent to L2", true), ("never", false)]
    );
    assert_eq!(evaluation.ticket.priority, Priority::Urgent);
    assert_eq!(evaluation.ticket.support_level, SupportLevel::L2);
    assert_eq!(
        evaluation.outcomes[2].skipped.as_deref(),
        Some("an earlier rule stops further rules")
    );
    assert!(matches!(
        &evaluation.outcomes[1].effects[0],
        Effect::Email {
            to: Recipient::DepartmentLead,
            ..
        }
    ));
}

#[tokio::test]
async fn loops_are_cut() {
    let tagger = rule(
        1,
        json!({"name": "tag on change", "position": 0,
               "triggers": [{"on": "field_changed", "field": "tags"}],
               "actions": [{"do": "add_tags", "tags": ["seen"]}]}),
    );
    let rules = [tagger.clone()];
    let happening = Happening::Changed(vec![TicketField::Tags]);
    let facts = facts_to("support@x.cz");
    // Its own change does not wake it.
    let own = RuleRun {
        caused_by: Some(tagger.id),
        depth: 1,
        ..run(&rules, &happening, &facts)
    };
    let evaluation = own.evaluate(&sample_ticket(), &mut nobody()).await;
    assert_eq!(
        evaluation.outcomes[0].skipped.as_deref(),
        Some("this event is its own change")
    );
    // Another rule's change at the deepest level is cut, and says so.
    let deep = RuleRun {
        depth: MAX_CHAIN_DEPTH,
        ..run(&rules, &happening, &facts)
    };
    let evaluation = deep.evaluate(&sample_ticket(), &mut nobody()).await;
    assert!(!evaluation.outcomes[0].fired);
    assert!(evaluation.cut.unwrap().contains("depth"));
    // So is one past the ticket's hourly fire limit.
    let spent = RuleRun {
        fires_left: 0,
        ..run(&rules, &happening, &facts)
    };
    assert!(
        spent
            .evaluate(&sample_ticket(), &mut nobody())
            .await
            .cut
            .unwrap()
            .contains("times")
    );
}

#[tokio::test]
async fn conditions_over_time_tags_and_flags() {
    let mut ticket = sample_ticket();
    ticket.status = Status::Pending;
    ticket.updated_at = at("2026-11-20T09:00:00Z");
    ticket.tags.insert(Tag::parse("vip").unwrap());
    ticket
        .requester_groups
        .insert(crate::domain::ContactGroup::parse("gold").unwrap());
    let stale = rule(
        1,
        json!({"name": "stale", "position": 0, "triggers": [{"on": "time"}],
               "conditions": {"all": [
                   {"field": "status", "op": "in", "value": ["pending", "on_hold"]},
                   {"field": "hours_since_updated", "op": "greater_than", "value": 72},
                   {"field": "tags", "op": "includes", "value": "vip"},
                   {"field": "requester_groups", "op": "includes", "value": "gold"},
                   {"field": "requester_groups", "op": "excludes", "value": "vip"},
                   {"field": "business_hours", "op": "is_true"},
                   {"field": "first_response", "op": "is_not_set"}
               ]},
               "actions": [{"do": "add_note", "body": "Chase the customer."}]}),
    );
    let rules = [stale];
    // Monday 10:00 UTC: within business hours, 73 hours after the last change.
    let monday = facts("a@b.cz", "s@x.cz", "", "2026-11-23T10:00:00Z");
    let evaluation = run(&rules, &Happening::Time, &monday)
        .evaluate(&ticket, &mut nobody())
        .await;
    assert!(evaluation.outcomes[0].fired, "{:?}", evaluation.outcomes[0].conditions);
    assert_eq!(
        evaluation.outcomes[0].effects,
        [Effect::Note {
            body: "Chase the customer.".into()
        }]
    );
    // Sunday is outside business hours.
    let sunday = facts("a@b.cz", "s@x.cz", "", "2026-11-22T10:00:00Z");
    let evaluation = run(&rules, &Happening::Time, &sunday)
        .evaluate(&ticket, &mut nobody())
        .await;
    assert!(!evaluation.outcomes[0].fired);
    // The sweep looks again when 72 hours have passed since the last change.
    assert_eq!(
        next_look(&rules, &ticket, at("2026-11-21T00:00:00Z")),
        Some(at("2026-11-23T09:00:00.001Z"))
    );
    assert_eq!(next_look(&rules, &ticket, at("2026-11-24T00:00:00Z")), None);
    // A rule saved after the threshold passed: due now, once.
    assert_eq!(
        first_look(&rules, &ticket, at("2026-11-24T00:00:00Z")),
        Some(at("2026-11-24T00:00:00Z"))
    );
    assert_eq!(
        first_look(&rules, &ticket, at("2026-11-21T00:00:00Z")),
        Some(at("2026-11-23T09:00:00.001Z"))
    );
}

#[test]
fn drafts_are_checked_with_the_field_named() {
    let check = |json: Value| -> Result<(), String> {
        let draft: RuleDraft = serde_json::from_value(json).map_err(|e| e.to_string())?;
        draft.check(|t| t.as_str() != "missing").map_err(|e| match e {
            DomainError::Invalid { field, .. } => field.into_owned(),
            other => other.to_string(),
        })
    };
    let base = |conditions: Value, actions: Value| {
        json!({"name": "r", "position": 1, "triggers": [{"on": "agent_replied"}],
               "conditions": conditions, "actions": actions})
    };
    let tag = json!([{"do": "add_tags", "tags": ["a"]}]);
    assert_eq!(check(base(json!({}), tag.clone())), Ok(()));
    let cases = [
        (
            json!({"all": [{"field": "colour", "op": "is", "value": "red"}]}),
            tag.clone(),
            "conditions.all[0].field",
        ),
        (
            json!({"all": [{"field": "subject", "op": "greater_than", "value": 3}]}),
            tag.clone(),
            "conditions.all[0].op",
        ),
        (
            json!({"any": [{"field": "body", "op": "matches", "value": "(unclosed"}]}),
            tag.clone(),
            "conditions.any[0].value",
        ),
        (
            json!({"all": [{"field": "status", "op": "is", "value": "sleeping"}]}),
            tag.clone(),
            "conditions.all[0].value",
        ),
        (
            json!({}),
            json!([{"do": "send_email", "template": "missing", "to": "requester"}]),
            "actions[0].template",
        ),
        (
            json!({}),
            json!([{"do": "assign", "strategy": "agent"}]),
            "actions[0].agent",
        ),
        (
            json!({}),
            json!([{"do": "webhook", "url": "ftp://x", "secret": "0123456789abcdef"}]),
            "actions[0].url",
        ),
        (json!({}), json!([]), "actions"),
    ];
    for (conditions, actions, field) in cases {
        assert_eq!(check(base(conditions, actions)), Err(field.to_owned()));
    }
    // Unknown fields in the JSON are refused by the parser, naming them.
    let unknown = check(json!({"name": "r", "position": 1, "triggers": [], "actions": [], "colour": 1}));
    assert!(unknown.unwrap_err().contains("colour"));
}

#[test]
fn events_become_happenings() {
    let changes = [FieldChange::new(TicketField::Status, "open", "pending")];
    assert_eq!(
        Happening::of(EventType::TicketUpdated, Channel::Api, &changes),
        Some(Happening::Changed(vec![TicketField::Status]))
    );
    assert_eq!(Happening::of(EventType::TicketUpdated, Channel::Api, &[]), None);
    assert_eq!(
        Happening::of(EventType::SlaBreached, Channel::Api, &[]),
        Some(Happening::SlaBreach)
    );
    assert_eq!(
        Happening::of(EventType::SlaWarning, Channel::Api, &[]),
        Some(Happening::SlaWarning)
    );
    assert_eq!(Happening::of(EventType::SlaApplied, Channel::Api, &[]), None);
    assert!(Happening::Created(Channel::Form).wakes(&Trigger::TicketCreated { channels: vec![] }));
    assert!(!Happening::Created(Channel::Form).wakes(&Trigger::TicketCreated {
        channels: vec![Channel::Email]
    }));
}

#[test]
fn a_new_desk_starts_with_default_rules_that_pass_their_own_checks() {
    let billing = DepartmentId::parse("billing").unwrap();
    let rules = default_rules(
        &[("Billing@help.example.com".into(), billing.clone())],
        &[("invoices".into(), billing)],
        at("2026-11-23T09:00:00Z"),
    );
    assert_eq!(rules.len(), 7);
    assert!(rules[0].name.contains("Billing@help.example.com"), "{}", rules[0].name);
    assert_eq!(rules[5].triggers, vec![Trigger::SlaBreach]);
    // A bad rating reopens the ticket and tells the lead: set up, but off until turned on.
    let bad_rating = rules.last().unwrap();
    assert_eq!(bad_rating.triggers, vec![Trigger::CsatReceived]);
    assert!(!bad_rating.enabled && rules[..6].iter().all(|r| r.enabled));
    assert_eq!(rules[0].conditions.all[0].value, json!("billing@help.example.com"));
    assert_eq!(rules[1].conditions.all[0].field, "custom.category");
    assert_eq!(
        rules[1].triggers,
        vec![Trigger::TicketCreated {
            channels: vec![Channel::Form]
        }]
    );
    for rule in &rules {
        let draft: RuleDraft = serde_json::from_value(json!({
            "name": rule.name, "position": rule.position, "triggers": rule.triggers,
            "conditions": rule.conditions, "actions": rule.actions, "stop": rule.stop
        }))
        .unwrap();
        draft
            .check(|t| {
                crate::domain::template_library::TemplateLibrary::default()
                    .pick(t, None)
                    .is_some()
            })
            .unwrap();
    }
}
