//! The customer's ticket page behind a signed link. The token is the only credential: it
//! names one ticket and an expiry under our signature, so it cannot be forged, moved to
//! another ticket or used late. Every refusal looks the same.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use shared::domain::contact_form::{MAX_MESSAGE_CHARS, Problem, RateWindow};
use shared::domain::{Clock, DomainError, TicketId};
use shared::ports::{ActionLedger, ContactStore, TeamStore, TicketStore};
use shared::usecases::desk::DeskError;

use crate::copy::{Copy, copy};
use crate::defences;

/// Replies one portal link may add in an hour.
pub const PORTAL_REPLIES_PER_HOUR: u64 = 20;
use crate::{Deps, language, pages};

fn open<S, C: Clock + Clone>(deps: &Deps<S, C>, token: &str) -> Option<TicketId> {
    match deps.signer.open_portal_token(token, deps.clock.now()) {
        Ok(ticket) => Some(ticket),
        Err(e) => {
            tracing::info!(reason = %e, "portal link refused");
            None
        }
    }
}

fn refused(words: &Copy) -> Response<Body> {
    crate::html(StatusCode::NOT_FOUND, pages::portal_refused(words))
}

fn trouble(words: &Copy, e: DeskError) -> Response<Body> {
    match e {
        DeskError::NotFound(_) => refused(words),
        other => {
            tracing::error!(error = %other, "the ticket page failed");
            crate::html(
                StatusCode::SERVICE_UNAVAILABLE,
                pages::portal_refused(words).replace(words.link_invalid, words.unavailable),
            )
        }
    }
}

pub async fn page<S, C>(
    deps: &Deps<S, C>,
    request: &Request,
    token: &str,
    error: Option<(StatusCode, String)>,
) -> Response<Body>
where
    S: TicketStore + ContactStore + TeamStore + ActionLedger,
    C: Clock + Clone,
{
    let words = copy(language(request));
    let Some(ticket) = open(deps, token) else {
        return refused(words);
    };
    let view = match deps.customers.view(ticket).await {
        Ok(view) => view,
        Err(e) => return trouble(words, e),
    };
    // The conversation in the customer's own language when we know it.
    let words = match view.requester.as_ref().and_then(|c| c.language.as_ref()) {
        Some(l) if request.uri().query().is_none_or(|q| !q.contains("lang=")) => {
            copy(shared::domain::contact_form::negotiate_language(Some(l.as_str())))
        }
        _ => words,
    };
    let mut files = Vec::with_capacity(view.messages.len());
    for message in &view.messages {
        let mut links = Vec::new();
        for (i, attachment) in message
            .attachments
            .iter()
            .enumerate()
            .filter(|(_, a)| !a.inline && !a.quarantined)
        {
            match deps.files.attachment_link(message, i + 1).await {
                Ok(url) => links.push((attachment.name.clone(), url)),
                Err(e) => tracing::warn!(error = %e, "no download link for an attachment"),
            }
        }
        files.push(links);
    }
    let (status, message) = match &error {
        Some((status, message)) => (*status, Some(message.as_str())),
        None => (StatusCode::OK, None),
    };
    crate::html(status, pages::portal(words, &view, token, &files, message))
}

fn form_message(request: &Request) -> String {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(crate::body_bytes(request))
        .unwrap_or_default()
        .into_iter()
        .find(|(k, _)| k == "message")
        .map(|(_, v)| v)
        .unwrap_or_default()
}

pub async fn reply<S, C>(deps: &Deps<S, C>, request: &Request, token: &str) -> Response<Body>
where
    S: TicketStore + ContactStore + TeamStore + ActionLedger,
    C: Clock + Clone,
{
    let words = copy(language(request));
    let Some(ticket) = open(deps, token) else {
        return refused(words);
    };
    if request.body().len() > shared::domain::contact_form::MAX_FORM_BODY_BYTES {
        return page(
            deps,
            request,
            token,
            Some((StatusCode::PAYLOAD_TOO_LARGE, words.too_large.into())),
        )
        .await;
    }
    let text = form_message(request);
    let problem = if text.trim().is_empty() {
        Some(Problem::Required)
    } else if text.trim().chars().count() > MAX_MESSAGE_CHARS {
        Some(Problem::TooLong { max: MAX_MESSAGE_CHARS })
    } else {
        None
    };
    if let Some(problem) = problem {
        let message = words.problem(problem);
        return page(deps, request, token, Some((StatusCode::UNPROCESSABLE_ENTITY, message))).await;
    }
    // A link is a credential anyone holding the mail has: it may not flood the ticket.
    let window = RateWindow {
        limit: PORTAL_REPLIES_PER_HOUR,
        seconds: 3600,
    };
    if let Err(e) = defences::count(
        deps.customers.store(),
        window,
        "portal",
        &ticket.to_string(),
        deps.clock.now(),
    )
    .await
    {
        let message = match e {
            shared::http::ApiError::TooManyRequests { retry_after } => words
                .rate_limited
                .replace("{minutes}", &((retry_after + 59) / 60).to_string()),
            _ => words.unavailable.to_owned(),
        };
        return page(deps, request, token, Some((StatusCode::TOO_MANY_REQUESTS, message))).await;
    }
    match deps.customers.reply(ticket, &text).await {
        Ok(_) => crate::see_other(&format!("/portal/{token}")),
        // Closed meanwhile: the page says so and offers no reply box.
        Err(DeskError::Domain(DomainError::Conflict { .. })) => crate::see_other(&format!("/portal/{token}")),
        Err(e) => trouble(words, e),
    }
}

pub async fn close<S, C>(deps: &Deps<S, C>, request: &Request, token: &str) -> Response<Body>
where
    S: TicketStore + ContactStore + TeamStore + ActionLedger,
    C: Clock + Clone,
{
    let words = copy(language(request));
    let Some(ticket) = open(deps, token) else {
        return refused(words);
    };
    match deps.customers.close(ticket).await {
        Ok(_) => crate::see_other(&format!("/portal/{token}")),
        Err(e) => trouble(words, e),
    }
}
