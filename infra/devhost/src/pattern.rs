//! EventBridge event patterns, for the pipe filter. moto does not implement
//! `TestEventPattern`, so the dev host matches the operators our template uses itself:
//! literal values, `exists`, `prefix` and `anything-but`. An operator it does not know never
//! matches, so a template that starts using one fails loudly in tests instead of passing all.

use serde_json::{Map, Value};

pub fn matches(pattern: &Value, event: &Value) -> bool {
    match pattern {
        Value::Object(fields) => matches_object(fields, Some(event)),
        _ => false,
    }
}

fn matches_object(fields: &Map<String, Value>, event: Option<&Value>) -> bool {
    fields.iter().all(|(key, rule)| {
        let value = event.and_then(|e| e.get(key));
        match rule {
            Value::Object(nested) => matches_object(nested, value),
            Value::Array(alternatives) => alternatives.iter().any(|alt| matches_leaf(alt, value)),
            _ => false,
        }
    })
}

fn matches_leaf(rule: &Value, value: Option<&Value>) -> bool {
    match rule {
        Value::Object(op) => {
            let Some((name, arg)) = op.iter().next().filter(|_| op.len() == 1) else {
                return false;
            };
            match (name.as_str(), arg) {
                ("exists", Value::Bool(wanted)) => value.is_some() == *wanted,
                ("prefix", Value::String(p)) => {
                    value.and_then(Value::as_str).is_some_and(|v| v.starts_with(p.as_str()))
                }
                ("anything-but", Value::Array(list)) => value.is_some_and(|v| !list.contains(v)),
                ("anything-but", single) => value.is_some_and(|v| v != single),
                _ => false,
            }
        }
        literal => match value {
            Some(Value::Array(items)) => items.contains(literal),
            Some(v) => v == literal,
            None => false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pipe_filter() -> Value {
        crate::template::Template::load_default()
            .unwrap()
            .pipe("TicketEventsPipe")
            .unwrap()
            .filter_patterns[0]
            .clone()
    }

    fn record(event_name: &str, image: Value) -> Value {
        json!({ "eventName": event_name, "dynamodb": { "NewImage": image } })
    }

    #[test]
    fn the_pipe_passes_new_audit_events_only() {
        let pattern = pipe_filter();
        assert!(matches(&pattern, &record("INSERT", json!({"entity": {"S": "audit"}}))));
        assert!(!matches(&pattern, &record("MODIFY", json!({"entity": {"S": "audit"}}))));
        assert!(!matches(
            &pattern,
            &record("INSERT", json!({"entity": {"S": "ticket"}}))
        ));
        assert!(!matches(
            &pattern,
            &record(
                "INSERT",
                json!({"entity": {"S": "audit"}, "carried_from": {"S": "01J"}})
            )
        ));
    }

    #[test]
    fn operators() {
        assert!(matches(&json!({"a": [{"prefix": "tic"}]}), &json!({"a": "ticket"})));
        assert!(!matches(&json!({"a": [{"prefix": "x"}]}), &json!({"a": "ticket"})));
        assert!(matches(&json!({"a": [{"anything-but": ["x"]}]}), &json!({"a": "y"})));
        assert!(!matches(&json!({"a": [{"anything-but": "y"}]}), &json!({"a": "y"})));
        assert!(matches(&json!({"a": [1, 2]}), &json!({"a": 2})));
        assert!(matches(&json!({"a": ["x"]}), &json!({"a": ["w", "x"]})));
        assert!(
            !matches(&json!({"a": [{"numeric": [">", 1]}]}), &json!({"a": 2})),
            "unknown operators never match"
        );
        assert!(!matches(&json!({"a": ["x"]}), &json!({})));
    }
}
