//! Automation rules: managers and admins write them, every staff member reads them, and a dry
//! run explains what they would do on a ticket.

use lambda_http::Request;
use lambda_http::http::StatusCode;
use serde_json::json;
use shared::domain::rules::{Rule, RuleDraft};
use shared::domain::{Clock, Principal, Role, RuleId, TicketRef};
use shared::http::{ApiError, json_response, parse_json};
use shared::ports::{ActionLedger, ContactStore, RuleStore, TeamStore, TemplateStore, TicketStore};
use shared::usecases::desk::TicketDesk;

use super::people::path_id;
use super::{Reply, ok};
use crate::bodies::DryRunBody;

fn rule_id(text: &str) -> Result<RuleId, ApiError> {
    path_id("rule", text, RuleId::parse)
}

/// Webhook secrets are for those who write rules; agents see them hidden.
fn as_seen_by(who: &Principal, rule: Rule) -> Rule {
    if who.role >= Role::Manager {
        rule
    } else {
        rule.without_secrets()
    }
}

pub async fn list<S, C>(desk: &TicketDesk<S, C>, who: &Principal) -> Reply
where
    S: TicketStore + ContactStore + TeamStore + TemplateStore + RuleStore + ActionLedger,
    C: Clock,
{
    let rules: Vec<Rule> = desk
        .list_rules()
        .await?
        .into_iter()
        .map(|r| as_seen_by(who, r))
        .collect();
    ok(&json!({ "items": rules, "next_cursor": null }))
}

pub async fn get<S, C>(desk: &TicketDesk<S, C>, who: &Principal, id: &str) -> Reply
where
    S: TicketStore + ContactStore + TeamStore + TemplateStore + RuleStore + ActionLedger,
    C: Clock,
{
    ok(&as_seen_by(who, desk.get_rule(rule_id(id)?).await?))
}

pub async fn create<S, C>(desk: &TicketDesk<S, C>, who: &Principal, request: &Request) -> Reply
where
    S: TicketStore + ContactStore + TeamStore + TemplateStore + RuleStore + ActionLedger,
    C: Clock,
{
    who.require(Role::Manager)?;
    let draft: RuleDraft = parse_json(request)?;
    Ok(json_response(StatusCode::CREATED, &desk.create_rule(who, draft).await?))
}

pub async fn replace<S, C>(desk: &TicketDesk<S, C>, who: &Principal, id: &str, request: &Request) -> Reply
where
    S: TicketStore + ContactStore + TeamStore + TemplateStore + RuleStore + ActionLedger,
    C: Clock,
{
    who.require(Role::Manager)?;
    let id = rule_id(id)?;
    let draft: RuleDraft = parse_json(request)?;
    ok(&desk.replace_rule(who, id, draft).await?)
}

pub async fn delete<S, C>(desk: &TicketDesk<S, C>, who: &Principal, id: &str) -> Reply
where
    S: TicketStore + ContactStore + TeamStore + TemplateStore + RuleStore + ActionLedger,
    C: Clock,
{
    who.require(Role::Manager)?;
    desk.delete_rule(who, rule_id(id)?).await?;
    Ok(lambda_http::Response::builder()
        .status(StatusCode::NO_CONTENT)
        .body(lambda_http::Body::Empty)
        .expect("a static response"))
}

/// Any staff member who may see the ticket may ask what the rules would do on it.
pub async fn dry_run<S, C>(desk: &TicketDesk<S, C>, who: &Principal, request: &Request) -> Reply
where
    S: TicketStore + ContactStore + TeamStore + TemplateStore + RuleStore + ActionLedger,
    C: Clock,
{
    let body: DryRunBody = parse_json(request)?;
    let reference = path_id("ticket", &body.ticket, TicketRef::parse)?;
    ok(&desk.dry_run(who, reference, body.event, body.rule).await?)
}
