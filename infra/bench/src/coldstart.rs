//! Cold start per function: each function's binary, as the bench's profile builds it, started
//! under a stand-in for the Lambda Runtime API (the HTTP API a Lambda sandbox gives the
//! process), handed one sample event from `events/`, and stopped once it answers. Measured per
//! run: init (exec until the runtime asks for its first event), the first event (asked until
//! answered, against the local stack) and the peak resident memory (`VmHWM`) after it. Beside
//! them a hello-world `lambda_http` function (the `infra/hello-lambda` package) built the same way,
//! which is what the targets compare with.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use tokio::sync::mpsc;

/// The functions measured and the sample event each is handed first (under `events/`).
const FUNCTIONS: &[(&str, &str)] = &[
    ("tickets-api", "tickets-api/get-ticket-by-number.json"),
    ("contact-form", "contact-form/get-form.json"),
    ("console", CONSOLE_PAGE),
    ("inbound-email", "inbound-email/s3-put-via-sqs.json"),
    ("reactor", "reactor/ticket-event-via-sqs.json"),
    ("reactor-sweep", "reactor-sweep/scheduled.json"),
    ("sla-sweep", "reactor-sweep/scheduled.json"),
    ("csat", "csat/ticket-resolved-via-sqs.json"),
    ("csat-page", "csat-page/get-survey.json"),
    ("csat-sweep", "csat-sweep/scheduled.json"),
    ("metrics", "reports/ticket-event-via-sqs.json"),
    ("reports", "reports/scheduled.json"),
    ("retention", "retention/scheduled.json"),
];

/// The functions the cold start table covers.
pub fn function_names() -> impl Iterator<Item = &'static str> {
    FUNCTIONS.iter().map(|(name, _)| *name)
}

/// The reference: a `lambda_http` function that answers "hello".
pub const HELLO: &str = "hello-lambda";

/// Not a file: the console's page, made from an API sample with its path changed.
const CONSOLE_PAGE: &str = "(GET /console)";

/// One function's figures: medians of the runs.
pub struct ColdStart {
    pub name: &'static str,
    pub init: Duration,
    pub first_event: Duration,
    pub peak_rss_kb: u64,
    pub binary_bytes: u64,
    pub gzipped_bytes: u64,
    /// What the first event answered when it was an error (the figures still count: the
    /// process did its work, e.g. a sample naming a ticket this table does not have).
    pub error: Option<String>,
}

/// Every function and the hello-world, `runs` times each; the hello-world first.
pub async fn measure(
    binaries: &Path,
    events: &Path,
    env: &BTreeMap<String, String>,
    runs: usize,
) -> Result<Vec<ColdStart>> {
    let mut all = Vec::new();
    for (name, event) in std::iter::once(&(HELLO, "tickets-api/get-ticket-by-number.json")).chain(FUNCTIONS) {
        let binary = binaries.join(name);
        if !binary.exists() {
            // `cargo xtask bench` builds them all; a run given fewer measures those it has.
            if *name == HELLO {
                bail!("{} is not built (cargo xtask bench builds it)", binary.display());
            }
            eprintln!("    {name}: not built in {}, left out", binaries.display());
            continue;
        }
        let event = sample(events, event)?;
        let mut samples = Vec::new();
        for _ in 0..runs {
            samples.push(once(&binary, name, &event, env).await?);
        }
        let median = |f: fn(&Sample) -> u128| {
            let mut v: Vec<u128> = samples.iter().map(f).collect();
            v.sort_unstable();
            v[v.len() / 2]
        };
        let figures = ColdStart {
            name,
            init: Duration::from_micros(median(|s| s.init.as_micros()) as u64),
            first_event: Duration::from_micros(median(|s| s.first_event.as_micros()) as u64),
            peak_rss_kb: median(|s| s.peak_rss_kb as u128) as u64,
            binary_bytes: std::fs::metadata(&binary)?.len(),
            gzipped_bytes: gzipped(&binary)?,
            error: samples.iter().find_map(|s| s.error.clone()),
        };
        eprintln!(
            "    {name}: init {:.1} ms, first event {:.1} ms, peak RSS {:.1} MB",
            figures.init.as_secs_f64() * 1e3,
            figures.first_event.as_secs_f64() * 1e3,
            figures.peak_rss_kb as f64 / 1024.0
        );
        all.push(figures);
    }
    Ok(all)
}

fn sample(events: &Path, name: &str) -> Result<Vec<u8>> {
    if name == CONSOLE_PAGE {
        let mut event: serde_json::Value =
            serde_json::from_slice(&std::fs::read(events.join("tickets-api/list-tickets.json"))?)?;
        event["routeKey"] = "GET /console".into();
        event["rawPath"] = "/console".into();
        event["rawQueryString"] = "".into();
        event["requestContext"]["http"]["path"] = "/console".into();
        event["requestContext"]["http"]["method"] = "GET".into();
        return Ok(serde_json::to_vec(&event)?);
    }
    let path = events.join(name);
    std::fs::read(&path).with_context(|| format!("reading {}", path.display()))
}

fn gzipped(binary: &Path) -> Result<u64> {
    let out = std::process::Command::new("gzip")
        .args(["-c", "-9"])
        .arg(binary)
        .output()
        .context("running gzip")?;
    Ok(out.stdout.len() as u64)
}

struct Sample {
    init: Duration,
    first_event: Duration,
    peak_rss_kb: u64,
    error: Option<String>,
}

/// What the stand-in saw the function do.
enum Seen {
    Asked(Instant),
    Answered(Instant, Option<String>),
}

#[derive(Clone)]
struct RuntimeApi {
    event: Arc<Mutex<Option<Vec<u8>>>>,
    seen: mpsc::UnboundedSender<Seen>,
}

/// The Runtime API calls a function makes: the next event (the first is the sample; later ones
/// never come, as in a sandbox with no more work), its answer, or an error.
fn runtime_api(state: RuntimeApi) -> Router {
    Router::new()
        .route("/2018-06-01/runtime/invocation/next", get(next))
        .route("/2018-06-01/runtime/invocation/{id}/response", post(answered))
        .route("/2018-06-01/runtime/invocation/{id}/error", post(failed))
        .route("/2018-06-01/runtime/init/error", post(failed))
        .with_state(state)
}

async fn next(State(api): State<RuntimeApi>) -> (StatusCode, HeaderMap, Vec<u8>) {
    let _ = api.seen.send(Seen::Asked(Instant::now()));
    let event = api.event.lock().expect("event lock").take();
    let Some(event) = event else {
        std::future::pending::<()>().await;
        unreachable!()
    };
    let mut headers = HeaderMap::new();
    let deadline = (chrono::Utc::now() + chrono::Duration::seconds(30)).timestamp_millis();
    for (name, value) in [
        (
            "lambda-runtime-aws-request-id",
            "8476a536-e9f4-11e8-9739-2dfe598c3fcd".to_owned(),
        ),
        ("lambda-runtime-deadline-ms", deadline.to_string()),
        (
            "lambda-runtime-invoked-function-arn",
            "arn:aws:lambda:us-east-1:123456789012:function:bench".to_owned(),
        ),
        (
            "lambda-runtime-trace-id",
            "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700".to_owned(),
        ),
    ] {
        headers.insert(name, value.parse().expect("a header value"));
    }
    (StatusCode::OK, headers, event)
}

async fn answered(State(api): State<RuntimeApi>) -> StatusCode {
    let _ = api.seen.send(Seen::Answered(Instant::now(), None));
    StatusCode::ACCEPTED
}

async fn failed(State(api): State<RuntimeApi>, body: Bytes) -> StatusCode {
    let error = String::from_utf8_lossy(&body).chars().take(200).collect();
    let _ = api.seen.send(Seen::Answered(Instant::now(), Some(error)));
    StatusCode::ACCEPTED
}

/// One cold start of `binary` with `event` first.
async fn once(binary: &PathBuf, name: &str, event: &[u8], env: &BTreeMap<String, String>) -> Result<Sample> {
    let (seen, mut saw) = mpsc::unbounded_channel();
    let api = RuntimeApi {
        event: Arc::new(Mutex::new(Some(event.to_vec()))),
        seen,
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let server = tokio::spawn(async move { axum::serve(listener, runtime_api(api)).await });
    let started = Instant::now();
    let mut child = tokio::process::Command::new(binary)
        .env_clear()
        .envs(env)
        .env("AWS_LAMBDA_RUNTIME_API", address.to_string())
        .env("AWS_LAMBDA_FUNCTION_NAME", name)
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{name}"))
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "bench")
        .env("RUST_LOG", "error")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("starting {}", binary.display()))?;
    let pid = child.id().context("the function's pid")?;
    let wait = async {
        let mut asked = None;
        while let Some(event) = saw.recv().await {
            match event {
                Seen::Asked(at) => {
                    asked.get_or_insert(at);
                }
                Seen::Answered(at, error) => return Some((asked?, at, error)),
            }
        }
        None
    };
    let outcome = tokio::time::timeout(Duration::from_secs(60), wait).await;
    let peak_rss_kb = peak_rss_kb(pid).unwrap_or(0);
    let _ = child.kill().await;
    server.abort();
    let Ok(Some((asked, answered, error))) = outcome else {
        bail!("{name} did not answer its first event within a minute");
    };
    Ok(Sample {
        init: asked - started,
        first_event: answered - asked,
        peak_rss_kb,
        error,
    })
}

/// The process's peak resident set so far, in kB.
fn peak_rss_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}
