use lambda_http::Request;
use lambda_http::http::StatusCode;
use serde_json::json;
use shared::domain::{
    AgentId, Clock, ContactId, DepartmentId, DomainError, EmailAddress, PhoneNumber, Principal, Role,
};
use shared::http::{ApiError, QueryParams, json_response, parse_json};
use shared::ports::{ActionLedger, AgentDirectory, ContactStore, RuleStore, TeamStore, TemplateStore, TicketStore};
use shared::usecases::desk::TicketDesk;

use super::tickets::{LIST_PARAMS, ticket_query};
use super::{Reply, ok, page};
use crate::bodies::{
    CreateAgentBody, CreateDepartmentBody, PatchAgentBody, PatchContactBody, PatchDepartmentBody, RequesterBody,
};

pub(super) fn path_id<T>(
    field: &'static str,
    text: &str,
    parse: impl Fn(&str) -> Result<T, DomainError>,
) -> Result<T, ApiError> {
    parse(text).map_err(|e| match e {
        DomainError::Invalid { reason, .. } => ApiError::bad_field(field, reason),
        other => other.into(),
    })
}

pub async fn find_contact<S, C>(desk: &TicketDesk<S, C>, request: &Request) -> Reply
where
    S: TicketStore + ContactStore + TeamStore + TemplateStore + RuleStore + ActionLedger,
    C: Clock,
{
    let params = QueryParams::new(request, &["email", "phone"])?;
    let email = params.parse("email", EmailAddress::parse)?;
    let phone = params.parse("phone", PhoneNumber::parse)?;
    if email.is_some() == phone.is_some() {
        return Err(ApiError::bad_field(
            "email",
            "search by email or by phone (one of them)",
        ));
    }
    let found = desk.find_contact(email.as_ref(), phone.as_ref()).await?;
    ok(&json!({ "items": found.into_iter().collect::<Vec<_>>(), "next_cursor": null }))
}

pub async fn create_contact<S, C>(desk: &TicketDesk<S, C>, request: &Request) -> Reply
where
    S: TicketStore + ContactStore + TeamStore + TemplateStore + RuleStore + ActionLedger,
    C: Clock,
{
    let details = parse_json::<RequesterBody>(request)?.into_details()?;
    let contact = desk.create_contact(details).await?;
    Ok(json_response(StatusCode::CREATED, &contact))
}

pub async fn get_contact<S, C>(desk: &TicketDesk<S, C>, id: &str) -> Reply
where
    S: TicketStore + ContactStore + TeamStore + TemplateStore + RuleStore + ActionLedger,
    C: Clock,
{
    let id = path_id("contact", id, ContactId::parse)?;
    ok(&desk.get_contact(id).await?)
}

/// Staff set a contact's groups (such as `vip`); an admin clears (or sets) `undeliverable`,
/// e.g. once a bounced address works again.
pub async fn update_contact<S, C>(desk: &TicketDesk<S, C>, who: &Principal, id: &str, request: &Request) -> Reply
where
    S: TicketStore + ContactStore + TeamStore + TemplateStore + RuleStore + ActionLedger,
    C: Clock,
{
    who.require(Role::Manager)?;
    let id = path_id("contact", id, ContactId::parse)?;
    let body: PatchContactBody = parse_json(request)?;
    ok(&desk.update_contact(who, id, body.into_patch()).await?)
}

pub async fn contact_tickets<S, C>(desk: &TicketDesk<S, C>, who: &Principal, id: &str, request: &Request) -> Reply
where
    S: TicketStore + ContactStore + TeamStore + TemplateStore + RuleStore + ActionLedger,
    C: Clock,
{
    let id = path_id("contact", id, ContactId::parse)?;
    let known: Vec<&str> = LIST_PARAMS.iter().copied().filter(|p| *p != "requester").collect();
    let params = QueryParams::new(request, &known)?;
    let mut query = ticket_query(&params)?;
    desk.get_contact(id).await?;
    query.requester = Some(id);
    page(desk.list_tickets(who, query).await?)
}

pub async fn list_departments<S, C>(desk: &TicketDesk<S, C>) -> Reply
where
    S: TicketStore + ContactStore + TeamStore + TemplateStore + RuleStore + ActionLedger,
    C: Clock,
{
    ok(&json!({ "items": desk.list_departments().await?, "next_cursor": null }))
}

pub async fn create_department<S, C>(desk: &TicketDesk<S, C>, who: &Principal, request: &Request) -> Reply
where
    S: TicketStore + ContactStore + TeamStore + TemplateStore + RuleStore + ActionLedger,
    C: Clock,
{
    who.require(Role::Admin)?;
    let body: CreateDepartmentBody = parse_json(request)?;
    let name = shared::domain::contact::parse_name("name", &body.name)?;
    let department = desk
        .create_department_with_calendar(who, body.id, name, body.lead, body.calendar_id)
        .await?;
    Ok(json_response(StatusCode::CREATED, &department))
}

pub async fn get_department<S, C>(desk: &TicketDesk<S, C>, id: &str) -> Reply
where
    S: TicketStore + ContactStore + TeamStore + TemplateStore + RuleStore + ActionLedger,
    C: Clock,
{
    let id = path_id("department", id, DepartmentId::parse)?;
    ok(&desk.get_department(&id).await?)
}

pub async fn update_department<S, C>(desk: &TicketDesk<S, C>, who: &Principal, id: &str, request: &Request) -> Reply
where
    S: TicketStore + ContactStore + TeamStore + TemplateStore + RuleStore + ActionLedger,
    C: Clock,
{
    who.require(Role::Admin)?;
    let id = path_id("department", id, DepartmentId::parse)?;
    let patch = parse_json::<PatchDepartmentBody>(request)?.into_patch()?;
    ok(&desk.update_department(who, &id, patch).await?)
}

pub async fn list_agents<S, C>(desk: &TicketDesk<S, C>, who: &Principal) -> Reply
where
    S: TicketStore + ContactStore + TeamStore + TemplateStore + RuleStore + ActionLedger,
    C: Clock,
{
    ok(&json!({ "items": desk.list_agents(who).await?, "next_cursor": null }))
}

/// `GET /v1/assignees?department=`: whom a ticket can be handed to (any role may ask).
pub async fn list_assignees<S, C>(desk: &TicketDesk<S, C>, who: &Principal, request: &Request) -> Reply
where
    S: TicketStore + ContactStore + TeamStore + TemplateStore + RuleStore + ActionLedger,
    C: Clock,
{
    let params = QueryParams::new(request, &["department"])?;
    let department = params.parse("department", DepartmentId::parse)?;
    let found = desk.list_assignees(who, department.as_ref()).await?;
    ok(&json!({ "items": found, "next_cursor": null }))
}

/// Invites an agent: their Cognito account (Cognito mails the invitation), then the record.
pub async fn create_agent<S, C, D>(desk: &TicketDesk<S, C>, directory: &D, who: &Principal, request: &Request) -> Reply
where
    S: TicketStore + ContactStore + TeamStore + TemplateStore + RuleStore + ActionLedger,
    C: Clock,
    D: AgentDirectory + Sync,
{
    who.require(Role::Admin)?;
    let new = parse_json::<CreateAgentBody>(request)?.into_new_agent()?;
    Ok(json_response(
        StatusCode::CREATED,
        &desk.create_agent(who, new, directory).await?,
    ))
}

pub async fn get_agent<S, C>(desk: &TicketDesk<S, C>, who: &Principal, id: &str) -> Reply
where
    S: TicketStore + ContactStore + TeamStore + TemplateStore + RuleStore + ActionLedger,
    C: Clock,
{
    who.require(Role::Manager)?;
    let id = path_id("agent", id, AgentId::parse)?;
    ok(&desk.get_agent(id).await?)
}

/// Changes an agent and their Cognito account with it (group, departments, enabled).
pub async fn update_agent<S, C, D>(
    desk: &TicketDesk<S, C>,
    directory: &D,
    who: &Principal,
    id: &str,
    request: &Request,
) -> Reply
where
    S: TicketStore + ContactStore + TeamStore + TemplateStore + RuleStore + ActionLedger,
    C: Clock,
    D: AgentDirectory + Sync,
{
    who.require(Role::Admin)?;
    let id = path_id("agent", id, AgentId::parse)?;
    let patch = parse_json::<PatchAgentBody>(request)?.into_patch()?;
    ok(&desk.update_agent(who, id, patch, directory).await?)
}

/// The caller's own identity and, if an admin has registered them, their agent profile.
pub async fn me<S, C>(desk: &TicketDesk<S, C>, who: &Principal) -> Reply
where
    S: TicketStore + ContactStore + TeamStore + TemplateStore + RuleStore + ActionLedger,
    C: Clock,
{
    let profile = desk.me(who).await?;
    ok(&json!({
        "subject": who.subject,
        "email": who.email,
        "role": who.role,
        "departments": who.departments,
        "agent": profile,
    }))
}
