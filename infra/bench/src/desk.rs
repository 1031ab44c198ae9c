//! The help desk's operations on an in-process dev host (the same code as `cargo xtask dev`,
//! built in the bench's profile): the AWS requests each one makes, how long each takes, and
//! how many API creates per second the host serves to 1, 2 and 8 clients.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use aws_config::SdkConfig;
use devhost::host::DevHost;
use devhost::local::LocalNames;
use devhost::template::Template;
use devhost::testing::{send_mail, test_key};
use serde_json::{Value, json};

use crate::counting::{Counter, Counts};
use crate::stats::Rate;

pub struct Desk {
    pub host: Arc<DevHost>,
    pub url: String,
    smtp: std::net::SocketAddr,
    http: reqwest::Client,
    token: String,
    counter: Counter,
}

/// One operation's AWS requests and its time (median of the runs).
pub struct Operation {
    pub name: &'static str,
    pub counts: Counts,
    pub time: Duration,
}

impl Desk {
    pub async fn start(sdk: SdkConfig, counter: Counter) -> Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        let names = LocalNames::with_prefix(&test_support::unique("bench"));
        let host = Arc::new(DevHost::start(sdk, Template::load_default()?, names, test_key(), &url).await?);
        tokio::spawn(axum_serve(listener, host.router()));
        let smtp_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let smtp = smtp_listener.local_addr()?;
        tokio::spawn(host.smtp().serve(smtp_listener));
        let claims = dev_auth::DevClaims::new("admin", "bench@help.example.com", &[], chrono::Duration::hours(4));
        let token = dev_auth::sign(&test_key(), &claims)?;
        let desk = Self {
            host,
            url,
            smtp,
            http: reqwest::Client::new(),
            token,
            counter,
        };
        let status = desk
            .post("/v1/departments", json!({"id": "support", "name": "Support"}))
            .await?
            .0;
        if status != 201 {
            bail!("creating the department answered {status}");
        }
        Ok(desk)
    }

    async fn post(&self, path: &str, body: Value) -> Result<(u16, Value)> {
        let response = self
            .http
            .post(format!("{}{path}", self.url))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await?;
        let status = response.status().as_u16();
        Ok((status, response.json().await.unwrap_or(Value::Null)))
    }

    async fn create(&self, n: usize) -> Result<Value> {
        let (status, ticket) = self
            .post(
                "/v1/tickets",
                json!({
                    "subject": format!("Printer {n} on fire"),
                    "body": "It is on fire again. The toner smells of smoke and the tray is stuck.",
                    "requester": {"email": format!("customer{}@example.cz", n % 50), "name": "Jana"},
                    "department": "support"
                }),
            )
            .await?;
        if status != 201 {
            bail!("create answered {status}: {ticket}");
        }
        Ok(ticket)
    }

    /// Each operation `runs` times: its requests (of the last run) and its median time.
    pub async fn operations(&self, runs: usize) -> Result<Vec<Operation>> {
        let mut operations = Vec::new();
        let mut pipe = self.host.pipe().await?;
        let reactor = self.host.reactor_poller().await?;
        let inbound = self.host.inbound_poller().await?;
        let mut record = |name, counts, mut times: Vec<Duration>| {
            times.sort();
            operations.push(Operation {
                name,
                counts,
                time: crate::stats::percentile(&times, 0.5),
            })
        };

        let (mut times, mut counts, mut last) = (vec![], Counts::default(), Value::Null);
        for n in 0..runs {
            self.counter.take();
            let start = Instant::now();
            last = self.create(n).await?;
            times.push(start.elapsed());
            counts = self.counter.take();
        }
        record("API create (POST /v1/tickets)", counts, times);

        let id = last["id"].as_str().context("ticket id")?.to_owned();
        let (mut times, mut counts) = (vec![], Counts::default());
        for n in 0..runs {
            self.counter.take();
            let start = Instant::now();
            let (status, body) = self
                .post(
                    &format!("/v1/tickets/{id}/replies"),
                    json!({"body": format!("Hello Jana,\n\nthe printer has been replaced ({n}).")}),
                )
                .await?;
            if status != 201 && status != 200 {
                bail!("reply answered {status}: {body}");
            }
            times.push(start.elapsed());
            counts = self.counter.take();
        }
        record("agent reply (POST /v1/tickets/{id}/replies)", counts, times);

        // The events of all of the above, through the pipe to the reactor, one batch at a time.
        self.counter.take();
        let start = Instant::now();
        let mut handled = 0;
        loop {
            let moved = pipe.poll_once().await?;
            let delivered = self.host.deliver_events(&reactor, Duration::ZERO).await?;
            handled += delivered;
            if moved == 0 && delivered == 0 {
                break;
            }
        }
        let counts = self.counter.take();
        record(
            "reactor, per ticket event (default rules; acknowledgement and reply mail)",
            per(&counts, handled),
            vec![start.elapsed() / handled.max(1) as u32],
        );

        let (mut times, mut counts) = (vec![], Counts::default());
        for n in 0..runs {
            self.counter.take();
            let start = Instant::now();
            let mail = format!(
                "From: Petr <petr{n}@client.example.cz>\nTo: support@help.example.com\nSubject: Invoice {n}\n\
                 Message-ID: <bench-{n}-{}@client.example.cz>\n\nWhere is my invoice {n}?\n",
                test_support::unique("m")
            );
            send_mail(
                self.smtp,
                &format!("petr{n}@client.example.cz"),
                "support@help.example.com",
                &mail,
            )
            .await;
            let mut delivered = 0;
            while delivered == 0 {
                delivered = self.host.deliver_inbound(&inbound, Duration::from_secs(1)).await?;
            }
            times.push(start.elapsed());
            counts = self.counter.take();
        }
        record(
            "mail → ticket (SMTP store, S3 notification, inbound-email)",
            counts,
            times,
        );

        let (mut times, mut counts) = (vec![], Counts::default());
        for _ in 0..runs {
            self.counter.take();
            let start = Instant::now();
            self.host
                .sweep(self.host.scheduled_event())
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            times.push(start.elapsed());
            counts = self.counter.take();
        }
        record("time sweep run, nothing due", counts, times);
        Ok(operations)
    }

    /// API creates by `clients` clients at once, `per_client` each.
    pub async fn create_throughput(self: &Arc<Self>, clients: usize, per_client: usize) -> Result<Rate> {
        let start = Instant::now();
        let mut tasks = Vec::new();
        for c in 0..clients {
            let desk = self.clone();
            tasks.push(tokio::spawn(async move {
                let mut latencies = Vec::with_capacity(per_client);
                for i in 0..per_client {
                    let one = Instant::now();
                    desk.create(c * per_client + i).await?;
                    latencies.push(one.elapsed());
                }
                Ok::<_, anyhow::Error>(latencies)
            }));
        }
        let mut latencies = Vec::new();
        for task in tasks {
            latencies.extend(task.await??);
        }
        Ok(Rate::new(clients * per_client, start.elapsed(), latencies))
    }
}

/// Counts divided by `n` events (rounded up per operation).
fn per(counts: &Counts, n: usize) -> Counts {
    let n = n.max(1) as u64;
    Counts {
        requests: counts
            .requests
            .iter()
            .map(|(k, v)| (k.clone(), v.div_ceil(n)))
            .collect(),
        write_units: counts.write_units / n as f64,
    }
}

async fn axum_serve(listener: tokio::net::TcpListener, router: axum::Router) {
    if let Err(e) = axum::serve(listener, router).await {
        eprintln!("bench host stopped: {e}");
    }
}
