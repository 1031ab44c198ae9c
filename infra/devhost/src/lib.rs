//! The dev host: one process that plays the parts of AWS that trigger our code (API Gateway
//! with its JWT authorizer, the stream-to-bus pipe) against DynamoDB Local and moto, so every
//! handler runs its production code path locally.

pub mod clock;
pub mod environment;
pub mod gateway;
pub mod host;
pub mod invoke;
pub mod local;
pub mod pattern;
pub mod pipe;
pub mod queue;
pub mod seed;
pub mod sign_in;
pub mod smtp;
pub mod template;
pub mod testing;
