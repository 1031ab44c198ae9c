//! What a failed address means for the desk: no more mail to it until an admin says it works.
//! (Which addresses a delivery status notification says failed is read with the MIME, in
//! `adapters::mime::dsn`.)
//!
//! A bounce is a claim made by whoever sent it, so intake believes it only about mail we sent
//! and only for addresses that mail went to; see `MailIntake::bounce`.

use crate::domain::{Author, Contact, ContactId, Delivery, EmailAddress, RequesterDetails, Timestamp};
use crate::ports::{ContactStore, StoreError, TicketStore};

/// Where the mail with this Message-ID went, if it is mail we sent: an agent's reply (its
/// recorded To and Cc) or an acknowledgement (its Message-ID points at the customer message
/// it answered, and it went to the requester alone). Nothing for any other id.
pub async fn sent_to<S: TicketStore + ContactStore>(
    store: &S,
    message_id: &str,
) -> Result<Vec<EmailAddress>, StoreError> {
    let Some((ticket_id, message_id_found)) = store.find_message_id(message_id).await? else {
        return Ok(vec![]);
    };
    let (Some(ticket), Some(message)) = (
        store.get_ticket(ticket_id).await?,
        store.get_message(ticket_id, message_id_found).await?,
    ) else {
        return Ok(vec![]);
    };
    match message.author() {
        Author::Agent if message.delivery != Delivery::None => Ok(message
            .email
            .map(|e| e.to.into_iter().chain(e.cc).collect())
            .unwrap_or_default()),
        Author::Customer if message.email.as_ref().and_then(|e| e.message_id.as_deref()) != Some(message_id) => {
            let requester = store.get_contact(ticket.requester).await?;
            Ok(requester.and_then(|c| c.email).into_iter().collect())
        }
        _ => Ok(vec![]),
    }
}

/// Stops mail to `address`: its contact is marked undeliverable, and an address with no
/// contact yet (a CC, say) gets one, so the mark has one home whoever the address is on a
/// ticket. Returns whether the address was deliverable until now.
pub async fn suppress<S: ContactStore>(store: &S, address: &EmailAddress, now: Timestamp) -> Result<bool, StoreError> {
    for _ in 0..2 {
        if let Some(contact) = store.find_contact_by_email(address).await? {
            if contact.undeliverable {
                return Ok(false);
            }
            store.set_undeliverable(contact.id, true).await?;
            return Ok(true);
        }
        let contact = Contact {
            undeliverable: true,
            ..RequesterDetails {
                name: None,
                email: Some(address.clone()),
                phone: None,
                language: None,
            }
            .into_contact(ContactId::generate(now), now)
        };
        match store.create_contact(&contact).await {
            Ok(()) => return Ok(true),
            // Someone made the contact meanwhile: mark that one.
            Err(StoreError::AlreadyExists { .. }) => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(false)
}

/// Whether mail may go to `address`: not when its contact is marked undeliverable.
pub async fn deliverable<S: ContactStore>(store: &S, address: &EmailAddress) -> Result<bool, StoreError> {
    Ok(!store
        .find_contact_by_email(address)
        .await?
        .is_some_and(|c| c.undeliverable))
}
