//! The action ledger: claims that make a side effect happen once per key, and expiring
//! counters for rate limits. Items carry `expires_at`, the table's TTL attribute.

use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};

use super::items::s;
use super::keys::{PK, RULES_APPLIED_SK, SK, rules_applied_pk};
use super::{DynamoStore, sdk_error};
use crate::domain::{EventId, Timestamp};
use crate::ports::{ActionLedger, Claim, StoreError};

/// How long a finished claim is remembered: longer than any queue keeps a message.
const CLAIM_MEMORY_SECONDS: i64 = 14 * 24 * 3600;

fn number(n: i64) -> AttributeValue {
    AttributeValue::N(n.to_string())
}

impl ActionLedger for DynamoStore {
    async fn claim(&self, key: &str, now: Timestamp, lease_seconds: i64) -> Result<Claim, StoreError> {
        let now_s = now.timestamp_millis() / 1000;
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .item(PK, s(format!("ACTION#{key}")))
            .item(SK, s("ACTION"))
            .item("entity", s("action"))
            .item("state", s("started"))
            .item("lease_until", number(now_s + lease_seconds))
            .item("expires_at", number(now_s + CLAIM_MEMORY_SECONDS))
            // Free, or started by a worker whose lease ran out (it crashed mid-way).
            .condition_expression("attribute_not_exists(pk) OR (#state = :started AND lease_until < :now)")
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":started", s("started"))
            .expression_attribute_values(":now", number(now_s))
            .return_values_on_condition_check_failure(
                aws_sdk_dynamodb::types::ReturnValuesOnConditionCheckFailure::AllOld,
            )
            .send()
            .await;
        match result {
            Ok(_) => Ok(Claim::Claimed),
            Err(e) => match e.as_service_error() {
                Some(aws_sdk_dynamodb::operation::put_item::PutItemError::ConditionalCheckFailedException(failed)) => {
                    let done = failed
                        .item()
                        .and_then(|i| i.get("state"))
                        .and_then(|v| v.as_s().ok())
                        .is_some_and(|v| v == "done");
                    Ok(if done { Claim::AlreadyDone } else { Claim::Busy })
                }
                _ => Err(sdk_error(e)),
            },
        }
    }

    async fn complete(&self, key: &str) -> Result<(), StoreError> {
        self.client
            .update_item()
            .table_name(&self.table)
            .key(PK, s(format!("ACTION#{key}")))
            .key(SK, s("ACTION"))
            .update_expression("SET #state = :done")
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":done", s("done"))
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(())
    }

    async fn bump(&self, key: &str, expires: Timestamp) -> Result<u64, StoreError> {
        let out = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(PK, s(format!("RATE#{key}")))
            .key(SK, s("RATE"))
            .update_expression("ADD #count :one SET expires_at = if_not_exists(expires_at, :expires), entity = :entity")
            .expression_attribute_names("#count", "count")
            .expression_attribute_values(":one", number(1))
            .expression_attribute_values(":expires", number(expires.timestamp_millis() / 1000))
            .expression_attribute_values(":entity", s("rate"))
            .return_values(ReturnValue::UpdatedNew)
            .send()
            .await
            .map_err(sdk_error)?;
        out.attributes()
            .and_then(|a| a.get("count"))
            .and_then(|v| v.as_n().ok())
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| StoreError::Unknown("the counter returned no count".into()))
    }

    async fn count(&self, key: &str) -> Result<u64, StoreError> {
        let now_s = chrono::Utc::now().timestamp();
        let item = self.get(format!("RATE#{key}"), "RATE").await?;
        Ok(item
            .filter(|i| {
                // TTL deletes lazily: an expired counter may still be there.
                i.get("expires_at")
                    .and_then(|v| v.as_n().ok())
                    .and_then(|n| n.parse::<i64>().ok())
                    .is_none_or(|at| at > now_s)
            })
            .and_then(|i| i.get("count").and_then(|v| v.as_n().ok()).and_then(|n| n.parse().ok()))
            .unwrap_or(0))
    }

    async fn decided_effects(&self, event: EventId) -> Result<Option<String>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(PK, s(rules_applied_pk(event)))
            .key(SK, s(RULES_APPLIED_SK))
            .projection_expression("effects")
            .consistent_read(true)
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(out
            .item()
            .and_then(|i| i.get("effects"))
            .and_then(|v| v.as_s().ok())
            .cloned())
    }
}
