//! Webhooks: a JSON POST to a team's URL, signed so the receiver knows it is from us, tried a
//! few times with growing pauses.
//!
//! The signature is `X-Lambdesk-Signature: sha256=<hex>`, the HMAC-SHA256 under the rule's
//! secret of `<X-Lambdesk-Timestamp>.<body>`: a receiver recomputes it, compares in constant
//! time, and refuses old timestamps so a captured request cannot be replayed.
//! `X-Lambdesk-Delivery` is the same on every retry of one delivery, for deduplication.

use std::time::Duration;

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// What became of a delivery after its last attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookFailure {
    pub attempts: usize,
    /// The last answer: an HTTP status, or what went wrong before one came.
    pub last: String,
}

#[derive(Clone, Debug)]
pub struct HttpWebhooks {
    http: reqwest::Client,
    /// The pause before each retry; its length is the number of retries.
    backoff: Vec<Duration>,
}

impl Default for HttpWebhooks {
    fn default() -> Self {
        Self::new(vec![Duration::from_millis(500), Duration::from_secs(2)])
    }
}

impl HttpWebhooks {
    pub fn new(backoff: Vec<Duration>) -> Self {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("a client with a timeout builds");
        Self { http, backoff }
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
        let signature = sign(secret, timestamp, body);
        let mut last = String::new();
        let attempts = self.backoff.len() + 1;
        for attempt in 0..attempts {
            if attempt > 0 {
                tokio::time::sleep(self.backoff[attempt - 1]).await;
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
                Err(e) if e.is_timeout() => last = "no answer within 5 s".into(),
                Err(e) => last = format!("could not connect ({})", e.without_url()),
            }
        }
        Err(WebhookFailure { attempts, last })
    }
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
