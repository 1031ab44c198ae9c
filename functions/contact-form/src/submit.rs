//! The form itself: the page, the widget's description of it, uploads, and a submission's way
//! from the request to a ticket (or to a clear refusal, with nothing stored).

use lambda_http::http::{StatusCode, header};
use lambda_http::{Body, Request, Response};
use serde::{Deserialize, Serialize};
use serde_json::json;
use shared::domain::contact_form::{
    ContactInput, FIELD_ORDER, FieldProblem, MAX_FORM_BODY_BYTES, MAX_MULTIPART_BODY_BYTES, Problem, TokenError,
};
use shared::domain::files::{FORM_UPLOADS, MAX_UPLOAD_BYTES, UploadRequest};
use shared::domain::{Clock, Language};
use shared::http::{ApiError, json_response, parse_json};
use shared::ports::{ActionLedger, Claim, ContactStore, TeamStore, TicketStore};

use crate::copy::copy;
use crate::defences::{self, Rejection};
use crate::pages::{self, FormState, Notice};
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

/// A file that came inside a multipart form.
struct InlineFile {
    name: String,
    content_type: String,
    bytes: Vec<u8>,
}

struct Submission {
    input: ContactInput,
    files: Vec<InlineFile>,
    /// The page's language, carried in the form.
    lang: Option<String>,
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
        shared::desk::DeskError::Domain(d) => {
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

fn media_type(request: &Request) -> String {
    request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default()
}

async fn read(request: &Request) -> Result<Submission, ApiError> {
    let bytes = crate::body_bytes(request);
    match media_type(request).as_str() {
        "application/json" => {
            if bytes.len() > MAX_FORM_BODY_BYTES {
                return Err(ApiError::PayloadTooLarge {
                    limit: MAX_FORM_BODY_BYTES,
                });
            }
            Ok(Submission {
                input: parse_json(request)?,
                files: vec![],
                lang: None,
            })
        }
        "application/x-www-form-urlencoded" => {
            if bytes.len() > MAX_FORM_BODY_BYTES {
                return Err(ApiError::PayloadTooLarge {
                    limit: MAX_FORM_BODY_BYTES,
                });
            }
            let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(bytes)
                .map_err(|_| ApiError::bad_field("body", "not a urlencoded form"))?;
            let mut submission = Submission {
                input: ContactInput::default(),
                files: vec![],
                lang: None,
            };
            for (name, value) in pairs {
                take_field(&mut submission, &name, value);
            }
            Ok(submission)
        }
        _ => read_multipart(request, bytes).await,
    }
}

async fn read_multipart(request: &Request, bytes: &[u8]) -> Result<Submission, ApiError> {
    if bytes.len() > MAX_MULTIPART_BODY_BYTES {
        return Err(ApiError::PayloadTooLarge {
            limit: MAX_MULTIPART_BODY_BYTES,
        });
    }
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let boundary = multer::parse_boundary(content_type)
        .map_err(|_| ApiError::bad_field("body", "a multipart form needs a boundary"))?;
    let body = bytes.to_vec();
    let stream = futures::stream::once(async move { Ok::<_, std::convert::Infallible>(body) });
    let mut multipart = multer::Multipart::new(stream, boundary);
    let mut submission = Submission {
        input: ContactInput::default(),
        files: vec![],
        lang: None,
    };
    let broken = |_| ApiError::bad_field("body", "a broken multipart form");
    while let Some(field) = multipart.next_field().await.map_err(broken)? {
        let name = field.name().unwrap_or_default().to_owned();
        match field.file_name().map(str::to_owned) {
            Some(file_name) => {
                let content_type = field
                    .content_type()
                    .map(|m| m.essence_str().to_owned())
                    .unwrap_or_else(|| "application/octet-stream".into());
                let bytes = field.bytes().await.map_err(broken)?;
                // A file input left empty still sends a part, with no name and no bytes.
                if name == "attachments" && !file_name.is_empty() && !bytes.is_empty() {
                    submission.files.push(InlineFile {
                        name: file_name,
                        content_type,
                        bytes: bytes.to_vec(),
                    });
                }
            }
            None => {
                let value = field.text().await.map_err(broken)?;
                take_field(&mut submission, &name, value);
            }
        }
    }
    Ok(submission)
}

/// One posted form field into the submission; fields we do not know are ignored (browsers
/// and CAPTCHA widgets add their own).
fn take_field(submission: &mut Submission, name: &str, value: String) {
    let input = &mut submission.input;
    match name {
        "name" => input.name = Some(value),
        "email" => input.email = Some(value),
        "phone" => input.phone = Some(value),
        "subject" => input.subject = Some(value),
        "message" => input.message = Some(value),
        "category" => input.category = Some(value),
        "form_token" => input.form_token = Some(value),
        "website" => input.website = Some(value),
        "captcha" | "cf-turnstile-response" | "h-captcha-response" => input.captcha = Some(value),
        "attachments" if !value.is_empty() => input.attachments.push(value),
        "lang" => submission.lang = Some(value),
        _ => {}
    }
}
