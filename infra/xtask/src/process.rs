//! Child processes that cannot outlive xtask.
//!
//! Every child runs in its own process group. The terminal's Ctrl-C then reaches only xtask,
//! which stops each group itself (SIGTERM, a grace period, then SIGKILL). Signalling the group
//! rather than the pid also stops grandchildren, e.g. the test binaries `cargo test` spawns,
//! which would otherwise be orphaned when cargo dies. The stop runs in `Drop`, so it happens on
//! success, on error, on panic and when a Ctrl-C cancels the running future.

use std::ffi::OsStr;
use std::path::Path;
use std::process::{ExitStatus, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use tokio::process::{Child, Command};

/// How long a child gets to shut down cleanly (DynamoDB Local flushes its SQLite file on
/// SIGTERM) before it is killed.
const GRACE: Duration = Duration::from_secs(5);

#[derive(Debug)]
pub struct GroupChild {
    name: String,
    child: Child,
}

impl GroupChild {
    /// Spawns `command` as the leader of a new process group, with stdin closed: a process in
    /// a background group that reads the terminal would be stopped by SIGTTIN and hang.
    pub fn spawn(name: impl Into<String>, command: &mut Command) -> Result<Self> {
        let name = name.into();
        command.stdin(Stdio::null());
        #[cfg(unix)]
        command.process_group(0);
        let child = command
            .spawn()
            .with_context(|| format!("cannot start {name} ({})", describe(command)))?;
        Ok(Self { name, child })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub async fn wait(&mut self) -> Result<ExitStatus> {
        self.child
            .wait()
            .await
            .with_context(|| format!("lost track of {}", self.name))
    }

    /// `Some(status)` once the child has exited.
    pub fn exit_status(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Sends `signal` to the child's whole group. Only called while the leader is unreaped,
    /// which guarantees the group id still belongs to this child and not to a recycled pid.
    fn signal_group(&mut self, signal: &str) {
        #[cfg(unix)]
        if let Some(pid) = self.child.id() {
            // std has no kill(2) and the workspace has no libc binding; /bin/kill is on every
            // Unix we develop on. `--` keeps the negative (group) pid from reading as an option.
            let sent = std::process::Command::new("kill")
                .arg(format!("-{signal}"))
                .arg("--")
                .arg(format!("-{pid}"))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|status| status.success());
            if sent {
                return;
            }
        }
        // No group signal possible: at least kill the leader.
        let _ = self.child.start_kill();
    }
}

impl Drop for GroupChild {
    fn drop(&mut self) {
        stop_all(std::slice::from_mut(self));
    }
}

/// Stops every still-running child: all get SIGTERM at once, then whoever is left after the
/// grace period gets SIGKILL. Blocking on purpose: it runs from `Drop`, on the way out.
/// Returns the names of the children that were still running.
pub fn stop_all(children: &mut [GroupChild]) -> Vec<String> {
    let mut running: Vec<&mut GroupChild> = children
        .iter_mut()
        .filter_map(|child| child.is_running().then_some(child))
        .collect();
    let names = running.iter().map(|child| child.name.clone()).collect();
    for child in &mut running {
        child.signal_group("TERM");
    }
    wait_for_exit(&mut running, GRACE);
    for child in &mut running {
        if child.is_running() {
            child.signal_group("KILL");
        }
    }
    wait_for_exit(&mut running, Duration::from_secs(2));
    names
}

fn wait_for_exit(children: &mut [&mut GroupChild], limit: Duration) {
    let deadline = Instant::now() + limit;
    while children.iter_mut().any(|child| child.is_running()) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Runs a command to completion; a non-zero exit is an error naming the command.
pub async fn run(name: &str, command: &mut Command) -> Result<()> {
    let mut child = GroupChild::spawn(name, command)?;
    let status = child.wait().await?;
    if !status.success() {
        bail!("{name} failed: `{}` exited with {status}", describe(command));
    }
    Ok(())
}

/// The command line as a user would type it, for error messages: the program by its name
/// (`cargo`, not the toolchain path cargo hands xtask), then the arguments.
pub fn describe(command: &Command) -> String {
    let command = command.as_std();
    let program = Path::new(command.get_program());
    let program = program.file_name().unwrap_or(program.as_os_str());
    std::iter::once(program)
        .chain(command.get_args())
        .map(OsStr::to_string_lossy)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The signals that mean "stop": Ctrl-C, `kill`, a closed terminal. Registered before any
/// child starts, because until tokio installs its handler a Ctrl-C would kill xtask outright
/// and skip every `Drop`.
pub struct ShutdownSignals {
    #[cfg(unix)]
    signals: [tokio::signal::unix::Signal; 3],
}

impl ShutdownSignals {
    pub fn install() -> Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let signals = [
                signal(SignalKind::interrupt())?,
                signal(SignalKind::terminate())?,
                signal(SignalKind::hangup())?,
            ];
            Ok(Self { signals })
        }
        #[cfg(not(unix))]
        Ok(Self {})
    }

    /// Resolves when one of the signals arrives.
    pub async fn recv(&mut self) {
        #[cfg(unix)]
        {
            let [interrupt, terminate, hangup] = &mut self.signals;
            tokio::select! {
                _ = interrupt.recv() => {}
                _ = terminate.recv() => {}
                _ = hangup.recv() => {}
            }
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_described_by_program_name_and_arguments() {
        let mut command = Command::new("/home/me/.rustup/toolchains/stable/bin/cargo");
        command.args(["fmt", "--all", "--", "--check"]);
        assert_eq!(describe(&command), "cargo fmt --all -- --check");
    }

    #[tokio::test]
    async fn a_failing_command_is_an_error_naming_it() {
        let error = run("false", &mut Command::new("false")).await.unwrap_err();
        assert!(
            error.to_string().starts_with("false failed: `false` exited with"),
            "{error}"
        );
        run("true", &mut Command::new("true")).await.unwrap();
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn dropping_a_child_stops_its_whole_process_group() {
        // The shell's own child (`sleep`) is the grandchild that must not be orphaned.
        let marker = format!("sleep 3{}", std::process::id() % 1000);
        let mut command = Command::new("sh");
        command.args(["-c", &format!("{marker} & wait")]);
        let child = GroupChild::spawn("sh", &mut command).unwrap();
        let grandchild_running = || {
            std::process::Command::new("pgrep")
                .args(["-f", &marker])
                .output()
                .is_ok_and(|output| !output.stdout.is_empty())
        };
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(grandchild_running());
        drop(child);
        assert!(!grandchild_running());
    }
}
