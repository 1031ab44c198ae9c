//! Raw mail and attachments in S3.

use aws_sdk_s3::Client;
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::primitives::ByteStream;

use std::time::Duration;

use aws_sdk_s3::presigning::PresigningConfig;

use crate::domain::BlobRef;
use crate::ports::{BlobError, BlobInfo, BlobStore, FileLinks, UploadForm};

#[derive(Clone, Debug)]
pub struct S3Blobs {
    client: Client,
    /// Signs browser upload policies, which the SDK has no operation for.
    credentials: Option<aws_sdk_s3::config::SharedCredentialsProvider>,
}

impl S3Blobs {
    pub fn new(client: Client) -> Self {
        Self {
            client,
            credentials: None,
        }
    }

    /// With the credentials that sign upload forms (`SdkConfig::credentials_provider`).
    pub fn with_credentials(mut self, credentials: Option<aws_sdk_s3::config::SharedCredentialsProvider>) -> Self {
        self.credentials = credentials;
        self
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
        // Whatever the caller asks, only allow-listed images are ever shown by the browser:
        // a sender's HTML or SVG would run on the bucket's origin.
        let served = crate::domain::files::served_as(content_type, inline);
        let request = self
            .client
            .get_object()
            .bucket(&blob.bucket)
            .key(&blob.key)
            .response_content_disposition(disposition(file_name, served.inline))
            .response_content_type(served.content_type)
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

    async fn upload_form(
        &self,
        blob: &BlobRef,
        content_type: &str,
        max_bytes: u64,
        seconds: u64,
    ) -> Result<UploadForm, BlobError> {
        use aws_sdk_s3::config::ProvideCredentials;
        let unknown = |message: &str| BlobError::Unknown(message.to_owned().into());
        let config = self.client.config();
        let credentials = self
            .credentials
            .as_ref()
            .ok_or_else(|| unknown("no AWS credentials to sign an upload with"))?
            .provide_credentials()
            .await
            .map_err(|e| BlobError::Unavailable(Box::new(e)))?;
        let region = config
            .region()
            .map(|r| r.to_string())
            .unwrap_or_else(|| "us-east-1".into());
        // The bucket's URL as this client addresses it (virtual-host or path style, custom
        // endpoint or not): a signed link to a one-letter key, cut back to the bucket.
        let probe = self
            .client
            .head_object()
            .bucket(&blob.bucket)
            .key("x")
            .presigned(presigning(seconds)?)
            .await
            .map_err(|e| blob_error(blob, e))?;
        let url = probe
            .uri()
            .split('?')
            .next()
            .and_then(|u| u.strip_suffix("/x"))
            .ok_or_else(|| unknown("unexpected presigned URL shape"))?
            .to_owned();
        let policy = PostPolicy {
            bucket: &blob.bucket,
            key: &blob.key,
            content_type,
            max_bytes,
            region: &region,
            access_key: credentials.access_key_id(),
            secret_key: credentials.secret_access_key(),
            session_token: credentials.session_token(),
        };
        Ok(UploadForm {
            url,
            fields: policy.fields(chrono::Utc::now(), seconds),
        })
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

impl crate::ports::BlobEraser for S3Blobs {
    async fn erase(&self, blob: &BlobRef) -> Result<(), BlobError> {
        match self.erase_versions(blob).await {
            // Nothing there (not even the bucket): nothing to erase.
            Err(BlobError::NotFound(_)) => Ok(()),
            other => other,
        }
    }
}

impl S3Blobs {
    async fn erase_versions(&self, blob: &BlobRef) -> Result<(), BlobError> {
        // The mail bucket is versioned: a plain delete would leave the data in an old version.
        let out = self
            .client
            .list_object_versions()
            .bucket(&blob.bucket)
            .prefix(&blob.key)
            .send()
            .await
            .map_err(|e| blob_error(blob, e))?;
        let versions = out.versions().iter().map(|v| (v.key(), v.version_id()));
        let markers = out.delete_markers().iter().map(|m| (m.key(), m.version_id()));
        let mut deleted_any = false;
        for (_, version) in versions
            .chain(markers)
            .filter(|(key, _)| *key == Some(blob.key.as_str()))
        {
            self.client
                .delete_object()
                .bucket(&blob.bucket)
                .key(&blob.key)
                .set_version_id(version.map(str::to_owned))
                .send()
                .await
                .map_err(|e| blob_error(blob, e))?;
            deleted_any = true;
        }
        if !deleted_any {
            // An unversioned bucket lists no versions: delete the object itself (none is fine).
            self.client
                .delete_object()
                .bucket(&blob.bucket)
                .key(&blob.key)
                .send()
                .await
                .map_err(|e| blob_error(blob, e))?;
        }
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

/// An S3 browser-upload policy (SigV4 POST): the conditions S3 enforces on the posted form,
/// signed with the function's own credentials.
struct PostPolicy<'a> {
    bucket: &'a str,
    key: &'a str,
    content_type: &'a str,
    max_bytes: u64,
    region: &'a str,
    access_key: &'a str,
    secret_key: &'a str,
    session_token: Option<&'a str>,
}

impl PostPolicy<'_> {
    fn fields(&self, now: chrono::DateTime<chrono::Utc>, seconds: u64) -> std::collections::BTreeMap<String, String> {
        use base64::Engine;
        use hmac::{Hmac, Mac};
        let hmac = |key: &[u8], data: &str| {
            let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key).expect("HMAC takes any key length");
            mac.update(data.as_bytes());
            mac.finalize().into_bytes().to_vec()
        };
        let date = now.format("%Y%m%d").to_string();
        let amz_date = now.format("%Y%m%dT%H%M%SZ").to_string();
        let credential = format!("{}/{date}/{}/s3/aws4_request", self.access_key, self.region);
        let expiration = (now + chrono::Duration::seconds(seconds as i64))
            .format("%Y-%m-%dT%H:%M:%S%.3fZ")
            .to_string();
        let mut conditions = vec![
            serde_json::json!({ "bucket": self.bucket }),
            serde_json::json!({ "key": self.key }),
            serde_json::json!({ "Content-Type": self.content_type }),
            serde_json::json!(["content-length-range", 1, self.max_bytes]),
            serde_json::json!({ "x-amz-algorithm": "AWS4-HMAC-SHA256" }),
            serde_json::json!({ "x-amz-credential": credential }),
            serde_json::json!({ "x-amz-date": amz_date }),
        ];
        if let Some(token) = self.session_token {
            conditions.push(serde_json::json!({ "x-amz-security-token": token }));
        }
        let policy = serde_json::json!({ "expiration": expiration, "conditions": conditions });
        let policy = base64::engine::general_purpose::STANDARD.encode(policy.to_string());
        let key = [date.as_str(), self.region, "s3", "aws4_request"]
            .iter()
            .fold(format!("AWS4{}", self.secret_key).into_bytes(), |key, part| {
                hmac(&key, part)
            });
        let signature = hex::encode(hmac(&key, &policy));
        let mut fields: std::collections::BTreeMap<String, String> = [
            ("key", self.key.to_owned()),
            ("Content-Type", self.content_type.to_owned()),
            ("x-amz-algorithm", "AWS4-HMAC-SHA256".to_owned()),
            ("x-amz-credential", credential),
            ("x-amz-date", amz_date),
            ("policy", policy),
            ("x-amz-signature", signature),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        if let Some(token) = self.session_token {
            fields.insert("x-amz-security-token".into(), token.to_owned());
        }
        fields
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    /// moto does not check POST policies, so their content is checked here.
    #[test]
    fn post_policies_carry_their_conditions_and_a_sigv4_signature() {
        let policy = PostPolicy {
            bucket: "mail",
            key: "form-uploads/01J/invoice.pdf",
            content_type: "application/pdf",
            max_bytes: 1024,
            region: "us-east-1",
            access_key: "AKIAIOSFODNN7EXAMPLE",
            secret_key: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            session_token: None,
        };
        let now = chrono::Utc.with_ymd_and_hms(2026, 11, 23, 19, 0, 0).unwrap();
        let fields = policy.fields(now, 900);
        use base64::Engine;
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(&fields["policy"])
            .unwrap();
        let doc: serde_json::Value = serde_json::from_slice(&decoded).unwrap();
        assert_eq!(doc["expiration"], "2026-11-23T19:15:00.000Z");
        let conditions = doc["conditions"].as_array().unwrap();
        assert!(conditions.contains(&serde_json::json!(["content-length-range", 1, 1024])));
        assert!(conditions.contains(&serde_json::json!({ "Content-Type": "application/pdf" })));
        assert_eq!(
            fields["x-amz-credential"],
            "AKIAIOSFODNN7EXAMPLE/20261123/us-east-1/s3/aws4_request"
        );
        assert_eq!(fields["x-amz-date"], "20261123T190000Z");
        assert_eq!(fields["x-amz-signature"].len(), 64);
        assert!(!fields.contains_key("x-amz-security-token"));
        // Any change to the policy changes the signature.
        let other = PostPolicy {
            max_bytes: 2048,
            ..policy
        }
        .fields(now, 900);
        assert_ne!(other["x-amz-signature"], fields["x-amz-signature"]);
    }
}
