//! The ticket store: tickets, messages and audit events written in one transaction, and read
//! back. Lists are planned in `ticket_query`, agents' loads kept in `agent_loads`, Message-ID
//! pointers and stored-mail keys in `mail_keys`.

use std::time::Duration;

use aws_sdk_dynamodb::types::{AttributeValue, PutRequest, ReturnValue, WriteRequest};

use super::cursor::Cursor;
use super::items::{self, Item, s};
use super::keys::*;
use super::{DynamoStore, sdk_error};
use crate::domain::load::net_load_changes;
use crate::domain::{
    AgentId, AgentLoad, AuditEvent, BlobRef, Contact, Delivery, EmailDetails, Message, MessageId, Ticket, TicketId,
    TicketNumber, Timestamp,
};
use crate::ports::{Page, PageRequest, StoreError, TicketQuery, TicketStore, TicketWrite};

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
        tx.extend(self.timeline_puts(&write.ticket, &write.messages, &write.events)?);
        tx.extend(self.search_puts(write)?);
        let once_range = tx.len()..tx.len() + write.once.len();
        tx.extend(self.once_puts(write)?);
        tx.extend(self.cc_pointer_puts(write)?);
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
            tx.extend(self.timeline_puts(&write.ticket, &write.messages, &write.events)?);
            tx.extend(self.search_puts(write)?);
            once_ranges.push(tx.len()..tx.len() + write.once.len());
            tx.extend(self.once_puts(write)?);
            tx.extend(self.cc_pointer_puts(write)?);
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
            requests.push(put_request(items::event_item(e, None)?)?);
        }
        for chunk in requests.chunks(25) {
            self.batch_write(chunk.to_vec()).await?;
        }
        Ok(())
    }

    async fn discard_carried(&self, messages: &[Message], events: &[AuditEvent]) -> Result<(), StoreError> {
        let mut requests = Vec::new();
        for item in messages
            .iter()
            .map(items::message_item)
            .chain(events.iter().map(|e| items::event_item(e, None)))
        {
            let mut item = item?;
            let key = [PK, SK].map(|k| (k.to_owned(), item.remove(k).unwrap_or_else(|| s(String::new()))));
            let delete = aws_sdk_dynamodb::types::DeleteRequest::builder()
                .set_key(Some(key.into_iter().collect()))
                .build()
                .map_err(StoreError::unknown)?;
            requests.push(
                aws_sdk_dynamodb::types::WriteRequest::builder()
                    .delete_request(delete)
                    .build(),
            );
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
        self.put_delivery(ticket, message, delivery, email).await
    }

    async fn remember_message_ids(
        &self,
        message_ids: &[&str],
        ticket: TicketId,
        message: MessageId,
    ) -> Result<(), StoreError> {
        self.put_message_ids(message_ids, ticket, message).await
    }

    async fn find_message_id(&self, message_id: &str) -> Result<Option<(TicketId, MessageId)>, StoreError> {
        self.read_message_id(message_id).await
    }

    async fn mail_seen(&self, raw_key: &str) -> Result<bool, StoreError> {
        Ok(self.get(raw_mail_pk(raw_key), RAW_MAIL_SK).await?.is_some())
    }

    async fn record_unticketed_mail(&self, raw: &BlobRef, reason: &str, at: Timestamp) -> Result<bool, StoreError> {
        self.put_unticketed_mail(raw, reason, at).await
    }

    async fn agent_loads(&self, agents: &[AgentId]) -> Result<Vec<AgentLoad>, StoreError> {
        self.read_agent_loads(agents).await
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
        self.list_ticket_page(query).await
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

    fn timeline_puts(
        &self,
        ticket: &Ticket,
        messages: &[Message],
        events: &[AuditEvent],
    ) -> Result<Vec<aws_sdk_dynamodb::types::TransactWriteItem>, StoreError> {
        let mut tx = Vec::new();
        for m in messages {
            tx.push(self.put(items::message_item(m)?, Some("attribute_not_exists(pk)"))?);
        }
        for e in events {
            tx.push(self.put(items::event_item(e, Some(ticket))?, Some("attribute_not_exists(pk)"))?);
        }
        Ok(tx)
    }

    pub(super) async fn batch_write(&self, mut requests: Vec<WriteRequest>) -> Result<(), StoreError> {
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
}
