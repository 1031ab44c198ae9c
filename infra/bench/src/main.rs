//! `cargo xtask bench`: measures what users pay and wait for against the local stack (the
//! environment `cargo xtask bench` sets) and writes `docs/benchmarks.md`. See that page for the
//! method and issue 16 for what is still to be measured.

mod counting;
mod desk;
mod engines;
mod report;
mod stats;

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Result;
use clap::Parser;

use crate::counting::Counter;
use crate::desk::Desk;

#[derive(Parser)]
#[command(about = "Lambdesk benchmarks against the local stack; writes docs/benchmarks.md")]
struct Args {
    /// Few runs of each measure: a smoke check that every measure works (CI), not figures.
    #[arg(long)]
    quick: bool,
    /// Where to write the page (default: print it only).
    #[arg(long)]
    out: Option<PathBuf>,
    /// The build profile this binary was built with, for the page.
    #[arg(long, default_value = "release")]
    profile: String,
}

/// How many runs each measure takes.
struct Sizes {
    engine_requests: usize,
    operation_runs: usize,
    creates_per_client: usize,
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    let sizes = if args.quick {
        Sizes {
            engine_requests: 20,
            operation_runs: 3,
            creates_per_client: 5,
        }
    } else {
        Sizes {
            engine_requests: 300,
            operation_runs: 15,
            creates_per_client: 100,
        }
    };
    let plain = test_support::sdk_config().await?;
    let counter = Counter::default();
    let counting = plain.clone().into_builder().http_client(counter.http_client()).build();

    eprintln!("==> the engines' own rates, no dev host");
    let table = test_support::fresh_table(&plain).await;
    let alone = engines::measure(&plain, &table, sizes.engine_requests).await?;

    eprintln!("==> a dev host in this process");
    let desk = Arc::new(Desk::start(counting, counter.clone()).await?);
    let pollers = [
        tokio::spawn(desk.host.clone().run_inbound()),
        tokio::spawn(desk.host.clone().run_reactor()),
        tokio::spawn(desk.host.pipe().await?.run(std::time::Duration::from_millis(500))),
    ];
    tokio::time::sleep(engines::SETTLE).await;
    eprintln!("==> the engines' own rates, next to the dev host's pollers and pipe");
    let beside = engines::measure(&plain, &table, sizes.engine_requests).await?;
    for poller in &pollers {
        poller.abort();
    }

    eprintln!("==> AWS requests and time per operation");
    let operations = desk.operations(sizes.operation_runs).await?;

    eprintln!("==> API create throughput");
    let mut throughput = Vec::new();
    for clients in [1, 2, 8] {
        let rate = desk.create_throughput(clients, sizes.creates_per_client).await?;
        eprintln!("    {clients} clients: {}", rate.describe());
        throughput.push((clients, rate));
    }

    let page = report::page(&report::Figures {
        quick: args.quick,
        profile: &args.profile,
        alone: &alone,
        beside: &beside,
        operations: &operations,
        throughput: &throughput,
    });
    match &args.out {
        Some(path) => {
            std::fs::write(path, &page)?;
            eprintln!("==> wrote {}", path.display());
        }
        None => print!("{page}"),
    }
    Ok(())
}
