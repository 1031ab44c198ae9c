//! The public side of the desk, with no authorizer in front: the hosted contact form and its
//! embeddable widget, attachment uploads, submissions (JSON from the widget, urlencoded or
//! multipart from the form without JavaScript), and the customer's ticket page behind a
//! signed link. Every route here is reachable by anyone, so every input is distrusted.

mod copy;
mod defences;
mod pages;
mod portal;
mod submission;
mod submit;

use lambda_http::http::{HeaderValue, Method, StatusCode, header};
use lambda_http::{Body, Request, RequestExt, Response};
use shared::adapters::dynamodb::DynamoStore;
use shared::adapters::s3::S3Blobs;
use shared::adapters::secrets::{CAPTCHA_SECRET_ARN, DeskSecrets};
use shared::config::{Env, SecretString};
use shared::domain::contact_form::{FormCategories, RateWindow, negotiate_language};
use shared::domain::files::FORM_UPLOADS;
use shared::domain::signing::LinkSigner;
use shared::domain::{Clock, SystemClock};
use shared::http::ApiError;
use shared::ports::{ActionLedger, ContactStore, TeamStore, TicketStore};
use shared::usecases::files::ReplyFiles;
use shared::usecases::portal::CustomerDesk;
use tracing::Instrument;

pub use defences::{Captcha, CaptchaProvider};

/// Settings read once at cold start.
#[derive(Debug, Clone)]
pub struct Config {
    pub table_name: String,
    /// The mail bucket: form uploads wait under `form-uploads/`, attachments stay under
    /// `attachments/`.
    pub mail_bucket: String,
    pub s3_force_path_style: bool,
    /// Signs form tokens and portal links (the link key from Secrets Manager).
    pub signer: LinkSigner,
    /// Where this API is reached from outside, e.g. `https://abc.execute-api.eu-west-1.amazonaws.com`.
    pub public_base_url: String,
    pub categories: FormCategories,
    /// Sites allowed to embed the widget (CORS); the hosted page needs none.
    pub origins: Vec<String>,
    pub per_ip: RateWindow,
    pub per_email: RateWindow,
    /// A form sent sooner than this after it was shown was not filled in by a person.
    pub min_fill_seconds: i64,
    pub captcha: Option<Captcha>,
    /// With CloudFront and WAF in front (`ContactEdgeRateLimit`): the secret CloudFront sends
    /// in [`EDGE_HEADER`]. Requests without it are refused, and the viewer's address counts.
    pub edge_secret: Option<SecretString>,
}

pub use shared::config::ConfigError;

impl Config {
    /// `env`'s settings with the secrets [`shared::adapters::secrets::load`] read.
    pub fn from_env(env: &Env, secrets: DeskSecrets) -> Result<Self, ConfigError> {
        let window = env.number_or("CONTACT_LIMIT_WINDOW_SECONDS", 3600)?;
        let provider = env
            .parsed("CAPTCHA_PROVIDER", |provider| match provider {
                "none" => Ok(None),
                other => CaptchaProvider::parse(other)
                    .map(Some)
                    .ok_or("expected none, turnstile or hcaptcha"),
            })?
            .flatten();
        let captcha = match provider {
            None => None,
            Some(provider) => Some(Captcha::new(
                provider,
                env.required("CAPTCHA_SITE_KEY")?,
                secrets.captcha.ok_or(ConfigError::Missing(CAPTCHA_SECRET_ARN))?,
                env.optional("CAPTCHA_VERIFY_URL"),
            )),
        };
        Ok(Self {
            table_name: env.required("TABLE_NAME")?,
            mail_bucket: env.required("MAIL_BUCKET")?,
            s3_force_path_style: env.flag("S3_FORCE_PATH_STYLE")?,
            signer: secrets.signer,
            public_base_url: env.required("PUBLIC_BASE_URL")?.trim_end_matches('/').to_owned(),
            categories: env
                .parsed("CONTACT_CATEGORIES", FormCategories::parse)?
                .map_or_else(|| FormCategories::parse("general=support"), Ok)
                .map_err(|e| ConfigError::invalid("CONTACT_CATEGORIES", e))?,
            origins: env
                .optional("CONTACT_ORIGINS")
                .unwrap_or_default()
                .split(',')
                .map(|o| o.trim().trim_end_matches('/').to_owned())
                .filter(|o| !o.is_empty())
                .collect(),
            per_ip: RateWindow {
                limit: env.number_or("CONTACT_LIMIT_PER_IP", 5)?,
                seconds: window,
            },
            per_email: RateWindow {
                limit: env.number_or("CONTACT_LIMIT_PER_EMAIL", 3)?,
                seconds: window,
            },
            min_fill_seconds: env.number_or("CONTACT_MIN_FILL_SECONDS", 3)?,
            captcha,
            edge_secret: secrets.edge,
        })
    }
}

/// What a warm invocation reuses: built once per container.
pub struct Deps<S, C> {
    pub customers: CustomerDesk<S, C>,
    pub files: ReplyFiles<S3Blobs, SystemClock>,
    pub signer: LinkSigner,
    pub clock: C,
    pub config: Config,
}

impl Deps<DynamoStore, SystemClock> {
    pub fn new(config: Config, sdk: &aws_config::SdkConfig) -> Result<Self, ConfigError> {
        Self::with_clock(config, sdk, SystemClock)
    }
}

impl<C: Clock + Clone> Deps<DynamoStore, C> {
    /// With "now" from `clock` (the dev host's, which can start at any instant).
    pub fn with_clock(config: Config, sdk: &aws_config::SdkConfig, clock: C) -> Result<Self, ConfigError> {
        let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(sdk), &config.table_name);
        let blobs =
            S3Blobs::new(S3Blobs::client(sdk, config.s3_force_path_style)).with_credentials(sdk.credentials_provider());
        Self::with(store, blobs, clock, config)
    }
}

impl<S, C> Deps<S, C>
where
    S: TicketStore + ContactStore + TeamStore,
    C: Clock + Clone,
{
    pub fn with(store: S, blobs: S3Blobs, clock: C, config: Config) -> Result<Self, ConfigError> {
        let signer = config.signer.clone();
        Ok(Self {
            customers: CustomerDesk::new(store, clock.clone()),
            files: ReplyFiles::new(blobs, SystemClock, &config.mail_bucket).in_area(FORM_UPLOADS),
            signer,
            clock,
            config,
        })
    }
}

pub type Reply = Result<Response<Body>, ApiError>;

/// The language of the page: `?lang=` when given, else the browser's `Accept-Language`.
fn language(request: &Request) -> &'static str {
    let chosen = request
        .query_string_parameters_ref()
        .and_then(|q| q.first("lang").map(str::to_owned));
    match chosen {
        Some(lang) => negotiate_language(Some(&lang)),
        None => negotiate_language(
            request
                .headers()
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok()),
        ),
    }
}

/// The caller's address as API Gateway saw it (never a header a client could set).
/// The header CloudFront adds to every request it forwards when the contact API is behind it
/// (`ContactEdgeRateLimit`): its value is a secret only CloudFront and this function know.
pub const EDGE_HEADER: &str = "x-lambdesk-edge";

/// Whether the request may be served: always without an edge; behind one, only when it came
/// through it (else anyone could skip WAF by calling the `execute-api` URL).
fn through_edge(config: &Config, request: &Request) -> bool {
    let Some(secret) = &config.edge_secret else {
        return true;
    };
    let sent = request
        .headers()
        .get(EDGE_HEADER)
        .map(HeaderValue::as_bytes)
        .unwrap_or_default();
    let expected = secret.expose().as_bytes();
    // Constant time over the expected length: the answer's timing says nothing about a guess.
    sent.len() == expected.len() && sent.iter().zip(expected).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

/// The client's IP address, as the rate limits count it. Behind CloudFront the connection
/// comes from CloudFront, so the viewer's address is the one CloudFront reports
/// (`CloudFront-Viewer-Address: <ip>:<port>`), trusted because [`through_edge`] held.
fn source_ip(config: &Config, request: &Request) -> String {
    if config.edge_secret.is_some() {
        return request
            .headers()
            .get("cloudfront-viewer-address")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit_once(':'))
            .map(|(ip, _port)| ip.to_owned())
            .unwrap_or_default();
    }
    match request.request_context_ref() {
        Some(lambda_http::request::RequestContext::ApiGatewayV2(context)) => {
            context.http.source_ip.clone().unwrap_or_default()
        }
        _ => String::new(),
    }
}

/// Answers one public request. Errors become responses here (JSON or a page, as the caller
/// asked), never a stack trace.
pub async fn handle<S, C>(deps: &Deps<S, C>, request: Request) -> Result<Response<Body>, std::convert::Infallible>
where
    S: TicketStore + ContactStore + TeamStore + ActionLedger,
    C: Clock + Clone,
{
    let span = tracing::info_span!(
        "request",
        method = %request.method(),
        route = %route_name(request.uri().path()),
        status = tracing::field::Empty
    );
    async move {
        let mut response = if through_edge(&deps.config, &request) {
            route(deps, &request).await.unwrap_or_else(ApiError::into_response)
        } else {
            ApiError::Forbidden("requests come through the site's address".into()).into_response()
        };
        defences::cors(&deps.config.origins, &request, &mut response);
        let headers = response.headers_mut();
        headers.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
        headers.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
        tracing::Span::current().record("status", response.status().as_u16());
        tracing::info!("handled");
        Ok(response)
    }
    .instrument(span)
    .await
}

/// The route without the portal token, which is a credential and stays out of logs.
fn route_name(path: &str) -> &str {
    if path.starts_with("/portal/") {
        "/portal/{token}"
    } else {
        path
    }
}

async fn route<S, C>(deps: &Deps<S, C>, request: &Request) -> Reply
where
    S: TicketStore + ContactStore + TeamStore + ActionLedger,
    C: Clock + Clone,
{
    let path = request.uri().path().to_owned();
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let method = request.method().clone();
    let allowed: &[Method] = match segments.as_slice() {
        ["contact"] if method == Method::GET => return Ok(submit::form_page(deps, request)),
        ["contact", "widget.js"] if method == Method::GET => return Ok(pages::widget(&deps.config.public_base_url)),
        ["v1", "contact", "form"] if method == Method::GET => return Ok(submit::form_json(deps, request)),
        ["v1", "contact", "uploads"] if method == Method::POST => return submit::start_upload(deps, request).await,
        ["v1", "contact"] if method == Method::POST => return submit::submit(deps, request).await,
        ["v1", "contact"] | ["v1", "contact", "form" | "uploads"] if method == Method::OPTIONS => {
            return Ok(defences::preflight(&deps.config.origins, request));
        }
        ["portal", token] if method == Method::GET => return Ok(portal::page(deps, request, token, None).await),
        ["portal", token, "reply"] if method == Method::POST => return Ok(portal::reply(deps, request, token).await),
        ["portal", token, "close"] if method == Method::POST => return Ok(portal::close(deps, request, token).await),
        ["contact"] | ["contact", "widget.js"] | ["v1", "contact", "form"] | ["portal", _] => &[Method::GET],
        ["v1", "contact"] | ["v1", "contact", "uploads"] | ["portal", _, "reply" | "close"] => &[Method::POST],
        _ => return Err(ApiError::NotFound("no such page".into())),
    };
    let mut response = ApiError::MethodNotAllowed {
        method: method.to_string(),
    }
    .into_response();
    let allow = allowed.iter().map(Method::as_str).collect::<Vec<_>>().join(", ");
    if let Ok(v) = HeaderValue::from_str(&allow) {
        response.headers_mut().insert(header::ALLOW, v);
    }
    Ok(response)
}

/// The request's body as sent (API Gateway's base64 already undone).
fn body_bytes(request: &Request) -> &[u8] {
    match request.body() {
        Body::Text(t) => t.as_bytes(),
        Body::Binary(b) => b,
        _ => b"",
    }
}

/// An HTML page.
fn html(status: StatusCode, body: String) -> Response<Body> {
    let mut response = Response::new(Body::Text(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert("content-security-policy", HeaderValue::from_static(PAGE_POLICY));
    response
}

/// Pages carry no script of ours; a configured CAPTCHA's widget is the one exception, allowed
/// by [`with_captcha_policy`].
const PAGE_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; \
                           form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The page's policy widened for the CAPTCHA provider's script and frame.
fn with_captcha_policy(mut response: Response<Body>, captcha: Option<&Captcha>) -> Response<Body> {
    if let Some(captcha) = captcha
        && let Ok(v) = HeaderValue::from_str(&format!("{PAGE_POLICY}; {}", captcha.provider.csp_sources()))
    {
        response.headers_mut().insert("content-security-policy", v);
    }
    response
}

/// A `303 See Other` after a form post, so a reload does not post again.
fn see_other(location: &str) -> Response<Body> {
    let mut response = Response::new(Body::Empty);
    *response.status_mut() = StatusCode::SEE_OTHER;
    if let Ok(v) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, v);
    }
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
