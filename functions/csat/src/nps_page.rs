//! The NPS page, under the same route as the CSAT page (`/survey/{token}`, told apart by the
//! token's signing purpose) and under the same rules: a GET (which mail scanners make) only
//! shows the form with the link's score preselected; the form's POST (`score`, `comment`)
//! records the answer. No script.

use lambda_http::http::{HeaderValue, Method, StatusCode, header};
use lambda_http::{Body, Request, RequestExt, Response};
use shared::domain::Clock;
use shared::domain::nps::NpsScore;
use shared::domain::satisfaction::{Comment, MAX_COMMENT_CHARS};
use shared::ports::MailSender;
use shared::usecases::satisfaction::{NpsOutcome, NpsPage, SurveyError, SurveyPorts, Surveys};

use crate::copy::Copy;
use crate::page::{MAX_BODY_BYTES, body_bytes, escape, page, paragraph, refused, with_status};

/// Answers one request for an NPS link.
pub(crate) async fn route<S, M, C>(
    surveys: &Surveys<S, M, C>,
    request: &Request,
    token: &str,
    words: &'static Copy,
) -> Result<Response<Body>, SurveyError>
where
    S: SurveyPorts,
    M: MailSender,
    C: Clock,
{
    match *request.method() {
        Method::GET | Method::HEAD => {
            let chosen = request
                .query_string_parameters_ref()
                .and_then(|q| q.first("score").map(str::to_owned))
                .and_then(|s| NpsScore::parse(&s).ok());
            Ok(match surveys.open_nps(token, chosen).await? {
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
                    words.nps_title,
                    &paragraph(words.too_long),
                ));
            }
            let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(body).unwrap_or_default();
            let field = |name: &str| fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
            let checked = match (
                field("score").map(NpsScore::parse),
                Comment::parse(field("comment").unwrap_or_default()),
            ) {
                (Some(Ok(score)), Ok(comment)) => Ok((score, comment)),
                (None | Some(Err(_)), _) => Err(words.nps_choose),
                (_, Err(_)) => Err(words.comment_problem),
            };
            let (score, comment) = match checked {
                Ok(checked) => checked,
                Err(why) => {
                    return Ok(match surveys.open_nps(token, None).await? {
                        Ok(survey) => {
                            with_status(form(words, token, &survey, Some(why)), StatusCode::UNPROCESSABLE_ENTITY)
                        }
                        Err(problem) => refused(words, problem),
                    });
                }
            };
            Ok(match surveys.answer_nps(token, score, comment).await? {
                NpsOutcome::Recorded(_) | NpsOutcome::Unchanged(_) => {
                    page(words, StatusCode::OK, words.thanks_title, &paragraph(words.nps_thanks))
                }
                NpsOutcome::Refused(problem) => refused(words, problem),
            })
        }
        _ => {
            let mut response = page(words, StatusCode::METHOD_NOT_ALLOWED, words.nps_title, "");
            response
                .headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("GET, POST"));
            Ok(response)
        }
    }
}

/// The 0–10 form, the link's score preselected; `error` says what to fix after a bad post.
fn form(words: &Copy, token: &str, survey: &NpsPage, error: Option<&str>) -> Response<Body> {
    let scores: String = NpsScore::all()
        .map(|score| {
            let checked = if survey.chosen == Some(score) { " checked" } else { "" };
            let required = if score.value() == 0 { " required" } else { "" };
            format!(
                "<label class=\"score\"><input type=\"radio\" name=\"score\" value=\"{n}\"{required}{checked}> {n}</label>",
                n = score.value()
            )
        })
        .collect();
    let comment = survey
        .current
        .as_ref()
        .and_then(|r| r.comment.as_deref())
        .map(escape)
        .unwrap_or_default();
    let already = match &survey.current {
        Some(_) => format!("<p class=\"note\">{}</p>", escape(words.rated_before)),
        None => String::new(),
    };
    let error = error
        .map(|e| format!("<p class=\"error\" role=\"alert\">{}</p>", escape(e)))
        .unwrap_or_default();
    let body = format!(
        "{already}{error}<form method=\"post\" action=\"/survey/{token}?lang={lang}\">\
         <fieldset><legend>{title}</legend><p class=\"note\">{low} · {high}</p>{scores}</fieldset>\
         <label for=\"comment\">{comment_label}</label>\
         <textarea id=\"comment\" name=\"comment\" rows=\"5\" maxlength=\"{MAX_COMMENT_CHARS}\">{comment}</textarea>\
         <button type=\"submit\">{send}</button></form>",
        token = escape(token),
        lang = words.lang,
        title = escape(words.nps_title),
        low = escape(words.nps_low),
        high = escape(words.nps_high),
        comment_label = escape(words.comment),
        send = escape(words.send),
    );
    page(words, StatusCode::OK, words.nps_title, &body)
}
