//! The templates admins stored: one partition, a Query lists them all or one name's languages.

use super::items;
use super::keys::*;
use super::{DynamoStore, sdk_error};
use crate::domain::Language;
use crate::domain::template_library::{Template, TemplateName};
use crate::ports::{StoreError, TemplateStore};

impl TemplateStore for DynamoStore {
    async fn stored_templates(&self, name: Option<&TemplateName>) -> Result<Vec<Template>, StoreError> {
        let prefix = match name {
            Some(name) => format!("{TEMPLATE_PREFIX}{name}#"),
            None => TEMPLATE_PREFIX.to_owned(),
        };
        self.query_all(TEMPLATES_PK, &prefix)
            .await?
            .into_iter()
            .map(items::from_item)
            .collect()
    }

    async fn put_template(&self, template: &Template) -> Result<(), StoreError> {
        let item = items::record_item(
            template,
            TEMPLATES_PK.into(),
            template_sk(&template.name, &template.language),
            "template",
        )?;
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(())
    }

    async fn delete_template(&self, name: &TemplateName, language: &Language) -> Result<(), StoreError> {
        self.delete_existing(
            TEMPLATES_PK.to_owned(),
            template_sk(name, language),
            format!("template {name}/{}", language.as_str()),
        )
        .await
    }
}
