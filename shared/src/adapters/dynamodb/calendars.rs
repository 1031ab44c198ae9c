//! Business calendars: one small partition (`CALENDARS`), each calendar an item read by its
//! key, a Query on the partition lists them; the desk's default is a pointer item in it.

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::types::AttributeValue;

use super::items::{self, s};
use super::keys::*;
use super::{DynamoStore, sdk_error};
use crate::domain::Version;
use crate::domain::calendar::{Calendar, CalendarId};
use crate::ports::{CalendarStore, StoreError};

fn calendar_item(calendar: &Calendar) -> Result<items::Item, StoreError> {
    items::record_item(calendar, CALENDARS_PK.into(), calendar_sk(&calendar.id), "calendar")
}

impl CalendarStore for DynamoStore {
    async fn list_calendars(&self) -> Result<Vec<Calendar>, StoreError> {
        let mut calendars: Vec<Calendar> = self
            .query_all(CALENDARS_PK, CALENDAR_PREFIX)
            .await?
            .into_iter()
            .map(items::from_item)
            .collect::<Result<_, _>>()?;
        calendars.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(calendars)
    }

    async fn get_calendar(&self, id: &CalendarId) -> Result<Option<Calendar>, StoreError> {
        self.get(CALENDARS_PK.into(), &calendar_sk(id))
            .await?
            .map(items::from_item)
            .transpose()
    }

    async fn create_calendar(&self, calendar: &Calendar) -> Result<(), StoreError> {
        self.put_checked(
            calendar_item(calendar)?,
            "attribute_not_exists(pk)",
            StoreError::AlreadyExists {
                what: format!("calendar {}", calendar.id),
            },
        )
        .await
    }

    async fn update_calendar(&self, calendar: &Calendar, read: Version) -> Result<(), StoreError> {
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(calendar_item(calendar)?))
            .condition_expression("#version = :read")
            .expression_attribute_names("#version", "version")
            .expression_attribute_values(":read", AttributeValue::N(read.value().to_string()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(SdkError::ServiceError(e)) if matches!(e.err(), PutItemError::ConditionalCheckFailedException(_)) => {
                // Gone, or changed since it was read: one read tells which.
                match self.get_calendar(&calendar.id).await? {
                    None => Err(StoreError::NotFound {
                        what: format!("calendar {}", calendar.id),
                    }),
                    Some(_) => Err(StoreError::VersionConflict),
                }
            }
            Err(e) => Err(sdk_error(e)),
        }
    }

    async fn delete_calendar(&self, id: &CalendarId) -> Result<(), StoreError> {
        self.delete_existing(CALENDARS_PK, calendar_sk(id), format!("calendar {id}"))
            .await
    }

    async fn default_calendar_id(&self) -> Result<Option<CalendarId>, StoreError> {
        let Some(item) = self.get(CALENDARS_PK.into(), DEFAULT_CALENDAR_SK).await? else {
            return Ok(None);
        };
        items::string_attr(&item, DEFAULT_CALENDAR_ID)
            .map(|id| CalendarId::parse(&id).map_err(StoreError::unknown))
            .transpose()
    }

    async fn set_default_calendar_id(&self, id: Option<&CalendarId>) -> Result<(), StoreError> {
        let Some(id) = id else {
            self.client
                .delete_item()
                .table_name(&self.table)
                .key(PK, s(CALENDARS_PK))
                .key(SK, s(DEFAULT_CALENDAR_SK))
                .send()
                .await
                .map_err(sdk_error)?;
            return Ok(());
        };
        let mut pointer = items::pointer_item(
            CALENDARS_PK.into(),
            DEFAULT_CALENDAR_SK,
            DEFAULT_CALENDAR_ID,
            id.to_string(),
        );
        pointer.insert("entity".into(), s("default_calendar"));
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(pointer))
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(())
    }
}
