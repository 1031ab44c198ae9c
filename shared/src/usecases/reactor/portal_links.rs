//! The signed links to a customer's ticket page that mail to customers carries.

use crate::domain::Timestamp;

/// Where customers follow their tickets: mail to them carries a signed link there.
#[derive(Debug, Clone)]
pub struct PortalLinks {
    /// Signs the portal links and the tags of the requester's reply address
    /// (`support+hd1042-<tag>@…`, checked by the mail intake with the same key).
    pub signer: crate::domain::signing::LinkSigner,
    /// The public API's URL, e.g. `https://abc.execute-api.eu-west-1.amazonaws.com`.
    pub base_url: String,
}

impl PortalLinks {
    /// A link to `ticket` that works for [`PORTAL_LINK_DAYS`](crate::domain::contact_form::PORTAL_LINK_DAYS).
    pub fn link(&self, ticket: crate::domain::TicketId, now: Timestamp) -> String {
        let expires =
            Timestamp::new(now.as_datetime() + chrono::Duration::days(crate::domain::contact_form::PORTAL_LINK_DAYS));
        format!(
            "{}/portal/{}",
            self.base_url.trim_end_matches('/'),
            self.signer.portal_token(ticket, expires)
        )
    }
}
