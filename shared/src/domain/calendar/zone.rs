//! IANA time zones by name (`Europe/Prague`), as calendars store and show them.

use chrono_tz::Tz;
use serde::{Deserialize, Deserializer, Serializer};

use crate::domain::error::DomainError;

/// The zone named `text`, exactly as the IANA database spells it (`Europe/Prague`, `UTC`).
pub fn parse_zone(text: &str) -> Result<Tz, DomainError> {
    text.parse::<Tz>().map_err(|_| {
        DomainError::invalid(
            "time_zone",
            "expected an IANA time zone name such as Europe/Prague or America/New_York",
        )
    })
}

/// For `#[serde(with = "zone::by_name")]`.
pub(super) mod by_name {
    use super::*;

    pub fn serialize<S: Serializer>(zone: &Tz, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(zone.name())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Tz, D::Error> {
        parse_zone(&String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}
