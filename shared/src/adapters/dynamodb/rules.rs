//! Automation rules (one partition, so the reactor reads them all with one Query per event)
//! and tickets' next looks for the time sweep.

use aws_sdk_dynamodb::types::{Delete, TransactWriteItem, Update};

use super::items::{self, Item, s};
use super::keys::*;
use super::{DynamoStore, sdk_error};
use crate::domain::rules::Rule;
use crate::domain::{RuleId, TicketId, Timestamp};
use crate::ports::{DueTicket, Reschedule, RuleStore, StoreError};

impl RuleStore for DynamoStore {
    async fn list_rules(&self) -> Result<Vec<Rule>, StoreError> {
        let mut rules: Vec<Rule> = self
            .query_all(RULES_PK, "RULE#")
            .await?
            .into_iter()
            .map(items::from_item)
            .collect::<Result<_, _>>()?;
        rules.sort_by_key(|r| (r.position, r.id));
        Ok(rules)
    }

    async fn get_rule(&self, id: RuleId) -> Result<Option<Rule>, StoreError> {
        self.get(RULES_PK.into(), &rule_sk(id))
            .await?
            .map(items::from_item)
            .transpose()
    }

    async fn put_rule(&self, rule: &Rule, new: bool) -> Result<(), StoreError> {
        let item = items::record_item(rule, RULES_PK.into(), rule_sk(rule.id), "rule")?;
        let (condition, error) = if new {
            (
                "attribute_not_exists(pk)",
                StoreError::AlreadyExists { what: "rule".into() },
            )
        } else {
            (
                "attribute_exists(pk)",
                StoreError::NotFound {
                    what: format!("rule {}", rule.id),
                },
            )
        };
        self.put_checked(item, condition, error).await
    }

    async fn delete_rule(&self, id: RuleId) -> Result<(), StoreError> {
        self.delete_existing(RULES_PK.to_owned(), rule_sk(id), format!("rule {id}"))
            .await
    }

    async fn seed_rules(&self, rules: &[Rule]) -> Result<bool, StoreError> {
        if self.get(RULES_PK.into(), RULES_SEEDED_SK).await?.is_some() {
            return Ok(false);
        }
        let marker = items::pointer_item(RULES_PK.into(), RULES_SEEDED_SK, "entity", "rules-seeded".into());
        let mut tx = vec![self.put(marker, Some("attribute_not_exists(pk)"))?];
        for rule in rules {
            tx.push(self.put(
                items::record_item(rule, RULES_PK.into(), rule_sk(rule.id), "rule")?,
                None,
            )?);
        }
        match self
            .transact(tx, |_| StoreError::AlreadyExists {
                what: "first rules".into(),
            })
            .await
        {
            Ok(()) => Ok(true),
            // Another worker seeded them a moment ago.
            Err(StoreError::AlreadyExists { .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }

    async fn set_next_look(&self, ticket: TicketId, at: Option<Timestamp>) -> Result<(), StoreError> {
        // The next look is its own item in the ticket's partition, so the writes that put the
        // whole ticket item cannot drop it. The update on the ticket item checks that the
        // ticket exists and removes the index keys items written before kept there.
        let ticket_check = Update::builder()
            .table_name(&self.table)
            .key(PK, s(ticket_pk(ticket)))
            .key(SK, s(TICKET_SK))
            .condition_expression("attribute_exists(pk)")
            .update_expression("REMOVE #key, #sk")
            .expression_attribute_names("#key", BY_DUE.pk)
            .expression_attribute_names("#sk", BY_DUE.sk)
            .build()
            .map_err(StoreError::unknown)?;
        let look = match at {
            Some(at) => self.put(next_look_item(ticket, at), None)?,
            None => {
                let delete = Delete::builder()
                    .table_name(&self.table)
                    .key(PK, s(ticket_pk(ticket)))
                    .key(SK, s(NEXT_LOOK_SK))
                    .build()
                    .map_err(StoreError::unknown)?;
                TransactWriteItem::builder().delete(delete).build()
            }
        };
        let tx = vec![TransactWriteItem::builder().update(ticket_check).build(), look];
        let gone = || StoreError::NotFound {
            what: format!("ticket {ticket}"),
        };
        match self.transact(tx, |_| gone()).await {
            // The ticket is gone: nothing to look at.
            Err(StoreError::NotFound { .. }) => Ok(()),
            other => other,
        }
    }

    async fn request_reschedule(&self, at: Timestamp) -> Result<(), StoreError> {
        self.client
            .put_item()
            .table_name(&self.table)
            .item(PK, s(RULES_PK.to_owned()))
            .item(SK, s(RESCHEDULE_SK.to_owned()))
            .item("entity", s("reschedule".to_owned()))
            .item("requested_at", s(at.to_string()))
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(())
    }

    async fn reschedule_request(&self) -> Result<Option<Reschedule>, StoreError> {
        let Some(item) = self.get(RULES_PK.into(), RESCHEDULE_SK).await? else {
            return Ok(None);
        };
        let requested_at = items::string_attr(&item, "requested_at").unwrap_or_default();
        Ok(Some(Reschedule {
            requested_at: Timestamp::parse(&requested_at).map_err(StoreError::unknown)?,
            status: items::string_attr(&item, "status")
                .filter(|st| !st.is_empty())
                .map(|st| serde_json::from_value(serde_json::Value::String(st)))
                .transpose()
                .map_err(StoreError::unknown)?,
            cursor: items::string_attr(&item, "cursor").filter(|c| !c.is_empty()),
        }))
    }

    async fn reschedule_progress(&self, request: &Reschedule, done: bool) -> Result<(), StoreError> {
        let key = || {
            Item::from([
                (PK.to_owned(), s(RULES_PK.to_owned())),
                (SK.to_owned(), s(RESCHEDULE_SK.to_owned())),
            ])
        };
        let read = s(request.requested_at.to_string());
        let result = if done {
            self.client
                .delete_item()
                .table_name(&self.table)
                .set_key(Some(key()))
                .condition_expression("requested_at = :read")
                .expression_attribute_values(":read", read)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| {
                    (
                        e.as_service_error()
                            .is_some_and(|e| e.is_conditional_check_failed_exception()),
                        sdk_error(e),
                    )
                })
        } else {
            let status = request
                .status
                .and_then(|st| serde_json::to_value(st).ok())
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            self.client
                .update_item()
                .table_name(&self.table)
                .set_key(Some(key()))
                .condition_expression("requested_at = :read")
                .update_expression("SET #status = :status, #cursor = :cursor")
                .expression_attribute_names("#status", "status")
                .expression_attribute_names("#cursor", "cursor")
                .expression_attribute_values(":read", read)
                .expression_attribute_values(":status", s(status))
                .expression_attribute_values(":cursor", s(request.cursor.clone().unwrap_or_default()))
                .send()
                .await
                .map(|_| ())
                .map_err(|e| {
                    (
                        e.as_service_error()
                            .is_some_and(|e| e.is_conditional_check_failed_exception()),
                        sdk_error(e),
                    )
                })
        };
        match result {
            // A newer request replaced this one: it starts from the top.
            Ok(()) | Err((true, _)) => Ok(()),
            Err((false, e)) => Err(e),
        }
    }

    async fn due_tickets(
        &self,
        until: Timestamp,
        after: Option<&DueTicket>,
        limit: usize,
    ) -> Result<Vec<DueTicket>, StoreError> {
        self.due_entries(BY_DUE, DUE, until, after, limit).await
    }
}

/// The item saying when the time sweep looks at `ticket` next: its own item in the ticket's
/// partition, in the `DUE` partition of the due index.
pub fn next_look_item(ticket: TicketId, at: Timestamp) -> Item {
    let mut item = items::pointer_item(ticket_pk(ticket), NEXT_LOOK_SK, NEXT_LOOK_TICKET, ticket.to_string());
    item.insert("entity".into(), s("next_look"));
    item.insert(BY_DUE.pk.into(), s(DUE));
    item.insert(BY_DUE.sk.into(), s(format!("{at}#{ticket}")));
    item
}

impl DynamoStore {
    /// Entries of one partition of the due index (`DUE` for next looks, `SLA` for SLA
    /// deadlines) at or before `until`, soonest first.
    /// The entries of `partition` of a time-ordered index (`<moment>#<ticket>` sort keys: the
    /// due index's, the retention index's) at or before `until`, after `after`.
    pub(super) async fn due_entries(
        &self,
        index: Index,
        partition: &str,
        until: Timestamp,
        after: Option<&DueTicket>,
        limit: usize,
    ) -> Result<Vec<DueTicket>, StoreError> {
        // Each page starts just after the last entry of the one before, by the entry's own
        // sort key (`<due>#<ticket>`, unique per ticket, so nothing between the two is skipped).
        // A key condition rather than an ExclusiveStartKey: an entry may be a next-look item or,
        // written before those, the ticket item itself, and the start key would have to say which.
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(index.name)
            .expression_attribute_names("#key", index.pk)
            .expression_attribute_names("#sk", index.sk)
            .expression_attribute_values(":due", s(partition.to_owned()))
            .expression_attribute_values(":until", s(format!("{until}#~")));
        let query = match after {
            None => query.key_condition_expression("#key = :due AND #sk <= :until"),
            Some(due) => query
                .key_condition_expression("#key = :due AND #sk BETWEEN :from AND :until")
                .expression_attribute_values(":from", s(format!("{}#{} ", due.due, due.ticket))),
        };
        let out = query
            .limit(limit.clamp(1, 1000) as i32)
            .send()
            .await
            .map_err(sdk_error)?;
        out.items()
            .iter()
            .map(|item| {
                let at = items::string_attr(item, index.sk).unwrap_or_default();
                let (due, ticket) = at
                    .rsplit_once('#')
                    .ok_or_else(|| StoreError::Unknown(format!("a due entry without a ticket: {at}").into()))?;
                Ok(DueTicket {
                    ticket: TicketId::parse(ticket).map_err(StoreError::unknown)?,
                    due: Timestamp::parse(due).map_err(StoreError::unknown)?,
                })
            })
            .collect()
    }
}
