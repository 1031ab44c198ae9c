//! Metrics: keeping the aggregates as ticket events arrive (the metrics consumer), and reading
//! a period's figures from them (the API's `GET /v1/metrics` and the scheduled reports).

use chrono::NaiveDate;
use chrono_tz::Tz;

use crate::domain::metrics::figures::{DayFigures, by_day, hour_range};
use crate::domain::metrics::{Dimension, contribution, needs_reply_count};
use crate::domain::{Author, Delivery, TicketEvent, Visibility};
use crate::ports::{MetricsStore, PageRequest, StoreError, TicketStore};

/// What recording an event did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    Added,
    /// This event was recorded before (a redelivery).
    AlreadyCounted,
    /// It adds nothing to any figure.
    NothingToAdd,
}

/// Adds one ticket event to the aggregates, once however often it is delivered.
pub async fn record_event<S: MetricsStore + TicketStore>(
    store: &S,
    event: &TicketEvent,
) -> Result<Recorded, StoreError> {
    let replies = if needs_reply_count(event) {
        Some(agent_replies_until(store, event).await?)
    } else {
        None
    };
    let Some(contribution) = contribution(event, replies) else {
        return Ok(Recorded::NothingToAdd);
    };
    Ok(if store.record_contribution(event.id, &contribution).await? {
        Recorded::Added
    } else {
        Recorded::AlreadyCounted
    })
}

/// The ticket's public agent replies written up to the event (a solve), from its conversation:
/// the same answer at every redelivery, whatever came after. A description an agent recorded
/// when opening the ticket is public but was never sent (`Delivery::None`): not a reply.
async fn agent_replies_until<S: TicketStore>(store: &S, event: &TicketEvent) -> Result<u32, StoreError> {
    let mut count = 0;
    let mut page = PageRequest {
        limit: 100,
        cursor: None,
    };
    loop {
        let found = store.list_messages(event.ticket_id, &page).await?;
        count += found
            .items
            .iter()
            .filter(|m| {
                m.author() == Author::Agent
                    && m.visibility == Visibility::Public
                    && m.delivery != Delivery::None
                    && m.created_at <= event.at
            })
            .count() as u32;
        match found.cursor {
            Some(cursor) => page.cursor = Some(cursor),
            None => return Ok(count),
        }
    }
}

/// A period of local days in a time zone, grouped one way.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricsQuery {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub group_by: Dimension,
    pub tz: Tz,
}

/// The longest period one request may ask for.
pub const MAX_DAYS: i64 = 400;

/// Each day's figures per group over the period, from the aggregates: one Query of the hours
/// from the period's start up to now (the hours after it give the backlog at each day's end)
/// and one of the groups' backlog now.
pub async fn figures<S: MetricsStore>(store: &S, query: &MetricsQuery) -> Result<Vec<DayFigures>, StoreError> {
    let (first_hour, _) = hour_range(query.from, query.to, query.tz);
    let (rows, backlog) = futures::join!(
        store.hour_rows(query.group_by, &first_hour),
        store.backlog_now(query.group_by)
    );
    Ok(by_day(&rows?, &backlog?, query.from, query.to, query.tz))
}

/// A rebuild of the aggregates of UTC days `from..=to` from the tickets' stored events, for when
/// aggregates were lost (a DLQ expired, a bug): tickets created from `since` (the oldest ticket
/// that may have changed in the period) to the period's end are read, their events in the
/// period added up as the metrics consumer would, and the period's hours replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rebuild {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub since: NaiveDate,
}

/// What a rebuild read and wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Rebuilt {
    pub tickets: usize,
    pub events: usize,
    pub hours: usize,
}

/// Recomputes the aggregates of a period from the tickets. Safe to run again: each run
/// replaces the period's hours with the same figures. Events redelivered to the consumer
/// afterwards still count once (their markers stay); run it once the metrics queue is drained.
pub async fn rebuild<S: MetricsStore + TicketStore>(store: &S, request: &Rebuild) -> Result<Rebuilt, StoreError> {
    use std::collections::BTreeMap;

    use crate::domain::Timestamp;
    use crate::domain::metrics::Tally;
    use crate::domain::metrics::figures::HourRow;

    let start = request.from.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
    let end = (request.to + chrono::Duration::days(1))
        .and_hms_opt(0, 0, 0)
        .unwrap_or_default()
        .and_utc();
    let (first_hour, last_hour) = hour_range(request.from, request.to, chrono_tz::UTC);
    let mut report = Rebuilt::default();
    let mut tallies: BTreeMap<(Dimension, String, String), Tally> = BTreeMap::new();
    let mut query = crate::ports::TicketQuery {
        created_from: Some(Timestamp::new(
            request.since.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc(),
        )),
        created_to: Some(Timestamp::new(end)),
        limit: 100,
        ..Default::default()
    };
    loop {
        let page = store.list_tickets(&query).await?;
        for ticket in &page.items {
            report.tickets += 1;
            for event in store.ticket_events(ticket.id).await? {
                let at = event.at.as_datetime();
                if at < start || at >= end {
                    continue;
                }
                let replies = if needs_reply_count(&event) {
                    Some(agent_replies_until(store, &event).await?)
                } else {
                    None
                };
                let Some(contribution) = contribution(&event, replies) else {
                    continue;
                };
                report.events += 1;
                for group in contribution.groups {
                    tallies
                        .entry((group.dimension, contribution.hour.clone(), group.value))
                        .or_default()
                        .add(&contribution.tally);
                }
            }
        }
        match page.cursor {
            Some(cursor) => query.cursor = Some(cursor),
            None => break,
        }
    }
    for dimension in Dimension::ALL {
        let rows: Vec<HourRow> = tallies
            .iter()
            .filter(|((d, _, _), _)| *d == dimension)
            .map(|((_, hour, group), tally)| HourRow {
                hour: hour.clone(),
                group: group.clone(),
                tally: tally.clone(),
            })
            .collect();
        report.hours += store.replace_hours(dimension, &first_hour, &last_hour, &rows).await?;
    }
    Ok(report)
}
