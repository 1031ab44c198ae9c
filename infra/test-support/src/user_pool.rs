//! The agents' user pool in moto, built from `template.yaml`'s `UserPool` (usernames are email
//! addresses, the `custom:departments` attribute) and its role groups, for the tests and the
//! dev host alike.

use anyhow::{Context, Result, anyhow};
use aws_config::SdkConfig;
use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata;
use aws_sdk_cognitoidentityprovider::types::{
    AttributeDataType, SchemaAttributeType, StringAttributeConstraintsType, UsernameAttributeType,
};
use serde_yaml::Value;

use crate::template::{Template, text};

/// The template's logical id of the agents' user pool.
pub const USER_POOL: &str = "UserPool";

pub fn client(sdk: &SdkConfig) -> Client {
    Client::new(sdk)
}

/// The id of the pool called `name`, created (with the template's schema and groups) if there
/// is none; groups missing from an existing pool are added. Safe to call at every start.
pub async fn ensure(sdk: &SdkConfig, template: &Template, name: &str) -> Result<String> {
    let cognito = client(sdk);
    let id = match find(&cognito, name).await? {
        Some(id) => id,
        None => create(&cognito, template, name).await?,
    };
    for (_, group) in template.resources_of_type("AWS::Cognito::UserPoolGroup") {
        let group_name = text(group.get("Properties").unwrap_or(&Value::Null), "GroupName")?;
        match cognito
            .create_group()
            .user_pool_id(&id)
            .group_name(&group_name)
            .send()
            .await
        {
            Ok(_) => {}
            Err(e) if e.code() == Some("GroupExistsException") => {}
            Err(e) => return Err(e).with_context(|| format!("creating the group {group_name}")),
        }
    }
    Ok(id)
}

/// A new pool that only this test uses.
pub async fn fresh(sdk: &SdkConfig) -> String {
    let template = Template::load_default().expect("template.yaml");
    ensure(sdk, &template, &crate::unique("agents"))
        .await
        .expect("create the user pool in moto")
}

async fn find(cognito: &Client, name: &str) -> Result<Option<String>> {
    let mut pages = cognito.list_user_pools().max_results(60).into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.context("listing user pools")?;
        if let Some(pool) = page.user_pools().iter().find(|p| p.name() == Some(name)) {
            return Ok(pool.id().map(str::to_owned));
        }
    }
    Ok(None)
}

async fn create(cognito: &Client, template: &Template, name: &str) -> Result<String> {
    let properties = template.properties(USER_POOL, "AWS::Cognito::UserPool")?;
    let mut request = cognito.create_user_pool().pool_name(name);
    for attribute in properties
        .get("UsernameAttributes")
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
    {
        request = request.username_attributes(UsernameAttributeType::from(attribute));
    }
    for attribute in properties
        .get("Schema")
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
    {
        request = request.schema(schema_attribute(attribute)?);
    }
    let created = request.send().await.context("creating the user pool")?;
    created
        .user_pool()
        .and_then(|p| p.id())
        .map(str::to_owned)
        .ok_or_else(|| anyhow!("moto created a user pool without an id"))
}

fn schema_attribute(attribute: &Value) -> Result<SchemaAttributeType> {
    let mut schema = SchemaAttributeType::builder()
        .name(text(attribute, "Name")?)
        .attribute_data_type(AttributeDataType::from(text(attribute, "AttributeDataType")?.as_str()))
        .set_required(attribute.get("Required").and_then(Value::as_bool))
        .set_mutable(attribute.get("Mutable").and_then(Value::as_bool));
    if let Some(limits) = attribute.get("StringAttributeConstraints") {
        schema = schema.string_attribute_constraints(
            StringAttributeConstraintsType::builder()
                .set_min_length(limits.get("MinLength").and_then(Value::as_str).map(str::to_owned))
                .set_max_length(limits.get("MaxLength").and_then(Value::as_str).map(str::to_owned))
                .build(),
        );
    }
    Ok(schema.build())
}
