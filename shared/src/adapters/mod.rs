//! AWS implementations of the ports.

pub mod dynamodb;
pub mod s3;
pub mod sesv2;
