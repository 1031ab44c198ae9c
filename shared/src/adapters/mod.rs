//! Implementations of the ports: AWS services, and the webhooks teams receive.

pub mod bus;
pub mod dynamodb;
pub mod s3;
pub mod sesv2;
pub mod webhook;
