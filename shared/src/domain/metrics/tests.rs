use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde_json::{Value, json};

use super::figures::{self, HourRow, by_day, hour_range, totals};
use super::histogram::{bucket_of, bucket_span, exact_quantile};
use super::*;
use crate::domain::audit::Actor;
use crate::domain::events::{ClockFacts, TicketFacts};
use crate::domain::ids::{AgentId, EventId, TicketId, TicketNumber};
use crate::domain::sla::ClockState;
use crate::domain::team::DepartmentId;
use crate::domain::ticket::{Channel, FieldChange, Priority};

fn at(text: &str) -> Timestamp {
    Timestamp::parse(text).unwrap()
}

fn facts(created: &str) -> TicketFacts {
    TicketFacts {
        status: Status::Open,
        priority: Priority::High,
        channel: Channel::Email,
        department: Some(DepartmentId::parse("support").unwrap()),
        assignee: None,
        created_at: at(created),
        first_response_at: None,
        sla: vec![],
    }
}

fn event(event_type: EventType, when: &str, facts: TicketFacts, changes: Vec<FieldChange>) -> TicketEvent {
    TicketEvent {
        version: 1,
        id: EventId::generate(at(when)),
        event_type,
        ticket_id: TicketId::generate(at(when)),
        ticket_number: TicketNumber::new(1001),
        actor: Actor::System { cause: "test".into() },
        at: at(when),
        changes,
        message_id: None,
        related: None,
        ticket: Some(facts),
    }
}

fn status(from: Status, to: Status) -> FieldChange {
    FieldChange::new(TicketField::Status, from, to)
}

fn tally(e: &TicketEvent, replies: Option<u32>) -> Tally {
    contribution(e, replies).map(|c| c.tally).unwrap_or_default()
}

#[test]
fn a_new_ticket_is_created_and_joins_the_backlog_in_its_groups_and_hour() {
    let e = event(
        EventType::TicketCreated,
        "2026-12-01T09:15:00Z",
        facts("2026-12-01T09:15:00Z"),
        vec![],
    );
    let c = contribution(&e, None).unwrap();
    assert_eq!(c.hour, "2026-12-01T09");
    assert_eq!(c.tally.get(Counter::Created), 1);
    assert_eq!(c.tally.get(Counter::BacklogDelta), 1);
    let values: Vec<String> = c
        .groups
        .iter()
        .map(|g| format!("{}={}", g.dimension.as_str(), g.value))
        .collect();
    assert_eq!(
        values,
        [
            "all=all",
            "department=support",
            "channel=email",
            "priority=high",
            "agent=none"
        ]
    );
}

#[test]
fn a_solve_counts_resolution_time_first_contact_and_the_sla_clocks() {
    let mut f = facts("2026-12-01T09:00:00Z");
    f.status = Status::Resolved;
    f.sla = vec![
        ClockFacts {
            target: SlaTarget::FirstResponse,
            business_time: true,
            used_seconds: 1200,
            state: ClockState::Met,
            met_at: Some(at("2026-12-01T09:20:00Z")),
            breached_at: None,
        },
        ClockFacts {
            target: SlaTarget::Resolution,
            business_time: true,
            used_seconds: 7200,
            state: ClockState::Breached,
            met_at: Some(at("2026-12-01T13:00:00Z")),
            breached_at: Some(at("2026-12-01T12:00:00Z")),
        },
    ];
    let e = event(
        EventType::TicketUpdated,
        "2026-12-01T13:00:00Z",
        f,
        vec![status(Status::Open, Status::Resolved)],
    );
    assert!(needs_reply_count(&e));
    let t = tally(&e, Some(1));
    assert_eq!(t.get(Counter::Solved), 1);
    assert_eq!(t.get(Counter::BacklogDelta), -1);
    assert_eq!(t.get(Counter::Fcr), 1);
    assert_eq!(t.get(Counter::SolvedReplies), 1);
    assert_eq!(t.get(Counter::SlaFirstResponseMet), 1);
    assert_eq!(t.get(Counter::SlaResolutionBreached), 1);
    assert_eq!(t.get(Counter::SlaResolutionMet), 0);
    assert_eq!(t.latency(Latency::Resolution), &Histogram::of([4 * 3600]));
    assert_eq!(t.latency(Latency::ResolutionBusiness), &Histogram::of([7200]));
    // Two replies: solved, but not at first contact.
    assert_eq!(tally(&e, Some(2)).get(Counter::Fcr), 0);
    assert_eq!(tally(&e, Some(2)).get(Counter::SolvedReplies), 2);
}

#[test]
fn closing_a_resolved_ticket_is_not_a_second_solve() {
    let e = event(
        EventType::TicketUpdated,
        "2026-12-02T09:00:00Z",
        facts("2026-12-01T09:00:00Z"),
        vec![status(Status::Resolved, Status::Closed)],
    );
    assert!(!needs_reply_count(&e));
    assert_eq!(contribution(&e, None), None);
}

#[test]
fn a_reopen_returns_to_the_backlog_and_spam_leaves_it_unsolved() {
    let reopen = event(
        EventType::CustomerReplied,
        "2026-12-02T09:00:00Z",
        facts("2026-12-01T09:00:00Z"),
        vec![status(Status::Resolved, Status::Open)],
    );
    let t = tally(&reopen, None);
    assert_eq!((t.get(Counter::Reopened), t.get(Counter::BacklogDelta)), (1, 1));
    let spam = event(
        EventType::TicketUpdated,
        "2026-12-02T09:00:00Z",
        facts("2026-12-01T09:00:00Z"),
        vec![status(Status::New, Status::Spam)],
    );
    let t = tally(&spam, None);
    assert_eq!((t.get(Counter::Solved), t.get(Counter::BacklogDelta)), (0, -1));
    let not_spam = event(
        EventType::TicketUpdated,
        "2026-12-02T09:00:00Z",
        facts("2026-12-01T09:00:00Z"),
        vec![status(Status::Spam, Status::Open)],
    );
    let t = tally(&not_spam, None);
    assert_eq!((t.get(Counter::Reopened), t.get(Counter::BacklogDelta)), (0, 1));
}

#[test]
fn a_ticket_merged_away_leaves_the_backlog_unsolved() {
    let e = event(
        EventType::TicketMergedInto,
        "2026-12-02T09:00:00Z",
        facts("2026-12-01T09:00:00Z"),
        vec![status(Status::Open, Status::Closed)],
    );
    assert!(!needs_reply_count(&e));
    let t = tally(&e, None);
    assert_eq!((t.get(Counter::Solved), t.get(Counter::BacklogDelta)), (0, -1));
}

#[test]
fn only_the_reply_that_made_the_first_response_times_it() {
    let mut f = facts("2026-12-01T09:00:00Z");
    f.first_response_at = Some(at("2026-12-01T09:30:00Z"));
    f.sla = vec![ClockFacts {
        target: SlaTarget::FirstResponse,
        business_time: false,
        used_seconds: 1800,
        state: ClockState::Met,
        met_at: Some(at("2026-12-01T09:30:00Z")),
        breached_at: None,
    }];
    let first = event(EventType::AgentReplied, "2026-12-01T09:30:00Z", f.clone(), vec![]);
    let t = tally(&first, None);
    assert_eq!(t.get(Counter::Replies), 1);
    assert_eq!(t.latency(Latency::FirstResponse), &Histogram::of([1800]));
    // Calendar-time policies give no business figure.
    assert!(t.latency(Latency::FirstResponseBusiness).is_empty());
    let second = event(EventType::AgentReplied, "2026-12-01T11:00:00Z", f, vec![]);
    let t = tally(&second, None);
    assert_eq!(t.get(Counter::Replies), 1);
    assert!(t.latency(Latency::FirstResponse).is_empty());
}

#[test]
fn a_transfer_is_a_move_between_departments_not_a_first_routing() {
    let moved = |from: Value| {
        let change = FieldChange {
            field: TicketField::Department,
            from,
            to: json!("billing"),
        };
        tally(
            &event(
                EventType::TicketUpdated,
                "2026-12-01T10:00:00Z",
                facts("2026-12-01T09:00:00Z"),
                vec![change],
            ),
            None,
        )
        .get(Counter::Transfers)
    };
    assert_eq!(moved(json!("support")), 1);
    assert_eq!(moved(Value::Null), 0);
}

#[test]
fn a_new_rating_replaces_the_old_one_for_the_agent_who_solved() {
    let agent = AgentId::generate(at("2026-12-01T09:00:00Z"));
    let change = FieldChange {
        field: TicketField::Satisfaction,
        from: json!({"rating": "bad", "at": "2026-12-02T09:00:00Z", "ratings": 1}),
        to: json!({"rating": "good", "at": "2026-12-03T09:00:00Z", "ratings": 2, "agent": agent.to_string()}),
    };
    let e = event(
        EventType::CsatReceived,
        "2026-12-03T09:00:00Z",
        facts("2026-12-01T09:00:00Z"),
        vec![change],
    );
    let c = contribution(&e, None).unwrap();
    assert_eq!((c.tally.get(Counter::CsatGood), c.tally.get(Counter::CsatBad)), (1, -1));
    assert!(c.groups.contains(&Group::new(Dimension::Agent, agent.to_string())));
    assert!(!c.groups.contains(&Group::new(Dimension::Agent, NONE)));
}

#[test]
fn events_without_the_ticket_add_nothing() {
    let mut e = event(
        EventType::TicketCreated,
        "2026-12-01T09:00:00Z",
        facts("2026-12-01T09:00:00Z"),
        vec![],
    );
    e.ticket = None;
    assert_eq!(contribution(&e, None), None);
    let note = event(
        EventType::NoteAdded,
        "2026-12-01T09:00:00Z",
        facts("2026-12-01T09:00:00Z"),
        vec![],
    );
    assert_eq!(contribution(&note, None), None);
}

#[test]
fn dimensions_read_back_by_name() {
    for d in Dimension::ALL {
        assert_eq!(Dimension::parse(d.as_str()), Some(d));
    }
    assert_eq!(Dimension::parse("planet"), None);
}

fn row(hour: &str, group: &str, counter: Counter, by: i64) -> HourRow {
    let mut tally = Tally::default();
    tally.bump(counter, by);
    HourRow {
        hour: hour.into(),
        group: group.into(),
        tally,
    }
}

#[test]
fn hours_fold_into_the_days_of_the_time_zone_asked_for() {
    let prague: chrono_tz::Tz = "Europe/Prague".parse().unwrap();
    let day = |d: &str| NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap();
    // 23:xx UTC on 1 December is already 2 December in Prague.
    let rows = vec![
        row("2026-12-01T10", "all", Counter::Created, 1),
        row("2026-12-01T23", "all", Counter::Created, 1),
    ];
    let utc = by_day(
        &rows,
        &BTreeMap::new(),
        day("2026-12-01"),
        day("2026-12-02"),
        chrono_tz::UTC,
    );
    let local = by_day(&rows, &BTreeMap::new(), day("2026-12-01"), day("2026-12-02"), prague);
    let created = |days: &[figures::DayFigures]| days.iter().map(|d| d.tally.get(Counter::Created)).collect::<Vec<_>>();
    assert_eq!(created(&utc), [2, 0]);
    assert_eq!(created(&local), [1, 1]);
    assert_eq!(
        hour_range(day("2026-12-01"), day("2026-12-02"), prague),
        ("2026-11-30T23".to_owned(), "2026-12-02T22".to_owned())
    );
}

#[test]
fn the_backlog_at_each_day_s_end_is_now_s_less_what_changed_since() {
    let day = |d: &str| NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap();
    let rows = vec![
        row("2026-12-01T09", "all", Counter::BacklogDelta, 3),
        row("2026-12-02T09", "all", Counter::BacklogDelta, -1),
        row("2026-12-04T09", "all", Counter::BacklogDelta, 2),
    ];
    // Now (after the 4th) 7 are open: 3 were open before the 1st.
    let now = BTreeMap::from([("all".to_owned(), 7)]);
    let days = by_day(&rows, &now, day("2026-12-01"), day("2026-12-03"), chrono_tz::UTC);
    let backlog: Vec<i64> = days.iter().map(|d| d.backlog).collect();
    assert_eq!(backlog, [6, 5, 5]);
    let total = totals(&days);
    assert_eq!(total.len(), 1);
    assert_eq!(total[0].backlog, 5);
}

/// The check: percentiles read from the aggregates against exact figures from the
/// seeded tickets' own durations, and counts by hand.
#[test]
fn figures_from_aggregates_match_exact_figures_from_the_tickets() {
    let start = at("2026-12-01T08:00:00Z").as_datetime();
    let mut first_responses = vec![];
    let mut resolutions = vec![];
    let mut rows = vec![];
    for i in 0..97_i64 {
        let created = start + chrono::Duration::minutes(i * 37);
        let response = 60 + (i * i * 131) % 20_000;
        let resolution = response + (i * 7919) % 300_000;
        first_responses.push(response);
        resolutions.push(resolution);
        let mut f = facts(&created.to_rfc3339());
        let replied = created + chrono::Duration::seconds(response);
        f.first_response_at = Some(Timestamp::new(replied));
        let solved = created + chrono::Duration::seconds(resolution);
        let events = [
            event(EventType::TicketCreated, &created.to_rfc3339(), f.clone(), vec![]),
            event(EventType::AgentReplied, &replied.to_rfc3339(), f.clone(), vec![]),
            event(
                EventType::TicketUpdated,
                &solved.to_rfc3339(),
                f,
                vec![status(Status::Open, Status::Resolved)],
            ),
        ];
        for e in &events {
            let c = contribution(e, Some(if i % 3 == 0 { 1 } else { 2 })).unwrap();
            rows.push(HourRow {
                hour: c.hour,
                group: "all".into(),
                tally: c.tally,
            });
        }
    }
    let day = |d: &str| NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap();
    let days = by_day(
        &rows,
        &BTreeMap::new(),
        day("2026-12-01"),
        day("2026-12-31"),
        chrono_tz::UTC,
    );
    let total = &totals(&days)[0];
    assert_eq!(total.figure("created"), json!(97));
    assert_eq!(total.figure("solved"), json!(97));
    assert_eq!(total.figure("replies"), json!(97));
    assert_eq!(total.figure("fcr"), json!(33));
    assert_eq!(total.figure("backlog"), json!(0));
    for (name, samples) in [("first_response", &first_responses), ("resolution", &resolutions)] {
        for (suffix, q) in [("p50_s", 0.5), ("p90_s", 0.9)] {
            let exact = exact_quantile(samples, q).unwrap();
            let estimate = total.figure(&format!("{name}_{suffix}")).as_i64().unwrap();
            let (lower, upper) = bucket_span(bucket_of(exact));
            assert!(
                estimate >= lower && upper.is_none_or(|u| estimate <= u),
                "{name} {suffix}: exact {exact}, from the aggregates {estimate}"
            );
        }
    }
}

#[test]
fn the_csv_has_a_header_and_a_row_per_day_and_group() {
    let day = |d: &str| NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap();
    let rows = vec![
        row("2026-12-01T09", "billing", Counter::Created, 2),
        row("2026-12-01T09", "=cmd", Counter::Created, 1),
    ];
    let days = by_day(
        &rows,
        &BTreeMap::new(),
        day("2026-12-01"),
        day("2026-12-01"),
        chrono_tz::UTC,
    );
    let csv = figures::to_csv(&days);
    let lines: Vec<&str> = csv.split("\r\n").collect();
    assert!(lines[0].starts_with("day,group,created,solved,reopened,backlog,"));
    assert_eq!(lines[0].split(',').count(), 2 + figures::COLUMNS.len());
    assert!(lines[1].starts_with("2026-12-01,'=cmd,1,0,0,"));
    assert!(lines[2].starts_with("2026-12-01,billing,2,0,0,"));
    assert_eq!(lines[3], "");
}
