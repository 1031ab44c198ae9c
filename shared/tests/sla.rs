//! SLA against DynamoDB Local: policies saved through the desk, clocks kept by every ticket
//! change, the sweep flagging each breach once, and the queue sorted and filtered by SLA.
//! 2026-12-04 is a Friday; the default calendar is Mon–Fri 09:00–17:00 UTC.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use shared::adapters::dynamodb::DynamoStore;
use shared::domain::calendar::{CalendarDraft, CalendarId};
use shared::domain::sla::{ClockState, SlaPolicyDraft, SlaTarget};
use shared::domain::{
    AuditEvent, Channel, Clock, ContactGroup, DomainError, EmailAddress, EventType, Precondition, Principal, Priority,
    RequesterDetails, Role, Status, SupportLevel, Ticket, TicketField, TicketPatch, TicketRef, Timestamp,
};
use shared::ports::{PageRequest, SlaStore, TicketQuery, TicketSort, TicketStore};
use shared::usecases::desk::{ContactPatch, DeskError, NewTicket, TicketDesk};
use shared::usecases::reactor::sweep::SweepLimits;
use shared::usecases::sla_sweep::sweep_sla;

#[derive(Clone)]
struct Hands(Arc<Mutex<Timestamp>>);

impl Hands {
    fn at(text: &str) -> Self {
        Self(Arc::new(Mutex::new(at(text))))
    }
    fn set(&self, text: &str) {
        *self.0.lock().unwrap() = at(text);
    }
}

impl Clock for Hands {
    fn now(&self) -> Timestamp {
        *self.0.lock().unwrap()
    }
}

fn at(text: &str) -> Timestamp {
    Timestamp::parse(text).unwrap()
}

fn staff(role: Role) -> Principal {
    Principal {
        subject: format!("{role:?}-1"),
        email: None,
        role,
        departments: BTreeSet::new(),
    }
}

const LIMITS: SweepLimits = SweepLimits {
    page: 2,
    budget: std::time::Duration::from_secs(60),
};

struct Desk {
    desk: TicketDesk<DynamoStore, Hands>,
    store: DynamoStore,
    hands: Hands,
}

async fn desk(now: &str) -> Desk {
    let sdk = test_support::local_sdk().await;
    let table = test_support::fresh_table(&sdk).await;
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&sdk), table);
    let hands = Hands::at(now);
    Desk {
        desk: TicketDesk::new(store.clone(), hands.clone()),
        store,
        hands,
    }
}

fn urgent_policy() -> SlaPolicyDraft {
    serde_json::from_value(serde_json::json!({
        "name": "Urgent",
        "position": 10,
        "conditions": {"priorities": ["urgent"]},
        "targets": {"urgent": {"first_response": 60, "resolution": 480}}
    }))
    .unwrap()
}

async fn open(d: &Desk, subject: &str, priority: Priority) -> Ticket {
    let new = NewTicket {
        subject: subject.into(),
        body: "The till does not start.".into(),
        requester: RequesterDetails::new(None, Some(EmailAddress::parse("jana@example.cz").unwrap()), None, None)
            .unwrap(),
        channel: Channel::Api,
        priority,
        ticket_type: None,
        department: None,
        assignee: None,
        support_level: SupportLevel::L1,
        tags: BTreeSet::new(),
        custom_fields: Default::default(),
        cc: vec![],
    };
    d.desk.create_ticket(&staff(Role::Admin), new).await.unwrap().0
}

async fn events(d: &Desk, ticket: &Ticket, kind: EventType) -> Vec<AuditEvent> {
    let page = PageRequest {
        limit: 100,
        cursor: None,
    };
    let all = d.store.list_events(ticket.id, &page).await.unwrap().items;
    all.into_iter().filter(|e| e.event_type == kind).collect()
}

fn query(sort: TicketSort, sla: Option<ClockState>) -> TicketQuery {
    TicketQuery {
        sort,
        sla,
        limit: 50,
        ..Default::default()
    }
}

#[tokio::test]
async fn only_managers_write_policies_and_a_bad_one_names_its_field() {
    let d = desk("2026-12-04T10:00:00Z").await;
    let refused = d
        .desk
        .create_sla_policy(&staff(Role::Agent), urgent_policy())
        .await
        .unwrap_err();
    assert!(matches!(refused, DeskError::Domain(_)), "{refused:?}");
    let mut bad = urgent_policy();
    bad.targets.urgent.first_response = Some(0);
    let invalid = d.desk.create_sla_policy(&staff(Role::Manager), bad).await.unwrap_err();
    assert!(
        invalid.to_string().contains("targets.urgent.first_response"),
        "{invalid}"
    );

    let saved = d
        .desk
        .create_sla_policy(&staff(Role::Manager), urgent_policy())
        .await
        .unwrap();
    assert_eq!(d.desk.list_sla_policies().await.unwrap(), vec![saved.clone()]);
    let mut renamed = urgent_policy();
    renamed.name = "Urgent tickets".into();
    let replaced = d
        .desk
        .replace_sla_policy(&staff(Role::Admin), saved.id, renamed)
        .await
        .unwrap();
    assert_eq!(d.store.get_sla_policy(saved.id).await.unwrap(), Some(replaced));
    d.desk.delete_sla_policy(&staff(Role::Manager), saved.id).await.unwrap();
    assert!(d.store.list_sla_policies().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_friday_ticket_breaches_on_monday_once_and_leads_the_sla_queue() {
    let d = desk("2026-12-04T16:30:00Z").await;
    d.desk
        .create_sla_policy(&staff(Role::Manager), urgent_policy())
        .await
        .unwrap();
    let urgent = open(&d, "Till is down", Priority::Urgent).await;
    let calm = open(&d, "Question about invoices", Priority::Normal).await;
    assert!(calm.sla.is_none(), "no policy matches a normal ticket");
    let sla = urgent.sla.as_ref().expect("the urgent policy applies");
    assert_eq!(sla.policy_name, "Urgent");
    let first = sla.clock(SlaTarget::FirstResponse).unwrap();
    assert_eq!(first.due_at, Some(at("2026-12-07T09:30:00Z")));
    assert_eq!(events(&d, &urgent, EventType::SlaApplied).await.len(), 1);

    // Over the weekend nothing is due.
    let report = sweep_sla(&d.store, at("2026-12-06T12:00:00Z"), LIMITS).await.unwrap();
    assert_eq!((report.flagged, report.complete), (0, true));

    // Monday 09:31: the warning was due at 09:18 and the breach at 09:30; one run flags the
    // breach once (swallowing the warning).
    let report = sweep_sla(&d.store, at("2026-12-07T09:31:00Z"), LIMITS).await.unwrap();
    assert_eq!((report.flagged, report.failed, report.complete), (1, 0, true));
    let breached = events(&d, &urgent, EventType::SlaBreached).await;
    assert_eq!(breached.len(), 1);
    assert_eq!(breached[0].changes[0].field.as_str(), "sla_first_response");
    let ticket = d.store.get_ticket(urgent.id).await.unwrap().unwrap();
    assert_eq!(ticket.sla.as_ref().unwrap().state(), ClockState::Breached);

    // Again, and again later: nothing more.
    for when in ["2026-12-07T09:31:00Z", "2026-12-07T09:45:00Z"] {
        let report = sweep_sla(&d.store, at(when), LIMITS).await.unwrap();
        assert_eq!(report.flagged, 0, "{when}");
    }
    assert_eq!(events(&d, &urgent, EventType::SlaBreached).await.len(), 1);
    assert_eq!(
        d.store.get_ticket(urgent.id).await.unwrap().unwrap().version,
        ticket.version
    );

    // The queue by SLA: the breached ticket first; the breached filter finds only it.
    d.hands.set("2026-12-07T09:35:00Z");
    let another = open(&d, "Printer", Priority::Urgent).await;
    let by_sla = d.store.list_tickets(&query(TicketSort::Sla, None)).await.unwrap().items;
    let order: Vec<_> = by_sla.iter().map(|t| t.id).collect();
    assert_eq!(order, vec![urgent.id, another.id]);
    let breached = d
        .store
        .list_tickets(&query(TicketSort::Newest, Some(ClockState::Breached)))
        .await
        .unwrap()
        .items;
    assert_eq!(breached.iter().map(|t| t.id).collect::<Vec<_>>(), vec![urgent.id]);
}

#[tokio::test]
async fn a_late_reply_marks_the_breach_at_once_and_a_priority_change_re_targets() {
    let d = desk("2026-12-07T09:00:00Z").await;
    d.desk
        .create_sla_policy(&staff(Role::Manager), urgent_policy())
        .await
        .unwrap();
    let ticket = open(&d, "Till is down", Priority::Normal).await;
    assert!(ticket.sla.is_none());

    // Made urgent at 09:10: the policy now applies, its clocks counted from the creation.
    d.hands.set("2026-12-07T09:10:00Z");
    let patch = TicketPatch {
        priority: Some(Priority::Urgent),
        ..Default::default()
    };
    let urgent = d
        .desk
        .update_ticket(&staff(Role::Admin), TicketRef::Id(ticket.id), Precondition::Any, patch)
        .await
        .unwrap();
    let first = urgent.sla.as_ref().unwrap().clock(SlaTarget::FirstResponse).unwrap();
    assert_eq!(first.due_at, Some(at("2026-12-07T10:00:00Z")));
    let applied = events(&d, &urgent, EventType::SlaApplied).await;
    assert_eq!(applied.len(), 1);
    assert_eq!(applied[0].reason.as_deref(), Some("priority changed"));

    // The agent answers at 10:20, before any sweep: the breach is marked with the reply.
    d.hands.set("2026-12-07T10:20:00Z");
    let (replied, _) = d
        .desk
        .reply(
            &staff(Role::Admin),
            TicketRef::Id(ticket.id),
            "Restart it, please.".into(),
            Some(Status::Pending),
            vec![],
        )
        .await
        .unwrap();
    let first = replied.sla.as_ref().unwrap().clock(SlaTarget::FirstResponse).unwrap();
    assert_eq!(first.state, ClockState::Breached);
    assert_eq!(first.met_at, Some(at("2026-12-07T10:20:00Z")));
    assert_eq!(events(&d, &urgent, EventType::SlaBreached).await.len(), 1);
    // Pending: the resolution clock is paused, so nothing is due for the sweep.
    let resolution = replied.sla.as_ref().unwrap().clock(SlaTarget::Resolution).unwrap();
    assert_eq!(resolution.state, ClockState::Paused);
    assert!(
        d.store
            .sla_due_tickets(at("2027-01-01T00:00:00Z"), None, 10)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn every_due_ticket_is_flagged_across_pages_and_runs_without_loss() {
    let d = desk("2026-12-07T09:00:00Z").await;
    d.desk
        .create_sla_policy(&staff(Role::Manager), urgent_policy())
        .await
        .unwrap();
    let mut tickets = Vec::new();
    for i in 0..5 {
        tickets.push(open(&d, &format!("Till {i}"), Priority::Urgent).await);
    }
    // A run with no time left flags nothing and loses nothing.
    let starved = SweepLimits {
        page: 2,
        budget: std::time::Duration::ZERO,
    };
    let report = sweep_sla(&d.store, at("2026-12-07T10:01:00Z"), starved).await.unwrap();
    assert_eq!((report.flagged, report.complete), (0, false));
    // Pages of two: all five in one run.
    let report = sweep_sla(&d.store, at("2026-12-07T10:01:00Z"), LIMITS).await.unwrap();
    assert_eq!((report.flagged, report.failed, report.complete), (5, 0, true));
    for t in &tickets {
        assert_eq!(events(&d, t, EventType::SlaBreached).await.len(), 1, "{}", t.number);
    }
}

/// Prague office hours, Mon–Fri 09:00–17:00, with Monday 2026-12-07 off.
async fn prague(d: &Desk) -> CalendarId {
    let draft: CalendarDraft = serde_json::from_value(serde_json::json!({
        "name": "Prague office",
        "time_zone": "Europe/Prague",
        "weekly_hours": {
            "mon": [{"from": "09:00", "to": "17:00"}], "tue": [{"from": "09:00", "to": "17:00"}],
            "wed": [{"from": "09:00", "to": "17:00"}], "thu": [{"from": "09:00", "to": "17:00"}],
            "fri": [{"from": "09:00", "to": "17:00"}]
        },
        "holidays": [{"date": "2026-12-07", "name": "Office move"}]
    }))
    .unwrap();
    let id = CalendarId::parse("prague").unwrap();
    d.desk
        .create_calendar(&staff(Role::Admin), id.clone(), draft.check().unwrap())
        .await
        .unwrap();
    id
}

#[tokio::test]
async fn a_policy_counts_business_time_by_its_calendar_across_a_holiday() {
    // Friday 16:30 in Prague (CET, UTC+1).
    let d = desk("2026-12-04T15:30:00Z").await;
    let unknown = serde_json::json!({"name": "x", "position": 1, "calendar": "nowhere",
        "targets": {"urgent": {"first_response": 60}}});
    let refused = d
        .desk
        .create_sla_policy(&staff(Role::Manager), serde_json::from_value(unknown).unwrap())
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("calendar"), "{refused}");

    let calendar = prague(&d).await;
    let mut policy = urgent_policy();
    policy.calendar = Some(calendar.clone());
    d.desk.create_sla_policy(&staff(Role::Manager), policy).await.unwrap();
    let ticket = open(&d, "Till is down", Priority::Urgent).await;
    let first = ticket.sla.as_ref().unwrap().clock(SlaTarget::FirstResponse).unwrap();
    // 30 minutes on Friday, Monday is a holiday, 30 more on Tuesday: 09:30 Prague.
    assert_eq!(first.due_at, Some(at("2026-12-08T08:30:00Z")));

    // The calendar cannot go while the policy counts by it.
    let in_use = d
        .desk
        .delete_calendar(&staff(Role::Admin), &calendar)
        .await
        .unwrap_err();
    assert!(in_use.to_string().contains("SLA policies"), "{in_use}");
}

#[tokio::test]
async fn without_a_named_calendar_the_desks_default_counts() {
    let d = desk("2026-12-04T15:30:00Z").await;
    let calendar = prague(&d).await;
    d.desk
        .set_default_calendar(&staff(Role::Admin), Some(calendar))
        .await
        .unwrap();
    d.desk
        .create_sla_policy(&staff(Role::Manager), urgent_policy())
        .await
        .unwrap();
    let ticket = open(&d, "Till is down", Priority::Urgent).await;
    let first = ticket.sla.as_ref().unwrap().clock(SlaTarget::FirstResponse).unwrap();
    assert_eq!(first.due_at, Some(at("2026-12-08T08:30:00Z")));
}

#[tokio::test]
async fn a_vip_requesters_tickets_get_the_vip_policy_when_a_manager_groups_them() {
    let d = desk("2026-12-07T10:00:00Z").await;
    let manager = staff(Role::Manager);
    let vip: SlaPolicyDraft = serde_json::from_value(serde_json::json!({
        "name": "VIP",
        "position": 1,
        "conditions": {"requester_groups": ["vip"]},
        "targets": {"normal": {"first_response": 30}}
    }))
    .unwrap();
    let standard: SlaPolicyDraft = serde_json::from_value(serde_json::json!({
        "name": "Standard",
        "position": 10,
        "targets": {"normal": {"first_response": 240}}
    }))
    .unwrap();
    d.desk.create_sla_policy(&manager, vip).await.unwrap();
    d.desk.create_sla_policy(&manager, standard).await.unwrap();
    let open_one = open(&d, "Till is down", Priority::Normal).await;
    assert_eq!(open_one.sla.as_ref().unwrap().policy_name, "Standard");
    let solved = open(&d, "Old question", Priority::Normal).await;
    let patch = TicketPatch {
        status: Some(Status::Resolved),
        ..Default::default()
    };
    d.desk
        .update_ticket(&manager, TicketRef::Id(solved.id), Precondition::Any, patch)
        .await
        .unwrap();

    // Agents cannot group contacts; a bad group names its field; a body must name something.
    let groups =
        |names: &[&str]| -> BTreeSet<ContactGroup> { names.iter().map(|n| ContactGroup::parse(n).unwrap()).collect() };
    let patch = |g: &[&str]| ContactPatch {
        groups: Some(groups(g)),
        undeliverable: None,
    };
    let contact = open_one.requester;
    let refused = d
        .desk
        .update_contact(&staff(Role::Agent), contact, patch(&["vip"]))
        .await;
    assert!(
        matches!(refused, Err(DeskError::Domain(DomainError::Forbidden { .. }))),
        "{refused:?}"
    );
    let empty = d.desk.update_contact(&manager, contact, ContactPatch::default()).await;
    assert!(
        matches!(empty, Err(DeskError::Domain(DomainError::Invalid { .. }))),
        "{empty:?}"
    );
    let undeliverable = ContactPatch {
        undeliverable: Some(true),
        groups: None,
    };
    let admins_only = d.desk.update_contact(&manager, contact, undeliverable).await;
    assert!(
        matches!(admins_only, Err(DeskError::Domain(DomainError::Forbidden { .. }))),
        "{admins_only:?}"
    );

    // A manager makes her a VIP: her open ticket gets the VIP policy, recorded; the solved one
    // keeps what it was measured with.
    let updated = d.desk.update_contact(&manager, contact, patch(&["VIP"])).await.unwrap();
    assert_eq!(updated.groups, groups(&["vip"]));
    let now_vip = d.store.get_ticket(open_one.id).await.unwrap().unwrap();
    assert_eq!(now_vip.requester_groups, groups(&["vip"]));
    let sla = now_vip.sla.unwrap();
    assert_eq!(sla.policy_name, "VIP");
    let first = sla.clock(SlaTarget::FirstResponse).unwrap();
    assert_eq!(first.due_at, Some(at("2026-12-07T10:30:00Z")));
    let changes: Vec<_> = events(&d, &open_one, EventType::TicketUpdated)
        .await
        .into_iter()
        .flat_map(|e| e.changes)
        .filter(|c| c.field == TicketField::RequesterGroups)
        .collect();
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert_eq!(changes[0].to, serde_json::json!(["vip"]));
    let old = d.store.get_ticket(solved.id).await.unwrap().unwrap();
    assert!(old.requester_groups.is_empty());

    // Sent again: nothing more is recorded. Her next ticket carries the group from the start.
    d.desk.update_contact(&manager, contact, patch(&["vip"])).await.unwrap();
    let again = d.store.get_ticket(open_one.id).await.unwrap().unwrap();
    assert_eq!(again.version, now_vip.version);
    let next = open(&d, "Printer too", Priority::Normal).await;
    assert_eq!(next.requester_groups, groups(&["vip"]));
    assert_eq!(next.sla.unwrap().policy_name, "VIP");
}
