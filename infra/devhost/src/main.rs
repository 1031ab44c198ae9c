use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use dev_auth::SigningKey;
use devhost::gateway::{Gateway, router};
use devhost::local::{self, PIPE};
use devhost::pipe::StreamPipe;
use devhost::template::{self, Template};
use shared::adapters::dynamodb::DynamoStore;
use shared::desk::TicketDesk;
use shared::domain::SystemClock;

#[derive(Parser)]
#[command(about = "Lambdesk dev host: the HTTP API and the event pipe against the local stack")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create the template's resources in the local stack and serve the API.
    Serve {
        #[arg(long, default_value_t = 3000)]
        port: u16,
        /// Load demo departments, agents and tickets (once).
        #[arg(long)]
        seed: bool,
        #[arg(long, default_value = "lambdesk")]
        table: String,
        #[arg(long, default_value = "lambdesk-tickets")]
        bus: String,
        #[arg(long)]
        template: Option<PathBuf>,
    },
}

#[tokio::main]
async fn main() -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .init();
    let Command::Serve {
        port,
        seed,
        table,
        bus,
        template,
    } = Cli::parse().command;
    let template = Template::load(&template.unwrap_or_else(template::default_path))?;
    let sdk = local::sdk_config().await?;
    local::provision(&sdk, &template, &table, &bus).await?;

    let desk = TicketDesk::new(
        DynamoStore::new(aws_sdk_dynamodb::Client::new(&sdk), &table),
        SystemClock,
    );
    if seed {
        let seeded = devhost::seed::seed(&desk).await?;
        println!(
            "{}",
            if seeded {
                "seeded demo data"
            } else {
                "demo data already present"
            }
        );
    }
    let pipe = StreamPipe::start(&sdk, &table, &bus, template.pipe(PIPE)?).await?;
    tokio::spawn(pipe.run(Duration::from_millis(500)));

    let key_path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.lambdesk/dev-signing-key");
    let key = SigningKey::load_or_create(&key_path)?;
    let gateway = Arc::new(Gateway {
        tickets: tickets_api::Deps { desk },
        key,
    });
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .with_context(|| format!("port {port} is taken; pass --port"))?;
    println!("Lambdesk API on http://127.0.0.1:{port}/v1  (table {table}, bus {bus})");
    println!("get a token: cargo xtask token --role admin --email you@example.com");
    axum::serve(listener, router(gateway))
        .with_graceful_shutdown(async {
            tokio::signal::ctrl_c().await.ok();
        })
        .await?;
    Ok(())
}
