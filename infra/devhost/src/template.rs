//! Reads what the dev host plays from `template.yaml`: the stream-to-bus pipe (filter, source,
//! detail type), the bucket's queue notification, the queues' retry settings and the event
//! rules. The table's schema is read by `test_support::template`, the one place that creates
//! tables for the tests and the dev host alike.

use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use serde_yaml::Value;
use test_support::template::text;

pub use test_support::template::{TableSpec, default_path};

/// The template, with the resources only the dev host provisions and plays.
pub struct Template {
    resources: test_support::template::Template,
}

impl Template {
    pub fn load(path: &Path) -> Result<Self> {
        Ok(Self {
            resources: test_support::template::Template::load(path)?,
        })
    }

    pub fn load_default() -> Result<Self> {
        Self::load(&default_path())
    }

    /// The template as `test_support` reads it (the table, the user pool).
    pub fn resources(&self) -> &test_support::template::Template {
        &self.resources
    }

    fn properties(&self, logical_id: &str, kind: &str) -> Result<&Value> {
        self.resources.properties(logical_id, kind)
    }

    pub fn table(&self, logical_id: &str) -> Result<TableSpec> {
        self.resources.table(logical_id)
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

impl Template {
    /// The functions the template runs on a schedule (`Schedule` / `ScheduleV2` events): the
    /// binary each runs and how often. The dev host plays these and `cargo xtask invoke` runs
    /// them by their binary's name.
    pub fn schedules(&self) -> Result<Vec<ScheduleSpec>> {
        let mut schedules = Vec::new();
        for (logical_id, function) in self.resources.resources_of_type("AWS::Serverless::Function") {
            let events = function
                .get("Properties")
                .and_then(|p| p.get("Events"))
                .and_then(Value::as_mapping);
            for event in events.into_iter().flatten().map(|(_, e)| e) {
                let kind = event.get("Type").and_then(Value::as_str).unwrap_or_default();
                if kind != "Schedule" && kind != "ScheduleV2" {
                    continue;
                }
                let binary = function
                    .get("Metadata")
                    .and_then(|m| m.get("BuildProperties"))
                    .map(|b| text(b, "Binary"))
                    .transpose()?
                    .ok_or_else(|| anyhow!("{logical_id}: a scheduled function names its Binary"))?;
                let properties = event
                    .get("Properties")
                    .ok_or_else(|| anyhow!("{logical_id}: its schedule has no Properties"))?;
                let expression = text(properties, "ScheduleExpression")?;
                schedules.push(ScheduleSpec {
                    function: binary,
                    every: rate(&expression),
                    expression,
                });
            }
        }
        schedules.sort_by(|a, b| a.function.cmp(&b.function));
        Ok(schedules)
    }
}

/// A function on a schedule.
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduleSpec {
    /// The binary's name (`reactor-sweep`), what `cargo xtask invoke` calls it.
    pub function: String,
    /// As the template writes it: `rate(5 minutes)`, `cron(0 7 * * ? *)`.
    pub expression: String,
    /// How often a `rate(...)` runs; `None` for a `cron(...)`, which the dev host does not
    /// play on its own (invoke it with `cargo xtask invoke`).
    pub every: Option<std::time::Duration>,
}

/// The interval of `rate(N unit)`.
fn rate(expression: &str) -> Option<std::time::Duration> {
    let inner = expression.strip_prefix("rate(")?.strip_suffix(')')?;
    let (count, unit) = inner.trim().split_once(' ')?;
    let count: u64 = count.parse().ok()?;
    let seconds = match unit.trim() {
        "minute" | "minutes" => 60,
        "hour" | "hours" => 3600,
        "day" | "days" => 86_400,
        _ => return None,
    };
    Some(std::time::Duration::from_secs(count * seconds))
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
    fn the_workspace_template_defines_the_pipe() {
        let pipe = Template::load_default().unwrap().pipe("TicketEventsPipe").unwrap();
        assert_eq!(pipe.source, "lambdesk.tickets");
        assert_eq!(pipe.detail_type, "TicketEvent");
        assert_eq!(pipe.filter_patterns.len(), 1);
    }

    #[test]
    fn the_template_s_schedules_name_their_binaries() {
        let schedules = Template::load_default().unwrap().schedules().unwrap();
        let sweep = schedules.iter().find(|s| s.function == "reactor-sweep").unwrap();
        assert_eq!(sweep.every, Some(std::time::Duration::from_secs(300)));
    }

    #[test]
    fn rates_are_read_and_crons_are_not_played() {
        assert_eq!(rate("rate(1 minute)"), Some(std::time::Duration::from_secs(60)));
        assert_eq!(rate("rate(2 hours)"), Some(std::time::Duration::from_secs(7200)));
        assert_eq!(rate("rate(1 day)"), Some(std::time::Duration::from_secs(86_400)));
        assert_eq!(rate("cron(0 7 * * ? *)"), None);
        assert_eq!(rate("rate(x minutes)"), None);
    }

    #[test]
    fn a_wrong_resource_kind_is_an_error() {
        let t = Template::load_default().unwrap();
        assert!(t.pipe("TicketsTable").is_err());
        assert!(t.pipe("Nope").is_err());
    }
}
