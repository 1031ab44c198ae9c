//! The SLA sweep's cost against the size of the table: tables of 1,000 and 100,000 unsolved
//! tickets with SLA clocks, the same 100 of them past due, swept once each; and 6,000 due at
//! once, swept run after run with the production limits until none is left. The tickets are
//! loaded with BatchWriteItem in their stored form (`ticket_item`), clocks set by the domain's
//! own `settle`, since creating 100,000 through the API would take the bench an hour.

use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use aws_config::SdkConfig;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{PutRequest, WriteRequest};
use futures::{StreamExt, TryStreamExt};
use shared::adapters::dynamodb::{DynamoStore, ticket_item};
use shared::domain::sla::{Answered, SlaBook, SlaPolicy, SlaPolicyDraft, settle};
use shared::domain::{Channel, EmailAddress, RequesterDetails, SlaPolicyId, Ticket, TicketNumber, Timestamp};
use shared::ports::SlaStore;
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

/// A table with `tickets` tickets under the bench policy: `due` created two hours before
/// [`NOW`] (first response past due), the rest ten minutes before (nothing due yet).
async fn load(sdk: &SdkConfig, tickets: usize, due: usize) -> Result<(String, SlaPolicy)> {
    let table = test_support::fresh_table(sdk).await;
    let client = Client::new(sdk);
    let policy = policy()?;
    DynamoStore::new(client.clone(), table.clone())
        .put_sla_policy(&policy, true)
        .await?;
    let book = SlaBook::new(vec![(policy.clone(), Default::default())]);
    let requester = RequesterDetails::new(None, Some(EmailAddress::parse("bench@example.cz")?), None, None)?
        .into_contact(shared::domain::ContactId::generate(at(NOW)), at(NOW));
    let (book, requester) = (&book, &requester);
    futures::stream::iter(
        (0..tickets)
            .collect::<Vec<_>>()
            .chunks(25)
            .map(<[usize]>::to_vec)
            .collect::<Vec<_>>(),
    )
    .map(|chunk| {
        let (client, table) = (client.clone(), table.clone());
        async move {
            let mut writes = Vec::with_capacity(chunk.len());
            for n in chunk {
                let created = if n < due {
                    at("2026-12-07T08:00:00Z")
                } else {
                    at("2026-12-07T09:50:00Z")
                };
                let mut ticket = Ticket::new(
                    TicketNumber::new(1001 + n as u64),
                    format!("Till {n} is down"),
                    Channel::Email,
                    requester,
                    created,
                );
                settle(&mut ticket, Answered::default(), created, book);
                let item = ticket_item(&ticket)?;
                writes.push(
                    WriteRequest::builder()
                        .put_request(PutRequest::builder().set_item(Some(item)).build()?)
                        .build(),
                );
            }
            let mut pending = Some(std::collections::HashMap::from([(table.clone(), writes)]));
            while let Some(items) = pending.take().filter(|m| m.values().any(|v| !v.is_empty())) {
                let out = client.batch_write_item().set_request_items(Some(items)).send().await?;
                pending = out.unprocessed_items;
            }
            Ok::<_, anyhow::Error>(())
        }
    })
    .buffer_unordered(8)
    .try_collect::<Vec<_>>()
    .await?;
    Ok((table, policy))
}

/// One sweep as of [`NOW`] over a table of `tickets` with `due` past due.
pub async fn scale(
    plain: &SdkConfig,
    counting: &SdkConfig,
    counter: &Counter,
    tickets: usize,
    due: usize,
) -> Result<SweepScale> {
    let (table, _) = load(plain, tickets, due).await?;
    let store = DynamoStore::new(Client::new(counting), table.clone());
    counter.take();
    let start = Instant::now();
    let report = sweep_sla(&store, at(NOW), reactor::SLA_SWEEP_LIMITS).await?;
    let time = start.elapsed();
    let counts = counter.take();
    drop_table(plain, &table).await?;
    if report.flagged != due || !report.complete {
        bail!(
            "the sweep over {tickets} tickets flagged {} of {due}: {report:?}",
            report.flagged
        );
    }
    Ok(SweepScale {
        tickets,
        due,
        flagged: report.flagged,
        time,
        counts,
    })
}

/// `due` tickets due at once, swept run after run (the production page and time budget) until
/// a run finishes; then once more, which must find nothing.
pub async fn backlog(plain: &SdkConfig, due: usize) -> Result<Backlog> {
    let (table, _) = load(plain, due, due).await?;
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

/// Drops a measured table: DynamoDB Local keeps every table in one process, and one holding
/// 100,000 tickets slowed every later write (a 6,000-ticket backlog, swept after it, was still
/// going after 30 minutes on 2026-12-07).
async fn drop_table(sdk: &SdkConfig, table: &str) -> Result<()> {
    Client::new(sdk).delete_table().table_name(table).send().await?;
    Ok(())
}
