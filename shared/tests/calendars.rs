//! Business calendars in the store, against DynamoDB Local (a fresh table per test): the
//! calendar items and their version guard, the desk's default, the department's calendar,
//! which calendar applies to a ticket, and the rules' `business_hours` reading it.

use std::collections::BTreeSet;

use chrono::TimeDelta;
use serde_json::json;
use shared::adapters::dynamodb::DynamoStore;
use shared::domain::calendar::{BusinessCalendar, Calendar, CalendarDraft, CalendarId};
use shared::domain::rules::{RuleDraft, Trigger};
use shared::domain::{
    Channel, DepartmentId, EmailAddress, FixedClock, Precondition, Principal, Priority, RequesterDetails, Role,
    SupportLevel, TicketRef, Timestamp, Version,
};
use shared::ports::{CalendarStore, StoreError};
use shared::usecases::desk::{DepartmentPatch, DeskError, NewTicket, TicketDesk, calendar_for};

async fn store() -> DynamoStore {
    let sdk = test_support::local_sdk().await;
    let table = test_support::fresh_table(&sdk).await;
    DynamoStore::new(aws_sdk_dynamodb::Client::new(&sdk), table)
}

fn at(text: &str) -> Timestamp {
    Timestamp::parse(text).unwrap()
}

fn principal(role: Role) -> Principal {
    Principal {
        subject: format!("{role:?}-1"),
        email: None,
        role,
        departments: BTreeSet::new(),
    }
}

fn admin() -> Principal {
    principal(Role::Admin)
}

/// Monday 2026-11-23, 07:30 UTC: 08:30 in Prague.
const MONDAY_EARLY: &str = "2026-11-23T07:30:00Z";

async fn desk() -> TicketDesk<DynamoStore, FixedClock> {
    TicketDesk::new(store().await, FixedClock(at(MONDAY_EARLY)))
}

fn draft(name: &str, zone: &str, from: &str, to: &str) -> CalendarDraft {
    serde_json::from_value(json!({
        "name": name,
        "time_zone": zone,
        "weekly_hours": {
            "mon": [{"from": from, "to": to}], "tue": [{"from": from, "to": to}],
            "wed": [{"from": from, "to": to}], "thu": [{"from": from, "to": to}],
            "fri": [{"from": from, "to": to}],
        },
        "holidays": [{"date": "2026-12-24", "yearly": true, "name": "Christmas Eve"}],
    }))
    .unwrap()
}

fn id(text: &str) -> CalendarId {
    CalendarId::parse(text).unwrap()
}

#[tokio::test]
async fn a_calendar_is_stored_read_and_listed() {
    let store = store().await;
    let spec = draft("Prague office", "Europe/Prague", "08:00", "17:00")
        .check()
        .unwrap();
    let prague = Calendar::new(id("prague"), spec.clone(), at(MONDAY_EARLY));
    let lisbon = Calendar::new(
        id("lisbon"),
        draft("Lisbon", "Europe/Lisbon", "09:00", "18:00").check().unwrap(),
        at(MONDAY_EARLY),
    );
    store.create_calendar(&prague).await.unwrap();
    store.create_calendar(&lisbon).await.unwrap();
    assert_eq!(store.get_calendar(&id("prague")).await.unwrap(), Some(prague.clone()));
    assert_eq!(store.get_calendar(&id("oslo")).await.unwrap(), None);
    assert_eq!(store.list_calendars().await.unwrap(), vec![lisbon, prague.clone()]);
    assert!(matches!(
        store.create_calendar(&prague).await,
        Err(StoreError::AlreadyExists { .. })
    ));
    // The default pointer shares the partition but is no calendar.
    store.set_default_calendar_id(Some(&id("prague"))).await.unwrap();
    assert_eq!(store.list_calendars().await.unwrap().len(), 2);
}

#[tokio::test]
async fn a_replacement_holds_only_at_the_version_read() {
    let store = store().await;
    let spec = draft("Prague office", "Europe/Prague", "08:00", "17:00")
        .check()
        .unwrap();
    let first = Calendar::new(id("prague"), spec.clone(), at(MONDAY_EARLY));
    store.create_calendar(&first).await.unwrap();
    let second = first.replaced(spec.clone(), at("2026-11-24T10:00:00Z"));
    store.update_calendar(&second, first.version).await.unwrap();
    assert_eq!(
        store.get_calendar(&first.id).await.unwrap().unwrap().version,
        Version::new(2)
    );
    // Another writer read version 1 too: its write is refused.
    let stale = first.replaced(spec.clone(), at("2026-11-24T10:01:00Z"));
    assert!(matches!(
        store.update_calendar(&stale, first.version).await,
        Err(StoreError::VersionConflict)
    ));
    let ghost = Calendar::new(id("ghost"), spec, at(MONDAY_EARLY));
    assert!(matches!(
        store.update_calendar(&ghost, Version::FIRST).await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        store.delete_calendar(&id("ghost")).await,
        Err(StoreError::NotFound { .. })
    ));
    store.delete_calendar(&first.id).await.unwrap();
    assert_eq!(store.get_calendar(&first.id).await.unwrap(), None);
}

#[tokio::test]
async fn the_calendar_for_a_department_is_its_own_else_the_desks_default_else_the_built_in() {
    let desk = desk().await;
    let admin = admin();
    let support = DepartmentId::parse("support").unwrap();
    let billing = DepartmentId::parse("billing").unwrap();
    desk.create_calendar(
        &admin,
        id("prague"),
        draft("Prague", "Europe/Prague", "08:00", "17:00").check().unwrap(),
    )
    .await
    .unwrap();
    desk.create_calendar(
        &admin,
        id("new-york"),
        draft("New York", "America/New_York", "09:00", "17:00").check().unwrap(),
    )
    .await
    .unwrap();
    desk.create_department_with_calendar(&admin, support.clone(), "Support".into(), None, Some(id("new-york")))
        .await
        .unwrap();
    desk.create_department(&admin, billing.clone(), "Billing".into(), None)
        .await
        .unwrap();
    let store = desk.store();
    let zone = |c: BusinessCalendar| c.zone().name().to_owned();

    assert_eq!(calendar_for(store, None).await.unwrap(), BusinessCalendar::default());
    assert_eq!(
        zone(calendar_for(store, Some(&support)).await.unwrap()),
        "America/New_York"
    );
    assert_eq!(
        calendar_for(store, Some(&billing)).await.unwrap(),
        BusinessCalendar::default()
    );

    desk.set_default_calendar(&admin, Some(id("prague"))).await.unwrap();
    assert_eq!(desk.default_calendar().await.unwrap(), Some(id("prague")));
    assert_eq!(zone(calendar_for(store, None).await.unwrap()), "Europe/Prague");
    assert_eq!(
        zone(calendar_for(store, Some(&billing)).await.unwrap()),
        "Europe/Prague"
    );
    assert_eq!(
        zone(
            calendar_for(store, Some(&DepartmentId::parse("gone").unwrap()))
                .await
                .unwrap()
        ),
        "Europe/Prague",
        "an unknown department counts as none"
    );
    // Back to the default: `Some(None)` clears the department's calendar.
    let patch = DepartmentPatch {
        calendar: Some(None),
        ..Default::default()
    };
    let support_after = desk.update_department(&admin, &support, patch).await.unwrap();
    assert_eq!(support_after.calendar_id, None);
    assert_eq!(
        zone(calendar_for(store, Some(&support)).await.unwrap()),
        "Europe/Prague"
    );

    // A calendar deleted under a department that still names it falls through, never fails.
    store.delete_calendar(&id("prague")).await.unwrap();
    assert_eq!(
        calendar_for(store, Some(&billing)).await.unwrap(),
        BusinessCalendar::default()
    );
}

#[tokio::test]
async fn a_calendar_in_use_is_not_deleted_and_unknown_calendars_are_refused() {
    let desk = desk().await;
    let admin = admin();
    let support = DepartmentId::parse("support").unwrap();
    desk.create_calendar(
        &admin,
        id("prague"),
        draft("Prague", "Europe/Prague", "08:00", "17:00").check().unwrap(),
    )
    .await
    .unwrap();
    desk.create_department_with_calendar(&admin, support.clone(), "Support".into(), None, Some(id("prague")))
        .await
        .unwrap();
    let refused = desk.delete_calendar(&admin, &id("prague")).await.unwrap_err();
    assert!(
        matches!(refused, DeskError::Domain(ref e) if e.to_string().contains("support")),
        "{refused}"
    );

    let unknown = DepartmentPatch {
        calendar: Some(Some(id("atlantis"))),
        ..Default::default()
    };
    let refused = desk.update_department(&admin, &support, unknown).await.unwrap_err();
    assert!(
        matches!(refused, DeskError::Domain(ref e) if e.to_string().starts_with("calendar_id")),
        "{refused}"
    );
    assert!(desk.set_default_calendar(&admin, Some(id("atlantis"))).await.is_err());

    let elsewhere = DepartmentPatch {
        calendar: Some(None),
        ..Default::default()
    };
    desk.update_department(&admin, &support, elsewhere).await.unwrap();
    desk.set_default_calendar(&admin, Some(id("prague"))).await.unwrap();
    let refused = desk.delete_calendar(&admin, &id("prague")).await.unwrap_err();
    assert!(
        matches!(refused, DeskError::Domain(ref e) if e.to_string().contains("default")),
        "{refused}"
    );
    desk.set_default_calendar(&admin, None).await.unwrap();
    desk.delete_calendar(&admin, &id("prague")).await.unwrap();
    assert!(matches!(
        desk.get_calendar(&id("prague")).await,
        Err(DeskError::NotFound(_))
    ));
}

#[tokio::test]
async fn a_replacement_needs_the_current_version_and_only_admins_write() {
    let desk = desk().await;
    let admin = admin();
    let calendar = desk
        .create_calendar(
            &admin,
            id("prague"),
            draft("Prague", "Europe/Prague", "08:00", "17:00").check().unwrap(),
        )
        .await
        .unwrap();
    // Managers write calendars too (they set up the SLA policies); agents only read them.
    let manager = principal(Role::Manager);
    desk.create_calendar(&manager, id("x"), draft("X", "UTC", "08:00", "17:00").check().unwrap())
        .await
        .unwrap();
    assert!(
        desk.create_calendar(
            &principal(Role::Agent),
            id("y"),
            draft("Y", "UTC", "08:00", "17:00").check().unwrap()
        )
        .await
        .is_err()
    );
    assert!(
        desk.set_default_calendar(&manager, Some(id("x"))).await.is_err(),
        "the desk's default is the admins'"
    );
    let next = desk
        .replace_calendar(
            &admin,
            &calendar.id,
            Precondition::Exactly(calendar.version),
            draft("Prague", "Europe/Prague", "09:00", "17:00").check().unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(next.version, Version::new(2));
    assert_eq!(next.created_at, calendar.created_at);
    let stale = desk
        .replace_calendar(
            &admin,
            &calendar.id,
            Precondition::Exactly(calendar.version),
            draft("Prague", "Europe/Prague", "10:00", "17:00").check().unwrap(),
        )
        .await
        .unwrap_err();
    assert!(matches!(stale, DeskError::PreconditionFailed { current } if current == Version::new(2)));
}

#[tokio::test]
async fn the_rules_read_business_hours_on_the_tickets_department_calendar() {
    // Monday 08:30 in Prague: inside Prague's 08:00–17:00, outside the built-in 09–17 UTC.
    let desk = desk().await;
    let admin = admin();
    let support = DepartmentId::parse("support").unwrap();
    desk.create_calendar(
        &admin,
        id("prague"),
        draft("Prague", "Europe/Prague", "08:00", "17:00").check().unwrap(),
    )
    .await
    .unwrap();
    desk.create_department(&admin, support.clone(), "Support".into(), None)
        .await
        .unwrap();
    let rule: RuleDraft = serde_json::from_value(json!({
        "name": "In office hours",
        "position": 1,
        "triggers": [{"on": "ticket_created"}],
        "conditions": {"all": [{"field": "business_hours", "op": "is_true"}]},
        "actions": [{"do": "add_tags", "tags": ["office-hours"]}]
    }))
    .unwrap();
    desk.create_rule(&admin, rule).await.unwrap();
    let new = NewTicket {
        subject: "Printer".into(),
        body: "It is on fire".into(),
        requester: RequesterDetails::new(None, Some(EmailAddress::parse("q@example.cz").unwrap()), None, None).unwrap(),
        channel: Channel::Api,
        priority: Priority::Normal,
        ticket_type: None,
        department: Some(support.clone()),
        assignee: None,
        support_level: SupportLevel::L1,
        tags: BTreeSet::new(),
        custom_fields: Default::default(),
        cc: Vec::new(),
    };
    let (ticket, _) = desk.create_ticket(&admin, new).await.unwrap();
    let trigger = Trigger::TicketCreated { channels: Vec::new() };
    let matched = |evaluation: shared::domain::rules::Evaluation| evaluation.outcomes[0].conditions[0].matched;

    let built_in = desk
        .dry_run(&admin, TicketRef::Id(ticket.id), trigger.clone(), None)
        .await
        .unwrap();
    assert!(
        !matched(built_in),
        "08:30 Prague is 07:30 UTC: before the built-in hours"
    );

    let patch = DepartmentPatch {
        calendar: Some(Some(id("prague"))),
        ..Default::default()
    };
    desk.update_department(&admin, &support, patch).await.unwrap();
    let prague = desk
        .dry_run(&admin, TicketRef::Id(ticket.id), trigger, None)
        .await
        .unwrap();
    assert!(matched(prague), "08:30 in Prague is office hours there");

    // And the arithmetic the SLA clocks will use comes from the same place.
    let calendar = desk.calendar_for(Some(&support)).await.unwrap();
    assert_eq!(
        calendar.add_business_duration(at("2026-11-27T15:30:00Z"), TimeDelta::minutes(60)),
        Some(at("2026-11-30T07:30:00Z")),
        "Friday 16:30 + 1 business hour = Monday 08:30 in Prague"
    );
}
