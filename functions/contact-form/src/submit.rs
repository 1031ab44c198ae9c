//! The form itself: the page, the widget's description of it, uploads, and a submission's way
//! from the request to a ticket (or to a clear refusal, with nothing stored).

use lambda_http::http::{StatusCode, header};
use lambda_http::{Body, Request, Response};
use serde::{Deserialize, Serialize};
use serde_json::json;
use shared::domain::contact_form::{ContactInput, FIELD_ORDER, FieldProblem, Problem};
use shared::domain::files::{FORM_UPLOADS, MAX_UPLOAD_BYTES, UploadRequest};
use shared::domain::signing::TokenError;
use shared::domain::{Clock, Language};
use shared::http::{ApiError, json_response, parse_json};
use shared::ports::{ActionLedger, Claim, ContactStore, TeamStore, TicketStore};

use crate::copy::copy;
use crate::defences::{self, Rejection};
use crate::pages::{self, FormState, Notice};
use crate::submission::{Submission, media_type, read};
use crate::{Deps, Reply, language, source_ip};

/// How long a submission holds its form token while it makes the ticket. A submission that
/// failed half-way (the store was unavailable) frees the token after this, so the same page can
/// be sent again; a replay within it is refused like one after it.
const FORM_CLAIM_LEASE_SECONDS: i64 = 60;

/// How a submission came, and so how it is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sent {
    /// From the widget or another program: answered in JSON.
    Json,
    /// From the hosted page without JavaScript: answered with a page.
    Form,
}

pub fn form_page<S, C: Clock + Clone>(deps: &Deps<S, C>, request: &Request) -> Response<Body> {
    let lang = language(request);
    let state = FormState::fresh(deps.signer.form_token(deps.clock.now()));
    crate::with_captcha_policy(
        crate::html(StatusCode::OK, pages::form(deps, lang, &state)),
        deps.config.captcha.as_ref(),
    )
}

/// The form as the widget draws it: fields, words in the reader's language, a fresh token.
pub fn form_json<S, C: Clock + Clone>(deps: &Deps<S, C>, request: &Request) -> Response<Body> {
    let lang = language(request);
    let words = copy(lang);
    let base = &deps.config.public_base_url;
    let categories: Vec<_> = deps
        .config
        .categories
        .iter()
        .map(|c| json!({ "id": c.id, "label": words.category_name(&c.id) }))
        .collect();
    let labels: serde_json::Map<String, serde_json::Value> = FIELD_ORDER
        .iter()
        .map(|f| ((*f).to_owned(), json!(words.field_label(f))))
        .chain([
            ("title".to_owned(), json!(words.title)),
            ("intro".to_owned(), json!(words.intro)),
            ("optional".to_owned(), json!(words.optional)),
            ("choose".to_owned(), json!(words.choose)),
            ("attachments_hint".to_owned(), json!(words.attachments_hint)),
            ("submit".to_owned(), json!(words.submit)),
            ("errors_title".to_owned(), json!(words.errors_title)),
            ("thanks_title".to_owned(), json!(words.thanks_title)),
            ("thanks_number".to_owned(), json!(words.thanks_number)),
            ("unavailable".to_owned(), json!(words.unavailable)),
        ])
        .collect();
    let mut response = json_response(
        StatusCode::OK,
        &json!({
            "language": lang,
            "form_token": deps.signer.form_token(deps.clock.now()),
            "min_fill_seconds": deps.config.min_fill_seconds,
            "categories": categories,
            "labels": labels,
            "limits": { "max_files": FORM_UPLOADS.max_files, "max_file_bytes": MAX_UPLOAD_BYTES },
            "captcha": deps.config.captcha.as_ref().map(|c| json!({
                "provider": c.provider.name(),
                "response_field": c.provider.response_field(),
                "script": c.provider.widget().0,
                "class": c.provider.widget().1,
                "site_key": c.site_key,
            })),
            "submit_url": format!("{base}/v1/contact"),
            "uploads_url": format!("{base}/v1/contact/uploads"),
        }),
    );
    // The token is per page view.
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    response
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UploadBody {
    name: String,
    content_type: String,
    size: u64,
}

/// A signed S3 form for one attachment. Counted per address like submissions (more of them
/// are allowed: a submission may carry several files).
pub async fn start_upload<S, C>(deps: &Deps<S, C>, request: &Request) -> Reply
where
    S: TicketStore + ContactStore + TeamStore + ActionLedger,
    C: Clock + Clone,
{
    let body: UploadBody = parse_json(request)?;
    let now = deps.clock.now();
    let window = shared::domain::contact_form::RateWindow {
        limit: deps.config.per_ip.limit * FORM_UPLOADS.max_files as u64,
        ..deps.config.per_ip
    };
    defences::count(
        deps.customers.store(),
        window,
        "upload-ip",
        &source_ip(&deps.config, request),
        now,
    )
    .await?;
    let upload = deps
        .files
        .start_form_upload(UploadRequest::new(&body.name, &body.content_type, body.size)?)
        .await?;
    Ok(json_response(StatusCode::CREATED, &upload))
}

#[derive(Serialize)]
struct Created {
    ticket_number: String,
    message: String,
}

/// A submission: the honeypot and the fields, then the defences (cheapest first), then the
/// files, then the ticket. Anything refused is counted and answered plainly; nothing refused is stored.
pub async fn submit<S, C>(deps: &Deps<S, C>, request: &Request) -> Reply
where
    S: TicketStore + ContactStore + TeamStore + ActionLedger,
    C: Clock + Clone,
{
    let now = deps.clock.now();
    let sent = match media_type(request).as_str() {
        "application/json" => Sent::Json,
        "application/x-www-form-urlencoded" | "multipart/form-data" => Sent::Form,
        _ => {
            return Err(ApiError::UnsupportedMediaType {
                accepted: "application/json, application/x-www-form-urlencoded or multipart/form-data",
            });
        }
    };
    let submission = match read(request).await {
        Ok(s) => s,
        Err(e) => {
            if matches!(e, ApiError::PayloadTooLarge { .. }) {
                defences::record(Rejection::TooLarge, now);
            }
            return match sent {
                Sent::Json => Err(e),
                Sent::Form => Ok(refused_page(deps, request, None, &ContactInput::default(), e)),
            };
        }
    };
    let lang = submission
        .lang
        .as_deref()
        .map(|l| shared::domain::contact_form::negotiate_language(Some(l)))
        .unwrap_or_else(|| language(request));
    match accept(deps, request, &submission, lang, now).await {
        Ok(ticket_number) => match sent {
            Sent::Json => Ok(json_response(
                StatusCode::CREATED,
                &Created {
                    message: copy(lang)
                        .thanks_mail
                        .replace("{email}", submission.input.email.as_deref().unwrap_or("")),
                    ticket_number,
                },
            )),
            Sent::Form => Ok(crate::html(
                StatusCode::OK,
                pages::confirmation(lang, &ticket_number, submission.input.email.as_deref().unwrap_or("")),
            )),
        },
        Err(e) => match sent {
            Sent::Json => Err(e),
            Sent::Form => Ok(refused_page(deps, request, Some(lang), &submission.input, e)),
        },
    }
}

/// The checks and the ticket; the ticket's number when it was made.
async fn accept<S, C>(
    deps: &Deps<S, C>,
    request: &Request,
    submission: &Submission,
    lang: &'static str,
    now: shared::domain::Timestamp,
) -> Result<String, ApiError>
where
    S: TicketStore + ContactStore + TeamStore + ActionLedger,
    C: Clock + Clone,
{
    let input = &submission.input;
    let refuse = |rejection: Rejection| {
        defences::record(rejection, now);
        ApiError::BadRequest {
            field: None,
            message: copy(lang).refused.to_owned(),
        }
    };
    if input.is_honeypot_filled() {
        tracing::info!("honeypot filled: refused");
        return Err(refuse(Rejection::Honeypot));
    }
    // Field errors first: they store nothing, and a person who sent an empty form (even at
    // once) should see what to fill in rather than a refusal.
    let form = match input.check(&deps.config.categories) {
        Ok(form) => form,
        Err(problems) => {
            defences::record(Rejection::Invalid, now);
            return Err(field_errors(lang, &problems));
        }
    };
    let token = match deps
        .signer
        .check_form_token(input.form_token.as_deref(), now, deps.config.min_fill_seconds)
    {
        Ok(token) => token,
        Err(TokenError::Missing) => return Err(refuse(Rejection::MissingToken)),
        Err(TokenError::Forged) => return Err(refuse(Rejection::ForgedToken)),
        Err(TokenError::TooFast) => return Err(refuse(Rejection::TooFast)),
        Err(TokenError::Expired) => return Err(refuse(Rejection::ExpiredToken)),
    };
    let ip = source_ip(&deps.config, request);
    let store = deps.customers.store();
    if let Err(e) = defences::count(store, deps.config.per_ip, "ip", &ip, now).await {
        defences::record(Rejection::RateLimitedIp, now);
        return Err(e);
    }
    if let Some(captcha) = &deps.config.captcha
        && !captcha.verify(input.captcha.as_deref(), &ip).await?
    {
        return Err(refuse(Rejection::Captcha));
    }
    if let Err(e) = defences::count(store, deps.config.per_email, "email", &form.email.normalized(), now).await {
        defences::record(Rejection::RateLimitedEmail, now);
        return Err(e);
    }
    let bad_file = || {
        field_errors(
            lang,
            &[FieldProblem {
                field: "attachments",
                problem: Problem::BadFile,
            }],
        )
    };
    let mut upload_ids = form.attachments.clone();
    if upload_ids.len() + submission.files.len() > FORM_UPLOADS.max_files {
        return Err(field_errors(
            lang,
            &[FieldProblem {
                field: "attachments",
                problem: Problem::TooManyFiles {
                    max: FORM_UPLOADS.max_files,
                },
            }],
        ));
    }
    for file in &submission.files {
        let request = UploadRequest::new(&file.name, &file.content_type, file.bytes.len() as u64).map_err(|e| {
            tracing::info!(error = %e, "inline file refused");
            bad_file()
        })?;
        upload_ids.push(deps.files.keep_upload(&request, file.bytes.clone()).await?);
    }
    // A form is accepted once: a replayed submission (a captured request sent again) makes no
    // second ticket. Claimed here, after every check a person could fix with the same page, and
    // before anything lasting is written (attachments are copied next).
    match store.claim(&token.ledger_key(), now, FORM_CLAIM_LEASE_SECONDS).await? {
        Claim::Claimed => {}
        Claim::AlreadyDone | Claim::Busy => {
            defences::record(Rejection::ReplayedToken, now);
            return Err(field_errors(
                lang,
                &[FieldProblem {
                    field: "form_token",
                    problem: Problem::AlreadySent,
                }],
            ));
        }
    }
    let attachments = deps.files.attach(&upload_ids).await.map_err(|e| match e {
        shared::usecases::desk::DeskError::Domain(d) => {
            tracing::info!(error = %d, "attachment refused");
            bad_file()
        }
        other => other.into(),
    })?;
    let language = Language::parse(lang).map_err(ApiError::from)?;
    let ticket = deps.customers.submit(&form, attachments, &language).await?;
    store.complete(&token.ledger_key()).await?;
    tracing::info!(ticket = %ticket.number, "ticket opened from the contact form");
    Ok(ticket.number.to_string())
}

fn field_errors(lang: &str, problems: &[FieldProblem]) -> ApiError {
    let words = copy(lang);
    ApiError::InvalidFields(
        problems
            .iter()
            .map(|p| (p.field.to_owned(), words.problem(p.problem)))
            .collect(),
    )
}

/// The form again, with the person's values, what went wrong, and a fresh token.
fn refused_page<S, C: Clock + Clone>(
    deps: &Deps<S, C>,
    request: &Request,
    lang: Option<&'static str>,
    input: &ContactInput,
    error: ApiError,
) -> Response<Body> {
    let lang = lang.unwrap_or_else(|| language(request));
    let words = copy(lang);
    let status = error.status();
    let mut state = FormState {
        token: deps.signer.form_token(deps.clock.now()),
        values: input.clone(),
        errors: vec![],
        notice: None,
    };
    let mut retry_after = None;
    match error {
        // The page itself was sent before: not a field the person can fix, so said on top.
        ApiError::InvalidFields(fields) if fields.iter().all(|(f, _)| f == "form_token") => {
            state.notice = fields.into_iter().next().map(|(_, message)| Notice(message))
        }
        ApiError::InvalidFields(fields) => state.errors = fields,
        ApiError::TooManyRequests { retry_after: seconds } => {
            retry_after = Some(seconds);
            let minutes = (seconds + 59) / 60;
            state.notice = Some(Notice(words.rate_limited.replace("{minutes}", &minutes.to_string())));
        }
        ApiError::PayloadTooLarge { .. } => state.notice = Some(Notice(words.too_large.to_owned())),
        ApiError::BadRequest { .. } | ApiError::UnsupportedMediaType { .. } => {
            state.notice = Some(Notice(words.refused.to_owned()))
        }
        ApiError::Internal(cause) => {
            // The cause is for us; the person only needs to know to try again.
            tracing::error!(error = %cause, source = ?std::error::Error::source(&*cause), "submission failed");
            state.notice = Some(Notice(words.unavailable.to_owned()));
        }
        ApiError::Unavailable => state.notice = Some(Notice(words.unavailable.to_owned())),
        other => state.notice = Some(Notice(other.to_string())),
    }
    let mut response = crate::with_captcha_policy(
        crate::html(status, pages::form(deps, lang, &state)),
        deps.config.captcha.as_ref(),
    );
    if let Some(seconds) = retry_after
        && let Ok(v) = header::HeaderValue::from_str(&seconds.max(1).to_string())
    {
        response.headers_mut().insert(header::RETRY_AFTER, v);
    }
    response
}
