//! Satisfaction surveys on the table: pending surveys on the `byDue` index (partition
//! `SURVEY-DUE`, sort key `<due>#<ticket>`), a contact's last survey, and the ratings by month.

use aws_sdk_dynamodb::types::AttributeValue;

use super::items::{self, from_item, record_item, s};
use super::keys::{BY_DUE, PK, SK, SURVEY_DUE, SURVEY_SK, SURVEYED_SK, contact_pk, ratings_pk, ticket_pk};
use super::{DynamoStore, sdk_error};
use crate::domain::satisfaction::SurveySettings;
use crate::domain::{Actor, ContactId, TicketId, Timestamp};
use crate::ports::{PendingSurvey, RatingRecord, StoreError, SurveySettingsStore, SurveyStore};

fn due_sk(survey: &PendingSurvey) -> String {
    format!("{}#{}", survey.due, survey.ticket)
}

fn is_condition_failure<E: aws_sdk_dynamodb::error::ProvideErrorMetadata>(e: &E) -> bool {
    e.code() == Some("ConditionalCheckFailedException")
}

impl SurveyStore for DynamoStore {
    async fn schedule_survey(&self, survey: &PendingSurvey) -> Result<(), StoreError> {
        let resolver = serde_json::to_string(&survey.resolver).map_err(StoreError::unknown)?;
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .item(PK, s(ticket_pk(survey.ticket)))
            .item(SK, s(SURVEY_SK))
            .item("entity", s("survey"))
            .item("ticket_id", s(survey.ticket.to_string()))
            .item("resolved_at", s(survey.resolved_at.to_string()))
            .item("resolver", s(resolver))
            .item(BY_DUE.pk, s(SURVEY_DUE))
            .item(BY_DUE.sk, s(due_sk(survey)))
            // Timestamps are fixed width, so text order is time order.
            .condition_expression("attribute_not_exists(pk) OR resolved_at <= :resolved")
            .expression_attribute_values(":resolved", s(survey.resolved_at.to_string()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            // A newer resolution is already waiting: this one is stale.
            Err(e) if e.as_service_error().is_some_and(is_condition_failure) => Ok(()),
            Err(e) => Err(sdk_error(e)),
        }
    }

    async fn due_surveys(
        &self,
        until: Timestamp,
        after: Option<&PendingSurvey>,
        limit: usize,
    ) -> Result<Vec<PendingSurvey>, StoreError> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(BY_DUE.name)
            .expression_attribute_names("#key", BY_DUE.pk)
            .expression_attribute_names("#sk", BY_DUE.sk)
            .expression_attribute_values(":due", s(SURVEY_DUE))
            .expression_attribute_values(":until", s(format!("{until}#~")));
        let query = match after {
            None => query.key_condition_expression("#key = :due AND #sk <= :until"),
            Some(last) => query
                .key_condition_expression("#key = :due AND #sk BETWEEN :from AND :until")
                .expression_attribute_values(":from", s(format!("{} ", due_sk(last)))),
        };
        let out = query
            .limit(limit.clamp(1, 1000) as i32)
            .send()
            .await
            .map_err(sdk_error)?;
        out.items().iter().map(pending).collect()
    }

    async fn finish_survey(&self, survey: &PendingSurvey) -> Result<(), StoreError> {
        let result = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key(PK, s(ticket_pk(survey.ticket)))
            .key(SK, s(SURVEY_SK))
            .condition_expression("resolved_at = :resolved")
            .expression_attribute_values(":resolved", s(survey.resolved_at.to_string()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            // Gone already, or replaced by a newer resolution that still waits.
            Err(e) if e.as_service_error().is_some_and(is_condition_failure) => Ok(()),
            Err(e) => Err(sdk_error(e)),
        }
    }

    async fn last_surveyed(&self, contact: ContactId) -> Result<Option<Timestamp>, StoreError> {
        let Some(item) = self.get(contact_pk(contact), SURVEYED_SK).await? else {
            return Ok(None);
        };
        items::string_attr(&item, "at")
            .map(|at| Timestamp::parse(&at).map_err(StoreError::unknown))
            .transpose()
    }

    async fn mark_surveyed(&self, contact: ContactId, at: Timestamp) -> Result<(), StoreError> {
        self.client
            .put_item()
            .table_name(&self.table)
            .item(PK, s(contact_pk(contact)))
            .item(SK, s(SURVEYED_SK))
            .item("entity", s("surveyed"))
            .item("at", s(at.to_string()))
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(())
    }

    async fn record_rating(&self, rating: &RatingRecord, previous: Option<Timestamp>) -> Result<(), StoreError> {
        let month = rating.at.month();
        let item = record_item(rating, ratings_pk(&month), rating.ticket_id.to_string(), "rating")?;
        // Only a later rating replaces the month's record: a late redelivery changes nothing.
        let count = AttributeValue::N(rating.ratings.to_string());
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk) OR #n <= :n")
            .expression_attribute_names("#n", "ratings")
            .expression_attribute_values(":n", count.clone())
            .send()
            .await;
        match result {
            Ok(_) => {}
            Err(e) if e.as_service_error().is_some_and(is_condition_failure) => return Ok(()),
            Err(e) => return Err(sdk_error(e)),
        }
        if let Some(previous) = previous.filter(|p| p.month() != month) {
            self.client
                .delete_item()
                .table_name(&self.table)
                .key(PK, s(ratings_pk(&previous.month())))
                .key(SK, s(rating.ticket_id.to_string()))
                .condition_expression("#n < :n")
                .expression_attribute_names("#n", "ratings")
                .expression_attribute_values(":n", count)
                .send()
                .await
                .map(|_| ())
                .or_else(|e| match e.as_service_error() {
                    Some(service) if is_condition_failure(service) => Ok(()),
                    _ => Err(sdk_error(e)),
                })?;
        }
        Ok(())
    }

    async fn ratings(&self, from: Timestamp, to: Timestamp) -> Result<Vec<RatingRecord>, StoreError> {
        let mut found = Vec::new();
        for month in months(from, to) {
            let mut start: Option<std::collections::HashMap<String, AttributeValue>> = None;
            loop {
                let out = self
                    .client
                    .query()
                    .table_name(&self.table)
                    .key_condition_expression("pk = :pk")
                    .expression_attribute_values(":pk", s(ratings_pk(&month)))
                    .set_exclusive_start_key(start)
                    .send()
                    .await
                    .map_err(sdk_error)?;
                for item in out.items() {
                    let record: RatingRecord = from_item(item.clone())?;
                    if record.at >= from && record.at < to {
                        found.push(record);
                    }
                }
                start = out.last_evaluated_key().cloned();
                if start.is_none() {
                    break;
                }
            }
        }
        found.sort_by_key(|a| (a.at, a.ticket_id));
        Ok(found)
    }
}

/// The survey settings' item (`SETTINGS` / `SURVEYS`).
const SURVEY_SETTINGS_SK: &str = "SURVEYS";

impl SurveySettingsStore for DynamoStore {
    async fn survey_settings(&self) -> Result<Option<SurveySettings>, StoreError> {
        self.settings(SURVEY_SETTINGS_SK).await
    }

    async fn put_survey_settings(&self, settings: &SurveySettings) -> Result<(), StoreError> {
        self.put_settings(SURVEY_SETTINGS_SK, settings, "survey_settings").await
    }
}

fn pending(item: &items::Item) -> Result<PendingSurvey, StoreError> {
    let text = |name: &str| {
        items::string_attr(item, name).ok_or_else(|| StoreError::Unknown(format!("a survey without {name}").into()))
    };
    let at = text(BY_DUE.sk)?;
    let (due, _) = at
        .rsplit_once('#')
        .ok_or_else(|| StoreError::Unknown(format!("a survey due entry without a ticket: {at}").into()))?;
    let resolver: Actor = serde_json::from_str(&text("resolver")?).map_err(StoreError::unknown)?;
    Ok(PendingSurvey {
        ticket: TicketId::parse(&text("ticket_id")?).map_err(StoreError::unknown)?,
        resolved_at: Timestamp::parse(&text("resolved_at")?).map_err(StoreError::unknown)?,
        resolver,
        due: Timestamp::parse(due).map_err(StoreError::unknown)?,
    })
}

/// The months (`YYYY-MM`) from `from`'s to the one holding the instant before `to`.
pub(super) fn months(from: Timestamp, to: Timestamp) -> Vec<String> {
    use chrono::Datelike;
    let last = to.as_datetime() - chrono::Duration::milliseconds(1);
    let (mut year, mut month) = (from.as_datetime().year(), from.as_datetime().month());
    let mut months = Vec::new();
    while (year, month) <= (last.year(), last.month()) && months.len() < 120 {
        months.push(format!("{year:04}-{month:02}"));
        (year, month) = if month == 12 { (year + 1, 1) } else { (year, month + 1) };
    }
    months
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_period_reads_the_months_it_touches() {
        let at = |t| Timestamp::parse(t).unwrap();
        assert_eq!(
            months(at("2026-11-15T00:00:00Z"), at("2027-01-01T00:00:00Z")),
            ["2026-11", "2026-12"]
        );
        assert_eq!(
            months(at("2026-12-01T00:00:00Z"), at("2026-11-01T00:00:00Z")),
            Vec::<String>::new()
        );
    }
}
