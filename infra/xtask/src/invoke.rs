//! `cargo xtask invoke <function> --at <time>`: runs a scheduled function on the running dev
//! host (`cargo xtask dev`) as its schedule would at that moment, e.g.
//! `cargo xtask invoke reactor-sweep --at 2026-11-23T09:00:00Z`. Time is an input of scheduled
//! functions, so time rules can be tried without waiting (or changing the machine's clock).

use anyhow::{Context, Result, bail};
use chrono::{DateTime, Utc};
use clap::Args;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[derive(Debug, Args)]
pub struct InvokeArgs {
    /// The scheduled function (`reactor-sweep`, `csat-sweep`).
    function: String,

    /// The moment the run stands for (RFC 3339), the schedule's `time`.
    #[arg(long, value_name = "RFC3339", value_parser = parse_time)]
    at: DateTime<Utc>,

    /// The dev host's HTTP port (as given to `cargo xtask dev`).
    #[arg(long, default_value_t = 3000)]
    port: u16,
}

fn parse_time(text: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| format!("not an RFC 3339 time ({e}), e.g. 2026-11-23T09:00:00Z"))
}

pub async fn run(args: &InvokeArgs) -> Result<()> {
    let body = serde_json::json!({ "time": args.at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true) }).to_string();
    let request = format!(
        "POST /_dev/invoke/{} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        args.function,
        args.port,
        body.len()
    );
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", args.port))
        .await
        .with_context(|| {
            format!(
                "no dev host on 127.0.0.1:{}; start it with `cargo xtask dev`",
                args.port
            )
        })?;
    stream.write_all(request.as_bytes()).await?;
    let mut response = String::new();
    stream.read_to_string(&mut response).await?;
    let (head, answer) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let status = head.split_whitespace().nth(1).unwrap_or("?");
    println!("{answer}");
    if status != "200" {
        bail!("{} answered {status}", args.function);
    }
    Ok(())
}
