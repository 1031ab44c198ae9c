//! NPS surveys on the table (docs/csat.md, "NPS"):
//!
//! - a contact's candidate item (`CONTACT#<id>` / `NPS`: latest resolution, last survey) sits
//!   on the `byDue` index under partition `NPS-DUE`, sort key `<due>#<contact>`, while the
//!   contact may be asked; the sweep's one Query reads what is due;
//! - an answer is kept twice: on the survey's own item (`CONTACT#<id>` / `NPS#<sent>`, read
//!   when the answer changes) and under the month it was given (`NPS#<YYYY-MM>` /
//!   `<contact>#<sent>`, read by the report with one Query per month).

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{AttributeValue, Delete, Put, TransactWriteItem};

use super::items::{self, from_item, record_item, s};
use super::keys::{BY_DUE, PK, SK, contact_pk};
use super::surveys::months;
use super::{DynamoStore, sdk_error};
use crate::domain::{ContactId, Timestamp};
use crate::ports::{NpsCandidate, NpsResponse, NpsStore, StoreError};

/// The due index's partition of contacts who may be asked the NPS question.
const NPS_DUE: &str = "NPS-DUE";
/// The contact's candidate item.
pub(super) const NPS_SK: &str = "NPS";

fn due_sk(contact: ContactId, due: Timestamp) -> String {
    format!("{due}#{contact}")
}

/// The sort keys of a contact's NPS surveys begin with this.
pub(super) fn survey_sk_prefix() -> String {
    format!("{NPS_SK}#")
}

pub(super) fn survey_sk(sent: Timestamp) -> String {
    format!("{}{sent}", survey_sk_prefix())
}

pub(super) fn month_pk(month: &str) -> String {
    format!("NPS#{month}")
}

pub(super) fn month_sk(response: &NpsResponse) -> String {
    format!("{}#{}", response.contact, response.sent)
}

fn is_condition_failure<E: aws_sdk_dynamodb::error::ProvideErrorMetadata>(e: &E) -> bool {
    e.code() == Some("ConditionalCheckFailedException")
}

fn time(item: &items::Item, name: &str) -> Result<Option<Timestamp>, StoreError> {
    items::string_attr(item, name)
        .map(|at| Timestamp::parse(&at).map_err(StoreError::unknown))
        .transpose()
}

fn candidate(item: &items::Item) -> Result<NpsCandidate, StoreError> {
    let missing = |name: &str| StoreError::Unknown(format!("an NPS candidate without {name}").into());
    let contact = items::string_attr(item, "contact_id").ok_or_else(|| missing("contact_id"))?;
    let due = items::string_attr(item, BY_DUE.sk).ok_or_else(|| missing("a due time"))?;
    let (due, _) = due.split_once('#').ok_or_else(|| missing("a due time"))?;
    Ok(NpsCandidate {
        contact: ContactId::parse(&contact).map_err(StoreError::unknown)?,
        last_resolved: time(item, "last_resolved")?.ok_or_else(|| missing("last_resolved"))?,
        last_sent: time(item, "last_sent")?,
        due: Timestamp::parse(due).map_err(StoreError::unknown)?,
    })
}

impl NpsStore for DynamoStore {
    async fn note_nps_resolution(&self, contact: ContactId, resolved_at: Timestamp) -> Result<(), StoreError> {
        // A contact off the index was last asked at least an interval ago (they come off only
        // when due), so "due at the resolution" is max(now, last survey + interval).
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(PK, s(contact_pk(contact)))
            .key(SK, s(NPS_SK))
            .update_expression(
                "SET #entity = :entity, contact_id = :contact, last_resolved = :resolved, \
                 #due_key = :due_key, #due_sk = if_not_exists(#due_sk, :due_sk)",
            )
            // Timestamps are fixed width, so text order is time order.
            .condition_expression("attribute_not_exists(last_resolved) OR last_resolved < :resolved")
            .expression_attribute_names("#due_key", BY_DUE.pk)
            .expression_attribute_names("#due_sk", BY_DUE.sk)
            .expression_attribute_names("#entity", "entity")
            .expression_attribute_values(":entity", s("nps"))
            .expression_attribute_values(":contact", s(contact.to_string()))
            .expression_attribute_values(":resolved", s(resolved_at.to_string()))
            .expression_attribute_values(":due_key", s(NPS_DUE))
            .expression_attribute_values(":due_sk", s(due_sk(contact, resolved_at)))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            // A newer resolution is noted already.
            Err(e) if e.as_service_error().is_some_and(is_condition_failure) => Ok(()),
            Err(e) => Err(sdk_error(e)),
        }
    }

    async fn due_nps(
        &self,
        until: Timestamp,
        after: Option<&NpsCandidate>,
        limit: usize,
    ) -> Result<Vec<NpsCandidate>, StoreError> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(BY_DUE.name)
            .expression_attribute_names("#key", BY_DUE.pk)
            .expression_attribute_names("#sk", BY_DUE.sk)
            .expression_attribute_values(":due", s(NPS_DUE))
            .expression_attribute_values(":until", s(format!("{until}#~")));
        let query = match after {
            None => query.key_condition_expression("#key = :due AND #sk <= :until"),
            Some(last) => query
                .key_condition_expression("#key = :due AND #sk BETWEEN :from AND :until")
                .expression_attribute_values(":from", s(format!("{} ", due_sk(last.contact, last.due)))),
        };
        let out = query
            .limit(limit.clamp(1, 1000) as i32)
            .send()
            .await
            .map_err(sdk_error)?;
        out.items().iter().map(candidate).collect()
    }

    async fn record_nps_sent(
        &self,
        candidate: &NpsCandidate,
        sent: Timestamp,
        next_due: Timestamp,
    ) -> Result<bool, StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(PK, s(contact_pk(candidate.contact)))
            .key(SK, s(NPS_SK))
            .update_expression("SET last_sent = :sent, #due_sk = :next")
            .condition_expression("#due_sk = :seen")
            .expression_attribute_names("#due_sk", BY_DUE.sk)
            .expression_attribute_values(":sent", s(sent.to_string()))
            .expression_attribute_values(":next", s(due_sk(candidate.contact, next_due)))
            .expression_attribute_values(":seen", s(due_sk(candidate.contact, candidate.due)))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(e) if e.as_service_error().is_some_and(is_condition_failure) => Ok(false),
            Err(e) => Err(sdk_error(e)),
        }
    }

    async fn drop_nps_due(&self, candidate: &NpsCandidate) -> Result<(), StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(PK, s(contact_pk(candidate.contact)))
            .key(SK, s(NPS_SK))
            .update_expression("REMOVE #due_key, #due_sk")
            .condition_expression("#due_sk = :seen AND last_resolved = :resolved")
            .expression_attribute_names("#due_key", BY_DUE.pk)
            .expression_attribute_names("#due_sk", BY_DUE.sk)
            .expression_attribute_values(":seen", s(due_sk(candidate.contact, candidate.due)))
            .expression_attribute_values(":resolved", s(candidate.last_resolved.to_string()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            // A resolution came in meanwhile: the contact stays due.
            Err(e) if e.as_service_error().is_some_and(is_condition_failure) => Ok(()),
            Err(e) => Err(sdk_error(e)),
        }
    }

    async fn nps_response(&self, contact: ContactId, sent: Timestamp) -> Result<Option<NpsResponse>, StoreError> {
        self.get(contact_pk(contact), &survey_sk(sent))
            .await?
            .map(from_item)
            .transpose()
    }

    async fn record_nps_response(
        &self,
        response: &NpsResponse,
        previous: Option<&NpsResponse>,
    ) -> Result<(), StoreError> {
        let survey = record_item(
            response,
            contact_pk(response.contact),
            survey_sk(response.sent),
            "nps_answer",
        )?;
        let guard = match previous {
            None => Put::builder().condition_expression("attribute_not_exists(pk)"),
            Some(previous) => Put::builder()
                .condition_expression("answers = :seen")
                .expression_attribute_values(":seen", AttributeValue::N(previous.answers.to_string())),
        };
        let put = |item: HashMap<String, AttributeValue>, builder: aws_sdk_dynamodb::types::builders::PutBuilder| {
            builder
                .table_name(&self.table)
                .set_item(Some(item))
                .build()
                .map(|put| TransactWriteItem::builder().put(put).build())
                .map_err(StoreError::unknown)
        };
        let month = response.at.month();
        let by_month = record_item(response, month_pk(&month), month_sk(response), "nps_response")?;
        let mut writes = vec![put(survey, guard)?, put(by_month, Put::builder())?];
        if let Some(previous) = previous.filter(|p| p.at.month() != month) {
            let delete = Delete::builder()
                .table_name(&self.table)
                .key(PK, s(month_pk(&previous.at.month())))
                .key(SK, s(month_sk(previous)))
                .build()
                .map_err(StoreError::unknown)?;
            writes.push(TransactWriteItem::builder().delete(delete).build());
        }
        self.transact(writes, |_| StoreError::VersionConflict).await
    }

    async fn nps_responses(&self, from: Timestamp, to: Timestamp) -> Result<Vec<NpsResponse>, StoreError> {
        let mut found = Vec::new();
        for month in months(from, to) {
            let mut start: Option<HashMap<String, AttributeValue>> = None;
            loop {
                let out = self
                    .client
                    .query()
                    .table_name(&self.table)
                    .key_condition_expression("pk = :pk")
                    .expression_attribute_values(":pk", s(month_pk(&month)))
                    .set_exclusive_start_key(start)
                    .send()
                    .await
                    .map_err(sdk_error)?;
                for item in out.items() {
                    let response: NpsResponse = from_item(item.clone())?;
                    if response.at >= from && response.at < to {
                        found.push(response);
                    }
                }
                start = out.last_evaluated_key().cloned();
                if start.is_none() {
                    break;
                }
            }
        }
        found.sort_by_key(|r| (r.at, r.contact));
        Ok(found)
    }
}
