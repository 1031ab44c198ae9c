//! The rules a new desk starts with.

use serde_json::{Value, json};

use super::{Rule, RuleDraft};
use crate::domain::ids::RuleId;
use crate::domain::team::DepartmentId;
use crate::domain::time::Timestamp;

/// The rules a new desk starts with (all editable): mail to each support address goes to its
/// department; mail from machines is tagged and made low priority; resolved tickets close
/// after 7 days; the department lead hears of an urgent ticket; and (disabled until a manager
/// turns it on) a bad rating reopens the ticket and tells the department lead.
///
/// `categories` are the contact form's (category id, department): the form routes by them as
/// configured, and these rules let a manager change that routing without a deployment.
pub fn default_rules(
    addresses: &[(String, DepartmentId)],
    categories: &[(String, DepartmentId)],
    now: Timestamp,
) -> Vec<Rule> {
    let mut drafts: Vec<Value> = addresses
        .iter()
        .map(|(address, department)| {
            json!({
                "name": format!("Mail to {address} goes to {department}"),
                "position": 10,
                "triggers": [{"on": "ticket_created", "channels": ["email"]}],
                "conditions": {"all": [{"field": "recipient", "op": "is", "value": address.to_lowercase()}]},
                "actions": [{"do": "set_department", "department": department}]
            })
        })
        .collect();
    drafts.extend(categories.iter().map(|(category, department)| {
        json!({
            "name": format!("Form topic {category} goes to {department}"),
            "position": 10,
            "triggers": [{"on": "ticket_created", "channels": ["form"]}],
            "conditions": {"all": [{"field": "custom.category", "op": "is", "value": category}]},
            "actions": [{"do": "set_department", "department": department}]
        })
    }));
    drafts.push(json!({
        "name": "Mail from machines: tag it and lower its priority",
        "position": 20,
        "triggers": [{"on": "ticket_created", "channels": ["email"]}],
        "conditions": {"all": [{"field": "automated", "op": "is_true"}]},
        "actions": [{"do": "add_tags", "tags": ["auto-generated"]}, {"do": "set_priority", "priority": "low"}]
    }));
    drafts.push(json!({
        "name": "Close resolved tickets after 7 days",
        "position": 30,
        "triggers": [{"on": "time"}],
        "conditions": {"all": [
            {"field": "status", "op": "is", "value": "resolved"},
            {"field": "hours_since_resolved", "op": "greater_than", "value": 168}
        ]},
        "actions": [{"do": "set_status", "status": "closed"}]
    }));
    drafts.push(json!({
        "name": "Tell the department lead about an urgent ticket",
        "position": 40,
        "triggers": [{"on": "ticket_created"}, {"on": "field_changed", "field": "priority"}],
        "conditions": {"all": [{"field": "priority", "op": "is", "value": "urgent"}]},
        "actions": [{"do": "send_email", "template": "urgent_ticket", "to": "department_lead"}]
    }));
    drafts.push(json!({
        "name": "Escalate a ticket that missed its SLA and tell the department lead",
        "position": 50,
        "triggers": [{"on": "sla_breach"}],
        "actions": [{"do": "escalate", "template": "sla_breached"}]
    }));
    drafts.push(json!({
        "name": "A bad rating reopens the ticket and tells the department lead",
        "position": 60,
        // Off until a manager turns it on: whether a bad rating reopens work is the team's call.
        "enabled": false,
        "triggers": [{"on": "csat_received"}],
        "conditions": {"all": [
            {"field": "csat_rating", "op": "is", "value": "bad"},
            {"field": "status", "op": "is", "value": "resolved"}
        ]},
        "actions": [
            {"do": "set_status", "status": "open"},
            {"do": "send_email", "template": "bad_rating", "to": "department_lead"}
        ]
    }));
    drafts
        .into_iter()
        .enumerate()
        .filter_map(|(i, draft)| {
            let draft: RuleDraft = serde_json::from_value(draft).ok()?;
            let at = Timestamp::new(now.as_datetime() + chrono::Duration::milliseconds(i as i64));
            Some(Rule::from_draft(RuleId::generate(at), draft, now, now))
        })
        .collect()
}
