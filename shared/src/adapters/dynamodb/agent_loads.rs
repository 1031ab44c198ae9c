//! Agents' loads: one counter item per agent, moved in the transaction of every ticket write
//! that changes who carries a ticket, and read in one batch for least-loaded assignment.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes};

use super::items::{self, Item, s};
use super::keys::*;
use super::{DynamoStore, sdk_error};
use crate::domain::{AgentId, AgentLoad, LoadChange};
use crate::ports::StoreError;

impl DynamoStore {
    pub(super) async fn read_agent_loads(&self, agents: &[AgentId]) -> Result<Vec<AgentLoad>, StoreError> {
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

    /// The load counters' updates: `ADD` each agent's change (an absent counter starts at 0),
    /// and where a load was seen, the condition that it still is (a `ConditionCheck` for an
    /// agent whose load this transaction does not change). One item per agent: a transaction
    /// may touch an item only once.
    pub(super) fn load_updates(
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
    pub(super) async fn batch_get(&self, keys: Vec<Item>) -> Result<Vec<Item>, StoreError> {
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
}
