//! Any rule the table may hold, however it got there (saved before today's limits, or written
//! by hand), runs without a panic: evaluation, `next_look` and `first_look` return for every
//! generated rule, ticket and moment. The generator bypasses the save checks on purpose.

use chrono::DateTime;
use proptest::prelude::*;
use serde_json::{Value, json};

use super::*;
use crate::domain::ids::AgentId;
use crate::domain::team::DepartmentId;
use crate::domain::ticket::tests::sample_ticket;
use crate::domain::ticket::{Channel, Status, TicketField};

const FIELD_NAMES: [&str; 24] = [
    "subject",
    "body",
    "sender_email",
    "sender_domain",
    "recipient",
    "language",
    "channel",
    "department",
    "priority",
    "status",
    "type",
    "assignee",
    "support_level",
    "tags",
    "hours_since_created",
    "hours_since_updated",
    "hours_since_resolved",
    "first_response",
    "business_hours",
    "automated",
    "custom.plan",
    "custom.",
    "",
    "no_such_field",
];

const OPS: [Op; 16] = [
    Op::Is,
    Op::IsNot,
    Op::In,
    Op::NotIn,
    Op::Contains,
    Op::NotContains,
    Op::StartsWith,
    Op::Matches,
    Op::Includes,
    Op::Excludes,
    Op::GreaterThan,
    Op::LessThan,
    Op::IsSet,
    Op::IsNotSet,
    Op::IsTrue,
    Op::IsFalse,
];

/// Numbers at and past every edge: huge, tiny, negative, the f64 and i64 extremes.
fn number() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<f64>().prop_filter_map("JSON holds finite numbers", |n| serde_json::Number::from_f64(n)
            .map(Value::Number)),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        prop::sample::select(vec![
            1e300,
            -1e300,
            f64::MAX,
            f64::MIN,
            2.6e9,
            9.3e18,
            MAX_HOURS + 1.0,
            -0.0
        ])
        .prop_map(Value::from),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        number(),
        ".{0,12}".prop_map(Value::from),
        prop::sample::select(vec!["(a+)+$", "[", "x{100000}", "(?=look)", "\\p{L}+", "urgent"]).prop_map(Value::from),
        prop::collection::vec(".{0,6}".prop_map(Value::from), 0..4).prop_map(Value::Array),
    ]
}

/// Conditions of every shape, weighted towards the time thresholds the sweep computes with.
fn condition() -> impl Strategy<Value = Condition> {
    let threshold = (
        prop::sample::select(vec![
            "hours_since_created",
            "hours_since_updated",
            "hours_since_resolved",
        ]),
        prop::sample::select(vec![Op::GreaterThan, Op::LessThan]),
        number(),
    );
    let any_shape = (
        prop::sample::select(FIELD_NAMES.to_vec()),
        prop::sample::select(OPS.to_vec()),
        value(),
    );
    prop_oneof![3 => threshold, 2 => any_shape].prop_map(|(field, op, value)| Condition {
        field: field.to_owned(),
        op,
        value,
    })
}

fn trigger() -> impl Strategy<Value = Trigger> {
    let other = prop::sample::select(vec![
        Trigger::TicketCreated { channels: vec![] },
        Trigger::TicketCreated {
            channels: vec![Channel::Email],
        },
        Trigger::CustomerReplied,
        Trigger::AgentReplied,
        Trigger::FieldChanged {
            field: WatchedField::Status,
        },
        Trigger::SlaWarning,
        Trigger::SlaBreach,
        Trigger::CsatReceived,
    ]);
    prop_oneof![Just(Trigger::Time), other]
}

fn action() -> impl Strategy<Value = RuleAction> {
    let as_json = prop::sample::select(vec![
        json!({"do": "set_department", "department": "billing"}),
        json!({"do": "assign", "strategy": "round_robin"}),
        json!({"do": "assign", "strategy": "least_loaded"}),
        json!({"do": "assign", "strategy": "agent"}),
        json!({"do": "set_priority", "priority": "urgent"}),
        json!({"do": "set_status", "status": "closed"}),
        json!({"do": "set_status", "status": "new"}),
        json!({"do": "set_status", "status": "resolved"}),
        json!({"do": "set_type", "type": "incident"}),
        json!({"do": "set_support_level", "level": "L3"}),
        json!({"do": "add_tags", "tags": ["vip", "auto-generated"]}),
        json!({"do": "remove_tags", "tags": ["vip"]}),
        json!({"do": "mark_spam"}),
        json!({"do": "add_note", "body": ""}),
        json!({"do": "send_email", "template": "urgent_ticket", "to": "address"}),
        json!({"do": "escalate"}),
        json!({"do": "webhook", "url": "http://[::1", "secret": ""}),
    ]);
    as_json.prop_filter_map("a stored action", |v| serde_json::from_value(v).ok())
}

fn rule() -> impl Strategy<Value = Rule> {
    (
        any::<u32>(),
        any::<bool>(),
        any::<bool>(),
        prop::collection::vec(trigger(), 0..4),
        prop::collection::vec(condition(), 0..4),
        prop::collection::vec(condition(), 0..3),
        prop::collection::vec(action(), 0..4),
    )
        .prop_map(|(position, enabled, stop, triggers, all, any, actions)| {
            let now = Timestamp::parse("2026-11-23T09:00:00Z").unwrap();
            Rule {
                id: RuleId::generate(now),
                name: "generated".into(),
                enabled,
                position,
                triggers,
                conditions: Conditions { all, any },
                actions,
                stop,
                created_at: now,
                updated_at: now,
            }
        })
}

/// A moment anywhere from 1970 to the year 9999.
fn moment() -> impl Strategy<Value = Timestamp> {
    (0i64..253_402_300_799_000).prop_map(|ms| Timestamp::new(DateTime::from_timestamp_millis(ms).unwrap()))
}

fn happening() -> impl Strategy<Value = Happening> {
    prop::sample::select(vec![
        Happening::Created(Channel::Email),
        Happening::CustomerReplied,
        Happening::AgentReplied,
        Happening::Changed(vec![TicketField::Status]),
        Happening::SlaWarning,
        Happening::SlaBreach,
        Happening::CsatReceived,
        Happening::Time,
    ])
}

struct Anyone;

impl Assigner for Anyone {
    async fn pick(&mut self, _: AssignStrategy, _: Option<&DepartmentId>) -> Option<AgentId> {
        Some(AgentId::generate(Timestamp::parse("2026-11-23T09:00:00Z").unwrap()))
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn no_stored_rule_panics_evaluation_or_the_time_sweep(
        rules in prop::collection::vec(rule(), 1..4),
        status in prop::sample::select(Status::ALL.to_vec()),
        created in moment(),
        resolved in proptest::option::of(moment()),
        now in moment(),
        happening in happening(),
        automated in any::<bool>(),
    ) {
        let mut ticket = sample_ticket();
        ticket.status = status;
        ticket.created_at = created;
        ticket.updated_at = created;
        ticket.resolved_at = resolved;
        let facts = Facts {
            message: Some(MessageFacts {
                body: "hello".into(),
                sender: Some("q@example.cz".into()),
                recipients: vec!["support@help.example.com".into()],
                automated,
            }),
            language: None,
            now,
            calendar: BusinessCalendar::default(),
        };
        let run = RuleRun {
            rules: &rules,
            happening: &happening,
            facts: &facts,
            caused_by: None,
            depth: 0,
            fires_left: MAX_FIRES_PER_TICKET_HOUR,
            only: None,
        };
        let evaluation = futures::executor::block_on(run.evaluate(&ticket, &mut Anyone));
        prop_assert!(evaluation.outcomes.len() <= rules.len());
        let next = next_look(&rules, &ticket, now);
        prop_assert!(next.is_none_or(|at| at > now));
        let first = first_look(&rules, &ticket, now);
        prop_assert!(first.is_none_or(|at| at >= now));
    }
}
