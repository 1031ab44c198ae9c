//! `cargo xtask stack`: the local stack alone, for tests and tools run from another terminal.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::Args;

use crate::stack::{DynamoDbStorage, Ports, Stack, StackOptions};
use crate::tools;
use crate::workspace::Workspace;

#[derive(Debug, Args)]
pub struct StackArgs {
    /// Keep DynamoDB tables in this directory instead of in memory.
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
}

/// `cargo xtask stack`: the stack alone, for running tests or tools from another terminal.
/// The `export` lines go to stdout; everything else to stderr.
pub async fn run(workspace: &Workspace, args: &StackArgs) -> Result<()> {
    let tools = tools::ensure(workspace).await?;
    // The exports are for running `cargo test` by hand, and that includes the browser tests.
    let browser = tools::ensure_browser(workspace).await?;
    let storage = storage_for(args.data_dir.as_deref())?;
    eprintln!("==> starting the local stack");
    let mut stack = Stack::start(
        workspace,
        &tools,
        &StackOptions {
            ports: Ports::Conventional,
            storage,
            label: "stack",
        },
    )
    .await?;
    for (var, value) in stack.env() {
        println!("export {var}={}", shell_quote(value));
    }
    for (var, path) in browser.env() {
        println!("export {var}={}", shell_quote(&path.to_string_lossy()));
    }
    eprintln!("==> the stack is running; paste the exports above into another shell. Ctrl-C stops it.");
    Err(stack.watch().await)
}

/// `--data-dir` as DynamoDB Local needs it: existing and absolute (it runs in another
/// working directory).
pub fn storage_for(data_dir: Option<&Path>) -> Result<DynamoDbStorage> {
    let Some(dir) = data_dir else {
        return Ok(DynamoDbStorage::InMemory);
    };
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let dir = dir
        .canonicalize()
        .with_context(|| format!("cannot resolve {}", dir.display()))?;
    Ok(DynamoDbStorage::Dir(dir))
}

/// Quotes a value for a POSIX shell when it has anything but plain URL characters.
fn shell_quote(value: &str) -> String {
    let plain = !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:@%+=,".contains(c));
    if plain {
        value.to_owned()
    } else {
        format!("'{}'", value.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::shell_quote;

    #[test]
    fn exports_are_quoted_only_when_a_shell_needs_it() {
        assert_eq!(shell_quote("http://127.0.0.1:8000"), "http://127.0.0.1:8000");
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote(""), "''");
    }
}
