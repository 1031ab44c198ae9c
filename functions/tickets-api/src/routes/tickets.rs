use lambda_http::http::{HeaderValue, StatusCode, header};
use lambda_http::{Request, Response};
use serde_json::json;
use shared::domain::files::UploadRequest;
use shared::domain::sla::ClockState;
use shared::domain::{
    AgentId, Channel, Clock, ContactId, DepartmentId, DomainError, MessageId, Principal, Priority, Status, Tag, Ticket,
    TicketRef, Timestamp,
};
use shared::http::{ApiError, QueryParams, if_match, json_response, parse_json};
use shared::ports::{
    ActionLedger, ContactStore, FileLinks, RuleStore, TeamStore, TemplateStore, TicketQuery, TicketSort, TicketStore,
};
use shared::usecases::desk::{MergeRequest, TicketDesk};

use super::{Files, Reply, limit, ok, page, page_request, redirect};
use crate::bodies::{CreateTicketBody, MergeBody, NoteBody, PatchTicketBody, ReplyBody, UploadBody, message_body};

pub(super) fn reference(text: &str) -> Result<TicketRef, ApiError> {
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
    S: TicketStore + ContactStore + TeamStore + TemplateStore + RuleStore + ActionLedger,
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
    S: TicketStore + ContactStore + TeamStore + TemplateStore + RuleStore + ActionLedger,
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
    "sla",
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
        Some("sla") => TicketSort::Sla,
        Some(_) => return Err(ApiError::bad_field("sort", "expected newest, oldest, urgent or sla")),
    };
    let sla = match params.get("sla") {
        None => None,
        Some("warning") => Some(ClockState::Warning),
        Some("breached") => Some(ClockState::Breached),
        Some(_) => return Err(ApiError::bad_field("sla", "expected warning or breached")),
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
        sla,
        scope: None,
        sort,
        limit: limit(params)?,
        cursor: params.get("cursor").map(str::to_owned),
    };
    let unsolved_only = matches!(query.sort, TicketSort::MostUrgent | TicketSort::Sla) || query.sla.is_some();
    if unsolved_only && query.status.is_some_and(|s| !s.is_unsolved()) {
        return Err(ApiError::bad_field(
            if query.sla.is_some() { "sla" } else { "sort" },
            "urgent, sla and the sla filter list unsolved tickets; pick an unsolved status",
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
    S: TicketStore + ContactStore + TeamStore + TemplateStore + RuleStore + ActionLedger,
    C: Clock,
{
    let params = QueryParams::new(request, LIST_PARAMS)?;
    let query = ticket_query(&params)?;
    page(desk.list_tickets(who, query).await?)
}

pub async fn update<S, C>(desk: &TicketDesk<S, C>, who: &Principal, text: &str, request: &Request) -> Reply
where
    S: TicketStore + ContactStore + TeamStore + TemplateStore + RuleStore + ActionLedger,
    C: Clock,
{
    let reference = reference(text)?;
    let precondition = if_match(request)?;
    let patch = parse_json::<PatchTicketBody>(request)?.into_patch()?;
    let ticket = desk.update_ticket(who, reference, precondition, patch).await?;
    Ok(with_etag(StatusCode::OK, &ticket, &ticket))
}

pub async fn reply<S, C, F>(
    desk: &TicketDesk<S, C>,
    files: &Files<F>,
    who: &Principal,
    text: &str,
    request: &Request,
) -> Reply
where
    S: TicketStore + ContactStore + TeamStore + TemplateStore + RuleStore + ActionLedger,
    C: Clock,
    F: FileLinks,
{
    let reference = reference(text)?;
    let body: ReplyBody = parse_json(request)?;
    let text = message_body(&body.body)?;
    let attachments = if body.attachments.is_empty() {
        vec![]
    } else {
        // Only someone who may reply here moves files into the ticket's history.
        desk.get_ticket(who, reference).await?;
        files.attach(&body.attachments).await?
    };
    let (ticket, message) = desk.reply(who, reference, text, body.status, attachments).await?;
    tracing::info!(ticket_id = %ticket.id, message_id = %message.id, "reply queued");
    Ok(with_etag(
        StatusCode::CREATED,
        &ticket,
        &json!({ "message": message, "ticket": ticket }),
    ))
}

pub async fn note<S, C>(desk: &TicketDesk<S, C>, who: &Principal, text: &str, request: &Request) -> Reply
where
    S: TicketStore + ContactStore + TeamStore + TemplateStore + RuleStore + ActionLedger,
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
    S: TicketStore + ContactStore + TeamStore + TemplateStore + RuleStore + ActionLedger,
    C: Clock,
{
    let source = reference(text)?;
    let body: MergeBody = parse_json(request)?;
    let target = TicketRef::parse(&body.into).map_err(|_| ApiError::Unprocessable {
        field: "into".into(),
        message: "expected a ticket id or number like HD-1042".into(),
    })?;
    let request = MergeRequest {
        into: target,
        different_requesters: body.different_requesters,
    };
    let (source, target) = desk.merge_with(who, source, request).await?;
    ok(&json!({ "source": source, "target": target }))
}

pub async fn messages<S, C, F>(
    desk: &TicketDesk<S, C>,
    files: &Files<F>,
    who: &Principal,
    text: &str,
    request: &Request,
) -> Reply
where
    S: TicketStore + ContactStore + TeamStore + TemplateStore + RuleStore + ActionLedger,
    C: Clock,
    F: FileLinks,
{
    let reference = reference(text)?;
    let params = QueryParams::new(request, &["limit", "cursor"])?;
    let mut messages = desk.list_messages(who, reference, page_request(&params)?).await?;
    let mut linked = Vec::with_capacity(messages.items.len());
    for message in messages.items {
        linked.push(files.link_inline(message).await?);
    }
    messages.items = linked;
    page(messages)
}

fn message_id(text: &str) -> Result<MessageId, ApiError> {
    MessageId::parse(text).map_err(|e| match e {
        DomainError::Invalid { reason, .. } => ApiError::bad_field("message", reason),
        other => other.into(),
    })
}

/// A signed link to the `index`-th attachment of a message the caller may read.
async fn attachment_url<S, C, F>(
    desk: &TicketDesk<S, C>,
    files: &Files<F>,
    who: &Principal,
    ticket: &str,
    message: &str,
    index: &str,
) -> Result<String, ApiError>
where
    S: TicketStore + ContactStore + TeamStore + TemplateStore + RuleStore + ActionLedger,
    C: Clock,
    F: FileLinks,
{
    let (reference, message) = (reference(ticket)?, message_id(message)?);
    let index = index
        .parse::<usize>()
        .map_err(|_| ApiError::bad_field("index", "expected the attachment's position, from 1"))?;
    let message = desk.get_message(who, reference, message).await?;
    Ok(files.attachment_link(&message, index).await?)
}

pub async fn attachment<S, C, F>(
    desk: &TicketDesk<S, C>,
    files: &Files<F>,
    who: &Principal,
    ticket: &str,
    message: &str,
    index: &str,
) -> Reply
where
    S: TicketStore + ContactStore + TeamStore + TemplateStore + RuleStore + ActionLedger,
    C: Clock,
    F: FileLinks,
{
    redirect(&attachment_url(desk, files, who, ticket, message, index).await?)
}

/// The same signed link as JSON, for a browser app: a page cannot follow the redirect with the
/// agent's token, but it can read the link and open it.
pub async fn attachment_link<S, C, F>(
    desk: &TicketDesk<S, C>,
    files: &Files<F>,
    who: &Principal,
    ticket: &str,
    message: &str,
    index: &str,
) -> Reply
where
    S: TicketStore + ContactStore + TeamStore + TemplateStore + RuleStore + ActionLedger,
    C: Clock,
    F: FileLinks,
{
    let url = attachment_url(desk, files, who, ticket, message, index).await?;
    let seconds = shared::usecases::files::DOWNLOAD_LINK_SECONDS as i64;
    let expires_at = Timestamp::new(desk.clock().now().as_datetime() + chrono::Duration::seconds(seconds));
    ok(&json!({ "url": url, "expires_at": expires_at }))
}

pub async fn raw<S, C, F>(
    desk: &TicketDesk<S, C>,
    files: &Files<F>,
    who: &Principal,
    ticket: &str,
    message: &str,
) -> Reply
where
    S: TicketStore + ContactStore + TeamStore + TemplateStore + RuleStore + ActionLedger,
    C: Clock,
    F: FileLinks,
{
    let (reference, message) = (reference(ticket)?, message_id(message)?);
    let message = desk.get_message(who, reference, message).await?;
    redirect(&files.raw_link(&message).await?)
}

/// Any staff member may upload; the file joins a ticket only through a reply they may write.
pub async fn upload<F: FileLinks>(files: &Files<F>, request: &Request) -> Reply {
    let body: UploadBody = parse_json(request)?;
    let upload = files
        .start_upload(UploadRequest::new(&body.name, &body.content_type, body.size)?)
        .await?;
    Ok(json_response(StatusCode::CREATED, &upload))
}

pub async fn audit<S, C>(desk: &TicketDesk<S, C>, who: &Principal, text: &str, request: &Request) -> Reply
where
    S: TicketStore + ContactStore + TeamStore + TemplateStore + RuleStore + ActionLedger,
    C: Clock,
{
    let reference = reference(text)?;
    let params = QueryParams::new(request, &["limit", "cursor"])?;
    page(desk.list_events(who, reference, page_request(&params)?).await?)
}
