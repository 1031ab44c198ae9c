//! Reads `template.yaml`, the one source of truth for the table's schema (keys, indexes,
//! stream): tests and the dev host create their tables from it, so a key or index changed
//! there is changed everywhere.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection, ProjectionType,
    ScalarAttributeType, StreamSpecification, StreamViewType,
};
use serde_yaml::Value;

/// The template's logical id of the desk's one table.
pub const TABLE: &str = "TicketsTable";

pub struct Template {
    root: Value,
}

/// `template.yaml` at the workspace root.
pub fn default_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../template.yaml")
}

impl Template {
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let root = serde_yaml::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
        Ok(Self { root })
    }

    pub fn load_default() -> Result<Self> {
        Self::load(&default_path())
    }

    /// The `Properties` of resource `logical_id`, which must be of type `kind`.
    pub fn properties(&self, logical_id: &str, kind: &str) -> Result<&Value> {
        let resource = self
            .root
            .get("Resources")
            .and_then(|r| r.get(logical_id))
            .ok_or_else(|| anyhow!("template has no resource {logical_id}"))?;
        let actual = resource.get("Type").and_then(Value::as_str).unwrap_or_default();
        if actual != kind {
            bail!("{logical_id} is a {actual}, expected {kind}");
        }
        resource
            .get("Properties")
            .ok_or_else(|| anyhow!("{logical_id} has no Properties"))
    }

    /// Every resource of type `kind`: its logical id and the whole resource (`Properties`,
    /// `Metadata`, ...).
    pub fn resources_of_type<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = (&'a str, &'a Value)> + 'a {
        self.root
            .get("Resources")
            .and_then(Value::as_mapping)
            .into_iter()
            .flatten()
            .filter(move |(_, r)| r.get("Type").and_then(Value::as_str) == Some(kind))
            .filter_map(|(id, r)| Some((id.as_str()?, r)))
    }

    pub fn table(&self, logical_id: &str) -> Result<TableSpec> {
        let p = self.properties(logical_id, "AWS::DynamoDB::Table")?;
        let attributes = list(p, "AttributeDefinitions")?
            .iter()
            .map(|a| Ok((text(a, "AttributeName")?, text(a, "AttributeType")?)))
            .collect::<Result<_>>()?;
        let table_keys = key_schema(p)?;
        let indexes = match p.get("GlobalSecondaryIndexes") {
            None => vec![],
            Some(_) => list(p, "GlobalSecondaryIndexes")?
                .iter()
                .map(|g| {
                    Ok(IndexSpec {
                        name: text(g, "IndexName")?,
                        key_schema: key_schema(g)?,
                        projection: g
                            .get("Projection")
                            .map(|pr| text(pr, "ProjectionType"))
                            .transpose()?
                            .unwrap_or_else(|| "ALL".into()),
                    })
                })
                .collect::<Result<_>>()?,
        };
        let stream_view = p
            .get("StreamSpecification")
            .map(|s| text(s, "StreamViewType"))
            .transpose()?;
        Ok(TableSpec {
            attributes,
            key_schema: table_keys,
            indexes,
            stream_view,
        })
    }
}

/// The list under `key`, which the template must spell out literally.
pub fn list<'a>(v: &'a Value, key: &str) -> Result<&'a Vec<Value>> {
    v.get(key)
        .and_then(Value::as_sequence)
        .ok_or_else(|| anyhow!("{key} must be a literal list"))
}

/// The string under `key`, which the template must spell out literally.
pub fn text(v: &Value, key: &str) -> Result<String> {
    v.get(key)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| anyhow!("{key} must be a literal string"))
}

fn key_schema(v: &Value) -> Result<Vec<(String, String)>> {
    list(v, "KeySchema")?
        .iter()
        .map(|k| Ok((text(k, "AttributeName")?, text(k, "KeyType")?)))
        .collect()
}

#[derive(Debug, Clone, PartialEq)]
pub struct IndexSpec {
    pub name: String,
    pub key_schema: Vec<(String, String)>,
    pub projection: String,
}

/// A table as the template defines it.
#[derive(Debug, Clone, PartialEq)]
pub struct TableSpec {
    pub attributes: Vec<(String, String)>,
    pub key_schema: Vec<(String, String)>,
    pub indexes: Vec<IndexSpec>,
    pub stream_view: Option<String>,
}

impl TableSpec {
    /// Creates the table under `name`, or leaves it if it already exists.
    pub async fn create(&self, client: &aws_sdk_dynamodb::Client, name: &str) -> Result<()> {
        let keys = |schema: &[(String, String)]| -> Result<Vec<KeySchemaElement>> {
            schema
                .iter()
                .map(|(a, t)| {
                    Ok(KeySchemaElement::builder()
                        .attribute_name(a)
                        .key_type(KeyType::from(t.as_str()))
                        .build()?)
                })
                .collect()
        };
        let mut request = client
            .create_table()
            .table_name(name)
            .billing_mode(BillingMode::PayPerRequest);
        for (a, t) in &self.attributes {
            request = request.attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name(a)
                    .attribute_type(ScalarAttributeType::from(t.as_str()))
                    .build()?,
            );
        }
        request = request.set_key_schema(Some(keys(&self.key_schema)?));
        for ix in &self.indexes {
            request = request.global_secondary_indexes(
                GlobalSecondaryIndex::builder()
                    .index_name(&ix.name)
                    .set_key_schema(Some(keys(&ix.key_schema)?))
                    .projection(
                        Projection::builder()
                            .projection_type(ProjectionType::from(ix.projection.as_str()))
                            .build(),
                    )
                    .build()?,
            );
        }
        if let Some(view) = &self.stream_view {
            request = request.stream_specification(
                StreamSpecification::builder()
                    .stream_enabled(true)
                    .stream_view_type(StreamViewType::from(view.as_str()))
                    .build()?,
            );
        }
        match request.send().await {
            Ok(_) => Ok(()),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_resource_in_use_exception()) => Ok(()),
            Err(e) => Err(anyhow::Error::new(e).context(format!("creating table {name}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_workspace_template_defines_the_table() {
        let table = Template::load_default().unwrap().table(TABLE).unwrap();
        assert_eq!(
            table.key_schema,
            [
                ("pk".to_owned(), "HASH".to_owned()),
                ("sk".to_owned(), "RANGE".to_owned())
            ]
        );
        let names: Vec<_> = table.indexes.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "byStatus",
                "byDepartment",
                "byAssignee",
                "byRequester",
                "byMonth",
                "byUrgency",
                "byDue",
                "bySla",
                "byRetention"
            ]
        );
        assert_eq!(table.stream_view.as_deref(), Some("NEW_IMAGE"));
    }

    #[test]
    fn a_wrong_resource_kind_is_an_error() {
        let t = Template::load_default().unwrap();
        assert!(t.table("TicketEventsPipe").is_err());
        assert!(t.table("Nope").is_err());
    }
}
