//! Personal data on request (docs/privacy.md): export and erase one contact (admins), and the
//! record that requests were carried out (admins and managers).

use lambda_http::Request;
use lambda_http::http::StatusCode;
use serde::Deserialize;
use shared::domain::privacy::parse_reason;
use shared::domain::{Clock, ContactId, DomainError, Principal, Role};
use shared::http::{QueryParams, json_response, parse_json};
use shared::ports::{BlobEraser, BlobStore, ContactStore, FileLinks, PrivacyStore, TicketStore};
use shared::usecases::privacy::PrivacyDesk;

use super::people::path_id;
use super::{Files, Reply, ok, page, page_request};

/// Why the data goes: required, kept with the request (without the person's identifiers).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EraseBody {
    /// Optional to serde only, so that a missing reason is named as the field it is.
    #[serde(default)]
    reason: Option<String>,
}

/// Why an export was made: optional, kept with the request.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExportBody {
    #[serde(default)]
    reason: Option<String>,
}

/// Whether the request came with a body at all (an export may have none).
fn has_body(request: &Request) -> bool {
    match request.body() {
        lambda_http::Body::Empty => false,
        lambda_http::Body::Text(t) => !t.trim().is_empty(),
        lambda_http::Body::Binary(b) => !b.iter().all(u8::is_ascii_whitespace),
        _ => false,
    }
}

fn privacy_desk<'a, S, C, F>(store: &'a S, clock: &'a C, files: &'a Files<F>) -> PrivacyDesk<'a, S, F, C>
where
    S: TicketStore + ContactStore + PrivacyStore,
    F: BlobStore + BlobEraser + FileLinks,
    C: Clock,
{
    PrivacyDesk::new(store, files.files(), clock, files.bucket())
}

pub async fn erase<S, C, F>(
    store: &S,
    clock: &C,
    files: &Files<F>,
    who: &Principal,
    id: &str,
    request: &Request,
) -> Reply
where
    S: TicketStore + ContactStore + PrivacyStore,
    F: BlobStore + BlobEraser + FileLinks,
    C: Clock,
{
    who.require(Role::Admin)?;
    let contact = path_id("contact", id, ContactId::parse)?;
    let body: EraseBody = parse_json(request)?;
    let reason = body
        .reason
        .ok_or_else(|| DomainError::invalid("reason", "required: why the data is erased"))
        .and_then(|r| parse_reason(&r))?;
    let done = privacy_desk(store, clock, files).erase(who, contact, reason).await?;
    ok(&done)
}

pub async fn export<S, C, F>(
    store: &S,
    clock: &C,
    files: &Files<F>,
    who: &Principal,
    id: &str,
    request: &Request,
) -> Reply
where
    S: TicketStore + ContactStore + PrivacyStore,
    F: BlobStore + BlobEraser + FileLinks,
    C: Clock,
{
    who.require(Role::Admin)?;
    let contact = path_id("contact", id, ContactId::parse)?;
    let reason = match has_body(request) {
        true => parse_json::<ExportBody>(request)?
            .reason
            .map(|r| parse_reason(&r))
            .transpose()?,
        false => None,
    };
    let export = privacy_desk(store, clock, files).export(who, contact, reason).await?;
    Ok(json_response(StatusCode::CREATED, &export))
}

pub async fn list<S, C, F>(store: &S, clock: &C, files: &Files<F>, who: &Principal, request: &Request) -> Reply
where
    S: TicketStore + ContactStore + PrivacyStore,
    F: BlobStore + BlobEraser + FileLinks,
    C: Clock,
{
    who.require(Role::Manager)?;
    let params = QueryParams::new(request, &["limit", "cursor"])?;
    let requests = privacy_desk(store, clock, files)
        .requests(who, &page_request(&params)?)
        .await?;
    page(requests)
}
