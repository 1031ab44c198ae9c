//! The use cases: what the desk does for each caller, in terms of the domain and the ports.
//! Each reads through a port, lets the domain decide, and writes through a port; none of them
//! knows which AWS service is behind a port.
//!
//! - [`desk`]: the agents' API (tickets, people, rules, templates, merges).
//! - [`portal`]: the customer's side (the contact form's ticket, the signed portal link).
//! - [`intake`]: mail in (threading, the ticket or message it becomes, bounces).
//! - [`reactor`]: what happens after a change (acknowledgements, replies out, rules, time sweep).
//! - [`sla_sweep`]: the scheduled look at tickets whose SLA warning or due time has come.
//! - [`satisfaction`]: surveys after resolution, the rating page, ratings for the report.
//! - [`commit`]: the one way a use case commits ticket changes (read, decide, write, retry).
//! - [`files`]: attachment uploads and downloads for agents.
//! - [`privacy`]: a person's data exported or erased on request (docs/privacy.md).
//! - [`report_subscriptions`]: who gets the scheduled report mails (docs/reports.md).

pub mod commit;
pub mod desk;
pub mod files;
pub mod intake;
pub mod metrics;
pub mod portal;
pub mod privacy;
pub mod reactor;
pub mod report_subscriptions;
pub mod satisfaction;
pub mod search;
pub mod sla_sweep;
