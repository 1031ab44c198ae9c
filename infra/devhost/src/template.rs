//! Reads `template.yaml`, the one source of truth for what the local stack creates: the table
//! (keys, indexes, stream) and the stream-to-bus pipe (filter, source, detail type).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection, ProjectionType,
    ScalarAttributeType, StreamSpecification, StreamViewType,
};
use serde_yaml::Value;

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

    fn properties(&self, logical_id: &str, kind: &str) -> Result<&Value> {
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

    pub fn pipe(&self, logical_id: &str) -> Result<PipeSpec> {
        let p = self.properties(logical_id, "AWS::Pipes::Pipe")?;
        let filters = p
            .get("SourceParameters")
            .and_then(|s| s.get("FilterCriteria"))
            .and_then(|f| f.get("Filters"))
            .and_then(Value::as_sequence)
            .cloned()
            .unwrap_or_default();
        let patterns = filters
            .iter()
            .map(|f| {
                let pattern = text(f, "Pattern")?;
                serde_json::from_str(&pattern).with_context(|| format!("{logical_id}: filter pattern is not JSON"))
            })
            .collect::<Result<_>>()?;
        let target = p
            .get("TargetParameters")
            .and_then(|t| t.get("EventBridgeEventBusParameters"))
            .ok_or_else(|| anyhow!("{logical_id} has no EventBridgeEventBusParameters"))?;
        Ok(PipeSpec {
            input_template: match p.get("TargetParameters") {
                Some(t) if t.get("InputTemplate").is_some() => Some(text(t, "InputTemplate")?),
                _ => None,
            },
            filter_patterns: patterns,
            source: text(target, "Source")?,
            detail_type: text(target, "DetailType")?,
        })
    }
}

impl Template {
    /// The bucket's queue notification: which events, under which key prefix.
    pub fn queue_notification(&self, bucket_logical_id: &str) -> Result<QueueNotification> {
        let p = self.properties(bucket_logical_id, "AWS::S3::Bucket")?;
        let config = p
            .get("NotificationConfiguration")
            .and_then(|n| n.get("QueueConfigurations"))
            .and_then(Value::as_sequence)
            .and_then(|s| s.first())
            .ok_or_else(|| anyhow!("{bucket_logical_id} has no queue notification"))?;
        let prefix = config
            .get("Filter")
            .and_then(|f| f.get("S3Key"))
            .and_then(|k| k.get("Rules"))
            .and_then(Value::as_sequence)
            .and_then(|rules| {
                rules
                    .iter()
                    .find(|r| r.get("Name").and_then(Value::as_str) == Some("prefix"))
            })
            .map(|r| text(r, "Value"))
            .transpose()?
            .unwrap_or_default();
        Ok(QueueNotification {
            event: text(config, "Event")?,
            prefix,
        })
    }

    /// A queue's settings that shape retries locally too.
    pub fn queue(&self, logical_id: &str) -> Result<QueueSpec> {
        let p = self.properties(logical_id, "AWS::SQS::Queue")?;
        let number = |key: &str| {
            p.get(key)
                .and_then(|v| v.as_u64().or_else(|| v.as_str().and_then(|s| s.parse().ok())))
        };
        let max_receive_count = p
            .get("RedrivePolicy")
            .and_then(|r| r.get("maxReceiveCount"))
            .and_then(|v| v.as_u64());
        Ok(QueueSpec {
            visibility_timeout: number("VisibilityTimeout"),
            max_receive_count,
        })
    }
}

impl Template {
    /// An EventBridge rule's event pattern, as the JSON EventBridge takes.
    /// A rule's event pattern, with `!Sub` strings resolved for a stack called `stack_name`
    /// (only `${AWS::StackName}` is known).
    pub fn event_pattern(&self, logical_id: &str, stack_name: &str) -> Result<serde_json::Value> {
        let p = self.properties(logical_id, "AWS::Events::Rule")?;
        let pattern = p
            .get("EventPattern")
            .ok_or_else(|| anyhow!("{logical_id} has no EventPattern"))?;
        let resolved = substitute(pattern, stack_name).with_context(|| format!("{logical_id}: EventPattern"))?;
        serde_json::to_value(resolved).with_context(|| format!("{logical_id}: EventPattern must be literal"))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct QueueNotification {
    pub event: String,
    pub prefix: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct QueueSpec {
    pub visibility_timeout: Option<u64>,
    pub max_receive_count: Option<u64>,
}

/// `value` with every `!Sub "...${AWS::StackName}..."` replaced by its string.
fn substitute(value: &Value, stack_name: &str) -> Result<Value> {
    Ok(match value {
        Value::Tagged(tagged) if tagged.tag == "Sub" => {
            let text = tagged
                .value
                .as_str()
                .ok_or_else(|| anyhow!("!Sub must be a plain string here"))?;
            let resolved = text.replace("${AWS::StackName}", stack_name);
            if resolved.contains("${") {
                bail!("!Sub {text}: only ${{AWS::StackName}} is known locally");
            }
            Value::String(resolved)
        }
        Value::Tagged(tagged) => bail!("{} is not understood locally", tagged.tag),
        Value::Sequence(items) => {
            Value::Sequence(items.iter().map(|v| substitute(v, stack_name)).collect::<Result<_>>()?)
        }
        Value::Mapping(map) => Value::Mapping(
            map.iter()
                .map(|(k, v)| Ok((k.clone(), substitute(v, stack_name)?)))
                .collect::<Result<_>>()?,
        ),
        other => other.clone(),
    })
}

fn list<'a>(v: &'a Value, key: &str) -> Result<&'a Vec<Value>> {
    v.get(key)
        .and_then(Value::as_sequence)
        .ok_or_else(|| anyhow!("{key} must be a literal list"))
}

fn text(v: &Value, key: &str) -> Result<String> {
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

/// The stream-to-bus pipe as the template defines it.
#[derive(Debug, Clone, PartialEq)]
pub struct PipeSpec {
    pub filter_patterns: Vec<serde_json::Value>,
    /// The target's input template (`TargetParameters.InputTemplate`): what the pipe makes of
    /// each record before it goes on the bus.
    pub input_template: Option<String>,
    pub source: String,
    pub detail_type: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_workspace_template_defines_the_table_and_pipe() {
        let t = Template::load_default().unwrap();
        let table = t.table("TicketsTable").unwrap();
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
                "byDue"
            ]
        );
        assert_eq!(table.stream_view.as_deref(), Some("NEW_IMAGE"));
        let pipe = t.pipe("TicketEventsPipe").unwrap();
        assert_eq!(pipe.source, "lambdesk.tickets");
        assert_eq!(pipe.detail_type, "TicketEvent");
        assert_eq!(pipe.filter_patterns.len(), 1);
    }

    #[test]
    fn a_wrong_resource_kind_is_an_error() {
        let t = Template::load_default().unwrap();
        assert!(t.table("TicketEventsPipe").is_err());
        assert!(t.pipe("Nope").is_err());
    }
}
