//! The route table: path → resource, then method → handler. Every route runs after the
//! principal has been read, so none answers without a token.

mod calendars;
mod canned;
mod metrics;
mod people;
mod privacy;
mod report_subscriptions;
mod rules;
mod satisfaction;
mod search;
mod settings;
mod sla;
mod templates;
mod tickets;

use lambda_http::http::{HeaderValue, Method, StatusCode, header};
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use serde_json::json;
use shared::domain::{Clock, Principal};
use shared::http::{ApiError, QueryParams, json_response};
use shared::ports::{
    ActionLedger, AgentDirectory, BlobEraser, BlobStore, CannedStore, ContactStore, FileLinks, MetricsStore, Page,
    PageRequest, PrivacyStore, ReportSubscriptionStore, RuleStore, SearchIndex, SurveyStore, TeamStore, TemplateStore,
    TicketStore,
};
use shared::usecases::desk::TicketDesk;

pub type Reply = Result<Response<Body>, ApiError>;
pub type Files<F> = shared::usecases::files::ReplyFiles<F, shared::domain::SystemClock>;

/// A `302` to a signed link.
pub fn redirect(url: &str) -> Reply {
    let location = HeaderValue::from_str(url).map_err(|e| ApiError::Internal(Box::new(e)))?;
    let mut response = Response::new(Body::Empty);
    *response.status_mut() = StatusCode::FOUND;
    response.headers_mut().insert(header::LOCATION, location);
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

pub async fn route<S, C, F, D>(
    desk: &TicketDesk<S, C>,
    files: &Files<F>,
    directory: &D,
    who: &Principal,
    request: &Request,
) -> Reply
where
    F: FileLinks + BlobStore + BlobEraser,
    D: AgentDirectory + Sync,
    S: TicketStore
        + ContactStore
        + TeamStore
        + TemplateStore
        + RuleStore
        + ActionLedger
        + SurveyStore
        + SearchIndex
        + CannedStore
        + MetricsStore
        + shared::ports::NpsStore
        + shared::ports::SurveySettingsStore
        + shared::ports::RetentionStore
        + PrivacyStore
        + ReportSubscriptionStore,
    C: Clock,
{
    let path = request.uri().path().to_owned();
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let method = request.method().clone();
    let allowed: &[Method] = match segments.as_slice() {
        ["v1", "tickets"] => match method {
            Method::GET => return tickets::list(desk, who, request).await,
            Method::POST => return tickets::create(desk, who, request).await,
            _ => &[Method::GET, Method::POST],
        },
        ["v1", "tickets", reference] => match method {
            Method::GET => return tickets::get(desk, who, reference).await,
            Method::PATCH => return tickets::update(desk, who, reference, request).await,
            _ => &[Method::GET, Method::PATCH],
        },
        ["v1", "tickets", reference, "replies"] if method == Method::POST => {
            return tickets::reply(desk, files, who, reference, request).await;
        }
        ["v1", "tickets", reference, "notes"] if method == Method::POST => {
            return tickets::note(desk, who, reference, request).await;
        }
        ["v1", "tickets", reference, "merge"] if method == Method::POST => {
            return tickets::merge(desk, who, reference, request).await;
        }
        ["v1", "tickets", reference, "messages"] if method == Method::GET => {
            return tickets::messages(desk, files, who, reference, request).await;
        }
        ["v1", "tickets", reference, "messages", message, "attachments", index] if method == Method::GET => {
            return tickets::attachment(desk, files, who, reference, message, index).await;
        }
        [
            "v1",
            "tickets",
            reference,
            "messages",
            message,
            "attachments",
            index,
            "link",
        ] if method == Method::GET => {
            return tickets::attachment_link(desk, files, who, reference, message, index).await;
        }
        ["v1", "tickets", _, "messages", _, "attachments", _, "link"] => &[Method::GET],
        ["v1", "tickets", reference, "messages", message, "raw"] if method == Method::GET => {
            return tickets::raw(desk, files, who, reference, message).await;
        }
        ["v1", "tickets", _, "messages", _, "attachments", _] | ["v1", "tickets", _, "messages", _, "raw"] => {
            &[Method::GET]
        }
        ["v1", "uploads"] if method == Method::POST => return tickets::upload(files, request).await,
        ["v1", "uploads"] => &[Method::POST],
        ["v1", "tickets", reference, "audit"] if method == Method::GET => {
            return tickets::audit(desk, who, reference, request).await;
        }
        ["v1", "tickets", reference, "sla"] if method == Method::GET => {
            return sla::standing(desk, who, reference).await;
        }
        ["v1", "tickets", _, "replies" | "notes" | "merge"] => &[Method::POST],
        ["v1", "tickets", _, "messages" | "audit" | "sla"] => &[Method::GET],
        ["v1", "contacts"] => match method {
            Method::GET => return people::find_contact(desk, request).await,
            Method::POST => return people::create_contact(desk, request).await,
            _ => &[Method::GET, Method::POST],
        },
        ["v1", "contacts", id] => match method {
            Method::GET => return people::get_contact(desk, id).await,
            Method::PATCH => return people::update_contact(desk, who, id, request).await,
            _ => &[Method::GET, Method::PATCH],
        },
        ["v1", "contacts", id, "tickets"] if method == Method::GET => {
            return people::contact_tickets(desk, who, id, request).await;
        }
        ["v1", "contacts", _, "tickets"] => &[Method::GET],
        ["v1", "contacts", id, "export"] if method == Method::POST => {
            return privacy::export(desk.store(), desk.clock(), files, who, id, request).await;
        }
        ["v1", "contacts", id, "erase"] if method == Method::POST => {
            return privacy::erase(desk.store(), desk.clock(), files, who, id, request).await;
        }
        ["v1", "contacts", _, "export" | "erase"] => &[Method::POST],
        ["v1", "privacy-requests"] if method == Method::GET => {
            return privacy::list(desk.store(), desk.clock(), files, who, request).await;
        }
        ["v1", "privacy-requests"] => &[Method::GET],
        ["v1", "departments"] => match method {
            Method::GET => return people::list_departments(desk).await,
            Method::POST => return people::create_department(desk, who, request).await,
            _ => &[Method::GET, Method::POST],
        },
        ["v1", "departments", id] => match method {
            Method::GET => return people::get_department(desk, id).await,
            Method::PATCH => return people::update_department(desk, who, id, request).await,
            _ => &[Method::GET, Method::PATCH],
        },
        ["v1", "agents"] => match method {
            Method::GET => return people::list_agents(desk, who).await,
            Method::POST => return people::create_agent(desk, directory, who, request).await,
            _ => &[Method::GET, Method::POST],
        },
        ["v1", "assignees"] if method == Method::GET => return people::list_assignees(desk, who, request).await,
        ["v1", "assignees"] => &[Method::GET],
        ["v1", "agents", "me"] if method == Method::GET => return people::me(desk, who).await,
        ["v1", "agents", "me"] => &[Method::GET],
        ["v1", "agents", id] => match method {
            Method::GET => return people::get_agent(desk, who, id).await,
            Method::PATCH => return people::update_agent(desk, directory, who, id, request).await,
            _ => &[Method::GET, Method::PATCH],
        },
        ["v1", "rules"] => match method {
            Method::GET => return rules::list(desk, who).await,
            Method::POST => return rules::create(desk, who, request).await,
            _ => &[Method::GET, Method::POST],
        },
        ["v1", "rules", "dry-run"] if method == Method::POST => return rules::dry_run(desk, who, request).await,
        ["v1", "rules", "dry-run"] => &[Method::POST],
        ["v1", "rules", id] => match method {
            Method::GET => return rules::get(desk, who, id).await,
            Method::PUT => return rules::replace(desk, who, id, request).await,
            Method::DELETE => return rules::delete(desk, who, id).await,
            _ => &[Method::GET, Method::PUT, Method::DELETE],
        },
        ["v1", "sla-policies"] => match method {
            Method::GET => return sla::list(desk).await,
            Method::POST => return sla::create(desk, who, request).await,
            _ => &[Method::GET, Method::POST],
        },
        ["v1", "sla-policies", id] => match method {
            Method::GET => return sla::get(desk, id).await,
            Method::PUT => return sla::replace(desk, who, id, request).await,
            Method::DELETE => return sla::delete(desk, who, id).await,
            _ => &[Method::GET, Method::PUT, Method::DELETE],
        },
        ["v1", "satisfaction"] if method == Method::GET => {
            return satisfaction::report(desk.store(), desk.clock(), who, request).await;
        }
        ["v1", "satisfaction"] => &[Method::GET],
        ["v1", "metrics"] if method == Method::GET => {
            return metrics::get(desk.store(), desk.clock(), who, request).await;
        }
        ["v1", "metrics"] => &[Method::GET],
        ["v1", "report-subscriptions"] => match method {
            Method::GET => return report_subscriptions::list(desk.store(), who).await,
            Method::POST => return report_subscriptions::create(desk.store(), desk.clock(), who, request).await,
            _ => &[Method::GET, Method::POST],
        },
        ["v1", "report-subscriptions", id] => match method {
            Method::GET => return report_subscriptions::get(desk.store(), who, id).await,
            Method::PUT => {
                return report_subscriptions::replace(desk.store(), desk.clock(), who, id, request).await;
            }
            Method::DELETE => return report_subscriptions::delete(desk.store(), who, id).await,
            _ => &[Method::GET, Method::PUT, Method::DELETE],
        },
        ["v1", "settings", "surveys"] => match method {
            Method::GET => return settings::get(desk.store(), who).await,
            Method::PUT => return settings::put(desk.store(), who, request).await,
            _ => &[Method::GET, Method::PUT],
        },
        ["v1", "settings", "retention"] => match method {
            Method::GET => return settings::get_retention(desk.store(), who).await,
            Method::PUT => return settings::put_retention(desk.store(), who, request).await,
            _ => &[Method::GET, Method::PUT],
        },
        ["v1", "templates"] if method == Method::GET => return templates::list(desk).await,
        ["v1", "templates"] => &[Method::GET],
        ["v1", "templates", name, language] => match method {
            Method::GET => return templates::get(desk, name, language).await,
            Method::PUT => return templates::put(desk, who, name, language, request).await,
            Method::DELETE => return templates::delete(desk, who, name, language).await,
            _ => &[Method::GET, Method::PUT, Method::DELETE],
        },
        ["v1", "calendars"] => match method {
            Method::GET => return calendars::list(desk).await,
            Method::POST => return calendars::create(desk, who, request).await,
            _ => &[Method::GET, Method::POST],
        },
        ["v1", "calendars", "default"] => match method {
            Method::GET => return calendars::get_default(desk).await,
            Method::PUT => return calendars::set_default(desk, who, request).await,
            _ => &[Method::GET, Method::PUT],
        },
        ["v1", "calendars", id] => match method {
            Method::GET => return calendars::get(desk, id).await,
            Method::PUT => return calendars::replace(desk, who, id, request).await,
            Method::DELETE => return calendars::delete(desk, who, id).await,
            _ => &[Method::GET, Method::PUT, Method::DELETE],
        },
        ["v1", "search"] if method == Method::GET => return search::search(desk.store(), who, request).await,
        ["v1", "search"] => &[Method::GET],
        ["v1", "canned-responses"] => match method {
            Method::GET => return canned::list(desk.store(), who, request).await,
            Method::POST => return canned::create(desk.store(), desk.clock(), who, request).await,
            _ => &[Method::GET, Method::POST],
        },
        ["v1", "canned-responses", id] => match method {
            Method::PUT => return canned::replace(desk.store(), who, id, request).await,
            Method::DELETE => return canned::delete(desk.store(), who, id).await,
            _ => &[Method::PUT, Method::DELETE],
        },
        _ => return Err(ApiError::NotFound(format!("no route {path}"))),
    };
    let mut response = ApiError::MethodNotAllowed {
        method: method.to_string(),
    }
    .into_response();
    let allow = allowed.iter().map(Method::as_str).collect::<Vec<_>>().join(", ");
    if let Ok(v) = HeaderValue::from_str(&allow) {
        response.headers_mut().insert(header::ALLOW, v);
    }
    Ok(response)
}

pub fn ok(value: &impl Serialize) -> Reply {
    Ok(json_response(StatusCode::OK, value))
}

pub fn page<T: Serialize>(page: Page<T>) -> Reply {
    ok(&json!({ "items": page.items, "next_cursor": page.cursor }))
}

/// `limit` (1 to 100, default 25) and `cursor` from the query string.
pub fn page_request(params: &QueryParams<'_>) -> Result<PageRequest, ApiError> {
    Ok(PageRequest {
        limit: limit(params)?,
        cursor: params.get("cursor").map(str::to_owned),
    })
}

pub fn limit(params: &QueryParams<'_>) -> Result<usize, ApiError> {
    match params.get("limit") {
        None => Ok(25),
        Some(text) => text
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=100).contains(n))
            .ok_or_else(|| ApiError::bad_field("limit", "must be a whole number from 1 to 100")),
    }
}
