//! `cargo xtask dev`: the whole product on this machine — the local stack plus the dev host
//! serving the HTTP API.

use std::path::PathBuf;

use anyhow::{Result, bail};
use chrono::{DateTime, Utc};
use clap::Args;
use tokio::process::Command;

use crate::process::GroupChild;
use crate::stack::{self, Ports, Stack, StackOptions};
use crate::stack_command;
use crate::tools;
use crate::workspace::{Workspace, cargo_program};

#[derive(Debug, Args)]
pub struct DevArgs {
    /// Port for the HTTP API.
    #[arg(long, default_value_t = 3000)]
    port: u16,

    /// Load sample departments, agents and tickets on start.
    #[arg(long)]
    seed: bool,

    /// Keep DynamoDB tables in this directory between runs instead of in memory.
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,

    /// Start the dev host's clock at this instant (RFC 3339, e.g. a Friday afternoon:
    /// 2026-11-20T15:30:00+01:00); it runs forward from there and every function on the host
    /// takes "now" from it.
    #[arg(long, value_name = "RFC3339", value_parser = crate::invoke::parse_time)]
    clock: Option<DateTime<Utc>>,
}

pub async fn run(workspace: &Workspace, args: &DevArgs) -> Result<()> {
    // Checked up front: finding out after the stack has started and devhost has compiled
    // wastes a minute.
    if !stack::port_is_free(args.port) {
        bail!("port {} is already in use; pick another with --port", args.port);
    }
    let storage = stack_command::storage_for(args.data_dir.as_deref())?;
    let tools = tools::ensure(workspace).await?;
    eprintln!("==> starting the local stack");
    let mut stack = Stack::start(
        workspace,
        &tools,
        &StackOptions {
            ports: Ports::Conventional,
            storage,
            label: "dev",
        },
    )
    .await?;
    print_banner(args.port, &stack);

    let mut command = Command::new(cargo_program());
    command
        .current_dir(workspace.root())
        .args(["run", "--quiet", "--package", "devhost", "--", "serve", "--port"])
        .arg(args.port.to_string())
        .envs(stack.env())
        .env("PATH", workspace.path_with_venv()?);
    if args.seed {
        command.arg("--seed");
    }
    if let Some(clock) = args.clock {
        command.arg("--clock").arg(clock.to_rfc3339());
    }
    let mut devhost = GroupChild::spawn("devhost", &mut command)?;
    tokio::select! {
        status = devhost.wait() => {
            let status = status?;
            if !status.success() {
                bail!("devhost exited with {status}");
            }
            Ok(())
        }
        // devhost without its database is no use; stop rather than serve errors.
        error = stack.watch() => Err(error),
    }
}

fn print_banner(port: u16, stack: &Stack) {
    println!();
    println!("Lambdesk is starting (devhost compiles first, then listens):");
    println!("  API       http://127.0.0.1:{port}");
    println!("  DynamoDB  {}", stack.dynamodb().url);
    println!("  moto      {}  (SES v2, SQS, EventBridge, S3)", stack.moto().url);
    println!("  token     TOKEN=$(cargo xtask token --role admin --email you@example.com)");
    println!("            and send it as the header  Authorization: Bearer $TOKEN");
    println!("Ctrl-C stops everything started here.");
    println!();
}
