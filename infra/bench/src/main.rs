//! `cargo xtask bench`: measures what users pay and wait for against the local stack (the
//! environment `cargo xtask bench` sets) and writes `docs/benchmarks.md`. See that page for the
//! method and issue 16 for what is still to be measured.

mod coldstart;
mod cost;
mod counting;
mod desk;
mod engines;
mod limits;
mod packages;
mod report;
mod report_mail;
mod stats;
mod sweeps;

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
    /// Only the sweeps' measures (the SLA and time sweeps against the table's size, the SLA
    /// backlog), printed, not written to the page.
    #[arg(long)]
    sweeps_only: bool,
    /// With `--sweeps-only`: only the backlog (the table-size runs take the longest to load).
    #[arg(long)]
    backlog_only: bool,
    /// Where the functions' binaries (and `hello-lambda`) are, built in this bench's profile:
    /// measures their cold starts (`cargo xtask bench` builds them and passes this).
    #[arg(long)]
    binaries: Option<PathBuf>,
    /// Where `cargo lambda build --release --arm64 --output-format zip` put the functions'
    /// packages (`<function>/bootstrap.zip`): their sizes go on the page.
    #[arg(long)]
    arm64: Option<PathBuf>,
    /// Only the cold starts (with `--binaries`), printed, not written to the page.
    #[arg(long)]
    cold_start_only: bool,
    /// Only a month's report against the desk's size (issue 14's figures), printed.
    #[arg(long)]
    report_only: bool,
    /// The build profile this binary was built with, for the page.
    #[arg(long, default_value = "release")]
    profile: String,
    /// The profile the functions in `--binaries` were built with (default: `--profile`).
    #[arg(long)]
    binaries_profile: Option<String>,
    /// Only the API create throughput and its engine limit (a dev host in this process), printed.
    #[arg(long)]
    create_only: bool,
    /// Only mail → ticket end to end and its engine limit (a dev host in this process), printed.
    #[arg(long)]
    mail_only: bool,
    /// Only the requests and times per operation (the dev host in this process), printed.
    #[arg(long)]
    operations_only: bool,
}

/// How many runs each measure takes.
struct Sizes {
    engine_requests: usize,
    operation_runs: usize,
    creates_per_client: usize,
    /// (tickets in the table, past due in each half) for the SLA and time sweeps' scaling.
    sweep_tables: [(usize, usize); 2],
    /// Tickets due at once for the SLA sweep's backlog.
    sweep_backlog: usize,
    /// Cold starts of each function.
    cold_start_runs: usize,
    /// Mails for the mail → ticket throughput, and how many of them are replies.
    mails: (usize, usize),
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    let sizes = if args.quick {
        Sizes {
            engine_requests: 20,
            operation_runs: 3,
            creates_per_client: 5,
            sweep_tables: [(100, 10), (1_000, 10)],
            sweep_backlog: 300,
            cold_start_runs: 2,
            mails: (20, 2),
        }
    } else {
        Sizes {
            engine_requests: 300,
            operation_runs: 15,
            creates_per_client: 100,
            sweep_tables: [(1_000, 100), (100_000, 100)],
            sweep_backlog: 6_000,
            cold_start_runs: 7,
            mails: (200, 20),
        }
    };
    let plain = test_support::sdk_config().await?;
    let counter = Counter::default();
    let counting = plain.clone().into_builder().http_client(counter.http_client()).build();
    if args.report_only {
        let sizes: &[usize] = if args.quick { &[100, 1_000] } else { &[10_000, 100_000] };
        let mut scales = Vec::new();
        for tickets in sizes {
            eprintln!("==> a month's report over {tickets} tickets");
            scales.extend(report_mail::scale(&plain, &counting, &counter, *tickets).await?);
        }
        print!("{}", report_mail::section(&scales));
        return Ok(());
    }
    if args.sweeps_only {
        let sizes = Sizes {
            sweep_tables: if args.backlog_only {
                [(0, 0); 2]
            } else {
                sizes.sweep_tables
            },
            ..sizes
        };
        let sweeps = sweeps(&plain, &counting, &counter, &sizes).await?;
        print!("{}", report::sweep_sections(&sweeps));
        return Ok(());
    }

    let binaries_profile = args.binaries_profile.clone().unwrap_or_else(|| args.profile.clone());
    if args.cold_start_only {
        let desk = Desk::start(counting.clone(), counter.clone()).await?;
        let cold = cold_starts(&args, &desk, &sizes).await?.unwrap_or_default();
        print!("{}", report::cold_start_section(&cold, &binaries_profile));
        return Ok(());
    }
    if args.create_only {
        let desk = Arc::new(Desk::start(counting.clone(), counter.clone()).await?);
        print!("{}", report::create_section(&create_throughput(&desk, &sizes).await?));
        return Ok(());
    }
    if args.mail_only {
        let desk = Desk::start(counting.clone(), counter.clone()).await?;
        print!("{}", report::mail_section(&mail_throughput(&desk, &sizes).await?));
        return Ok(());
    }
    if args.operations_only {
        let desk = Desk::start(counting.clone(), counter.clone()).await?;
        let operations = desk.operations(sizes.operation_runs).await?;
        print!("{}", report::operations_section(&operations));
        print!("{}", cost::section(&operations));
        return Ok(());
    }

    eprintln!("==> the engines' own rates, no dev host");
    let table = test_support::fresh_table(&plain).await;
    let alone = engines::measure(&plain, &table, sizes.engine_requests).await?;

    eprintln!("==> a dev host in this process");
    let desk = Arc::new(Desk::start(counting.clone(), counter.clone()).await?);
    let cold = cold_starts(&args, &desk, &sizes).await?;
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

    let throughput = create_throughput(&desk, &sizes).await?;

    let mail = mail_throughput(&desk, &sizes).await?;

    let sweeps = sweeps(&plain, &counting, &counter, &sizes).await?;

    let packages = args.arm64.as_deref().map(packages::measure).transpose()?;
    let page = report::page(&report::Figures {
        quick: args.quick,
        profile: &args.profile,
        alone: &alone,
        beside: &beside,
        operations: &operations,
        throughput: &throughput,
        mail: &mail,
        binaries_profile: &binaries_profile,
        sweeps: &sweeps,
        cold_starts: cold.as_deref(),
        packages: packages.as_deref(),
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

/// Cold starts of the binaries in `--binaries`, with the dev host's environment (its table,
/// bucket and link key) and the stack's endpoints.
async fn cold_starts(args: &Args, desk: &Desk, sizes: &Sizes) -> Result<Option<Vec<coldstart::ColdStart>>> {
    let Some(binaries) = &args.binaries else {
        return Ok(None);
    };
    eprintln!("==> cold start per function");
    let mut env: std::collections::BTreeMap<String, String> = std::env::vars()
        .filter(|(name, _)| name.starts_with("AWS_") || name == "PATH")
        .collect();
    let functions = devhost::host::function_env(&desk.host.names, &desk.url);
    env.extend(functions.vars().map(|(k, v)| (k.to_owned(), v.to_owned())));
    let events = std::env::current_dir()?.join("events");
    Ok(Some(
        coldstart::measure(binaries, &events, &env, sizes.cold_start_runs).await?,
    ))
}

/// The SLA sweep's backlog, then the SLA and time sweeps over a small and a large table with
/// the same due work.
async fn sweeps(
    plain: &aws_config::SdkConfig,
    counting: &aws_config::SdkConfig,
    counter: &Counter,
    sizes: &Sizes,
) -> Result<sweeps::Sweeps> {
    // The backlog first: after a 100,000-ticket table, even dropped, DynamoDB Local ran its
    // 6,000 transactions for more than 20 minutes (2026-12-07 and 2026-12-08).
    eprintln!("==> SLA sweep over {} due at once", sizes.sweep_backlog);
    let backlog = sweeps::backlog(plain, sizes.sweep_backlog).await?;
    eprintln!("    {} runs", backlog.runs.len());
    eprintln!("==> the SLA and time sweeps against the table's size");
    let (mut sla, mut time) = (Vec::new(), Vec::new());
    for (tickets, due) in sizes.sweep_tables.into_iter().filter(|&(tickets, _)| tickets > 0) {
        let (s, t) = sweeps::scale(plain, counting, counter, tickets, due).await?;
        for (name, scale) in [("SLA", &s), ("time", &t)] {
            eprintln!(
                "    {tickets} tickets, {due} due, {name} sweep: {:?}, {}",
                scale.time,
                scale.counts.summary()
            );
        }
        sla.push(s);
        time.push(t);
    }
    Ok(sweeps::Sweeps { sla, time, backlog })
}

/// The mail load end to end over SMTP, then the engines' limit for the same mails.
async fn mail_throughput(desk: &Desk, sizes: &Sizes) -> Result<desk::MailThroughput> {
    eprintln!("==> mail → ticket end to end");
    let (mails, replies) = sizes.mails;
    let mut mail = desk.mail_throughput(mails, replies).await?;
    eprintln!("    {}", mail.rate.describe());
    let limit = limits::mail_limit(desk, mails, replies).await?;
    eprintln!(
        "    the use case alone, {} at once: {}",
        limits::MAILS_AT_ONCE,
        limit.describe()
    );
    mail.limit = Some(limit);
    Ok(mail)
}

/// API creates at 1, 2 and 8 clients, each beside the engine's limit for the same requests.
async fn create_throughput(desk: &Arc<Desk>, sizes: &Sizes) -> Result<Vec<(usize, stats::Rate, stats::Rate)>> {
    eprintln!("==> API create throughput");
    // DynamoDB Local's JIT warms up on the first requests of a kind: measured first and cold,
    // the API at one client ran at half the engine limit measured a minute later (2026-12-07).
    let warm = limits::create_limit(desk, 2, sizes.creates_per_client).await?;
    eprintln!("    warm-up, 2 clients, the use case alone: {}", warm.describe());
    let mut throughput = Vec::new();
    for clients in [1, 2, 8] {
        let rate = desk.create_throughput(clients, sizes.creates_per_client).await?;
        eprintln!("    {clients} clients: {}", rate.describe());
        let limit = limits::create_limit(desk, clients, sizes.creates_per_client).await?;
        eprintln!("    {clients} clients, the use case alone: {}", limit.describe());
        throughput.push((clients, rate, limit));
    }
    Ok(throughput)
}
