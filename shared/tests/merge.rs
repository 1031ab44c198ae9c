//! Merges across requesters against DynamoDB Local: refused unless the agent says so, and an
//! old portal link of a merged ticket shows and changes only what its own requester may.

use std::collections::BTreeSet;

use shared::adapters::dynamodb::DynamoStore;
use shared::domain::{
    Channel, EmailAddress, Principal, Priority, RequesterDetails, Role, Status, SupportLevel, SystemClock, Ticket,
    TicketRef,
};
use shared::ports::TicketStore;
use shared::usecases::desk::{DeskError, MergeRequest, NewTicket, TicketDesk};
use shared::usecases::portal::CustomerDesk;

struct Desks {
    agents: TicketDesk<DynamoStore, SystemClock>,
    customers: CustomerDesk<DynamoStore, SystemClock>,
    store: DynamoStore,
}

async fn desks() -> Desks {
    let sdk = test_support::local_sdk().await;
    let table = test_support::fresh_table(&sdk).await;
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&sdk), table);
    Desks {
        agents: TicketDesk::new(store.clone(), SystemClock),
        customers: CustomerDesk::new(store.clone(), SystemClock),
        store,
    }
}

fn admin() -> Principal {
    Principal {
        subject: "admin-1".into(),
        email: None,
        role: Role::Admin,
        departments: BTreeSet::new(),
    }
}

fn email(text: &str) -> EmailAddress {
    EmailAddress::parse(text).unwrap()
}

async fn ticket(d: &Desks, requester: &str, body: &str, cc: &[&str]) -> Ticket {
    let new = NewTicket {
        subject: "Printer".into(),
        body: body.into(),
        requester: RequesterDetails::new(None, Some(email(requester)), None, None).unwrap(),
        channel: Channel::Api,
        priority: Priority::Normal,
        ticket_type: None,
        department: None,
        assignee: None,
        support_level: SupportLevel::L1,
        tags: BTreeSet::new(),
        custom_fields: Default::default(),
        cc: cc.iter().map(|c| email(c)).collect(),
    };
    d.agents.create_ticket(&admin(), new).await.unwrap().0
}

fn bodies(view: &shared::usecases::portal::PortalView) -> Vec<&str> {
    view.messages.iter().map(|m| m.body_text.as_str()).collect()
}

#[tokio::test]
async fn two_requesters_tickets_merge_only_when_the_agent_says_so() {
    let d = desks().await;
    let mine = ticket(&d, "jana@example.cz", "my printer", &["janas-boss@example.cz"]).await;
    let theirs = ticket(&d, "petr@example.cz", "petr's printer", &[]).await;

    let refused = d
        .agents
        .merge(&admin(), TicketRef::Id(mine.id), TicketRef::Id(theirs.id))
        .await
        .unwrap_err();
    assert!(matches!(refused, DeskError::DifferentRequesters { .. }), "{refused:?}");
    assert!(refused.to_string().contains("different_requesters"), "{refused}");
    let untouched = d.store.get_ticket(mine.id).await.unwrap().unwrap();
    assert_eq!((untouched.status, untouched.merged_into), (Status::New, None));

    let request = MergeRequest {
        into: TicketRef::Id(theirs.id),
        different_requesters: true,
    };
    let (source, target) = d
        .agents
        .merge_with(&admin(), TicketRef::Id(mine.id), request)
        .await
        .unwrap();
    assert_eq!(source.merged_into.map(|p| p.id), Some(theirs.id));
    assert!(
        target.cc.is_empty(),
        "the source's CCs were copied on Jana's conversation, not on Petr's"
    );

    // Jana's old link: her own messages only, and nothing she can do to Petr's ticket.
    let jana = d.customers.view(mine.id).await.unwrap();
    assert_eq!(jana.ticket.id, mine.id);
    assert_eq!(bodies(&jana), ["my printer"]);
    assert!(d.customers.reply(mine.id, "hello?").await.is_err());
    d.customers.close(mine.id).await.unwrap();
    let petrs = d.store.get_ticket(theirs.id).await.unwrap().unwrap();
    assert_eq!(petrs.status, Status::New, "Jana's link cannot close Petr's ticket");
    assert_eq!(petrs.version, target.version, "nor change it at all");

    // Petr's link: his ticket without Jana's carried messages.
    let petr = d.customers.view(theirs.id).await.unwrap();
    assert_eq!(bodies(&petr), ["petr's printer"]);
}

#[tokio::test]
async fn one_requesters_old_link_follows_the_merge() {
    let d = desks().await;
    let first = ticket(&d, "eva@example.cz", "first try", &["evas-boss@example.cz"]).await;
    let second = ticket(&d, "EVA@example.cz", "second try", &[]).await;
    let (_, target) = d
        .agents
        .merge(&admin(), TicketRef::Id(first.id), TicketRef::Id(second.id))
        .await
        .unwrap();
    assert_eq!(target.cc, [email("evas-boss@example.cz")]);
    let view = d.customers.view(first.id).await.unwrap();
    assert_eq!(view.ticket.id, second.id);
    let mut seen = bodies(&view);
    seen.sort();
    assert_eq!(seen, ["first try", "second try"]);
    let replied = d.customers.reply(first.id, "any news?").await.unwrap();
    assert_eq!(replied.id, second.id, "the reply lands on the ticket that lives on");
}

/// A merge refused after reading both tickets (here: the joined tags would be too many) writes
/// nothing: no copies of the source's conversation appear in the target's timeline. Before the
/// merge decided everything first, the copies were written ahead of this check and stayed.
#[tokio::test]
async fn a_refused_merge_leaves_no_copies_behind() {
    let d = desks().await;
    let source = ticket(&d, "jana@example.cz", "the source's words", &[]).await;
    let target = ticket(&d, "jana@example.cz", "the target's words", &[]).await;
    for (ticket, prefix) in [(&source, "s"), (&target, "t")] {
        let patch = shared::domain::TicketPatch {
            add_tags: (0..30)
                .map(|i| shared::domain::Tag::parse(&format!("{prefix}{i}")).unwrap())
                .collect(),
            ..Default::default()
        };
        d.agents
            .update_ticket(
                &admin(),
                TicketRef::Id(ticket.id),
                shared::domain::Precondition::Any,
                patch,
            )
            .await
            .unwrap();
    }

    let refused = d
        .agents
        .merge(&admin(), TicketRef::Id(source.id), TicketRef::Id(target.id))
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("50 tags"), "{refused}");

    let page = shared::ports::PageRequest {
        limit: 100,
        cursor: None,
    };
    let messages = d.store.list_messages(target.id, &page).await.unwrap().items;
    let bodies: Vec<&str> = messages.iter().map(|m| m.body_text.as_str()).collect();
    assert_eq!(bodies, ["the target's words"]);
    let events = d.store.list_events(target.id, &page).await.unwrap().items;
    assert!(events.iter().all(|e| e.carried_from.is_none()), "{events:?}");
    let source_now = d.store.get_ticket(source.id).await.unwrap().unwrap();
    assert_eq!(source_now.merged_into, None);
}
