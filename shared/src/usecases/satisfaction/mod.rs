//! Customer satisfaction: what the csat function does.
//!
//! - [`Surveys::schedule`]: a ticket event that resolves a ticket leaves a pending survey,
//!   due after the configured delay, on the table's due-time index.
//! - [`Surveys::sweep`]: on a schedule, with "now" from the schedule's event, every due
//!   survey is checked again (still resolved, not reopened, a person solved it, the contact
//!   reachable and not surveyed lately) and mailed once, with signed links.
//! - [`Surveys::open`] and [`Surveys::rate`]: the public page a link opens (a GET shows it and
//!   records nothing) and the rating its form posts, recorded through the one `Revision`.
//! - [`Surveys::project`]: a `csat.received` event keeps the rating for the report
//!   ([`Surveys::report`], `GET /v1/satisfaction`).
//! - NPS (`nps.rs`): a resolution makes its requester an NPS candidate; [`Surveys::sweep_nps`]
//!   asks the due ones (at most once per interval); [`Surveys::open_nps`] and
//!   [`Surveys::answer_nps`] are its page; the report counts its answers.

mod nps;
mod rate;
mod report;
mod sweep;

pub use nps::{NpsOutcome, NpsPage};
pub use rate::{LinkProblem, RateOutcome, SurveyPage};
pub use report::{SatisfactionFilter, SatisfactionReport, satisfaction_report};
pub use sweep::{SurveySweepLimits, SurveySweepReport};

use crate::domain::nps::NpsPolicy;
use crate::domain::satisfaction::{SurveyPolicy, resolves};
use crate::domain::signing::LinkSigner;
use crate::domain::{Clock, EventType, TicketEvent};
use crate::ports::{
    ActionLedger, ContactStore, MailSender, NpsStore, PendingSurvey, SendError, StoreError, SurveySettingsStore,
    SurveyStore, TeamStore, TemplateStore, TicketStore,
};
use crate::usecases::intake::SupportAddress;

/// What the survey use cases need to know.
#[derive(Debug, Clone)]
pub struct SurveyConfig {
    pub policy: SurveyPolicy,
    /// Who is asked the NPS question, how often.
    pub nps: NpsPolicy,
    /// Signs the survey links (the desk's link key).
    pub signer: LinkSigner,
    /// The public base URL the survey page is under (`<base>/survey/<token>`), no trailing `/`.
    pub base_url: String,
    /// The support addresses; a survey comes from its ticket's department's.
    pub addresses: Vec<SupportAddress>,
}

#[derive(Debug, thiserror::Error)]
pub enum SurveyError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Send(#[from] SendError),
    #[error("the survey template could not be rendered: {0}")]
    Template(#[from] crate::domain::templates::TemplateError),
    #[error("the survey mail could not be composed: {0}")]
    Compose(#[source] std::io::Error),
    #[error("no support address is configured")]
    NoSupportAddress,
    #[error("another worker is sending this survey; it is tried again later")]
    Busy,
}

/// The csat use cases, generic over their ports.
pub struct Surveys<S, M, C> {
    store: S,
    mailer: M,
    clock: C,
    config: SurveyConfig,
}

impl<S, M, C> Surveys<S, M, C> {
    pub fn new(store: S, mailer: M, clock: C, config: SurveyConfig) -> Self {
        Self {
            store,
            mailer,
            clock,
            config,
        }
    }

    pub fn store(&self) -> &S {
        &self.store
    }

    pub fn config(&self) -> &SurveyConfig {
        &self.config
    }
}

/// Every port the survey use cases read or write.
pub trait SurveyPorts:
    SurveyStore + NpsStore + SurveySettingsStore + TicketStore + ContactStore + TeamStore + TemplateStore + ActionLedger
{
}
impl<T> SurveyPorts for T where
    T: SurveyStore
        + NpsStore
        + SurveySettingsStore
        + TicketStore
        + ContactStore
        + TeamStore
        + TemplateStore
        + ActionLedger
{
}

impl<S, M, C> Surveys<S, M, C>
where
    S: SurveyPorts,
    M: MailSender,
    C: Clock,
{
    /// The policies in force: the settings an admin stored (`/v1/settings/surveys`), else the
    /// configured defaults. Read at every use, so a change applies at once.
    pub async fn policies(&self) -> Result<(SurveyPolicy, NpsPolicy), SurveyError> {
        Ok(match self.store.survey_settings().await? {
            Some(settings) => (settings.csat(), settings.nps()),
            None => (self.config.policy, self.config.nps),
        })
    }

    /// What a ticket event means for surveys: a resolution leaves a pending survey (the same
    /// one however often the event is delivered); a rating is kept for the report. Returns the
    /// survey scheduled, if any.
    pub async fn on_event(&self, event: &TicketEvent) -> Result<Option<PendingSurvey>, SurveyError> {
        if event.event_type == EventType::CsatReceived {
            self.project(event).await?;
            return Ok(None);
        }
        if !resolves(&event.changes) {
            return Ok(None);
        }
        // The requester may be asked the NPS question too (the sweep decides when).
        self.note_for_nps(event.ticket_id, event.at).await?;
        let (policy, _) = self.policies().await?;
        if !policy.enabled {
            return Ok(None);
        }
        let survey = PendingSurvey {
            ticket: event.ticket_id,
            resolved_at: event.at,
            resolver: event.actor.clone(),
            due: policy.due(event.at),
        };
        self.store.schedule_survey(&survey).await?;
        tracing::info!(ticket_id = %survey.ticket, due = %survey.due, "survey scheduled");
        Ok(Some(survey))
    }
}
