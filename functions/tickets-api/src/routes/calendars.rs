//! Business calendars: every staff member reads them, admins write them. A calendar carries
//! its version as an ETag; a replacement needs `If-Match`.

use std::collections::BTreeMap;

use lambda_http::http::{HeaderValue, StatusCode, header};
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use serde_json::json;
use shared::domain::calendar::{Calendar, CalendarDraft, CalendarId, CalendarSpec, HolidayDraft, IntervalDraft};
use shared::domain::{Clock, DomainError, Principal, Role};
use shared::http::{ApiError, if_match, json_response, parse_json};
use shared::ports::{ActionLedger, ContactStore, RuleStore, TeamStore, TemplateStore, TicketStore};
use shared::usecases::desk::TicketDesk;

use super::people::path_id;
use super::{Reply, ok};

/// `POST /v1/calendars`: the id with the draft's fields (serde cannot flatten a struct that
/// refuses unknown fields, so they are spelled out).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateCalendarBody {
    id: CalendarId,
    name: String,
    time_zone: String,
    weekly_hours: BTreeMap<String, Vec<IntervalDraft>>,
    #[serde(default)]
    holidays: Vec<HolidayDraft>,
}

impl CreateCalendarBody {
    fn into_parts(self) -> (CalendarId, CalendarDraft) {
        let draft = CalendarDraft {
            name: self.name,
            time_zone: self.time_zone,
            weekly_hours: self.weekly_hours,
            holidays: self.holidays,
        };
        (self.id, draft)
    }
}

/// `PUT /v1/calendars/default`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DefaultCalendarBody {
    calendar_id: Option<CalendarId>,
}

/// A draft checked at the edge: each mistake is a 400 naming its field.
fn checked(draft: CalendarDraft) -> Result<CalendarSpec, ApiError> {
    draft.check().map_err(|e| match e {
        DomainError::Invalid { field, reason } => ApiError::bad_field(field, reason),
        other => other.into(),
    })
}

fn calendar_id(text: &str) -> Result<CalendarId, ApiError> {
    path_id("calendar", text, CalendarId::parse)
}

/// A response about `calendar`, carrying its version as the ETag for the next `If-Match`.
fn with_etag(status: StatusCode, calendar: &Calendar) -> Response<Body> {
    let mut response = json_response(status, calendar);
    if let Ok(v) = HeaderValue::from_str(&calendar.version.etag()) {
        response.headers_mut().insert(header::ETAG, v);
    }
    response
}

pub async fn list<S, C>(desk: &TicketDesk<S, C>) -> Reply
where
    S: TicketStore + ContactStore + TeamStore + TemplateStore + RuleStore + ActionLedger,
    C: Clock,
{
    ok(&json!({ "items": desk.list_calendars().await?, "next_cursor": null }))
}

pub async fn get<S, C>(desk: &TicketDesk<S, C>, id: &str) -> Reply
where
    S: TicketStore + ContactStore + TeamStore + TemplateStore + RuleStore + ActionLedger,
    C: Clock,
{
    Ok(with_etag(StatusCode::OK, &desk.get_calendar(&calendar_id(id)?).await?))
}

pub async fn create<S, C>(desk: &TicketDesk<S, C>, who: &Principal, request: &Request) -> Reply
where
    S: TicketStore + ContactStore + TeamStore + TemplateStore + RuleStore + ActionLedger,
    C: Clock,
{
    who.require(Role::Manager)?;
    let (id, draft) = parse_json::<CreateCalendarBody>(request)?.into_parts();
    let calendar = desk.create_calendar(who, id, checked(draft)?).await?;
    let mut response = with_etag(StatusCode::CREATED, &calendar);
    if let Ok(v) = HeaderValue::from_str(&format!("/v1/calendars/{}", calendar.id)) {
        response.headers_mut().insert(header::LOCATION, v);
    }
    Ok(response)
}

pub async fn replace<S, C>(desk: &TicketDesk<S, C>, who: &Principal, id: &str, request: &Request) -> Reply
where
    S: TicketStore + ContactStore + TeamStore + TemplateStore + RuleStore + ActionLedger,
    C: Clock,
{
    who.require(Role::Manager)?;
    let id = calendar_id(id)?;
    let precondition = if_match(request)?;
    let spec = checked(parse_json::<CalendarDraft>(request)?)?;
    Ok(with_etag(
        StatusCode::OK,
        &desk.replace_calendar(who, &id, precondition, spec).await?,
    ))
}

pub async fn delete<S, C>(desk: &TicketDesk<S, C>, who: &Principal, id: &str) -> Reply
where
    S: TicketStore + ContactStore + TeamStore + TemplateStore + RuleStore + ActionLedger,
    C: Clock,
{
    who.require(Role::Manager)?;
    desk.delete_calendar(who, &calendar_id(id)?).await?;
    Ok(Response::builder()
        .status(StatusCode::NO_CONTENT)
        .body(Body::Empty)
        .expect("a static response"))
}

pub async fn get_default<S, C>(desk: &TicketDesk<S, C>) -> Reply
where
    S: TicketStore + ContactStore + TeamStore + TemplateStore + RuleStore + ActionLedger,
    C: Clock,
{
    ok(&json!({ "calendar_id": desk.default_calendar().await? }))
}

pub async fn set_default<S, C>(desk: &TicketDesk<S, C>, who: &Principal, request: &Request) -> Reply
where
    S: TicketStore + ContactStore + TeamStore + TemplateStore + RuleStore + ActionLedger,
    C: Clock,
{
    who.require(Role::Admin)?;
    let body: DefaultCalendarBody = parse_json(request)?;
    ok(&json!({ "calendar_id": desk.set_default_calendar(who, body.calendar_id).await? }))
}
