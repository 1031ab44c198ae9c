//! Contacts, departments and agents.

use std::collections::BTreeSet;

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::delete_item::DeleteItemError;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::types::{AttributeValue, Delete, TransactWriteItem};

use super::items::{self, Item, s};
use super::keys::*;
use super::{DynamoStore, sdk_error};
use crate::domain::{
    Agent, AgentId, Contact, ContactGroup, ContactId, Department, DepartmentId, EmailAddress, PhoneNumber,
};
use crate::ports::{ContactStore, StoreError, TeamStore};

impl DynamoStore {
    /// The contact and the items that make its email and phone unique, each only if new.
    pub(super) fn contact_puts(&self, contact: &Contact) -> Result<Vec<TransactWriteItem>, StoreError> {
        let mut tx = vec![self.put(items::contact_item(contact)?, Some("attribute_not_exists(pk)"))?];
        if let Some(email) = &contact.email {
            let pointer = items::pointer_item(
                contact_email_pk(email),
                CONTACT_EMAIL_SK,
                "contact_id",
                contact.id.to_string(),
            );
            tx.push(self.put(pointer, Some("attribute_not_exists(pk)"))?);
        }
        if let Some(phone) = &contact.phone {
            let pointer = items::pointer_item(
                contact_phone_pk(phone),
                CONTACT_PHONE_SK,
                "contact_id",
                contact.id.to_string(),
            );
            tx.push(self.put(pointer, Some("attribute_not_exists(pk)"))?);
        }
        tx.extend(self.contact_name_puts(contact)?);
        Ok(tx)
    }

    async fn contact_via(&self, pk: String, sk: &str) -> Result<Option<Contact>, StoreError> {
        let Some(pointer) = self.get(pk, sk).await? else {
            return Ok(None);
        };
        let id = items::string_attr(&pointer, "contact_id")
            .ok_or_else(|| StoreError::Unknown("contact pointer without contact_id".into()))?;
        self.get_contact(ContactId::parse(&id).map_err(StoreError::unknown)?)
            .await
    }

    /// A conditional put outside a transaction; a failed condition becomes `on_condition`.
    pub(super) async fn put_checked(
        &self,
        item: Item,
        condition: &str,
        on_condition: StoreError,
    ) -> Result<(), StoreError> {
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression(condition)
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(SdkError::ServiceError(e)) if matches!(e.err(), PutItemError::ConditionalCheckFailedException(_)) => {
                Err(on_condition)
            }
            Err(e) => Err(sdk_error(e)),
        }
    }

    /// Deletes an item that must exist: `NotFound { what }` when it does not.
    pub(super) async fn delete_existing(
        &self,
        pk: impl Into<String>,
        sk: impl Into<String>,
        what: String,
    ) -> Result<(), StoreError> {
        let result = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key(PK, s(pk))
            .key(SK, s(sk))
            .condition_expression("attribute_exists(pk)")
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(SdkError::ServiceError(e))
                if matches!(e.err(), DeleteItemError::ConditionalCheckFailedException(_)) =>
            {
                Err(StoreError::NotFound { what })
            }
            Err(e) => Err(sdk_error(e)),
        }
    }

    pub(super) async fn query_all(&self, pk: &str, sk_prefix: &str) -> Result<Vec<Item>, StoreError> {
        let mut all = Vec::new();
        let mut start = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("#pk = :pk AND begins_with(#sk, :prefix)")
                .expression_attribute_names("#pk", PK)
                .expression_attribute_names("#sk", SK)
                .expression_attribute_values(":pk", s(pk))
                .expression_attribute_values(":prefix", s(sk_prefix))
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(sdk_error)?;
            all.extend(out.items.unwrap_or_default());
            match out.last_evaluated_key {
                Some(k) => start = Some(k),
                None => return Ok(all),
            }
        }
    }
}

impl ContactStore for DynamoStore {
    async fn get_contact(&self, id: ContactId) -> Result<Option<Contact>, StoreError> {
        self.get(contact_pk(id), CONTACT_SK)
            .await?
            .map(items::from_item)
            .transpose()
    }

    async fn find_contact_by_email(&self, email: &EmailAddress) -> Result<Option<Contact>, StoreError> {
        self.contact_via(contact_email_pk(email), CONTACT_EMAIL_SK).await
    }

    async fn find_contact_by_phone(&self, phone: &PhoneNumber) -> Result<Option<Contact>, StoreError> {
        self.contact_via(contact_phone_pk(phone), CONTACT_PHONE_SK).await
    }

    async fn set_undeliverable(&self, id: ContactId, undeliverable: bool) -> Result<(), StoreError> {
        self.set_contact_attribute(id, "undeliverable", AttributeValue::Bool(undeliverable))
            .await
    }

    async fn set_contact_groups(&self, id: ContactId, groups: &BTreeSet<ContactGroup>) -> Result<(), StoreError> {
        let groups = groups.iter().map(|g| s(g.as_str())).collect();
        self.set_contact_attribute(id, "groups", AttributeValue::L(groups))
            .await
    }

    async fn create_contact(&self, contact: &Contact) -> Result<(), StoreError> {
        let tx = self.contact_puts(contact)?;
        let has_email = contact.email.is_some();
        self.transact(tx, |i| match i {
            1 if has_email => StoreError::AlreadyExists { what: "email".into() },
            _ => StoreError::AlreadyExists { what: "phone".into() },
        })
        .await
    }
}

impl TeamStore for DynamoStore {
    async fn create_department(&self, department: &Department) -> Result<(), StoreError> {
        let item = items::record_item(
            department,
            DEPARTMENTS_PK.into(),
            department_sk(&department.id),
            "department",
        )?;
        self.put_checked(
            item,
            "attribute_not_exists(pk)",
            StoreError::AlreadyExists {
                what: "department".into(),
            },
        )
        .await
    }

    async fn update_department(&self, department: &Department) -> Result<(), StoreError> {
        let item = items::record_item(
            department,
            DEPARTMENTS_PK.into(),
            department_sk(&department.id),
            "department",
        )?;
        self.put_checked(
            item,
            "attribute_exists(pk)",
            StoreError::NotFound {
                what: "department".into(),
            },
        )
        .await
    }

    async fn get_department(&self, id: &DepartmentId) -> Result<Option<Department>, StoreError> {
        self.get(DEPARTMENTS_PK.into(), &department_sk(id))
            .await?
            .map(items::from_item)
            .transpose()
    }

    async fn list_departments(&self) -> Result<Vec<Department>, StoreError> {
        self.query_all(DEPARTMENTS_PK, "DEPARTMENT#")
            .await?
            .into_iter()
            .map(items::from_item)
            .collect()
    }

    async fn create_agent(&self, agent: &Agent) -> Result<(), StoreError> {
        let record = items::record_item(agent, AGENTS_PK.into(), agent_sk(agent.id), "agent")?;
        let pointer = items::pointer_item(
            agent_email_pk(&agent.email),
            AGENT_EMAIL_SK,
            "agent_id",
            agent.id.to_string(),
        );
        let tx = vec![
            self.put(record, Some("attribute_not_exists(pk)"))?,
            self.put(pointer, Some("attribute_not_exists(pk)"))?,
        ];
        self.transact(tx, |_| StoreError::AlreadyExists { what: "agent".into() })
            .await
    }

    async fn update_agent(&self, agent: &Agent, previous_email: &EmailAddress) -> Result<(), StoreError> {
        let record = items::record_item(agent, AGENTS_PK.into(), agent_sk(agent.id), "agent")?;
        let mut tx = vec![self.put(record, Some("attribute_exists(pk)"))?];
        if agent.email.normalized() != previous_email.normalized() {
            let delete = Delete::builder()
                .table_name(&self.table)
                .key(PK, s(agent_email_pk(previous_email)))
                .key(SK, s(AGENT_EMAIL_SK))
                .build()
                .map_err(StoreError::unknown)?;
            tx.push(TransactWriteItem::builder().delete(delete).build());
            let pointer = items::pointer_item(
                agent_email_pk(&agent.email),
                AGENT_EMAIL_SK,
                "agent_id",
                agent.id.to_string(),
            );
            tx.push(self.put(pointer, Some("attribute_not_exists(pk)"))?);
        }
        self.transact(tx, |i| match i {
            0 => StoreError::NotFound { what: "agent".into() },
            _ => StoreError::AlreadyExists {
                what: "agent email".into(),
            },
        })
        .await
    }

    async fn get_agent(&self, id: AgentId) -> Result<Option<Agent>, StoreError> {
        self.get(AGENTS_PK.into(), &agent_sk(id))
            .await?
            .map(items::from_item)
            .transpose()
    }

    async fn find_agent_by_email(&self, email: &EmailAddress) -> Result<Option<Agent>, StoreError> {
        let Some(pointer) = self.get(agent_email_pk(email), AGENT_EMAIL_SK).await? else {
            return Ok(None);
        };
        let id = items::string_attr(&pointer, "agent_id")
            .ok_or_else(|| StoreError::Unknown("agent pointer without agent_id".into()))?;
        self.get_agent(AgentId::parse(&id).map_err(StoreError::unknown)?).await
    }

    async fn list_agents(&self) -> Result<Vec<Agent>, StoreError> {
        self.query_all(AGENTS_PK, "AGENT#")
            .await?
            .into_iter()
            .map(items::from_item)
            .collect()
    }
}

impl DynamoStore {
    /// Sets one attribute of an existing contact item.
    async fn set_contact_attribute(&self, id: ContactId, name: &str, value: AttributeValue) -> Result<(), StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(PK, s(contact_pk(id)))
            .key(SK, s(CONTACT_SK))
            .update_expression("SET #a = :v")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_names("#a", name)
            .expression_attribute_values(":v", value)
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_conditional_check_failed_exception()) =>
            {
                Err(StoreError::NotFound {
                    what: format!("contact {id}"),
                })
            }
            Err(e) => Err(sdk_error(e)),
        }
    }
}
