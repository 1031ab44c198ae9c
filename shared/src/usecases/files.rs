//! Files on the agents' side: uploads for replies (presigned, straight to S3), downloads of
//! attachments and raw mail (short-lived signed links), and inline images in customer HTML.

use serde::Serialize;

use crate::domain::files::{
    MAX_UPLOAD_BYTES, REPLY_UPLOADS, UploadArea, UploadRequest, is_inline_image, link_inline_images, parse_upload_id,
};
use crate::domain::{Attachment, BlobRef, Clock, DomainError, Message, Timestamp};
use crate::ports::{BlobStore, FileLinks};
use crate::usecases::desk::DeskError;

/// How long an upload link works.
pub const UPLOAD_LINK_SECONDS: u64 = 15 * 60;
/// How long a download link works: long enough to click, short enough not to be shared.
pub const DOWNLOAD_LINK_SECONDS: u64 = 5 * 60;
/// Inline images live as long as an agent is likely to keep the conversation open.
pub const INLINE_LINK_SECONDS: u64 = 60 * 60;

/// Where an agent sends a file, and the id a reply names it by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Upload {
    pub upload_id: String,
    pub method: &'static str,
    pub url: String,
    /// Headers the `PUT` must carry (the signature covers them).
    pub headers: std::collections::BTreeMap<String, String>,
    pub expires_at: Timestamp,
}

/// Where a browser posts a file (multipart, the fields first, the file last).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FormUpload {
    pub upload_id: String,
    pub method: &'static str,
    pub url: String,
    pub fields: std::collections::BTreeMap<String, String>,
    pub max_bytes: u64,
    pub expires_at: Timestamp,
}

pub struct ReplyFiles<F, C> {
    files: F,
    clock: C,
    /// The mail bucket: uploads wait there and attachments stay there.
    bucket: String,
    area: UploadArea,
}

impl<F: FileLinks, C: Clock> ReplyFiles<F, C> {
    pub fn new(files: F, clock: C, bucket: impl Into<String>) -> Self {
        Self {
            files,
            clock,
            bucket: bucket.into(),
            area: REPLY_UPLOADS,
        }
    }

    /// The file store behind the links (privacy exports and erasures work on it too).
    pub fn files(&self) -> &F {
        &self.files
    }

    /// The mail bucket.
    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// The same files in another upload area (the contact form's).
    pub fn in_area(mut self, area: UploadArea) -> Self {
        self.area = area;
        self
    }

    pub async fn start_upload(&self, request: UploadRequest) -> Result<Upload, DeskError> {
        let now = self.clock.now();
        let id = ulid::Ulid::from_datetime(now.as_datetime().into()).to_string();
        let blob = BlobRef {
            bucket: self.bucket.clone(),
            key: self.area.key(&id, &request.name),
        };
        let url = self
            .files
            .upload_link(&blob, &request.content_type, UPLOAD_LINK_SECONDS)
            .await?;
        Ok(Upload {
            upload_id: format!("{id}/{}", request.name),
            method: "PUT",
            url,
            headers: [("content-type".to_owned(), request.content_type)].into(),
            expires_at: Timestamp::new(now.as_datetime() + chrono::Duration::seconds(UPLOAD_LINK_SECONDS as i64)),
        })
    }

    /// A browser upload through an S3 POST policy: S3 itself holds the file to the announced
    /// type and to the size limit.
    pub async fn start_form_upload(&self, request: UploadRequest) -> Result<FormUpload, DeskError> {
        let now = self.clock.now();
        let id = ulid::Ulid::from_datetime(now.as_datetime().into()).to_string();
        let blob = BlobRef {
            bucket: self.bucket.clone(),
            key: self.area.key(&id, &request.name),
        };
        let form = self
            .files
            .upload_form(&blob, &request.content_type, MAX_UPLOAD_BYTES, UPLOAD_LINK_SECONDS)
            .await?;
        Ok(FormUpload {
            upload_id: format!("{id}/{}", request.name),
            method: "POST",
            url: form.url,
            fields: form.fields,
            max_bytes: MAX_UPLOAD_BYTES,
            expires_at: Timestamp::new(now.as_datetime() + chrono::Duration::seconds(UPLOAD_LINK_SECONDS as i64)),
        })
    }

    /// Moves the uploads a reply names under `attachments/`, checking each is there and the
    /// whole within what a mail can carry.
    pub async fn attach(&self, upload_ids: &[String]) -> Result<Vec<Attachment>, DeskError> {
        if upload_ids.len() > self.area.max_files {
            return Err(DomainError::invalid("attachments", format!("at most {} files", self.area.max_files)).into());
        }
        let mut attachments = Vec::new();
        let mut total = 0;
        for id in upload_ids {
            let (upload_id, name) = parse_upload_id(id)?;
            let upload = BlobRef {
                bucket: self.bucket.clone(),
                key: self.area.key(&upload_id, &name),
            };
            let Some(info) = self.files.describe(&upload).await? else {
                return Err(DomainError::invalid(
                    "attachments",
                    format!("upload {id} was not uploaded, or expired; upload it again"),
                )
                .into());
            };
            total += info.size;
            if total > self.area.max_total_bytes {
                return Err(DomainError::invalid(
                    "attachments",
                    format!("the files together must be at most {} bytes", self.area.max_total_bytes),
                )
                .into());
            }
            // The content type is re-checked as stored: the signed upload fixed it.
            let content_type = info.content_type.unwrap_or_else(|| "application/octet-stream".into());
            let kept = BlobRef {
                bucket: self.bucket.clone(),
                key: format!("attachments/{}", upload.key.trim_start_matches(self.area.prefix)),
            };
            self.files.copy(&upload, &kept).await?;
            attachments.push(Attachment {
                name,
                content_type,
                size: info.size,
                inline: false,
                content_id: None,
                blob: kept,
                quarantined: false,
            });
        }
        Ok(attachments)
    }

    /// A link that downloads the message's `index`-th attachment (from 1). An attachment the
    /// virus scan flagged is refused (it stays in the bucket for an investigation).
    pub async fn attachment_link(&self, message: &Message, index: usize) -> Result<String, DeskError> {
        let attachment = index
            .checked_sub(1)
            .and_then(|i| message.attachments.get(i))
            .ok_or_else(|| DeskError::NotFound(format!("attachment {index} of message {}", message.id)))?;
        if attachment.quarantined {
            return Err(DomainError::forbidden(format!(
                "attachment {index} of message {} was flagged by the virus scan; it is kept for investigation but cannot be downloaded",
                message.id
            ))
            .into());
        }
        Ok(self
            .files
            .download_link(
                &attachment.blob,
                &attachment.name,
                &attachment.content_type,
                false,
                DOWNLOAD_LINK_SECONDS,
            )
            .await?)
    }

    /// A link that downloads the mail a message came in as, exactly as received; refused for
    /// mail the virus scan flagged, since it carries the infected parts.
    pub async fn raw_link(&self, message: &Message) -> Result<String, DeskError> {
        let email = message.email.as_ref();
        let raw = email
            .and_then(|e| e.raw.as_ref())
            .ok_or_else(|| DeskError::NotFound(format!("raw mail of message {}", message.id)))?;
        if email.is_some_and(|e| e.virus_flagged) {
            return Err(DomainError::forbidden(format!(
                "the mail of message {} was flagged by the virus scan; it is kept for investigation but cannot be downloaded",
                message.id
            ))
            .into());
        }
        Ok(self
            .files
            .download_link(
                raw,
                &format!("{}.eml", message.id),
                "message/rfc822",
                false,
                DOWNLOAD_LINK_SECONDS,
            )
            .await?)
    }

    /// Points the message's `cid:` images at signed links to its inline parts (allow-listed
    /// image types only, never a quarantined part) and parks remote images, also in HTML stored
    /// before the sanitiser did so.
    pub async fn link_inline(&self, mut message: Message) -> Result<Message, DeskError> {
        let Some(html) = message.body_html.as_deref() else {
            return Ok(message);
        };
        let mut links = Vec::new();
        let names_parts = html.contains("cid:");
        let shown = message
            .attachments
            .iter()
            .filter(|a| names_parts && !a.quarantined && is_inline_image(&a.content_type));
        for attachment in shown {
            if let Some(cid) = &attachment.content_id {
                let url = self
                    .files
                    .download_link(
                        &attachment.blob,
                        &attachment.name,
                        &attachment.content_type,
                        true,
                        INLINE_LINK_SECONDS,
                    )
                    .await?;
                links.push((cid.clone(), url));
            }
        }
        message.body_html = Some(link_inline_images(html, &links));
        Ok(message)
    }
}

impl<F: FileLinks + BlobStore, C: Clock> ReplyFiles<F, C> {
    /// Keeps a file that came in the request itself (a form sent without JavaScript) as an
    /// upload, so it is attached the same way as one sent straight to S3.
    pub async fn keep_upload(&self, request: &UploadRequest, bytes: Vec<u8>) -> Result<String, DeskError> {
        let id = ulid::Ulid::from_datetime(self.clock.now().as_datetime().into()).to_string();
        let blob = BlobRef {
            bucket: self.bucket.clone(),
            key: self.area.key(&id, &request.name),
        };
        self.files.put(&blob, bytes, &request.content_type).await?;
        Ok(format!("{id}/{}", request.name))
    }
}
