//! What makes mail happen once: Message-ID pointers (threading, delivery reports, dedupe)
//! and stored-mail keys, written alone or as the once keys of a ticket write.

use super::items::{self, Item, s};
use super::keys::*;
use super::{DynamoStore, sdk_error};
use crate::domain::{BlobRef, Delivery, EmailDetails, MessageId, TicketId, Timestamp};
use crate::ports::{OnceKey, StoreError, TicketWrite};

impl DynamoStore {
    pub(super) async fn put_delivery(
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
            tx.push(self.put(message_id_pointer(id, ticket, message), None)?);
        }
        self.transact(tx, |_| StoreError::NotFound {
            what: format!("message {message}"),
        })
        .await
    }

    /// The pointers of one mail's Message-IDs (at most a few): one `PutItem` for one, one
    /// `BatchWriteItem` for more (unconditional puts, so a batch writes what the puts would),
    /// through the adapter's one batch write and its retries.
    pub(super) async fn put_message_ids(
        &self,
        message_ids: &[&str],
        ticket: TicketId,
        message: MessageId,
    ) -> Result<(), StoreError> {
        let mut ids: Vec<&str> = message_ids.to_vec();
        ids.sort_by_key(|id| message_id_pk(id));
        ids.dedup_by_key(|id| message_id_pk(id));
        match ids.as_slice() {
            [] => Ok(()),
            [one] => {
                self.client
                    .put_item()
                    .table_name(&self.table)
                    .set_item(Some(message_id_pointer(one, ticket, message)))
                    .send()
                    .await
                    .map_err(sdk_error)?;
                Ok(())
            }
            many => {
                let puts = many
                    .iter()
                    .map(|id| {
                        let put = aws_sdk_dynamodb::types::PutRequest::builder()
                            .set_item(Some(message_id_pointer(id, ticket, message)))
                            .build()
                            .map_err(StoreError::unknown)?;
                        Ok(aws_sdk_dynamodb::types::WriteRequest::builder()
                            .put_request(put)
                            .build())
                    })
                    .collect::<Result<Vec<_>, StoreError>>()?;
                self.batch_write(puts).await
            }
        }
    }

    pub(super) async fn read_message_id(&self, message_id: &str) -> Result<Option<(TicketId, MessageId)>, StoreError> {
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

    pub(super) async fn put_unticketed_mail(
        &self,
        raw: &BlobRef,
        reason: &str,
        at: Timestamp,
    ) -> Result<bool, StoreError> {
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

    /// The items that make a write happen once: each must not exist yet.
    pub(super) fn once_puts(
        &self,
        write: &TicketWrite,
    ) -> Result<Vec<aws_sdk_dynamodb::types::TransactWriteItem>, StoreError> {
        let ticket = write.ticket.id;
        write
            .once
            .iter()
            .map(|key| {
                let item = match key {
                    OnceKey::MessageId { message_id, message } => message_id_pointer(message_id, ticket, *message),
                    OnceKey::RawMail(key) => {
                        items::pointer_item(raw_mail_pk(key), RAW_MAIL_SK, "ticket_id", ticket.to_string())
                    }
                    OnceKey::RulesApplied { event, effects } => {
                        let mut item = items::pointer_item(
                            rules_applied_pk(*event),
                            RULES_APPLIED_SK,
                            "ticket_id",
                            ticket.to_string(),
                        );
                        item.insert("effects".into(), s(effects.clone()));
                        item
                    }
                };
                self.put(item, Some("attribute_not_exists(pk)"))
            })
            .collect()
    }
}

/// A Message-ID's pointer at the ticket and message it belongs to.
fn message_id_pointer(message_id: &str, ticket: TicketId, message: MessageId) -> Item {
    let mut pointer = items::pointer_item(
        message_id_pk(message_id),
        MESSAGE_ID_SK,
        "ticket_id",
        ticket.to_string(),
    );
    pointer.insert("message_id".into(), s(message.to_string()));
    pointer
}
