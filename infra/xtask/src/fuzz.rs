//! `cargo xtask fuzz`: runs the email intake's fuzz target (`fuzz/`, its own workspace) with
//! cargo-fuzz for a fixed time, starting from the mail fixtures. Not part of `cargo xtask test`:
//! it is worth minutes, not seconds. See docs/fuzzing.md.
//!
//! cargo-fuzz builds with compiler flags only nightly accepts (`-Zsanitizer=address`, sanitizer
//! coverage). The pinned toolchain is stable, so the run sets `RUSTC_BOOTSTRAP=1`, which makes
//! stable rustc accept them; that variable reaches only the fuzz build, whose artifacts live
//! apart from the workspace's (`fuzz/target`, or `CARGO_TARGET_DIR` when set).

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::Args;
use tokio::process::Command;

use crate::process;
use crate::workspace::{Workspace, cargo_program};

/// The pin. Changing it reinstalls on the next run.
const CARGO_FUZZ_VERSION: &str = "0.13.2";
const TARGET: &str = "parse_and_thread";
/// Twice the HTML limit of `MailLimits::default()`, so inputs reach every truncation path.
const MAX_LEN: usize = 256 * 1024;
/// Seconds one input may take before libFuzzer reports it as a hang.
const TIMEOUT: u32 = 30;

#[derive(Debug, Args)]
pub struct FuzzArgs {
    /// How long libFuzzer runs (`-max_total_time`).
    #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..))]
    seconds: u64,
    /// Build with debug assertions and overflow checks, as `cargo fuzz` does by default. Off
    /// unless asked: the Lambda runs a release build, and mail-parser 0.11.9 has a
    /// `debug_assert!` that malformed multipart mail trips within minutes (docs/fuzzing.md).
    #[arg(long)]
    debug_assertions: bool,
    /// More libFuzzer options, e.g. `-- -seed=1` or `-- -jobs=2`.
    #[arg(last = true, value_name = "LIBFUZZER_ARGS")]
    libfuzzer_args: Vec<String>,
}

pub async fn run(workspace: &Workspace, args: &FuzzArgs) -> Result<()> {
    let cargo_fuzz = ensure_cargo_fuzz(workspace).await?;
    let fuzz_dir = workspace.root().join("fuzz");
    // libFuzzer adds what it finds to the first corpus folder (git-ignored) and only reads the
    // fixtures, so they stay byte-exact.
    let corpus = fuzz_dir.join("corpus").join(TARGET);
    std::fs::create_dir_all(&corpus).with_context(|| format!("cannot create {}", corpus.display()))?;
    let seeds = workspace.root().join("tests").join("fixtures").join("mail");
    let mut command = Command::new(&cargo_fuzz);
    command
        .current_dir(&fuzz_dir)
        // cargo-fuzz runs `cargo` from `PATH`: make that the cargo running xtask, so the fuzz
        // build uses the same toolchain.
        .env("PATH", path_with_cargo_first()?)
        .env("RUSTC_BOOTSTRAP", "1")
        .args(libfuzzer_command(&corpus, &seeds, args));
    let checks = if args.debug_assertions {
        " with debug assertions"
    } else {
        ""
    };
    eprintln!(
        "==> fuzzing {TARGET} for {}s{checks} (RUSTC_BOOTSTRAP=1; new inputs go to {}, crashes to {})",
        args.seconds,
        corpus.display(),
        fuzz_dir.join("artifacts").join(TARGET).display()
    );
    process::run("cargo fuzz", &mut command).await
}

/// `cargo-fuzz`'s arguments, as cargo would pass them to the subcommand (hence `fuzz` first).
fn libfuzzer_command(corpus: &Path, seeds: &Path, args: &FuzzArgs) -> Vec<String> {
    let mut command: Vec<String> = ["fuzz", "run", TARGET].map(String::from).into();
    command.push(
        if args.debug_assertions {
            "--debug-assertions"
        } else {
            "--release"
        }
        .into(),
    );
    command.push(corpus.display().to_string());
    command.push(seeds.display().to_string());
    command.push("--".into());
    command.push(format!("-max_total_time={}", args.seconds));
    command.push(format!("-max_len={MAX_LEN}"));
    command.push(format!("-timeout={TIMEOUT}"));
    command.push("-dict=dict/mail.dict".into());
    command.extend(args.libfuzzer_args.iter().cloned());
    command
}

/// `PATH` with the folder of the running cargo first (when cargo named one).
fn path_with_cargo_first() -> Result<OsString> {
    let current = std::env::var_os("PATH").unwrap_or_default();
    let cargo = PathBuf::from(cargo_program());
    let first = cargo
        .parent()
        .filter(|dir| !dir.as_os_str().is_empty())
        .map(Path::to_path_buf);
    std::env::join_paths(first.into_iter().chain(std::env::split_paths(&current)))
        .context("cannot put cargo's folder on PATH")
}

/// `cargo install`s the pinned cargo-fuzz into `.lambdesk/cargo/bin` unless that version is
/// already there; nothing outside the checkout is touched.
async fn ensure_cargo_fuzz(workspace: &Workspace) -> Result<PathBuf> {
    let root = workspace.state_dir().join("cargo");
    let binary = root.join("bin").join("cargo-fuzz");
    if installed_version(&binary).await.as_deref() == Some(CARGO_FUZZ_VERSION) {
        return Ok(binary);
    }
    eprintln!(
        "==> installing cargo-fuzz {CARGO_FUZZ_VERSION} into {} (cargo install, a few minutes once)",
        root.display()
    );
    process::run(
        "cargo install",
        Command::new(cargo_program())
            .args(["install", "cargo-fuzz", "--locked", "--version"])
            .arg(format!("={CARGO_FUZZ_VERSION}"))
            .arg("--root")
            .arg(&root),
    )
    .await?;
    Ok(binary)
}

/// The version `cargo-fuzz --version` reports (`cargo-fuzz 0.13.2`), if it runs at all.
async fn installed_version(binary: &Path) -> Option<String> {
    let output = Command::new(binary).arg("--version").output().await.ok()?;
    let stdout = String::from_utf8(output.stdout).ok()?;
    parse_version(&stdout)
}

fn parse_version(output: &str) -> Option<String> {
    output
        .trim()
        .strip_prefix("cargo-fuzz ")
        .map(|v| v.split_whitespace().next().unwrap_or_default().to_owned())
        .filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_version_is_read_from_cargo_fuzz_output() {
        assert_eq!(parse_version("cargo-fuzz 0.13.2\n").as_deref(), Some("0.13.2"));
        assert_eq!(
            parse_version("cargo-fuzz 0.13.2 (abc 2026-01-01)").as_deref(),
            Some("0.13.2")
        );
        assert_eq!(parse_version("error: no such command"), None);
        assert_eq!(parse_version("cargo-fuzz "), None);
    }

    #[test]
    fn the_run_is_timed_and_reads_the_fixtures_after_the_corpus() {
        let mut args = FuzzArgs {
            seconds: 600,
            debug_assertions: false,
            libfuzzer_args: vec!["-seed=1".into()],
        };
        let command = libfuzzer_command(Path::new("/c"), Path::new("/seeds"), &args);
        assert_eq!(
            command.join(" "),
            "fuzz run parse_and_thread --release /c /seeds -- -max_total_time=600 -max_len=262144 -timeout=30 \
             -dict=dict/mail.dict -seed=1"
        );
        args.debug_assertions = true;
        let command = libfuzzer_command(Path::new("/c"), Path::new("/seeds"), &args);
        assert_eq!(command[3], "--debug-assertions");
    }
}
