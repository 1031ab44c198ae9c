//! Helpers for the end-to-end tests: an in-process dev host on free ports, and a mail client.
//! What tests of single crates need from the local stack is in `test_support` (re-exported
//! here, so the end-to-end tests need one import).

use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt};

use aws_config::SdkConfig;
use dev_auth::{DevClaims, SigningKey};

use crate::clock::DevClock;
use crate::host::DevHost;
use crate::local::LocalNames;
use crate::pipe::StreamPipe;
use crate::template::Template;

pub use test_support::unique;

pub fn test_key() -> SigningKey {
    SigningKey::from_bytes(b"lambdesk-test-signing-key-0123456789")
}

/// A dev host serving HTTP and SMTP on 127.0.0.1, with its own table, bus, bucket and queues.
pub struct TestHost {
    pub url: String,
    pub smtp: std::net::SocketAddr,
    pub host: Arc<DevHost>,
    key: SigningKey,
}

impl TestHost {
    pub async fn start() -> Self {
        Self::start_with_clock(DevClock::system()).await
    }

    /// A host whose functions take "now" from `clock` (e.g. started on a Friday afternoon).
    pub async fn start_with_clock(clock: DevClock) -> Self {
        let sdk = test_support::local_sdk().await;
        let names = LocalNames::with_prefix(&unique("t"));
        let key = test_key();
        let template = Template::load_default().expect("template");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let host = Arc::new(
            DevHost::start_with_clock(sdk, template, names, key.clone(), &url, clock)
                .await
                .expect("dev host"),
        );
        let router = host.router();
        tokio::spawn(async move { axum::serve(listener, router).await });
        let smtp_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind smtp");
        let smtp = smtp_listener.local_addr().expect("address");
        tokio::spawn(host.smtp().serve(smtp_listener));
        Self { url, smtp, host, key }
    }

    pub fn sdk(&self) -> &SdkConfig {
        &self.host.sdk
    }

    pub fn bus(&self) -> &str {
        &self.host.names.bus
    }

    pub fn token(&self, role: &str, email: &str, departments: &[&str]) -> String {
        let departments: Vec<String> = departments.iter().map(|d| (*d).to_owned()).collect();
        dev_auth::sign(
            &self.key,
            &DevClaims::new(role, email, &departments, chrono::Duration::hours(1)),
        )
        .expect("sign")
    }

    /// The stream-to-bus pipe for this host's table, starting at the stream's end; tests poll
    /// it when they want events moved.
    pub async fn pipe(&self) -> StreamPipe {
        self.host.pipe().await.expect("pipe")
    }

    /// Moves ticket events through the pipe and the bus to the reactor function until nothing is
    /// left to move; returns how many events the function handled.
    pub async fn drain_events(&self, pipe: &mut StreamPipe) -> usize {
        let poller = self.host.reactor_poller().await.expect("poller");
        let mut handled = 0;
        loop {
            let moved = pipe.poll_once().await.expect("pipe");
            let delivered = self
                .host
                .deliver_events(&poller, Duration::from_millis(500))
                .await
                .expect("deliver");
            handled += delivered;
            if moved == 0 && delivered == 0 {
                return handled;
            }
        }
    }

    /// Hands the ticket events waiting in the csat queue (moved there by the pipe, e.g. during
    /// [`Self::drain_events`]) to the csat function until none is left; returns how many.
    pub async fn drain_csat(&self) -> usize {
        let poller = crate::queue::QueuePoller::new(self.sdk(), &self.host.provisioned.csat_queue_url)
            .await
            .expect("poller");
        let mut handled = 0;
        loop {
            match self
                .host
                .deliver_csat(&poller, Duration::from_millis(500))
                .await
                .expect("deliver")
            {
                0 => return handled,
                n => handled += n,
            }
        }
    }

    /// Hands the ticket events waiting in the metrics queue to the metrics consumer until none
    /// is left; returns how many.
    pub async fn drain_metrics(&self) -> usize {
        let poller = crate::queue::QueuePoller::new(self.sdk(), &self.host.provisioned.metrics_queue_url)
            .await
            .expect("poller");
        let mut handled = 0;
        loop {
            match self
                .host
                .deliver_metrics(&poller, Duration::from_millis(500))
                .await
                .expect("deliver")
            {
                0 => return handled,
                n => handled += n,
            }
        }
    }

    /// Hands queued inbound mail to the inbound-email function until the queue is empty;
    /// returns how many queue messages were handled.
    pub async fn drain_inbound(&self) -> usize {
        let poller = self.host.inbound_poller().await.expect("poller");
        let mut handled = 0;
        loop {
            match self
                .host
                .deliver_inbound(&poller, Duration::from_millis(500))
                .await
                .expect("deliver")
            {
                0 => return handled,
                n => handled += n,
            }
        }
    }
}

/// Speaks SMTP as any mail client would; returns the server's last reply.
pub async fn send_mail(server: std::net::SocketAddr, from: &str, to: &str, message: &str) -> String {
    let stream = tokio::net::TcpStream::connect(server).await.unwrap();
    let (read, mut write) = stream.into_split();
    let mut replies = tokio::io::BufReader::new(read);
    let mut reply = String::new();
    let mut expect = async |replies: &mut tokio::io::BufReader<_>, code: &str| {
        loop {
            reply.clear();
            replies.read_line(&mut reply).await.unwrap();
            assert!(reply.starts_with(code), "expected {code}, got {reply:?}");
            if reply.as_bytes().get(3) != Some(&b'-') {
                return reply.clone();
            }
        }
    };
    expect(&mut replies, "220").await;
    for (command, code) in [
        ("EHLO client.example.cz".to_owned(), "250"),
        (format!("MAIL FROM:<{from}>"), "250"),
        (format!("RCPT TO:<{to}>"), "250"),
        ("DATA".to_owned(), "354"),
    ] {
        write.write_all(format!("{command}\r\n").as_bytes()).await.unwrap();
        expect(&mut replies, code).await;
    }
    let body = message.replace('\n', "\r\n").replace("\r\n.", "\r\n..");
    write.write_all(format!("{body}\r\n.\r\n").as_bytes()).await.unwrap();
    let queued = expect(&mut replies, "250").await;
    write.write_all(b"QUIT\r\n").await.unwrap();
    expect(&mut replies, "221").await;
    queued
}
