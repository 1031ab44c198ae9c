//! How long the reactor's evaluation of a desk's rules takes for one event (issue 5): 200
//! rules against one `ticket.created` with its first message, as `RuleRun::evaluate` runs them
//! in the reactor function. The figures are recorded in `docs/rules.md` ("Benchmark").
//!
//! The rules are built as the API builds them (JSON into a `RuleDraft`, checked, made a `Rule`)
//! and cover every kind of condition: text (`is`, `in`, `contains`, `starts_with`, `matches`),
//! choice, tags, hours, flags, presence and custom fields, in `all` and `any` groups. Every rule
//! wakes on the event, so every condition of every rule is checked: the most work 200 rules
//! can ask of one event. Rules compile their `matches` patterns each time they are checked (no
//! compiled pattern is kept with a rule), so that cost is inside the figures; the "no regex"
//! cases, with each `matches` written as the closest plain text condition, show how much of
//! them it is.
//!
//! Run it with `cargo bench -p shared --bench rules`.

use std::collections::BTreeSet;
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use futures::executor::block_on;
use serde_json::{Value, json};

use shared::domain::rules::{
    AssignStrategy, Assigner, BusinessCalendar, Facts, Happening, MAX_FIRES_PER_TICKET_HOUR, MessageFacts, Rule,
    RuleDraft, RuleRun,
};
use shared::domain::template_library::TemplateLibrary;
use shared::domain::{
    AgentId, Channel, ContactId, DepartmentId, EmailAddress, RequesterDetails, RuleId, Tag, Ticket, TicketNumber,
    Timestamp,
};

const RULES: usize = 200;
/// Rules are written in blocks of this many, one of each kind; in the "10% match" case one
/// rule of each block matches.
const KINDS: usize = 10;

/// Hands every assignment to one agent; the table's round-robin counter is I/O, not rules.
struct OneAgent(AgentId);

impl Assigner for OneAgent {
    async fn pick(&mut self, _: AssignStrategy, _: Option<&DepartmentId>) -> Option<AgentId> {
        Some(self.0)
    }
}

fn at(text: &str) -> Timestamp {
    Timestamp::parse(text).expect("timestamp")
}

/// What a rule asks, for the kind `kind`, the `k`th of its kind. With `hit` its conditions
/// hold for the event below; without, they do not. With `regex` false, `matches` conditions
/// are written as the plain text conditions closest to them.
fn rule_json(kind: usize, k: usize, hit: bool, regex: bool) -> Value {
    let text_or_regex = |field: &str, pattern: String, plain_op: &str, plain: String| {
        if regex {
            json!({"field": field, "op": "matches", "value": pattern})
        } else {
            json!({"field": field, "op": plain_op, "value": plain})
        }
    };
    let (name, triggers, conditions, actions) = match kind {
        // Mail to an address goes to its department, round-robin.
        0 => (
            format!("Mail to queue-{k}@ goes to its department"),
            json!([{"on": "ticket_created", "channels": ["email"]}]),
            json!({"all": [{"field": "recipient", "op": "is",
                            "value": if hit { "support@help.example.com".to_owned() } else { format!("queue-{k}@help.example.com") }}]}),
            json!([{"do": "set_department", "department": "billing"},
                   {"do": "assign", "strategy": "round_robin"},
                   {"do": "add_tags", "tags": [format!("queue-{k}")]}]),
        ),
        // Words in the mail raise the priority.
        1 => (
            format!("Words that matter, list {k}"),
            json!([{"on": "ticket_created"}, {"on": "customer_replied"}]),
            json!({"any": [
                {"field": "body", "op": "contains", "value": if hit { "refund".to_owned() } else { format!("outage-{k}") }},
                {"field": "body", "op": "contains", "value": format!("data loss {k}")},
                {"field": "subject", "op": "contains", "value": format!("down-{k}")}
            ]}),
            json!([{"do": "add_tags", "tags": [format!("words-{k}")]}, {"do": "set_priority", "priority": "high"}]),
        ),
        // A pattern in the body types the ticket.
        2 => (
            format!("Order and invoice numbers, pattern {k}"),
            json!([{"on": "ticket_created"}]),
            json!({"all": [if hit {
                text_or_regex("body", r"\binvoice\s+\d{4}-\d+\b".to_owned(), "contains", "invoice 2026-131".to_owned())
            } else {
                text_or_regex("body", format!(r"\b(?:po|order)[-\s]?#?{k}\d{{5}}\b"), "contains", format!("order #{k}00000"))
            }]}),
            json!([{"do": "set_type", "type": "incident"}, {"do": "add_tags", "tags": [format!("numbered-{k}")]}]),
        ),
        // VIP senders get a higher level.
        3 => (
            format!("VIP customers, group {k}"),
            json!([{"on": "ticket_created"}, {"on": "customer_replied"}]),
            json!({"all": [{"field": "sender_domain", "op": "in", "value": [
                format!("vip-{k}.example"), format!("partner-{k}.example"), format!("board-{k}.example"),
                if hit { "example.cz".to_owned() } else { format!("investor-{k}.example") }
            ]}]}),
            json!([{"do": "set_priority", "priority": "high"}, {"do": "set_support_level", "level": "L2"}]),
        ),
        // Tags and channel leave a note.
        4 => (
            format!("Remind about the onboarding checklist {k}"),
            json!([{"on": "ticket_created", "channels": ["email", "form"]}]),
            json!({"all": [
                {"field": "channel", "op": "is", "value": "email"},
                {"field": "tags", "op": "excludes", "value": format!("checklist-{k}")},
                {"field": "tags", "op": "includes", "value": if hit { "new-customer".to_owned() } else { format!("trial-{k}") }}
            ]}),
            json!([{"do": "add_note", "body": format!("Walk them through checklist {k}.")}]),
        ),
        // Out of hours, low priority mail gets a mail to the lead.
        5 => (
            format!("Out-of-hours watch {k}"),
            json!([{"on": "ticket_created"}]),
            json!({"all": [
                {"field": "business_hours", "op": if hit { "is_true" } else { "is_false" }},
                {"field": "priority", "op": "is_not", "value": "urgent"},
                {"field": "department", "op": "in", "value": ["support", "billing", format!("team-{k}")]}
            ]}),
            json!([{"do": "send_email", "template": "urgent_ticket", "to": "department_lead"}]),
        ),
        // Machines and languages.
        6 => (
            format!("Language desk {k}"),
            json!([{"on": "ticket_created"}]),
            json!({"all": [
                {"field": "automated", "op": "is_false"},
                {"field": "language", "op": "is", "value": if hit { "cs".to_owned() } else { format!("x-lang-{k}") }}
            ]}),
            json!([{"do": "add_tags", "tags": [format!("lang-{k}")]}]),
        ),
        // A fresh ticket on a custom plan calls a webhook.
        7 => (
            format!("Tell the CRM about plan {k}"),
            json!([{"on": "ticket_created"}]),
            json!({"all": [
                {"field": "hours_since_created", "op": "less_than", "value": 1},
                if hit {
                    json!({"field": "custom.plan", "op": "is_not_set"})
                } else {
                    json!({"field": "custom.plan", "op": "is", "value": format!("enterprise-{k}")})
                }
            ]}),
            json!([{"do": "webhook", "url": format!("https://crm.example.com/hooks/{k}"),
                    "secret": "0123456789abcdef0123456789abcdef"}]),
        ),
        // Screening senders.
        8 => (
            format!("Screen senders, list {k}"),
            json!([{"on": "ticket_created"}, {"on": "customer_replied"}]),
            json!({"any": [
                if hit {
                    text_or_regex("sender_email", "^jana@".to_owned(), "starts_with", "jana@".to_owned())
                } else {
                    text_or_regex("sender_email", format!("^(?:no-?reply|bounce-{k})@"), "starts_with", format!("noreply-{k}@"))
                },
                {"field": "sender_email", "op": "starts_with", "value": format!("mailer-daemon-{k}")},
                {"field": "subject", "op": "starts_with", "value": format!("[spam-{k}]")}
            ]}),
            json!([{"do": "remove_tags", "tags": ["unscreened"]}, {"do": "add_tags", "tags": [format!("screened-{k}")]}]),
        ),
        // New tickets with no answer yet go up a level.
        _ => (
            format!("Unanswered escalation {k}"),
            json!([{"on": "ticket_created"}, {"on": "field_changed", "field": "status"}]),
            json!({"all": [
                {"field": "status", "op": if hit { "is" } else { "in" },
                 "value": if hit { json!("new") } else { json!(["pending", "on_hold"]) }},
                {"field": "first_response", "op": "is_not_set"},
                {"field": "hours_since_created", "op": "greater_than", "value": 0}
            ]}),
            json!([{"do": "escalate"}]),
        ),
    };
    json!({"name": name, "triggers": triggers, "conditions": conditions, "actions": actions, "position": 0})
}

/// 200 rules; one in ten matches (one of each block of ten, each kind in turn) when
/// `matching`, none otherwise.
fn rules(matching: bool, regex: bool) -> Vec<Rule> {
    let now = at("2026-11-02T08:00:00Z");
    let library = TemplateLibrary::default();
    (0..RULES)
        .map(|i| {
            let (block, kind) = (i / KINDS, i % KINDS);
            let hit = matching && kind == block % KINDS;
            let mut draft: RuleDraft = serde_json::from_value(rule_json(kind, block, hit, regex)).expect("draft");
            draft.position = u32::try_from(i).expect("position") * 10;
            draft.check(|t| library.pick(t, None).is_some()).expect("a valid rule");
            Rule::from_draft(RuleId::generate(now), draft, now, now)
        })
        .collect()
}

/// A new mail ticket to support@, a Monday morning (inside business hours), with its first
/// message.
fn event() -> (Ticket, Facts) {
    let created = at("2026-11-23T09:41:00Z");
    let mut ticket = Ticket::new(
        TicketNumber::new(1042),
        "Invoice 2026-131 charged twice".into(),
        Channel::Email,
        &RequesterDetails::new(
            None,
            Some(EmailAddress::parse("jana@example.com").expect("email")),
            None,
            None,
        )
        .expect("requester")
        .into_contact(ContactId::generate(created), created),
        created,
    );
    ticket.department = Some(DepartmentId::parse("support").expect("department"));
    ticket.tags = BTreeSet::from([
        Tag::parse("new-customer").expect("tag"),
        Tag::parse("unscreened").expect("tag"),
    ]);
    let facts = Facts {
        message: Some(MessageFacts {
            body: "Hello,\n\nmy card was charged twice for invoice 2026-131 (EUR 49.00 on 2 and 3 November). \
                   Could you refund the second charge, please? The order number on the receipt is \
                   PO-88213.\n\nThank you,\nJana Novakova"
                .into(),
            sender: Some("jana@example.cz".into()),
            recipients: vec!["support@help.example.com".into()],
            automated: false,
        }),
        language: Some("cs".into()),
        now: at("2026-11-23T09:41:02Z"),
        calendar: BusinessCalendar::default(),
    };
    (ticket, facts)
}

fn bench(c: &mut Criterion) {
    let (ticket, facts) = event();
    let happening = Happening::Created(Channel::Email);
    let agent = AgentId::generate(at("2026-01-05T08:00:00Z"));
    let cases = [
        ("200 rules, none match", rules(false, true), 0),
        ("200 rules, 10% match", rules(true, true), RULES / KINDS),
        ("200 rules, none match, no regex", rules(false, false), 0),
        ("200 rules, 10% match, no regex", rules(true, false), RULES / KINDS),
    ];
    let mut group = c.benchmark_group("rules");
    for (name, rules, fires) in &cases {
        let run = RuleRun {
            rules,
            happening: &happening,
            facts: &facts,
            caused_by: None,
            depth: 0,
            fires_left: MAX_FIRES_PER_TICKET_HOUR,
            only: None,
        };
        // What is measured is what was meant: every rule looked at, the planned ones fired.
        let evaluation = block_on(run.evaluate(&ticket, &mut OneAgent(agent)));
        assert_eq!(evaluation.outcomes.len(), RULES, "{name}");
        assert!(
            evaluation.outcomes.iter().all(|o| o.skipped.is_none()),
            "{name}: a rule was skipped"
        );
        assert_eq!(evaluation.fired().count(), *fires, "{name}");
        assert!(evaluation.cut.is_none(), "{name}");
        group.bench_function(*name, |b| {
            let mut assigner = OneAgent(agent);
            b.iter(|| block_on(run.evaluate(black_box(&ticket), &mut assigner)));
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
