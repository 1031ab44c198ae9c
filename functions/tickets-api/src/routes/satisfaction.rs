//! `GET /v1/satisfaction`: customers' ratings of a period (docs/csat.md). Managers and admins
//! see all; agents their own.

use lambda_http::Request;
use shared::domain::{AgentId, Clock, DepartmentId, Principal, Timestamp};
use shared::http::{ApiError, QueryParams};
use shared::ports::{NpsStore, SurveyStore, TeamStore};
use shared::usecases::satisfaction::{SatisfactionFilter, satisfaction_report};

use super::{Reply, ok};

fn time(params: &QueryParams<'_>, name: &'static str) -> Result<Option<Timestamp>, ApiError> {
    params
        .get(name)
        .map(|text| Timestamp::parse(text).map_err(|_| ApiError::bad_field(name, "must be an RFC 3339 time")))
        .transpose()
}

/// `from` (default: 30 days before `to`), `to` (default: now), `department`, `agent`.
pub async fn report<S: SurveyStore + NpsStore + TeamStore>(
    store: &S,
    clock: &impl Clock,
    who: &Principal,
    request: &Request,
) -> Reply {
    let params = QueryParams::new(request, &["from", "to", "department", "agent"])?;
    let to = time(&params, "to")?.unwrap_or_else(|| clock.now());
    let from = time(&params, "from")?.unwrap_or_else(|| Timestamp::new(to.as_datetime() - chrono::Duration::days(30)));
    let filter = SatisfactionFilter {
        from,
        to,
        department: params.parse("department", DepartmentId::parse)?,
        agent: params.parse("agent", AgentId::parse)?,
    };
    ok(&satisfaction_report(store, who, filter).await?)
}
