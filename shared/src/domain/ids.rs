//! Identifiers: ULIDs for everything stored (sortable by creation time), and the human ticket
//! number `HD-1042`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use ulid::Ulid;

use super::error::DomainError;
use super::time::Timestamp;

macro_rules! ulid_id {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(Ulid);

        impl $name {
            /// A new id whose time part is `at`, so ids sort in creation order.
            pub fn generate(at: Timestamp) -> Self {
                let ms = u64::try_from(at.timestamp_millis()).unwrap_or_default();
                Self(Ulid::from_parts(ms, rand_bits()))
            }

            pub fn parse(text: &str) -> Result<Self, DomainError> {
                // A first character above 7 overflows 128 bits; the parser would wrap it
                // silently into another id.
                let canonical = text.len() == 26 && text.starts_with(|c: char| ('0'..='7').contains(&c));
                canonical
                    .then(|| Ulid::from_string(text).ok())
                    .flatten()
                    .map(Self)
                    .ok_or_else(|| DomainError::invalid($what, "not a valid id (26-character ULID)"))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = DomainError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = String::deserialize(d)?;
                Self::parse(&text).map_err(serde::de::Error::custom)
            }
        }
    };
}

fn rand_bits() -> u128 {
    // ULID's 80 random bits; `Ulid::new` would read the wall clock, which tests control.
    Ulid::new().random()
}

ulid_id!(/// A ticket's stable id.
    TicketId, "ticket_id");
ulid_id!(/// A contact's stable id: the customer id shown to agents.
    ContactId, "contact_id");
ulid_id!(/// An agent's id.
    AgentId, "agent_id");
ulid_id!(/// A message's id (customer message, agent reply or internal note).
    MessageId, "message_id");
ulid_id!(/// An audit event's id; also the id of the event on the bus.
    EventId, "event_id");
ulid_id!(/// An automation rule's id.
    RuleId, "rule_id");
ulid_id!(/// An SLA policy's id.
    SlaPolicyId, "sla_policy_id");
ulid_id!(/// A report subscription's id.
    ReportSubscriptionId, "subscription_id");

/// The human ticket number, shown as `HD-1042`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TicketNumber(u64);

impl TicketNumber {
    pub const PREFIX: &'static str = "HD-";

    pub fn new(n: u64) -> Self {
        Self(n)
    }

    pub fn value(&self) -> u64 {
        self.0
    }

    /// Accepts `HD-1042` in any letter case; nothing else.
    pub fn parse(text: &str) -> Result<Self, DomainError> {
        let invalid = || DomainError::invalid("ticket_number", "expected a ticket number like HD-1042");
        let digits = text
            .get(..Self::PREFIX.len())
            .filter(|p| p.eq_ignore_ascii_case(Self::PREFIX))
            .map(|_| &text[Self::PREFIX.len()..])
            .ok_or_else(invalid)?;
        if digits.is_empty() || digits.len() > 20 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid());
        }
        digits.parse().map(Self).map_err(|_| invalid())
    }
}

impl fmt::Display for TicketNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", Self::PREFIX, self.0)
    }
}

impl Serialize for TicketNumber {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for TicketNumber {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// How a request names a ticket: by id or by human number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TicketRef {
    Id(TicketId),
    Number(TicketNumber),
}

impl TicketRef {
    pub fn parse(text: &str) -> Result<Self, DomainError> {
        if let Ok(number) = TicketNumber::parse(text) {
            return Ok(Self::Number(number));
        }
        TicketId::parse(text)
            .map(Self::Id)
            .map_err(|_| DomainError::invalid("ticket", "expected a ticket id (ULID) or number like HD-1042"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn ticket_numbers_parse_in_any_case() {
        assert_eq!(TicketNumber::parse("HD-1042").unwrap().value(), 1042);
        assert_eq!(TicketNumber::parse("hd-7").unwrap().value(), 7);
        assert_eq!(TicketNumber::new(1042).to_string(), "HD-1042");
    }

    #[test]
    fn bad_ticket_numbers_are_refused() {
        for bad in [
            "",
            "HD-",
            "HD-12a",
            "1042",
            "XX-1042",
            "HD--1",
            "HD-+1",
            "HD-99999999999999999999",
            "Ĥ",
        ] {
            assert!(TicketNumber::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn refs_tell_numbers_from_ids() {
        let id = TicketId::generate(Timestamp::parse("2026-01-01T00:00:00Z").unwrap());
        assert_eq!(TicketRef::parse(&id.to_string()).unwrap(), TicketRef::Id(id));
        assert_eq!(
            TicketRef::parse("HD-5").unwrap(),
            TicketRef::Number(TicketNumber::new(5))
        );
        assert!(TicketRef::parse("nope").is_err());
    }

    #[test]
    fn only_canonical_ulids_parse() {
        assert!(TicketId::parse("01ARZ3NDEKTSV4RRFFQ69G5FAV").is_ok());
        assert!(
            TicketId::parse("81ARZ3NDEKTSV4RRFFQ69G5FAV").is_err(),
            "would wrap past 128 bits"
        );
        assert!(TicketId::parse("01ARZ3NDEKTSV4RRFFQ69G5FA").is_err());
    }

    #[test]
    fn ids_sort_by_the_time_they_were_made() {
        let early = TicketId::generate(Timestamp::parse("2026-01-01T00:00:00Z").unwrap());
        let late = TicketId::generate(Timestamp::parse("2026-01-01T00:00:00.001Z").unwrap());
        assert!(early < late);
        assert!(early.to_string() < late.to_string());
    }

    proptest! {
        #[test]
        fn numbers_round_trip(n in 0u64..u64::MAX / 10) {
            let number = TicketNumber::new(n);
            prop_assert_eq!(TicketNumber::parse(&number.to_string()).unwrap(), number);
        }

        #[test]
        fn parsing_never_panics(text in ".*") {
            let _ = TicketRef::parse(&text);
        }
    }
}
