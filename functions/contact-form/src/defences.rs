//! What stands between the open internet and a ticket: CORS for the configured sites only,
//! rate limits counted in the table, the optional CAPTCHA check, and the metric of what was
//! turned away.

use lambda_http::http::{HeaderValue, StatusCode, header};
use lambda_http::{Body, Request, Response};
use serde_json::json;
use shared::domain::Timestamp;
use shared::domain::contact_form::RateWindow;
use shared::http::ApiError;
use shared::ports::ActionLedger;

use shared::config::SecretString;

/// Why a submission was turned away without a ticket: the `Reason` of the metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejection {
    Honeypot,
    MissingToken,
    ForgedToken,
    TooFast,
    ExpiredToken,
    ReplayedToken,
    RateLimitedIp,
    RateLimitedEmail,
    Captcha,
    Invalid,
    TooLarge,
}

impl Rejection {
    pub fn reason(self) -> &'static str {
        match self {
            Rejection::Honeypot => "honeypot",
            Rejection::MissingToken => "missing_token",
            Rejection::ForgedToken => "forged_token",
            Rejection::TooFast => "too_fast",
            Rejection::ExpiredToken => "expired_token",
            Rejection::ReplayedToken => "replayed_token",
            Rejection::RateLimitedIp => "rate_limited_ip",
            Rejection::RateLimitedEmail => "rate_limited_email",
            Rejection::Captcha => "captcha",
            Rejection::Invalid => "invalid",
            Rejection::TooLarge => "too_large",
        }
    }
}

/// The CloudWatch Embedded Metric Format line for one rejected submission: CloudWatch turns
/// it into the `Lambdesk/RejectedSubmissions` metric by `Reason`, with no API call.
pub fn rejection_metric(rejection: Rejection, now: Timestamp) -> serde_json::Value {
    json!({
        "_aws": {
            "Timestamp": now.as_datetime().timestamp_millis(),
            "CloudWatchMetrics": [{
                "Namespace": "Lambdesk",
                "Dimensions": [["Reason"]],
                "Metrics": [{ "Name": "RejectedSubmissions", "Unit": "Count" }],
            }],
        },
        "Reason": rejection.reason(),
        "RejectedSubmissions": 1,
    })
}

pub fn record(rejection: Rejection, now: Timestamp) {
    // Its own line on stdout, where Lambda's log agent finds EMF documents.
    println!("{}", rejection_metric(rejection, now));
}

/// Counts one submission against a window; `Err` with the seconds to wait once over.
pub async fn count<S: ActionLedger>(
    store: &S,
    window: RateWindow,
    scope: &str,
    subject: &str,
    now: Timestamp,
) -> Result<(), ApiError> {
    let slot = window.slot(scope, subject, now);
    let seen = store.bump(&slot.key, slot.expires).await?;
    if seen > window.limit {
        return Err(ApiError::TooManyRequests {
            retry_after: slot.retry_after,
        });
    }
    Ok(())
}

fn allowed_origin<'a>(origins: &[String], request: &'a Request) -> Option<&'a str> {
    let origin = request.headers().get(header::ORIGIN)?.to_str().ok()?;
    origins.iter().any(|o| o == origin).then_some(origin)
}

/// Adds CORS headers when the caller's origin is configured; other origins get none, so
/// browsers keep their pages from reading our answers.
pub fn cors(origins: &[String], request: &Request, response: &mut Response<Body>) {
    let path = request.uri().path();
    if !path.starts_with("/v1/contact") {
        return;
    }
    if let Some(origin) = allowed_origin(origins, request)
        && let Ok(v) = HeaderValue::from_str(origin)
    {
        let headers = response.headers_mut();
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, v);
        headers.insert(header::VARY, HeaderValue::from_static("origin"));
    }
}

/// The answer to a browser's preflight: allowed for configured origins only.
pub fn preflight(origins: &[String], request: &Request) -> Response<Body> {
    let mut response = Response::new(Body::Empty);
    *response.status_mut() = StatusCode::NO_CONTENT;
    if allowed_origin(origins, request).is_some() {
        let headers = response.headers_mut();
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("GET, POST"),
        );
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static("content-type"),
        );
        headers.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
    }
    response
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaptchaProvider {
    Turnstile,
    HCaptcha,
}

impl CaptchaProvider {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "turnstile" => Some(Self::Turnstile),
            "hcaptcha" => Some(Self::HCaptcha),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Turnstile => "turnstile",
            Self::HCaptcha => "hcaptcha",
        }
    }

    /// What the page's Content-Security-Policy must allow for the provider's widget.
    pub fn csp_sources(self) -> &'static str {
        match self {
            Self::Turnstile => {
                "script-src https://challenges.cloudflare.com; frame-src https://challenges.cloudflare.com"
            }
            Self::HCaptcha => {
                "script-src https://hcaptcha.com https://*.hcaptcha.com; frame-src https://hcaptcha.com \
                 https://*.hcaptcha.com; connect-src https://hcaptcha.com https://*.hcaptcha.com"
            }
        }
    }

    fn verify_url(self) -> &'static str {
        match self {
            Self::Turnstile => "https://challenges.cloudflare.com/turnstile/v0/siteverify",
            Self::HCaptcha => "https://api.hcaptcha.com/siteverify",
        }
    }

    /// The script the page loads and the element it fills in.
    pub fn widget(self) -> (&'static str, &'static str) {
        match self {
            Self::Turnstile => ("https://challenges.cloudflare.com/turnstile/v0/api.js", "cf-turnstile"),
            Self::HCaptcha => ("https://js.hcaptcha.com/1/api.js", "h-captcha"),
        }
    }

    /// The form field the widget posts its answer in.
    pub fn response_field(self) -> &'static str {
        match self {
            Self::Turnstile => "cf-turnstile-response",
            Self::HCaptcha => "h-captcha-response",
        }
    }
}

/// The optional CAPTCHA check: the provider's siteverify call with our secret.
#[derive(Debug, Clone)]
pub struct Captcha {
    pub provider: CaptchaProvider,
    pub site_key: String,
    secret: SecretString,
    verify_url: String,
    http: reqwest::Client,
}

impl Captcha {
    /// `verify_url` overrides the provider's (a test's local server).
    pub fn new(provider: CaptchaProvider, site_key: String, secret: SecretString, verify_url: Option<String>) -> Self {
        Self {
            provider,
            site_key,
            secret,
            verify_url: verify_url.unwrap_or_else(|| provider.verify_url().to_owned()),
            http: reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(5))
                .build()
                .expect("a client with a timeout"),
        }
    }

    /// Whether the provider vouches for this answer. An unreachable provider is a 503: the
    /// person may try again, and nothing was stored.
    pub async fn verify(&self, answer: Option<&str>, ip: &str) -> Result<bool, ApiError> {
        let Some(answer) = answer.filter(|a| !a.is_empty()) else {
            return Ok(false);
        };
        let mut form = vec![("secret", self.secret.expose().as_str()), ("response", answer)];
        if !ip.is_empty() {
            form.push(("remoteip", ip));
        }
        let reply = self
            .http
            .post(&self.verify_url)
            .form(&form)
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(|e| {
                tracing::warn!(error = %e, "CAPTCHA verification unreachable");
                ApiError::Unavailable
            })?;
        let body: serde_json::Value = reply.json().await.map_err(|e| {
            tracing::warn!(error = %e, "CAPTCHA verification answered nonsense");
            ApiError::Unavailable
        })?;
        Ok(body["success"] == json!(true))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejections_become_one_emf_metric_line() {
        let now = Timestamp::parse("2026-11-23T19:00:00Z").unwrap();
        let line = rejection_metric(Rejection::Honeypot, now);
        assert_eq!(line["Reason"], "honeypot");
        assert_eq!(line["RejectedSubmissions"], 1);
        let metric = &line["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(metric["Namespace"], "Lambdesk");
        assert_eq!(metric["Dimensions"], json!([["Reason"]]));
        assert_eq!(metric["Metrics"][0]["Name"], "RejectedSubmissions");
        assert_eq!(line["_aws"]["Timestamp"], now.as_datetime().timestamp_millis());
        assert!(!line.to_string().contains('\n'), "one line");
    }
}
