//! `cargo xtask test`: every check CI runs, in the order that fails fastest. Stops at the
//! first failure; the local stack is stopped whatever happens (it is dropped on the way out).

use std::fmt;
use std::future::Future;
use std::time::{Duration, Instant};

use anyhow::Result;
use clap::Args;
use tokio::process::Command;

use crate::process;
use crate::stack::{DynamoDbStorage, Ports, Stack, StackOptions};
use crate::tools::{self, Tools};
use crate::workspace::{Workspace, cargo_program};

#[derive(Debug, Args)]
pub struct TestArgs {
    /// Passed on to `cargo test --workspace`, e.g. `-- -p shared` or `-- -- --nocapture`.
    #[arg(last = true, value_name = "CARGO_TEST_ARGS")]
    cargo_test_args: Vec<String>,
}

/// The failure has been reported (with the summary); `main` only sets the exit code.
#[derive(Debug)]
pub struct AlreadyReported;

impl fmt::Display for AlreadyReported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("xtask test failed")
    }
}

impl std::error::Error for AlreadyReported {}

pub async fn run(workspace: &Workspace, args: &TestArgs) -> Result<()> {
    let mut steps = Steps::default();
    let result = run_steps(workspace, args, &mut steps).await;
    // By now the stack is stopped, so the summary is the last thing printed.
    eprintln!("{}", steps.summary(result.as_ref().err()));
    result.map_err(|_| AlreadyReported.into())
}

async fn run_steps(workspace: &Workspace, args: &TestArgs, steps: &mut Steps) -> Result<()> {
    let tools = steps.run("tools", tools::ensure(workspace)).await?;
    // Chromium may come from apt-get, which takes a while the first time; its own step says so.
    let browser = steps.run("browser", tools::ensure_browser(workspace)).await?;
    let path = workspace.path_with_venv()?;
    let command = |program: &dyn AsRef<std::ffi::OsStr>| {
        let mut command = Command::new(program);
        command.current_dir(workspace.root()).env("PATH", &path);
        command
    };
    let cargo = || command(&cargo_program());

    // Formatting needs neither a build nor the stack: the cheapest check goes first.
    steps
        .run(
            "fmt",
            process::run("cargo fmt", cargo().args(["fmt", "--all", "--", "--check"])),
        )
        .await?;
    let stack = steps.run("stack", start_stack(workspace, &tools)).await?;
    steps
        .run(
            "clippy",
            process::run(
                "cargo clippy",
                cargo()
                    .args(["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"])
                    .envs(stack.env()),
            ),
        )
        .await?;
    steps
        .run(
            "tests",
            process::run(
                "cargo test",
                cargo()
                    .args(["test", "--workspace"])
                    .args(&args.cargo_test_args)
                    .envs(stack.env())
                    .envs(browser.env()),
            ),
        )
        .await?;
    drop(stack);

    let template = workspace.template();
    steps
        .run(
            "sam validate",
            process::run(
                "sam validate",
                command(&tools.sam())
                    .args(["validate", "--lint", "--template"])
                    .arg(&template)
                    .args(["--region", "us-east-1"])
                    // No usage reports from CI or developer machines.
                    .env("SAM_CLI_TELEMETRY", "0"),
            ),
        )
        .await?;
    steps
        .run(
            "cfn-lint",
            process::run("cfn-lint", command(&tools.cfn_lint()).arg(&template)),
        )
        .await?;
    Ok(())
}

async fn start_stack(workspace: &Workspace, tools: &Tools) -> Result<Stack> {
    let options = StackOptions {
        ports: Ports::AnyFree,
        storage: DynamoDbStorage::InMemory,
        label: "test",
    };
    Stack::start(workspace, tools, &options).await
}

/// Step headers as they start, and the outcome of each for the summary.
#[derive(Default)]
struct Steps {
    started: Option<Instant>,
    done: Vec<(&'static str, Duration, bool)>,
}

impl Steps {
    async fn run<T>(&mut self, name: &'static str, step: impl Future<Output = Result<T>>) -> Result<T> {
        eprintln!("==> {name}");
        let start = Instant::now();
        self.started.get_or_insert(start);
        let result = step.await;
        self.done.push((name, start.elapsed(), result.is_ok()));
        result
    }

    fn summary(&self, error: Option<&anyhow::Error>) -> String {
        let total = self.started.map(|start| start.elapsed()).unwrap_or_default();
        let steps: Vec<String> = self
            .done
            .iter()
            .map(|(name, took, ok)| {
                let outcome = if *ok { "ok" } else { "FAILED" };
                format!("{name} {outcome} {}", seconds(*took))
            })
            .collect();
        let steps = steps.join(", ");
        match error {
            None => format!("==> xtask test: ok in {} ({steps})", seconds(total)),
            Some(error) => format!(
                "==> xtask test: FAILED in {} ({steps})\nerror: {error:#}",
                seconds(total)
            ),
        }
    }
}

fn seconds(duration: Duration) -> String {
    format!("{:.1}s", duration.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn steps_record_outcomes_and_the_summary_names_the_failure() {
        let mut steps = Steps::default();
        steps.run("fmt", async { Ok(()) }).await.unwrap();
        let failed = steps
            .run("clippy", async {
                Err::<(), _>(anyhow::anyhow!("cargo clippy exited with 101"))
            })
            .await;
        let summary = steps.summary(failed.as_ref().err());
        assert!(summary.starts_with("==> xtask test: FAILED in "), "{summary}");
        assert!(summary.contains("fmt ok 0.0s, clippy FAILED 0.0s"), "{summary}");
        assert!(summary.ends_with("error: cargo clippy exited with 101"), "{summary}");
    }

    #[tokio::test]
    async fn a_clean_run_says_ok() {
        let mut steps = Steps::default();
        steps.run("fmt", async { Ok(()) }).await.unwrap();
        assert!(steps.summary(None).starts_with("==> xtask test: ok in "));
    }
}
