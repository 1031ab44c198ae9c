//! Signed values the desk hands out and takes back: form tokens, customers' portal links and
//! the reply addresses of our outgoing mail. One key, and every value names its purpose, so one
//! kind is never accepted as another.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::contact_form::FORM_TOKEN_MAX_AGE_SECONDS;
use super::{DomainError, TicketId, Timestamp};

/// Hex characters of a reply-address tag: 48 bits, far beyond guessing one mail at a time,
/// short enough for a local part (RFC 5321 allows 64 characters).
pub const REPLY_TAG_CHARS: usize = 12;

/// HMAC-SHA256 over a purpose and a payload, with the desk's configured key. Every signed
/// value names its purpose, so a form token is never accepted as a portal link.
#[derive(Clone)]
pub struct LinkSigner {
    key: Vec<u8>,
}

impl fmt::Debug for LinkSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LinkSigner(..)")
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
    /// The key must be long enough that guessing it is hopeless.
    pub fn new(key: &[u8]) -> Result<Self, DomainError> {
        if key.len() < 32 {
            return Err(DomainError::invalid(
                "PORTAL_KEY",
                "the signing key needs at least 32 bytes",
            ));
        }
        Ok(Self { key: key.to_vec() })
    }

    fn mac(&self, purpose: &str, payload: &str) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes any key length");
        mac.update(purpose.as_bytes());
        mac.update(b"|");
        mac.update(payload.as_bytes());
        mac
    }

    fn sign(&self, purpose: &str, payload: &str) -> String {
        URL_SAFE_NO_PAD.encode(self.mac(purpose, payload).finalize().into_bytes())
    }

    fn verify(&self, purpose: &str, payload: &str, signature: &str) -> Result<(), TokenError> {
        let bytes = URL_SAFE_NO_PAD.decode(signature).map_err(|_| TokenError::Forged)?;
        // Constant time: a timing difference must not reveal how much of a guess was right.
        self.mac(purpose, payload)
            .verify_slice(&bytes)
            .map_err(|_| TokenError::Forged)
    }

    /// The token a rendered form carries: when it was rendered, signed.
    pub fn form_token(&self, rendered: Timestamp) -> String {
        let at = rendered.as_datetime().timestamp();
        format!("{at}.{}", self.sign("form", &at.to_string()))
    }

    /// Checks a form came from a page we rendered at least `min_fill_seconds` and at most a
    /// day ago.
    pub fn check_form_token(
        &self,
        token: Option<&str>,
        now: Timestamp,
        min_fill_seconds: i64,
    ) -> Result<(), TokenError> {
        let token = token
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or(TokenError::Missing)?;
        let (at, signature) = token.split_once('.').ok_or(TokenError::Forged)?;
        self.verify("form", at, signature)?;
        let at: i64 = at.parse().map_err(|_| TokenError::Forged)?;
        let age = now.as_datetime().timestamp() - at;
        if age < min_fill_seconds {
            return Err(TokenError::TooFast);
        }
        if age > FORM_TOKEN_MAX_AGE_SECONDS {
            return Err(TokenError::Expired);
        }
        Ok(())
    }

    /// The token of a customer's link to one ticket, good until `expires`.
    pub fn portal_token(&self, ticket: TicketId, expires: Timestamp) -> String {
        let payload = format!("{ticket}.{}", expires.as_datetime().timestamp());
        format!("{payload}.{}", self.sign("portal", &payload))
    }

    /// The ticket a portal token opens, if it is ours, for that ticket, and not expired.
    pub fn open_portal_token(&self, token: &str, now: Timestamp) -> Result<TicketId, TokenError> {
        let mut parts = token.splitn(3, '.');
        let (Some(ticket), Some(expires), Some(signature)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(TokenError::Forged);
        };
        self.verify("portal", &format!("{ticket}.{expires}"), signature)?;
        let expires: i64 = expires.parse().map_err(|_| TokenError::Forged)?;
        if now.as_datetime().timestamp() >= expires {
            return Err(TokenError::Expired);
        }
        TicketId::parse(ticket).map_err(|_| TokenError::Forged)
    }

    /// The tag our reply addresses carry for `ticket` (`support+hd1042-<tag>@…`): proof that
    /// whoever writes to that address read mail we sent about this ticket. Lower-case hex,
    /// because mail systems may fold the case of local parts.
    pub fn reply_tag(&self, ticket: TicketId) -> String {
        let digest = self.mac("reply", &ticket.to_string()).finalize().into_bytes();
        hex::encode(&digest[..REPLY_TAG_CHARS / 2])
    }

    /// Whether `tag` is [`reply_tag`](Self::reply_tag) of `ticket`, compared in constant time.
    pub fn check_reply_tag(&self, ticket: TicketId, tag: &str) -> bool {
        let Ok(bytes) = hex::decode(tag.to_ascii_lowercase()) else {
            return false;
        };
        bytes.len() == REPLY_TAG_CHARS / 2
            && self
                .mac("reply", &ticket.to_string())
                .verify_truncated_left(&bytes)
                .is_ok()
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
        assert_eq!(s.check_form_token(Some(&token), at(5), 3), Ok(()));
        assert_eq!(s.check_form_token(Some(&token), at(1), 3), Err(TokenError::TooFast));
        assert_eq!(
            s.check_form_token(Some(&token), at(FORM_TOKEN_MAX_AGE_SECONDS + 1), 3),
            Err(TokenError::Expired)
        );
        assert_eq!(s.check_form_token(None, at(5), 3), Err(TokenError::Missing));
        // Claiming an earlier render time breaks the signature.
        let (_, signature) = token.split_once('.').unwrap();
        let backdated = format!("{}.{signature}", at(-60).as_datetime().timestamp());
        assert_eq!(s.check_form_token(Some(&backdated), at(5), 3), Err(TokenError::Forged));
        let other = LinkSigner::new(&[8; 32]).unwrap();
        assert_eq!(other.check_form_token(Some(&token), at(5), 3), Err(TokenError::Forged));
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
        let signature = token.rsplit('.').next().unwrap();
        let swapped = format!("{other}.{}.{signature}", at(100).as_datetime().timestamp());
        assert_eq!(s.open_portal_token(&swapped, at(0)), Err(TokenError::Forged));
        let extended = format!("{ticket}.{}.{signature}", at(10_000).as_datetime().timestamp());
        assert_eq!(s.open_portal_token(&extended, at(0)), Err(TokenError::Forged));
        // A form token is not a portal token, even though both are ours.
        assert_eq!(
            s.open_portal_token(&s.form_token(at(0)), at(0)),
            Err(TokenError::Forged)
        );
        assert_eq!(s.open_portal_token("garbage", at(0)), Err(TokenError::Forged));
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
}
