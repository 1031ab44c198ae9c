//! `cargo xtask bench`: builds the bench (`infra/bench`, with the dev host and the functions
//! inside it) in release, runs it against a local stack and writes `docs/benchmarks.md`.
//! `--quick` runs every measure a few times in the dev profile, as a smoke check for CI; its
//! figures are not for comparison. Not part of `cargo xtask test`.

use anyhow::Result;
use clap::Args;
use tokio::process::Command;

use crate::process;
use crate::stack::{DynamoDbStorage, Ports, Stack, StackOptions};
use crate::tools;
use crate::workspace::{Workspace, cargo_program};

/// The packages whose binaries are the template's functions.
const TEMPLATE_PACKAGES: &[&str] = &[
    "tickets-api",
    "contact-form",
    "console",
    "inbound-email",
    "reactor",
    "csat",
    "reports",
];

/// The hello-world the cold starts are compared with.
const HELLO_PACKAGE: &str = "hello-lambda";

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// A few runs of each measure in the dev profile (a smoke check; writes the page to
    /// .lambdesk/benchmarks-quick.md instead of docs/).
    #[arg(long)]
    quick: bool,
}

pub async fn run(workspace: &Workspace, args: &BenchArgs) -> Result<()> {
    let tools = tools::ensure(workspace).await?;
    eprintln!("==> starting a local stack for the bench");
    let stack = Stack::start(
        workspace,
        &tools,
        &StackOptions {
            ports: Ports::AnyFree,
            storage: DynamoDbStorage::InMemory,
            label: "bench",
        },
    )
    .await?;
    let (profile, out) = if args.quick {
        ("dev", workspace.state_dir().join("benchmarks-quick.md"))
    } else {
        ("release", workspace.root().join("docs/benchmarks.md"))
    };
    // The functions as they ship, for the cold starts: the template's binaries and the
    // hello-world they are compared with, in the same profile.
    eprintln!("==> building the functions ({profile})");
    let mut build = Command::new(cargo_program());
    build
        .current_dir(workspace.root())
        .args(["build", "--quiet", "--bins", "--profile", profile])
        .args(
            TEMPLATE_PACKAGES
                .iter()
                .chain([&HELLO_PACKAGE])
                .flat_map(|p| ["--package", p]),
        );
    process::run("building the functions", &mut build).await?;
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| workspace.root().join("target"));
    let binaries = target.join(if profile == "dev" { "debug" } else { profile });
    // What Lambda is given, for the packages' sizes: the template's functions for arm64, as
    // `sam build` builds them (cargo-lambda, from the venv, cross-links with its zig). The
    // quick run leaves it out: a second release build, for another target.
    let packages = workspace.state_dir().join("lambda-arm64");
    if !args.quick {
        eprintln!("==> building the arm64 packages (cargo lambda build --release --arm64)");
        let mut build = Command::new(cargo_program());
        build
            .current_dir(workspace.root())
            .args([
                "lambda",
                "build",
                "--quiet",
                "--release",
                "--arm64",
                "--output-format",
                "zip",
            ])
            .arg("--lambda-dir")
            .arg(&packages)
            .args(TEMPLATE_PACKAGES.iter().flat_map(|p| ["--package", p]))
            .env("PATH", workspace.path_with_venv()?);
        process::run("building the arm64 packages", &mut build).await?;
    }
    let mut command = Command::new(cargo_program());
    command
        .current_dir(workspace.root())
        .args([
            "run",
            "--quiet",
            "--package",
            "bench",
            "--bin",
            "bench",
            "--profile",
            profile,
            "--",
        ])
        .arg("--profile")
        .arg(profile)
        .arg("--binaries")
        .arg(&binaries)
        .arg("--out")
        .arg(&out)
        .envs(stack.env())
        .env("PATH", workspace.path_with_venv()?);
    if args.quick {
        command.arg("--quick");
    } else {
        command.arg("--arm64").arg(&packages);
    }
    process::run("the bench", &mut command).await
}
