//! Report subscriptions: one partition (`REPORT-SUBSCRIPTIONS`, a subscription an item) that a
//! Query lists, and each item on the `byDue` index under partition `REPORT-DUE` with sort key
//! `<next send>#<id>`: the hourly run's one Query reads the subscriptions due by then, never
//! the rest. The next send moves in the same item as the subscription, so an edit and the
//! run's advance are one conditional write each.

use aws_sdk_dynamodb::operation::update_item::UpdateItemError;

use super::items::{self, Item, s};
use super::keys::{BY_DUE, PK, SK};
use super::{DynamoStore, sdk_error};
use crate::domain::metrics::subscription::ReportSubscription;
use crate::domain::{ReportSubscriptionId, Timestamp};
use crate::ports::{ReportSubscriptionStore, StoreError};

const SUBSCRIPTIONS_PK: &str = "REPORT-SUBSCRIPTIONS";
const SUBSCRIPTION_PREFIX: &str = "SUBSCRIPTION#";
/// The due index's partition of report subscriptions.
const REPORT_DUE: &str = "REPORT-DUE";

fn subscription_sk(id: ReportSubscriptionId) -> String {
    format!("{SUBSCRIPTION_PREFIX}{id}")
}

fn due_sk(next: Timestamp, id: ReportSubscriptionId) -> String {
    format!("{next}#{id}")
}

fn subscription_item(subscription: &ReportSubscription) -> Result<Item, StoreError> {
    let mut item = items::record_item(
        subscription,
        SUBSCRIPTIONS_PK.into(),
        subscription_sk(subscription.id),
        "report_subscription",
    )?;
    item.insert(BY_DUE.pk.into(), s(REPORT_DUE));
    item.insert(BY_DUE.sk.into(), s(due_sk(subscription.next_send_at, subscription.id)));
    Ok(item)
}

impl ReportSubscriptionStore for DynamoStore {
    async fn list_report_subscriptions(&self) -> Result<Vec<ReportSubscription>, StoreError> {
        self.query_all(SUBSCRIPTIONS_PK, SUBSCRIPTION_PREFIX)
            .await?
            .into_iter()
            .map(items::from_item)
            .collect()
    }

    async fn get_report_subscription(
        &self,
        id: ReportSubscriptionId,
    ) -> Result<Option<ReportSubscription>, StoreError> {
        self.get(SUBSCRIPTIONS_PK.into(), &subscription_sk(id))
            .await?
            .map(items::from_item)
            .transpose()
    }

    async fn put_report_subscription(&self, subscription: &ReportSubscription, new: bool) -> Result<(), StoreError> {
        let (condition, error) = if new {
            (
                "attribute_not_exists(pk)",
                StoreError::AlreadyExists {
                    what: "report subscription".into(),
                },
            )
        } else {
            (
                "attribute_exists(pk)",
                StoreError::NotFound {
                    what: format!("report subscription {}", subscription.id),
                },
            )
        };
        self.put_checked(subscription_item(subscription)?, condition, error)
            .await
    }

    async fn delete_report_subscription(&self, id: ReportSubscriptionId) -> Result<(), StoreError> {
        self.delete_existing(
            SUBSCRIPTIONS_PK,
            subscription_sk(id),
            format!("report subscription {id}"),
        )
        .await
    }

    async fn due_report_subscriptions(
        &self,
        until: Timestamp,
        limit: usize,
    ) -> Result<Vec<ReportSubscription>, StoreError> {
        let mut found = Vec::new();
        let mut start = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(BY_DUE.name)
                .key_condition_expression("#key = :due AND #sk <= :until")
                .expression_attribute_names("#key", BY_DUE.pk)
                .expression_attribute_names("#sk", BY_DUE.sk)
                .expression_attribute_values(":due", s(REPORT_DUE))
                .expression_attribute_values(":until", s(format!("{until}#~")))
                .limit((limit - found.len()).clamp(1, 1000) as i32)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(sdk_error)?;
            for item in out.items.unwrap_or_default() {
                found.push(items::from_item(item)?);
            }
            start = out.last_evaluated_key;
            if start.is_none() || found.len() >= limit {
                return Ok(found);
            }
        }
    }

    async fn advance_report_subscription(
        &self,
        id: ReportSubscriptionId,
        sent: Timestamp,
        next: Timestamp,
    ) -> Result<bool, StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(PK, s(SUBSCRIPTIONS_PK))
            .key(SK, s(subscription_sk(id)))
            .update_expression("SET next_send_at = :next, #due_sk = :due_sk")
            .condition_expression("next_send_at = :sent")
            .expression_attribute_names("#due_sk", BY_DUE.sk)
            .expression_attribute_values(":next", s(next.to_string()))
            .expression_attribute_values(":due_sk", s(due_sk(next, id)))
            .expression_attribute_values(":sent", s(sent.to_string()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(e)
                if matches!(
                    e.as_service_error(),
                    Some(UpdateItemError::ConditionalCheckFailedException(_))
                ) =>
            {
                Ok(false)
            }
            Err(e) => Err(sdk_error(e)),
        }
    }
}
