//! Report subscriptions for managers and admins (`/v1/report-subscriptions`): a draft is
//! checked once (each mistake names its field), its departments must exist, and its next send
//! is worked out from now in its time zone.

use crate::domain::metrics::subscription::{ReportSubscription, SubscriptionDraft, SubscriptionSpec};
use crate::domain::{Clock, DomainError, Principal, ReportSubscriptionId, Role};
use crate::ports::{ReportSubscriptionStore, TeamStore};
use crate::usecases::desk::DeskError;

async fn checked<S: TeamStore>(store: &S, draft: SubscriptionDraft) -> Result<SubscriptionSpec, DeskError> {
    let spec = draft.check()?;
    for department in &spec.departments {
        if store.get_department(department).await?.is_none() {
            return Err(DomainError::invalid("departments", format!("no department {department}")).into());
        }
    }
    Ok(spec)
}

pub async fn list<S: ReportSubscriptionStore>(
    store: &S,
    who: &Principal,
) -> Result<Vec<ReportSubscription>, DeskError> {
    who.require(Role::Manager)?;
    Ok(store.list_report_subscriptions().await?)
}

pub async fn get<S: ReportSubscriptionStore>(
    store: &S,
    who: &Principal,
    id: ReportSubscriptionId,
) -> Result<ReportSubscription, DeskError> {
    who.require(Role::Manager)?;
    store
        .get_report_subscription(id)
        .await?
        .ok_or_else(|| DeskError::NotFound(format!("report subscription {id}")))
}

pub async fn create<S: ReportSubscriptionStore + TeamStore>(
    store: &S,
    clock: &impl Clock,
    who: &Principal,
    draft: SubscriptionDraft,
) -> Result<ReportSubscription, DeskError> {
    who.require(Role::Manager)?;
    let spec = checked(store, draft).await?;
    let now = clock.now();
    let subscription = ReportSubscription::new(ReportSubscriptionId::generate(now), spec, who.subject.clone(), now);
    store.put_report_subscription(&subscription, true).await?;
    Ok(subscription)
}

pub async fn replace<S: ReportSubscriptionStore + TeamStore>(
    store: &S,
    clock: &impl Clock,
    who: &Principal,
    id: ReportSubscriptionId,
    draft: SubscriptionDraft,
) -> Result<ReportSubscription, DeskError> {
    let current = get(store, who, id).await?;
    let spec = checked(store, draft).await?;
    let subscription = current.replaced(spec, clock.now());
    store.put_report_subscription(&subscription, false).await?;
    Ok(subscription)
}

pub async fn delete<S: ReportSubscriptionStore>(
    store: &S,
    who: &Principal,
    id: ReportSubscriptionId,
) -> Result<(), DeskError> {
    who.require(Role::Manager)?;
    Ok(store.delete_report_subscription(id).await?)
}
