//! Canned responses (`/v1/canned-responses`): stored replies agents insert into the reply box.

use std::future::Future;

use super::StoreError;
use crate::usecases::desk::canned::CannedResponse;

pub trait CannedStore {
    /// Every canned response of the desk (shared and personal; the use case picks the caller's).
    fn list_canned(&self) -> impl Future<Output = Result<Vec<CannedResponse>, StoreError>> + Send;
    fn put_canned(&self, canned: &CannedResponse) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// `NotFound` when there is no such canned response.
    fn delete_canned(&self, id: &str) -> impl Future<Output = Result<(), StoreError>> + Send;
}
