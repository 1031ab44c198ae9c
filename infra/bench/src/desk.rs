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

/// One operation's AWS requests (of its last run) and its warm time (median and 95th
/// percentile of the runs).
pub struct Operation {
    pub name: &'static str,
    pub counts: Counts,
    pub time: Duration,
    pub p95: Duration,
}

/// Mail → ticket end to end: mails sent over SMTP, one after the other, while the inbound
/// function takes them in batch by batch.
pub struct MailThroughput {
    pub mails: usize,
    /// Of them, replies to earlier ones (In-Reply-To): they must thread, not open tickets.
    pub replies: usize,
    pub rate: Rate,
    /// Tickets the run's mails opened (mails − replies when every reply threaded).
    pub tickets: usize,
    /// How long the one SMTP client took to send them all: the load's own pace.
    pub sent_in: Duration,
    /// The engines' limit for the same mails (`limits::mail_limit`), when measured.
    pub limit: Option<Rate>,
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
                p95: crate::stats::percentile(&times, 0.95),
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

        // The same events reached the other two consumers through the bus: the survey
        // function (a creation or a reply schedules nothing) and the metrics consumer.
        let csat = self.host.csat_poller().await?;
        self.counter.take();
        let start = Instant::now();
        let handled = drain_queue(|| self.host.deliver_csat(&csat, Duration::ZERO)).await?;
        let counts = self.counter.take();
        record(
            "csat consumer, per ticket event (no resolution: nothing scheduled)",
            per(&counts, handled),
            vec![start.elapsed() / handled.max(1) as u32],
        );
        let metrics = self.host.metrics_poller().await?;
        self.counter.take();
        let start = Instant::now();
        let handled = drain_queue(|| self.host.deliver_metrics(&metrics, Duration::ZERO)).await?;
        let counts = self.counter.take();
        record(
            "metrics consumer, per ticket event (hourly counters)",
            per(&counts, handled),
            vec![start.elapsed() / handled.max(1) as u32],
        );

        // The contact form: a submission, the reactor's event for its new ticket (rules, then
        // the acknowledgement), and an agent's reply to it (rules, the reply mail). A person
        // takes seconds to fill the form in, so fewer runs.
        let form_runs = runs.clamp(1, 5);
        let (mut submit, mut created, mut replied) = (vec![], vec![], vec![]);
        let (mut submit_counts, mut created_counts, mut replied_counts) = Default::default();
        for n in 0..form_runs {
            let (ticket, time, counts) = self.submit_form(n).await?;
            submit.push(time);
            submit_counts = counts;
            let (time, counts) = self.drain(&mut pipe, &reactor).await?;
            created.push(time);
            created_counts = counts;
            let (status, body) = self
                .post(
                    &format!("/v1/tickets/{ticket}/replies"),
                    json!({"body": format!("Hello Ana,\n\nthe statement is fixed ({n}).")}),
                )
                .await?;
            if status != 201 && status != 200 {
                bail!("reply answered {status}: {body}");
            }
            self.counter.take();
            let (time, counts) = self.drain(&mut pipe, &reactor).await?;
            replied.push(time);
            replied_counts = counts;
        }
        record(
            "contact form submission (POST /v1/contact/submissions)",
            submit_counts,
            submit,
        );
        record(
            "reactor, one ticket created by the form (rules, acknowledgement)",
            created_counts,
            created,
        );
        record("reactor, one agent reply (rules, reply mail)", replied_counts, replied);

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

    /// Moves the ticket events written so far through the pipe to the reactor until none is
    /// left; its time and the requests of the pipe and the reactor.
    async fn drain(
        &self,
        pipe: &mut devhost::pipe::StreamPipe,
        reactor: &devhost::queue::QueuePoller,
    ) -> Result<(Duration, Counts)> {
        self.counter.take();
        let start = Instant::now();
        loop {
            let moved = pipe.poll_once().await?;
            let delivered = self.host.deliver_events(reactor, Duration::ZERO).await?;
            if moved == 0 && delivered == 0 {
                break;
            }
        }
        Ok((start.elapsed(), self.counter.take()))
    }

    /// One contact form submission as a browser sends it (the form shown, a person's few
    /// seconds, the post); the new ticket's id, the post's time and requests.
    async fn submit_form(&self, n: usize) -> Result<(String, Duration, Counts)> {
        let form: Value = self
            .http
            .get(format!("{}/v1/contact/form", self.url))
            .send()
            .await?
            .json()
            .await?;
        let min_fill = Duration::from_secs(form["min_fill_seconds"].as_u64().unwrap_or(2));
        tokio::time::sleep(min_fill + Duration::from_millis(200)).await;
        let submit_url = form["submit_url"].as_str().context("submit_url")?;
        let category = form["categories"][0]["id"].clone();
        let body = json!({
            "name": "Ana Lima", "email": format!("{}@example.org", test_support::unique("form")),
            "category": category, "subject": format!("Statement {n} is wrong"),
            "message": "The statement lists a payment twice.", "website": "",
            "form_token": form["form_token"],
        });
        self.counter.take();
        let start = Instant::now();
        let response = self.http.post(submit_url).json(&body).send().await?;
        let time = start.elapsed();
        let counts = self.counter.take();
        let status = response.status().as_u16();
        let created: Value = response.json().await.unwrap_or(Value::Null);
        if status != 201 {
            bail!("the form answered {status}: {created}");
        }
        let number = created["ticket_number"].as_str().context("ticket_number")?;
        let (status, ticket) = self.get(&format!("/v1/tickets/{number}")).await?;
        if status != 200 {
            bail!("reading {number} answered {status}");
        }
        let id = ticket["id"].as_str().context("ticket id")?.to_owned();
        Ok((id, time, counts))
    }

    async fn get(&self, path: &str) -> Result<(u16, Value)> {
        let response = self
            .http
            .get(format!("{}{path}", self.url))
            .bearer_auth(&self.token)
            .send()
            .await?;
        let status = response.status().as_u16();
        Ok((status, response.json().await.unwrap_or(Value::Null)))
    }

    /// `mails` mails over SMTP, the last `replies` of them answers to the first ones, taken in by
    /// the inbound function batch by batch as they arrive; until every one is a ticket or in one.
    pub async fn mail_throughput(&self, mails: usize, replies: usize) -> Result<MailThroughput> {
        let inbound = self.host.inbound_poller().await?;
        let run = test_support::unique("load");
        let sends = crate::limits::mail_load(&run, mails, replies);
        let smtp = self.smtp;
        let start = Instant::now();
        let sender = tokio::spawn(async move {
            let mut sent = Vec::with_capacity(sends.len());
            for (from, mail) in sends {
                send_mail(smtp, &from, "support@help.example.com", &mail).await;
                sent.push(Instant::now());
            }
            sent
        });
        let mut done = Vec::with_capacity(mails);
        while done.len() < mails {
            let n = self.host.deliver_inbound(&inbound, Duration::from_secs(1)).await?;
            done.extend(std::iter::repeat_n(Instant::now(), n));
            if n == 0 && start.elapsed() > Duration::from_secs(60 + mails as u64) {
                bail!("only {} of {mails} mails were taken in", done.len());
            }
        }
        let elapsed = start.elapsed();
        let sent = sender.await?;
        // Each mail's latency: from its SMTP send to the end of the batch that took it in.
        let latencies = sent
            .iter()
            .zip(&done)
            .map(|(s, d)| d.saturating_duration_since(*s))
            .collect();
        let mut tickets = 0;
        let mut cursor: Option<String> = None;
        loop {
            let mut path = "/v1/tickets?channel=email&limit=100".to_owned();
            if let Some(c) = &cursor {
                path.push_str(&format!("&cursor={c}"));
            }
            let (status, page) = self.get(&path).await?;
            if status != 200 {
                bail!("listing tickets answered {status}: {page}");
            }
            tickets += page["items"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|t| t["subject"].as_str().is_some_and(|s| s.contains(&run)))
                .count();
            match page["next_cursor"].as_str() {
                Some(c) => {
                    cursor =
                        Some(percent_encoding::utf8_percent_encode(c, percent_encoding::NON_ALPHANUMERIC).to_string())
                }
                None => break,
            }
        }
        Ok(MailThroughput {
            mails,
            replies,
            rate: Rate::new(mails, elapsed, latencies),
            tickets,
            sent_in: sent
                .last()
                .map_or(Duration::ZERO, |last| last.saturating_duration_since(start)),
            limit: None,
        })
    }

    /// API creates by `clients` clients at once, `per_client` each.
    pub async fn create_throughput(self: &Arc<Self>, clients: usize, per_client: usize) -> Result<Rate> {
        let desk = self.clone();
        crate::stats::in_clients(clients, per_client, move |n| {
            let desk = desk.clone();
            async move { desk.create(n).await.map(drop) }
        })
        .await
    }
}

/// Hands every queued event to one consumer, a batch at a time, until the queue is empty;
/// how many it took.
async fn drain_queue<F, Fut>(mut deliver: F) -> Result<usize>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<usize>>,
{
    let mut handled = 0;
    loop {
        match deliver().await? {
            0 => return Ok(handled),
            n => handled += n,
        }
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
        read_units: counts.read_units / n as f64,
    }
}

async fn axum_serve(listener: tokio::net::TcpListener, router: axum::Router) {
    if let Err(e) = axum::serve(listener, router).await {
        eprintln!("bench host stopped: {e}");
    }
}
