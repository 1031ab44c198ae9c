//! Raw mail and attachments in S3.

use aws_sdk_s3::Client;
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::primitives::ByteStream;

use crate::domain::BlobRef;
use crate::ports::{BlobError, BlobStore};

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
