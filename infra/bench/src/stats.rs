//! Rates and latency percentiles.

use std::future::Future;
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct Rate {
    pub count: usize,
    pub elapsed: Duration,
    latencies: Vec<Duration>,
}

impl Rate {
    pub fn new(count: usize, elapsed: Duration, mut latencies: Vec<Duration>) -> Self {
        latencies.sort();
        Self {
            count,
            elapsed,
            latencies,
        }
    }

    pub fn per_second(&self) -> f64 {
        self.count as f64 / self.elapsed.as_secs_f64().max(f64::EPSILON)
    }

    /// The latency at `p` (0.5 for the median), nearest rank.
    pub fn percentile(&self, p: f64) -> Duration {
        percentile(&self.latencies, p)
    }

    /// `123.4/s (p50 5.1 ms, p95 9.0 ms)`.
    pub fn describe(&self) -> String {
        format!(
            "{:.1}/s (p50 {}, p95 {})",
            self.per_second(),
            ms(self.percentile(0.5)),
            ms(self.percentile(0.95))
        )
    }
}

/// Nearest-rank percentile of sorted `values`.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

pub fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// `clients` tasks at once, each calling `call` `per_client` times in a row (numbered
/// `client × per_client + i`); the rate of them all, with each call's latency.
pub async fn in_clients<F, Fut>(clients: usize, per_client: usize, call: F) -> anyhow::Result<Rate>
where
    F: Fn(usize) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = anyhow::Result<()>> + Send,
{
    let start = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let call = call.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(per_client);
            for i in 0..per_client {
                let one = Instant::now();
                call(c * per_client + i).await?;
                latencies.push(one.elapsed());
            }
            Ok::<_, anyhow::Error>(latencies)
        }));
    }
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await??);
    }
    Ok(Rate::new(clients * per_client, start.elapsed(), latencies))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<Duration> = (1..=10).map(Duration::from_millis).collect();
        assert_eq!(percentile(&v, 0.5), Duration::from_millis(5));
        assert_eq!(percentile(&v, 0.95), Duration::from_millis(10));
        assert_eq!(percentile(&[], 0.5), Duration::ZERO);
    }
}
