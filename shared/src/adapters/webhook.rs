//! Webhooks: a JSON POST to a team's URL, signed so the receiver knows it is from us, each
//! attempt bounded by one total timeout (connect, send, answer).
//!
//! The signature is `X-Lambdesk-Signature: sha256=<hex>`, the HMAC-SHA256 under the rule's
//! secret of `<X-Lambdesk-Timestamp>.<body>`: a receiver recomputes it, compares in constant
//! time, and refuses old timestamps so a captured request cannot be replayed.
//! `X-Lambdesk-Delivery` is the same on every retry of one delivery, for deduplication.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hmac::{Hmac, Mac};
use sha2::Sha256;

pub use crate::domain::rules::WebhookTargets;

pub use crate::ports::WebhookFailure;

/// How webhooks are sent.
#[derive(Clone, Debug)]
pub struct WebhookSettings {
    /// The whole of one attempt: connecting, sending, and the answer's head.
    pub timeout: Duration,
    /// The pause before each retry within one delivery; its length is the number of retries.
    pub backoff: Vec<Duration>,
    /// Which addresses may be called (checked on the URL and again on every resolved address).
    pub targets: WebhookTargets,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(5),
            // Retries come from the queue: a failed call fails its event, which SQS delivers
            // again later, and only that call is repeated (see `usecases/reactor/rule_effects.rs`).
            backoff: vec![],
            targets: WebhookTargets::default(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct HttpWebhooks {
    http: reqwest::Client,
    settings: WebhookSettings,
}

impl Default for HttpWebhooks {
    fn default() -> Self {
        Self::new(WebhookSettings::default())
    }
}

impl HttpWebhooks {
    pub fn new(settings: WebhookSettings) -> Self {
        let http = reqwest::Client::builder()
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout)
            // A redirect could lead anywhere, past the checks below.
            .redirect(reqwest::redirect::Policy::none())
            // A proxy would resolve the name itself, past the checks below.
            .no_proxy()
            .dns_resolver(Arc::new(GuardedResolver {
                targets: settings.targets,
            }))
            .build()
            .expect("a client with a timeout builds");
        Self { http, settings }
    }

    /// POSTs `body` to `url`; 2xx is success, anything else is retried.
    pub async fn deliver(
        &self,
        url: &str,
        secret: &str,
        delivery: &str,
        timestamp: i64,
        body: &[u8],
    ) -> Result<u16, WebhookFailure> {
        // IP literals never reach the resolver: they are checked here.
        if let Err(reason) = self.settings.targets.check_url(url) {
            return Err(WebhookFailure {
                attempts: 0,
                last: format!("refused: the URL {reason}"),
                refused: true,
            });
        }
        let signature = sign(secret, timestamp, body);
        let mut last = String::new();
        let attempts = self.settings.backoff.len() + 1;
        for attempt in 0..attempts {
            if attempt > 0 {
                tokio::time::sleep(self.settings.backoff[attempt - 1]).await;
            }
            let result = self
                .http
                .post(url)
                .header("content-type", "application/json")
                .header("user-agent", "Lambdesk-Webhook/1")
                .header("x-lambdesk-delivery", delivery)
                .header("x-lambdesk-timestamp", timestamp.to_string())
                .header("x-lambdesk-signature", format!("sha256={signature}"))
                .body(body.to_vec())
                .send()
                .await;
            match result {
                Ok(response) if response.status().is_success() => return Ok(response.status().as_u16()),
                Ok(response) => last = format!("HTTP {}", response.status().as_u16()),
                Err(e) if refused_by_resolver(&e) => {
                    return Err(WebhookFailure {
                        attempts: attempt + 1,
                        last: "refused: the host resolves to an address webhooks may not reach".into(),
                        refused: true,
                    });
                }
                Err(e) if e.is_timeout() => last = format!("no answer within {} ms", self.settings.timeout.as_millis()),
                Err(e) => last = format!("could not connect ({})", e.without_url()),
            }
        }
        Err(WebhookFailure {
            attempts,
            last,
            refused: false,
        })
    }
}

/// Resolves a webhook's host and hands the connector only addresses that passed the check,
/// so the address connected to is the address checked (a second lookup could be answered
/// differently: DNS rebinding). One forbidden address refuses the name.
#[derive(Debug)]
struct GuardedResolver {
    targets: WebhookTargets,
}

#[derive(Debug, thiserror::Error)]
#[error("{0} resolves to an address webhooks may not reach")]
struct RefusedTarget(String);

impl crate::ports::WebhookSender for HttpWebhooks {
    async fn deliver(
        &self,
        url: &str,
        secret: &str,
        delivery: &str,
        timestamp: i64,
        body: &[u8],
    ) -> Result<u16, WebhookFailure> {
        HttpWebhooks::deliver(self, url, secret, delivery, timestamp, body).await
    }
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let targets = self.targets;
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            if addrs.is_empty() || addrs.iter().any(|a| !targets.allows(a.ip())) {
                return Err(Box::new(RefusedTarget(host)) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

fn refused_by_resolver(error: &reqwest::Error) -> bool {
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        if cause.is::<RefusedTarget>() {
            return true;
        }
        source = cause.source();
    }
    false
}

/// The hex HMAC-SHA256 of `<timestamp>.<body>` under `secret`.
pub fn sign(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::dns::Resolve;
    use std::str::FromStr;

    #[tokio::test]
    async fn names_are_resolved_and_refused_when_any_address_is_not_public() {
        let strict = GuardedResolver {
            targets: WebhookTargets::default(),
        };
        let name = || reqwest::dns::Name::from_str("localhost").unwrap();
        let refused = strict.resolve(name()).await.err().expect("localhost is loopback");
        assert!(refused.is::<RefusedTarget>(), "{refused}");
        let dev = GuardedResolver {
            targets: WebhookTargets {
                allow_loopback_http: true,
            },
        };
        let addrs: Vec<SocketAddr> = dev.resolve(name()).await.unwrap().collect();
        assert!(!addrs.is_empty() && addrs.iter().all(|a| a.ip().is_loopback()));
    }

    #[tokio::test]
    async fn the_client_connects_only_through_the_guarded_resolver() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        // Past the URL check (as a name that only resolves to loopback would be): the
        // client's own resolver refuses it, and the refusal is told apart from a failure.
        let strict = HttpWebhooks::default();
        let error = strict
            .http
            .post(format!("http://localhost:{port}/hook"))
            .send()
            .await
            .unwrap_err();
        assert!(refused_by_resolver(&error), "{error:?}");
        let dev = HttpWebhooks::new(WebhookSettings {
            targets: WebhookTargets {
                allow_loopback_http: true,
            },
            ..Default::default()
        });
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(|| async { axum::http::StatusCode::NO_CONTENT }),
        );
        tokio::spawn(async move { axum::serve(listener, app).await });
        let answer = dev
            .http
            .post(format!("http://localhost:{port}/hook"))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status().as_u16(), 204);
    }

    #[tokio::test]
    async fn a_loopback_target_is_refused_at_send_without_a_request() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let strict = HttpWebhooks::default();
        for url in [
            format!("https://127.0.0.1:{port}/hook"),
            format!("http://127.0.0.1:{port}/hook"),
            format!("https://[::ffff:127.0.0.1]:{port}/hook"),
        ] {
            let failure = strict
                .deliver(&url, "0123456789abcdef", "d", 1, b"{}")
                .await
                .unwrap_err();
            // Refused before any connection was tried.
            assert!(failure.refused && failure.attempts == 0, "{url}: {failure:?}");
        }
    }

    #[test]
    fn signatures_depend_on_secret_time_and_body() {
        let a = sign("0123456789abcdef", 1_700_000_000, b"{}");
        assert_eq!(a.len(), 64);
        assert_ne!(a, sign("0123456789abcdeX", 1_700_000_000, b"{}"));
        assert_ne!(a, sign("0123456789abcdef", 1_700_000_001, b"{}"));
        assert_ne!(a, sign("0123456789abcdef", 1_700_000_000, b"{ }"));
        // RFC 4231 test case 2 shape: a known HMAC-SHA256 of a known message.
        let mut mac = Hmac::<Sha256>::new_from_slice(b"Jefe").unwrap();
        mac.update(b"what do ya want for nothing?");
        assert_eq!(
            hex::encode(mac.finalize().into_bytes()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
