//! The dev host's clock: every function on the host takes "now" from it. It reads the
//! machine's time unless started at another instant (`cargo xtask dev --clock <time>`), and
//! then runs forward from that instant at the machine's pace, so a person can play, say, a
//! Friday evening by hand while the host keeps working as usual.

use chrono::{DateTime, TimeDelta, Utc};
use shared::domain::{Clock, SystemClock, Timestamp};

/// A clock `offset` away from `base` (the machine's clock, or a fixed one in tests).
#[derive(Debug, Clone, Copy)]
pub struct DevClock<B = SystemClock> {
    base: B,
    offset: TimeDelta,
}

impl DevClock {
    /// The machine's own time.
    pub fn system() -> Self {
        Self {
            base: SystemClock,
            offset: TimeDelta::zero(),
        }
    }

    /// Reads `start` now and runs forward from it.
    pub fn starting_at(start: DateTime<Utc>) -> Self {
        Self::on(SystemClock, start)
    }
}

impl Default for DevClock {
    fn default() -> Self {
        Self::system()
    }
}

impl<B: Clock> DevClock<B> {
    /// Reads `start` when `base` reads its current time, and moves with `base` from there.
    pub fn on(base: B, start: DateTime<Utc>) -> Self {
        let offset = start - base.now().as_datetime();
        Self { base, offset }
    }
}

impl<B: Clock> Clock for DevClock<B> {
    fn now(&self) -> Timestamp {
        Timestamp::new(self.base.now().as_datetime() + self.offset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// A base clock the test moves by hand.
    struct HandClock(Mutex<Timestamp>);

    impl Clock for &HandClock {
        fn now(&self) -> Timestamp {
            *self.0.lock().unwrap()
        }
    }

    fn at(text: &str) -> Timestamp {
        Timestamp::parse(text).unwrap()
    }

    #[test]
    fn starts_at_the_instant_and_runs_forward_with_the_machine() {
        let machine = HandClock(Mutex::new(at("2026-12-07T00:40:00Z")));
        let clock = DevClock::on(&machine, at("2026-11-20T15:30:00Z").as_datetime());
        assert_eq!(clock.now(), at("2026-11-20T15:30:00Z"));
        *machine.0.lock().unwrap() = at("2026-12-07T02:10:00.250Z");
        assert_eq!(clock.now(), at("2026-11-20T17:00:00.250Z"));
    }

    #[test]
    fn the_system_clock_is_not_moved() {
        let machine = HandClock(Mutex::new(at("2026-12-07T00:40:00Z")));
        let clock = DevClock::on(&machine, at("2026-12-07T00:40:00Z").as_datetime());
        assert_eq!(clock.now(), (&machine).now());
    }
}
