//! The public survey page. Mail scanners (Safe Links, Proofpoint, Gmail) fetch every link in a
//! mail, so `GET /survey/{token}` only shows a page: the ticket's number and subject, the
//! answer the link chose (preselected), an optional comment and one button. Only the form's
//! `POST /survey/{token}` records a rating. No script: a plain HTML form. A wrong, altered or
//! expired link gets a page saying so, with a status to match, never an error dump.

use lambda_http::http::{HeaderValue, Method, StatusCode, header};
use lambda_http::{Body, Request, RequestExt, Response};
use shared::domain::Clock;
use shared::domain::satisfaction::{Comment, MAX_COMMENT_CHARS, Rating};
use shared::ports::MailSender;
use shared::usecases::satisfaction::{LinkProblem, RateOutcome, SurveyPage, SurveyPorts};
use tracing::Instrument;

use crate::Deps;

/// The largest form body taken: a comment of [`MAX_COMMENT_CHARS`] characters, each up to 4
/// bytes and percent-encoded, and the rating.
const MAX_BODY_BYTES: usize = MAX_COMMENT_CHARS * 12 + 256;

/// No script, no frames, forms only to ourselves.
const PAGE_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; \
                           frame-ancestors 'none'; base-uri 'none'";

/// Answers one request to the survey routes.
pub async fn handle_page<S, M, C>(
    deps: &Deps<S, M, C>,
    request: Request,
) -> Result<Response<Body>, std::convert::Infallible>
where
    S: SurveyPorts,
    M: MailSender,
    C: Clock,
{
    // The token is a credential: the route is logged without it.
    let span = tracing::info_span!("request", method = %request.method(), route = "/survey/{token}", status = tracing::field::Empty);
    async move {
        let response = match route(deps, &request).await {
            Ok(response) => response,
            Err(e) => {
                tracing::error!(error = %e, "survey page failed");
                page(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "Please try again",
                    "<p>We could not take your answer just now. Please try again in a minute.</p>",
                )
            }
        };
        tracing::Span::current().record("status", response.status().as_u16());
        Ok(response)
    }
    .instrument(span)
    .await
}

async fn route<S, M, C>(
    deps: &Deps<S, M, C>,
    request: &Request,
) -> Result<Response<Body>, shared::usecases::satisfaction::SurveyError>
where
    S: SurveyPorts,
    M: MailSender,
    C: Clock,
{
    let path = request.uri().path().to_owned();
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let ["survey", token] = segments.as_slice() else {
        return Ok(page(
            StatusCode::NOT_FOUND,
            "Not found",
            "<p>There is no such page.</p>",
        ));
    };
    let surveys = &deps.surveys;
    match *request.method() {
        Method::GET | Method::HEAD => {
            let chosen = request
                .query_string_parameters_ref()
                .and_then(|q| q.first("rating").map(str::to_owned))
                .and_then(|r| Rating::parse(&r).ok());
            Ok(match surveys.open(token, chosen).await? {
                Ok(survey) => form(token, &survey, None),
                Err(problem) => refused(problem),
            })
        }
        Method::POST => {
            let body = body_bytes(request);
            if body.len() > MAX_BODY_BYTES {
                return Ok(page(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "Too long",
                    "<p>That answer is too long. Please shorten your comment.</p>",
                ));
            }
            let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(body).unwrap_or_default();
            let field = |name: &str| fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
            let rating = field("rating").map(Rating::parse);
            let comment = Comment::parse(field("comment").unwrap_or_default());
            let checked = match (rating, comment) {
                (Some(Ok(rating)), Ok(comment)) => Ok((rating, comment)),
                (None | Some(Err(_)), _) => Err("Please choose good or bad.".to_owned()),
                (_, Err(e)) => Err(format!(
                    "Your comment: {}",
                    e.to_string().trim_start_matches("comment: ")
                )),
            };
            let (rating, comment) = match checked {
                Ok(checked) => checked,
                Err(why) => {
                    return Ok(match surveys.open(token, None).await? {
                        Ok(survey) => with_status(form(token, &survey, Some(&why)), StatusCode::UNPROCESSABLE_ENTITY),
                        Err(problem) => refused(problem),
                    });
                }
            };
            Ok(match surveys.rate(token, rating, comment).await? {
                RateOutcome::Recorded(survey) | RateOutcome::Unchanged(survey) => thanks(&survey),
                RateOutcome::Refused(problem) => refused(problem),
            })
        }
        _ => {
            let mut response = page(StatusCode::METHOD_NOT_ALLOWED, "Not allowed", "<p>Not allowed.</p>");
            response
                .headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("GET, POST"));
            Ok(response)
        }
    }
}

fn body_bytes(request: &Request) -> &[u8] {
    match request.body() {
        Body::Text(t) => t.as_bytes(),
        Body::Binary(b) => b,
        _ => b"",
    }
}

/// The survey form, `chosen` preselected; `error` says what to fix after a bad post.
fn form(token: &str, survey: &SurveyPage, error: Option<&str>) -> Response<Body> {
    let checked = |r: Rating| if survey.chosen == Some(r) { " checked" } else { "" };
    let comment = survey
        .current
        .as_ref()
        .and_then(|s| s.comment.as_ref())
        .map(|c| escape(c.as_str()))
        .unwrap_or_default();
    let already = match &survey.current {
        Some(s) => format!(
            "<p class=\"note\">You rated this request {} on {}. You can change your answer.</p>",
            s.rating,
            s.at.as_datetime().format("%Y-%m-%d")
        ),
        None => String::new(),
    };
    let error = error
        .map(|e| format!("<p class=\"error\" role=\"alert\">{}</p>", escape(e)))
        .unwrap_or_default();
    let body = format!(
        "<p>Your request <strong>{number}</strong>: {subject}</p>{already}{error}\
         <form method=\"post\" action=\"/survey/{token}\">\
         <fieldset><legend>How did we do?</legend>\
         <label><input type=\"radio\" name=\"rating\" value=\"good\" required{good}> Good, I'm satisfied</label>\
         <label><input type=\"radio\" name=\"rating\" value=\"bad\"{bad}> Bad, I'm not satisfied</label>\
         </fieldset>\
         <label for=\"comment\">Anything you would like to add? (optional)</label>\
         <textarea id=\"comment\" name=\"comment\" rows=\"5\" maxlength=\"{MAX_COMMENT_CHARS}\">{comment}</textarea>\
         <button type=\"submit\">Send my answer</button></form>",
        number = survey.ticket_number,
        subject = escape(&survey.subject),
        token = escape(token),
        good = checked(Rating::Good),
        bad = checked(Rating::Bad),
    );
    page(StatusCode::OK, "How did we do?", &body)
}

fn thanks(survey: &SurveyPage) -> Response<Body> {
    let rating = survey.current.as_ref().map_or("", |s| s.rating.as_str());
    page(
        StatusCode::OK,
        "Thank you",
        &format!(
            "<p>Thank you. We recorded your answer ({rating}) for request <strong>{}</strong>.</p>\
             <p>You can change it with the link in our mail within 30 days.</p>",
            survey.ticket_number
        ),
    )
}

fn refused(problem: LinkProblem) -> Response<Body> {
    let (status, title, text) = match problem {
        LinkProblem::Invalid => (
            StatusCode::NOT_FOUND,
            "This link does not work",
            "This survey link is not valid. Please use the link from our mail exactly as it was sent.",
        ),
        LinkProblem::Expired => (
            StatusCode::GONE,
            "This link has expired",
            "Survey links work for 30 days. This one has expired, so we cannot take an answer with it.",
        ),
        LinkProblem::NotRateable => (
            StatusCode::GONE,
            "This request cannot be rated",
            "This request can no longer be rated.",
        ),
        LinkProblem::TooManyRatings => (
            StatusCode::TOO_MANY_REQUESTS,
            "Answer not changed",
            "This answer was changed too many times and cannot be changed again.",
        ),
    };
    page(status, title, &format!("<p>{text}</p>"))
}

fn with_status(mut response: Response<Body>, status: StatusCode) -> Response<Body> {
    *response.status_mut() = status;
    response
}

/// A whole page: small, readable on a phone, no script, never cached or indexed.
fn page(status: StatusCode, title: &str, body: &str) -> Response<Body> {
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"robots\" content=\"noindex\"><title>{title}</title>\
         <style>body{{font-family:system-ui,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem;line-height:1.5}}\
         fieldset{{border:0;padding:0}}label{{display:block;margin:.5rem 0}}textarea{{width:100%}}\
         button{{font-size:1rem;padding:.5rem 1.5rem}}.error{{color:#a00}}.note{{color:#555}}</style></head>\
         <body><main><h1>{title}</h1>{body}</main></body></html>",
        title = escape(title),
    );
    let mut response = Response::new(Body::Text(html));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert("content-security-policy", HeaderValue::from_static(PAGE_POLICY));
    headers.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    headers.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    headers.insert("x-robots-tag", HeaderValue::from_static("noindex"));
    response
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
