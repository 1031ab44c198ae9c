//! The one way a use case commits ticket changes: read, decide, write; and when another writer
//! got there first (the store refuses a write whose ticket moved on since it was read), read
//! again and decide again, under one retry policy for every writer.
//!
//! The decision is the caller's closure, called afresh on each attempt with nothing carried
//! over, so a retry never writes a change decided on a stale read.

use std::future::Future;
use std::time::Duration;

use crate::domain::{AgentLoad, Contact};
use crate::ports::{StoreError, TicketStore, TicketWrite};

/// How often a write that lost a race is decided again, and how long to wait in between.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    pub attempts: u32,
    /// The wait after the first lost race; doubled after each further one.
    pub first_wait: Duration,
}

/// Enough for a handful of agents and rules on one ticket at once; the waits add up to about
/// 0.3 s, well inside an API request, and spread racing writers apart.
pub const WRITE_RETRY: RetryPolicy = RetryPolicy {
    attempts: 5,
    first_wait: Duration::from_millis(20),
};

impl RetryPolicy {
    /// The wait before attempt `attempt + 1` (1-based `attempt`): doubling, with jitter so
    /// two writers that collided do not collide again in step.
    pub fn wait_after(&self, attempt: u32) -> Duration {
        let base = self.first_wait.saturating_mul(1 << attempt.saturating_sub(1).min(8));
        // A fresh std hasher's keys are random: enough for spreading writers, with no new crate.
        let random = std::hash::BuildHasher::hash_one(&std::hash::RandomState::new(), attempt);
        let jitter = random % (base.as_millis() as u64 / 2 + 1);
        base + Duration::from_millis(jitter)
    }
}

/// What an attempt decided.
#[derive(Debug)]
pub enum Decision<T> {
    /// Nothing to write: done with this result.
    Done(T),
    /// Commit these writes (one transaction), then done with this result.
    Commit(Vec<TicketWrite>, T),
    /// Commit, holding only if each agent in the list still has the load it was seen with (an
    /// assignment decided on those loads is not made on stale ones).
    CommitAtLoads(Vec<TicketWrite>, Vec<AgentLoad>, T),
    /// Create a new ticket (and its requester, when new). A requester claimed meanwhile by
    /// another writer is a lost race too: the next attempt finds them.
    Create(Box<TicketWrite>, Option<Contact>, T),
}

impl<T> Decision<T> {
    /// One write, or nothing when the change changed nothing.
    pub fn commit_one(write: Option<TicketWrite>, result: T) -> Self {
        match write {
            Some(write) => Self::Commit(vec![write], result),
            None => Self::Done(result),
        }
    }
}

/// Decides and commits under [`WRITE_RETRY`]. `decide` gets the attempt number (1-based) and
/// reads what it needs itself. A race still lost after the last attempt is
/// `StoreError::VersionConflict`; every other store error ends at once.
///
/// `decide` is a plain closure returning a future (not an async closure), so the future this
/// returns stays `Send` for the Lambda runtime and the dev host's router.
pub async fn commit_with_retry<S, T, E, F, Fut>(store: &S, mut decide: F) -> Result<T, E>
where
    S: TicketStore,
    E: From<StoreError>,
    F: FnMut(u32) -> Fut,
    Fut: Future<Output = Result<Decision<T>, E>>,
{
    let policy = WRITE_RETRY;
    for attempt in 1..=policy.attempts {
        if attempt > 1 {
            tokio::time::sleep(policy.wait_after(attempt - 1)).await;
        }
        let result = match decide(attempt).await? {
            Decision::Done(result) => return Ok(result),
            Decision::Commit(writes, result) => store.commit(&writes).await.map(|()| result),
            Decision::CommitAtLoads(writes, loads, result) => {
                store.commit_at_loads(&writes, &loads).await.map(|()| result)
            }
            Decision::Create(write, contact, result) => match store.create_ticket(&write, contact.as_ref()).await {
                Err(StoreError::AlreadyExists { what }) if contact.is_some() && what != "mail" => {
                    Err(StoreError::VersionConflict)
                }
                other => other.map(|()| result),
            },
        };
        match result {
            Ok(result) => return Ok(result),
            Err(StoreError::VersionConflict) => {
                tracing::debug!(attempt, "a ticket write lost a race; deciding again");
                continue;
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(StoreError::VersionConflict.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_with_at_most_half_again_of_jitter() {
        for attempt in 1..=4 {
            let base = WRITE_RETRY.first_wait * (1 << (attempt - 1));
            let wait = WRITE_RETRY.wait_after(attempt);
            assert!(wait >= base && wait <= base + base / 2, "{attempt}: {wait:?}");
        }
    }
}
