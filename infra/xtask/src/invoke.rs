//! `cargo xtask invoke <function> --at <time>`: runs a scheduled function on the running dev
//! host (`cargo xtask dev`) as its schedule would at that moment, e.g.
//! `cargo xtask invoke reactor-sweep --at 2026-11-23T09:00:00Z`. Time is an input of scheduled
//! functions, so time rules can be tried without waiting (or changing the machine's clock).
//! The scheduled functions are those of `template.yaml` (a `Schedule` event), by binary name.

use std::path::Path;

use anyhow::{Context, Result, bail};
use chrono::{DateTime, Utc};
use clap::Args;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::workspace::Workspace;

#[derive(Debug, Args)]
pub struct InvokeArgs {
    /// The scheduled function, by its binary's name (listed below).
    function: String,

    /// The moment the run stands for (RFC 3339), the schedule's `time`.
    #[arg(long, value_name = "RFC3339", value_parser = parse_time)]
    at: DateTime<Utc>,

    /// The dev host's HTTP port (as given to `cargo xtask dev`).
    #[arg(long, default_value_t = 3000)]
    port: u16,
}

/// The help's list of what can be invoked: each scheduled function of the template and its
/// schedule.
pub fn scheduled_help(template: &Path) -> String {
    match scheduled_functions(template) {
        Ok(list) if !list.is_empty() => {
            let lines: Vec<String> = list
                .iter()
                .map(|(function, expression)| format!("  {function:<24} {expression}"))
                .collect();
            format!("Scheduled functions (from template.yaml):\n{}", lines.join("\n"))
        }
        Ok(_) => "template.yaml has no scheduled functions".to_owned(),
        Err(e) => format!("(cannot list the scheduled functions: {e:#})"),
    }
}

/// The template's functions with a `Schedule`/`ScheduleV2` event: (binary, schedule expression).
pub fn scheduled_functions(template: &Path) -> Result<Vec<(String, String)>> {
    let text = std::fs::read_to_string(template).with_context(|| format!("reading {}", template.display()))?;
    let root: serde_yaml::Value =
        serde_yaml::from_str(&text).with_context(|| format!("parsing {}", template.display()))?;
    let mut found = Vec::new();
    let resources = root.get("Resources").and_then(serde_yaml::Value::as_mapping);
    for (_, resource) in resources.into_iter().flatten() {
        let Some(binary) = resource
            .get("Metadata")
            .and_then(|m| m.get("BuildProperties"))
            .and_then(|b| b.get("Binary"))
            .and_then(serde_yaml::Value::as_str)
        else {
            continue;
        };
        let events = resource
            .get("Properties")
            .and_then(|p| p.get("Events"))
            .and_then(serde_yaml::Value::as_mapping);
        for (_, event) in events.into_iter().flatten() {
            let kind = event.get("Type").and_then(serde_yaml::Value::as_str);
            if matches!(kind, Some("Schedule" | "ScheduleV2")) {
                let expression = event
                    .get("Properties")
                    .and_then(|p| p.get("ScheduleExpression"))
                    .and_then(serde_yaml::Value::as_str)
                    .unwrap_or_default();
                found.push((binary.to_owned(), expression.to_owned()));
            }
        }
    }
    found.sort();
    Ok(found)
}

pub fn parse_time(text: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| format!("not an RFC 3339 time ({e}), e.g. 2026-11-23T09:00:00Z"))
}

pub async fn run(workspace: &Workspace, args: &InvokeArgs) -> Result<()> {
    let known = scheduled_functions(&workspace.template())?;
    if !known.iter().any(|(function, _)| *function == args.function) {
        let names: Vec<&str> = known.iter().map(|(f, _)| f.as_str()).collect();
        bail!(
            "{:?} is not a scheduled function of template.yaml; one of: {}",
            args.function,
            names.join(", ")
        );
    }
    let body = serde_json::json!({ "time": args.at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true) });
    post_event(args.port, &args.function, &body).await
}

/// Posts `event` to the running dev host's invoke route for `function`; prints the answer.
pub async fn post_event(port: u16, function: &str, event: &serde_json::Value) -> Result<()> {
    let body = event.to_string();
    let request = format!(
        "POST /_dev/invoke/{function} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .with_context(|| format!("no dev host on 127.0.0.1:{port}; start it with `cargo xtask dev`"))?;
    stream.write_all(request.as_bytes()).await?;
    let mut response = String::new();
    stream.read_to_string(&mut response).await?;
    let (head, answer) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let status = head.split_whitespace().nth(1).unwrap_or("?");
    println!("{answer}");
    if status != "200" {
        bail!("{function} answered {status}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_template_s_scheduled_functions_are_listed() {
        let workspace = Workspace::locate().unwrap();
        let listed = scheduled_functions(&workspace.template()).unwrap();
        assert!(
            listed
                .iter()
                .any(|(f, e)| f == "reactor-sweep" && e.starts_with("rate(")),
            "{listed:?}"
        );
        assert!(scheduled_help(&workspace.template()).contains("reactor-sweep"));
    }

    #[test]
    fn times_are_rfc_3339() {
        assert_eq!(
            parse_time("2026-11-20T16:30:00+01:00").unwrap().to_rfc3339(),
            "2026-11-20T15:30:00+00:00"
        );
        assert!(parse_time("Friday").is_err());
    }
}
