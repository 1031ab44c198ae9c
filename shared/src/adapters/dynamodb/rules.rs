//! Automation rules: one partition, so the reactor reads them all with one Query per event.

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::delete_item::DeleteItemError;

use super::items::{self, s};
use super::keys::*;
use super::{DynamoStore, sdk_error};
use crate::domain::RuleId;
use crate::domain::rules::Rule;
use crate::ports::{RuleStore, StoreError};

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
        let result = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key(PK, s(RULES_PK.to_owned()))
            .key(SK, s(rule_sk(id)))
            .condition_expression("attribute_exists(pk)")
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(SdkError::ServiceError(e))
                if matches!(e.err(), DeleteItemError::ConditionalCheckFailedException(_)) =>
            {
                Err(StoreError::NotFound {
                    what: format!("rule {id}"),
                })
            }
            Err(e) => Err(sdk_error(e)),
        }
    }
}
