//! Export of one person's data (docs/privacy.md, "Export"): a ZIP in the mail bucket with a
//! machine-readable manifest, behind a signed link that expires; the request record says who
//! exported what and when.

use std::io::Write;

use serde::Serialize;
use serde_json::json;

use super::{PrivacyDesk, request_id};
use crate::domain::privacy::{PrivacyRequest, RequestKind, RequestState, is_erased};
use crate::domain::{
    BlobRef, Clock, Contact, ContactId, DomainError, Message, Principal, Role, Ticket, Timestamp, Visibility,
};
use crate::ports::{BlobEraser, BlobStore, ContactStore, FileLinks, PrivacyStore, StoreError, TicketStore};
use crate::usecases::desk::DeskError;

/// How long the link to an export works: long enough to download, short enough not to leak.
pub const EXPORT_LINK_SECONDS: u64 = 15 * 60;

/// The format named in every manifest, for whoever reads the ZIP by machine.
const FORMAT: &str = "lambdesk.personal-data-export/1";

/// A finished export: the request as recorded and where to download the ZIP until when.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Export {
    pub request: PrivacyRequest,
    pub url: String,
    pub expires_at: Timestamp,
}

/// One file in the ZIP as the manifest lists it.
#[derive(Debug, Serialize)]
struct ManifestFile {
    path: String,
    bytes: usize,
}

/// The ZIP being written, and what the manifest will say about it.
struct Archive {
    zip: zip::ZipWriter<std::io::Cursor<Vec<u8>>>,
    files: Vec<ManifestFile>,
}

impl Archive {
    fn new() -> Self {
        Self {
            zip: zip::ZipWriter::new(std::io::Cursor::new(Vec::new())),
            files: vec![],
        }
    }

    fn add(&mut self, path: String, bytes: &[u8]) -> Result<(), StoreError> {
        let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        self.zip
            .start_file(path.as_str(), options)
            .map_err(StoreError::unknown)?;
        self.zip.write_all(bytes).map_err(StoreError::unknown)?;
        self.files.push(ManifestFile {
            path,
            bytes: bytes.len(),
        });
        Ok(())
    }

    fn add_json(&mut self, path: String, value: &impl Serialize) -> Result<(), StoreError> {
        let bytes = serde_json::to_vec_pretty(value).map_err(StoreError::unknown)?;
        self.add(path, &bytes)
    }
}

/// A name safe as one path segment in a ZIP (no directories, no traversal).
fn segment(name: &str) -> String {
    let clean: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '.' | '-' | '_' | ' ') {
                c
            } else {
                '_'
            }
        })
        .collect();
    match clean.trim_matches('.') {
        "" => "file".into(),
        kept => kept.to_owned(),
    }
}

impl<S, B, C> PrivacyDesk<'_, S, B, C>
where
    S: TicketStore + ContactStore + PrivacyStore,
    B: BlobStore + BlobEraser + FileLinks,
    C: Clock,
{
    /// Everything the desk holds about `contact` as a ZIP (admins): the contact, the tickets
    /// they requested or were copied on, the messages they could see, their files and raw
    /// mail, their ratings, and a manifest; `reason` is kept with the request.
    pub async fn export(
        &self,
        who: &Principal,
        contact: ContactId,
        reason: Option<String>,
    ) -> Result<Export, DeskError> {
        who.require(Role::Admin)?;
        let person = self.contact(contact).await?;
        if is_erased(&person) {
            return Err(DomainError::conflict("this contact was erased; there is nothing left to export").into());
        }
        let now = self.clock.now();
        let id = request_id(now);
        let mut archive = Archive::new();
        archive.add_json("contact.json".into(), &person)?;
        let tickets = self.tickets_of(&person).await?;
        let mut listed = Vec::new();
        let mut surveys = Vec::new();
        for ticket in &tickets {
            let requested = ticket.requester == contact;
            let messages = self.exported_messages(ticket, &person, requested).await?;
            self.add_ticket(&mut archive, ticket, &person, &messages, requested)
                .await?;
            listed.push(json!({
                "number": ticket.number,
                "id": ticket.id,
                "relation": if requested { "requester" } else { "cc" },
                "messages": messages.len(),
            }));
            if requested && let Some(s) = &ticket.satisfaction {
                surveys.push(json!({"ticket": ticket.number, "rating": s.rating, "comment": s.comment, "at": s.at}));
            }
        }
        archive.add_json("surveys.json".into(), &surveys)?;
        let nps = self.store.nps_answers_of(contact).await?;
        archive.add_json("nps.json".into(), &nps)?;
        let manifest = json!({
            "format": FORMAT,
            "generated_at": now,
            "requested_by": who.subject,
            "request": id,
            "contact": contact,
            "tickets": listed,
            "files": archive.files,
        });
        let files = archive.files.len() as u32 + 1;
        archive.add_json("manifest.json".into(), &manifest)?;
        let bytes = archive.zip.finish().map_err(StoreError::unknown)?.into_inner();
        let object = BlobRef {
            bucket: self.bucket.to_owned(),
            key: format!("privacy/exports/{contact}/{id}.zip"),
        };
        self.files.put(&object, bytes, "application/zip").await?;
        let request = PrivacyRequest {
            id,
            kind: RequestKind::Export,
            contact,
            requested_by: who.subject.clone(),
            requested_at: now,
            reason,
            state: RequestState::Done,
            finished_at: Some(self.clock.now()),
            tickets: tickets.iter().map(|t| t.number).collect(),
            object: Some(object.clone()),
            files: Some(files),
        };
        self.store.save_request(&request).await?;
        tracing::info!(contact = %contact, request = %request.id, "exported a contact's personal data");
        let url = self
            .files
            .download_link(
                &object,
                &format!("personal-data-{contact}.zip"),
                "application/zip",
                false,
                EXPORT_LINK_SECONDS,
            )
            .await?;
        let expires_at = Timestamp::new(now.as_datetime() + chrono::Duration::seconds(EXPORT_LINK_SECONDS as i64));
        Ok(Export {
            request,
            url,
            expires_at,
        })
    }

    /// What of a ticket's conversation is theirs to see: on a ticket they requested every
    /// public message; on one they were copied on, what they wrote and the agents' public
    /// replies (not another customer's mail). Internal notes are the desk's.
    async fn exported_messages(
        &self,
        ticket: &Ticket,
        person: &Contact,
        requested: bool,
    ) -> Result<Vec<Message>, StoreError> {
        let redactor = crate::domain::privacy::Redactor::new(person);
        Ok(self
            .all_messages(ticket.id)
            .await?
            .into_iter()
            .filter(|m| m.visibility == Visibility::Public)
            .filter(|m| requested || redactor.wrote(m) || m.author() == crate::domain::Author::Agent)
            .collect())
    }

    async fn add_ticket(
        &self,
        archive: &mut Archive,
        ticket: &Ticket,
        person: &Contact,
        messages: &[Message],
        requested: bool,
    ) -> Result<(), DeskError> {
        let redactor = crate::domain::privacy::Redactor::new(person);
        let dir = format!("tickets/{}", ticket.number);
        archive.add_json(format!("{dir}/ticket.json"), ticket)?;
        archive.add_json(format!("{dir}/messages.json"), &messages)?;
        if requested {
            archive.add_json(format!("{dir}/audit.json"), &self.all_events(ticket.id).await?)?;
        }
        for message in messages {
            for (n, file) in message.attachments.iter().enumerate() {
                if file.quarantined {
                    continue;
                }
                let path = format!("{dir}/attachments/{}/{}-{}", message.id, n + 1, segment(&file.name));
                match self.files.get(&file.blob).await {
                    Ok(bytes) => archive.add(path, &bytes)?,
                    // Listed in the message, gone from the bucket (erased with another person).
                    Err(crate::ports::BlobError::NotFound(_)) => {}
                    Err(e) => return Err(e.into()),
                }
            }
            let raw = message.email.as_ref().and_then(|e| e.raw.as_ref());
            if let Some(raw) = raw.filter(|_| redactor.wrote(message)) {
                match self.files.get(raw).await {
                    Ok(bytes) => archive.add(format!("{dir}/raw/{}.eml", message.id), &bytes)?,
                    // Raw mail expires by the bucket's lifecycle before the ticket does.
                    Err(crate::ports::BlobError::NotFound(_)) => {}
                    Err(e) => return Err(e.into()),
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::segment;

    #[test]
    fn file_names_stay_one_segment() {
        assert_eq!(segment("../../etc/passwd"), "_.._etc_passwd");
        assert_eq!(segment("faktura č. 7.pdf"), "faktura č. 7.pdf");
        assert_eq!(segment(".."), "file");
    }
}
