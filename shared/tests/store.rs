//! The DynamoDB store against DynamoDB Local: every access pattern, pagination, conditional
//! writes and transactions. Each test has its own table built from template.yaml.

use std::collections::{BTreeSet, HashSet};

use chrono::Duration;
use futures::future::join_all;
use shared::adapters::dynamodb::DynamoStore;
use shared::domain::{
    Channel, Clock, DepartmentId, EmailAddress, FixedClock, PhoneNumber, Precondition, Principal, Priority,
    RequesterDetails, Role, Status, SupportLevel, Tag, TicketPatch, TicketRef, Timestamp, Version,
};
use shared::ports::{ContactStore, PageRequest, RuleStore, StoreError, TicketQuery, TicketSort, TicketStore};
use shared::usecases::desk::{DeskError, NewTicket, TicketDesk};

async fn store() -> DynamoStore {
    let sdk = test_support::local_sdk().await;
    let table = test_support::fresh_table(&sdk).await;
    DynamoStore::new(aws_sdk_dynamodb::Client::new(&sdk), table)
}

fn admin() -> Principal {
    Principal {
        subject: "admin-1".into(),
        email: None,
        role: Role::Admin,
        departments: BTreeSet::new(),
    }
}

fn at(text: &str) -> Timestamp {
    Timestamp::parse(text).unwrap()
}

/// A clock that moves one minute per call, so creation order is unambiguous.
struct Ticking(std::sync::Mutex<Timestamp>);

impl Clock for Ticking {
    fn now(&self) -> Timestamp {
        let mut t = self.0.lock().unwrap();
        *t = Timestamp::new(t.as_datetime() + Duration::minutes(1));
        *t
    }
}

async fn desk() -> TicketDesk<DynamoStore, Ticking> {
    TicketDesk::new(
        store().await,
        Ticking(std::sync::Mutex::new(at("2026-10-30T08:00:00Z"))),
    )
}

fn new_ticket(subject: &str, email: &str) -> NewTicket {
    NewTicket {
        subject: subject.into(),
        body: "body".into(),
        requester: RequesterDetails::new(None, Some(EmailAddress::parse(email).unwrap()), None, None).unwrap(),
        channel: Channel::Api,
        priority: Priority::Normal,
        ticket_type: None,
        department: None,
        assignee: None,
        support_level: SupportLevel::L1,
        tags: BTreeSet::new(),
        custom_fields: Default::default(),
        cc: vec![],
    }
}

fn query(limit: usize) -> TicketQuery {
    TicketQuery {
        limit,
        ..Default::default()
    }
}

async fn subjects<C: Clock>(desk: &TicketDesk<DynamoStore, C>, q: TicketQuery) -> Vec<String> {
    desk.list_tickets(&admin(), q)
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|t| t.subject)
        .collect()
}

#[tokio::test]
async fn numbers_count_up_and_find_their_ticket() {
    let desk = desk().await;
    let (a, contact) = desk
        .create_ticket(&admin(), new_ticket("A", "x@example.com"))
        .await
        .unwrap();
    let (b, _) = desk
        .create_ticket(&admin(), new_ticket("B", "X@Example.com"))
        .await
        .unwrap();
    assert_eq!(a.number.to_string(), "HD-1001");
    assert_eq!(b.number.to_string(), "HD-1002");
    assert_eq!(
        b.requester, contact.id,
        "the same email in another case is the same contact"
    );
    let found = desk
        .get_ticket(&admin(), TicketRef::parse("hd-1002").unwrap())
        .await
        .unwrap();
    assert_eq!(found.id, b.id);
    assert!(matches!(
        desk.get_ticket(&admin(), TicketRef::parse("HD-9").unwrap()).await,
        Err(DeskError::NotFound(_))
    ));
}

#[tokio::test]
async fn contacts_are_found_by_email_and_phone_and_unique() {
    let store = store().await;
    let now = at("2026-11-01T00:00:00Z");
    let details = RequesterDetails::new(
        Some("Jana".into()),
        Some(EmailAddress::parse("Jana@Example.cz").unwrap()),
        Some(PhoneNumber::parse("+420 601 234 567").unwrap()),
        None,
    )
    .unwrap();
    let contact = details
        .clone()
        .into_contact(shared::domain::ContactId::generate(now), now);
    store.create_contact(&contact).await.unwrap();
    let by_email = store
        .find_contact_by_email(&EmailAddress::parse("jana@example.CZ").unwrap())
        .await
        .unwrap();
    assert_eq!(by_email.as_ref(), Some(&contact));
    let by_phone = store
        .find_contact_by_phone(&PhoneNumber::parse("+420601234567").unwrap())
        .await
        .unwrap();
    assert_eq!(by_phone, Some(contact.clone()));
    let twin = details.into_contact(shared::domain::ContactId::generate(now), now);
    assert!(matches!(
        store.create_contact(&twin).await,
        Err(StoreError::AlreadyExists { .. })
    ));
    assert_eq!(
        store.get_contact(twin.id).await.unwrap(),
        None,
        "a refused contact leaves nothing behind"
    );
}

#[tokio::test]
async fn every_list_index_answers_its_question() {
    let sdk = test_support::local_sdk().await;
    let desk = desk().await;
    let support = DepartmentId::parse("support").unwrap();
    desk.create_department(&admin(), support.clone(), "Support".into(), None)
        .await
        .unwrap();
    let agent = desk
        .create_agent(
            &admin(),
            shared::usecases::desk::NewAgent {
                email: EmailAddress::parse("ann@example.com").unwrap(),
                name: "Ann".into(),
                role: Role::Agent,
                seniority: shared::domain::Seniority::Regular,
                departments: [support.clone()].into(),
            },
            &shared::adapters::cognito::CognitoDirectory::new(
                test_support::user_pool::client(&sdk),
                test_support::user_pool::fresh(&sdk).await,
            ),
        )
        .await
        .unwrap();

    let (t1, c1) = desk
        .create_ticket(&admin(), new_ticket("one", "a@example.com"))
        .await
        .unwrap();
    let mut t2 = new_ticket("two", "b@example.com");
    t2.department = Some(support.clone());
    t2.assignee = Some(agent.id);
    t2.priority = Priority::Urgent;
    t2.tags = [Tag::parse("vip").unwrap()].into();
    t2.channel = Channel::Phone;
    let (t2, _) = desk.create_ticket(&admin(), t2).await.unwrap();
    let mut t3 = new_ticket("three", "a@example.com");
    t3.priority = Priority::High;
    desk.create_ticket(&admin(), t3).await.unwrap();
    let patch = TicketPatch {
        status: Some(Status::Open),
        ..Default::default()
    };
    desk.update_ticket(
        &admin(),
        TicketRef::Id(t1.id),
        Precondition::Exactly(Version::FIRST),
        patch,
    )
    .await
    .unwrap();

    assert_eq!(
        subjects(&desk, query(10)).await,
        ["three", "two", "one"],
        "newest first by default"
    );
    assert_eq!(
        subjects(
            &desk,
            TicketQuery {
                sort: TicketSort::Oldest,
                ..query(10)
            }
        )
        .await,
        ["one", "two", "three"]
    );
    assert_eq!(
        subjects(
            &desk,
            TicketQuery {
                status: Some(Status::Open),
                ..query(10)
            }
        )
        .await,
        ["one"]
    );
    assert_eq!(
        subjects(
            &desk,
            TicketQuery {
                status: Some(Status::New),
                ..query(10)
            }
        )
        .await,
        ["three", "two"]
    );
    assert_eq!(
        subjects(
            &desk,
            TicketQuery {
                department: Some(support.clone()),
                ..query(10)
            }
        )
        .await,
        ["two"]
    );
    assert_eq!(
        subjects(
            &desk,
            TicketQuery {
                assignee: Some(agent.id),
                ..query(10)
            }
        )
        .await,
        ["two"]
    );
    assert_eq!(
        subjects(
            &desk,
            TicketQuery {
                requester: Some(c1.id),
                ..query(10)
            }
        )
        .await,
        ["three", "one"]
    );
    assert_eq!(
        subjects(
            &desk,
            TicketQuery {
                priority: Some(Priority::High),
                ..query(10)
            }
        )
        .await,
        ["three"]
    );
    assert_eq!(
        subjects(
            &desk,
            TicketQuery {
                tag: Some(Tag::parse("vip").unwrap()),
                ..query(10)
            }
        )
        .await,
        ["two"]
    );
    assert_eq!(
        subjects(
            &desk,
            TicketQuery {
                channel: Some(Channel::Phone),
                ..query(10)
            }
        )
        .await,
        ["two"]
    );
    assert_eq!(
        subjects(
            &desk,
            TicketQuery {
                sort: TicketSort::MostUrgent,
                ..query(10)
            }
        )
        .await,
        ["two", "three", "one"]
    );
    assert_eq!(
        subjects(
            &desk,
            TicketQuery {
                created_from: Some(t2.created_at),
                created_to: Some(t2.created_at),
                ..query(10)
            }
        )
        .await,
        ["two"],
        "a created range is inclusive at both ends"
    );
    let scoped = Principal {
        role: Role::Agent,
        departments: [support.clone()].into(),
        ..admin()
    };
    let seen: Vec<String> = desk
        .list_tickets(&scoped, query(10))
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|t| t.subject)
        .collect();
    assert_eq!(seen, ["two"], "an agent lists only their departments' tickets");
}

#[tokio::test]
async fn pages_cover_every_ticket_once_in_order() {
    let desk = desk().await;
    for i in 0..7 {
        let mut t = new_ticket(&format!("t{i}"), "p@example.com");
        t.tags = if i % 2 == 0 {
            [Tag::parse("even").unwrap()].into()
        } else {
            BTreeSet::new()
        };
        desk.create_ticket(&admin(), t).await.unwrap();
    }
    for (q, expected) in [
        (query(3), vec!["t6", "t5", "t4", "t3", "t2", "t1", "t0"]),
        (
            TicketQuery {
                tag: Some(Tag::parse("even").unwrap()),
                ..query(2)
            },
            vec!["t6", "t4", "t2", "t0"],
        ),
        (
            TicketQuery {
                status: Some(Status::New),
                sort: TicketSort::Oldest,
                ..query(3)
            },
            vec!["t0", "t1", "t2", "t3", "t4", "t5", "t6"],
        ),
    ] {
        let mut seen = Vec::new();
        let mut q = q;
        loop {
            let page = desk.list_tickets(&admin(), q.clone()).await.unwrap();
            assert!(page.items.len() <= q.limit);
            seen.extend(page.items.into_iter().map(|t| t.subject));
            match page.cursor {
                Some(c) => q.cursor = Some(c),
                None => break,
            }
        }
        assert_eq!(seen, expected);
    }
}

#[tokio::test]
async fn a_cursor_from_another_list_is_refused() {
    let desk = desk().await;
    for i in 0..3 {
        desk.create_ticket(&admin(), new_ticket(&format!("t{i}"), "c@example.com"))
            .await
            .unwrap();
    }
    let page = desk
        .list_tickets(
            &admin(),
            TicketQuery {
                status: Some(Status::New),
                ..query(1)
            },
        )
        .await
        .unwrap();
    let cursor = page.cursor.unwrap();
    let err = desk
        .list_tickets(
            &admin(),
            TicketQuery {
                cursor: Some(cursor),
                ..query(1)
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(err, DeskError::Store(StoreError::InvalidCursor)), "{err:?}");
    let err = desk
        .list_tickets(
            &admin(),
            TicketQuery {
                cursor: Some("garbage".into()),
                ..query(1)
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(err, DeskError::Store(StoreError::InvalidCursor)));
}

#[tokio::test]
async fn of_two_conflicting_updates_exactly_one_wins() {
    let desk = desk().await;
    let (ticket, _) = desk
        .create_ticket(&admin(), new_ticket("race", "r@example.com"))
        .await
        .unwrap();
    let who = admin();
    let attempts = [
        Priority::Low,
        Priority::High,
        Priority::Urgent,
        Priority::Low,
        Priority::High,
    ]
    .map(|p| {
        let patch = TicketPatch {
            priority: Some(p),
            subject: Some(format!("{p:?}")),
            ..Default::default()
        };
        desk.update_ticket(
            &who,
            TicketRef::Id(ticket.id),
            Precondition::Exactly(Version::FIRST),
            patch,
        )
    });
    let results = join_all(attempts).await;
    let wins = results.iter().filter(|r| r.is_ok()).count();
    let losses = results
        .iter()
        .filter(|r| matches!(r, Err(DeskError::PreconditionFailed { .. })))
        .count();
    assert_eq!((wins, losses), (1, 4), "{results:?}");
    let now = desk.get_ticket(&admin(), TicketRef::Id(ticket.id)).await.unwrap();
    assert_eq!(now.version, Version::new(2));
    let events = desk
        .list_events(
            &admin(),
            TicketRef::Id(ticket.id),
            PageRequest {
                limit: 10,
                cursor: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(events.items.len(), 2, "created + the one winning update");
}

#[tokio::test]
async fn concurrent_replies_all_land() {
    let desk = desk().await;
    let (ticket, _) = desk
        .create_ticket(&admin(), new_ticket("busy", "b@example.com"))
        .await
        .unwrap();
    let who = admin();
    let replies = (0..3).map(|i| desk.add_note(&who, TicketRef::Id(ticket.id), format!("note {i}")));
    for r in join_all(replies).await {
        r.unwrap();
    }
    let messages = desk
        .list_messages(
            &admin(),
            TicketRef::Id(ticket.id),
            PageRequest {
                limit: 10,
                cursor: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(messages.items.len(), 4, "the description and three notes");
}

#[tokio::test]
async fn a_failed_transaction_writes_nothing() {
    let store = store().await;
    let desk = TicketDesk::new(store.clone(), FixedClock(at("2026-11-01T00:00:00Z")));
    let (created, _) = desk
        .create_ticket(&admin(), new_ticket("tx", "t@example.com"))
        .await
        .unwrap();
    let (ticket, message) = desk
        .add_note(&admin(), TicketRef::Id(created.id), "first".into())
        .await
        .unwrap();
    // Replay a write made on the ticket as it was before the note: it must be refused whole.
    let mut extra = message.clone();
    extra.id = shared::domain::MessageId::generate(at("2026-11-02T00:00:00Z"));
    let system = shared::domain::Actor::System { cause: "test".into() };
    let mut stale = shared::domain::Revision::of(&created, system, at("2026-11-02T00:00:00Z")).unwrap();
    stale
        .patch(&TicketPatch {
            subject: Some("stale".into()),
            ..Default::default()
        })
        .unwrap();
    stale.note(extra.clone());
    let write = stale.into_write(&shared::domain::sla::SlaBook::empty()).unwrap();
    assert!(matches!(store.commit(&[write]).await, Err(StoreError::VersionConflict)));
    let messages = store
        .list_messages(
            ticket.id,
            &PageRequest {
                limit: 10,
                cursor: None,
            },
        )
        .await
        .unwrap();
    assert!(
        !messages.items.iter().any(|m| m.id == extra.id),
        "the message of a refused write is not stored"
    );
    assert_eq!(store.get_ticket(ticket.id).await.unwrap().unwrap().subject, "tx");
}

#[tokio::test]
async fn the_timeline_pages_in_order() {
    let desk = desk().await;
    let (ticket, _) = desk
        .create_ticket(&admin(), new_ticket("long", "l@example.com"))
        .await
        .unwrap();
    for i in 0..4 {
        desk.add_note(&admin(), TicketRef::Id(ticket.id), format!("n{i}"))
            .await
            .unwrap();
    }
    let mut page = PageRequest { limit: 2, cursor: None };
    let mut bodies = Vec::new();
    loop {
        let p = desk
            .list_messages(&admin(), TicketRef::Id(ticket.id), page.clone())
            .await
            .unwrap();
        bodies.extend(p.items.into_iter().map(|m| m.body_text));
        match p.cursor {
            Some(c) => page.cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(bodies, ["body", "n0", "n1", "n2", "n3"]);
}

#[tokio::test]
async fn merging_carries_the_conversation_and_closes_the_source() {
    let desk = desk().await;
    let (source, _) = desk
        .create_ticket(&admin(), {
            let mut t = new_ticket("dup", "m@example.com");
            t.tags = [Tag::parse("a").unwrap()].into();
            t
        })
        .await
        .unwrap();
    let (target, _) = desk
        .create_ticket(&admin(), new_ticket("main", "m@example.com"))
        .await
        .unwrap();
    desk.add_note(&admin(), TicketRef::Id(source.id), "from the duplicate".into())
        .await
        .unwrap();
    let (closed, merged) = desk
        .merge(&admin(), TicketRef::Id(source.id), TicketRef::Id(target.id))
        .await
        .unwrap();
    assert_eq!(closed.status, Status::Closed);
    assert_eq!(closed.merged_into.unwrap().id, target.id);
    assert!(merged.tags.contains(&Tag::parse("a").unwrap()));
    let all = PageRequest {
        limit: 50,
        cursor: None,
    };
    let messages = desk
        .list_messages(&admin(), TicketRef::Id(target.id), all.clone())
        .await
        .unwrap()
        .items;
    let carried: HashSet<_> = messages
        .iter()
        .filter(|m| m.carried_from == Some(source.id))
        .map(|m| m.body_text.as_str())
        .collect();
    assert_eq!(carried, HashSet::from(["body", "from the duplicate"]));
    let events = desk
        .list_events(&admin(), TicketRef::Id(target.id), all)
        .await
        .unwrap()
        .items;
    assert!(
        events.iter().any(|e| e.carried_from == Some(source.id)),
        "the source's audit trail is carried"
    );
    assert!(
        events
            .iter()
            .any(|e| e.event_type == shared::domain::EventType::TicketMerged)
    );
    let again = desk
        .merge(&admin(), TicketRef::Id(source.id), TicketRef::Id(target.id))
        .await
        .unwrap_err();
    assert!(
        matches!(again, DeskError::Domain(_)),
        "a merged ticket cannot be merged again"
    );
    let patch = TicketPatch {
        priority: Some(Priority::High),
        ..Default::default()
    };
    assert!(
        desk.update_ticket(&admin(), TicketRef::Id(source.id), Precondition::Any, patch)
            .await
            .is_err()
    );
}

#[tokio::test]
async fn templates_are_stored_listed_by_name_and_removed() {
    use shared::domain::Language;
    use shared::domain::template_library::{Template, TemplateName};
    use shared::ports::TemplateStore;

    let store = store().await;
    let now = at("2026-11-23T10:00:00Z");
    let template = |name: &str, language: &str, subject: &str| {
        Template::stored(
            TemplateName::parse(name).unwrap(),
            Language::parse(language).unwrap(),
            subject.into(),
            "{{ team_name }}".into(),
            "admin-1",
            now,
        )
        .unwrap()
    };
    store.put_template(&template("agent_reply", "cs", "A")).await.unwrap();
    store.put_template(&template("agent_reply", "en", "B")).await.unwrap();
    store.put_template(&template("agent", "en", "C")).await.unwrap();
    // Writing the same name and language again replaces it.
    store.put_template(&template("agent_reply", "cs", "D")).await.unwrap();

    let reply = TemplateName::parse("agent_reply").unwrap();
    let stored = store.stored_templates(Some(&reply)).await.unwrap();
    let subjects: Vec<&str> = stored.iter().map(|t| t.subject.as_str()).collect();
    assert_eq!(
        subjects,
        ["D", "B"],
        "one name's languages, and not `agent` (a prefix of it)"
    );
    assert_eq!(stored[0], template("agent_reply", "cs", "D"));
    assert_eq!(store.stored_templates(None).await.unwrap().len(), 3);

    let cs = Language::parse("cs").unwrap();
    store.delete_template(&reply, &cs).await.unwrap();
    assert!(matches!(
        store.delete_template(&reply, &cs).await,
        Err(StoreError::NotFound { .. })
    ));
    assert_eq!(store.stored_templates(Some(&reply)).await.unwrap().len(), 1);
}

/// The tickets due at `until`, first page.
async fn due(store: &DynamoStore, until: Timestamp) -> Vec<shared::domain::TicketId> {
    let page = store.due_tickets(until, None, 10).await.unwrap();
    page.into_iter().map(|d| d.ticket).collect()
}

/// The time sweep finds a ticket by its next look; a later write of the whole ticket (here an
/// internal note on a resolved ticket, whose event no rule reschedules) must not drop it, or
/// the auto-close rule never fires.
#[tokio::test]
async fn a_ticket_write_keeps_the_next_look() {
    let store = store().await;
    let desk = TicketDesk::new(
        store.clone(),
        Ticking(std::sync::Mutex::new(at("2026-10-30T08:00:00Z"))),
    );
    let (ticket, _) = desk
        .create_ticket(&admin(), new_ticket("Resolved", "look@example.cz"))
        .await
        .unwrap();
    let patch = TicketPatch {
        status: Some(Status::Resolved),
        ..Default::default()
    };
    desk.update_ticket(&admin(), TicketRef::Id(ticket.id), Precondition::Any, patch)
        .await
        .unwrap();
    let look = at("2026-11-02T08:00:00Z");
    store.set_next_look(ticket.id, Some(look)).await.unwrap();
    assert_eq!(due(&store, look).await, [ticket.id]);

    desk.add_note(&admin(), TicketRef::Id(ticket.id), "waiting for the customer".into())
        .await
        .unwrap();
    assert_eq!(
        due(&store, look).await,
        [ticket.id],
        "the note's write kept the next look"
    );
    assert!(
        due(&store, at("2026-11-01T08:00:00Z")).await.is_empty(),
        "not due before its time"
    );

    store.set_next_look(ticket.id, None).await.unwrap();
    assert!(due(&store, look).await.is_empty(), "cleared");
    // A ticket that is gone has nothing to look at.
    store
        .set_next_look(shared::domain::TicketId::generate(look), Some(look))
        .await
        .unwrap();
    assert!(due(&store, look).await.is_empty());
}
