//! Contacts: the people who write in. Recognised by email (case-insensitive) or phone (E.164);
//! each may have a name and a language tag (`cs`, `en-GB`) that picks the language of the
//! mails they get.

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::error::DomainError;
use super::ids::ContactId;
use super::time::Timestamp;

/// An email address, kept as written; compared and looked up by its lowercased form.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EmailAddress(String);

impl EmailAddress {
    pub fn parse(text: &str) -> Result<Self, DomainError> {
        let text = text.trim();
        let invalid = |reason: &'static str| DomainError::invalid("email", reason);
        if text.is_empty() {
            return Err(invalid("must not be empty"));
        }
        if text.len() > 254 {
            return Err(invalid("must be at most 254 characters"));
        }
        // Control characters and whitespace would let a value break out of a mail header.
        if text
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || matches!(c, '<' | '>' | ',' | ';' | '"'))
        {
            return Err(invalid("must not contain spaces, control characters or <>,;\""));
        }
        let (local, domain) = text.rsplit_once('@').ok_or_else(|| invalid("must contain @"))?;
        if local.is_empty() || local.len() > 64 {
            return Err(invalid("the part before @ must be 1 to 64 characters"));
        }
        if domain.is_empty()
            || !domain.contains('.')
            || domain.starts_with('.')
            || domain.ends_with('.')
            || domain.contains("..")
            || domain.contains('@')
        {
            return Err(invalid("the domain must look like example.com"));
        }
        Ok(Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The form used for lookups and uniqueness: the whole address lowercased.
    pub fn normalized(&self) -> String {
        self.0.to_lowercase()
    }

    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map(|(_, d)| d).unwrap_or_default()
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for EmailAddress {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for EmailAddress {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// A phone number in E.164 form (`+420601234567`); spaces, dots, dashes and brackets are
/// dropped on the way in.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    pub fn parse(text: &str) -> Result<Self, DomainError> {
        let compact: String = text
            .trim()
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')'))
            .collect();
        let digits = compact
            .strip_prefix('+')
            .ok_or_else(|| DomainError::invalid("phone", "must start with + and the country code"))?;
        if !(8..=15).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) || digits.starts_with('0') {
            return Err(DomainError::invalid(
                "phone",
                "must be + followed by 8 to 15 digits (E.164)",
            ));
        }
        Ok(Self(compact))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Serialize for PhoneNumber {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for PhoneNumber {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// A language tag as far as templates care: `en`, `cs`, `hu`, `ms`, or a region form `en-GB`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Language(String);

impl Language {
    pub fn parse(text: &str) -> Result<Self, DomainError> {
        let ok = text.len() <= 12
            && !text.is_empty()
            && text
                .split('-')
                .all(|part| (2..=8).contains(&part.len()) && part.chars().all(|c| c.is_ascii_alphanumeric()));
        if !ok {
            return Err(DomainError::invalid(
                "language",
                "expected a language tag like en or cs-CZ",
            ));
        }
        Ok(Self(text.to_ascii_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for Language {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// A display name: trimmed, 1 to 200 characters, no control characters.
pub fn parse_name(field: &'static str, text: &str) -> Result<String, DomainError> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > 200 {
        return Err(DomainError::invalid(field, "must be 1 to 200 characters"));
    }
    if text.chars().any(char::is_control) {
        return Err(DomainError::invalid(field, "must not contain control characters"));
    }
    Ok(text.to_owned())
}

/// A group a contact belongs to, such as `vip` or a customer company: SLA policies can choose
/// by it. Lowercase letters, digits and `-_:.`, 1 to 50 characters; input is lowercased.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ContactGroup(String);

impl ContactGroup {
    /// A contact's groups are copied onto each of their tickets: keep the list short.
    pub const MAX_PER_CONTACT: usize = 20;

    pub fn parse(text: &str) -> Result<Self, DomainError> {
        let group = text.trim().to_lowercase();
        let ok = (1..=50).contains(&group.len())
            && group
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | ':' | '.'));
        if !ok {
            return Err(DomainError::invalid(
                "groups",
                format!("{text:?} is not a group: use 1 to 50 of a-z 0-9 - _ : ."),
            ));
        }
        Ok(Self(group))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Checks a whole list of groups as a contact keeps it.
    pub fn check_count(groups: &BTreeSet<ContactGroup>) -> Result<(), DomainError> {
        if groups.len() > Self::MAX_PER_CONTACT {
            return Err(DomainError::invalid(
                "groups",
                format!("at most {} groups per contact", Self::MAX_PER_CONTACT),
            ));
        }
        Ok(())
    }
}

impl Serialize for ContactGroup {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for ContactGroup {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub id: ContactId,
    pub name: Option<String>,
    pub email: Option<EmailAddress>,
    pub phone: Option<PhoneNumber>,
    pub language: Option<Language>,
    pub created_at: Timestamp,
    /// Mail to this contact bounced: do not send more until someone checks the address.
    #[serde(default)]
    pub undeliverable: bool,
    /// Groups such as `vip`, set by staff; copied onto the contact's tickets for SLA policies.
    #[serde(default)]
    pub groups: BTreeSet<ContactGroup>,
}

/// Who a new ticket is for, as the request names them; at least one of email and phone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequesterDetails {
    pub name: Option<String>,
    pub email: Option<EmailAddress>,
    pub phone: Option<PhoneNumber>,
    pub language: Option<Language>,
}

impl RequesterDetails {
    pub fn new(
        name: Option<String>,
        email: Option<EmailAddress>,
        phone: Option<PhoneNumber>,
        language: Option<Language>,
    ) -> Result<Self, DomainError> {
        if email.is_none() && phone.is_none() {
            return Err(DomainError::invalid("email", "a requester needs an email or a phone"));
        }
        Ok(Self {
            name,
            email,
            phone,
            language,
        })
    }

    pub fn into_contact(self, id: ContactId, now: Timestamp) -> Contact {
        Contact {
            id,
            name: self.name,
            email: self.email,
            phone: self.phone,
            language: self.language,
            created_at: now,
            undeliverable: false,
            groups: BTreeSet::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn emails_keep_their_case_but_match_lowercased() {
        let email = EmailAddress::parse("  Jana.Novak@Example.COM ").unwrap();
        assert_eq!(email.as_str(), "Jana.Novak@Example.COM");
        assert_eq!(email.normalized(), "jana.novak@example.com");
        assert_eq!(email.domain(), "Example.COM");
    }

    #[test]
    fn bad_emails_are_refused() {
        for bad in [
            "",
            "plain",
            "@example.com",
            "a@",
            "a@b",
            "a@.com",
            "a@b..com",
            "a b@c.com",
            "a@b.com\r\nBcc: x@y.z",
            "<a@b.com>",
            "a,b@c.com",
        ] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn phones_are_normalised_to_e164() {
        assert_eq!(
            PhoneNumber::parse("+420 601-234 (567)").unwrap().as_str(),
            "+420601234567"
        );
        for bad in ["601234567", "+0601234567", "+42", "+4206012345678901", "+420abc45678"] {
            assert!(PhoneNumber::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_requester_needs_a_way_to_reach_them() {
        assert!(RequesterDetails::new(Some("A".into()), None, None, None).is_err());
    }

    #[test]
    fn groups_are_lowercase_slugs() {
        assert_eq!(ContactGroup::parse(" VIP ").unwrap().as_str(), "vip");
        for bad in ["", "v i p", "vip!", &"x".repeat(51)] {
            assert!(ContactGroup::parse(bad).is_err(), "{bad:?}");
        }
        let many: BTreeSet<ContactGroup> = (0..21)
            .map(|i| ContactGroup::parse(&format!("g{i}")).unwrap())
            .collect();
        assert!(ContactGroup::check_count(&many).is_err());
    }

    #[test]
    fn languages() {
        assert_eq!(Language::parse("cs-CZ").unwrap().as_str(), "cs-cz");
        assert!(Language::parse("c").is_err());
        assert!(Language::parse("en_GB").is_err());
    }

    proptest! {
        #[test]
        fn a_parsed_email_never_holds_a_line_break(text in ".*") {
            if let Ok(email) = EmailAddress::parse(&text) {
                prop_assert!(!email.as_str().contains(['\r', '\n']));
            }
        }
    }
}
