//! The public survey page: what a link opens (a GET, which scanners fetch too, so it records
//! nothing) and the rating its form posts (recorded through the one `Revision`, committed with
//! retry). The link's token names one ticket and expires; the rating and the comment come from
//! the form.

use super::{SurveyError, SurveyPorts, Surveys};
use crate::domain::satisfaction::{Answer, Comment, CsatScale, RatingRefused, Satisfaction};
use crate::domain::signing::TokenError;
use crate::domain::{Actor, Clock, Revision, Status, TicketNumber};
use crate::ports::MailSender;
use crate::usecases::commit::{Decision, commit_with_retry};

/// What the survey page shows: the ticket's number and subject (never its conversation), the
/// answer the link chose, the rating already given, and the scale to ask on.
#[derive(Debug, Clone, PartialEq)]
pub struct SurveyPage {
    pub ticket_number: TicketNumber,
    pub subject: String,
    pub chosen: Option<Answer>,
    pub current: Option<Satisfaction>,
    /// The chosen answer's scale, else the rating's, else the desk's.
    pub scale: CsatScale,
}

/// Why a link shows no form, said plainly on the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkProblem {
    /// Not one of ours, or altered.
    Invalid,
    Expired,
    /// The ticket is gone, merged or spam.
    NotRateable,
    /// Rated and changed too often.
    TooManyRatings,
}

impl From<TokenError> for LinkProblem {
    fn from(e: TokenError) -> Self {
        match e {
            TokenError::Expired => LinkProblem::Expired,
            _ => LinkProblem::Invalid,
        }
    }
}

impl From<RatingRefused> for LinkProblem {
    fn from(e: RatingRefused) -> Self {
        match e {
            RatingRefused::NotRateable => LinkProblem::NotRateable,
            RatingRefused::TooManyRatings => LinkProblem::TooManyRatings,
        }
    }
}

/// What a posted rating did.
#[derive(Debug, Clone, PartialEq)]
pub enum RateOutcome {
    /// Recorded (new, or changed): the page thanks the customer.
    Recorded(SurveyPage),
    /// The same answer as before (a form posted twice): nothing written, thanked all the same.
    Unchanged(SurveyPage),
    Refused(LinkProblem),
}

impl<S, M, C> Surveys<S, M, C>
where
    S: SurveyPorts,
    M: MailSender,
    C: Clock,
{
    /// The page a survey link opens, with `chosen` preselected. Reads only.
    pub async fn open(
        &self,
        token: &str,
        chosen: Option<Answer>,
    ) -> Result<Result<SurveyPage, LinkProblem>, SurveyError> {
        let ticket_id = match self.config.signer.open_survey_token(token, self.clock.now()) {
            Ok(id) => id,
            Err(e) => return Ok(Err(e.into())),
        };
        let Some(ticket) = self.store.get_ticket(ticket_id).await? else {
            return Ok(Err(LinkProblem::NotRateable));
        };
        if ticket.status == Status::Spam || ticket.merged_into.is_some() {
            return Ok(Err(LinkProblem::NotRateable));
        }
        let chosen = chosen.or(ticket.satisfaction.as_ref().map(Satisfaction::answer));
        let scale = match chosen {
            Some(answer) => answer.scale(),
            None => self.policies().await?.0.scale,
        };
        Ok(Ok(SurveyPage {
            ticket_number: ticket.number,
            subject: ticket.subject,
            chosen,
            current: ticket.satisfaction,
            scale,
        }))
    }

    /// Records the rating the page's form posted, as the ticket's requester.
    pub async fn rate(
        &self,
        token: &str,
        answer: Answer,
        comment: Option<Comment>,
    ) -> Result<RateOutcome, SurveyError> {
        let ticket_id = match self.config.signer.open_survey_token(token, self.clock.now()) {
            Ok(id) => id,
            Err(e) => return Ok(RateOutcome::Refused(e.into())),
        };
        let comment = &comment;
        let sla = &self.store.sla_book().await?;
        commit_with_retry(&self.store, |_| async move {
            let Some(ticket) = self.store.get_ticket(ticket_id).await? else {
                return Ok(Decision::Done(RateOutcome::Refused(LinkProblem::NotRateable)));
            };
            let now = self.clock.now();
            let Ok(mut revision) = Revision::of(&ticket, Actor::customer(ticket.requester), now) else {
                return Ok(Decision::Done(RateOutcome::Refused(LinkProblem::NotRateable)));
            };
            let changed = match revision.record_satisfaction(answer, comment.clone()) {
                Ok(changed) => changed,
                Err(refused) => return Ok(Decision::Done(RateOutcome::Refused(refused.into()))),
            };
            let rated = revision.ticket();
            let page = SurveyPage {
                ticket_number: rated.number,
                subject: rated.subject.clone(),
                chosen: Some(answer),
                current: rated.satisfaction.clone(),
                scale: answer.scale(),
            };
            if !changed {
                return Ok(Decision::Done(RateOutcome::Unchanged(page)));
            }
            tracing::info!(ticket_id = %ticket_id, rating = %answer.rating, score = ?answer.score.map(|s| s.value()), "rating recorded");
            Ok(Decision::commit_one(
                revision.into_write(sla),
                RateOutcome::Recorded(page),
            ))
        })
        .await
    }
}
