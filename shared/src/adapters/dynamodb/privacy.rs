//! Privacy requests, CC pointers and the erasure's writes on the table (docs/privacy.md).
//!
//! Keys (also in docs/data-model.md): `PRIVACY-REQUESTS` / `ERASURE#<contact>` (one erasure
//! per contact: starting it twice finds the first) and `EXPORT#<contact>#<ulid>`, one small
//! partition that lists every request; `CC#<lowercased address>` / `TICKET#<ulid>` for each
//! ticket an address was ever copied on, written with the ticket change that added it.

use std::collections::BTreeSet;

use aws_sdk_dynamodb::types::{DeleteRequest, PutRequest, TransactWriteItem, WriteRequest};
use serde_json::Value;

use super::cursor::Cursor;
use super::items::{self, Item, s};
use super::keys::*;
use super::{DynamoStore, nps, sdk_error};
use crate::domain::privacy::{PrivacyRequest, RequestKind};
use crate::domain::{
    AuditEvent, Contact, ContactId, DepartmentId, EmailAddress, Message, Ticket, TicketField, TicketId, Timestamp,
};
use crate::ports::{NpsResponse, Page, PageRequest, PrivacyStore, StoreError, TicketWrite};

const REQUESTS_PK: &str = "PRIVACY-REQUESTS";
const CC_PREFIX: &str = "CC#";

fn request_sk(request: &PrivacyRequest) -> String {
    match request.kind {
        RequestKind::Erasure => format!("ERASURE#{}", request.contact),
        RequestKind::Export => format!("EXPORT#{}#{}", request.contact, request.id),
    }
}

fn cc_pk(address: &str) -> String {
    format!("{CC_PREFIX}{}", address.to_lowercase())
}

fn request_item(request: &PrivacyRequest) -> Result<Item, StoreError> {
    items::record_item(request, REQUESTS_PK.into(), request_sk(request), "privacy_request")
}

/// Addresses a write copies the ticket to that it did not before: every CC of a new ticket,
/// the added ones of a CC change.
fn added_ccs(write: &TicketWrite) -> BTreeSet<String> {
    let mut added: BTreeSet<String> = match write.read {
        None => write.ticket.cc.iter().map(EmailAddress::normalized).collect(),
        Some(_) => BTreeSet::new(),
    };
    let addresses = |v: &Value| -> BTreeSet<String> {
        v.as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_lowercase)
            .collect()
    };
    for change in write.events.iter().flat_map(|e| &e.changes) {
        if change.field == TicketField::Cc {
            added.extend(addresses(&change.to).difference(&addresses(&change.from)).cloned());
        }
    }
    added
}

impl DynamoStore {
    /// The CC pointers a ticket write adds, in its own transaction (unconditional puts: the
    /// same pointer again is the same item).
    pub(super) fn cc_pointer_puts(&self, write: &TicketWrite) -> Result<Vec<TransactWriteItem>, StoreError> {
        added_ccs(write)
            .into_iter()
            .map(|address| {
                let item = items::pointer_item(
                    cc_pk(&address),
                    &ticket_pk(write.ticket.id),
                    "ticket_id",
                    write.ticket.id.to_string(),
                );
                self.put(item, None)
            })
            .collect()
    }

    /// In chunks of 25 (BatchWriteItem's limit), under the adapter's one batch retry.
    async fn write_batch(&self, requests: Vec<WriteRequest>) -> Result<(), StoreError> {
        for chunk in requests.chunks(25) {
            self.batch_write(chunk.to_vec()).await?;
        }
        Ok(())
    }

    async fn put_all(&self, items: Vec<Item>) -> Result<(), StoreError> {
        let requests = items
            .into_iter()
            .map(|item| {
                let put = PutRequest::builder()
                    .set_item(Some(item))
                    .build()
                    .map_err(StoreError::unknown)?;
                Ok(WriteRequest::builder().put_request(put).build())
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        self.write_batch(requests).await
    }

    async fn delete_all(&self, keys: impl IntoIterator<Item = (String, String)>) -> Result<(), StoreError> {
        let requests = keys
            .into_iter()
            .map(|(pk, sk)| {
                let delete = DeleteRequest::builder()
                    .key(PK, s(pk))
                    .key(SK, s(sk))
                    .build()
                    .map_err(StoreError::unknown)?;
                Ok(WriteRequest::builder().delete_request(delete).build())
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        self.write_batch(requests).await
    }
}

impl PrivacyStore for DynamoStore {
    async fn start_erasure(&self, request: &PrivacyRequest) -> Result<Option<PrivacyRequest>, StoreError> {
        let written = self
            .put_checked(
                request_item(request)?,
                "attribute_not_exists(pk)",
                StoreError::AlreadyExists { what: "erasure".into() },
            )
            .await;
        match written {
            Ok(()) => Ok(None),
            Err(StoreError::AlreadyExists { .. }) => self
                .get(REQUESTS_PK.into(), &request_sk(request))
                .await?
                .map(items::from_item)
                .transpose(),
            Err(e) => Err(e),
        }
    }

    async fn save_request(&self, request: &PrivacyRequest) -> Result<(), StoreError> {
        self.put_all(vec![request_item(request)?]).await
    }

    async fn list_requests(&self, page: &PageRequest) -> Result<Page<PrivacyRequest>, StoreError> {
        let index = "privacy";
        let start = page
            .cursor
            .as_deref()
            .map(|c| Cursor::decode(c, index, &[PK, SK]))
            .transpose()?;
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("#pk = :pk")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_values(":pk", s(REQUESTS_PK))
            .set_exclusive_start_key(start.and_then(|c| c.start_key()))
            .limit(page.limit as i32)
            .send()
            .await
            .map_err(sdk_error)?;
        let cursor = out.last_evaluated_key.map(|k| {
            Cursor {
                index: index.into(),
                partition: None,
                key: Some(Cursor::key_of(&k, &[PK, SK])),
            }
            .encode()
        });
        let items = out
            .items
            .unwrap_or_default()
            .into_iter()
            .map(items::from_item)
            .collect::<Result<_, _>>()?;
        Ok(Page { items, cursor })
    }

    async fn exports_of(&self, contact: ContactId) -> Result<Vec<PrivacyRequest>, StoreError> {
        self.query_all(REQUESTS_PK, &format!("EXPORT#{contact}#"))
            .await?
            .into_iter()
            .map(items::from_item)
            .collect()
    }

    async fn cc_tickets(&self, address: &EmailAddress) -> Result<Vec<TicketId>, StoreError> {
        self.query_all(&cc_pk(address.as_str()), "TICKET#")
            .await?
            .iter()
            .map(|item| {
                let id = items::string_attr(item, "ticket_id")
                    .ok_or_else(|| StoreError::Unknown("CC pointer without ticket_id".into()))?;
                TicketId::parse(&id).map_err(StoreError::unknown)
            })
            .collect()
    }

    async fn replace_messages(&self, messages: &[Message]) -> Result<(), StoreError> {
        self.put_all(messages.iter().map(items::message_item).collect::<Result<_, _>>()?)
            .await
    }

    async fn replace_events(&self, events: &[AuditEvent]) -> Result<(), StoreError> {
        // A rewrite is a MODIFY on the stream; the pipe publishes INSERTs only. The ticket facts
        // the metrics consumer read from the INSERT are not kept on the rewritten item: they
        // were counted when the event happened.
        self.put_all(
            events
                .iter()
                .map(|e| items::event_item(e, None))
                .collect::<Result<_, _>>()?,
        )
        .await
    }

    async fn forget_message_ids(&self, message_ids: &[String]) -> Result<(), StoreError> {
        let keys: BTreeSet<(String, String)> = message_ids
            .iter()
            .map(|id| (message_id_pk(id), MESSAGE_ID_SK.to_owned()))
            .collect();
        self.delete_all(keys).await
    }

    async fn forget_search_words(
        &self,
        ticket: TicketId,
        departments: &[Option<DepartmentId>],
        words: &[String],
    ) -> Result<(), StoreError> {
        self.delete_all(super::search::ticket_word_keys(ticket, departments, words))
            .await
    }

    async fn forget_survey(&self, ticket: &Ticket) -> Result<(), StoreError> {
        self.delete_all([(ticket_pk(ticket.id), SURVEY_SK.to_owned())]).await?;
        let Some(satisfaction) = &ticket.satisfaction else {
            return Ok(());
        };
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(PK, s(ratings_pk(&satisfaction.at.month())))
            .key(SK, s(ticket.id.to_string()))
            .update_expression("REMOVE #comment")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_names("#comment", "comment")
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            // No rating kept for the report (replaced, or never recorded): nothing to forget.
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Ok(())
            }
            Err(e) => Err(sdk_error(e)),
        }
    }

    async fn nps_answers_of(&self, contact: ContactId) -> Result<Vec<NpsResponse>, StoreError> {
        let prefix = nps::survey_sk_prefix();
        let items = self.query_all(&contact_pk(contact), &prefix).await?;
        items.into_iter().map(items::from_item).collect()
    }

    async fn forget_person(&self, person: &Contact, erased: &Contact, now: Timestamp) -> Result<(), StoreError> {
        let mut keys = vec![
            (contact_pk(person.id), SURVEYED_SK.to_owned()),
            (contact_pk(person.id), nps::NPS_SK.to_owned()),
        ];
        // NPS answers: the score stays in its month for the report, the comment goes, and
        // the contact's own survey items (which the answer page reads) go.
        let mut kept_scores = Vec::new();
        for mut answer in self.nps_answers_of(person.id).await? {
            keys.push((contact_pk(person.id), nps::survey_sk(answer.sent)));
            answer.comment = None;
            let month = nps::month_pk(&answer.at.month());
            kept_scores.push(items::record_item(
                &answer,
                month,
                nps::month_sk(&answer),
                "nps_response",
            )?);
        }
        self.put_all(kept_scores).await?;
        if let Some(email) = &person.email {
            keys.push((contact_email_pk(email), CONTACT_EMAIL_SK.to_owned()));
            let pointers = self.query_all(&cc_pk(email.as_str()), "TICKET#").await?;
            keys.extend(
                pointers
                    .iter()
                    .filter_map(|p| Some((items::string_attr(p, PK)?, items::string_attr(p, SK)?))),
            );
            // Automatic-reply counters name the address; TTL removes them within days of their
            // hour, so the last three days' and the next two hours' cover every one left.
            for hours_ago in -2..72 {
                let hour = now.as_datetime() - chrono::Duration::hours(hours_ago);
                let key = format!("autoreply#{}#{}", email.normalized(), hour.format("%Y%m%d%H"));
                keys.push((format!("RATE#{key}"), "RATE".to_owned()));
            }
        }
        if let Some(phone) = &person.phone {
            keys.push((contact_phone_pk(phone), CONTACT_PHONE_SK.to_owned()));
        }
        keys.extend(super::search::name_word_keys(person));
        self.delete_all(keys).await?;
        // The contact last: until it is rewritten, a retry still knows whom to look for.
        self.put_all(vec![items::contact_item(erased)?]).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_keys_put_one_erasure_per_contact_and_exports_under_their_contact() {
        let at = Timestamp::parse("2026-12-01T00:00:00Z").unwrap();
        let contact = ContactId::generate(at);
        let mut request = PrivacyRequest {
            id: "01KB0000000000000000000000".into(),
            kind: RequestKind::Erasure,
            contact,
            requested_by: "admin".into(),
            requested_at: at,
            reason: None,
            state: crate::domain::privacy::RequestState::Running,
            finished_at: None,
            tickets: vec![],
            object: None,
            files: None,
        };
        assert_eq!(request_sk(&request), format!("ERASURE#{contact}"));
        request.kind = RequestKind::Export;
        assert_eq!(
            request_sk(&request),
            format!("EXPORT#{contact}#01KB0000000000000000000000")
        );
    }
}
