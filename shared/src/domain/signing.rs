//! Signed values the desk hands out and takes back: form tokens, customers' portal links and
//! the reply addresses of our outgoing mail. One key at a time signs, and every value names its
//! purpose, so one kind is never accepted as another. The key can be rotated (see
//! `shared::adapters::secrets`): tokens start with the id of the key that signed them and are checked with
//! that key if it is the current or the previous one; reply tags, too short to carry an id, are
//! checked against both.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use super::contact_form::FORM_TOKEN_MAX_AGE_SECONDS;
use super::{ContactId, DomainError, TicketId, Timestamp};

/// Hex characters of a reply-address tag: 48 bits, far beyond guessing one mail at a time,
/// short enough for a local part (RFC 5321 allows 64 characters).
pub const REPLY_TAG_CHARS: usize = 12;

/// HMAC-SHA256 over a purpose and a payload, with the desk's link key. Every signed value
/// names its purpose, so a form token is never accepted as a portal link, and starts with the
/// id of the key that signed it, so the key can be rotated: the current key signs, the current
/// and the previous one verify, and a token naming any other key is refused.
#[derive(Clone)]
pub struct LinkSigner {
    current: SigningKey,
    previous: Option<SigningKey>,
}

/// A link key and its id: a short digest of the key (never the key itself).
#[derive(Clone)]
struct SigningKey {
    id: String,
    bytes: Vec<u8>,
}

impl SigningKey {
    /// The key must be long enough that guessing it is hopeless.
    fn new(bytes: &[u8]) -> Result<Self, DomainError> {
        if bytes.len() < 32 {
            return Err(DomainError::invalid(
                "link key",
                "the signing key needs at least 32 bytes",
            ));
        }
        let digest = Sha256::new()
            .chain_update(b"lambdesk link key id|")
            .chain_update(bytes)
            .finalize();
        Ok(Self {
            id: URL_SAFE_NO_PAD.encode(&digest[..6]),
            bytes: bytes.to_vec(),
        })
    }

    fn mac(&self, purpose: &str, payload: &str) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.bytes).expect("HMAC takes any key length");
        mac.update(purpose.as_bytes());
        mac.update(b"|");
        mac.update(payload.as_bytes());
        mac
    }

    fn verify(&self, purpose: &str, payload: &str, signature: &str) -> Result<(), TokenError> {
        let bytes = URL_SAFE_NO_PAD.decode(signature).map_err(|_| TokenError::Forged)?;
        // Constant time: a timing difference must not reveal how much of a guess was right.
        self.mac(purpose, payload)
            .verify_slice(&bytes)
            .map_err(|_| TokenError::Forged)
    }
}

impl fmt::Debug for LinkSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LinkSigner(..)")
    }
}

/// The identity of one rendered form: a form is accepted once per id, so a captured
/// submission cannot be replayed. Remembered at least [`FORM_TOKEN_MAX_AGE_SECONDS`], after
/// which the token is refused as expired anyway.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormTokenId(String);

impl FormTokenId {
    /// The key under which the table remembers the token as used.
    pub fn ledger_key(&self) -> String {
        format!("form-token#{}", self.0)
    }
}

/// Why a signed value was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("missing")]
    Missing,
    #[error("not one of ours")]
    Forged,
    #[error("sent faster than a person can type")]
    TooFast,
    #[error("expired")]
    Expired,
}

impl LinkSigner {
    /// A signer with one key (nothing rotated yet).
    pub fn new(key: &[u8]) -> Result<Self, DomainError> {
        Self::with_keys(key, None)
    }

    /// A signer that signs with `current` and still accepts what `previous` signed.
    pub fn with_keys(current: &[u8], previous: Option<&[u8]>) -> Result<Self, DomainError> {
        Ok(Self {
            current: SigningKey::new(current)?,
            previous: previous.map(SigningKey::new).transpose()?,
        })
    }

    /// The id tokens signed now carry.
    pub fn key_id(&self) -> &str {
        &self.current.id
    }

    /// `<key id>.<payload>.<signature>`, signed with the current key over the key id and the
    /// payload.
    fn seal(&self, purpose: &str, payload: &str) -> String {
        let signed = format!("{}.{payload}", self.current.id);
        let signature = URL_SAFE_NO_PAD.encode(self.current.mac(purpose, &signed).finalize().into_bytes());
        format!("{signed}.{signature}")
    }

    /// The payload of a sealed token, if the key it names is one of ours and its signature holds.
    fn open<'a>(&self, purpose: &str, token: &'a str) -> Result<&'a str, TokenError> {
        let (signed, signature) = token.rsplit_once('.').ok_or(TokenError::Forged)?;
        let (key_id, payload) = signed.split_once('.').ok_or(TokenError::Forged)?;
        let key = std::iter::once(&self.current)
            .chain(&self.previous)
            .find(|k| k.id == key_id)
            .ok_or(TokenError::Forged)?;
        key.verify(purpose, signed, signature)?;
        Ok(payload)
    }

    /// The token a rendered form carries: when it was rendered and a random id, signed. The
    /// id makes two pages rendered in the same second carry different tokens, so each can be
    /// used once ([`FormTokenId`]).
    pub fn form_token(&self, rendered: Timestamp) -> String {
        let at = rendered.as_datetime().timestamp();
        self.seal("form", &format!("{at}.{}", ulid::Ulid::new()))
    }

    /// Checks a form came from a page we rendered at least `min_fill_seconds` and at most a
    /// day ago; the token's id, to record it as used.
    pub fn check_form_token(
        &self,
        token: Option<&str>,
        now: Timestamp,
        min_fill_seconds: i64,
    ) -> Result<FormTokenId, TokenError> {
        let token = token
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or(TokenError::Missing)?;
        let payload = self.open("form", token)?;
        let (at, id) = payload.split_once('.').ok_or(TokenError::Forged)?;
        let id = ulid::Ulid::from_string(id).map_err(|_| TokenError::Forged)?;
        let at: i64 = at.parse().map_err(|_| TokenError::Forged)?;
        let age = now.as_datetime().timestamp() - at;
        if age < min_fill_seconds {
            return Err(TokenError::TooFast);
        }
        if age > FORM_TOKEN_MAX_AGE_SECONDS {
            return Err(TokenError::Expired);
        }
        Ok(FormTokenId(id.to_string()))
    }

    /// The token of a customer's link to one ticket, good until `expires`.
    pub fn portal_token(&self, ticket: TicketId, expires: Timestamp) -> String {
        self.seal("portal", &format!("{ticket}.{}", expires.as_datetime().timestamp()))
    }

    /// The ticket a portal token opens, if it is ours, for that ticket, and not expired.
    pub fn open_portal_token(&self, token: &str, now: Timestamp) -> Result<TicketId, TokenError> {
        let payload = if token.split('.').count() == 3 {
            // Mailed before tokens named their key: `<ticket>.<expires>.<signature>`, signed
            // with the key that is current now (the only one there was).
            let (payload, signature) = token.rsplit_once('.').ok_or(TokenError::Forged)?;
            self.current.verify("portal", payload, signature)?;
            payload
        } else {
            self.open("portal", token)?
        };
        let (ticket, expires) = payload.split_once('.').ok_or(TokenError::Forged)?;
        let expires: i64 = expires.parse().map_err(|_| TokenError::Forged)?;
        if now.as_datetime().timestamp() >= expires {
            return Err(TokenError::Expired);
        }
        TicketId::parse(ticket).map_err(|_| TokenError::Forged)
    }

    /// The token of a satisfaction survey's links for one ticket, good until `expires`. Its own
    /// purpose: a portal link is never a survey link, nor the other way round.
    pub fn survey_token(&self, ticket: TicketId, expires: Timestamp) -> String {
        self.seal("survey", &format!("{ticket}.{}", expires.as_datetime().timestamp()))
    }

    /// The ticket a survey token rates, if it is ours, intact and not expired.
    pub fn open_survey_token(&self, token: &str, now: Timestamp) -> Result<TicketId, TokenError> {
        let payload = self.open("survey", token.trim())?;
        let (ticket, expires) = payload.split_once('.').ok_or(TokenError::Forged)?;
        let expires: i64 = expires.parse().map_err(|_| TokenError::Forged)?;
        if now.as_datetime().timestamp() >= expires {
            return Err(TokenError::Expired);
        }
        TicketId::parse(ticket).map_err(|_| TokenError::Forged)
    }

    /// The token of an NPS survey's links for one contact, sent at `sent` and good until
    /// `expires`. Its own purpose: never a CSAT survey link or a portal link, nor the other way
    /// round. It names the contact's id and nothing else about them.
    pub fn nps_token(&self, contact: ContactId, sent: Timestamp, expires: Timestamp) -> String {
        self.seal(
            "nps",
            &format!(
                "{contact}.{}.{}",
                sent.timestamp_millis(),
                expires.as_datetime().timestamp()
            ),
        )
    }

    /// The contact and the survey (when it was sent) an NPS token answers, if it is ours,
    /// intact and not expired.
    pub fn open_nps_token(&self, token: &str, now: Timestamp) -> Result<(ContactId, Timestamp), TokenError> {
        let payload = self.open("nps", token.trim())?;
        let mut parts = payload.split('.');
        let (Some(contact), Some(sent), Some(expires), None) = (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(TokenError::Forged);
        };
        let expires: i64 = expires.parse().map_err(|_| TokenError::Forged)?;
        if now.as_datetime().timestamp() >= expires {
            return Err(TokenError::Expired);
        }
        let sent: i64 = sent.parse().map_err(|_| TokenError::Forged)?;
        let sent = chrono::DateTime::from_timestamp_millis(sent).ok_or(TokenError::Forged)?;
        Ok((
            ContactId::parse(contact).map_err(|_| TokenError::Forged)?,
            Timestamp::new(sent),
        ))
    }

    /// The tag our reply addresses carry for `ticket` (`support+hd1042-<tag>@…`): proof that
    /// whoever writes to that address read mail we sent about this ticket. Lower-case hex,
    /// because mail systems may fold the case of local parts. Signed with the current key.
    pub fn reply_tag(&self, ticket: TicketId) -> String {
        let digest = self.current.mac("reply", &ticket.to_string()).finalize().into_bytes();
        hex::encode(&digest[..REPLY_TAG_CHARS / 2])
    }

    /// Whether `tag` is [`reply_tag`](Self::reply_tag) of `ticket` under the current or the
    /// previous key, compared in constant time.
    pub fn check_reply_tag(&self, ticket: TicketId, tag: &str) -> bool {
        let Ok(bytes) = hex::decode(tag.to_ascii_lowercase()) else {
            return false;
        };
        bytes.len() == REPLY_TAG_CHARS / 2
            && std::iter::once(&self.current).chain(&self.previous).any(|key| {
                key.mac("reply", &ticket.to_string())
                    .verify_truncated_left(&bytes)
                    .is_ok()
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn at(seconds: i64) -> Timestamp {
        Timestamp::new(Utc.timestamp_opt(1_790_000_000 + seconds, 0).unwrap())
    }

    fn signer() -> LinkSigner {
        LinkSigner::new(&[7; 32]).unwrap()
    }

    #[test]
    fn short_keys_are_refused() {
        assert!(LinkSigner::new(b"short").is_err());
    }

    #[test]
    fn form_tokens_need_a_person_s_pace_and_our_signature() {
        let s = signer();
        let token = s.form_token(at(0));
        assert!(s.check_form_token(Some(&token), at(5), 3).is_ok());
        assert_eq!(s.check_form_token(Some(&token), at(1), 3), Err(TokenError::TooFast));
        assert_eq!(
            s.check_form_token(Some(&token), at(FORM_TOKEN_MAX_AGE_SECONDS + 1), 3),
            Err(TokenError::Expired)
        );
        assert_eq!(s.check_form_token(None, at(5), 3), Err(TokenError::Missing));
        // Claiming an earlier render time, or another id, breaks the signature.
        let [key, _, id, signature]: [&str; 4] = token.split('.').collect::<Vec<_>>().try_into().unwrap();
        let backdated = format!("{key}.{}.{id}.{signature}", at(-60).as_datetime().timestamp());
        assert_eq!(s.check_form_token(Some(&backdated), at(5), 3), Err(TokenError::Forged));
        let other_id = format!(
            "{key}.{}.{}.{signature}",
            at(0).as_datetime().timestamp(),
            ulid::Ulid::new()
        );
        assert_eq!(s.check_form_token(Some(&other_id), at(5), 3), Err(TokenError::Forged));
        let other = LinkSigner::new(&[8; 32]).unwrap();
        assert_eq!(other.check_form_token(Some(&token), at(5), 3), Err(TokenError::Forged));
    }

    #[test]
    fn every_rendered_form_has_its_own_token_id() {
        let s = signer();
        let first = s.form_token(at(0));
        let second = s.form_token(at(0));
        assert_ne!(first, second, "two pages in the same second");
        let id = |t: &str| s.check_form_token(Some(t), at(5), 3).unwrap();
        assert_eq!(id(&first), id(&first), "one token, one id");
        assert_ne!(id(&first).ledger_key(), id(&second).ledger_key());
    }

    #[test]
    fn survey_tokens_rate_one_ticket_until_they_expire_and_are_no_portal_links() {
        let s = signer();
        let ticket = TicketId::generate(at(0));
        let token = s.survey_token(ticket, at(100));
        assert_eq!(s.open_survey_token(&token, at(99)), Ok(ticket));
        assert_eq!(s.open_survey_token(&token, at(100)), Err(TokenError::Expired));
        let other = TicketId::generate(at(1));
        let swapped = token.replacen(&ticket.to_string(), &other.to_string(), 1);
        assert_eq!(s.open_survey_token(&swapped, at(1)), Err(TokenError::Forged));
        let later = token.replacen(&at(100).as_datetime().timestamp().to_string(), "9999999999", 1);
        assert_eq!(s.open_survey_token(&later, at(1)), Err(TokenError::Forged));
        assert_eq!(s.open_survey_token("garbage", at(1)), Err(TokenError::Forged));
        let portal = s.portal_token(ticket, at(100));
        assert_eq!(s.open_survey_token(&portal, at(1)), Err(TokenError::Forged));
        assert!(s.open_portal_token(&token, at(1)).is_err());
    }

    #[test]
    fn nps_tokens_answer_one_contact_s_survey_and_are_no_survey_or_portal_links() {
        let s = signer();
        let contact = ContactId::generate(at(0));
        let sent = Timestamp::parse("2026-06-01T10:00:00.123Z").unwrap();
        let token = s.nps_token(contact, sent, at(100));
        assert_eq!(s.open_nps_token(&token, at(99)), Ok((contact, sent)));
        assert_eq!(s.open_nps_token(&token, at(100)), Err(TokenError::Expired));
        assert!(s.open_survey_token(&token, at(1)).is_err());
        assert!(s.open_portal_token(&token, at(1)).is_err());
        let ticket = TicketId::generate(at(0));
        assert!(s.open_nps_token(&s.survey_token(ticket, at(100)), at(1)).is_err());
        assert!(s.open_nps_token(&s.portal_token(ticket, at(100)), at(1)).is_err());
        assert_eq!(s.open_nps_token("garbage", at(1)), Err(TokenError::Forged));
    }

    #[test]
    fn portal_tokens_open_one_ticket_until_they_expire() {
        let s = signer();
        let ticket = TicketId::generate(at(0));
        let token = s.portal_token(ticket, at(100));
        assert_eq!(s.open_portal_token(&token, at(99)), Ok(ticket));
        assert_eq!(s.open_portal_token(&token, at(100)), Err(TokenError::Expired));
        // Another ticket's id, or a later expiry, with the same signature: refused.
        let other = TicketId::generate(at(1));
        let key = s.key_id();
        let signature = token.rsplit('.').next().unwrap();
        let swapped = format!("{key}.{other}.{}.{signature}", at(100).as_datetime().timestamp());
        assert_eq!(s.open_portal_token(&swapped, at(0)), Err(TokenError::Forged));
        let extended = format!("{key}.{ticket}.{}.{signature}", at(10_000).as_datetime().timestamp());
        assert_eq!(s.open_portal_token(&extended, at(0)), Err(TokenError::Forged));
        // A form token is not a portal token, even though both are ours.
        assert_eq!(
            s.open_portal_token(&s.form_token(at(0)), at(0)),
            Err(TokenError::Forged)
        );
        assert_eq!(s.open_portal_token("garbage", at(0)), Err(TokenError::Forged));
    }

    #[test]
    fn tokens_signed_with_the_previous_key_still_open_after_a_rotation() {
        let (old_key, new_key) = ([7; 32], [8; 32]);
        let before = LinkSigner::new(&old_key).unwrap();
        let after = LinkSigner::with_keys(&new_key, Some(&old_key)).unwrap();
        assert_ne!(before.key_id(), after.key_id());
        let ticket = TicketId::generate(at(0));
        let mailed = before.portal_token(ticket, at(100));
        let rendered = before.form_token(at(0));
        assert_eq!(after.open_portal_token(&mailed, at(50)), Ok(ticket));
        assert!(after.check_form_token(Some(&rendered), at(5), 3).is_ok());
        // New tokens are signed with the new key and name it.
        let fresh = after.portal_token(ticket, at(100));
        assert!(fresh.starts_with(&format!("{}.", after.key_id())));
        assert_eq!(before.open_portal_token(&fresh, at(50)), Err(TokenError::Forged));
        // Rotated once more, the oldest key is gone and its tokens with it.
        let later = LinkSigner::with_keys(&[9; 32], Some(&new_key)).unwrap();
        assert_eq!(later.open_portal_token(&fresh, at(50)), Ok(ticket));
        assert_eq!(later.open_portal_token(&mailed, at(50)), Err(TokenError::Forged));
        assert!(LinkSigner::with_keys(&new_key, Some(b"short")).is_err());
    }

    #[test]
    fn a_token_naming_an_unknown_key_is_refused() {
        let s = signer();
        let ticket = TicketId::generate(at(0));
        let token = s.portal_token(ticket, at(100));
        let (_, rest) = token.split_once('.').unwrap();
        for key in ["AAAAAAAA", "", "x"] {
            let renamed = format!("{key}.{rest}");
            assert_eq!(s.open_portal_token(&renamed, at(0)), Err(TokenError::Forged), "{key:?}");
        }
        let form = s.form_token(at(0));
        let (_, rest) = form.split_once('.').unwrap();
        assert_eq!(
            s.check_form_token(Some(&format!("AAAAAAAA.{rest}")), at(5), 3),
            Err(TokenError::Forged)
        );
    }

    #[test]
    fn portal_links_mailed_before_key_ids_open_with_the_current_key() {
        let s = signer();
        let ticket = TicketId::generate(at(0));
        let payload = format!("{ticket}.{}", at(100).as_datetime().timestamp());
        let mut mac = Hmac::<Sha256>::new_from_slice(&[7; 32]).unwrap();
        mac.update(b"portal|");
        mac.update(payload.as_bytes());
        let legacy = format!("{payload}.{}", URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes()));
        assert_eq!(s.open_portal_token(&legacy, at(50)), Ok(ticket));
        assert_eq!(s.open_portal_token(&legacy, at(100)), Err(TokenError::Expired));
        let rotated = LinkSigner::with_keys(&[8; 32], Some(&[7; 32])).unwrap();
        assert_eq!(rotated.open_portal_token(&legacy, at(50)), Err(TokenError::Forged));
    }

    #[test]
    fn reply_tags_name_one_ticket_and_survive_case_folding() {
        let s = signer();
        let ticket = TicketId::generate(at(0));
        let tag = s.reply_tag(ticket);
        assert_eq!(tag.len(), REPLY_TAG_CHARS);
        assert!(s.check_reply_tag(ticket, &tag));
        assert!(s.check_reply_tag(ticket, &tag.to_uppercase()));
        assert!(!s.check_reply_tag(TicketId::generate(at(1)), &tag), "another ticket");
        assert!(
            !LinkSigner::new(&[8; 32]).unwrap().check_reply_tag(ticket, &tag),
            "another key"
        );
        assert!(!s.check_reply_tag(ticket, &tag[..10]), "shortened");
        assert!(!s.check_reply_tag(ticket, ""));
        assert!(!s.check_reply_tag(ticket, "zz"));
        let mut flipped = tag.clone().into_bytes();
        flipped[0] = if flipped[0] == b'0' { b'1' } else { b'0' };
        assert!(!s.check_reply_tag(ticket, std::str::from_utf8(&flipped).unwrap()));
    }

    #[test]
    fn reply_tags_of_the_previous_key_still_thread_after_a_rotation() {
        let ticket = TicketId::generate(at(0));
        let old_tag = LinkSigner::new(&[7; 32]).unwrap().reply_tag(ticket);
        let rotated = LinkSigner::with_keys(&[8; 32], Some(&[7; 32])).unwrap();
        assert!(rotated.check_reply_tag(ticket, &old_tag));
        assert_ne!(rotated.reply_tag(ticket), old_tag, "new mail carries the new key's tag");
        let later = LinkSigner::with_keys(&[9; 32], Some(&[8; 32])).unwrap();
        assert!(!later.check_reply_tag(ticket, &old_tag));
    }
}
