//! The email channel's way in: parse what SES stored, classify it, thread it, and write it as
//! a ticket or a customer message.

pub mod parse;

pub use parse::{MailLimits, parse_mail};
