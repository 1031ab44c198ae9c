//! `GET /v1/search?q=`: tickets by number, requester email or name, or subject words, within
//! the caller's departments (`shared::usecases::search`).

use lambda_http::Request;
use serde_json::json;
use shared::domain::Principal;
use shared::http::{ApiError, QueryParams};
use shared::ports::{ContactStore, SearchIndex, TeamStore, TicketStore};

use super::{Reply, ok};

/// The longest query read (a number, an address or a few words).
const MAX_QUERY_CHARS: usize = 200;

pub async fn search<S>(store: &S, who: &Principal, request: &Request) -> Reply
where
    S: TicketStore + ContactStore + TeamStore + SearchIndex,
{
    let params = QueryParams::new(request, &["q"])?;
    let q = params
        .get("q")
        .map(str::trim)
        .filter(|q| !q.is_empty())
        .ok_or_else(|| ApiError::bad_field("q", "say what to look for"))?;
    if q.chars().count() > MAX_QUERY_CHARS {
        return Err(ApiError::bad_field("q", "at most 200 characters"));
    }
    let tickets = shared::usecases::search::search(store, who, q).await?;
    ok(&json!({ "items": tickets }))
}
