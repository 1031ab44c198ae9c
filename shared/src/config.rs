//! The one way a function reads its settings: a typed reader over an environment, taken as an
//! input ([`Env::from_process`] in `main.rs`, a map in tests and on the dev host), so a
//! function's `Config` is parsed the same way everywhere and tested without touching the
//! process environment. Reading stops at the first bad variable and names it; values are never
//! echoed in errors. [`Secret`] wraps what must never reach a log.
//!
//! What a function builds from its settings (its `Deps`: the AWS SDK configuration, every SDK
//! client, the secrets read from Secrets Manager) is built on first use, through
//! [`OnFirstUse`], not at init: `main.rs` reads the environment, wires the handler and asks
//! the runtime for the first event, which then builds them (once; warm invocations reuse
//! them). Loading the SDK configuration, building its clients and reading secrets are most of
//! what a cold start did before the first event could be asked for (docs/benchmarks.md).

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::str::FromStr;

/// What a function's settings are read from: variable names and their values.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Env {
    vars: BTreeMap<String, String>,
}

/// Why a function's settings could not be read; always names the variable.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("missing environment variable {0}")]
    Missing(&'static str),
    #[error("{0} must be a whole number")]
    NotANumber(&'static str),
    #[error("{0} must be true or false")]
    NotAFlag(&'static str),
    #[error("{name}: {reason}")]
    Invalid { name: &'static str, reason: String },
    /// The mail settings (`SUPPORT_ADDRESSES`, `CLOSED_TICKET_REPLY`), read together; the
    /// message names the variable.
    #[error(transparent)]
    Intake(#[from] crate::usecases::intake::ConfigError),
}

impl ConfigError {
    /// `name` is set but its value is not usable, for `reason`.
    pub fn invalid(name: &'static str, reason: impl fmt::Display) -> Self {
        Self::Invalid {
            name,
            reason: reason.to_string(),
        }
    }
}

impl Env {
    /// The process's environment, as Lambda sets it from the template.
    pub fn from_process() -> Self {
        std::env::vars().collect()
    }

    /// Every variable, by name (to hand this environment to a process).
    pub fn vars(&self) -> impl Iterator<Item = (&str, &str)> {
        self.vars.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// This environment with `name` set to `value`.
    pub fn with(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.vars.insert(name.into(), value.into());
        self
    }

    /// The value of `name`, when set to something other than blanks (the template writes `""`
    /// for settings a stack leaves out).
    pub fn optional(&self, name: &str) -> Option<String> {
        self.vars
            .get(name)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    }

    /// The value of `name`, which must be set.
    pub fn required(&self, name: &'static str) -> Result<String, ConfigError> {
        self.optional(name).ok_or(ConfigError::Missing(name))
    }

    /// The number in `name`, or `default` when it is not set.
    pub fn number_or<T: FromStr>(&self, name: &'static str, default: T) -> Result<T, ConfigError> {
        match self.optional(name) {
            Some(v) => v.parse().map_err(|_| ConfigError::NotANumber(name)),
            None => Ok(default),
        }
    }

    /// `true` or `false` in `name`; not set is `false`.
    pub fn flag(&self, name: &'static str) -> Result<bool, ConfigError> {
        match self.optional(name).as_deref() {
            None => Ok(false),
            Some(v) if v.eq_ignore_ascii_case("true") => Ok(true),
            Some(v) if v.eq_ignore_ascii_case("false") => Ok(false),
            Some(_) => Err(ConfigError::NotAFlag(name)),
        }
    }

    /// The value of `name` read by `parse`, or `None` when it is not set; a parse error is
    /// reported as `name`'s.
    pub fn parsed<T, E: fmt::Display>(
        &self,
        name: &'static str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Result<Option<T>, ConfigError> {
        self.optional(name)
            .map(|v| parse(&v).map_err(|e| ConfigError::invalid(name, e)))
            .transpose()
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for Env {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(pairs: I) -> Self {
        Self {
            vars: pairs.into_iter().map(|(k, v)| (k.into(), v.into())).collect(),
        }
    }
}

/// A value that must never reach a log: `Debug` and `Display` print `(secret)`; the value is
/// read only through [`Secret::expose`], where it is used.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret<T>(T);

/// A secret text: a key, a password, a shared header value.
pub type SecretString = Secret<String>;

impl<T> Secret<T> {
    pub fn new(value: impl Into<T>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(secret)")
    }
}

impl<T> fmt::Display for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(secret)")
    }
}

/// A value built by `build` the first time it is asked for, then kept: a function's `Deps`
/// (SDK clients, secrets), so a cold start does not pay for them before it asks for its first
/// event. A build that fails is tried again on the next use (the invocation that asked reports
/// the error, naming what was missing).
///
/// ```ignore
/// let env = Env::from_process();
/// let deps = OnFirstUse::new(|| async {
///     let sdk = shared::config::sdk_config().await;
///     Ok::<_, Error>(Deps::new(Config::from_env(&env)?, &sdk))
/// });
/// lambda_runtime::run(service_fn(|event| async { handle(deps.get().await?, event).await })).await
/// ```
pub struct OnFirstUse<T, F> {
    value: tokio::sync::OnceCell<T>,
    build: F,
}

impl<T, F, Fut, E> OnFirstUse<T, F>
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    pub fn new(build: F) -> Self {
        Self {
            value: tokio::sync::OnceCell::new(),
            build,
        }
    }

    /// The value, built now when this is its first use.
    pub async fn get(&self) -> Result<&T, E> {
        self.value.get_or_try_init(&self.build).await
    }

    /// The value when something built it already.
    pub fn built(&self) -> Option<&T> {
        self.value.get()
    }
}

/// The AWS SDK configuration from the environment (region, credentials, and the
/// `AWS_ENDPOINT_URL*` endpoints of a local stack), as every function loads it: inside an
/// [`OnFirstUse`] build, not at init.
pub async fn sdk_config() -> aws_config::SdkConfig {
    aws_config::load_from_env().await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Env {
        pairs.iter().copied().collect()
    }

    #[test]
    fn a_missing_variable_is_named() {
        let e = env(&[("OTHER", "x")]).required("TABLE_NAME").unwrap_err();
        assert!(matches!(e, ConfigError::Missing("TABLE_NAME")));
        assert_eq!(e.to_string(), "missing environment variable TABLE_NAME");
    }

    #[test]
    fn a_blank_value_is_not_set() {
        let e = env(&[("TABLE_NAME", "  ")]);
        assert!(matches!(
            e.required("TABLE_NAME"),
            Err(ConfigError::Missing("TABLE_NAME"))
        ));
        assert_eq!(e.optional("TABLE_NAME"), None);
        assert_eq!(e.number_or("TABLE_NAME", 7).unwrap(), 7);
        assert_eq!(env(&[("A", " t1 ")]).required("A").unwrap(), "t1");
    }

    #[test]
    fn a_bad_number_is_named_and_its_value_not_echoed() {
        let e = env(&[("CONTACT_LIMIT_PER_IP", "lots")])
            .number_or("CONTACT_LIMIT_PER_IP", 5u32)
            .unwrap_err();
        assert!(matches!(e, ConfigError::NotANumber("CONTACT_LIMIT_PER_IP")));
        assert!(e.to_string().contains("CONTACT_LIMIT_PER_IP"));
        assert!(!e.to_string().contains("lots"));
        assert!(matches!(
            env(&[("N", "-1")]).number_or("N", 5u32),
            Err(ConfigError::NotANumber("N"))
        ));
    }

    #[test]
    fn numbers_default_when_unset() {
        let e = env(&[("N", "12")]);
        assert_eq!(e.number_or("N", 5u32).unwrap(), 12);
        assert_eq!(e.number_or("M", 5u32).unwrap(), 5);
    }

    #[test]
    fn flags_are_true_or_false_and_default_off() {
        let e = env(&[("A", "true"), ("B", "FALSE"), ("C", "yes")]);
        assert!(e.flag("A").unwrap());
        assert!(!e.flag("B").unwrap());
        assert!(!e.flag("UNSET").unwrap());
        assert!(matches!(e.flag("C"), Err(ConfigError::NotAFlag("C"))));
    }

    #[test]
    fn a_parse_error_names_the_variable() {
        let e = env(&[("URLS", "nope")]);
        let err = e.parsed("URLS", |_| Err::<(), _>("not a list")).unwrap_err();
        assert_eq!(err.to_string(), "URLS: not a list");
        assert_eq!(e.parsed("UNSET", |v| Ok::<_, String>(v.len())).unwrap(), None);
        assert_eq!(e.parsed("URLS", |v| Ok::<_, String>(v.len())).unwrap(), Some(4));
    }

    #[test]
    fn later_values_replace_earlier_ones() {
        let e = env(&[("A", "1")]).with("A", "2");
        assert_eq!(e.required("A").unwrap(), "2");
    }

    #[tokio::test]
    async fn a_value_on_first_use_is_built_once_and_a_failed_build_is_tried_again() {
        let builds = std::sync::atomic::AtomicU32::new(0);
        let lazy = OnFirstUse::new(|| async {
            let n = builds.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            if n == 0 { Err("not yet") } else { Ok(n) }
        });
        assert!(lazy.built().is_none());
        assert_eq!(lazy.get().await, Err("not yet"));
        assert_eq!(lazy.get().await, Ok(&1));
        assert_eq!(lazy.get().await, Ok(&1));
        assert_eq!(lazy.built(), Some(&1));
        assert_eq!(builds.load(std::sync::atomic::Ordering::SeqCst), 2);
    }

    #[test]
    fn a_secret_is_not_printed() {
        let s = SecretString::new("hunter2-key");
        assert_eq!(format!("{s:?}"), "(secret)");
        assert_eq!(format!("{s}"), "(secret)");
        #[derive(Debug)]
        #[allow(dead_code)]
        struct Holder {
            key: SecretString,
        }
        assert!(!format!("{:?}", Holder { key: s.clone() }).contains("hunter2"));
        assert_eq!(s.expose(), "hunter2-key");
    }
}
