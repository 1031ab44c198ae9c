//! Raw mail and attachments in S3.

use aws_sdk_s3::Client;
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::primitives::ByteStream;

use std::time::Duration;

use aws_sdk_s3::presigning::PresigningConfig;

use crate::domain::BlobRef;
use crate::ports::{BlobError, BlobInfo, BlobStore, FileLinks};

#[derive(Clone, Debug)]
pub struct S3Blobs {
    client: Client,
}

impl S3Blobs {
    pub fn new(client: Client) -> Self {
        Self { client }
    }

    /// A client for `sdk`. Path-style addressing is opt-in (`S3_FORCE_PATH_STYLE=true`) for
    /// S3-compatible endpoints that have no per-bucket host names, such as a local moto.
    pub fn client(sdk: &aws_config::SdkConfig, force_path_style: bool) -> Client {
        let config = aws_sdk_s3::config::Builder::from(sdk)
            .force_path_style(force_path_style)
            .build();
        Client::from_conf(config)
    }
}

fn blob_error<E, R>(blob: &BlobRef, error: SdkError<E, R>) -> BlobError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    let code = error.as_service_error().and_then(|e| e.code()).unwrap_or_default();
    match code {
        "NoSuchKey" | "NoSuchBucket" | "NotFound" => BlobError::NotFound(format!("s3://{}/{}", blob.bucket, blob.key)),
        "SlowDown" | "ServiceUnavailable" | "RequestTimeout" => BlobError::Unavailable(Box::new(error)),
        _ if matches!(error, SdkError::TimeoutError(_)) => BlobError::Unavailable(Box::new(error)),
        _ => BlobError::Unknown(Box::new(error)),
    }
}

impl BlobStore for S3Blobs {
    async fn get(&self, blob: &BlobRef) -> Result<Vec<u8>, BlobError> {
        let out = self
            .client
            .get_object()
            .bucket(&blob.bucket)
            .key(&blob.key)
            .send()
            .await
            .map_err(|e| blob_error(blob, e))?;
        let bytes = out
            .body
            .collect()
            .await
            .map_err(|e| BlobError::Unavailable(Box::new(e)))?;
        Ok(bytes.into_bytes().to_vec())
    }

    async fn put(&self, blob: &BlobRef, bytes: Vec<u8>, content_type: &str) -> Result<(), BlobError> {
        self.client
            .put_object()
            .bucket(&blob.bucket)
            .key(&blob.key)
            .content_type(content_type)
            .body(ByteStream::from(bytes))
            .send()
            .await
            .map_err(|e| blob_error(blob, e))?;
        Ok(())
    }
}

fn presigning(seconds: u64) -> Result<PresigningConfig, BlobError> {
    PresigningConfig::expires_in(Duration::from_secs(seconds)).map_err(|e| BlobError::Unknown(Box::new(e)))
}

/// `Content-Disposition` for a name that may hold any character: an ASCII fallback and the
/// UTF-8 name (RFC 6266).
fn disposition(file_name: &str, inline: bool) -> String {
    let ascii: String = file_name
        .chars()
        .map(|c| if c.is_ascii_graphic() || c == ' ' { c } else { '_' })
        .filter(|c| !matches!(c, '"' | '\\'))
        .collect();
    let encoded = percent_encoding::utf8_percent_encode(file_name, percent_encoding::NON_ALPHANUMERIC);
    let kind = if inline { "inline" } else { "attachment" };
    format!("{kind}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

impl FileLinks for S3Blobs {
    async fn download_link(
        &self,
        blob: &BlobRef,
        file_name: &str,
        content_type: &str,
        inline: bool,
        seconds: u64,
    ) -> Result<String, BlobError> {
        let request = self
            .client
            .get_object()
            .bucket(&blob.bucket)
            .key(&blob.key)
            .response_content_disposition(disposition(file_name, inline))
            .response_content_type(content_type)
            .presigned(presigning(seconds)?)
            .await
            .map_err(|e| blob_error(blob, e))?;
        Ok(request.uri().to_owned())
    }

    async fn upload_link(&self, blob: &BlobRef, content_type: &str, seconds: u64) -> Result<String, BlobError> {
        let request = self
            .client
            .put_object()
            .bucket(&blob.bucket)
            .key(&blob.key)
            .content_type(content_type)
            .presigned(presigning(seconds)?)
            .await
            .map_err(|e| blob_error(blob, e))?;
        Ok(request.uri().to_owned())
    }

    async fn describe(&self, blob: &BlobRef) -> Result<Option<BlobInfo>, BlobError> {
        match self
            .client
            .head_object()
            .bucket(&blob.bucket)
            .key(&blob.key)
            .send()
            .await
        {
            Ok(out) => Ok(Some(BlobInfo {
                size: out.content_length().unwrap_or_default().max(0) as u64,
                content_type: out.content_type().map(str::to_owned),
            })),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_not_found()) => Ok(None),
            Err(e) => match blob_error(blob, e) {
                BlobError::NotFound(_) => Ok(None),
                other => Err(other),
            },
        }
    }

    async fn copy(&self, from: &BlobRef, to: &BlobRef) -> Result<(), BlobError> {
        let source = format!(
            "{}/{}",
            from.bucket,
            percent_encoding::utf8_percent_encode(&from.key, COPY_SOURCE)
        );
        self.client
            .copy_object()
            .bucket(&to.bucket)
            .key(&to.key)
            .copy_source(source)
            .send()
            .await
            .map_err(|e| blob_error(from, e))?;
        Ok(())
    }
}

/// `CopySource` is URL-encoded except for the path's slashes.
const COPY_SOURCE: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'/')
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');
