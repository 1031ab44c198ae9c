//! Lambdesk's library: the pure domain, the ports the functions depend on, the AWS adapters
//! behind them, and the HTTP edge shared by the API functions.

pub mod adapters;
pub mod config;
pub mod domain;
pub mod http;
pub mod ports;
pub mod queue;
pub mod schedule;
pub mod usecases;
