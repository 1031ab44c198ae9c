//! A submission as the request carried it: JSON, urlencoded, or multipart with its files.

use lambda_http::Request;
use lambda_http::http::header;
use shared::domain::contact_form::{ContactInput, MAX_FORM_BODY_BYTES, MAX_MULTIPART_BODY_BYTES};
use shared::http::{ApiError, parse_json};

/// A file that came inside a multipart form.
pub(crate) struct InlineFile {
    pub(crate) name: String,
    pub(crate) content_type: String,
    pub(crate) bytes: Vec<u8>,
}

pub(crate) struct Submission {
    pub(crate) input: ContactInput,
    pub(crate) files: Vec<InlineFile>,
    /// The page's language, carried in the form.
    pub(crate) lang: Option<String>,
}

pub(crate) fn media_type(request: &Request) -> String {
    request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default()
}

pub(crate) async fn read(request: &Request) -> Result<Submission, ApiError> {
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
