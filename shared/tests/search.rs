//! Search against DynamoDB Local: the word index is written with the ticket (and the contact),
//! found by a word without its diacritics, by the requester's name, number and email, only
//! within the caller's departments, and a subject that changed no longer finds the ticket by
//! its old words.

use std::collections::BTreeSet;

use shared::adapters::dynamodb::DynamoStore;
use shared::domain::{
    Channel, DepartmentId, EmailAddress, Precondition, Principal, Priority, RequesterDetails, Role, SupportLevel,
    SystemClock, Ticket, TicketPatch, TicketRef,
};
use shared::usecases::desk::TicketDesk;
use shared::usecases::search::search;

fn principal(role: Role, departments: &[&str]) -> Principal {
    Principal {
        subject: format!("{role:?}"),
        email: None,
        role,
        departments: departments.iter().map(|d| DepartmentId::parse(d).unwrap()).collect(),
    }
}

async fn ticket(
    desk: &TicketDesk<DynamoStore, SystemClock>,
    subject: &str,
    department: &str,
    name: &str,
    email: &str,
) -> Ticket {
    let new = shared::usecases::desk::NewTicket {
        subject: subject.into(),
        body: "Help.".into(),
        requester: RequesterDetails::new(Some(name.into()), Some(EmailAddress::parse(email).unwrap()), None, None)
            .unwrap(),
        channel: Channel::Api,
        priority: Priority::Normal,
        ticket_type: None,
        department: Some(DepartmentId::parse(department).unwrap()),
        assignee: None,
        support_level: SupportLevel::L1,
        tags: BTreeSet::new(),
        custom_fields: Default::default(),
        cc: vec![],
    };
    desk.create_ticket(&principal(Role::Admin, &[]), new).await.unwrap().0
}

fn numbers(tickets: &[Ticket]) -> Vec<String> {
    tickets.iter().map(|t| t.number.to_string()).collect()
}

#[tokio::test]
async fn tickets_are_found_by_words_name_number_and_email_within_departments() {
    let sdk = test_support::local_sdk().await;
    let table = test_support::fresh_table(&sdk).await;
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&sdk), table);
    let desk = TicketDesk::new(store.clone(), SystemClock);
    let admin = principal(Role::Admin, &[]);
    for id in ["support", "billing"] {
        desk.create_department(&admin, DepartmentId::parse(id).unwrap(), id.into(), None)
            .await
            .unwrap();
    }
    let till = ticket(
        &desk,
        "Pokladna v Brně nefunguje",
        "support",
        "Jana Nováková",
        "jana@example.cz",
    )
    .await;
    let invoice = ticket(
        &desk,
        "Invoice for the pokladna",
        "billing",
        "Péter Kovács",
        "peter@example.hu",
    )
    .await;
    let support_agent = principal(Role::Agent, &["support"]);

    let found = search(&store, &support_agent, "POKLÁDNA").await.unwrap();
    assert_eq!(
        numbers(&found),
        [till.number.to_string()],
        "only the agent's department"
    );
    let found = search(&store, &admin, "pokladna").await.unwrap();
    assert_eq!(found.len(), 2);
    let found = search(&store, &admin, "pokladna brne").await.unwrap();
    assert_eq!(numbers(&found), [till.number.to_string()], "every word must match");
    let found = search(&store, &admin, "novakova").await.unwrap();
    assert_eq!(numbers(&found), [till.number.to_string()], "by the requester's name");
    let found = search(&store, &admin, "peter@example.hu").await.unwrap();
    assert_eq!(
        numbers(&found),
        [invoice.number.to_string()],
        "by the requester's email"
    );
    let found = search(&store, &support_agent, &invoice.number.to_string())
        .await
        .unwrap();
    assert!(
        found.is_empty(),
        "a number outside the agent's departments finds nothing"
    );
    let found = search(&store, &admin, &invoice.number.to_string()).await.unwrap();
    assert_eq!(numbers(&found), [invoice.number.to_string()]);

    // A new subject is indexed; the old words' keys stay, but no longer find the ticket.
    let patch = TicketPatch {
        subject: Some("Tiskárna tiskne prázdné stránky".into()),
        ..TicketPatch::default()
    };
    desk.update_ticket(&admin, TicketRef::Id(till.id), Precondition::Any, patch)
        .await
        .unwrap();
    let found = search(&store, &support_agent, "tiskarna").await.unwrap();
    assert_eq!(numbers(&found), [till.number.to_string()]);
    let found = search(&store, &support_agent, "pokladna").await.unwrap();
    assert!(found.is_empty(), "{:?}", numbers(&found));
}
