//! Mail templates: every staff member reads them, admins write them.

use lambda_http::Request;
use lambda_http::http::StatusCode;
use serde_json::json;
use shared::domain::template_library::TemplateName;
use shared::domain::{Clock, Language, Principal, Role};
use shared::http::{json_response, parse_json};
use shared::ports::{ActionLedger, ContactStore, RuleStore, TeamStore, TemplateStore, TicketStore};
use shared::usecases::desk::TicketDesk;

use super::people::path_id;
use super::{Reply, ok};
use crate::bodies::PutTemplateBody;

fn key(name: &str, language: &str) -> Result<(TemplateName, Language), shared::http::ApiError> {
    Ok((
        path_id("name", name, TemplateName::parse)?,
        path_id("language", language, Language::parse)?,
    ))
}

pub async fn list<S, C>(desk: &TicketDesk<S, C>) -> Reply
where
    S: TicketStore + ContactStore + TeamStore + TemplateStore + RuleStore + ActionLedger,
    C: Clock,
{
    ok(&json!({ "items": desk.list_templates().await?, "next_cursor": null }))
}

pub async fn get<S, C>(desk: &TicketDesk<S, C>, name: &str, language: &str) -> Reply
where
    S: TicketStore + ContactStore + TeamStore + TemplateStore + RuleStore + ActionLedger,
    C: Clock,
{
    let (name, language) = key(name, language)?;
    ok(&desk.get_template(&name, &language).await?)
}

pub async fn put<S, C>(desk: &TicketDesk<S, C>, who: &Principal, name: &str, language: &str, request: &Request) -> Reply
where
    S: TicketStore + ContactStore + TeamStore + TemplateStore + RuleStore + ActionLedger,
    C: Clock,
{
    who.require(Role::Admin)?;
    let (name, language) = key(name, language)?;
    let body: PutTemplateBody = parse_json(request)?;
    let template = desk.put_template(who, name, language, body.subject, body.text).await?;
    Ok(json_response(StatusCode::OK, &template))
}

pub async fn delete<S, C>(desk: &TicketDesk<S, C>, who: &Principal, name: &str, language: &str) -> Reply
where
    S: TicketStore + ContactStore + TeamStore + TemplateStore + RuleStore + ActionLedger,
    C: Clock,
{
    who.require(Role::Admin)?;
    let (name, language) = key(name, language)?;
    desk.delete_template(who, &name, &language).await?;
    Ok(lambda_http::Response::builder()
        .status(StatusCode::NO_CONTENT)
        .body(lambda_http::Body::Empty)
        .expect("a static response"))
}
