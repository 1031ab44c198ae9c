//! Domain values to items and back. Records are stored as native DynamoDB attributes
//! (serde_dynamo) so they read well in the console and filters can use them; key and index
//! attributes are added here.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

use super::keys::{self, *};
use crate::domain::{AuditEvent, Contact, Message, Ticket};
use crate::ports::StoreError;

pub type Item = HashMap<String, AttributeValue>;

pub fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

fn record<T: serde::Serialize>(value: &T) -> Result<Item, StoreError> {
    let mut item: Item = serde_dynamo::to_item(value).map_err(StoreError::unknown)?;
    // DynamoDB Local's stream writes an empty map without its type tag, at any depth, which
    // no SDK can read (the dev host's pipe would stop on it); records default empty maps when
    // reading, so none is stored.
    without_empty_maps(&mut item);
    Ok(item)
}

/// Drops every empty map from `map`, nested ones included (a map left empty by that goes too).
fn without_empty_maps(map: &mut HashMap<String, AttributeValue>) {
    for value in map.values_mut() {
        match value {
            AttributeValue::M(inner) => without_empty_maps(inner),
            AttributeValue::L(list) => list.iter_mut().for_each(|v| {
                if let AttributeValue::M(inner) = v {
                    without_empty_maps(inner);
                }
            }),
            _ => {}
        }
    }
    map.retain(|_, v| !matches!(v, AttributeValue::M(m) if m.is_empty()));
}

pub fn from_item<T: serde::de::DeserializeOwned>(item: Item) -> Result<T, StoreError> {
    serde_dynamo::from_item(item).map_err(StoreError::unknown)
}

fn keyed(mut item: Item, pk: String, sk: impl Into<String>, entity: &str) -> Item {
    item.insert(PK.into(), s(pk));
    item.insert(SK.into(), s(sk));
    item.insert("entity".into(), s(entity));
    item
}

/// A record with its key and entity type.
pub fn record_item<T: serde::Serialize>(value: &T, pk: String, sk: String, entity: &str) -> Result<Item, StoreError> {
    Ok(keyed(record(value)?, pk, sk, entity))
}

pub fn ticket_item(ticket: &Ticket) -> Result<Item, StoreError> {
    let mut item = keyed(record(ticket)?, ticket_pk(ticket.id), TICKET_SK, "ticket");
    let created = keys::created_sk(ticket);
    item.insert(BY_STATUS.pk.into(), s(ticket.status.as_str()));
    if let Some(d) = &ticket.department {
        item.insert(BY_DEPARTMENT.pk.into(), s(d.as_str()));
    }
    if let Some(a) = ticket.assignee {
        item.insert(BY_ASSIGNEE.pk.into(), s(a.to_string()));
    }
    item.insert(BY_REQUESTER.pk.into(), s(ticket.requester.to_string()));
    item.insert(BY_MONTH.pk.into(), s(ticket.created_at.month()));
    if ticket.status.is_unsolved() {
        item.insert(BY_URGENCY.pk.into(), s(UNSOLVED));
        item.insert(
            BY_URGENCY.sk.into(),
            s(format!("{}#{created}", ticket.priority.urgency_rank())),
        );
    }
    if let Some(since) = ticket.retained_since() {
        item.insert(BY_RETENTION.pk.into(), s(HELD));
        item.insert(BY_RETENTION.sk.into(), s(format!("{since}#{}", ticket.id)));
    }
    item.insert(BY_STATUS.sk.into(), s(created));
    if let Some(sla) = &ticket.sla {
        if let Some(next) = sla.next_flag_at() {
            item.insert(BY_DUE.pk.into(), s(SLA_DUE));
            item.insert(BY_DUE.sk.into(), s(format!("{next}#{}", ticket.id)));
        }
        if ticket.status.is_unsolved() {
            // Running clocks by their soonest due time; a ticket whose clocks are all paused
            // after every due time ("~" sorts after digits); one with none open, not at all.
            let order = match (sla.soonest_due(), sla.is_paused()) {
                (Some(due), _) => Some(due.to_string()),
                (None, true) => Some("~paused".to_owned()),
                (None, false) => None,
            };
            if let Some(order) = order {
                item.insert(BY_SLA.pk.into(), s(UNSOLVED));
                item.insert(BY_SLA.sk.into(), s(format!("{order}#{}", ticket.id)));
            }
            item.insert(SLA_STATE.into(), s(sla.state().as_str()));
        }
    }
    Ok(item)
}

pub fn message_item(message: &Message) -> Result<Item, StoreError> {
    Ok(keyed(
        record(message)?,
        ticket_pk(message.ticket_id),
        format!("{MESSAGE_PREFIX}{}", message.id),
        "message",
    ))
}

/// Audit events keep their JSON in `event` (what bus consumers read) and `type`/`ticket_id` at
/// the top level for bus rules; copies carried by a merge are marked so the pipe skips them.
/// `ticket` is the ticket as the change left it (the contract's `ticket`; `None` for copies a
/// merge carries over, which never reach the bus).
pub fn event_item(event: &AuditEvent, ticket: Option<&Ticket>) -> Result<Item, StoreError> {
    let facts = ticket.map(crate::domain::events::TicketFacts::from);
    let json = crate::domain::events::stored_json_with(event, facts.as_ref()).map_err(StoreError::unknown)?;
    let mut item = keyed(
        Item::new(),
        ticket_pk(event.ticket_id),
        format!("{EVENT_PREFIX}{}", event.id),
        "audit",
    );
    item.insert("event".into(), s(json));
    item.insert("type".into(), s(event.event_type.as_str()));
    item.insert("ticket_id".into(), s(event.ticket_id.to_string()));
    item.insert("at".into(), s(event.at.to_string()));
    if let Some(from) = event.carried_from {
        item.insert("carried_from".into(), s(from.to_string()));
    }
    Ok(item)
}

pub fn event_from_item(item: &Item) -> Result<AuditEvent, StoreError> {
    let json = item
        .get("event")
        .and_then(|v| v.as_s().ok())
        .ok_or_else(|| StoreError::Unknown("audit item without an event".into()))?;
    serde_json::from_str(json).map_err(StoreError::unknown)
}

pub fn contact_item(contact: &Contact) -> Result<Item, StoreError> {
    Ok(keyed(record(contact)?, contact_pk(contact.id), CONTACT_SK, "contact"))
}

/// A uniqueness item pointing at the record that owns a value (an email, a phone, a number).
pub fn pointer_item(pk: String, sk: &str, target_attr: &str, target: String) -> Item {
    let mut item = keyed(Item::new(), pk, sk, "pointer");
    item.insert(target_attr.into(), s(target));
    item
}

pub fn string_attr(item: &Item, name: &str) -> Option<String> {
    item.get(name).and_then(|v| v.as_s().ok()).cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_empty_map_is_stored_at_any_depth() {
        let value = serde_json::json!({
            "kept": {"inner": {"deep": 1}, "gone": {}},
            "emptied": {"only": {}},
            "list": [{"x": {}, "y": 2}],
            "top": {}
        });
        let item = record(&value).unwrap();
        let back: serde_json::Value = serde_dynamo::from_item(item).unwrap();
        assert_eq!(
            back,
            serde_json::json!({"kept": {"inner": {"deep": 1}}, "list": [{"y": 2}]})
        );
    }
}
