//! The engines' limits: the requests an operation makes, issued by its use case itself in this
//! process, with the transport in front of it left out. What the end-to-end measure reaches
//! against its limit is what Lambdesk's own layers keep of it; the rest is the engines.
//! - An API create: the DynamoDB requests of a create, by the create use case at the same
//!   numbers of clients, with no HTTP, no token check and no JSON in the way.
//! - A mail: stored as the SMTP stand-in stores it (one S3 PutObject, no SMTP session) and taken
//!   in by the inbound function's use case (S3 GetObject and the DynamoDB requests), 10 at a time
//!   as a queue batch is handled; no S3 notification and no queue poll in the way.

use std::sync::Arc;
use std::time::Instant;

use anyhow::{Result, bail};
use devhost::smtp::SmtpReceiver;
use futures::{StreamExt, TryStreamExt};
use shared::adapters::dynamodb::DynamoStore;
use shared::domain::BlobRef;
use shared::domain::{
    Channel, DepartmentId, EmailAddress, Principal, Priority, RequesterDetails, Role, SupportLevel, SystemClock,
};
use shared::usecases::desk::{NewTicket, TicketDesk};
use shared::usecases::intake::Outcome;

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

/// The bench's mail load, as (envelope sender, message): `mails` mails for the run named
/// `run`, from `mails − replies` senders; the last `replies` answer the first ones
/// (In-Reply-To and References), so they must thread into their tickets.
pub fn mail_load(run: &str, mails: usize, replies: usize) -> Vec<(String, String)> {
    let firsts = mails - replies;
    let message_id = |n: usize| format!("<{run}-{n}@client.example.cz>");
    (0..mails)
        .map(|n| {
            let from = format!("load{}@client.example.cz", n % firsts);
            let mail = if n < firsts {
                format!(
                    "From: <{from}>\nTo: support@help.example.com\nSubject: {run} order {n}\n\
                     Message-ID: {}\n\nWhere is order {n}?\n",
                    message_id(n)
                )
            } else {
                let first = n - firsts;
                format!(
                    "From: <{from}>\nTo: support@help.example.com\nSubject: Re: {run} order {first}\n\
                     Message-ID: {}\nIn-Reply-To: {}\nReferences: {}\n\nAny news on order {first}?\n",
                    message_id(n),
                    message_id(first),
                    message_id(first)
                )
            };
            (from, mail)
        })
        .collect()
}

/// How many mails the inbound function takes in side by side: a queue batch's size.
pub const MAILS_AT_ONCE: usize = 10;

/// The bench's mail load stored and taken in by the use case, the first mails and then the
/// replies (so each reply finds its ticket), [`MAILS_AT_ONCE`] at a time.
pub async fn mail_limit(desk: &Desk, mails: usize, replies: usize) -> Result<Rate> {
    let smtp = desk.host.smtp();
    // Under a key prefix of its own: the bucket notifies the inbound queue of its mail prefix
    // only, and nothing here may reach the queue the end-to-end measure drains.
    let store = SmtpReceiver {
        s3: smtp.s3.clone(),
        bucket: smtp.bucket.clone(),
        prefix: "bench-limit/".into(),
    };
    let (store, intake) = (&store, &desk.host.inbound().intake);
    let load = mail_load(&test_support::unique("limit"), mails, replies);
    let (firsts, answers) = load.split_at(mails - replies);
    let start = Instant::now();
    let mut latencies = Vec::with_capacity(mails);
    for (phase, expected) in [(firsts, "a ticket"), (answers, "a reply threaded")] {
        let done: Vec<_> = futures::stream::iter(phase)
            .map(|(from, mail)| async move {
                let one = Instant::now();
                let key = store
                    .store("bench.client.example.cz", from, mail.clone().into_bytes())
                    .await?;
                let blob = BlobRef {
                    bucket: store.bucket.clone(),
                    key,
                };
                // The same work as end to end, or the figure is not its limit.
                match (intake.receive(&blob).await?, expected) {
                    (Outcome::Created(_), "a ticket") | (Outcome::Added(_), "a reply threaded") => {}
                    (outcome, _) => bail!("a mail of the limit's load became {outcome:?}, not {expected}"),
                }
                Ok::<_, anyhow::Error>(one.elapsed())
            })
            .buffer_unordered(MAILS_AT_ONCE)
            .try_collect()
            .await?;
        latencies.extend(done);
    }
    Ok(Rate::new(mails, start.elapsed(), latencies))
}
