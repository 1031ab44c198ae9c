//! Pagination cursors: where a Query stopped, as opaque base64url JSON. A cursor names the
//! index it belongs to, so one handed out for another query is refused rather than misread.

use std::collections::BTreeMap;

use aws_sdk_dynamodb::types::AttributeValue;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use super::items::Item;
use crate::ports::StoreError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    /// The index (or `table`) the query ran on.
    #[serde(rename = "ix")]
    pub index: String,
    /// For queries that walk several partitions: the partition to resume in.
    #[serde(rename = "p", default, skip_serializing_if = "Option::is_none")]
    pub partition: Option<String>,
    /// The exclusive start key inside that partition; `None` to start at its beginning.
    #[serde(rename = "k", default, skip_serializing_if = "Option::is_none")]
    pub key: Option<BTreeMap<String, String>>,
}

const MAX_CURSOR_LEN: usize = 2048;

impl Cursor {
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    /// Decodes a cursor for `index` whose key may only hold `attributes`.
    pub fn decode(text: &str, index: &str, attributes: &[&str]) -> Result<Self, StoreError> {
        if text.len() > MAX_CURSOR_LEN {
            return Err(StoreError::InvalidCursor);
        }
        let bytes = URL_SAFE_NO_PAD.decode(text).map_err(|_| StoreError::InvalidCursor)?;
        let cursor: Cursor = serde_json::from_slice(&bytes).map_err(|_| StoreError::InvalidCursor)?;
        let key_ok = cursor
            .key
            .as_ref()
            .is_none_or(|k| !k.is_empty() && k.keys().all(|a| attributes.contains(&a.as_str())));
        if cursor.index != index || !key_ok {
            return Err(StoreError::InvalidCursor);
        }
        Ok(cursor)
    }

    /// The key of `item` restricted to `attributes`: DynamoDB's ExclusiveStartKey for it.
    pub fn key_of(item: &Item, attributes: &[&str]) -> BTreeMap<String, String> {
        attributes
            .iter()
            .filter_map(|a| Some(((*a).to_owned(), item.get(*a)?.as_s().ok()?.clone())))
            .collect()
    }

    pub fn start_key(&self) -> Option<Item> {
        self.key.as_ref().map(|k| {
            k.iter()
                .map(|(a, v)| (a.clone(), AttributeValue::S(v.clone())))
                .collect()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_foreign_cursors() {
        let cursor = Cursor {
            index: "byStatus".into(),
            partition: None,
            key: Some([("pk".to_owned(), "TICKET#1".to_owned())].into()),
        };
        let text = cursor.encode();
        assert_eq!(Cursor::decode(&text, "byStatus", &["pk", "sk"]).unwrap(), cursor);
        assert!(Cursor::decode(&text, "byMonth", &["pk", "sk"]).is_err());
        assert!(Cursor::decode(&text, "byStatus", &["sk"]).is_err());
        assert!(Cursor::decode("not base64!", "byStatus", &["pk"]).is_err());
        assert!(Cursor::decode(&URL_SAFE_NO_PAD.encode("[1]"), "byStatus", &["pk"]).is_err());
        assert!(Cursor::decode(&"A".repeat(3000), "byStatus", &["pk"]).is_err());
    }
}
