//! `/v1/canned-responses`: list the ones the caller may use, make one, replace one, delete one
//! (`shared::usecases::desk::canned`).

use lambda_http::Request;
use lambda_http::http::StatusCode;
use serde_json::json;
use shared::domain::{Clock, DepartmentId, Principal};
use shared::http::{ApiError, QueryParams, json_response, parse_json};
use shared::ports::CannedStore;
use shared::usecases::desk::canned::{self, CannedDraft, CannedError};

use super::{Reply, ok};

fn api_error(error: CannedError) -> ApiError {
    match error {
        CannedError::Domain(e) => e.into(),
        CannedError::Store(e) => e.into(),
    }
}

pub async fn list<S: CannedStore>(store: &S, who: &Principal, request: &Request) -> Reply {
    let params = QueryParams::new(request, &["department"])?;
    let department = params.parse("department", DepartmentId::parse)?;
    let items = canned::list(store, who, department.as_ref()).await.map_err(api_error)?;
    ok(&json!({ "items": items }))
}

pub async fn create<S: CannedStore, C: Clock>(store: &S, clock: &C, who: &Principal, request: &Request) -> Reply {
    let draft = parse_json::<CannedDraft>(request)?;
    let created = canned::create(store, clock, who, draft).await.map_err(api_error)?;
    Ok(json_response(StatusCode::CREATED, &created))
}

pub async fn replace<S: CannedStore>(store: &S, who: &Principal, id: &str, request: &Request) -> Reply {
    let draft = parse_json::<CannedDraft>(request)?;
    ok(&canned::replace(store, who, id, draft).await.map_err(api_error)?)
}

pub async fn delete<S: CannedStore>(store: &S, who: &Principal, id: &str) -> Reply {
    canned::delete(store, who, id).await.map_err(api_error)?;
    let mut response = lambda_http::Response::new(lambda_http::Body::Empty);
    *response.status_mut() = StatusCode::NO_CONTENT;
    Ok(response)
}
