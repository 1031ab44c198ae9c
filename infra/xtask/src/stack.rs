//! The local stack: DynamoDB Local for DynamoDB and its stream, moto for SES v2, SQS,
//! EventBridge and S3. Started as children of xtask and stopped with it, or reused when the
//! environment already points at running servers (e.g. a `cargo xtask stack` in another
//! terminal), so two commands can share one stack.
//!
//! What the rest of the code sees is only the environment from [`stack_env`]: the AWS SDKs
//! read `AWS_ENDPOINT_URL_*`, so production code paths run unchanged against local servers.

use std::collections::BTreeMap;
use std::fs::File;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::process::Command;

use crate::process::{self, GroupChild};
use crate::tools::{self, Tools};
use crate::workspace::{Workspace, non_empty_var};

const HOST: &str = "127.0.0.1";
/// The ports developers expect from running these servers by hand.
const DYNAMODB_CONVENTIONAL_PORT: u16 = 8000;
const MOTO_CONVENTIONAL_PORT: u16 = 5000;
/// DynamoDB Local is a JVM; on a small CI machine next to a compiling cargo it can be slow.
const START_TIMEOUT: Duration = Duration::from_secs(60);

const DYNAMODB_VAR: &str = "AWS_ENDPOINT_URL_DYNAMODB";
const DYNAMODB_STREAMS_VAR: &str = "AWS_ENDPOINT_URL_DYNAMODB_STREAMS";
/// The global override (every service without its own variable, e.g. SES v1 or STS) and the
/// services moto stands in for.
const MOTO_VARS: [&str; 6] = [
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_SQS",
    "AWS_ENDPOINT_URL_EVENTBRIDGE",
    "AWS_ENDPOINT_URL_SESV2",
    "AWS_ENDPOINT_URL_S3",
    // The agents' user pool (Cognito), which the tickets API keeps in step with agent records.
    "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER",
];
/// The variables that, when set, point at an already running moto (checked in this order).
const MOTO_REUSE_VARS: [&str; 2] = ["AWS_ENDPOINT_URL_SQS", "AWS_ENDPOINT_URL"];
/// Region and dummy credentials so the SDKs sign requests; kept when already set.
const SDK_DEFAULTS: [(&str, &str); 4] = [
    ("AWS_REGION", "us-east-1"),
    ("AWS_DEFAULT_REGION", "us-east-1"),
    ("AWS_ACCESS_KEY_ID", "test"),
    ("AWS_SECRET_ACCESS_KEY", "test"),
];

/// Which ports to start servers on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ports {
    /// 8000 and 5000 when free (stable URLs for a developer), else any free port.
    Conventional,
    /// Any free ports, so a test run never collides with a developer's running stack.
    AnyFree,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DynamoDbStorage {
    InMemory,
    /// A directory that keeps the tables between runs.
    Dir(PathBuf),
}

#[derive(Debug, Clone)]
pub struct StackOptions {
    pub ports: Ports,
    pub storage: DynamoDbStorage,
    /// Prefix for the log file names, so `dev` and `test` running at once keep separate logs.
    pub label: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Started,
    /// Found already running at the URL in this variable.
    Reused(&'static str),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub url: String,
    pub origin: Origin,
}

impl Endpoint {
    fn started(port: u16) -> Self {
        Self {
            url: format!("http://{HOST}:{port}"),
            origin: Origin::Started,
        }
    }
}

/// A running (or reused) stack. Dropping it stops what it started.
pub struct Stack {
    children: Vec<GroupChild>,
    dynamodb: Endpoint,
    moto: Endpoint,
    env: BTreeMap<&'static str, String>,
}

impl Stack {
    pub async fn start(workspace: &Workspace, tools: &Tools, options: &StackOptions) -> Result<Stack> {
        let reused_dynamodb = reusable_endpoint(&[DYNAMODB_VAR], "DynamoDB Local").await?;
        let reused_moto = reusable_endpoint(&MOTO_REUSE_VARS, "moto").await?;
        if reused_dynamodb.is_none() {
            tools::require_java()?;
        }
        let logs_dir = workspace.logs_dir();
        std::fs::create_dir_all(&logs_dir).with_context(|| format!("cannot create {}", logs_dir.display()))?;

        // Pick both ports before starting either server, holding each until its server is
        // about to bind, so the two can never be handed the same free port.
        let dynamodb_plan = Plan::new(reused_dynamodb, DYNAMODB_CONVENTIONAL_PORT, options.ports)?;
        let moto_plan = Plan::new(reused_moto, MOTO_CONVENTIONAL_PORT, options.ports)?;

        // Started servers boot in parallel; each is waited for in turn below.
        let mut launches = Vec::new();
        let dynamodb = dynamodb_plan.carry_out(
            "DynamoDB Local",
            log_path(&logs_dir, options.label, DYNAMODB_LOG),
            &mut launches,
            |port| dynamodb_local_command(workspace, tools, &options.storage, port),
        )?;
        let moto = moto_plan.carry_out(
            "moto",
            log_path(&logs_dir, options.label, MOTO_LOG),
            &mut launches,
            |port| moto_command(tools, port),
        )?;

        let mut children = Vec::new();
        for mut launch in launches {
            let ready = launch.wait_until_serving().await;
            // Keep the child even on failure, so dropping `children` stops the other server too.
            children.push(launch.child);
            ready?;
        }

        let env = stack_env(&dynamodb, &moto, non_empty_var);
        let stack = Stack {
            children,
            dynamodb,
            moto,
            env,
        };
        stack.report(&options.storage, &logs_dir, options.label);
        Ok(stack)
    }

    pub fn dynamodb(&self) -> &Endpoint {
        &self.dynamodb
    }

    pub fn moto(&self) -> &Endpoint {
        &self.moto
    }

    /// The variables child processes need to use this stack.
    pub fn env(&self) -> &BTreeMap<&'static str, String> {
        &self.env
    }

    /// Resolves with an error if a server this stack started exits; never resolves otherwise.
    pub async fn watch(&mut self) -> anyhow::Error {
        loop {
            for child in &mut self.children {
                if let Some(status) = child.exit_status() {
                    return anyhow::anyhow!("{} exited unexpectedly ({status})", child.name());
                }
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }

    fn report(&self, storage: &DynamoDbStorage, logs_dir: &Path, label: &str) {
        let storage_detail = match storage {
            DynamoDbStorage::InMemory => "in memory, ".to_owned(),
            DynamoDbStorage::Dir(dir) => format!("data in {}, ", dir.display()),
        };
        let describe = |endpoint: &Endpoint, detail: &str, log: &str| match endpoint.origin {
            Origin::Started => format!("started, {detail}log {}", log_path(logs_dir, label, log).display()),
            Origin::Reused(var) => format!("reused from {var}"),
        };
        eprintln!(
            "    DynamoDB Local {} ({})",
            self.dynamodb.url,
            describe(&self.dynamodb, &storage_detail, DYNAMODB_LOG)
        );
        if let (DynamoDbStorage::Dir(dir), Origin::Reused(var)) = (storage, &self.dynamodb.origin) {
            eprintln!(
                "    note: --data-dir {} is unused: DynamoDB Local is reused from {var}",
                dir.display()
            );
        }
        eprintln!(
            "    moto           {} ({})",
            self.moto.url,
            describe(&self.moto, "", MOTO_LOG)
        );
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        let stopped = process::stop_all(&mut self.children);
        if !stopped.is_empty() {
            eprintln!("==> stopped {}", stopped.join(" and "));
        }
    }
}

/// What to do about one server: use the one the environment names, or start one on the
/// reserved port.
enum Plan {
    Reuse(Endpoint),
    Start(TcpListener),
}

impl Plan {
    fn new(reused: Option<Endpoint>, conventional_port: u16, ports: Ports) -> Result<Self> {
        Ok(match reused {
            Some(endpoint) => Plan::Reuse(endpoint),
            None => Plan::Start(reserve_port(conventional_port, ports)?),
        })
    }

    /// Spawns the server (without waiting for it) and returns where it will answer.
    fn carry_out(
        self,
        name: &str,
        log: PathBuf,
        launches: &mut Vec<Launch>,
        command: impl FnOnce(u16) -> Command,
    ) -> Result<Endpoint> {
        match self {
            Plan::Reuse(endpoint) => Ok(endpoint),
            Plan::Start(reservation) => {
                let port = reservation.local_addr()?.port();
                let command = command(port);
                // Released only now, just before the server binds it.
                drop(reservation);
                launches.push(Launch::spawn(name, command, port, log)?);
                Ok(Endpoint::started(port))
            }
        }
    }
}

fn dynamodb_local_command(workspace: &Workspace, tools: &Tools, storage: &DynamoDbStorage, port: u16) -> Command {
    let mut command = Command::new("java");
    command
        .arg(format!(
            "-Djava.library.path={}",
            tools.dynamodb_local.native_lib_dir.display()
        ))
        .arg("-jar")
        .arg(&tools.dynamodb_local.jar)
        // One database whatever the credentials and region, as in a real account; no
        // telemetry calls from developer machines or CI.
        .args(["-sharedDb", "-disableTelemetry", "-port", &port.to_string()]);
    match storage {
        DynamoDbStorage::InMemory => command.arg("-inMemory"),
        DynamoDbStorage::Dir(dir) => command.arg("-dbPath").arg(dir),
    };
    // DynamoDB Local resolves some paths against its working directory; keep it in the
    // git-ignored state folder rather than wherever xtask was run.
    command.current_dir(workspace.state_dir());
    command
}

fn moto_command(tools: &Tools, port: u16) -> Command {
    let mut command = Command::new(tools.moto_server());
    command.args(["-H", HOST, "-p", &port.to_string()]);
    command
}

const DYNAMODB_LOG: &str = "dynamodb-local";
const MOTO_LOG: &str = "moto";

/// Logs are named per command (`dev-moto.log`, `test-moto.log`), so a `test` run next to a
/// running `dev` does not overwrite its logs.
fn log_path(logs_dir: &Path, label: &str, server: &str) -> PathBuf {
    logs_dir.join(format!("{label}-{server}.log"))
}

/// The environment that points the AWS SDKs (and CLIs) at the stack.
///
/// Variables for a server this stack started are always set: a stale value from the caller's
/// shell must not send requests elsewhere. For a reused server, values the caller already set
/// are kept and only the missing ones are filled in. Region and credentials are defaults.
pub fn stack_env(
    dynamodb: &Endpoint,
    moto: &Endpoint,
    current: impl Fn(&str) -> Option<String>,
) -> BTreeMap<&'static str, String> {
    let mut env = BTreeMap::new();
    let mut point = |vars: &[&'static str], endpoint: &Endpoint| {
        for &var in vars {
            let value = match endpoint.origin {
                Origin::Started => endpoint.url.clone(),
                Origin::Reused(_) => current(var).unwrap_or_else(|| endpoint.url.clone()),
            };
            env.insert(var, value);
        }
    };
    point(&[DYNAMODB_VAR, DYNAMODB_STREAMS_VAR], dynamodb);
    point(&MOTO_VARS, moto);
    for (var, default) in SDK_DEFAULTS {
        env.insert(var, current(var).unwrap_or_else(|| default.to_owned()));
    }
    env
}

/// The endpoint named by the first of `vars` that is set, if it answers. A set variable with
/// nothing behind it is an error rather than a silent fallback: the caller asked for that
/// server, and quietly starting another one would hide the mistake.
async fn reusable_endpoint(vars: &[&'static str], what: &str) -> Result<Option<Endpoint>> {
    let Some((var, url)) = vars.iter().find_map(|&var| non_empty_var(var).map(|url| (var, url))) else {
        return Ok(None);
    };
    let (host, port) = host_and_port(&url).with_context(|| format!("{var}={url} is not an http(s) URL"))?;
    if !answers_http(&host, port).await {
        bail!(
            "{var}={url} is set but nothing answers there; start {what} at that address or unset {var} to let xtask start one"
        );
    }
    Ok(Some(Endpoint {
        url,
        origin: Origin::Reused(var),
    }))
}

/// `http://host:port/...` → (host, port), with the scheme's default port when none is given.
fn host_and_port(url: &str) -> Option<(String, u16)> {
    let (rest, default_port) = if let Some(rest) = url.strip_prefix("http://") {
        (rest, 80)
    } else if let Some(rest) = url.strip_prefix("https://") {
        (rest, 443)
    } else {
        return None;
    };
    let authority = rest.split(['/', '?', '#']).next()?;
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) if !host.ends_with(']') || host.starts_with('[') => match port.parse() {
            Ok(port) => (host, port),
            Err(_) if host.starts_with('[') => (authority, default_port),
            Err(_) => return None,
        },
        _ => (authority, default_port),
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    (!host.is_empty()).then(|| (host.to_owned(), port))
}

/// Listening is not enough: the JVM binds its port before DynamoDB Local can serve, so wait
/// for an actual HTTP response (any status; both servers answer `GET /` with an error body).
async fn answers_http(host: &str, port: u16) -> bool {
    let probe = async {
        let mut stream = TcpStream::connect((host, port)).await.ok()?;
        let request = format!("GET / HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await.ok()?;
        let mut status_line_start = [0u8; 5];
        stream.read_exact(&mut status_line_start).await.ok()?;
        Some(&status_line_start == b"HTTP/")
    };
    tokio::time::timeout(Duration::from_secs(3), probe)
        .await
        .ok()
        .flatten()
        .unwrap_or(false)
}

/// Holds `conventional` (when wanted and free) or an OS-chosen free port.
fn reserve_port(conventional: u16, ports: Ports) -> Result<TcpListener> {
    if ports == Ports::Conventional
        // DynamoDB Local listens on every interface, so the port must be free on all of them.
        && let Ok(listener) = TcpListener::bind(("0.0.0.0", conventional))
    {
        return Ok(listener);
    }
    TcpListener::bind((HOST, 0)).context("cannot find a free local port")
}

/// Whether nothing listens on `port` (on any interface).
pub fn port_is_free(port: u16) -> bool {
    TcpListener::bind(("0.0.0.0", port)).is_ok()
}

/// A server that has been spawned but may not be serving yet.
struct Launch {
    child: GroupChild,
    port: u16,
    log: PathBuf,
}

impl Launch {
    /// Starts `command` with stdout and stderr in `log`, which startup errors quote from.
    fn spawn(name: &str, mut command: Command, port: u16, log: PathBuf) -> Result<Self> {
        let file = File::create(&log).with_context(|| format!("cannot create {}", log.display()))?;
        command.stdout(file.try_clone()?).stderr(file);
        let child = GroupChild::spawn(name, &mut command)?;
        Ok(Self { child, port, log })
    }

    async fn wait_until_serving(&mut self) -> Result<()> {
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Some(status) = self.child.exit_status() {
                bail!(
                    "{} exited during startup ({status}); last lines of {}:\n{}",
                    self.child.name(),
                    self.log.display(),
                    log_tail(&self.log, 20)
                );
            }
            if answers_http(HOST, self.port).await {
                return Ok(());
            }
            if Instant::now() >= deadline {
                bail!(
                    "{} did not answer HTTP on {HOST}:{} within {}s; last lines of {}:\n{}",
                    self.child.name(),
                    self.port,
                    START_TIMEOUT.as_secs(),
                    self.log.display(),
                    log_tail(&self.log, 20)
                );
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

fn log_tail(path: &Path, lines: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    let tail = all[all.len().saturating_sub(lines)..].join("\n");
    if tail.trim().is_empty() {
        "(empty)".to_owned()
    } else {
        tail
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn started(port: u16) -> Endpoint {
        Endpoint::started(port)
    }

    fn reused(url: &str, var: &'static str) -> Endpoint {
        Endpoint {
            url: url.to_owned(),
            origin: Origin::Reused(var),
        }
    }

    #[test]
    fn a_started_stack_sets_every_endpoint_and_sdk_defaults() {
        let env = stack_env(&started(8000), &started(5000), |_| None);
        assert_eq!(env["AWS_ENDPOINT_URL_DYNAMODB"], "http://127.0.0.1:8000");
        assert_eq!(env["AWS_ENDPOINT_URL_DYNAMODB_STREAMS"], "http://127.0.0.1:8000");
        for var in MOTO_VARS {
            assert_eq!(env[var], "http://127.0.0.1:5000", "{var}");
        }
        assert_eq!(env["AWS_REGION"], "us-east-1");
        assert_eq!(env["AWS_DEFAULT_REGION"], "us-east-1");
        assert_eq!(env["AWS_ACCESS_KEY_ID"], "test");
        assert_eq!(env["AWS_SECRET_ACCESS_KEY"], "test");
        assert_eq!(env.len(), 2 + MOTO_VARS.len() + SDK_DEFAULTS.len());
    }

    #[test]
    fn started_servers_override_stale_values_but_sdk_settings_are_kept() {
        let current = |var: &str| match var {
            "AWS_ENDPOINT_URL_S3" => Some("http://old:1".to_owned()),
            "AWS_REGION" => Some("eu-west-1".to_owned()),
            _ => None,
        };
        let env = stack_env(&started(8000), &started(5000), current);
        assert_eq!(env["AWS_ENDPOINT_URL_S3"], "http://127.0.0.1:5000");
        assert_eq!(env["AWS_REGION"], "eu-west-1");
        assert_eq!(env["AWS_DEFAULT_REGION"], "us-east-1");
    }

    #[test]
    fn a_reused_server_keeps_what_the_caller_set_and_fills_the_rest() {
        let current = |var: &str| match var {
            "AWS_ENDPOINT_URL_DYNAMODB" => Some("http://localhost:8000".to_owned()),
            "AWS_ENDPOINT_URL_DYNAMODB_STREAMS" => Some("http://localhost:8001".to_owned()),
            "AWS_ENDPOINT_URL_SQS" => Some("http://localhost:4566".to_owned()),
            _ => None,
        };
        let dynamodb = reused("http://localhost:8000", "AWS_ENDPOINT_URL_DYNAMODB");
        let moto = reused("http://localhost:4566", "AWS_ENDPOINT_URL_SQS");
        let env = stack_env(&dynamodb, &moto, current);
        assert_eq!(env["AWS_ENDPOINT_URL_DYNAMODB"], "http://localhost:8000");
        assert_eq!(env["AWS_ENDPOINT_URL_DYNAMODB_STREAMS"], "http://localhost:8001");
        assert_eq!(env["AWS_ENDPOINT_URL"], "http://localhost:4566");
        assert_eq!(env["AWS_ENDPOINT_URL_SESV2"], "http://localhost:4566");
    }

    #[test]
    fn urls_split_into_host_and_port() {
        assert_eq!(host_and_port("http://127.0.0.1:8000"), Some(("127.0.0.1".into(), 8000)));
        assert_eq!(
            host_and_port("http://localhost:4566/"),
            Some(("localhost".into(), 4566))
        );
        assert_eq!(host_and_port("http://moto"), Some(("moto".into(), 80)));
        assert_eq!(
            host_and_port("https://example.com/x"),
            Some(("example.com".into(), 443))
        );
        assert_eq!(host_and_port("http://[::1]:5000"), Some(("::1".into(), 5000)));
        assert_eq!(host_and_port("http://[::1]"), Some(("::1".into(), 80)));
        assert_eq!(host_and_port("localhost:8000"), None);
        assert_eq!(host_and_port("http://host:port"), None);
        assert_eq!(host_and_port("http://"), None);
    }

    #[test]
    fn any_free_ports_never_repeat_while_held() {
        let first = reserve_port(DYNAMODB_CONVENTIONAL_PORT, Ports::AnyFree).unwrap();
        let second = reserve_port(MOTO_CONVENTIONAL_PORT, Ports::AnyFree).unwrap();
        assert_ne!(first.local_addr().unwrap().port(), second.local_addr().unwrap().port());
    }

    #[test]
    fn a_busy_conventional_port_falls_back_to_a_free_one() {
        let busy = TcpListener::bind(("0.0.0.0", 0)).unwrap();
        let busy_port = busy.local_addr().unwrap().port();
        let reserved = reserve_port(busy_port, Ports::Conventional).unwrap();
        assert_ne!(reserved.local_addr().unwrap().port(), busy_port);
        assert!(!port_is_free(busy_port));
    }

    #[tokio::test]
    async fn only_an_http_server_counts_as_serving() {
        let http = tokio::net::TcpListener::bind((HOST, 0)).await.unwrap();
        let http_port = http.local_addr().unwrap().port();
        tokio::spawn(async move {
            let (mut socket, _) = http.accept().await.unwrap();
            let mut request = [0u8; 16];
            let _ = socket.read(&mut request).await;
            socket.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n").await.unwrap();
        });
        assert!(answers_http(HOST, http_port).await);
        let closed = TcpListener::bind((HOST, 0)).unwrap().local_addr().unwrap().port();
        assert!(!answers_http(HOST, closed).await);
    }

    #[test]
    fn the_log_tail_is_the_last_lines() {
        let path = std::env::temp_dir().join(format!("xtask-tail-{}.log", std::process::id()));
        std::fs::write(&path, "one\ntwo\nthree\n").unwrap();
        assert_eq!(log_tail(&path, 2), "two\nthree");
        std::fs::write(&path, "").unwrap();
        assert_eq!(log_tail(&path, 2), "(empty)");
        std::fs::remove_file(&path).unwrap();
    }
}
