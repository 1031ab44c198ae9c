//! `GET /v1/metrics?from&to&group_by&tz`: the desk's figures by day (docs/reports.md), as JSON
//! or, with `Accept: text/csv`, as CSV. Managers and admins see every group; an agent sees only
//! their own figures (`group_by=agent`, the one row that is theirs): any other grouping is 403.

use chrono::NaiveDate;
use chrono_tz::Tz;
use lambda_http::http::{HeaderValue, StatusCode, header};
use lambda_http::{Body, Request, Response};
use serde_json::{Value, json};
use shared::domain::metrics::Dimension;
use shared::domain::metrics::figures::{to_csv, totals};
use shared::domain::{Clock, EmailAddress, Principal, Role};
use shared::http::{ApiError, QueryParams, json_response};
use shared::ports::{MetricsStore, TeamStore};
use shared::usecases::metrics::{MAX_DAYS, MetricsQuery, figures};

use super::Reply;

fn day(params: &QueryParams<'_>, name: &'static str) -> Result<Option<NaiveDate>, ApiError> {
    params
        .get(name)
        .map(|text| {
            NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .map_err(|_| ApiError::bad_field(name, "must be a date, YYYY-MM-DD"))
        })
        .transpose()
}

/// The query string read into a period: `tz` (IANA, default UTC), `to` (default today there),
/// `from` (default six days before `to`), `group_by` (all, department, channel, priority,
/// agent; default all, and agent for an agent).
pub fn query(
    params: &QueryParams<'_>,
    who: &Principal,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<MetricsQuery, ApiError> {
    let tz: Tz = match params.get("tz") {
        None => chrono_tz::UTC,
        Some(text) => text
            .parse()
            .map_err(|_| ApiError::bad_field("tz", "must be an IANA time zone, e.g. Europe/Prague"))?,
    };
    let to = day(params, "to")?.unwrap_or_else(|| now.with_timezone(&tz).date_naive());
    let from = day(params, "from")?.unwrap_or(to - chrono::Duration::days(6));
    if to < from {
        return Err(ApiError::bad_field("to", "must not be before from"));
    }
    if (to - from).num_days() >= MAX_DAYS {
        return Err(ApiError::bad_field("to", "a period is at most 400 days"));
    }
    let default_group = if who.role == Role::Agent { "agent" } else { "all" };
    let group_by = Dimension::parse(params.get("group_by").unwrap_or(default_group))
        .ok_or_else(|| ApiError::bad_field("group_by", "expected one of all, department, channel, priority, agent"))?;
    Ok(MetricsQuery { from, to, group_by, tz })
}

fn wants_csv(request: &Request) -> bool {
    request
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.split(',').any(|t| t.trim().starts_with("text/csv")))
}

pub async fn get<S: MetricsStore + TeamStore>(
    store: &S,
    clock: &impl Clock,
    who: &Principal,
    request: &Request,
) -> Reply {
    let params = QueryParams::new(request, &["from", "to", "group_by", "tz"])?;
    let query = query(&params, who, clock.now().as_datetime())?;
    // An agent's own figures are the group of their agent id.
    let only = if who.role == Role::Agent {
        if query.group_by != Dimension::Agent {
            return Err(ApiError::Forbidden(
                "agents see their own figures only: group_by=agent".into(),
            ));
        }
        let me = match who.email.as_deref().and_then(|e| EmailAddress::parse(e).ok()) {
            Some(email) => store.find_agent_by_email(&email).await?,
            None => None,
        }
        .ok_or_else(|| ApiError::Forbidden("only agents with a profile see their figures".into()))?;
        Some(me.id.to_string())
    } else {
        None
    };
    let mut days = figures(store, &query).await?;
    if let Some(me) = &only {
        days.retain(|d| &d.group == me);
    }
    if wants_csv(request) {
        let mut response = Response::new(Body::Text(to_csv(&days)));
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/csv; charset=utf-8"),
        );
        let name = format!("attachment; filename=\"metrics-{}-{}.csv\"", query.from, query.to);
        if let Ok(v) = HeaderValue::from_str(&name) {
            headers.insert(header::CONTENT_DISPOSITION, v);
        }
        return Ok(response);
    }
    let body = json!({
        "from": query.from.to_string(),
        "to": query.to.to_string(),
        "tz": query.tz.name(),
        "group_by": query.group_by.as_str(),
        "days": days.iter().map(|d| d.to_json()).collect::<Vec<Value>>(),
        "totals": totals(&days).iter().map(|d| d.to_json()).collect::<Vec<Value>>(),
    });
    Ok(json_response(StatusCode::OK, &body))
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeSet, HashMap};

    use lambda_http::RequestExt;

    use super::*;

    fn request(params: &[(&str, &str)], accept: Option<&str>) -> Request {
        let mut builder = lambda_http::http::Request::builder().uri("/v1/metrics");
        if let Some(accept) = accept {
            builder = builder.header(header::ACCEPT, accept);
        }
        let map: HashMap<String, String> = params.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        builder.body(Body::Empty).unwrap().with_query_string_parameters(map)
    }

    fn who(role: Role) -> Principal {
        Principal {
            subject: "s".into(),
            email: None,
            role,
            departments: BTreeSet::new(),
        }
    }

    fn now() -> chrono::DateTime<chrono::Utc> {
        chrono::DateTime::parse_from_rfc3339("2026-12-06T23:30:00Z")
            .unwrap()
            .into()
    }

    fn parsed(params: &[(&str, &str)], role: Role) -> Result<MetricsQuery, ApiError> {
        let request = request(params, None);
        let params = QueryParams::new(&request, &["from", "to", "group_by", "tz"])?;
        query(&params, &who(role), now())
    }

    #[test]
    fn defaults_are_the_last_seven_days_of_the_zone_asked_for() {
        let q = parsed(&[("tz", "Europe/Prague")], Role::Manager).unwrap();
        // 23:30 UTC on the 6th is the 7th in Prague.
        assert_eq!(
            (q.from.to_string(), q.to.to_string()),
            ("2026-12-01".into(), "2026-12-07".into())
        );
        assert_eq!(q.group_by, Dimension::All);
        assert_eq!(parsed(&[], Role::Agent).unwrap().group_by, Dimension::Agent);
    }

    #[test]
    fn bad_input_names_its_field() {
        let field = |params: &[(&str, &str)]| match parsed(params, Role::Admin) {
            Err(e) => e.into_response().status(),
            Ok(_) => StatusCode::OK,
        };
        assert_eq!(field(&[("tz", "Mars/Olympus")]), StatusCode::BAD_REQUEST);
        assert_eq!(field(&[("from", "2026-13-01")]), StatusCode::BAD_REQUEST);
        assert_eq!(
            field(&[("from", "2026-12-02"), ("to", "2026-12-01")]),
            StatusCode::BAD_REQUEST
        );
        assert_eq!(
            field(&[("from", "2024-01-01"), ("to", "2026-01-01")]),
            StatusCode::BAD_REQUEST
        );
        assert_eq!(field(&[("group_by", "planet")]), StatusCode::BAD_REQUEST);
    }

    #[test]
    fn csv_is_asked_for_with_accept() {
        assert!(wants_csv(&request(&[], Some("text/csv"))));
        assert!(wants_csv(&request(&[], Some("application/json, text/csv;q=0.9"))));
        assert!(!wants_csv(&request(&[], Some("application/json"))));
        assert!(!wants_csv(&request(&[], None)));
    }
}
