//! The monthly AWS bill of issue 16's reference desk (10 agents, 10,000 tickets a month, 3
//! messages each, the sweeps on their schedules, daily reports), from the DynamoDB requests and
//! write units this run measured per operation and the AWS list prices (us-east-1), as a table
//! anyone can recompute: every line shows its monthly quantity and its price.
//!
//! What the model assumes about the desk (the issue names only its size) is stated on the page
//! with the table, and so are the lines that are fixed costs of the stack (not of its use).

use std::fmt::Write;

use crate::desk::Operation;

/// The date the prices below were written down from AWS's price pages (us-east-1, list prices,
/// no savings plans), and where; the machine that runs the bench does not fetch them.
pub const PRICES_AS_OF: &str = "2026-12-07";
const SOURCES: &str = "aws.amazon.com/lambda/pricing, /dynamodb/pricing/on-demand (after the \
    2024-11-01 reduction), /ses/pricing, /sqs/pricing, /eventbridge/pricing (events, Scheduler, \
    Pipes), /api-gateway/pricing (HTTP APIs), /s3/pricing, /secrets-manager/pricing, \
    /cloudwatch/pricing";

/// The reference desk's month.
const TICKETS: f64 = 10_000.0;
/// Of them, opened by mail (the rest through the contact form).
const BY_MAIL: f64 = 0.5;
/// Messages per ticket: the customer's first (mail or form), an agent's reply, the customer's
/// answer by mail.
const MESSAGES: f64 = 3.0;
/// Ticket events per ticket the consumers see: created, agent replied, customer replied,
/// resolved.
const EVENTS: f64 = 4.0;
/// Agents' API requests per ticket besides the reply (queue, ticket, messages, audit, the
/// resolving PATCH...).
const API_READS: f64 = 10.0;
/// Queues a ticket event reaches (reactor, csat, metrics).
const EVENT_QUEUES: f64 = 3.0;
/// Queues with a Lambda poller (inbound, reactor, csat, metrics), each polled while idle by
/// five long polls of 20 s (Lambda's SQS event source).
const POLLED_QUEUES: f64 = 4.0;
const IDLE_POLLS_PER_QUEUE: f64 = 5.0 * 3.0 * 60.0 * 24.0 * 30.0;
const MINUTES: f64 = 60.0 * 24.0 * 30.0;
/// Scheduled runs a month: sla-sweep every minute, reactor-sweep and csat-sweep every 5
/// minutes, reports hourly, retention daily.
const SCHEDULED_RUNS: f64 = MINUTES + 2.0 * MINUTES / 5.0 + MINUTES / 60.0 + 30.0;
/// Alarms in template.yaml (23 CloudWatch alarms) and secrets (the link key).
const ALARMS: f64 = 23.0;
const SECRETS: f64 = 1.0;

/// One line of the bill.
pub struct Line {
    pub service: &'static str,
    pub what: String,
    pub quantity: f64,
    pub unit: &'static str,
    /// US dollars per `per` units.
    pub price: f64,
    pub per: f64,
    /// Units a month the always-free tier covers (0 when none).
    pub free: f64,
}

impl Line {
    pub fn cost(&self) -> f64 {
        self.quantity / self.per * self.price
    }

    pub fn cost_after_free(&self) -> f64 {
        (self.quantity - self.free).max(0.0) / self.per * self.price
    }
}

/// DynamoDB read units, all DynamoDB requests and write units of the operation named
/// `prefix`, from this run.
fn measured(ops: &[Operation], prefix: &str) -> (f64, f64, f64) {
    let Some(op) = ops.iter().find(|o| o.name.starts_with(prefix)) else {
        return (0.0, 0.0, 0.0);
    };
    let all: f64 = op
        .counts
        .requests
        .iter()
        .filter(|(k, _)| k.starts_with("DynamoDB."))
        .map(|(_, v)| *v as f64)
        .sum();
    (op.counts.read_units, all, op.counts.write_units)
}

/// The bill's lines from this run's operations.
pub fn bill(ops: &[Operation]) -> Vec<Line> {
    let mails_in = TICKETS * BY_MAIL + TICKETS * (MESSAGES - 2.0);
    let forms = TICKETS * (1.0 - BY_MAIL);
    let replies = TICKETS * (MESSAGES - 2.0);
    let events = TICKETS * EVENTS;
    let api = TICKETS * API_READS + replies;
    // Mail out: acknowledgements, agent replies, satisfaction surveys, and two managers' daily
    // reports.
    let mails_out = TICKETS + replies + TICKETS + 2.0 * 30.0;
    // DynamoDB per operation, this run's counts: (read units, requests, write units).
    let mail = measured(ops, "mail → ticket");
    let form = measured(ops, "contact form submission");
    let reply = measured(ops, "agent reply");
    let created = measured(ops, "reactor, one ticket created");
    let replied = measured(ops, "reactor, one agent reply");
    let sweep = measured(ops, "time sweep run");
    // Reactor events: created and customer-replied like the form's new ticket, agent-replied
    // as measured, resolved like a sweep's read (rules only). The csat and metrics consumers
    // as measured per event (a resolution's pending survey is one more write, counted below).
    let reactor_reads = events / 4.0 * (2.0 * created.0 + replied.0 + sweep.0);
    let reactor_writes = events / 4.0 * (2.0 * created.2 + replied.2 + 1.0);
    let csat = measured(ops, "csat consumer");
    let metrics = measured(ops, "metrics consumer");
    let consumer_reads = events * (csat.0 + metrics.0);
    let consumer_writes = events * (csat.2 + metrics.2) + TICKETS;
    let scheduled = SCHEDULED_RUNS;
    let rru = mails_in * mail.0
        + forms * form.0
        + replies * reply.0
        + reactor_reads
        + consumer_reads
        + scheduled * sweep.0
        + TICKETS * API_READS * 2.0;
    let wru = mails_in * mail.2 + forms * form.2 + replies * reply.2 + reactor_writes + consumer_writes;
    // Lambda: invocations and GB-s at the template's 256 MB; 60 ms each on average (the warm
    // per-handler times measured above are 10–80 ms against the local engines).
    let invocations = api + forms * 2.0 + mails_in + events * EVENT_QUEUES + scheduled;
    let gb_seconds = invocations * 0.060 * 0.25;
    let line = |service, what: String, quantity, unit, price, per, free| Line {
        service,
        what,
        quantity,
        unit,
        price,
        per,
        free,
    };
    vec![
        line(
            "Lambda (arm64)",
            format!("{invocations:.0} invocations"),
            invocations,
            "requests",
            0.20,
            1e6,
            1e6,
        ),
        line(
            "Lambda (arm64)",
            "× 60 ms × 0.25 GB".into(),
            gb_seconds,
            "GB-s",
            0.0000133334,
            1.0,
            400_000.0,
        ),
        line(
            "DynamoDB on-demand",
            "write units (measured per operation × volume)".into(),
            wru,
            "WRU",
            0.625,
            1e6,
            0.0,
        ),
        line(
            "DynamoDB on-demand",
            "read units (measured per operation × volume)".into(),
            rru,
            "RRU",
            0.125,
            1e6,
            0.0,
        ),
        line(
            "DynamoDB",
            "storage (≈ 1 GB after a year)".into(),
            1.0,
            "GB-month",
            0.25,
            1.0,
            25.0,
        ),
        line(
            "SES",
            "mail sent (ack, reply, survey, reports)".into(),
            mails_out,
            "mails",
            0.10,
            1000.0,
            0.0,
        ),
        line("SES", "mail received".into(), mails_in, "mails", 0.10, 1000.0, 0.0),
        line(
            "SES",
            "received 256 KB chunks (1 a mail)".into(),
            mails_in,
            "chunks",
            0.09,
            1000.0,
            0.0,
        ),
        line(
            "SQS",
            "events × 3 queues and mail: send, receive, delete".into(),
            3.0 * (events * EVENT_QUEUES + mails_in),
            "requests",
            0.40,
            1e6,
            1e6,
        ),
        line(
            "SQS",
            "idle long polls of 4 Lambda pollers (5 × 3/min each)".into(),
            POLLED_QUEUES * IDLE_POLLS_PER_QUEUE,
            "requests",
            0.40,
            1e6,
            0.0,
        ),
        line(
            "EventBridge",
            "ticket events put on the bus".into(),
            events,
            "events",
            1.00,
            1e6,
            0.0,
        ),
        line(
            "EventBridge Pipes",
            "stream → bus".into(),
            events,
            "requests",
            0.40,
            1e6,
            0.0,
        ),
        line(
            "EventBridge Scheduler",
            "sweeps, reports, retention".into(),
            scheduled,
            "invocations",
            1.00,
            1e6,
            14e6,
        ),
        line(
            "HTTP API",
            "agents' API and the form".into(),
            api + forms * 2.0,
            "requests",
            1.00,
            1e6,
            0.0,
        ),
        line(
            "S3",
            "raw mail and files: PUT".into(),
            mails_in,
            "requests",
            0.005,
            1000.0,
            0.0,
        ),
        line("S3", "GET".into(), mails_in * 2.0, "requests", 0.0004, 1000.0, 0.0),
        line(
            "S3",
            "storage (≈ 2 GB after a year)".into(),
            2.0,
            "GB-month",
            0.023,
            1.0,
            0.0,
        ),
        line(
            "Secrets Manager",
            "the link key".into(),
            SECRETS,
            "secrets",
            0.40,
            1.0,
            0.0,
        ),
        line(
            "CloudWatch",
            "alarms in template.yaml".into(),
            ALARMS,
            "alarms",
            0.10,
            1.0,
            10.0,
        ),
        line(
            "CloudWatch Logs",
            "≈ 1 KB of log a invocation".into(),
            invocations * 1024.0 / 1e9,
            "GB",
            0.50,
            1.0,
            5.0,
        ),
    ]
}

/// The page's section: the assumptions, the bill, the totals against the $6 target.
pub fn section(ops: &[Operation]) -> String {
    let lines = bill(ops);
    let mut page = String::new();
    let p = &mut page;
    let _ = writeln!(p, "\n## Monthly AWS cost of the reference desk\n");
    let _ = writeln!(
        p,
        "Issue 16's desk: 10 agents, {TICKETS:.0} tickets a month, {MESSAGES:.0} messages each, the sweeps on \
         their schedules, daily reports. Assumed to fill it in: half the tickets open by mail, half through \
         the contact form; the messages are the customer's first, an agent's reply and the customer's answer \
         by mail; {EVENTS:.0} ticket events a ticket (created, agent replied, customer replied, resolved), \
         each reaching the reactor, csat and metrics queues; {API_READS:.0} other API requests a ticket by \
         the agents (2 read units each); every ticket acknowledged and surveyed after it is resolved; two \
         managers' daily reports. DynamoDB figures per operation are this run's counts (the table above): \
         mail → ticket for each mail in, the form submission, the agent reply, the reactor's event for a \
         created ticket (also for a customer's reply) and for an agent reply, the time sweep's idle run for \
         each scheduled run, the csat and metrics consumers' per event (and one pending survey a \
         ticket). Prices: us-east-1 list prices as written down on {PRICES_AS_OF} from {SOURCES} \
         (not fetched by the bench: check them before relying on the total); \"free\" is the \
         always-free tier where one exists (Lambda, SQS, Scheduler, DynamoDB storage, CloudWatch).\n"
    );
    let _ = writeln!(p, "| service | what | a month | price | list $ | after free tier $ |");
    let _ = writeln!(p, "| --- | --- | --- | --- | --- | --- |");
    for l in &lines {
        let per = match l.per {
            1.0 => String::new(),
            1000.0 => " per 1,000".into(),
            1e6 => " per million".into(),
            n => format!(" per {n}"),
        };
        let _ = writeln!(
            p,
            "| {} | {} | {} {} | ${}{per} | {:.2} | {:.2} |",
            l.service,
            l.what,
            quantity(l.quantity),
            l.unit,
            l.price,
            l.cost(),
            l.cost_after_free()
        );
    }
    let list: f64 = lines.iter().map(Line::cost).sum();
    let free: f64 = lines.iter().map(Line::cost_after_free).sum();
    let ses: f64 = lines.iter().filter(|l| l.service == "SES").map(Line::cost).sum();
    let fixed: f64 = lines
        .iter()
        .filter(|l| matches!(l.service, "Secrets Manager" | "CloudWatch") || l.what.starts_with("idle"))
        .map(Line::cost_after_free)
        .sum();
    let _ = writeln!(p, "| **total** | | | | **{list:.2}** | **{free:.2}** |");
    let _ = writeln!(
        p,
        "\nTarget (issue 16): at most $6 a month. {} SES alone is ${ses:.2} (mail is priced per message, and \
         the desk sends three and receives one and a half per ticket); the stack's fixed costs (alarms beyond \
         the free ten, the secret, the pollers' idle long polls) are ${fixed:.2}. Lambda, DynamoDB, the bus \
         and the API together are cents.",
        if free <= 6.0 {
            "Met with the free tiers."
        } else {
            "Not met:"
        }
    );
    page
}

fn quantity(q: f64) -> String {
    if q >= 1000.0 {
        let whole = format!("{q:.0}");
        let mut out = String::new();
        for (i, c) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(c);
        }
        out
    } else if q >= 10.0 {
        format!("{q:.0}")
    } else {
        format!("{q:.2}")
    }
}
