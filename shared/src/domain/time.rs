//! Timestamps: UTC, millisecond precision, always written as RFC 3339 with a `Z`.
//!
//! The fixed width matters: timestamps are part of sort keys, so their text order must be
//! their time order.

use std::fmt;

use chrono::{DateTime, SecondsFormat, SubsecRound, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(DateTime<Utc>);

impl Timestamp {
    pub fn new(at: DateTime<Utc>) -> Self {
        Self(at.trunc_subsecs(3))
    }

    pub fn parse(text: &str) -> Result<Self, chrono::ParseError> {
        Ok(Self::new(DateTime::parse_from_rfc3339(text)?.with_timezone(&Utc)))
    }

    pub fn as_datetime(&self) -> DateTime<Utc> {
        self.0
    }

    /// `YYYY-MM`, the creation-month bucket of the `byMonth` index.
    pub fn month(&self) -> String {
        self.0.format("%Y-%m").to_string()
    }

    pub fn timestamp_millis(&self) -> i64 {
        self.0.timestamp_millis()
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.to_rfc3339_opts(SecondsFormat::Millis, true))
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Timestamp::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// Where "now" comes from: the system in production, a fixed instant in tests.
pub trait Clock: Send + Sync {
    fn now(&self) -> Timestamp;
}

#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::new(Utc::now())
    }
}

#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub Timestamp);

impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn writes_millis_and_z() {
        let t = Timestamp::parse("2026-11-23T09:15:00.123456+01:00").unwrap();
        assert_eq!(t.to_string(), "2026-11-23T08:15:00.123Z");
        assert_eq!(t.month(), "2026-11");
    }

    proptest! {
        #[test]
        fn text_order_is_time_order(a in 0i64..4_000_000_000_000, b in 0i64..4_000_000_000_000) {
            let ta = Timestamp::new(DateTime::from_timestamp_millis(a).unwrap());
            let tb = Timestamp::new(DateTime::from_timestamp_millis(b).unwrap());
            prop_assert_eq!(ta.cmp(&tb), ta.to_string().cmp(&tb.to_string()));
        }
    }
}
