//! The engine's limit for an API create: the DynamoDB requests a create makes, issued at the
//! same numbers of clients by the create use case itself in this process, with no HTTP, no
//! token check and no JSON in the way. What the API reaches against this limit is what
//! Lambdesk's own layers (the router, the handler, the body) keep of it; the rest is the engine.

use std::sync::Arc;

use anyhow::Result;
use shared::adapters::dynamodb::DynamoStore;
use shared::domain::{
    Channel, DepartmentId, EmailAddress, Principal, Priority, RequesterDetails, Role, SupportLevel, SystemClock,
};
use shared::usecases::desk::{NewTicket, TicketDesk};

use crate::desk::Desk;
use crate::stats::Rate;

/// What [`Desk`]'s API create posts, as the create use case takes it.
fn new_ticket(n: usize) -> Result<NewTicket> {
    Ok(NewTicket {
        subject: format!("Printer {n} on fire"),
        body: "It is on fire again. The toner smells of smoke and the tray is stuck.".into(),
        requester: RequesterDetails::new(
            Some("Jana".into()),
            Some(EmailAddress::parse(&format!("customer{}@example.cz", n % 50))?),
            None,
            None,
        )?,
        channel: Channel::Api,
        priority: Priority::Normal,
        ticket_type: None,
        department: Some(DepartmentId::parse("support")?),
        assignee: None,
        support_level: SupportLevel::L1,
        tags: Default::default(),
        custom_fields: Default::default(),
        cc: Vec::new(),
    })
}

/// Creates by the use case from `clients` tasks at once, `per_client` each, against the
/// desk's table through the same SDK configuration as its API.
pub async fn create_limit(desk: &Desk, clients: usize, per_client: usize) -> Result<Rate> {
    let store = DynamoStore::new(
        aws_sdk_dynamodb::Client::new(&desk.host.sdk),
        desk.host.names.table.clone(),
    );
    let tickets = Arc::new(TicketDesk::new(store, SystemClock));
    let admin = Arc::new(Principal {
        subject: "bench".into(),
        email: Some("bench@help.example.com".into()),
        role: Role::Admin,
        departments: Default::default(),
    });
    crate::stats::in_clients(clients, per_client, move |n| {
        let (tickets, admin) = (tickets.clone(), admin.clone());
        async move {
            tickets.create_ticket(&admin, new_ticket(n)?).await?;
            Ok(())
        }
    })
    .await
}
