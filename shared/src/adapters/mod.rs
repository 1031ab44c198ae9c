//! Implementations of the ports: AWS services, the webhooks teams receive, and mail on the
//! wire (MIME in and out, SES's delivery events).

pub mod bus;
pub mod cognito;
pub mod dynamodb;
pub mod mime;
pub mod s3;
pub mod secrets;
pub mod sesv2;
pub mod webhook;
