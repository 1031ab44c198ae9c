//! Where things live in a checkout. Everything xtask installs or generates goes under
//! `.lambdesk/` (git-ignored), so deleting that one folder resets a checkout.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

#[derive(Debug, Clone)]
pub struct Workspace {
    root: PathBuf,
}

impl Workspace {
    /// The checkout xtask was built from. Found from the manifest path rather than the current
    /// directory so `cargo xtask` behaves the same from any sub-folder.
    pub fn locate() -> Result<Self> {
        let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
        let root = manifest_dir
            .join("../..")
            .canonicalize()
            .with_context(|| format!("cannot find the workspace root above {}", manifest_dir.display()))?;
        Ok(Self { root })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Per-checkout state: installed tools, logs, the dev signing key.
    pub fn state_dir(&self) -> PathBuf {
        self.root.join(".lambdesk")
    }

    /// npm `--prefix` for DynamoDB Local.
    pub fn node_prefix(&self) -> PathBuf {
        self.state_dir().join("node")
    }

    /// Python venv holding moto, SAM CLI, cfn-lint and cargo-lambda.
    pub fn venv(&self) -> PathBuf {
        self.state_dir().join("venv")
    }

    pub fn venv_bin(&self) -> PathBuf {
        self.venv().join("bin")
    }

    pub fn logs_dir(&self) -> PathBuf {
        self.state_dir().join("logs")
    }

    /// The key `cargo xtask token` signs with and the dev host verifies with.
    pub fn signing_key(&self) -> PathBuf {
        self.state_dir().join("dev-signing-key")
    }

    pub fn template(&self) -> PathBuf {
        self.root.join("template.yaml")
    }

    /// `PATH` with the venv first, so child commands find `sam`, `cfn-lint` and `cargo lambda`
    /// (cargo finds `cargo-lambda` on `PATH`) without anyone activating the venv.
    pub fn path_with_venv(&self) -> Result<OsString> {
        let current = std::env::var_os("PATH").unwrap_or_default();
        let dirs = std::iter::once(self.venv_bin()).chain(std::env::split_paths(&current));
        std::env::join_paths(dirs).context("cannot put the venv on PATH")
    }
}

/// The cargo that is running xtask (cargo sets `CARGO`), so child builds use the same toolchain.
pub fn cargo_program() -> OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

/// An environment variable's value, treating set-but-empty as unset.
pub fn non_empty_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|value| !value.trim().is_empty())
}
