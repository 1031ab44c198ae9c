//! Tickets, messages and audit events.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes, PutRequest, ReturnValue, WriteRequest};
use chrono::{Datelike, NaiveDate};

use super::cursor::Cursor;
use super::items::{self, Item, s};
use super::keys::*;
use super::{DynamoStore, sdk_error};
use crate::domain::load::net_load_changes;
use crate::domain::{
    AgentId, AgentLoad, AuditEvent, BlobRef, Contact, Delivery, EmailDetails, LoadChange, Message, MessageId, Ticket,
    TicketId, TicketNumber, Timestamp,
};
use crate::ports::{OnceKey, Page, PageRequest, StoreError, TicketQuery, TicketSort, TicketStore, TicketWrite};

/// Items a filtered list may read per request before it returns a short page with a cursor,
/// so one request's cost stays bounded whatever the filters.
const QUERIES_PER_PAGE: usize = 10;
const FILTERED_READ_SIZE: i32 = 100;

impl TicketStore for DynamoStore {
    async fn next_ticket_number(&self, now: Timestamp) -> Result<TicketNumber, StoreError> {
        // The month bounds let an unfiltered list know which creation months to walk.
        let out = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(PK, s(COUNTER_PK))
            .key(SK, s(COUNTER_SK))
            .update_expression(
                "ADD #value :one SET first_month = if_not_exists(first_month, :month), last_month = :month",
            )
            .expression_attribute_names("#value", "value")
            .expression_attribute_values(":one", AttributeValue::N("1".into()))
            .expression_attribute_values(":month", s(now.month()))
            .return_values(ReturnValue::UpdatedNew)
            .send()
            .await
            .map_err(sdk_error)?;
        let value = out
            .attributes()
            .and_then(|a| a.get("value"))
            .and_then(|v| v.as_n().ok())
            .and_then(|n| n.parse::<u64>().ok())
            .ok_or_else(|| StoreError::Unknown("the ticket counter returned no value".into()))?;
        Ok(TicketNumber::new(NUMBER_OFFSET + value))
    }

    async fn create_ticket(&self, write: &TicketWrite, new_contact: Option<&Contact>) -> Result<(), StoreError> {
        let ticket = &write.ticket;
        let mut tx = vec![
            self.put(items::ticket_item(ticket)?, Some("attribute_not_exists(pk)"))?,
            self.put(
                items::pointer_item(number_pk(ticket.number), NUMBER_SK, "ticket_id", ticket.id.to_string()),
                Some("attribute_not_exists(pk)"),
            )?,
        ];
        let contact_items = match new_contact {
            Some(contact) => self.contact_puts(contact)?,
            None => vec![],
        };
        let contact_range = tx.len()..tx.len() + contact_items.len();
        tx.extend(contact_items);
        tx.extend(self.timeline_puts(&write.messages, &write.events)?);
        let once_range = tx.len()..tx.len() + write.once.len();
        tx.extend(self.once_puts(write)?);
        let loads_start = tx.len();
        tx.extend(self.load_updates(&net_load_changes(write.load_changes()), &[])?);
        self.transact(tx, |i| match i {
            0 => StoreError::AlreadyExists { what: "ticket".into() },
            1 => StoreError::AlreadyExists {
                what: "ticket number".into(),
            },
            i if contact_range.contains(&i) => StoreError::AlreadyExists { what: "contact".into() },
            i if once_range.contains(&i) => StoreError::AlreadyExists { what: "mail".into() },
            // Load counters carry no condition here; were one to fail, reading again is the answer.
            i if i >= loads_start => StoreError::VersionConflict,
            _ => StoreError::AlreadyExists {
                what: "message or event".into(),
            },
        })
        .await
    }

    async fn commit_at_loads(&self, writes: &[TicketWrite], loads_seen: &[AgentLoad]) -> Result<(), StoreError> {
        let mut tx = Vec::new();
        let mut ticket_positions = Vec::new();
        let mut once_ranges = Vec::new();
        for write in writes {
            ticket_positions.push(tx.len());
            let item = items::ticket_item(&write.ticket)?;
            tx.push(match write.read {
                Some(read) => {
                    if write.ticket.version != read.version().next() {
                        return Err(StoreError::Unknown(
                            "a ticket write must be at the version after the one it read".into(),
                        ));
                    }
                    self.put_at_version(item, read.version().value())?
                }
                None => self.put(item, Some("attribute_not_exists(pk)"))?,
            });
            tx.extend(self.timeline_puts(&write.messages, &write.events)?);
            once_ranges.push(tx.len()..tx.len() + write.once.len());
            tx.extend(self.once_puts(write)?);
        }
        // After the once keys: when a redelivery finds its key taken, that is the answer
        // (the first failed condition names the error), not a load that moved since.
        let loads_start = tx.len();
        let changes = net_load_changes(writes.iter().flat_map(TicketWrite::load_changes));
        tx.extend(self.load_updates(&changes, loads_seen)?);
        self.transact(tx, |i| {
            // A ticket at another version, or a load counter that moved: read again.
            if ticket_positions.contains(&i) || i >= loads_start {
                StoreError::VersionConflict
            } else if once_ranges.iter().any(|r| r.contains(&i)) {
                StoreError::AlreadyExists { what: "mail".into() }
            } else {
                StoreError::AlreadyExists {
                    what: "message or event".into(),
                }
            }
        })
        .await
    }

    async fn carry_over(&self, messages: &[Message], events: &[AuditEvent]) -> Result<(), StoreError> {
        let mut requests = Vec::new();
        for m in messages {
            requests.push(put_request(items::message_item(m)?)?);
        }
        for e in events {
            requests.push(put_request(items::event_item(e)?)?);
        }
        for chunk in requests.chunks(25) {
            self.batch_write(chunk.to_vec()).await?;
        }
        Ok(())
    }

    async fn get_message(&self, ticket: TicketId, message: MessageId) -> Result<Option<Message>, StoreError> {
        self.get(ticket_pk(ticket), &format!("{MESSAGE_PREFIX}{message}"))
            .await?
            .map(items::from_item)
            .transpose()
    }

    async fn record_delivery(
        &self,
        ticket: TicketId,
        message: MessageId,
        delivery: Delivery,
        email: Option<&EmailDetails>,
    ) -> Result<(), StoreError> {
        let delivery_value = serde_dynamo::to_attribute_value(delivery).map_err(StoreError::unknown)?;
        let mut update = aws_sdk_dynamodb::types::Update::builder()
            .table_name(&self.table)
            .key(PK, s(ticket_pk(ticket)))
            .key(SK, s(format!("{MESSAGE_PREFIX}{message}")))
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_names("#delivery", "delivery")
            .expression_attribute_values(":delivery", delivery_value);
        update = match email {
            Some(details) => {
                let value = serde_dynamo::to_attribute_value(details).map_err(StoreError::unknown)?;
                update
                    .update_expression("SET #delivery = :delivery, #email = :email")
                    .expression_attribute_names("#email", "email")
                    .expression_attribute_values(":email", value)
            }
            None => update.update_expression("SET #delivery = :delivery"),
        };
        let mut tx = vec![
            aws_sdk_dynamodb::types::TransactWriteItem::builder()
                .update(update.build().map_err(StoreError::unknown)?)
                .build(),
        ];
        if let Some(id) = email.and_then(|e| e.message_id.as_deref()) {
            let mut pointer = items::pointer_item(message_id_pk(id), MESSAGE_ID_SK, "ticket_id", ticket.to_string());
            pointer.insert("message_id".into(), s(message.to_string()));
            tx.push(self.put(pointer, None)?);
        }
        self.transact(tx, |_| StoreError::NotFound {
            what: format!("message {message}"),
        })
        .await
    }

    async fn remember_message_id(
        &self,
        message_id: &str,
        ticket: TicketId,
        message: MessageId,
    ) -> Result<(), StoreError> {
        let mut pointer = items::pointer_item(
            message_id_pk(message_id),
            MESSAGE_ID_SK,
            "ticket_id",
            ticket.to_string(),
        );
        pointer.insert("message_id".into(), s(message.to_string()));
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(pointer))
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(())
    }

    async fn find_message_id(&self, message_id: &str) -> Result<Option<(TicketId, MessageId)>, StoreError> {
        let Some(item) = self.get(message_id_pk(message_id), MESSAGE_ID_SK).await? else {
            return Ok(None);
        };
        let ticket = items::string_attr(&item, "ticket_id").map(|t| TicketId::parse(&t));
        let message = items::string_attr(&item, "message_id").map(|m| MessageId::parse(&m));
        match (ticket, message) {
            (Some(Ok(t)), Some(Ok(m))) => Ok(Some((t, m))),
            _ => Err(StoreError::Unknown("Message-ID item without ticket and message".into())),
        }
    }

    async fn record_unticketed_mail(&self, raw: &BlobRef, reason: &str, at: Timestamp) -> Result<bool, StoreError> {
        let mut item = items::pointer_item(raw_mail_pk(&raw.key), RAW_MAIL_SK, "reason", reason.to_owned());
        item.insert("bucket".into(), s(&raw.bucket));
        item.insert("key".into(), s(&raw.key));
        item.insert("at".into(), s(at.to_string()));
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_conditional_check_failed_exception()) =>
            {
                Ok(false)
            }
            Err(e) => Err(sdk_error(e)),
        }
    }

    async fn agent_loads(&self, agents: &[AgentId]) -> Result<Vec<AgentLoad>, StoreError> {
        let mut counts = HashMap::new();
        let mut unique: Vec<AgentId> = agents.to_vec();
        unique.sort();
        unique.dedup();
        // BatchGetItem takes at most 100 keys.
        for chunk in unique.chunks(100) {
            let keys = chunk
                .iter()
                .map(|agent| {
                    HashMap::from([
                        (PK.to_owned(), s(agent_load_pk(*agent))),
                        (SK.to_owned(), s(AGENT_LOAD_SK)),
                    ])
                })
                .collect();
            for item in self.batch_get(keys).await? {
                let count = item
                    .get(LOAD)
                    .and_then(|v| v.as_n().ok())
                    .and_then(|n| n.parse::<i64>().ok())
                    .ok_or_else(|| StoreError::Unknown("an agent-load item without a load".into()))?;
                if let Some(pk) = items::string_attr(&item, PK) {
                    counts.insert(pk, count);
                }
            }
        }
        Ok(agents
            .iter()
            .map(|agent| AgentLoad {
                agent: *agent,
                count: counts.get(&agent_load_pk(*agent)).copied().unwrap_or(0),
            })
            .collect())
    }

    async fn get_ticket(&self, id: TicketId) -> Result<Option<Ticket>, StoreError> {
        self.get(ticket_pk(id), TICKET_SK)
            .await?
            .map(items::from_item)
            .transpose()
    }

    async fn find_ticket_id(&self, number: TicketNumber) -> Result<Option<TicketId>, StoreError> {
        let Some(item) = self.get(number_pk(number), NUMBER_SK).await? else {
            return Ok(None);
        };
        let id = items::string_attr(&item, "ticket_id")
            .ok_or_else(|| StoreError::Unknown("number item without ticket_id".into()))?;
        TicketId::parse(&id).map(Some).map_err(StoreError::unknown)
    }

    async fn list_tickets(&self, query: &TicketQuery) -> Result<Page<Ticket>, StoreError> {
        let plan = self.plan(query).await?;
        self.run_plan(&plan, query).await
    }

    async fn list_messages(&self, ticket: TicketId, page: &PageRequest) -> Result<Page<Message>, StoreError> {
        let (items, cursor) = self.timeline(ticket, MESSAGE_PREFIX, page).await?;
        let items = items.into_iter().map(items::from_item).collect::<Result<_, _>>()?;
        Ok(Page { items, cursor })
    }

    async fn list_events(&self, ticket: TicketId, page: &PageRequest) -> Result<Page<AuditEvent>, StoreError> {
        let (items, cursor) = self.timeline(ticket, EVENT_PREFIX, page).await?;
        let items = items.iter().map(items::event_from_item).collect::<Result<_, _>>()?;
        Ok(Page { items, cursor })
    }
}

fn put_request(item: Item) -> Result<WriteRequest, StoreError> {
    let put = PutRequest::builder()
        .set_item(Some(item))
        .build()
        .map_err(StoreError::unknown)?;
    Ok(WriteRequest::builder().put_request(put).build())
}

/// How one list request reads: an index, the partitions to walk in order, and the rest.
struct Plan {
    index: Index,
    partitions: Vec<String>,
    ascending: bool,
    /// Created range on the sort key (only on indexes sorted by creation).
    key_range: Option<(Option<String>, Option<String>)>,
    filter: Option<String>,
    names: HashMap<String, String>,
    values: HashMap<String, AttributeValue>,
}

impl DynamoStore {
    pub(super) async fn get(&self, pk: String, sk: &str) -> Result<Option<Item>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(PK, s(pk))
            .key(SK, s(sk))
            .consistent_read(true)
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(out.item)
    }

    fn put_at_version(
        &self,
        item: Item,
        expected: u64,
    ) -> Result<aws_sdk_dynamodb::types::TransactWriteItem, StoreError> {
        let put = aws_sdk_dynamodb::types::Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("#version = :expected")
            .expression_attribute_names("#version", "version")
            .expression_attribute_values(":expected", AttributeValue::N(expected.to_string()))
            .build()
            .map_err(StoreError::unknown)?;
        Ok(aws_sdk_dynamodb::types::TransactWriteItem::builder().put(put).build())
    }

    /// The load counters' updates: `ADD` each agent's change (an absent counter starts at 0),
    /// and where a load was seen, the condition that it still is (a `ConditionCheck` for an
    /// agent whose load this transaction does not change). One item per agent: a transaction
    /// may touch an item only once.
    fn load_updates(
        &self,
        changes: &[LoadChange],
        loads_seen: &[AgentLoad],
    ) -> Result<Vec<aws_sdk_dynamodb::types::TransactWriteItem>, StoreError> {
        let mut seen: BTreeMap<AgentId, i64> = loads_seen.iter().map(|l| (l.agent, l.count)).collect();
        let condition = |count: i64| {
            let expression = if count == 0 {
                "attribute_not_exists(#load) OR #load = :seen"
            } else {
                "#load = :seen"
            };
            (expression, AttributeValue::N(count.to_string()))
        };
        let mut tx = Vec::new();
        for change in changes {
            let mut update = aws_sdk_dynamodb::types::Update::builder()
                .table_name(&self.table)
                .key(PK, s(agent_load_pk(change.agent)))
                .key(SK, s(AGENT_LOAD_SK))
                .update_expression("ADD #load :delta SET entity = :entity, agent_id = :agent")
                .expression_attribute_names("#load", LOAD)
                .expression_attribute_values(":delta", AttributeValue::N(change.delta.to_string()))
                .expression_attribute_values(":entity", s("agent_load"))
                .expression_attribute_values(":agent", s(change.agent.to_string()));
            if let Some(count) = seen.remove(&change.agent) {
                let (expression, value) = condition(count);
                update = update
                    .condition_expression(expression)
                    .expression_attribute_values(":seen", value);
            }
            let update = update.build().map_err(StoreError::unknown)?;
            tx.push(
                aws_sdk_dynamodb::types::TransactWriteItem::builder()
                    .update(update)
                    .build(),
            );
        }
        for (agent, count) in seen {
            let (expression, value) = condition(count);
            let check = aws_sdk_dynamodb::types::ConditionCheck::builder()
                .table_name(&self.table)
                .key(PK, s(agent_load_pk(agent)))
                .key(SK, s(AGENT_LOAD_SK))
                .condition_expression(expression)
                .expression_attribute_names("#load", LOAD)
                .expression_attribute_values(":seen", value)
                .build()
                .map_err(StoreError::unknown)?;
            tx.push(
                aws_sdk_dynamodb::types::TransactWriteItem::builder()
                    .condition_check(check)
                    .build(),
            );
        }
        Ok(tx)
    }

    /// Consistent reads of up to 100 keys; keys DynamoDB left unprocessed are asked again.
    async fn batch_get(&self, keys: Vec<Item>) -> Result<Vec<Item>, StoreError> {
        let mut found = Vec::new();
        let mut keys = keys;
        let mut delay = Duration::from_millis(50);
        for _ in 0..8 {
            let request = KeysAndAttributes::builder()
                .set_keys(Some(keys))
                .consistent_read(true)
                .build()
                .map_err(StoreError::unknown)?;
            let out = self
                .client
                .batch_get_item()
                .request_items(&self.table, request)
                .send()
                .await
                .map_err(sdk_error)?;
            if let Some(mut responses) = out.responses {
                found.extend(responses.remove(&self.table).unwrap_or_default());
            }
            keys = out
                .unprocessed_keys
                .and_then(|mut u| u.remove(&self.table))
                .map(|k| k.keys)
                .unwrap_or_default();
            if keys.is_empty() {
                return Ok(found);
            }
            tokio::time::sleep(delay).await;
            delay *= 2;
        }
        Err(StoreError::Unknown(
            "batch get left unprocessed keys after retries".into(),
        ))
    }

    /// The items that make a write happen once: each must not exist yet.
    fn once_puts(&self, write: &TicketWrite) -> Result<Vec<aws_sdk_dynamodb::types::TransactWriteItem>, StoreError> {
        let ticket = write.ticket.id.to_string();
        write
            .once
            .iter()
            .map(|key| {
                let item = match key {
                    OnceKey::MessageId { message_id, message } => {
                        let mut item =
                            items::pointer_item(message_id_pk(message_id), MESSAGE_ID_SK, "ticket_id", ticket.clone());
                        item.insert("message_id".into(), s(message.to_string()));
                        item
                    }
                    OnceKey::RawMail(key) => {
                        items::pointer_item(raw_mail_pk(key), RAW_MAIL_SK, "ticket_id", ticket.clone())
                    }
                    OnceKey::RulesApplied { event, effects } => {
                        let mut item = items::pointer_item(
                            rules_applied_pk(*event),
                            RULES_APPLIED_SK,
                            "ticket_id",
                            ticket.clone(),
                        );
                        item.insert("effects".into(), s(effects.clone()));
                        item
                    }
                };
                self.put(item, Some("attribute_not_exists(pk)"))
            })
            .collect()
    }

    fn timeline_puts(
        &self,
        messages: &[Message],
        events: &[AuditEvent],
    ) -> Result<Vec<aws_sdk_dynamodb::types::TransactWriteItem>, StoreError> {
        let mut tx = Vec::new();
        for m in messages {
            tx.push(self.put(items::message_item(m)?, Some("attribute_not_exists(pk)"))?);
        }
        for e in events {
            tx.push(self.put(items::event_item(e)?, Some("attribute_not_exists(pk)"))?);
        }
        Ok(tx)
    }

    async fn batch_write(&self, mut requests: Vec<WriteRequest>) -> Result<(), StoreError> {
        let mut delay = Duration::from_millis(50);
        for _ in 0..8 {
            let out = self
                .client
                .batch_write_item()
                .request_items(&self.table, requests)
                .send()
                .await
                .map_err(sdk_error)?;
            requests = out
                .unprocessed_items
                .and_then(|mut u| u.remove(&self.table))
                .unwrap_or_default();
            if requests.is_empty() {
                return Ok(());
            }
            tokio::time::sleep(delay).await;
            delay *= 2;
        }
        Err(StoreError::Unknown(
            "batch write left unprocessed items after retries".into(),
        ))
    }

    async fn timeline(
        &self,
        ticket: TicketId,
        prefix: &str,
        page: &PageRequest,
    ) -> Result<(Vec<Item>, Option<String>), StoreError> {
        let index = "table";
        let start = page
            .cursor
            .as_deref()
            .map(|c| Cursor::decode(c, index, &[PK, SK]))
            .transpose()?;
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("#pk = :pk AND begins_with(#sk, :prefix)")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#sk", SK)
            .expression_attribute_values(":pk", s(ticket_pk(ticket)))
            .expression_attribute_values(":prefix", s(prefix))
            .set_exclusive_start_key(start.and_then(|c| c.start_key()))
            .limit(page.limit as i32)
            .send()
            .await
            .map_err(sdk_error)?;
        let cursor = out.last_evaluated_key.map(|k| {
            Cursor {
                index: index.into(),
                partition: None,
                key: Some(Cursor::key_of(&k, &[PK, SK])),
            }
            .encode()
        });
        Ok((out.items.unwrap_or_default(), cursor))
    }

    /// Chooses the index from the most selective filter. A plan with no partitions matches
    /// nothing (but its cursor is still checked).
    async fn plan(&self, q: &TicketQuery) -> Result<Plan, StoreError> {
        let mut names = HashMap::new();
        let mut values = HashMap::new();
        let mut filters = Vec::new();
        let mut add = |attr: &str, value: String, filters: &mut Vec<String>| {
            names.insert(format!("#{attr}"), attr.to_owned());
            values.insert(format!(":{attr}"), s(value));
            filters.push(format!("#{attr} = :{attr}"));
        };

        let (index, partitions) = if q.sort == TicketSort::MostUrgent {
            (BY_URGENCY, Some(vec![UNSOLVED.to_owned()]))
        } else if let Some(r) = q.requester {
            (BY_REQUESTER, Some(vec![r.to_string()]))
        } else if let Some(a) = q.assignee {
            (BY_ASSIGNEE, Some(vec![a.to_string()]))
        } else if let Some(d) = &q.department {
            (BY_DEPARTMENT, Some(vec![d.to_string()]))
        } else if let Some(st) = q.status {
            (BY_STATUS, Some(vec![st.as_str().to_owned()]))
        } else {
            (BY_MONTH, None)
        };

        if let Some(st) = q.status.filter(|_| index != BY_STATUS) {
            add("status", st.as_str().to_owned(), &mut filters);
        }
        if let Some(d) = q.department.as_ref().filter(|_| index != BY_DEPARTMENT) {
            add("department", d.to_string(), &mut filters);
        }
        if let Some(a) = q.assignee.filter(|_| index != BY_ASSIGNEE) {
            add("assignee", a.to_string(), &mut filters);
        }
        if let Some(r) = q.requester.filter(|_| index != BY_REQUESTER) {
            add("requester", r.to_string(), &mut filters);
        }
        if let Some(p) = q.priority {
            add("priority", p.as_str().to_owned(), &mut filters);
        }
        if let Some(c) = q.channel {
            add("channel", c.as_str().to_owned(), &mut filters);
        }
        if let Some(tag) = &q.tag {
            names.insert("#tags".into(), "tags".into());
            values.insert(":tag".into(), s(tag.as_str()));
            filters.push("contains(#tags, :tag)".into());
        }
        let mut nothing_visible = false;
        if let Some(scope) = &q.scope {
            nothing_visible = scope.is_empty();
            names.insert("#department".into(), "department".into());
            let placeholders: Vec<String> = scope
                .iter()
                .enumerate()
                .map(|(i, d)| {
                    values.insert(format!(":scope{i}"), s(d.as_str()));
                    format!(":scope{i}")
                })
                .collect();
            if !nothing_visible {
                filters.push(format!("#department IN ({})", placeholders.join(", ")));
            }
        }
        let from = q.created_from.map(|t| t.to_string());
        let to = q.created_to.map(|t| format!("{t}~"));
        let key_range = if index.sk == "created_sk" {
            (from.is_some() || to.is_some()).then(|| (from.clone(), to.clone()))
        } else {
            if let Some(f) = &from {
                names.insert("#created_at".into(), "created_at".into());
                values.insert(":created_from".into(), s(f.clone()));
                filters.push("#created_at >= :created_from".into());
            }
            if let Some(t) = q.created_to {
                names.insert("#created_at".into(), "created_at".into());
                values.insert(":created_to".into(), s(t.to_string()));
                filters.push("#created_at <= :created_to".into());
            }
            None
        };

        let ascending = q.sort != TicketSort::Newest;
        let partitions = match partitions {
            _ if nothing_visible => vec![],
            Some(p) => p,
            None => {
                let Some((first, last)) = self.month_bounds().await? else {
                    return Ok(Plan {
                        index,
                        partitions: vec![],
                        ascending,
                        key_range,
                        filter: None,
                        names,
                        values,
                    });
                };
                let first = q
                    .created_from
                    .map(|t| t.month())
                    .filter(|m| *m > first)
                    .unwrap_or(first);
                let last = q.created_to.map(|t| t.month()).filter(|m| *m < last).unwrap_or(last);
                let mut months = months_between(&first, &last);
                if !ascending {
                    months.reverse();
                }
                months
            }
        };
        Ok(Plan {
            index,
            partitions,
            ascending,
            key_range,
            filter: (!filters.is_empty()).then(|| filters.join(" AND ")),
            names,
            values,
        })
    }

    async fn month_bounds(&self) -> Result<Option<(String, String)>, StoreError> {
        let Some(counter) = self.get(COUNTER_PK.into(), COUNTER_SK).await? else {
            return Ok(None);
        };
        Ok(items::string_attr(&counter, "first_month").zip(items::string_attr(&counter, "last_month")))
    }

    async fn run_plan(&self, plan: &Plan, q: &TicketQuery) -> Result<Page<Ticket>, StoreError> {
        let key_attrs = [PK, SK, plan.index.pk, plan.index.sk];
        let walks_months = plan.index == BY_MONTH;
        let cursor = q
            .cursor
            .as_deref()
            .map(|c| Cursor::decode(c, plan.index.name, &key_attrs))
            .transpose()?;
        let mut start_key = cursor.as_ref().and_then(Cursor::start_key);
        let first_partition = match cursor.as_ref().and_then(|c| c.partition.as_ref()) {
            Some(p) => plan
                .partitions
                .iter()
                .position(|x| x == p)
                .ok_or(StoreError::InvalidCursor)?,
            None => 0,
        };
        if walks_months != cursor.as_ref().is_some_and(|c| c.partition.is_some()) && cursor.is_some() {
            return Err(StoreError::InvalidCursor);
        }
        let mut tickets = Vec::new();
        let mut queries = 0;
        for (pi, partition) in plan.partitions.iter().enumerate().skip(first_partition) {
            loop {
                let remaining = (q.limit - tickets.len()) as i32;
                let limit = if plan.filter.is_some() {
                    FILTERED_READ_SIZE.max(remaining)
                } else {
                    remaining
                };
                let (items, last) = self.query_partition(plan, partition, start_key.take(), limit).await?;
                queries += 1;
                let count = items.len();
                for (i, item) in items.into_iter().enumerate() {
                    let key = Cursor::key_of(&item, &key_attrs);
                    tickets.push(items::from_item(item)?);
                    if tickets.len() == q.limit {
                        let more = i + 1 < count || last.is_some() || pi + 1 < plan.partitions.len();
                        let cursor = more.then(|| Cursor {
                            index: plan.index.name.into(),
                            partition: walks_months.then(|| partition.clone()),
                            key: Some(key),
                        });
                        return Ok(Page {
                            items: tickets,
                            cursor: cursor.map(|c| c.encode()),
                        });
                    }
                }
                match last {
                    Some(k) if queries < QUERIES_PER_PAGE => start_key = Some(k),
                    Some(k) => {
                        let cursor = Cursor {
                            index: plan.index.name.into(),
                            partition: walks_months.then(|| partition.clone()),
                            key: Some(Cursor::key_of(&k, &key_attrs)),
                        };
                        return Ok(Page {
                            items: tickets,
                            cursor: Some(cursor.encode()),
                        });
                    }
                    None => break,
                }
            }
            if queries >= QUERIES_PER_PAGE && pi + 1 < plan.partitions.len() {
                let cursor = Cursor {
                    index: plan.index.name.into(),
                    partition: Some(plan.partitions[pi + 1].clone()),
                    key: None,
                };
                return Ok(Page {
                    items: tickets,
                    cursor: Some(cursor.encode()),
                });
            }
        }
        Ok(Page {
            items: tickets,
            cursor: None,
        })
    }

    async fn query_partition(
        &self,
        plan: &Plan,
        partition: &str,
        start: Option<Item>,
        limit: i32,
    ) -> Result<(Vec<Item>, Option<Item>), StoreError> {
        let mut condition = "#ixpk = :ixpk".to_owned();
        let mut request = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(plan.index.name)
            .expression_attribute_names("#ixpk", plan.index.pk)
            .expression_attribute_values(":ixpk", s(partition))
            .scan_index_forward(plan.ascending)
            .set_exclusive_start_key(start)
            .limit(limit.max(1));
        if let Some((from, to)) = &plan.key_range {
            request = request.expression_attribute_names("#ixsk", plan.index.sk);
            match (from, to) {
                (Some(f), Some(t)) => {
                    condition.push_str(" AND #ixsk BETWEEN :lo AND :hi");
                    request = request
                        .expression_attribute_values(":lo", s(f))
                        .expression_attribute_values(":hi", s(t));
                }
                (Some(f), None) => {
                    condition.push_str(" AND #ixsk >= :lo");
                    request = request.expression_attribute_values(":lo", s(f));
                }
                (None, Some(t)) => {
                    condition.push_str(" AND #ixsk <= :hi");
                    request = request.expression_attribute_values(":hi", s(t));
                }
                (None, None) => {}
            }
        }
        for (k, v) in &plan.names {
            request = request.expression_attribute_names(k, v);
        }
        for (k, v) in &plan.values {
            request = request.expression_attribute_values(k, v.clone());
        }
        let out = request
            .key_condition_expression(condition)
            .set_filter_expression(plan.filter.clone())
            .send()
            .await
            .map_err(sdk_error)?;
        Ok((out.items.unwrap_or_default(), out.last_evaluated_key))
    }
}

/// `YYYY-MM` months from `first` to `last`, inclusive, ascending.
fn months_between(first: &str, last: &str) -> Vec<String> {
    let parse = |m: &str| NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d").ok();
    let (Some(mut month), Some(end)) = (parse(first), parse(last)) else {
        return vec![];
    };
    let mut months = Vec::new();
    while month <= end && months.len() < 1200 {
        months.push(month.format("%Y-%m").to_string());
        month = if month.month() == 12 {
            NaiveDate::from_ymd_opt(month.year() + 1, 1, 1).unwrap_or(end)
        } else {
            NaiveDate::from_ymd_opt(month.year(), month.month() + 1, 1).unwrap_or(end)
        };
        if month == end && months.last().map(String::as_str) == Some(&end.format("%Y-%m").to_string()) {
            break;
        }
    }
    months
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_walk_across_years() {
        assert_eq!(
            months_between("2025-11", "2026-02"),
            ["2025-11", "2025-12", "2026-01", "2026-02"]
        );
        assert_eq!(months_between("2026-02", "2026-02"), ["2026-02"]);
        assert!(months_between("2026-03", "2026-02").is_empty());
        assert!(months_between("bad", "2026-02").is_empty());
    }
}
