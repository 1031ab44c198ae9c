use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use clap::{Parser, Subcommand};
use dev_auth::SigningKey;
use devhost::clock::DevClock;
use devhost::environment::DEV_SUPPORT_ADDRESSES;
use devhost::host::DevHost;
use devhost::local::LocalNames;
use devhost::template::{self, Template};

#[derive(Parser)]
#[command(about = "Lambdesk dev host: the HTTP API, SMTP receiving and the event pipe against the local stack")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create the template's resources in the local stack and serve the help desk.
    Serve {
        #[arg(long, default_value_t = 3000)]
        port: u16,
        #[arg(long, default_value_t = 2525)]
        smtp_port: u16,
        /// Load demo departments, agents and tickets (once).
        #[arg(long)]
        seed: bool,
        /// Prefix of the local resource names (table, bus, bucket, queues).
        #[arg(long, default_value = "lambdesk")]
        names: String,
        #[arg(long)]
        template: Option<PathBuf>,
        /// Start the host's clock at this instant (RFC 3339); it runs forward from there, and
        /// every function on the host takes "now" from it.
        #[arg(long, value_name = "RFC3339", value_parser = parse_time)]
        clock: Option<DateTime<Utc>>,
    },
}

fn parse_time(text: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| format!("not an RFC 3339 time ({e}), e.g. 2026-11-20T15:30:00+01:00"))
}

#[tokio::main]
async fn main() -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .init();
    let Command::Serve {
        port,
        smtp_port,
        seed,
        names,
        template,
        clock,
    } = Cli::parse().command;
    let template = Template::load(&template.unwrap_or_else(template::default_path))?;
    let sdk = test_support::sdk_config().await?;
    let key_path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.lambdesk/dev-signing-key");
    let key = SigningKey::load_or_create(&key_path)?;
    let names = LocalNames::with_prefix(&names);
    let public_url = format!("http://127.0.0.1:{port}");
    let clock = clock.map_or_else(DevClock::system, DevClock::starting_at);
    let host = Arc::new(DevHost::start_with_clock(sdk, template, names.clone(), key, &public_url, clock).await?);

    if seed {
        let seeded = devhost::seed::seed(&host.gateway.tickets.desk, &host.gateway.tickets.directory).await?;
        println!(
            "{}",
            if seeded {
                "seeded demo data"
            } else {
                "demo data already present"
            }
        );
    }
    tokio::spawn(host.pipe().await?.run(Duration::from_millis(500)));
    tokio::spawn(host.clone().run_inbound());
    tokio::spawn(host.clone().run_reactor());
    tokio::spawn(host.clone().run_csat());
    tokio::spawn(host.clone().run_metrics());
    host.clone().run_schedules().await?;
    let smtp = tokio::net::TcpListener::bind(("127.0.0.1", smtp_port))
        .await
        .with_context(|| format!("SMTP port {smtp_port} is taken; pass --smtp-port"))?;
    tokio::spawn(host.smtp().serve(smtp));
    let http = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .with_context(|| format!("port {port} is taken; pass --port"))?;

    println!("Lambdesk API on http://127.0.0.1:{port}/v1");
    println!("contact form on http://127.0.0.1:{port}/contact");
    println!("SMTP on 127.0.0.1:{smtp_port}; support addresses: {DEV_SUPPORT_ADDRESSES}");
    println!(
        "resources: table {}, bus {}, bucket {}, queue {}",
        names.table, names.bus, names.mail_bucket, names.inbound_queue
    );
    println!("clock: {} (runs forward)", shared::domain::Clock::now(&host.clock));
    println!("get a token: cargo xtask token --role admin --email you@example.com");
    axum::serve(http, host.router())
        .with_graceful_shutdown(async {
            tokio::signal::ctrl_c().await.ok();
        })
        .await?;
    Ok(())
}
