use lambda_http::http::{HeaderValue, StatusCode, header};
use lambda_http::{Request, Response};
use serde_json::json;
use shared::desk::TicketDesk;
use shared::domain::{
    AgentId, Channel, Clock, ContactId, DepartmentId, DomainError, Principal, Priority, Status, Tag, Ticket, TicketRef,
    Timestamp,
};
use shared::http::{ApiError, QueryParams, if_match, json_response, parse_json};
use shared::ports::{ContactStore, TeamStore, TemplateStore, TicketQuery, TicketSort, TicketStore};

use super::{Reply, limit, ok, page, page_request};
use crate::bodies::{CreateTicketBody, MergeBody, NoteBody, PatchTicketBody, ReplyBody, message_body};

fn reference(text: &str) -> Result<TicketRef, ApiError> {
    TicketRef::parse(text).map_err(|e| match e {
        DomainError::Invalid { reason, .. } => ApiError::bad_field("ticket", reason),
        other => other.into(),
    })
}

/// A response about `ticket`, carrying its version as the ETag for the next `If-Match`.
fn with_etag(status: StatusCode, ticket: &Ticket, body: &impl serde::Serialize) -> Response<lambda_http::Body> {
    let mut response = json_response(status, body);
    if let Ok(v) = HeaderValue::from_str(&ticket.version.etag()) {
        response.headers_mut().insert(header::ETAG, v);
    }
    response
}

pub async fn create<S, C>(desk: &TicketDesk<S, C>, who: &Principal, request: &Request) -> Reply
where
    S: TicketStore + ContactStore + TeamStore + TemplateStore,
    C: Clock,
{
    let new = parse_json::<CreateTicketBody>(request)?.into_new_ticket()?;
    let (ticket, _contact) = desk.create_ticket(who, new).await?;
    tracing::info!(ticket_id = %ticket.id, number = %ticket.number, "ticket created");
    let mut response = with_etag(StatusCode::CREATED, &ticket, &ticket);
    if let Ok(v) = HeaderValue::from_str(&format!("/v1/tickets/{}", ticket.id)) {
        response.headers_mut().insert(header::LOCATION, v);
    }
    Ok(response)
}

pub async fn get<S, C>(desk: &TicketDesk<S, C>, who: &Principal, text: &str) -> Reply
where
    S: TicketStore + ContactStore + TeamStore + TemplateStore,
    C: Clock,
{
    let ticket = desk.get_ticket(who, reference(text)?).await?;
    Ok(with_etag(StatusCode::OK, &ticket, &ticket))
}

pub const LIST_PARAMS: &[&str] = &[
    "status",
    "department",
    "assignee",
    "priority",
    "tag",
    "requester",
    "channel",
    "created_from",
    "created_to",
    "sort",
    "limit",
    "cursor",
];

pub fn ticket_query(params: &QueryParams<'_>) -> Result<TicketQuery, ApiError> {
    let timestamp = |field: &'static str| {
        move |v: &str| {
            Timestamp::parse(v)
                .map_err(|_| DomainError::invalid(field, "expected an RFC 3339 time like 2026-11-23T09:00:00Z"))
        }
    };
    let enum_value = |field: &'static str| {
        move |v: &str| -> Result<Channel, DomainError> {
            serde_json::from_value(json!(v))
                .map_err(|_| DomainError::invalid(field, "expected one of email, form, phone, api"))
        }
    };
    let sort = match params.get("sort") {
        None | Some("newest") => TicketSort::Newest,
        Some("oldest") => TicketSort::Oldest,
        Some("urgent") => TicketSort::MostUrgent,
        Some(_) => return Err(ApiError::bad_field("sort", "expected newest, oldest or urgent")),
    };
    let query = TicketQuery {
        status: params.parse("status", Status::parse)?,
        department: params.parse("department", DepartmentId::parse)?,
        assignee: params.parse("assignee", AgentId::parse)?,
        priority: params.parse("priority", Priority::parse)?,
        tag: params.parse("tag", Tag::parse)?,
        requester: params.parse("requester", ContactId::parse)?,
        channel: params.parse("channel", enum_value("channel"))?,
        created_from: params.parse("created_from", timestamp("created_from"))?,
        created_to: params.parse("created_to", timestamp("created_to"))?,
        scope: None,
        sort,
        limit: limit(params)?,
        cursor: params.get("cursor").map(str::to_owned),
    };
    if query.sort == TicketSort::MostUrgent && query.status.is_some_and(|s| !s.is_unsolved()) {
        return Err(ApiError::bad_field(
            "sort",
            "urgent lists unsolved tickets; pick an unsolved status or another sort",
        ));
    }
    if let (Some(from), Some(to)) = (query.created_from, query.created_to)
        && from > to
    {
        return Err(ApiError::bad_field("created_from", "must not be after created_to"));
    }
    Ok(query)
}

pub async fn list<S, C>(desk: &TicketDesk<S, C>, who: &Principal, request: &Request) -> Reply
where
    S: TicketStore + ContactStore + TeamStore + TemplateStore,
    C: Clock,
{
    let params = QueryParams::new(request, LIST_PARAMS)?;
    let query = ticket_query(&params)?;
    page(desk.list_tickets(who, query).await?)
}

pub async fn update<S, C>(desk: &TicketDesk<S, C>, who: &Principal, text: &str, request: &Request) -> Reply
where
    S: TicketStore + ContactStore + TeamStore + TemplateStore,
    C: Clock,
{
    let reference = reference(text)?;
    let precondition = if_match(request)?;
    let patch = parse_json::<PatchTicketBody>(request)?.into_patch()?;
    let ticket = desk.update_ticket(who, reference, precondition, patch).await?;
    Ok(with_etag(StatusCode::OK, &ticket, &ticket))
}

pub async fn reply<S, C>(desk: &TicketDesk<S, C>, who: &Principal, text: &str, request: &Request) -> Reply
where
    S: TicketStore + ContactStore + TeamStore + TemplateStore,
    C: Clock,
{
    let reference = reference(text)?;
    let body: ReplyBody = parse_json(request)?;
    let (ticket, message) = desk
        .reply(who, reference, message_body(&body.body)?, body.status)
        .await?;
    tracing::info!(ticket_id = %ticket.id, message_id = %message.id, "reply queued");
    Ok(with_etag(
        StatusCode::CREATED,
        &ticket,
        &json!({ "message": message, "ticket": ticket }),
    ))
}

pub async fn note<S, C>(desk: &TicketDesk<S, C>, who: &Principal, text: &str, request: &Request) -> Reply
where
    S: TicketStore + ContactStore + TeamStore + TemplateStore,
    C: Clock,
{
    let reference = reference(text)?;
    let body: NoteBody = parse_json(request)?;
    let (ticket, message) = desk.add_note(who, reference, message_body(&body.body)?).await?;
    Ok(with_etag(
        StatusCode::CREATED,
        &ticket,
        &json!({ "message": message, "ticket": ticket }),
    ))
}

pub async fn merge<S, C>(desk: &TicketDesk<S, C>, who: &Principal, text: &str, request: &Request) -> Reply
where
    S: TicketStore + ContactStore + TeamStore + TemplateStore,
    C: Clock,
{
    let source = reference(text)?;
    let body: MergeBody = parse_json(request)?;
    let target = TicketRef::parse(&body.into).map_err(|_| ApiError::Unprocessable {
        field: "into".into(),
        message: "expected a ticket id or number like HD-1042".into(),
    })?;
    let (source, target) = desk.merge(who, source, target).await?;
    ok(&json!({ "source": source, "target": target }))
}

pub async fn messages<S, C>(desk: &TicketDesk<S, C>, who: &Principal, text: &str, request: &Request) -> Reply
where
    S: TicketStore + ContactStore + TeamStore + TemplateStore,
    C: Clock,
{
    let reference = reference(text)?;
    let params = QueryParams::new(request, &["limit", "cursor"])?;
    page(desk.list_messages(who, reference, page_request(&params)?).await?)
}

pub async fn audit<S, C>(desk: &TicketDesk<S, C>, who: &Principal, text: &str, request: &Request) -> Reply
where
    S: TicketStore + ContactStore + TeamStore + TemplateStore,
    C: Clock,
{
    let reference = reference(text)?;
    let params = QueryParams::new(request, &["limit", "cursor"])?;
    page(desk.list_events(who, reference, page_request(&params)?).await?)
}
