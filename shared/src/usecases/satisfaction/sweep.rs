//! The survey sweep: every pending survey that is due is checked again and mailed once.
//! "Now" is the schedule's time (an input), so a run can be replayed for any moment. A survey
//! that fails stays due for the next run; the claim on its key (ticket and resolution) makes a
//! rerun after a crash send nothing twice.

use std::time::{Duration, Instant};

use super::{SurveyError, SurveyPorts, Surveys};
use crate::adapters::mime::compose::{Outgoing, compose, with_token};
use crate::domain::satisfaction::{CsatScale, Rating, Score, SurveyPolicy, links_expire};
use crate::domain::template_library::{TemplateLibrary, TemplateName};
use crate::domain::templates::{TemplateContext, TemplateKind};
use crate::domain::{Clock, Contact, EmailAddress, Ticket, Timestamp};
use crate::ports::{Claim, MailSender, PendingSurvey};

/// How much one sweep takes on.
#[derive(Debug, Clone, Copy)]
pub struct SurveySweepLimits {
    /// Surveys read per Query.
    pub page: usize,
    /// No new page is taken after this long; the rest waits for the next run.
    pub budget: Duration,
}

/// What one sweep did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct SurveySweepReport {
    pub sent: usize,
    /// Due but not sent, for a reason (reopened, rated, surveyed lately, ...): done with.
    pub skipped: usize,
    /// Failed (logged; still due, so tried again next run).
    pub failed: usize,
    /// Whether everything due was looked at.
    pub complete: bool,
}

/// How long a claim on a survey protects its sending.
const LEASE_SECONDS: i64 = 120;

impl<S, M, C> Surveys<S, M, C>
where
    S: SurveyPorts,
    M: MailSender,
    C: Clock,
{
    /// Sends every survey due at `now`, as far as `limits` allow.
    pub async fn sweep(&self, now: Timestamp, limits: SurveySweepLimits) -> Result<SurveySweepReport, SurveyError> {
        let deadline = Instant::now() + limits.budget;
        let mut report = SurveySweepReport::default();
        let mut after: Option<PendingSurvey> = None;
        let (policy, _) = self.policies().await?;
        loop {
            if Instant::now() >= deadline {
                tracing::warn!(?report, "survey sweep ran out of time; the rest is due next run");
                return Ok(report);
            }
            let page = self.store.due_surveys(now, after.as_ref(), limits.page).await?;
            for survey in &page {
                match self.survey_one(survey, now, &policy).await {
                    Ok(true) => report.sent += 1,
                    Ok(false) => report.skipped += 1,
                    Err(e) => {
                        report.failed += 1;
                        tracing::error!(ticket_id = %survey.ticket, error = %e, "survey left for the next run");
                    }
                }
            }
            if page.len() < limits.page {
                report.complete = true;
                return Ok(report);
            }
            after = page.last().cloned();
        }
    }

    /// Sends one due survey if it still should go; whether it was sent.
    async fn survey_one(
        &self,
        survey: &PendingSurvey,
        now: Timestamp,
        policy: &SurveyPolicy,
    ) -> Result<bool, SurveyError> {
        let Some(ticket) = self.store.get_ticket(survey.ticket).await? else {
            self.store.finish_survey(survey).await?;
            return Ok(false);
        };
        let Some(contact) = self.store.get_contact(ticket.requester).await? else {
            self.store.finish_survey(survey).await?;
            return Ok(false);
        };
        let last = self.store.last_surveyed(contact.id).await?;
        if let Err(why) = policy.check(&ticket, survey.resolved_at, &survey.resolver, &contact, last, now) {
            tracing::info!(ticket_id = %ticket.id, %why, "no survey");
            self.store.finish_survey(survey).await?;
            return Ok(false);
        }
        let key = format!("survey#{}#{}", ticket.id, survey.resolved_at);
        match self.store.claim(&key, now, LEASE_SECONDS).await? {
            Claim::Claimed => {}
            Claim::AlreadyDone => {
                self.store.finish_survey(survey).await?;
                return Ok(false);
            }
            Claim::Busy => return Err(SurveyError::Busy),
        }
        self.send_survey(&ticket, &contact, survey, policy.scale, now).await?;
        self.store.complete(&key).await?;
        self.store.mark_surveyed(contact.id, now).await?;
        self.store.finish_survey(survey).await?;
        tracing::info!(ticket_id = %ticket.id, "survey sent");
        Ok(true)
    }

    async fn send_survey(
        &self,
        ticket: &Ticket,
        contact: &Contact,
        survey: &PendingSurvey,
        scale: CsatScale,
        now: Timestamp,
    ) -> Result<(), SurveyError> {
        let to = contact.email.clone().ok_or(SurveyError::NoSupportAddress)?;
        let address = self
            .config
            .addresses
            .iter()
            .find(|a| a.department.is_some() && a.department == ticket.department)
            .or_else(|| self.config.addresses.first())
            .ok_or(SurveyError::NoSupportAddress)?;
        let team_name = match &ticket.department {
            Some(d) => self.store.get_department(d).await?.map(|d| d.name),
            None => None,
        }
        .unwrap_or_else(|| "Customer Support".into());
        let token = self.config.signer.survey_token(ticket.id, links_expire(now));
        // The answer rides in the query: the page preselects it, and it decides which scale the
        // page shows, so links already sent keep theirs when an admin changes the scale.
        let link = |answer: String| format!("{}/survey/{token}?{answer}", self.config.base_url);
        let (good, bad, scores) = match scale {
            CsatScale::GoodBad => (
                Some(link(format!("rating={}", Rating::Good))),
                Some(link(format!("rating={}", Rating::Bad))),
                vec![],
            ),
            CsatScale::FivePoint => (
                None,
                None,
                Score::ALL
                    .iter()
                    .map(|s| link(format!("score={}", s.value())))
                    .collect(),
            ),
        };
        let context = TemplateContext {
            contact_name: contact.name.clone(),
            ticket_number: ticket.number.to_string(),
            ticket_subject: ticket.subject.clone(),
            team_name: team_name.clone(),
            survey_good_link: good,
            survey_bad_link: bad,
            survey_score_links: scores,
            ..Default::default()
        };
        let name = TemplateName::from(TemplateKind::SatisfactionSurvey);
        let library = TemplateLibrary::new(self.store.stored_templates(Some(&name)).await?);
        let rendered = library.render(&name, contact.language.as_ref(), &context)?;
        let outgoing = Outgoing {
            from_name: team_name,
            reply_to: None,
            // The same on every retry of this survey.
            message_id: format!(
                "lambdesk.{}.survey-{}@{}",
                ticket.number.value(),
                survey.resolved_at.timestamp_millis(),
                address.address.domain().to_lowercase()
            ),
            from: address.address.clone(),
            to: vec![(contact.name.clone(), to)],
            cc: vec![],
            subject: with_token(ticket.number, &rendered.subject),
            in_reply_to: None,
            references: vec![],
            auto_submitted: Some("auto-generated"),
            text: rendered.text,
            html: rendered.html,
            date: now,
            attachments: vec![],
        };
        let raw = compose(&outgoing).map_err(SurveyError::Compose)?;
        let recipients: Vec<EmailAddress> = outgoing.recipients();
        self.mailer.send_raw(&outgoing.from, &recipients, raw).await?;
        Ok(())
    }
}
