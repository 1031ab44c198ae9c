//! Ratings for the report: each `csat.received` event keeps the ticket's latest rating under
//! the month it was given (a projection fed by the outbox, so nothing is dual-written), and
//! `GET /v1/satisfaction` reads the months of a period: one Query each.

use serde::Serialize;

use super::{SurveyError, SurveyPorts, Surveys};
use crate::domain::nps::NpsTally;
use crate::domain::satisfaction::{Rating, Satisfaction};
use crate::domain::{AgentId, Clock, DepartmentId, TicketEvent, TicketField, Timestamp};
use crate::ports::{MailSender, NpsResponse, RatingRecord};

/// Which ratings a report counts (access is settled by the caller: an agent's own only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SatisfactionFilter {
    pub from: Timestamp,
    pub to: Timestamp,
    pub department: Option<DepartmentId>,
    pub agent: Option<AgentId>,
}

/// The ratings of a period and what they add up to.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SatisfactionReport {
    pub from: Timestamp,
    pub to: Timestamp,
    pub good: usize,
    pub bad: usize,
    /// Good ratings as a percentage of all, rounded to one decimal; `null` with none.
    pub score: Option<f64>,
    /// The ratings, oldest first.
    pub ratings: Vec<RatingRecord>,
    /// The NPS answers given in the period (desk-wide: the department and agent filters do
    /// not apply, an NPS survey is about the desk, not one ticket).
    pub nps: NpsTally,
}

impl SatisfactionReport {
    pub fn of(filter: &SatisfactionFilter, ratings: Vec<RatingRecord>, nps: &[NpsResponse]) -> Self {
        let ratings: Vec<RatingRecord> = ratings
            .into_iter()
            .filter(|r| filter.department.is_none() || r.department == filter.department)
            .filter(|r| filter.agent.is_none() || r.agent == filter.agent)
            .collect();
        let good = ratings.iter().filter(|r| r.rating == Rating::Good).count();
        let bad = ratings.len() - good;
        let score = (!ratings.is_empty()).then(|| (good as f64 * 1000.0 / ratings.len() as f64).round() / 10.0);
        Self {
            from: filter.from,
            to: filter.to,
            good,
            bad,
            score,
            ratings,
            nps: NpsTally::of(nps.iter().map(|r| r.score)),
        }
    }
}

impl<S, M, C> Surveys<S, M, C>
where
    S: SurveyPorts,
    M: MailSender,
    C: Clock,
{
    /// Keeps the rating a `csat.received` event reports for the report.
    pub(super) async fn project(&self, event: &TicketEvent) -> Result<(), SurveyError> {
        let Some(change) = event.changes.iter().find(|c| c.field == TicketField::Satisfaction) else {
            return Ok(());
        };
        let Ok(now) = serde_json::from_value::<Satisfaction>(change.to.clone()) else {
            tracing::warn!(event_id = %event.id, "a rating event without a readable rating");
            return Ok(());
        };
        let previous = serde_json::from_value::<Option<Satisfaction>>(change.from.clone())
            .ok()
            .flatten()
            .map(|p| p.at);
        let department = self.store.get_ticket(event.ticket_id).await?.and_then(|t| t.department);
        let record = RatingRecord {
            ticket_id: event.ticket_id,
            ticket_number: event.ticket_number,
            rating: now.rating,
            comment: now.comment.map(String::from),
            at: now.at,
            ratings: now.ratings,
            agent: now.agent,
            department,
        };
        self.store.record_rating(&record, previous).await?;
        Ok(())
    }

    /// The ratings of a period, filtered.
    pub async fn report(&self, filter: &SatisfactionFilter) -> Result<SatisfactionReport, SurveyError> {
        let ratings = self.store.ratings(filter.from, filter.to).await?;
        let nps = self.store.nps_responses(filter.from, filter.to).await?;
        Ok(SatisfactionReport::of(filter, ratings, &nps))
    }
}

/// `GET /v1/satisfaction`: the ratings of a period for `who`. Managers and admins see every
/// rating (filtered as asked); an agent sees only the ratings counted for them (asking for
/// another agent's is refused).
pub async fn satisfaction_report<S>(
    store: &S,
    who: &crate::domain::Principal,
    mut filter: SatisfactionFilter,
) -> Result<SatisfactionReport, crate::usecases::desk::DeskError>
where
    S: crate::ports::SurveyStore + crate::ports::NpsStore + crate::ports::TeamStore,
{
    use crate::domain::{DomainError, EmailAddress, Role};
    if filter.to <= filter.from {
        return Err(DomainError::invalid("to", "must be after from").into());
    }
    if filter.to.as_datetime() - filter.from.as_datetime() > chrono::Duration::days(366) {
        return Err(DomainError::invalid("to", "a period is at most 366 days").into());
    }
    if who.role == Role::Agent {
        let me = match who.email.as_deref().and_then(|e| EmailAddress::parse(e).ok()) {
            Some(email) => store.find_agent_by_email(&email).await?,
            None => None,
        }
        .ok_or_else(|| DomainError::forbidden("only agents with a profile see their ratings"))?;
        if filter.agent.is_some_and(|asked| asked != me.id) {
            return Err(DomainError::forbidden("agents see their own ratings only").into());
        }
        filter.agent = Some(me.id);
    }
    let ratings = store.ratings(filter.from, filter.to).await?;
    let nps = store.nps_responses(filter.from, filter.to).await?;
    Ok(SatisfactionReport::of(&filter, ratings, &nps))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{TicketId, TicketNumber};

    #[test]
    fn the_score_is_the_share_of_good_ratings_among_those_filtered() {
        let at = Timestamp::parse("2026-11-23T09:00:00Z").unwrap();
        let agent = AgentId::generate(at);
        let record = |rating, agent| RatingRecord {
            ticket_id: TicketId::generate(at),
            ticket_number: TicketNumber::new(1001),
            rating,
            comment: None,
            at,
            ratings: 1,
            agent,
            department: None,
        };
        let all = vec![
            record(Rating::Good, Some(agent)),
            record(Rating::Good, None),
            record(Rating::Bad, Some(agent)),
        ];
        let mut filter = SatisfactionFilter {
            from: at,
            to: at,
            department: None,
            agent: None,
        };
        let report = SatisfactionReport::of(&filter, all.clone(), &[]);
        assert_eq!((report.good, report.bad, report.score), (2, 1, Some(66.7)));
        filter.agent = Some(agent);
        let mine = SatisfactionReport::of(&filter, all, &[]);
        assert_eq!((mine.good, mine.bad, mine.score), (1, 1, Some(50.0)));
        assert_eq!(SatisfactionReport::of(&filter, vec![], &[]).score, None);
    }
}
