//! `cargo xtask metrics rebuild --from <day> --to <day>`: recomputes the metrics aggregates of
//! UTC days `from..=to` from the tickets on the running dev host (`cargo xtask dev`), through
//! the `reports` function's one-off rebuild event, the same one an operator invokes in AWS
//! (docs/reports.md).

use anyhow::Result;
use chrono::NaiveDate;
use clap::{Args, Subcommand};

#[derive(Debug, Args)]
pub struct MetricsArgs {
    #[command(subcommand)]
    command: MetricsCommand,
}

#[derive(Debug, Subcommand)]
enum MetricsCommand {
    /// Recompute the aggregates of a period from the tickets (if aggregates were lost).
    Rebuild {
        /// The first UTC day (YYYY-MM-DD).
        #[arg(long)]
        from: NaiveDate,
        /// The last UTC day (YYYY-MM-DD), included.
        #[arg(long)]
        to: NaiveDate,
        /// Read tickets created from this day (default 90 days before `from`): a ticket
        /// created earlier that changed in the period is missed.
        #[arg(long)]
        since: Option<NaiveDate>,
        /// The dev host's HTTP port (as given to `cargo xtask dev`).
        #[arg(long, default_value_t = 3000)]
        port: u16,
    },
}

pub async fn run(args: &MetricsArgs) -> Result<()> {
    match &args.command {
        MetricsCommand::Rebuild { from, to, since, port } => {
            if to < from {
                anyhow::bail!("--to must not be before --from");
            }
            let event = serde_json::json!({ "rebuild": { "from": from, "to": to, "since": since } });
            crate::invoke::post_event(*port, "reports", &event).await
        }
    }
}
