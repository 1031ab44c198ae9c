//! `cargo xtask token`: a bearer token for the local API, signed with this checkout's key.

use anyhow::{Result, bail};
use chrono::Duration;
use clap::{Args, ValueEnum};
use dev_auth::{DevClaims, SigningKey};

use crate::workspace::Workspace;

#[derive(Debug, Args)]
pub struct TokenArgs {
    /// The role the token grants (the `cognito:groups` claim).
    #[arg(long, value_enum)]
    role: Role,

    /// The agent's email address (the `email` claim; `sub` is derived from it).
    #[arg(long)]
    email: String,

    /// A department the bearer belongs to; repeat or comma-separate for several.
    #[arg(long = "department", value_name = "DEPARTMENT", value_delimiter = ',')]
    departments: Vec<String>,

    /// How long the token stays valid.
    #[arg(long, value_name = "HOURS", default_value_t = 12, value_parser = clap::value_parser!(u16).range(1..=720))]
    ttl_hours: u16,
}

/// The roles the API knows. Spelled out here rather than taken from clap's names because the
/// strings are a contract with the authorizer, not a CLI detail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Role {
    Agent,
    Manager,
    Admin,
}

impl Role {
    fn claim(self) -> &'static str {
        match self {
            Role::Agent => "agent",
            Role::Manager => "manager",
            Role::Admin => "admin",
        }
    }
}

/// Prints the token alone on stdout, so `TOKEN=$(cargo xtask token ...)` works.
pub fn run(workspace: &Workspace, args: &TokenArgs) -> Result<()> {
    let email = checked_email(&args.email)?;
    let departments = checked_departments(&args.departments)?;
    let key = SigningKey::load_or_create(&workspace.signing_key())?;
    let claims = DevClaims::new(
        args.role.claim(),
        email,
        &departments,
        Duration::hours(i64::from(args.ttl_hours)),
    );
    println!("{}", dev_auth::sign(&key, &claims)?);
    Ok(())
}

/// Catches typos (a missing `@`, stray spaces), not a full RFC 5322 check: the API validates
/// real addresses; this only has to produce a sensible dev identity.
fn checked_email(email: &str) -> Result<&str> {
    let email = email.trim();
    let well_formed = match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty() && !domain.is_empty() && !domain.contains('@') && !email.chars().any(char::is_whitespace)
        }
        None => false,
    };
    if !well_formed {
        bail!("--email {email:?} is not an email address (expected something like you@example.com)");
    }
    Ok(email)
}

fn checked_departments(departments: &[String]) -> Result<Vec<String>> {
    departments
        .iter()
        .map(|department| {
            let department = department.trim();
            if department.is_empty() {
                bail!("--department must not be empty");
            }
            Ok(department.to_owned())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        token: TokenArgs,
    }

    fn parse(args: &[&str]) -> Result<TokenArgs, clap::Error> {
        Cli::try_parse_from(std::iter::once("token").chain(args.iter().copied())).map(|cli| cli.token)
    }

    #[test]
    fn role_claims_are_the_authorizer_group_names() {
        assert_eq!(Role::Agent.claim(), "agent");
        assert_eq!(Role::Manager.claim(), "manager");
        assert_eq!(Role::Admin.claim(), "admin");
    }

    #[test]
    fn an_unknown_role_is_rejected() {
        assert!(parse(&["--role", "owner", "--email", "a@example.com"]).is_err());
    }

    #[test]
    fn departments_repeat_and_comma_separate() {
        let args = parse(&[
            "--role",
            "agent",
            "--email",
            "a@example.com",
            "--department",
            "billing",
            "--department",
            "sales,support",
        ])
        .unwrap();
        assert_eq!(args.departments, ["billing", "sales", "support"]);
        assert_eq!(args.ttl_hours, 12);
    }

    #[test]
    fn ttl_must_be_positive() {
        assert!(parse(&["--role", "admin", "--email", "a@example.com", "--ttl-hours", "0"]).is_err());
    }

    #[test]
    fn emails_need_one_at_and_no_spaces() {
        assert_eq!(checked_email(" ann@example.com ").unwrap(), "ann@example.com");
        for bad in ["ann", "@example.com", "ann@", "a@b@c", "ann smith@example.com"] {
            assert!(checked_email(bad).is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn empty_departments_are_rejected() {
        assert!(checked_departments(&[" ".to_owned()]).is_err());
        assert_eq!(checked_departments(&[" billing ".to_owned()]).unwrap(), ["billing"]);
    }
}
