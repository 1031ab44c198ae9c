//! Mail on the wire: reading inbound MIME (mail-parser), delivery status reports in it, and
//! building outgoing MIME (mail-builder).

pub mod compose;
pub mod dsn;
pub mod parse;

pub use parse::{MailLimits, parse_mime};
