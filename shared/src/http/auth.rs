//! The principal, from the claims the HTTP API's JWT authorizer verified.

use std::collections::{BTreeSet, HashMap};

use lambda_http::request::RequestContext;
use lambda_http::{Request, RequestExt};

use super::ApiError;
use crate::domain::{DepartmentId, Principal, Role};

/// Reads the verified claims from the request context. A request without them never reached
/// us through the authorizer, so it is refused.
pub fn principal(request: &Request) -> Result<Principal, ApiError> {
    let claims = request
        .request_context_ref()
        .and_then(RequestContext::authorizer)
        .and_then(|a| a.jwt.as_ref())
        .map(|jwt| &jwt.claims)
        .filter(|claims| !claims.is_empty())
        .ok_or(ApiError::Unauthorized)?;
    principal_from_claims(claims)
}

pub fn principal_from_claims(claims: &HashMap<String, String>) -> Result<Principal, ApiError> {
    let subject = claims
        .get("sub")
        .filter(|s| !s.is_empty())
        .ok_or(ApiError::Unauthorized)?;
    let role = claims
        .get("cognito:groups")
        .map(|g| groups(g))
        .unwrap_or_default()
        .iter()
        .filter_map(|g| Role::parse(g))
        .max()
        .ok_or_else(|| ApiError::Forbidden("your account is in none of the groups admin, manager, agent".into()))?;
    let departments: BTreeSet<DepartmentId> = claims
        .get("custom:departments")
        .map(|d| {
            d.split(',')
                .filter_map(|s| DepartmentId::parse(s.trim()).ok())
                .collect()
        })
        .unwrap_or_default();
    Ok(Principal {
        subject: subject.clone(),
        email: claims.get("email").cloned(),
        role,
        departments,
    })
}

/// API Gateway flattens an array claim to `[a b]`; a JSON array or a comma list is accepted too.
fn groups(claim: &str) -> Vec<String> {
    let trimmed = claim.trim();
    if let Ok(list) = serde_json::from_str::<Vec<String>>(trimmed) {
        return list;
    }
    trimmed
        .trim_start_matches('[')
        .trim_end_matches(']')
        .split([' ', ','])
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn the_highest_group_is_the_role() {
        let p = principal_from_claims(&claims(&[("sub", "u1"), ("cognito:groups", "[agent manager]")])).unwrap();
        assert_eq!(p.role, Role::Manager);
        let p = principal_from_claims(&claims(&[("sub", "u1"), ("cognito:groups", "[\"admin\"]")])).unwrap();
        assert_eq!(p.role, Role::Admin);
    }

    #[test]
    fn departments_come_from_the_custom_claim() {
        let p = principal_from_claims(&claims(&[
            ("sub", "u1"),
            ("cognito:groups", "[agent]"),
            ("custom:departments", "billing, sales,Bad Name"),
        ]))
        .unwrap();
        let names: Vec<_> = p.departments.iter().map(|d| d.as_str()).collect();
        assert_eq!(names, ["billing", "sales"]);
    }

    #[test]
    fn no_subject_or_no_group_is_refused() {
        assert!(matches!(
            principal_from_claims(&claims(&[("cognito:groups", "[admin]")])),
            Err(ApiError::Unauthorized)
        ));
        assert!(matches!(
            principal_from_claims(&claims(&[("sub", "u"), ("cognito:groups", "[guests]")])),
            Err(ApiError::Forbidden(_))
        ));
    }
}
