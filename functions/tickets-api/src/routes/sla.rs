//! SLA policies: managers and admins write them, every staff member reads them.

use lambda_http::Request;
use lambda_http::http::StatusCode;
use serde_json::json;
use shared::domain::sla::SlaPolicyDraft;
use shared::domain::{Clock, Principal, SlaPolicyId};
use shared::http::{ApiError, json_response, parse_json};
use shared::ports::{ActionLedger, ContactStore, RuleStore, TeamStore, TemplateStore, TicketStore};
use shared::usecases::desk::TicketDesk;

use super::people::path_id;
use super::{Reply, ok};

fn policy_id(text: &str) -> Result<SlaPolicyId, ApiError> {
    path_id("policy", text, SlaPolicyId::parse)
}

/// A ticket's clocks as they stand now, with the business time each has left.
pub async fn standing<S, C>(desk: &TicketDesk<S, C>, who: &Principal, reference: &str) -> Reply
where
    S: TicketStore + ContactStore + TeamStore + TemplateStore + RuleStore + ActionLedger,
    C: Clock,
{
    ok(&desk.ticket_sla(who, super::tickets::reference(reference)?).await?)
}

pub async fn list<S, C>(desk: &TicketDesk<S, C>) -> Reply
where
    S: TicketStore + ContactStore + TeamStore + TemplateStore + RuleStore + ActionLedger,
    C: Clock,
{
    ok(&json!({ "items": desk.list_sla_policies().await?, "next_cursor": null }))
}

pub async fn get<S, C>(desk: &TicketDesk<S, C>, id: &str) -> Reply
where
    S: TicketStore + ContactStore + TeamStore + TemplateStore + RuleStore + ActionLedger,
    C: Clock,
{
    ok(&desk.get_sla_policy(policy_id(id)?).await?)
}

pub async fn create<S, C>(desk: &TicketDesk<S, C>, who: &Principal, request: &Request) -> Reply
where
    S: TicketStore + ContactStore + TeamStore + TemplateStore + RuleStore + ActionLedger,
    C: Clock,
{
    let draft: SlaPolicyDraft = parse_json(request)?;
    Ok(json_response(
        StatusCode::CREATED,
        &desk.create_sla_policy(who, draft).await?,
    ))
}

pub async fn replace<S, C>(desk: &TicketDesk<S, C>, who: &Principal, id: &str, request: &Request) -> Reply
where
    S: TicketStore + ContactStore + TeamStore + TemplateStore + RuleStore + ActionLedger,
    C: Clock,
{
    let id = policy_id(id)?;
    let draft: SlaPolicyDraft = parse_json(request)?;
    ok(&desk.replace_sla_policy(who, id, draft).await?)
}

pub async fn delete<S, C>(desk: &TicketDesk<S, C>, who: &Principal, id: &str) -> Reply
where
    S: TicketStore + ContactStore + TeamStore + TemplateStore + RuleStore + ActionLedger,
    C: Clock,
{
    desk.delete_sla_policy(who, policy_id(id)?).await?;
    Ok(lambda_http::Response::builder()
        .status(StatusCode::NO_CONTENT)
        .body(lambda_http::Body::Empty)
        .expect("a static response"))
}
