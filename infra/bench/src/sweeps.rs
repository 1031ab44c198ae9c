//! The sweeps' cost against the size of the table: one table of 1,000 and one of 100,000
//! tickets, half unsolved with SLA clocks and half resolved under the default rule that closes
//! them after 7 days, the same 100 of each half due; the SLA sweep and the time sweep run once
//! each over it. Then 6,000 SLA clocks due at once, swept run after run with the production
//! limits until none is left. The tickets are loaded with BatchWriteItem in their stored form
//! (`ticket_item`, `next_look_item`), clocks and looks set by the domain's own `settle` and
//! `first_look`, since creating 100,000 through the API would take the bench an hour.

use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use aws_config::SdkConfig;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{PutRequest, WriteRequest};
use futures::{StreamExt, TryStreamExt};
use shared::adapters::dynamodb::{DynamoStore, Item, next_look_item, ticket_item};
use shared::adapters::sesv2::SesMailer;
use shared::domain::rules::first_look;
use shared::domain::sla::{Answered, SlaBook, SlaPolicy, SlaPolicyDraft, settle};
use shared::domain::{
    Channel, Contact, EmailAddress, RequesterDetails, SlaPolicyId, Status, SystemClock, Ticket, TicketNumber, Timestamp,
};
use shared::ports::{RuleStore, SlaStore};
use shared::usecases::sla_sweep::sweep_sla;

use crate::counting::{Counter, Counts};

/// The sweep's "now": a Monday morning.
const NOW: &str = "2026-12-07T10:00:00Z";

/// One sweep over a table of `tickets` of which `due` were past due.
pub struct SweepScale {
    pub tickets: usize,
    pub due: usize,
    pub flagged: usize,
    pub time: Duration,
    pub counts: Counts,
}

/// The sweeps' figures: per table size, the SLA sweep's and the time sweep's run over it; then
/// the SLA backlog.
pub struct Sweeps {
    pub sla: Vec<SweepScale>,
    pub time: Vec<SweepScale>,
    pub backlog: Backlog,
}

/// Run after run over a backlog of `due` tickets all due at once.
pub struct Backlog {
    pub due: usize,
    /// Per run: flagged, and whether it finished what was due.
    pub runs: Vec<(usize, bool, Duration)>,
    /// What a last run found once all were flagged.
    pub after: usize,
}

fn at(text: &str) -> Timestamp {
    Timestamp::parse(text).expect("a fixed instant")
}

/// Calendar time, so the figures are the sweep's and not the calendar's: first response in an
/// hour, resolution in a day.
fn policy() -> Result<SlaPolicy> {
    let draft: SlaPolicyDraft = serde_json::from_value(serde_json::json!({
        "name": "Bench", "position": 1, "business_time": false,
        "targets": {"normal": {"first_response": 60, "resolution": 1440}}
    }))?;
    let now = at(NOW);
    Ok(SlaPolicy::from_draft(SlaPolicyId::generate(now), draft, now, now))
}

fn requester() -> Result<Contact> {
    Ok(
        RequesterDetails::new(None, Some(EmailAddress::parse("bench@example.cz")?), None, None)?
            .into_contact(shared::domain::ContactId::generate(at(NOW)), at(NOW)),
    )
}

/// `count` tickets by mail from one requester, numbered from `first`, each with the moment it
/// was made at: the first `due` at `due_at`, the rest at `later_at`.
fn tickets(
    first: usize,
    count: usize,
    due: usize,
    due_at: &str,
    later_at: &str,
) -> Result<impl Iterator<Item = (Ticket, Timestamp)>> {
    let requester = requester()?;
    let (due_at, later_at) = (at(due_at), at(later_at));
    Ok((0..count).map(move |n| {
        let moment = if n < due { due_at } else { later_at };
        let ticket = Ticket::new(
            TicketNumber::new(1001 + (first + n) as u64),
            format!("Till {n} is down"),
            Channel::Email,
            &requester,
            moment,
        );
        (ticket, moment)
    }))
}

/// A table as a desk keeps it, with the default rules and the bench's SLA policy:
/// - `unsolved` tickets under the policy, `due` of them created two hours before [`NOW`] (first
///   response past due, so the SLA sweep flags them), the rest ten minutes before;
/// - `resolved` tickets with their next looks under the default rule "Close resolved tickets
///   after 7 days", `due` of them resolved eight days before [`NOW`] (so the time sweep closes
///   them), the rest a day before (looked at in six days, so never read now).
async fn load(sdk: &SdkConfig, unsolved: usize, resolved: usize, due: usize) -> Result<String> {
    let table = test_support::fresh_table(sdk).await;
    // A desk's first run writes the default rules and sets the next looks from them; on the
    // empty table, so the measured run is an ordinary one.
    time_sweeper(sdk, &table)?
        .reactor
        .sweep(at(NOW), reactor::SWEEP_LIMITS)
        .await?;
    let client = Client::new(sdk);
    let store = DynamoStore::new(client.clone(), table.clone());
    let rules = store.list_rules().await?;
    let policy = policy()?;
    store.put_sla_policy(&policy, true).await?;
    let book = SlaBook::new(vec![(policy, Default::default())]);
    let mut items = Vec::with_capacity(unsolved + 2 * resolved);
    for (mut ticket, created) in tickets(0, unsolved, due, "2026-12-07T08:00:00Z", "2026-12-07T09:50:00Z")? {
        settle(&mut ticket, Answered::default(), created, &book);
        items.push(ticket_item(&ticket)?);
    }
    for (mut ticket, resolved_at) in tickets(unsolved, resolved, due, "2026-11-29T10:00:00Z", "2026-12-06T10:00:00Z")? {
        ticket.status = Status::Resolved;
        ticket.resolved_at = Some(resolved_at);
        let Some(look) = first_look(&rules, &ticket, at(NOW)) else {
            bail!("no time rule looks at a resolved ticket: {rules:?}");
        };
        items.push(ticket_item(&ticket)?);
        items.push(next_look_item(ticket.id, look));
    }
    put_items(&client, &table, items).await?;
    Ok(table)
}

/// Writes `items` into `table` 25 to a BatchWriteItem, 8 batches at a time.
async fn put_items(client: &Client, table: &str, items: Vec<Item>) -> Result<()> {
    let mut batches = Vec::new();
    let mut items = items.into_iter().peekable();
    while items.peek().is_some() {
        batches.push(items.by_ref().take(25).collect::<Vec<_>>());
    }
    futures::stream::iter(batches)
        .map(|batch| async move {
            let writes = batch
                .into_iter()
                .map(|item| {
                    Ok(WriteRequest::builder()
                        .put_request(PutRequest::builder().set_item(Some(item)).build()?)
                        .build())
                })
                .collect::<Result<Vec<_>>>()?;
            let mut pending = Some(std::collections::HashMap::from([(table.to_owned(), writes)]));
            while let Some(items) = pending.take().filter(|m| m.values().any(|v| !v.is_empty())) {
                let out = client.batch_write_item().set_request_items(Some(items)).send().await?;
                pending = out.unprocessed_items;
            }
            Ok::<_, anyhow::Error>(())
        })
        .buffer_unordered(8)
        .try_collect::<Vec<_>>()
        .await?;
    Ok(())
}

/// Both sweeps as of [`NOW`] over one table of `tickets`, half unsolved with SLA clocks and half
/// resolved (see [`load`]), `due` of each half due: the SLA sweep's run, then the time sweep's.
/// One table for both, since loading 100,000 tickets into DynamoDB Local takes most of the
/// bench's time (150,000 items here, about half an hour).
pub async fn scale(
    plain: &SdkConfig,
    counting: &SdkConfig,
    counter: &Counter,
    tickets: usize,
    due: usize,
) -> Result<(SweepScale, SweepScale)> {
    let resolved = tickets / 2;
    let table = load(plain, tickets - resolved, resolved, due).await?;
    let store = DynamoStore::new(Client::new(counting), table.clone());
    counter.take();
    let start = Instant::now();
    let report = sweep_sla(&store, at(NOW), reactor::SLA_SWEEP_LIMITS).await?;
    let sla = SweepScale {
        tickets,
        due,
        flagged: report.flagged,
        time: start.elapsed(),
        counts: counter.take(),
    };
    if report.flagged != due || !report.complete {
        bail!("the SLA sweep over {tickets} tickets flagged {report:?}, {due} due");
    }
    let sweeper = time_sweeper(counting, &table)?;
    counter.take();
    let start = Instant::now();
    let report = sweeper.reactor.sweep(at(NOW), reactor::SWEEP_LIMITS).await?;
    let time = SweepScale {
        tickets,
        due,
        flagged: report.swept,
        time: start.elapsed(),
        counts: counter.take(),
    };
    drop_table(plain, &table).await?;
    if report.swept != due || report.failed > 0 || !report.complete {
        bail!("the time sweep over {tickets} tickets swept {report:?}, {due} due");
    }
    Ok((sla, time))
}

/// `due` tickets due at once, swept run after run (the production page and time budget) until
/// a run finishes; then once more, which must find nothing.
pub async fn backlog(plain: &SdkConfig, due: usize) -> Result<Backlog> {
    let table = load(plain, due, 0, due).await?;
    let store = DynamoStore::new(Client::new(plain), table);
    let mut runs = Vec::new();
    loop {
        let start = Instant::now();
        let report = sweep_sla(&store, at(NOW), reactor::SLA_SWEEP_LIMITS).await?;
        runs.push((report.flagged, report.complete, start.elapsed()));
        if report.complete || runs.len() > 100 {
            break;
        }
    }
    let after = sweep_sla(&store, at(NOW), reactor::SLA_SWEEP_LIMITS).await?.flagged;
    drop_table(plain, store.table()).await?;
    let flagged: usize = runs.iter().map(|(n, _, _)| n).sum();
    if flagged != due || after != 0 {
        bail!("{due} due: the runs flagged {flagged}, and a last run {after}");
    }
    Ok(Backlog { due, runs, after })
}

/// The reactor's time sweep on `table`, with the dev host's settings, its requests through `sdk`.
fn time_sweeper(sdk: &SdkConfig, table: &str) -> Result<reactor::Deps<DynamoStore, SesMailer, SystemClock>> {
    let env = devhost::host::function_env(&devhost::local::LocalNames::with_prefix("bench"), "http://127.0.0.1/")
        .with("TABLE_NAME", table);
    let config = reactor::Config::from_env(&env, &test_support::desk_secrets())?;
    Ok(reactor::Deps::new(config, sdk))
}

/// Drops a measured table: DynamoDB Local keeps every table in one process, and one holding
/// 100,000 tickets slowed every later write (a 6,000-ticket backlog, swept after it, was still
/// going after 30 minutes on 2026-12-07). Dropping it was not enough (2026-12-08: the same
/// backlog after a dropped 150,000-item table ran over 20 minutes), so the bench runs the
/// backlog before the large tables.
async fn drop_table(sdk: &SdkConfig, table: &str) -> Result<()> {
    Client::new(sdk).delete_table().table_name(table).send().await?;
    Ok(())
}
