//! The HTML of the public pages. Everything a person or the ticket supplies is escaped; the
//! pages work without JavaScript and label every field and error for screen readers.

use lambda_http::http::{HeaderValue, StatusCode, header};
use lambda_http::{Body, Response};
use shared::domain::contact_form::{ContactInput, MAX_MESSAGE_CHARS, MAX_NAME_CHARS, MAX_SUBJECT_CHARS};
use shared::domain::{Author, Status};
use shared::usecases::portal::PortalView;

use crate::Deps;
use crate::copy::{Copy, copy};

/// A message for the whole form (not one field).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice(pub String);

/// What the form shows: a token, the person's values and what is wrong with them.
pub struct FormState {
    pub token: String,
    pub values: ContactInput,
    /// (field, message) in form order.
    pub errors: Vec<(String, String)>,
    pub notice: Option<Notice>,
}

impl FormState {
    pub fn fresh(token: String) -> Self {
        Self {
            token,
            values: ContactInput::default(),
            errors: vec![],
            notice: None,
        }
    }
}

pub fn esc(text: &str) -> String {
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

const STYLE: &str = "
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1d2430;background:#f4f6f9}
main{max-width:40rem;margin:0 auto;padding:1.5rem 1rem 3rem}
h1{font-size:1.6rem;margin:.5rem 0}
.field{margin:1rem 0}
label{display:block;font-weight:600;margin-bottom:.25rem}
.hint,.optional{font-weight:400;color:#556070;font-size:.9rem}
input,select,textarea{width:100%;padding:.6rem;font:inherit;border:1px solid #8a94a3;border-radius:6px;background:#fff}
input:focus,select:focus,textarea:focus{outline:3px solid #8ab4f8;outline-offset:1px}
[aria-invalid=true]{border-color:#b3261e}
.field-error{color:#b3261e;margin:.25rem 0 0}
.alert{border:2px solid #b3261e;background:#fff;padding:.75rem 1rem;border-radius:6px}
.alert a{color:#b3261e}
button{font:inherit;font-weight:600;padding:.7rem 1.4rem;border:0;border-radius:6px;background:#1f5fbf;color:#fff;cursor:pointer}
button.secondary{background:#e4e8ee;color:#1d2430}
.hp{position:absolute;left:-10000px;width:1px;height:1px;overflow:hidden}
.conversation{list-style:none;padding:0}
.message{background:#fff;border-radius:8px;padding:.75rem 1rem;margin:.75rem 0;border-left:4px solid #1f5fbf}
.message[data-author=customer]{border-left-color:#8a94a3}
.meta{color:#556070;font-size:.85rem;margin:0 0 .25rem}
.body{white-space:pre-wrap;overflow-wrap:anywhere;margin:0}
.status{display:inline-block;padding:.1rem .6rem;border-radius:99px;background:#e4e8ee}
";

fn page(lang: &str, title: &str, head_extra: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"robots\" content=\"noindex\"><title>{title}</title><style>{STYLE}</style>{head_extra}</head>\
         <body>{body}</body></html>\n",
        lang = esc(lang),
        title = esc(title),
    )
}

/// The hosted form, fresh or again with errors.
pub fn form<S, C>(deps: &Deps<S, C>, lang: &str, state: &FormState) -> String {
    let words = copy(lang);
    let v = &state.values;
    let error_of = |field: &str| state.errors.iter().find(|(f, _)| f == field).map(|(_, m)| m.as_str());
    let mut body = format!("<main><h1>{}</h1><p>{}</p>", esc(words.title), esc(words.intro));
    if !state.errors.is_empty() {
        body.push_str(&format!(
            "<div id=\"error-summary\" class=\"alert\" role=\"alert\" tabindex=\"-1\"><p><strong>{}</strong></p><ul>",
            esc(words.errors_title)
        ));
        for (field, message) in &state.errors {
            body.push_str(&format!(
                "<li><a href=\"#{f}\">{label}: {message}</a></li>",
                f = esc(field),
                label = esc(words.field_label(field)),
                message = esc(message)
            ));
        }
        body.push_str("</ul></div>");
    }
    if let Some(Notice(text)) = &state.notice {
        body.push_str(&format!(
            "<div id=\"notice\" class=\"alert\" role=\"alert\"><p>{}</p></div>",
            esc(text)
        ));
    }
    body.push_str(&format!(
        "<form id=\"contact-form\" method=\"post\" action=\"/v1/contact\" enctype=\"multipart/form-data\" \
         data-min-fill-seconds=\"{}\">\
         <input type=\"hidden\" name=\"form_token\" value=\"{}\"><input type=\"hidden\" name=\"lang\" value=\"{}\">",
        deps.config.min_fill_seconds,
        esc(&state.token),
        esc(lang)
    ));
    let text_field = |field: &str,
                      kind: &str,
                      autocomplete: &str,
                      value: &Option<String>,
                      max: usize,
                      required: bool| {
        let error = error_of(field);
        format!(
            "<div class=\"field\"><label for=\"{field}\">{label}{optional}</label>\
             <input id=\"{field}\" name=\"{field}\" type=\"{kind}\" autocomplete=\"{autocomplete}\" maxlength=\"{max}\"{required} \
             value=\"{value}\"{invalid}>{error}</div>",
            label = esc(words.field_label(field)),
            optional = if required {
                String::new()
            } else {
                format!(" <span class=\"optional\">({})</span>", esc(words.optional))
            },
            required = if required { " required" } else { "" },
            value = esc(value.as_deref().unwrap_or_default()),
            invalid = invalid_attrs(field, error),
            error = error_html(field, error),
        )
    };
    body.push_str(&text_field("name", "text", "name", &v.name, MAX_NAME_CHARS, true));
    body.push_str(&text_field("email", "email", "email", &v.email, 254, true));
    body.push_str(&text_field("phone", "tel", "tel", &v.phone, 40, false));
    let category_error = error_of("category");
    body.push_str(&format!(
        "<div class=\"field\"><label for=\"category\">{}</label><select id=\"category\" name=\"category\" required{}>\
         <option value=\"\">{}</option>",
        esc(words.category),
        invalid_attrs("category", category_error),
        esc(words.choose)
    ));
    for category in deps.config.categories.iter() {
        let selected = v.category.as_deref() == Some(category.id.as_str());
        body.push_str(&format!(
            "<option value=\"{}\"{}>{}</option>",
            esc(&category.id),
            if selected { " selected" } else { "" },
            esc(&words.category_name(&category.id))
        ));
    }
    body.push_str(&format!("</select>{}</div>", error_html("category", category_error)));
    body.push_str(&text_field(
        "subject",
        "text",
        "off",
        &v.subject,
        MAX_SUBJECT_CHARS,
        true,
    ));
    let message_error = error_of("message");
    body.push_str(&format!(
        "<div class=\"field\"><label for=\"message\">{}</label><textarea id=\"message\" name=\"message\" rows=\"8\" \
         maxlength=\"{MAX_MESSAGE_CHARS}\" required{}>{}</textarea>{}</div>",
        esc(words.message),
        invalid_attrs("message", message_error),
        esc(v.message.as_deref().unwrap_or_default()),
        error_html("message", message_error)
    ));
    let files_error = error_of("attachments");
    body.push_str(&format!(
        "<div class=\"field\"><label for=\"attachments\">{} <span class=\"optional\">({})</span></label>\
         <input id=\"attachments\" name=\"attachments\" type=\"file\" multiple{} aria-describedby=\"attachments-hint{}\">\
         <p class=\"hint\" id=\"attachments-hint\">{}</p>{}</div>",
        esc(words.attachments),
        esc(words.optional),
        if files_error.is_some() { " aria-invalid=\"true\"" } else { "" },
        if files_error.is_some() { " attachments-error" } else { "" },
        esc(words.attachments_hint),
        error_html("attachments", files_error)
    ));
    // People never see or reach this field; bots fill it in.
    body.push_str(
        "<div class=\"hp\" aria-hidden=\"true\"><label for=\"website\">Website</label>\
         <input id=\"website\" name=\"website\" type=\"text\" tabindex=\"-1\" autocomplete=\"off\"></div>",
    );
    let mut head = String::new();
    if let Some(captcha) = &deps.config.captcha {
        let (script, class) = captcha.provider.widget();
        body.push_str(&format!(
            "<div class=\"field {class}\" data-sitekey=\"{}\"></div>",
            esc(&captcha.site_key)
        ));
        head = format!("<script src=\"{script}\" async defer></script>");
    }
    body.push_str(&format!(
        "<p><button id=\"submit\" type=\"submit\">{}</button></p></form></main>",
        esc(words.submit)
    ));
    page(lang, words.title, &head, &body)
}

fn invalid_attrs(field: &str, error: Option<&str>) -> String {
    match error {
        Some(_) => format!(" aria-invalid=\"true\" aria-describedby=\"{field}-error\""),
        None => String::new(),
    }
}

fn error_html(field: &str, error: Option<&str>) -> String {
    match error {
        Some(message) => format!("<p class=\"field-error\" id=\"{field}-error\">{}</p>", esc(message)),
        None => String::new(),
    }
}

pub fn confirmation(lang: &str, ticket_number: &str, email: &str) -> String {
    let words = copy(lang);
    let body = format!(
        "<main id=\"confirmation\"><h1>{}</h1><p>{} <strong id=\"ticket-number\">{}</strong></p><p>{}</p></main>",
        esc(words.thanks_title),
        esc(words.thanks_number),
        esc(ticket_number),
        esc(&words.thanks_mail.replace("{email}", email))
    );
    page(lang, words.thanks_title, "", &body)
}

/// The customer's ticket: status, the public conversation, a reply box and a close button.
pub fn portal(
    words: &Copy,
    view: &PortalView,
    token: &str,
    files: &[Vec<(String, String)>],
    error: Option<&str>,
) -> String {
    let ticket = &view.ticket;
    let mut body = format!(
        "<main><h1>{} <span id=\"ticket-ref\">{}</span></h1><p><strong>{}</strong></p>\
         <p>{}: <span class=\"status\" id=\"ticket-status\" data-status=\"{}\">{}</span></p><ol class=\"conversation\">",
        esc(words.portal_title),
        esc(&ticket.number.to_string()),
        esc(&ticket.subject),
        esc(words.status),
        ticket.status.as_str(),
        esc(words.status_name(ticket.status)),
    );
    for (message, links) in view
        .messages
        .iter()
        .zip(files.iter().chain(std::iter::repeat(&Vec::new())))
    {
        let (author, who) = match message.author() {
            Author::Customer => ("customer", words.you),
            _ => ("agent", words.us),
        };
        body.push_str(&format!(
            "<li class=\"message\" data-author=\"{author}\"><p class=\"meta\">{} · <time datetime=\"{at}\">{shown}</time></p>\
             <p class=\"body\">{}</p>",
            esc(who),
            esc(&message.body_text),
            at = esc(&message.created_at.to_string()),
            shown = message.created_at.as_datetime().format("%Y-%m-%d %H:%M UTC"),
        ));
        if !links.is_empty() {
            body.push_str("<ul class=\"files\">");
            for (name, url) in links {
                body.push_str(&format!(
                    "<li><a href=\"{}\" rel=\"noreferrer\">{}</a></li>",
                    esc(url),
                    esc(name)
                ));
            }
            body.push_str("</ul>");
        }
        body.push_str("</li>");
    }
    body.push_str("</ol>");
    if ticket.status == Status::Closed {
        body.push_str(&format!(
            "<p id=\"closed-notice\" class=\"alert\">{}</p>",
            esc(words.closed_notice)
        ));
    } else {
        let token = esc(token);
        body.push_str(&format!(
            "<form id=\"reply-form\" method=\"post\" action=\"/portal/{token}/reply\"><div class=\"field\">\
             <label for=\"reply-message\">{}</label><textarea id=\"reply-message\" name=\"message\" rows=\"6\" \
             maxlength=\"{MAX_MESSAGE_CHARS}\" required{}></textarea>{}</div>\
             <p><button id=\"reply-submit\" type=\"submit\">{}</button></p></form>\
             <form id=\"close-form\" method=\"post\" action=\"/portal/{token}/close\"><p>{}</p>\
             <p><button id=\"close-submit\" class=\"secondary\" type=\"submit\">{}</button></p></form>",
            esc(words.reply),
            invalid_attrs("message", error),
            error_html("message", error),
            esc(words.reply_submit),
            esc(words.close_hint),
            esc(words.close_submit),
        ));
    }
    body.push_str("</main>");
    page(words.lang, words.portal_title, "", &body)
}

/// A link that does not open a ticket: the same page whatever the reason, so it tells a
/// guesser nothing.
pub fn portal_refused(words: &Copy) -> String {
    page(
        words.lang,
        words.portal_title,
        "",
        &format!(
            "<main><h1>{}</h1><p id=\"link-invalid\" class=\"alert\">{}</p></main>",
            esc(words.portal_title),
            esc(words.link_invalid)
        ),
    )
}

/// The embeddable widget: the same form, drawn into the host page, posting to this API.
pub fn widget(base_url: &str) -> Response<Body> {
    let script = include_str!("widget.js").replace("__LAMBDESK_API__", &base_url.replace('\'', "%27"));
    let mut response = Response::new(Body::Text(script));
    *response.status_mut() = StatusCode::OK;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/javascript; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=300"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_leaves_no_markup() {
        assert_eq!(
            esc("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
    }
}
