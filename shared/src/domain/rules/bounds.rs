//! Limits on a rule's numbers and sizes, checked when it is saved, and the date arithmetic the
//! time sweep does on its thresholds. The arithmetic is checked rather than trusted to the
//! save-time limits: a rule stored before the limits existed (or written to the table by hand)
//! must not be able to panic the reactor, which reads every rule for every event.

use chrono::TimeDelta;
use serde_json::Value;

use super::{Op, RuleDraft};
use crate::domain::error::DomainError;
use crate::domain::time::Timestamp;

/// The longest time threshold a condition may name: ten years, in hours.
pub const MAX_HOURS: f64 = 87_600.0;
/// The highest position a rule may take (positions order rules; gaps are fine).
pub const MAX_POSITION: u32 = 1_000_000;
/// The most triggers, conditions per group and actions one rule may have.
pub const MAX_TRIGGERS: usize = 10;
pub const MAX_CONDITIONS: usize = 50;
pub const MAX_ACTIONS: usize = 50;
/// The most values an `in` / `not_in` list may hold.
pub const MAX_LIST_VALUES: usize = 200;

/// Checks the numbers and sizes of `draft`; the error names the offending path.
pub(super) fn check_bounds(draft: &RuleDraft) -> Result<(), DomainError> {
    if draft.position > MAX_POSITION {
        return Err(DomainError::invalid("position", format!("must be 0 to {MAX_POSITION}")));
    }
    if draft.triggers.len() > MAX_TRIGGERS {
        return Err(DomainError::invalid(
            "triggers",
            format!("at most {MAX_TRIGGERS} triggers"),
        ));
    }
    if draft.actions.len() > MAX_ACTIONS {
        return Err(DomainError::invalid(
            "actions",
            format!("at most {MAX_ACTIONS} actions"),
        ));
    }
    for (group, list) in [("all", &draft.conditions.all), ("any", &draft.conditions.any)] {
        if list.len() > MAX_CONDITIONS {
            return Err(DomainError::invalid(
                format!("conditions.{group}"),
                format!("at most {MAX_CONDITIONS} conditions"),
            ));
        }
        for (i, condition) in list.iter().enumerate() {
            let path = format!("conditions.{group}[{i}].value");
            let hours = condition.value.as_f64();
            let list = condition.value.as_array().map(Vec::len);
            match condition.op {
                Op::GreaterThan | Op::LessThan if hours.is_some_and(|h| !(0.0..=MAX_HOURS).contains(&h)) => {
                    return Err(DomainError::invalid(
                        path,
                        format!("must be a number of hours from 0 to {MAX_HOURS}"),
                    ));
                }
                Op::In | Op::NotIn if list.is_some_and(|n| n > MAX_LIST_VALUES) => {
                    return Err(DomainError::invalid(path, format!("at most {MAX_LIST_VALUES} values")));
                }
                _ => {}
            }
        }
    }
    Ok(())
}

/// The first moment strictly past `hours` after `since` (one millisecond after the
/// threshold); `None` when that lies beyond what a timestamp can hold. A negative threshold
/// counts as none (crossed at once), as `hours_since_* > -1` always holds.
pub(super) fn crossing(since: Timestamp, hours: f64) -> Option<Timestamp> {
    if hours.is_nan() {
        return None;
    }
    let millis = hours.max(0.0) * 3_600_000.0;
    // `as` saturates, and i64::MAX is far beyond any date chrono holds: past it, never.
    if !millis.is_finite() || millis >= i64::MAX as f64 {
        return None;
    }
    let delta = TimeDelta::try_milliseconds((millis as i64).checked_add(1)?)?;
    since.as_datetime().checked_add_signed(delta).map(Timestamp::new)
}

/// A condition's threshold as hours, if it is a number.
pub(super) fn hours_of(value: &Value) -> Option<f64> {
    value.as_f64().filter(|h| h.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ticket::tests::at;

    #[test]
    fn a_crossing_beyond_the_calendar_is_none_not_a_panic() {
        let since = at("2026-11-23T09:00:00Z");
        assert_eq!(crossing(since, 1.0), Some(at("2026-11-23T10:00:00.001Z")));
        assert_eq!(crossing(since, -5.0), Some(at("2026-11-23T09:00:00.001Z")));
        for huge in [1e300, f64::MAX, f64::INFINITY, 2.6e9, 1e15, 9.3e18 / 3.6e6] {
            assert_eq!(crossing(since, huge), None, "{huge}");
        }
        assert_eq!(crossing(since, f64::NAN), None);
    }

    fn refusal(json: serde_json::Value) -> String {
        let draft: RuleDraft = serde_json::from_value(json).unwrap();
        match draft.check(|_| true) {
            Err(DomainError::Invalid { field, .. }) => field.into_owned(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn numbers_out_of_bounds_are_refused_at_save_naming_the_path() {
        let time_rule = |hours: serde_json::Value| {
            serde_json::json!({
                "name": "late", "position": 1, "triggers": [{"on": "time"}],
                "conditions": {"all": [{"field": "status", "op": "is", "value": "open"}],
                               "any": [{"field": "hours_since_created", "op": "greater_than", "value": hours}]},
                "actions": [{"do": "set_status", "status": "closed"}]
            })
        };
        assert_eq!(refusal(time_rule(serde_json::json!(1e300))), "conditions.any[0].value");
        assert_eq!(refusal(time_rule(serde_json::json!(87_601))), "conditions.any[0].value");
        let ok: RuleDraft = serde_json::from_value(time_rule(serde_json::json!(MAX_HOURS))).unwrap();
        ok.check(|_| true).unwrap();
        let mut far = time_rule(serde_json::json!(1));
        far["position"] = serde_json::json!(MAX_POSITION + 1);
        assert_eq!(refusal(far), "position");
        let mut many = time_rule(serde_json::json!(1));
        many["actions"] = serde_json::json!(vec![serde_json::json!({"do": "mark_spam"}); MAX_ACTIONS + 1]);
        assert_eq!(refusal(many), "actions");
        let mut long = time_rule(serde_json::json!(1));
        long["conditions"]["all"][0] = serde_json::json!({"field": "subject", "op": "in",
            "value": vec!["x"; MAX_LIST_VALUES + 1]});
        assert_eq!(refusal(long), "conditions.all[0].value");
    }
}
