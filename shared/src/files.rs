//! Files on the agents' side: uploads for replies (presigned, straight to S3), downloads of
//! attachments and raw mail (short-lived signed links), and inline images in customer HTML.

use serde::Serialize;

use crate::desk::DeskError;
use crate::domain::files::{
    MAX_REPLY_ATTACHMENT_BYTES, MAX_REPLY_ATTACHMENTS, UploadRequest, link_inline_images, parse_upload_id, upload_key,
};
use crate::domain::{Attachment, BlobRef, Clock, DomainError, Message, Timestamp};
use crate::ports::FileLinks;

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

pub struct ReplyFiles<F, C> {
    files: F,
    clock: C,
    /// The mail bucket: uploads wait there and attachments stay there.
    bucket: String,
}

impl<F: FileLinks, C: Clock> ReplyFiles<F, C> {
    pub fn new(files: F, clock: C, bucket: impl Into<String>) -> Self {
        Self {
            files,
            clock,
            bucket: bucket.into(),
        }
    }

    pub async fn start_upload(&self, request: UploadRequest) -> Result<Upload, DeskError> {
        let now = self.clock.now();
        let id = ulid::Ulid::from_datetime(now.as_datetime().into()).to_string();
        let blob = BlobRef {
            bucket: self.bucket.clone(),
            key: upload_key(&id, &request.name),
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

    /// Moves the uploads a reply names under `attachments/`, checking each is there and the
    /// whole within what a mail can carry.
    pub async fn attach(&self, upload_ids: &[String]) -> Result<Vec<Attachment>, DeskError> {
        if upload_ids.len() > MAX_REPLY_ATTACHMENTS {
            return Err(DomainError::invalid(
                "attachments",
                format!("at most {MAX_REPLY_ATTACHMENTS} files per reply"),
            )
            .into());
        }
        let mut attachments = Vec::new();
        let mut total = 0;
        for id in upload_ids {
            let (key, name) = parse_upload_id(id)?;
            let upload = BlobRef {
                bucket: self.bucket.clone(),
                key,
            };
            let Some(info) = self.files.describe(&upload).await? else {
                return Err(DomainError::invalid(
                    "attachments",
                    format!("upload {id} was not uploaded, or expired; upload it again"),
                )
                .into());
            };
            total += info.size;
            if total > MAX_REPLY_ATTACHMENT_BYTES {
                return Err(DomainError::invalid(
                    "attachments",
                    format!("the files together must be at most {MAX_REPLY_ATTACHMENT_BYTES} bytes"),
                )
                .into());
            }
            // The content type is re-checked as stored: the signed upload fixed it.
            let content_type = info.content_type.unwrap_or_else(|| "application/octet-stream".into());
            let kept = BlobRef {
                bucket: self.bucket.clone(),
                key: format!("attachments/{}", upload.key.trim_start_matches("uploads/")),
            };
            self.files.copy(&upload, &kept).await?;
            attachments.push(Attachment {
                name,
                content_type,
                size: info.size,
                inline: false,
                content_id: None,
                blob: kept,
            });
        }
        Ok(attachments)
    }

    /// A link that downloads the message's `index`-th attachment (from 1).
    pub async fn attachment_link(&self, message: &Message, index: usize) -> Result<String, DeskError> {
        let attachment = index
            .checked_sub(1)
            .and_then(|i| message.attachments.get(i))
            .ok_or_else(|| DeskError::NotFound(format!("attachment {index} of message {}", message.id)))?;
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

    /// A link that downloads the mail a message came in as, exactly as received.
    pub async fn raw_link(&self, message: &Message) -> Result<String, DeskError> {
        let raw = message
            .email
            .as_ref()
            .and_then(|e| e.raw.as_ref())
            .ok_or_else(|| DeskError::NotFound(format!("raw mail of message {}", message.id)))?;
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

    /// Points the message's `cid:` images at signed links to its inline parts.
    pub async fn link_inline(&self, mut message: Message) -> Result<Message, DeskError> {
        let Some(html) = message.body_html.as_deref().filter(|h| h.contains("cid:")) else {
            return Ok(message);
        };
        let mut links = Vec::new();
        for attachment in &message.attachments {
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
