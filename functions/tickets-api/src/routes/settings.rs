//! `/v1/settings/surveys`: the survey settings (docs/csat.md), admins only. Until an admin
//! stores them, GET answers the built-in defaults and the csat functions use their template
//! parameters.

use lambda_http::Request;
use serde::Serialize;
use shared::domain::nps::NpsPolicy;
use shared::domain::satisfaction::{SurveyPolicy, SurveySettings};
use shared::domain::{Principal, Role};
use shared::http::parse_json;
use shared::ports::SurveySettingsStore;

use super::{Reply, ok};

/// The settings and whether an admin stored them.
#[derive(Serialize)]
struct Answer {
    #[serde(flatten)]
    settings: SurveySettings,
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
