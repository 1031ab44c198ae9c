//! The one decoder for what a consumer of the ticket event bus receives: the EventBridge event
//! (or that event as the body of an SQS message, the way a bus rule delivers it to a queue),
//! read into the published contract ([`TicketEvent`]) or SES's report on a mail we sent.
//!
//! Two shapes of ticket event are read: the pipe's own (`detail` is the envelope its input
//! template makes: `version`, `type`, `ticket_id` and the event's JSON text in `event`) and
//! the raw DynamoDB stream record the pipe delivered before it had a template, so events in
//! flight during the deploy that changed it are still read. See `docs/events.md`.

use serde::Deserialize;
use serde_json::Value;

use crate::adapters::sesv2::FeedbackError;
use crate::domain::{DeliveryFeedback, TICKET_EVENT_VERSION, TicketEvent};

/// The `source` of ticket events on the bus (the pipe's `Source`).
pub const TICKET_EVENT_SOURCE: &str = "lambdesk.tickets";
/// The `detail-type` of ticket events on the bus (the pipe's `DetailType`).
pub const TICKET_EVENT_DETAIL_TYPE: &str = "TicketEvent";
const SES_SOURCE: &str = "aws.ses";

/// What a bus event turned out to be.
#[derive(Debug, Clone, PartialEq)]
pub enum BusEvent {
    Ticket(Box<TicketEvent>),
    /// SES's word on a mail we sent.
    Feedback(DeliveryFeedback),
    /// Nothing for a consumer to do (why, for the log).
    Ignored(&'static str),
}

#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    #[error("not JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("an event from {0:?}, which is neither ticket events nor SES")]
    UnknownSource(String),
    #[error("a ticket event of neither the pipe's shape nor a stream record's")]
    UnknownShape,
    /// A later contract than this code knows: refused rather than misread (the message goes to
    /// its DLQ and waits for a consumer that knows it).
    #[error("ticket event version {0}; this consumer reads up to {TICKET_EVENT_VERSION}")]
    UnsupportedVersion(u32),
    #[error(transparent)]
    Feedback(#[from] FeedbackError),
}

/// The EventBridge event's parts a consumer reads.
#[derive(Deserialize)]
struct Envelope {
    #[serde(default)]
    source: String,
    #[serde(default)]
    detail: Value,
}

/// `detail` as the pipe's input template makes it.
#[derive(Deserialize)]
struct PipeDetail {
    version: u32,
    event: String,
}

/// `detail` as a raw stream record (before the pipe had a template): only what is read.
#[derive(Deserialize)]
struct StreamRecord {
    dynamodb: StreamData,
}

#[derive(Deserialize)]
struct StreamData {
    #[serde(rename = "NewImage")]
    new_image: std::collections::HashMap<String, Value>,
}

/// Reads an SQS message's body holding a bus event; `ses_domain` is where SES's own
/// Message-IDs live ([`crate::domain::feedback::ses_message_id_domain`]).
pub fn decode_sqs_body(body: &str, ses_domain: &str) -> Result<BusEvent, DecodeError> {
    decode(&serde_json::from_str(body)?, ses_domain)
}

/// Reads a bus event (as EventBridge hands it to a target).
pub fn decode(event: &Value, ses_domain: &str) -> Result<BusEvent, DecodeError> {
    let envelope = Envelope::deserialize(event)?;
    match envelope.source.as_str() {
        TICKET_EVENT_SOURCE => ticket_detail(&envelope.detail),
        SES_SOURCE => Ok(match DeliveryFeedback::from_ses_detail(&envelope.detail, ses_domain)? {
            Some(feedback) => BusEvent::Feedback(feedback),
            None => BusEvent::Ignored("an SES event that changes nothing (a send, an open)"),
        }),
        other => Err(DecodeError::UnknownSource(other.to_owned())),
    }
}

/// Reads a ticket event's `detail`, in either shape.
pub fn ticket_detail(detail: &Value) -> Result<BusEvent, DecodeError> {
    let text = if detail.get("event").is_some() {
        let detail = PipeDetail::deserialize(detail)?;
        if detail.version > TICKET_EVENT_VERSION {
            return Err(DecodeError::UnsupportedVersion(detail.version));
        }
        detail.event
    } else if detail.get("dynamodb").is_some() {
        let record = StreamRecord::deserialize(detail)?;
        let image = record.dynamodb.new_image;
        // The pipe's filter keeps carried copies off the bus; a record is read the same way.
        if image.contains_key("carried_from") {
            return Ok(BusEvent::Ignored("a copy a merge carried over"));
        }
        let Some(Value::String(text)) = image.get("event").and_then(|e| e.get("S")) else {
            return Err(DecodeError::UnknownShape);
        };
        text.clone()
    } else {
        return Err(DecodeError::UnknownShape);
    };
    let event: TicketEvent = serde_json::from_str(&text)?;
    if event.version > TICKET_EVENT_VERSION {
        return Err(DecodeError::UnsupportedVersion(event.version));
    }
    Ok(BusEvent::Ticket(Box::new(event)))
}

/// The bus event the pipe makes of `event`, as its input template would (for tests and tools
/// that publish the way the pipe does).
pub fn pipe_detail(event: &TicketEvent) -> Value {
    serde_json::json!({
        "version": event.version,
        "type": event.event_type.as_str(),
        "ticket_id": event.ticket_id.to_string(),
        "event": serde_json::to_string(event).unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Actor, EventId, EventType, TicketId, TicketNumber, Timestamp};
    use serde_json::json;

    fn event() -> TicketEvent {
        let at = Timestamp::parse("2026-11-23T09:00:00Z").unwrap();
        TicketEvent {
            version: 1,
            id: EventId::generate(at),
            event_type: EventType::TicketUpdated,
            ticket_id: TicketId::generate(at),
            ticket_number: TicketNumber::new(1001),
            actor: Actor::System { cause: "test".into() },
            at,
            changes: vec![],
            message_id: None,
            related: None,
            ticket: None,
        }
    }

    fn on_bus(detail: Value) -> Value {
        json!({"source": TICKET_EVENT_SOURCE, "detail-type": TICKET_EVENT_DETAIL_TYPE, "detail": detail})
    }

    #[test]
    fn the_pipe_s_shape_and_the_raw_record_give_the_same_event() {
        let e = event();
        let text = serde_json::to_string(&e).unwrap();
        let raw = json!({"eventName": "INSERT", "dynamodb": {"NewImage": {
            "entity": {"S": "audit"}, "event": {"S": text}
        }}});
        for detail in [pipe_detail(&e), raw] {
            let decoded = decode(&on_bus(detail), "x").unwrap();
            assert_eq!(decoded, BusEvent::Ticket(Box::new(e.clone())));
        }
    }

    #[test]
    fn a_later_version_is_refused_not_misread() {
        let mut detail = pipe_detail(&event());
        detail["version"] = json!(2);
        assert!(matches!(
            decode(&on_bus(detail), "x"),
            Err(DecodeError::UnsupportedVersion(2))
        ));
        let mut later = serde_json::to_value(event()).unwrap();
        later["version"] = json!(7);
        let detail = json!({"version": 1, "event": later.to_string()});
        assert!(matches!(
            decode(&on_bus(detail), "x"),
            Err(DecodeError::UnsupportedVersion(7))
        ));
    }

    #[test]
    fn carried_copies_are_ignored_and_strangers_are_errors() {
        let raw = json!({"dynamodb": {"NewImage": {"carried_from": {"S": "x"}, "event": {"S": "{}"}}}});
        assert!(matches!(decode(&on_bus(raw), "x"), Ok(BusEvent::Ignored(_))));
        assert!(matches!(
            decode(&json!({"source": "elsewhere", "detail": {}}), "x"),
            Err(DecodeError::UnknownSource(_))
        ));
        assert!(matches!(
            decode(&on_bus(json!({"what": 1})), "x"),
            Err(DecodeError::UnknownShape)
        ));
        assert!(matches!(decode_sqs_body("not json", "x"), Err(DecodeError::Json(_))));
    }
}
