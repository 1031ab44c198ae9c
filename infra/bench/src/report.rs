//! `docs/benchmarks.md`: the figures of one run, with the machine, the method and the
//! reference figures of issue 16 beside them.

use std::fmt::Write;

use crate::coldstart::{ColdStart, HELLO};
use crate::desk::{MailThroughput, Operation};
use crate::engines::EngineRates;
use crate::packages::Package;
use crate::stats::{Rate, ms};
use crate::sweeps::{SweepScale, Sweeps};

pub struct Figures<'a> {
    pub quick: bool,
    pub profile: &'a str,
    pub alone: &'a EngineRates,
    pub beside: &'a EngineRates,
    pub operations: &'a [Operation],
    /// Per number of clients: the API's creates, and the engine's limit for the same requests.
    pub throughput: &'a [(usize, Rate, Rate)],
    pub mail: &'a MailThroughput,
    /// The profile the cold starts' binaries were built with.
    pub binaries_profile: &'a str,
    pub sweeps: &'a Sweeps,
    /// Absent when the bench was not given the functions' binaries.
    pub cold_starts: Option<&'a [ColdStart]>,
    /// Absent when the bench was not given the arm64 packages (`--quick`).
    pub packages: Option<&'a [Package]>,
}

fn command(program: &str, args: &[&str]) -> String {
    std::process::Command::new(program)
        .args(args)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_else(|| "?".into())
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, m)| m.trim().to_owned())
        })
        .unwrap_or_else(|| "?".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let load = std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default();
    format!(
        "{} {}, {cpu}, {cores} cores (load average at the end: {load})",
        command("uname", &["-s"]),
        command("uname", &["-m"])
    )
}

/// Within 10%: the target of issue 16 for the engines' rates next to the dev host.
fn within(alone: &Rate, beside: &Rate) -> String {
    let ratio = beside.per_second() / alone.per_second().max(f64::EPSILON);
    format!("{:.0}%", ratio * 100.0)
}

pub fn page(f: &Figures) -> String {
    let mut p = String::new();
    let _ = writeln!(p, "# Benchmarks\n");
    let _ = writeln!(
        p,
        "Written by `cargo xtask bench{}` (`infra/bench`); do not edit by hand, run it again. \
         The page is regenerated whole; what it does not measure yet is listed at the end.\n",
        if f.quick { " --quick" } else { "" }
    );
    if f.quick {
        let _ = writeln!(
            p,
            "**Quick run** (`--quick`): a few runs of each measure, a smoke check that every measure \
             works; the figures are not for comparison.\n"
        );
    }
    let _ = writeln!(p, "- machine: {}", machine());
    let _ = writeln!(p, "- date: {}", chrono::Utc::now().format("%Y-%m-%d %H:%M UTC"));
    let _ = writeln!(p, "- commit: {}", command("git", &["rev-parse", "--short", "HEAD"]));
    let _ = writeln!(
        p,
        "- build: the dev host and the functions in the `{}` profile, in the bench's process, against the \
         local stack `cargo xtask bench` starts (DynamoDB Local, moto)\n",
        f.profile
    );

    let _ = writeln!(p, "## The local engines' own rates\n");
    let _ = writeln!(
        p,
        "Sequential requests from the Rust SDK, one client, {} each: with no dev host, then next to a dev \
         host whose inbound and reactor pollers hold their long polls (1 s) and whose pipe polls the stream \
         every 500 ms. Target: within 10% of each other.\n",
        f.alone.sqs_send.count
    );
    let _ = writeln!(p, "| request | no dev host | dev host running | ratio |");
    let _ = writeln!(p, "| --- | --- | --- | --- |");
    for (name, a, b) in [
        ("moto: SQS SendMessage", &f.alone.sqs_send, &f.beside.sqs_send),
        ("moto: S3 PutObject (2 KB)", &f.alone.s3_put, &f.beside.s3_put),
        (
            "DynamoDB Local: TransactWriteItems, 4 puts",
            &f.alone.dynamodb_transaction,
            &f.beside.dynamodb_transaction,
        ),
    ] {
        let _ = writeln!(p, "| {name} | {} | {} | {} |", a.describe(), b.describe(), within(a, b));
    }

    p.push_str(&operations_section(f.operations));

    p.push_str(&create_section(f.throughput));
    p.push_str(&mail_section(f.mail));
    p.push_str(&sweep_sections(f.sweeps));
    if let Some(cold) = f.cold_starts {
        p.push_str(&cold_start_section(cold, f.binaries_profile));
    }
    p.push_str(&packages_section(f.packages));
    p.push_str(&crate::cost::section(f.operations));
    p.push_str(STATIC_SECTIONS);
    p
}

/// The AWS requests and the warm time of each operation.
pub fn operations_section(operations: &[Operation]) -> String {
    let mut page = String::new();
    let p = &mut page;
    let _ = writeln!(p, "\n## AWS requests and time per operation\n");
    let _ = writeln!(
        p,
        "Counted by an HTTP client wrapping the SDKs' own (`infra/bench/src/counting.rs`); write units \
         computed from the items in the requests (1 per KB, 2 in a transaction; an update counts 1), since \
         DynamoDB Local under-reports transactions; read units from the items in the responses (1 per 4 KB \
         of what a read returns, half when eventually consistent, 2 in a transaction). Time: the warm handler's, median and 95th percentile of \
         the runs on the in-process host, against the local engines. The reactor's rows include the dev \
         host's stand-ins for the pipe (DynamoDB Streams, EventBridge) and the SQS poller.\n"
    );
    let _ = writeln!(
        p,
        "| operation | time (p50) | p95 | AWS requests | DynamoDB write units | read units |"
    );
    let _ = writeln!(p, "| --- | --- | --- | --- | --- | --- |");
    for o in operations {
        let _ = writeln!(
            p,
            "| {} | {} | {} | {} | {:.0} | {:.1} |",
            o.name,
            ms(o.time),
            ms(o.p95),
            o.counts.summary(),
            o.counts.write_units,
            o.counts.read_units
        );
    }
    page
}

/// Mail → ticket end to end, beside the engines' limit for the same mails.
pub fn mail_section(m: &MailThroughput) -> String {
    let mut page = String::new();
    let p = &mut page;
    let _ = writeln!(p, "\n## Mail → ticket end to end\n");
    let _ = writeln!(
        p,
        "{} mails over SMTP to the in-process host, one after the other, the last {} of them replies \
         (In-Reply-To) to the first ones; the inbound function takes them in batch by batch (up to 10, \
         handled side by side) as S3's notifications queue them. Latency: from a mail's SMTP send to the end \
         of the batch that took it in. The engine limit: the same mails stored as the SMTP stand-in stores \
         them and taken in by the inbound use case in this process, 10 at a time, with no SMTP session, S3 \
         notification or queue poll in the way (`infra/bench/src/limits.rs`). Target (issue 16): ≥ 65 \
         mails/s, or ≥ 80% of the engine limit.\n",
        m.mails, m.replies
    );
    let _ = writeln!(
        p,
        "| mails | replies | mails/s | p50 | p95 | tickets opened | replies threaded | engine limit/s | of the limit |"
    );
    let _ = writeln!(p, "| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    let (limit, of_limit) = match &m.limit {
        Some(limit) => (
            format!("{:.1}", limit.per_second()),
            format!(
                "{:.0}%",
                100.0 * m.rate.per_second() / limit.per_second().max(f64::EPSILON)
            ),
        ),
        None => ("not measured".into(), "".into()),
    };
    let _ = writeln!(
        p,
        "| {} | {} | {:.1} | {} | {} | {} | {} of {} | {limit} | {of_limit} |",
        m.mails,
        m.replies,
        m.rate.per_second(),
        ms(m.rate.percentile(0.5)),
        ms(m.rate.percentile(0.95)),
        m.tickets,
        (m.mails - m.tickets).min(m.replies),
        m.replies
    );
    let _ = writeln!(
        p,
        "\nThe one SMTP client took {} to send the {} mails ({:.1} mails/s): the load's own pace, which \
         bounds the end-to-end rate from above.",
        ms(m.sent_in),
        m.mails,
        m.mails as f64 / m.sent_in.as_secs_f64().max(f64::EPSILON)
    );
    page
}

/// What does not change from run to run: the reference figures, findings, and what is left.
const STATIC_SECTIONS: &str = include_str!("benchmarks-notes.md");

/// The SLA and time sweeps: the same due work in a small and a large table, and the SLA
/// backlog run by run.
pub fn sweep_sections(sweeps: &Sweeps) -> String {
    let mut page = String::new();
    let p = &mut page;
    let _ = writeln!(p, "\n## The sweeps: cost against the table's size\n");
    let _ = writeln!(
        p,
        "One table per size, loaded in its stored form: half the tickets unsolved with SLA clocks (the \
         same number created two hours before, so their first response is past due), half resolved under \
         the default rule \"Close resolved tickets after 7 days\" with their next looks (`first_look`; the \
         same number resolved eight days before, so due). One `sla-sweep` run (pages of 100, 45 s budget), \
         then one time `sweep` run (pages of 100, 90 s budget), both as of the due moment with the \
         production limits. Target (issues 12 and 16): DynamoDB requests and time with the large table \
         within 10% of the small one. Each sweep Queries its own partition of `byDue` (`SLA`, `DUE`) up \
         to now, so what is not due is never read.\n"
    );
    let _ = writeln!(p, "SLA sweep:\n");
    scale_table(p, &sweeps.sla, "flagged");
    let _ = writeln!(p, "\nTime sweep:\n");
    scale_table(p, &sweeps.time, "closed");
    let b = &sweeps.backlog;
    let _ = writeln!(p, "\n## SLA sweep: {} due at once\n", b.due);
    let _ = writeln!(
        p,
        "No cap on what one run flags: each run pages through what is due until its time budget is spent, \
         and what is left stays due for the next. Runs back to back:\n"
    );
    let _ = writeln!(p, "| run | flagged | finished all due | time |");
    let _ = writeln!(p, "| --- | --- | --- | --- |");
    for (i, (flagged, complete, time)) in b.runs.iter().enumerate() {
        let _ = writeln!(
            p,
            "| {} | {flagged} | {} | {} |",
            i + 1,
            if *complete { "yes" } else { "no" },
            ms(*time)
        );
    }
    let total: usize = b.runs.iter().map(|(n, _, _)| n).sum();
    let _ = writeln!(
        p,
        "\nFlagged {total} of {} in {} run(s), none lost; a further run flagged {}.",
        b.due,
        b.runs.len(),
        b.after
    );
    page
}

/// API creates at 1, 2 and 8 clients beside the engine's limit for the same requests.
pub fn create_section(throughput: &[(usize, Rate, Rate)]) -> String {
    let mut page = String::new();
    let p = &mut page;
    let _ = writeln!(p, "\n## API ticket create throughput\n");
    let _ = writeln!(
        p,
        "`POST /v1/tickets` over HTTP to the in-process host, N clients each creating in a loop. The \
         engine limit: the same creates by the create use case called in this process (the same DynamoDB \
         requests, without HTTP, the token check or JSON; `infra/bench/src/limits.rs`), at the same number \
         of clients. Target (issue 16): 2 clients ≥ 140/s, or ≥ 80% of the engine limit.\n"
    );
    let _ = writeln!(p, "| clients | creates/s | p50 | p95 | engine limit/s | of the limit |");
    let _ = writeln!(p, "| --- | --- | --- | --- | --- | --- |");
    for (clients, rate, limit) in throughput {
        let _ = writeln!(
            p,
            "| {clients} | {:.1} | {} | {} | {:.1} | {:.0}% |",
            rate.per_second(),
            ms(rate.percentile(0.5)),
            ms(rate.percentile(0.95)),
            limit.per_second(),
            100.0 * rate.per_second() / limit.per_second().max(f64::EPSILON)
        );
    }
    page
}

/// One row per table size, and the large table's requests and time against the small one's.
fn scale_table(p: &mut String, scales: &[SweepScale], done: &str) {
    let _ = writeln!(p, "| tickets in the table | due | {done} | time | AWS requests |");
    let _ = writeln!(p, "| --- | --- | --- | --- | --- |");
    for s in scales {
        let _ = writeln!(
            p,
            "| {} | {} | {} | {} | {} |",
            s.tickets,
            s.due,
            s.flagged,
            ms(s.time),
            s.counts.summary()
        );
    }
    if let [small, large] = scales {
        let requests = |s: &SweepScale| s.counts.requests.values().sum::<u64>() as f64;
        let _ = writeln!(
            p,
            "\n{}× the tickets: {:.0}% of the small table's requests, {:.0}% of its time.",
            large.tickets / small.tickets.max(1),
            100.0 * requests(large) / requests(small).max(1.0),
            100.0 * large.time.as_secs_f64() / small.time.as_secs_f64().max(f64::EPSILON)
        );
    }
}

fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1_048_576.0)
}

/// The arm64 packages Lambda is given.
fn packages_section(packages: Option<&[Package]>) -> String {
    let mut page = String::new();
    let p = &mut page;
    let _ = writeln!(p, "\n## Lambda packages (arm64)\n");
    let Some(packages) = packages else {
        let _ = writeln!(
            p,
            "Not built for this run (`--quick` leaves out the arm64 release build, which takes longer \
             than the rest of a quick run)."
        );
        return page;
    };
    let _ = writeln!(
        p,
        "Each function's package as `cargo lambda build --release --arm64 --output-format zip` makes it \
         for the template's `Architectures: [arm64]` (the workspace's release profile: fat LTO, one \
         codegen unit, stripped): the zip is what is uploaded and fetched on a cold start, the `bootstrap` \
         in it what is paged in. Lambda's limits: 50 MB zipped for a direct upload, 250 MB unzipped.\n"
    );
    let _ = writeln!(p, "| function | zip | bootstrap |");
    let _ = writeln!(p, "| --- | --- | --- |");
    for package in packages {
        let _ = writeln!(
            p,
            "| {} | {} | {} |",
            package.name,
            mb(package.zip_bytes),
            mb(package.bootstrap_bytes)
        );
    }
    let total: u64 = packages.iter().map(|package| package.zip_bytes).sum();
    let _ = writeln!(p, "\nAll {} packages: {} zipped.", packages.len(), mb(total));
    page
}

/// Cold start per function beside the hello-world, with issue 16's targets.
pub fn cold_start_section(cold: &[ColdStart], profile: &str) -> String {
    let mut page = String::new();
    let p = &mut page;
    let _ = writeln!(p, "\n## Cold start per function\n");
    let _ = writeln!(
        p,
        "Each function's binary (`{profile}` profile, this machine's target) started under a stand-in for \
         the Lambda Runtime API (`infra/bench/src/coldstart.rs`) with the template's environment against the \
         local stack, handed one sample event from `events/`, median of the runs. Init: exec until it asks \
         for its first event; first event: asked until answered; peak RSS: `VmHWM` after the answer. \
         Targets (issue 16): init at most 1.5× and peak RSS at most 2.5× the hello-world's.\n"
    );
    let Some(hello) = cold.iter().find(|c| c.name == HELLO) else {
        return page;
    };
    let _ = writeln!(
        p,
        "| function | init | × hello | first event | peak RSS | × hello | binary | gzipped |"
    );
    let _ = writeln!(p, "| --- | --- | --- | --- | --- | --- | --- | --- |");
    for c in cold {
        let _ = writeln!(
            p,
            "| {}{} | {} | {:.1}× | {} | {} | {:.1}× | {} | {} |",
            c.name,
            if c.error.is_some() { " ¹" } else { "" },
            ms(c.init),
            c.init.as_secs_f64() / hello.init.as_secs_f64().max(f64::EPSILON),
            ms(c.first_event),
            mb(c.peak_rss_kb * 1024),
            c.peak_rss_kb as f64 / hello.peak_rss_kb.max(1) as f64,
            mb(c.binary_bytes),
            mb(c.gzipped_bytes),
        );
    }
    let missing: Vec<&str> = crate::coldstart::function_names()
        .filter(|name| !cold.iter().any(|c| c.name == *name))
        .collect();
    if !missing.is_empty() {
        let _ = writeln!(p, "\nNot built for this run, so not measured: {}.", missing.join(", "));
    }
    let errors: Vec<String> = cold
        .iter()
        .filter_map(|c| {
            c.error
                .as_ref()
                .map(|e| format!("{}: `{}`", c.name, e.replace('`', "'")))
        })
        .collect();
    if !errors.is_empty() {
        let _ = writeln!(
            p,
            "\n¹ The sample event answered with an error (it names things this fresh table does not \
             have); the process did the same work up to it: {}.",
            errors.join("; ")
        );
    }
    page
}
