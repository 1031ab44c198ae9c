//! `/v1/report-subscriptions`: who gets the scheduled report mails (docs/reports.md). Managers
//! and admins only; each mistake in a body is a 422 naming its field.

use lambda_http::http::{HeaderValue, StatusCode, header};
use lambda_http::{Body, Request, Response};
use serde_json::json;
use shared::domain::metrics::subscription::SubscriptionDraft;
use shared::domain::{Clock, Principal, ReportSubscriptionId};
use shared::http::{ApiError, json_response, parse_json};
use shared::ports::{ReportSubscriptionStore, TeamStore};
use shared::usecases::report_subscriptions as subscriptions;

use super::people::path_id;
use super::{Reply, ok};

fn subscription_id(text: &str) -> Result<ReportSubscriptionId, ApiError> {
    path_id("report subscription", text, ReportSubscriptionId::parse)
}

pub async fn list<S: ReportSubscriptionStore>(store: &S, who: &Principal) -> Reply {
    ok(&json!({ "items": subscriptions::list(store, who).await?, "next_cursor": null }))
}

pub async fn get<S: ReportSubscriptionStore>(store: &S, who: &Principal, id: &str) -> Reply {
    ok(&subscriptions::get(store, who, subscription_id(id)?).await?)
}

pub async fn create<S: ReportSubscriptionStore + TeamStore>(
    store: &S,
    clock: &impl Clock,
    who: &Principal,
    request: &Request,
) -> Reply {
    who.require(shared::domain::Role::Manager)?;
    let draft: SubscriptionDraft = parse_json(request)?;
    let created = subscriptions::create(store, clock, who, draft).await?;
    let mut response = json_response(StatusCode::CREATED, &created);
    if let Ok(v) = HeaderValue::from_str(&format!("/v1/report-subscriptions/{}", created.id)) {
        response.headers_mut().insert(header::LOCATION, v);
    }
    Ok(response)
}

pub async fn replace<S: ReportSubscriptionStore + TeamStore>(
    store: &S,
    clock: &impl Clock,
    who: &Principal,
    id: &str,
    request: &Request,
) -> Reply {
    who.require(shared::domain::Role::Manager)?;
    let id = subscription_id(id)?;
    let draft: SubscriptionDraft = parse_json(request)?;
    ok(&subscriptions::replace(store, clock, who, id, draft).await?)
}

pub async fn delete<S: ReportSubscriptionStore>(store: &S, who: &Principal, id: &str) -> Reply {
    subscriptions::delete(store, who, subscription_id(id)?).await?;
    Ok(Response::builder()
        .status(StatusCode::NO_CONTENT)
        .body(Body::Empty)
        .expect("a static response"))
}
