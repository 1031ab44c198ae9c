//! Desk-wide settings, admins only:
//! - `/v1/settings/surveys`: the survey settings (docs/csat.md). Until an admin stores them,
//!   GET answers the built-in defaults and the csat functions use their template parameters.
//! - `/v1/settings/retention`: how long solved tickets keep their requester's personal data
//!   (docs/privacy.md); off until an admin stores a number of months.

use lambda_http::Request;
use serde::Serialize;
use shared::domain::nps::NpsPolicy;
use shared::domain::retention::RetentionSettings;
use shared::domain::satisfaction::{SurveyPolicy, SurveySettings};
use shared::domain::{Principal, Role};
use shared::http::parse_json;
use shared::ports::{RetentionStore, SurveySettingsStore};

use super::{Reply, ok};

/// The settings and whether an admin stored them.
#[derive(Serialize)]
struct Answer<T> {
    #[serde(flatten)]
    settings: T,
    stored: bool,
}

pub async fn get<S: SurveySettingsStore>(store: &S, who: &Principal) -> Reply {
    who.require(Role::Admin)?;
    let stored = store.survey_settings().await?;
    ok(&Answer {
        settings: stored.unwrap_or_else(|| SurveySettings::of(SurveyPolicy::default(), NpsPolicy::default())),
        stored: stored.is_some(),
    })
}

/// Replaces the settings (every field, checked).
pub async fn put<S: SurveySettingsStore>(store: &S, who: &Principal, request: &Request) -> Reply {
    who.require(Role::Admin)?;
    let settings: SurveySettings = parse_json(request)?;
    settings.check()?;
    store.put_survey_settings(&settings).await?;
    tracing::info!(subject = %who.subject, ?settings, "survey settings stored");
    ok(&Answer { settings, stored: true })
}

pub async fn get_retention<S: RetentionStore>(store: &S, who: &Principal) -> Reply {
    who.require(Role::Admin)?;
    let stored = store.retention_settings().await?;
    ok(&Answer {
        settings: stored.unwrap_or_default(),
        stored: stored.is_some(),
    })
}

/// Replaces the retention settings (checked); the next daily run applies them.
pub async fn put_retention<S: RetentionStore>(store: &S, who: &Principal, request: &Request) -> Reply {
    who.require(Role::Admin)?;
    let settings: RetentionSettings = parse_json(request)?;
    settings.check()?;
    store.put_retention_settings(&settings).await?;
    tracing::info!(subject = %who.subject, ?settings, "retention settings stored");
    ok(&Answer { settings, stored: true })
}
