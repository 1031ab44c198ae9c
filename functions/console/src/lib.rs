//! The agents' console: a small web app (plain ES modules, no build step) whose files are
//! embedded in this binary with `include_bytes!`, served on the agents' HTTP API at `/console`
//! (see docs/console.md for why). The app talks only to the public API (`/v1/...`); the one
//! thing this function computes is `/console/config.json`, which tells the app how to sign in.

use lambda_http::http::{HeaderValue, StatusCode, header};
use lambda_http::{Body, Request, Response};
use serde_json::json;
use shared::config::{ConfigError, Env};

/// How agents sign in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignIn {
    /// The Cognito user pool's hosted sign-in: authorization code with PKCE.
    Cognito {
        /// `https://<prefix>.auth.<region>.amazoncognito.com`
        domain: String,
        client_id: String,
    },
    /// The dev host's sign-in page, which mints dev tokens for seeded people at `url`.
    Dev { url: String },
    /// Hosted sign-in is not switched on yet (the stack's `ConsoleUrl` parameter is empty):
    /// the page says how to switch it on.
    Unconfigured,
}

/// Settings read once at cold start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub sign_in: SignIn,
    /// Where the API is, when not on the console's own origin (empty: the same origin).
    pub api_base: String,
    /// The mail bucket's origin, where the reply box `PUT`s files through signed links
    /// (empty: no uploads from the console).
    pub files_origin: String,
}

impl Config {
    /// `CONSOLE_SIGN_IN` is `cognito` (then `COGNITO_DOMAIN` and `COGNITO_CLIENT_ID`) or `dev`
    /// (then `DEV_SIGN_IN_URL`); `CONSOLE_API_BASE` and `CONSOLE_FILES_ORIGIN` are optional.
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let sign_in = match env.required("CONSOLE_SIGN_IN")?.as_str() {
            "cognito" => SignIn::Cognito {
                domain: env.required("COGNITO_DOMAIN")?.trim_end_matches('/').to_owned(),
                client_id: env.required("COGNITO_CLIENT_ID")?,
            },
            "dev" => SignIn::Dev {
                url: env.required("DEV_SIGN_IN_URL")?,
            },
            "unconfigured" => SignIn::Unconfigured,
            _ => {
                return Err(ConfigError::invalid(
                    "CONSOLE_SIGN_IN",
                    "expected cognito, dev or unconfigured",
                ));
            }
        };
        Ok(Self {
            sign_in,
            api_base: env.optional("CONSOLE_API_BASE").unwrap_or_default(),
            files_origin: env
                .optional("CONSOLE_FILES_ORIGIN")
                .unwrap_or_default()
                .trim_end_matches('/')
                .to_owned(),
        })
    }

    /// What the app reads at start (`/console/config.json`).
    pub fn client_settings(&self) -> serde_json::Value {
        let sign_in = match &self.sign_in {
            SignIn::Cognito { domain, client_id } => json!({
                "kind": "cognito",
                "authorize_url": format!("{domain}/oauth2/authorize"),
                "token_url": format!("{domain}/oauth2/token"),
                "logout_url": format!("{domain}/logout"),
                "client_id": client_id,
            }),
            SignIn::Dev { url } => json!({ "kind": "dev", "url": url }),
            SignIn::Unconfigured => json!({ "kind": "unconfigured" }),
        };
        json!({ "sign_in": sign_in, "api_base": self.api_base, "uploads": !self.files_origin.is_empty() })
    }
}

/// One embedded file of the app.
pub struct Asset {
    pub name: &'static str,
    pub content_type: &'static str,
    pub bytes: &'static [u8],
}

macro_rules! asset {
    ($name:literal, $type:literal) => {
        Asset {
            name: $name,
            content_type: $type,
            bytes: include_bytes!(concat!("../web/", $name)),
        }
    };
}

/// Every file of the app; `index.html` answers every path that is not one of the others (the
/// app routes by the URL's fragment, so deep links still land on it).
pub const ASSETS: &[Asset] = &[
    asset!("index.html", "text/html; charset=utf-8"),
    asset!("app.css", "text/css; charset=utf-8"),
    asset!("app.js", "text/javascript; charset=utf-8"),
    asset!("api.js", "text/javascript; charset=utf-8"),
    asset!("auth.js", "text/javascript; charset=utf-8"),
    asset!("dom.js", "text/javascript; charset=utf-8"),
    asset!("i18n.js", "text/javascript; charset=utf-8"),
    asset!("ticket.js", "text/javascript; charset=utf-8"),
    asset!("inbox.js", "text/javascript; charset=utf-8"),
    asset!("rules.js", "text/javascript; charset=utf-8"),
    asset!("mail.js", "text/javascript; charset=utf-8"),
    asset!("extras.js", "text/javascript; charset=utf-8"),
    asset!("manage.js", "text/javascript; charset=utf-8"),
    asset!("forms.js", "text/javascript; charset=utf-8"),
    asset!("team.js", "text/javascript; charset=utf-8"),
    asset!("sla.js", "text/javascript; charset=utf-8"),
    asset!("templates.js", "text/javascript; charset=utf-8"),
];

/// The app's own files only; the API and the sign-in provider are the only other places the
/// page may talk to, and no frame may hold it. Customer mail is shown in sandboxed `srcdoc`
/// frames, which inherit this policy and add their own, stricter one (`web/mail.js`): so
/// images may come from anywhere and inline styles apply (the console itself never inserts
/// markup, only text), while what a mail's frame loads is decided by the frame's policy.
fn security_policy(config: &Config) -> String {
    let mut connect = vec!["'self'".to_owned()];
    if !config.api_base.is_empty() {
        connect.push(config.api_base.clone());
    }
    if let SignIn::Cognito { domain, .. } = &config.sign_in {
        connect.push(domain.clone());
    }
    if !config.files_origin.is_empty() {
        connect.push(config.files_origin.clone());
    }
    format!(
        "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src * data:; \
         frame-src 'self'; connect-src {}; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        connect.join(" ")
    )
}

fn respond(
    status: StatusCode,
    content_type: &str,
    body: Vec<u8>,
    cache: &'static str,
    config: &Config,
) -> Response<Body> {
    let mut response = Response::new(Body::Binary(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(content_type) {
        headers.insert(header::CONTENT_TYPE, v);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    headers.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    headers.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    if let Ok(v) = HeaderValue::from_str(&security_policy(config)) {
        headers.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    response
}

/// Answers one request under `/console`.
pub async fn handle(config: &Config, request: Request) -> Result<Response<Body>, std::convert::Infallible> {
    Ok(answer(config, request.method().as_str(), request.uri().path()))
}

/// The response for `method path`, without I/O.
pub fn answer(config: &Config, method: &str, path: &str) -> Response<Body> {
    if method != "GET" && method != "HEAD" {
        let mut response = respond(
            StatusCode::METHOD_NOT_ALLOWED,
            "text/plain; charset=utf-8",
            b"method not allowed".to_vec(),
            "no-store",
            config,
        );
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return response;
    }
    let name = path.trim_start_matches("/console").trim_start_matches('/');
    if name == "config.json" {
        let body = config.client_settings().to_string().into_bytes();
        return respond(StatusCode::OK, "application/json", body, "no-store", config);
    }
    if let Some(asset) = ASSETS.iter().find(|a| a.name == name && a.name != "index.html") {
        // Short-lived: a deploy reaches open consoles within minutes without file hashing.
        return respond(
            StatusCode::OK,
            asset.content_type,
            asset.bytes.to_vec(),
            "max-age=300",
            config,
        );
    }
    if name.contains('.') {
        return respond(
            StatusCode::NOT_FOUND,
            "text/plain; charset=utf-8",
            b"not found".to_vec(),
            "no-store",
            config,
        );
    }
    let index = &ASSETS[0];
    respond(
        StatusCode::OK,
        index.content_type,
        index.bytes.to_vec(),
        "no-cache",
        config,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dev() -> Config {
        Config::from_env(
            &Env::default()
                .with("CONSOLE_SIGN_IN", "dev")
                .with("DEV_SIGN_IN_URL", "/dev/sign-in"),
        )
        .unwrap()
    }

    fn body(response: &Response<Body>) -> Vec<u8> {
        match response.body() {
            Body::Binary(b) => b.clone(),
            Body::Text(t) => t.clone().into_bytes(),
            _ => Vec::new(),
        }
    }

    #[test]
    fn every_app_path_gets_the_page_and_files_get_their_type() {
        let config = dev();
        for path in ["/console", "/console/", "/console/anything"] {
            let response = answer(&config, "GET", path);
            assert_eq!(response.status(), 200, "{path}");
            assert!(String::from_utf8(body(&response)).unwrap().contains("<!doctype html>"));
        }
        let js = answer(&config, "GET", "/console/app.js");
        assert_eq!(js.headers()[header::CONTENT_TYPE], "text/javascript; charset=utf-8");
        assert_eq!(answer(&config, "GET", "/console/nope.js").status(), 404);
        assert_eq!(answer(&config, "POST", "/console/").status(), 405);
    }

    #[test]
    fn the_config_names_the_sign_in() {
        let cognito = Config::from_env(
            &Env::default()
                .with("CONSOLE_SIGN_IN", "cognito")
                .with("COGNITO_DOMAIN", "https://desk.auth.eu-west-1.amazoncognito.com/")
                .with("COGNITO_CLIENT_ID", "abc"),
        )
        .unwrap();
        let settings = cognito.client_settings();
        assert_eq!(
            settings["sign_in"]["authorize_url"],
            "https://desk.auth.eu-west-1.amazoncognito.com/oauth2/authorize"
        );
        assert_eq!(settings["sign_in"]["client_id"], "abc");
        let response = answer(&cognito, "GET", "/console/config.json");
        let csp = response.headers()[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(
            csp.contains("connect-src 'self' https://desk.auth.eu-west-1.amazoncognito.com;"),
            "{csp}"
        );
        let uploads = Config::from_env(
            &Env::default()
                .with("CONSOLE_SIGN_IN", "dev")
                .with("DEV_SIGN_IN_URL", "/dev/sign-in")
                .with("CONSOLE_FILES_ORIGIN", "https://mail.s3.eu-west-1.amazonaws.com/"),
        )
        .unwrap();
        assert_eq!(uploads.client_settings()["uploads"], true);
        let response = answer(&uploads, "GET", "/console/");
        let csp = response.headers()[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(
            csp.contains("connect-src 'self' https://mail.s3.eu-west-1.amazonaws.com;"),
            "{csp}"
        );
        assert_eq!(dev().client_settings()["uploads"], false);
        assert!(Config::from_env(&Env::default().with("CONSOLE_SIGN_IN", "cognito")).is_err());
        assert!(Config::from_env(&Env::default()).is_err());
    }

    /// The budget: the whole first load at most 150 KB of JavaScript and CSS,
    /// compressed. The files are checked uncompressed, a stricter bound.
    #[test]
    fn the_whole_app_stays_within_its_size_budget() {
        let total: usize = ASSETS.iter().map(|a| a.bytes.len()).sum();
        assert!(total <= 150 * 1024, "the console's files weigh {total} bytes");
    }
}
