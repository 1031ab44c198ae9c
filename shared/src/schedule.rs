//! The edge shared by the scheduled functions (sweeps, reports): what the schedule sends,
//! decoded in one place. EventBridge Scheduler's input from the template is
//! `{"time": "<aws.scheduler.scheduled-time>"}`, and an EventBridge scheduled event has `time`
//! too. The time is the run's "now", so a run can be replayed for any moment
//! (`cargo xtask invoke <function> --at …`).

use serde::Deserialize;

use crate::domain::Timestamp;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct ScheduledEvent {
    pub time: Timestamp,
}

#[derive(Debug, thiserror::Error)]
#[error("the schedule's event has no usable time: {0}")]
pub struct ScheduledEventError(#[from] serde_json::Error);

impl ScheduledEvent {
    pub fn decode(event: serde_json::Value) -> Result<Self, ScheduledEventError> {
        Ok(serde_json::from_value(event)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_time_is_the_runs_now_and_an_event_without_one_is_refused() {
        let scheduler = serde_json::json!({"time": "2026-12-07T08:31:00Z"});
        let rule =
            serde_json::json!({"version": "0", "detail-type": "Scheduled Event", "time": "2026-12-07T08:31:00Z"});
        for event in [scheduler, rule] {
            let decoded = ScheduledEvent::decode(event).unwrap();
            assert_eq!(decoded.time, Timestamp::parse("2026-12-07T08:31:00Z").unwrap());
        }
        let error = ScheduledEvent::decode(serde_json::json!({"when": "now"})).unwrap_err();
        assert!(error.to_string().contains("no usable time"), "{error}");
    }
}
