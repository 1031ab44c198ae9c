//! The public survey page. Mail scanners (Safe Links, Proofpoint, Gmail) fetch every link in a
//! mail, so `GET /survey/{token}` only shows a page: the ticket's number and subject, the
//! answer the link chose (preselected), an optional comment and one button. Only the form's
//! `POST /survey/{token}` records a rating. No script: a plain HTML form. A wrong, altered or
//! expired link gets a page saying so, with a status to match, never an error dump.

use lambda_http::http::{HeaderValue, Method, StatusCode, header};
use lambda_http::{Body, Request, RequestExt, Response};
use shared::domain::Clock;
use shared::domain::contact_form::negotiate_language;
use shared::domain::satisfaction::{Answer, Comment, CsatScale, MAX_COMMENT_CHARS, Rating, Score};
use shared::ports::MailSender;
use shared::usecases::satisfaction::{LinkProblem, RateOutcome, SurveyPage, SurveyPorts};
use tracing::Instrument;

use crate::Deps;
use crate::copy::{Copy, copy};

/// The largest form body taken: a comment of [`MAX_COMMENT_CHARS`] characters, each up to 4
/// bytes and percent-encoded, and the rating.
pub(crate) const MAX_BODY_BYTES: usize = MAX_COMMENT_CHARS * 12 + 256;

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
        let words = copy(&language(&request));
        let response = match route(deps, &request, words).await {
            Ok(response) => response,
            Err(e) => {
                tracing::error!(error = %e, "survey page failed");
                page(
                    words,
                    StatusCode::SERVICE_UNAVAILABLE,
                    words.title,
                    &paragraph(words.retry),
                )
            }
        };
        tracing::Span::current().record("status", response.status().as_u16());
        Ok(response)
    }
    .instrument(span)
    .await
}

/// The page's language: `?lang=` when given, else the browser's `Accept-Language`.
fn language(request: &Request) -> String {
    let chosen = request
        .query_string_parameters_ref()
        .and_then(|q| q.first("lang").map(str::to_owned));
    let accept = request
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    negotiate_language(chosen.or(accept).as_deref()).to_owned()
}

pub(crate) fn paragraph(text: &str) -> String {
    format!("<p>{}</p>", escape(text))
}

async fn route<S, M, C>(
    deps: &Deps<S, M, C>,
    request: &Request,
    words: &'static Copy,
) -> Result<Response<Body>, shared::usecases::satisfaction::SurveyError>
where
    S: SurveyPorts,
    M: MailSender,
    C: Clock,
{
    let path = request.uri().path().to_owned();
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let ["survey", token] = segments.as_slice() else {
        return Ok(refused(words, LinkProblem::Invalid));
    };
    let surveys = &deps.surveys;
    if surveys.is_nps_token(token) {
        return crate::nps_page::route(surveys, request, token, words).await;
    }
    match *request.method() {
        Method::GET | Method::HEAD => {
            let query = request.query_string_parameters_ref();
            let param = |name: &str| query.and_then(|q| q.first(name).map(str::to_owned));
            let chosen = answer(param("score").as_deref(), param("rating").as_deref()).and_then(Result::ok);
            Ok(match surveys.open(token, chosen).await? {
                Ok(survey) => form(words, token, &survey, None),
                Err(problem) => refused(words, problem),
            })
        }
        Method::POST => {
            let body = body_bytes(request);
            if body.len() > MAX_BODY_BYTES {
                return Ok(page(
                    words,
                    StatusCode::PAYLOAD_TOO_LARGE,
                    words.title,
                    &paragraph(words.too_long),
                ));
            }
            let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(body).unwrap_or_default();
            let field = |name: &str| fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
            let answer = answer(field("score"), field("rating"));
            let comment = Comment::parse(field("comment").unwrap_or_default());
            let checked = match (answer, comment) {
                (Some(Ok(answer)), Ok(comment)) => Ok((answer, comment)),
                (None | Some(Err(_)), _) => Err(None),
                (_, Err(_)) => Err(Some(words.comment_problem)),
            };
            let (answer, comment) = match checked {
                Ok(checked) => checked,
                Err(why) => {
                    return Ok(match surveys.open(token, None).await? {
                        Ok(survey) => {
                            let why = why.unwrap_or(match survey.scale {
                                CsatScale::GoodBad => words.choose,
                                CsatScale::FivePoint => words.score_choose,
                            });
                            with_status(form(words, token, &survey, Some(why)), StatusCode::UNPROCESSABLE_ENTITY)
                        }
                        Err(problem) => refused(words, problem),
                    });
                }
            };
            Ok(match surveys.rate(token, answer, comment).await? {
                RateOutcome::Recorded(survey) | RateOutcome::Unchanged(survey) => thanks(words, &survey),
                RateOutcome::Refused(problem) => refused(words, problem),
            })
        }
        _ => {
            let mut response = page(words, StatusCode::METHOD_NOT_ALLOWED, words.title, "");
            response
                .headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("GET, POST"));
            Ok(response)
        }
    }
}

/// The answer a link or form gives: a `score` (five-point) before a `rating` (good/bad).
fn answer(score: Option<&str>, rating: Option<&str>) -> Option<Result<Answer, shared::domain::DomainError>> {
    match (score, rating) {
        (Some(score), _) => Some(Score::parse(score).map(Answer::from)),
        (None, Some(rating)) => Some(Rating::parse(rating).map(Answer::from)),
        (None, None) => None,
    }
}

pub(crate) fn body_bytes(request: &Request) -> &[u8] {
    match request.body() {
        Body::Text(t) => t.as_bytes(),
        Body::Binary(b) => b,
        _ => b"",
    }
}

/// The survey form on the page's scale, `chosen` preselected; `error` says what to fix after a
/// bad post. The form posts back with the page's language.
fn form(words: &Copy, token: &str, survey: &SurveyPage, error: Option<&str>) -> Response<Body> {
    let checked = |yes: bool| if yes { " checked" } else { "" };
    let choices = match survey.scale {
        CsatScale::GoodBad => {
            let chosen = |r: Rating| checked(survey.chosen.is_some_and(|a| a.score.is_none() && a.rating == r));
            format!(
                "<label><input type=\"radio\" name=\"rating\" value=\"good\" required{good}> {good_text}</label>\
                 <label><input type=\"radio\" name=\"rating\" value=\"bad\"{bad}> {bad_text}</label>",
                good = chosen(Rating::Good),
                bad = chosen(Rating::Bad),
                good_text = escape(words.good),
                bad_text = escape(words.bad),
            )
        }
        CsatScale::FivePoint => {
            let scores: String = Score::ALL
                .iter()
                .map(|score| {
                    format!(
                        "<label class=\"score\"><input type=\"radio\" name=\"score\" value=\"{n}\"{required}{chosen}> {n}</label>",
                        n = score.value(),
                        required = if score.value() == 1 { " required" } else { "" },
                        chosen = checked(survey.chosen.is_some_and(|a| a.score == Some(*score))),
                    )
                })
                .collect();
            format!(
                "<p class=\"note\">{low} · {high}</p>{scores}",
                low = escape(words.score_low),
                high = escape(words.score_high),
            )
        }
    };
    let comment = survey
        .current
        .as_ref()
        .and_then(|s| s.comment.as_ref())
        .map(|c| escape(c.as_str()))
        .unwrap_or_default();
    let already = match &survey.current {
        Some(_) => format!("<p class=\"note\">{}</p>", escape(words.rated_before)),
        None => String::new(),
    };
    let error = error
        .map(|e| format!("<p class=\"error\" role=\"alert\">{}</p>", escape(e)))
        .unwrap_or_default();
    let body = format!(
        "<p>{request} <strong>{number}</strong>: {subject}</p>{already}{error}\
         <form method=\"post\" action=\"/survey/{token}?lang={lang}\">\
         <fieldset><legend>{title}</legend>{choices}</fieldset>\
         <label for=\"comment\">{comment_label}</label>\
         <textarea id=\"comment\" name=\"comment\" rows=\"5\" maxlength=\"{MAX_COMMENT_CHARS}\">{comment}</textarea>\
         <button type=\"submit\">{send}</button></form>",
        request = escape(words.request),
        number = survey.ticket_number,
        subject = escape(&survey.subject),
        token = escape(token),
        lang = words.lang,
        title = escape(words.title),
        comment_label = escape(words.comment),
        send = escape(words.send),
    );
    page(words, StatusCode::OK, words.title, &body)
}

fn thanks(words: &Copy, survey: &SurveyPage) -> Response<Body> {
    let text = words.thanks.replace("{number}", &survey.ticket_number.to_string());
    page(words, StatusCode::OK, words.thanks_title, &paragraph(&text))
}

pub(crate) fn refused(words: &Copy, problem: LinkProblem) -> Response<Body> {
    let (status, title, text) = match problem {
        LinkProblem::Invalid => (StatusCode::NOT_FOUND, words.invalid_title, words.invalid),
        LinkProblem::Expired => (StatusCode::GONE, words.expired_title, words.expired),
        LinkProblem::NotRateable => (StatusCode::GONE, words.gone_title, words.gone),
        LinkProblem::TooManyRatings => (StatusCode::TOO_MANY_REQUESTS, words.too_many_title, words.too_many),
    };
    page(words, status, title, &paragraph(text))
}

pub(crate) fn with_status(mut response: Response<Body>, status: StatusCode) -> Response<Body> {
    *response.status_mut() = status;
    response
}

/// A whole page: small, readable on a phone, no script, never cached or indexed.
pub(crate) fn page(words: &Copy, status: StatusCode, title: &str, body: &str) -> Response<Body> {
    let html = format!(
        "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"robots\" content=\"noindex\"><title>{title}</title>\
         <style>body{{font-family:system-ui,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem;line-height:1.5}}\
         fieldset{{border:0;padding:0}}label{{display:block;margin:.5rem 0}}textarea{{width:100%}}\
         button{{font-size:1rem;padding:.5rem 1.5rem}}label.score{{display:inline-block;margin:.25rem .75rem .25rem 0}}.error{{color:#a00}}.note{{color:#555}}</style></head>\
         <body><main><h1>{title}</h1>{body}</main></body></html>",
        title = escape(title),
        lang = words.lang,
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

pub(crate) fn escape(text: &str) -> String {
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
