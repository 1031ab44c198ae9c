//! The SLA clocks as tickets change, on the default calendar (Mon–Fri 09:00–17:00 UTC).
//! 2026-12-04 is a Friday, 2026-12-07 the Monday after.

use super::*;
use crate::domain::contact::{Contact, EmailAddress, RequesterDetails};
use crate::domain::ids::{ContactId, TicketNumber};
use crate::domain::ticket::{Channel, Priority};

fn at(text: &str) -> Timestamp {
    Timestamp::parse(text).unwrap()
}

fn policy(name: &str, position: u32, json: serde_json::Value) -> SlaPolicy {
    let mut draft = serde_json::json!({"name": name, "position": position});
    draft.as_object_mut().unwrap().extend(json.as_object().unwrap().clone());
    let draft: SlaPolicyDraft = serde_json::from_value(draft).unwrap();
    draft.check().unwrap();
    let now = at("2026-12-01T00:00:00Z");
    SlaPolicy::from_draft(SlaPolicyId::generate(now), draft, now, now)
}

/// Urgent: first response 60, next response 30, resolution 240 business minutes; normal:
/// first response 240.
fn book() -> SlaBook {
    let targets = serde_json::json!({"targets": {
        "urgent": {"first_response": 60, "next_response": 30, "resolution": 240},
        "normal": {"first_response": 240}
    }});
    SlaBook::new(vec![(policy("Standard", 10, targets), SlaCalendar::default())])
}

fn ticket(priority: Priority, created: &str) -> Ticket {
    let created = at(created);
    let mut ticket = Ticket::new(
        TicketNumber::new(1),
        "Till is down".into(),
        Channel::Email,
        &requester(created),
        created,
    );
    ticket.priority = priority;
    ticket
}

fn requester(at: Timestamp) -> Contact {
    RequesterDetails::new(None, Some(EmailAddress::parse("jana@example.com").unwrap()), None, None)
        .unwrap()
        .into_contact(ContactId::generate(at), at)
}

fn settle_at(ticket: &mut Ticket, when: &str, answered: Answered, book: &SlaBook) -> Vec<SlaNotice> {
    settle(ticket, answered, at(when), book)
}

const QUIET: Answered = Answered {
    agent_replied: false,
    customer_wrote: false,
};
const REPLY: Answered = Answered {
    agent_replied: true,
    customer_wrote: false,
};

fn clock(ticket: &Ticket, target: SlaTarget) -> &SlaClock {
    ticket.sla.as_ref().unwrap().clock(target).unwrap()
}

#[test]
fn a_friday_afternoon_ticket_is_due_on_monday_morning_and_breaches_once() {
    let book = book();
    let mut t = ticket(Priority::Urgent, "2026-12-04T16:30:00Z");
    let notices = settle_at(&mut t, "2026-12-04T16:30:00Z", QUIET, &book);
    assert_eq!(
        notices,
        vec![SlaNotice::Applied {
            from: None,
            to: Some("Standard".into())
        }]
    );
    let first = clock(&t, SlaTarget::FirstResponse);
    assert_eq!(first.due_at, Some(at("2026-12-07T09:30:00Z")));
    // 80% of 60 minutes: 30 on Friday, 18 on Monday.
    assert_eq!(first.warn_at, Some(at("2026-12-07T09:18:00Z")));
    assert_eq!(
        clock(&t, SlaTarget::Resolution).due_at,
        Some(at("2026-12-07T12:30:00Z"))
    );
    assert_eq!(t.sla.as_ref().unwrap().next_flag_at(), Some(at("2026-12-07T09:18:00Z")));
    assert!(t.sla.as_ref().unwrap().clock(SlaTarget::NextResponse).is_none());

    // Nothing is due over the weekend.
    assert_eq!(settle_at(&mut t, "2026-12-06T12:00:00Z", QUIET, &book), vec![]);
    // Looked at only once it is past due: the breach swallows the warning not yet given.
    assert_eq!(
        settle_at(&mut t, "2026-12-07T09:31:00Z", QUIET, &book),
        vec![SlaNotice::Breached(SlaTarget::FirstResponse)]
    );
    let first = clock(&t, SlaTarget::FirstResponse);
    assert_eq!(
        (first.state, first.breached_at),
        (ClockState::Breached, Some(at("2026-12-07T09:30:00Z")))
    );
    assert_eq!(settle_at(&mut t, "2026-12-07T09:32:00Z", QUIET, &book), vec![]);
    // The next look is the resolution clock's warning.
    assert_eq!(t.sla.as_ref().unwrap().next_flag_at(), Some(at("2026-12-07T11:42:00Z")));
    assert_eq!(t.sla.as_ref().unwrap().state(), ClockState::Breached);
}

#[test]
fn a_clock_warns_at_its_point_then_breaches() {
    let book = book();
    let mut t = ticket(Priority::Urgent, "2026-12-07T09:00:00Z");
    settle_at(&mut t, "2026-12-07T09:00:00Z", QUIET, &book);
    assert_eq!(settle_at(&mut t, "2026-12-07T09:47:00Z", QUIET, &book), vec![]);
    assert_eq!(
        settle_at(&mut t, "2026-12-07T09:48:00Z", QUIET, &book),
        vec![SlaNotice::Warning(SlaTarget::FirstResponse)]
    );
    assert_eq!(t.sla.as_ref().unwrap().state(), ClockState::Warning);
    assert_eq!(settle_at(&mut t, "2026-12-07T09:59:00Z", QUIET, &book), vec![]);
    assert_eq!(
        settle_at(&mut t, "2026-12-07T10:00:00Z", QUIET, &book),
        vec![SlaNotice::Breached(SlaTarget::FirstResponse)]
    );
}

#[test]
fn a_reply_in_time_meets_the_clock_and_a_late_one_marks_the_breach_at_once() {
    let book = book();
    let mut on_time = ticket(Priority::Urgent, "2026-12-07T09:00:00Z");
    settle_at(&mut on_time, "2026-12-07T09:00:00Z", QUIET, &book);
    on_time.first_response_at = Some(at("2026-12-07T09:40:00Z"));
    assert_eq!(settle_at(&mut on_time, "2026-12-07T09:40:00Z", REPLY, &book), vec![]);
    let first = clock(&on_time, SlaTarget::FirstResponse);
    assert_eq!(
        (first.state, first.met_at),
        (ClockState::Met, Some(at("2026-12-07T09:40:00Z")))
    );
    assert_eq!(first.next_flag_at(), None);

    let mut late = ticket(Priority::Urgent, "2026-12-07T09:00:00Z");
    settle_at(&mut late, "2026-12-07T09:00:00Z", QUIET, &book);
    late.first_response_at = Some(at("2026-12-07T10:05:00Z"));
    assert_eq!(
        settle_at(&mut late, "2026-12-07T10:05:00Z", REPLY, &book),
        vec![SlaNotice::Breached(SlaTarget::FirstResponse)]
    );
    let first = clock(&late, SlaTarget::FirstResponse);
    assert_eq!(first.state, ClockState::Breached);
    assert_eq!(first.met_at, Some(at("2026-12-07T10:05:00Z")));
}

#[test]
fn waiting_on_the_customer_pauses_the_clocks_and_an_answer_resumes_them() {
    let book = book();
    let mut t = ticket(Priority::Urgent, "2026-12-07T09:00:00Z");
    settle_at(&mut t, "2026-12-07T09:00:00Z", QUIET, &book);
    // The agent answers at 09:20 and waits for the customer.
    t.first_response_at = Some(at("2026-12-07T09:20:00Z"));
    t.status = Status::Pending;
    settle_at(&mut t, "2026-12-07T09:20:00Z", REPLY, &book);
    let resolution = clock(&t, SlaTarget::Resolution);
    assert_eq!(
        (resolution.state, resolution.used_seconds, resolution.due_at),
        (ClockState::Paused, 20 * 60, None)
    );
    assert_eq!(t.sla.as_ref().unwrap().next_flag_at(), None);
    // Paused across the night: nothing comes due.
    assert_eq!(settle_at(&mut t, "2026-12-08T16:00:00Z", QUIET, &book), vec![]);
    // The customer writes on Tuesday at 10:00: the resolution clock runs again with 220
    // minutes left, and the next response is due in 30.
    t.status = Status::Open;
    let customer = Answered {
        agent_replied: false,
        customer_wrote: true,
    };
    settle_at(&mut t, "2026-12-08T10:00:00Z", customer, &book);
    assert_eq!(
        clock(&t, SlaTarget::Resolution).due_at,
        Some(at("2026-12-08T13:40:00Z"))
    );
    assert_eq!(
        clock(&t, SlaTarget::NextResponse).due_at,
        Some(at("2026-12-08T10:30:00Z"))
    );
    // The reply meets the next response; resolving meets the resolution.
    settle_at(&mut t, "2026-12-08T10:10:00Z", REPLY, &book);
    assert_eq!(clock(&t, SlaTarget::NextResponse).state, ClockState::Met);
    t.status = Status::Resolved;
    settle_at(&mut t, "2026-12-08T11:00:00Z", QUIET, &book);
    assert_eq!(t.sla.as_ref().unwrap().state(), ClockState::Met);
    // Reopened: the resolution clock resumes where it stopped (20 + 60 minutes used).
    t.status = Status::Open;
    settle_at(&mut t, "2026-12-08T14:00:00Z", QUIET, &book);
    let resolution = clock(&t, SlaTarget::Resolution);
    assert_eq!(resolution.state, ClockState::Running);
    assert_eq!(resolution.due_at, Some(at("2026-12-08T16:40:00Z")));
}

#[test]
fn a_priority_change_re_targets_the_clocks_from_the_creation() {
    let book = book();
    let mut t = ticket(Priority::Normal, "2026-12-07T09:00:00Z");
    settle_at(&mut t, "2026-12-07T09:00:00Z", QUIET, &book);
    assert_eq!(
        clock(&t, SlaTarget::FirstResponse).due_at,
        Some(at("2026-12-07T13:00:00Z"))
    );
    assert!(t.sla.as_ref().unwrap().clock(SlaTarget::Resolution).is_none());
    t.priority = Priority::Urgent;
    let notices = settle_at(&mut t, "2026-12-07T09:30:00Z", QUIET, &book);
    assert_eq!(
        notices,
        vec![SlaNotice::Applied {
            from: Some("Standard".into()),
            to: Some("Standard".into())
        }]
    );
    assert_eq!(
        clock(&t, SlaTarget::FirstResponse).due_at,
        Some(at("2026-12-07T10:00:00Z"))
    );
    assert_eq!(
        clock(&t, SlaTarget::Resolution).due_at,
        Some(at("2026-12-07T13:00:00Z"))
    );
    // Unchanged again: nothing to say.
    assert_eq!(settle_at(&mut t, "2026-12-07T09:31:00Z", QUIET, &book), vec![]);
}

#[test]
fn the_first_matching_policy_applies_and_spam_is_not_measured() {
    let vip = policy(
        "VIP",
        1,
        serde_json::json!({"conditions": {"tags": ["vip"]}, "targets": {"normal": {"first_response": 30}}, "business_time": false}),
    );
    let mut policies = vec![(vip, SlaCalendar::default())];
    policies.extend(book().policies);
    let book = SlaBook::new(policies);
    let mut t = ticket(Priority::Normal, "2026-12-05T10:00:00Z");
    t.tags.insert(crate::domain::ticket::Tag::parse("vip").unwrap());
    settle_at(&mut t, "2026-12-05T10:00:00Z", QUIET, &book);
    assert_eq!(t.sla.as_ref().unwrap().policy_name, "VIP");
    // Calendar minutes: a Saturday counts.
    assert_eq!(
        clock(&t, SlaTarget::FirstResponse).due_at,
        Some(at("2026-12-05T10:30:00Z"))
    );
    t.status = Status::Spam;
    assert_eq!(
        settle_at(&mut t, "2026-12-05T10:05:00Z", QUIET, &book),
        vec![SlaNotice::Applied {
            from: Some("VIP".into()),
            to: None
        }]
    );
    assert_eq!(t.sla, None);
}

#[test]
fn no_policy_no_sla() {
    let mut t = ticket(Priority::Urgent, "2026-12-07T09:00:00Z");
    assert_eq!(
        settle_at(&mut t, "2026-12-07T09:00:00Z", QUIET, &SlaBook::empty()),
        vec![]
    );
    assert_eq!(t.sla, None);
}

#[test]
fn a_clock_stands_with_the_business_time_it_has_left() {
    let book = book();
    // Urgent on Friday 16:30 UTC: first response due Monday 09:30, 60 business minutes.
    let mut t = ticket(Priority::Urgent, "2026-12-04T16:30:00Z");
    settle_at(&mut t, "2026-12-04T16:30:00Z", QUIET, &book);
    let sla = t.sla.clone().unwrap();
    let calendar = SlaCalendar::default();
    let first = |at_text: &str| {
        sla.standing(at(at_text), &calendar)
            .into_iter()
            .find(|s| s.target == SlaTarget::FirstResponse)
            .unwrap()
    };
    // Over the weekend no business time passes: 30 minutes were used on Friday.
    let saturday = first("2026-12-05T12:00:00Z");
    assert_eq!(
        (saturday.state, saturday.seconds_left),
        (ClockState::Running, Some(30 * 60))
    );
    assert_eq!(saturday.due_at, Some(at("2026-12-07T09:30:00Z")));
    // Past the 80% point (48 minutes) it reads as a warning before any sweep flagged it.
    assert_eq!(first("2026-12-07T09:20:00Z").state, ClockState::Warning);
    // Past the due time, breached, with the overrun below zero.
    let late = first("2026-12-07T09:45:00Z");
    assert_eq!((late.state, late.seconds_left), (ClockState::Breached, Some(-15 * 60)));
    // Met: nothing left to count.
    settle_at(&mut t, "2026-12-07T09:10:00Z", REPLY, &book);
    let met = t.sla.unwrap().standing(at("2026-12-07T10:00:00Z"), &calendar);
    let met = met.iter().find(|s| s.target == SlaTarget::FirstResponse).unwrap();
    assert_eq!((met.state, met.seconds_left), (ClockState::Met, None));
}
