//! NPS, the relationship survey (docs/csat.md, "NPS"): a resolution makes its requester a
//! candidate, due at once or when the interval since their last survey ends; the sweep asks
//! every due contact who still qualifies (a ticket resolved within the interval, not asked
//! within it, reachable), once; the answer page's form records the 0–10 answer, changeable
//! within the link's window; the report counts the answers of a period.

use super::rate::LinkProblem;
use super::sweep::{SurveySweepLimits, SurveySweepReport};
use super::{SurveyError, SurveyPorts, Surveys};
use crate::adapters::mime::compose::{Outgoing, compose};
use crate::domain::nps::{MAX_NPS_ANSWERS, NoNps, NpsPolicy, NpsScore};
use crate::domain::satisfaction::{Comment, links_expire};
use crate::domain::template_library::{TemplateLibrary, TemplateName};
use crate::domain::templates::{TemplateContext, TemplateKind};
use crate::domain::{Clock, Contact, EmailAddress, TicketId, Timestamp};
use crate::ports::{Claim, MailSender, NpsCandidate, NpsResponse, StoreError};

/// How long a claim on an NPS survey protects its sending.
const LEASE_SECONDS: i64 = 120;
/// How often an answer is written again after another answer came in between.
const ANSWER_ATTEMPTS: usize = 3;

/// What the NPS page shows: the answer the link chose and the one already given.
#[derive(Debug, Clone, PartialEq)]
pub struct NpsPage {
    pub chosen: Option<NpsScore>,
    pub current: Option<NpsResponse>,
}

/// What a posted NPS answer did.
#[derive(Debug, Clone, PartialEq)]
pub enum NpsOutcome {
    Recorded(NpsPage),
    /// The same answer and comment as before (a form posted twice): nothing written.
    Unchanged(NpsPage),
    Refused(LinkProblem),
}

impl<S, M, C> Surveys<S, M, C>
where
    S: SurveyPorts,
    M: MailSender,
    C: Clock,
{
    /// Notes a resolution of `ticket` at `at` for its requester's NPS survey.
    pub(super) async fn note_for_nps(&self, ticket: TicketId, at: Timestamp) -> Result<(), SurveyError> {
        let Some(ticket) = self.store.get_ticket(ticket).await? else {
            return Ok(());
        };
        self.store.note_nps_resolution(ticket.requester, at).await?;
        Ok(())
    }

    /// Asks every contact due for NPS at `now`, as far as `limits` allow. Nothing when NPS is
    /// off (the candidates wait; turned on, those still qualifying are asked).
    pub async fn sweep_nps(&self, now: Timestamp, limits: SurveySweepLimits) -> Result<SurveySweepReport, SurveyError> {
        let mut report = SurveySweepReport::default();
        let (_, policy) = self.policies().await?;
        if !policy.enabled {
            report.complete = true;
            return Ok(report);
        }
        let deadline = std::time::Instant::now() + limits.budget;
        let mut after: Option<NpsCandidate> = None;
        loop {
            if std::time::Instant::now() >= deadline {
                tracing::warn!(?report, "NPS sweep ran out of time; the rest is due next run");
                return Ok(report);
            }
            let page = self.store.due_nps(now, after.as_ref(), limits.page).await?;
            for candidate in &page {
                match self.ask_one(candidate, now, policy).await {
                    Ok(true) => report.sent += 1,
                    Ok(false) => report.skipped += 1,
                    Err(e) => {
                        report.failed += 1;
                        tracing::error!(contact_id = %candidate.contact, error = %e, "NPS survey left for the next run");
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

    /// Asks one due contact if they still qualify; whether a survey was sent.
    async fn ask_one(&self, candidate: &NpsCandidate, now: Timestamp, policy: NpsPolicy) -> Result<bool, SurveyError> {
        let Some(contact) = self.store.get_contact(candidate.contact).await? else {
            self.store.drop_nps_due(candidate).await?;
            return Ok(false);
        };
        match policy.check(&contact, candidate.last_resolved, candidate.last_sent, now) {
            Ok(()) => {}
            // The interval grew since this due time was set: due again at its new end.
            Err(NoNps::AskedRecently) => {
                let sent = candidate.last_sent.unwrap_or(now);
                self.store
                    .record_nps_sent(candidate, sent, policy.next_after(sent))
                    .await?;
                return Ok(false);
            }
            Err(why) => {
                tracing::info!(contact_id = %contact.id, %why, "no NPS survey");
                self.store.drop_nps_due(candidate).await?;
                return Ok(false);
            }
        }
        let key = format!("nps#{}#{}", contact.id, candidate.due);
        match self.store.claim(&key, now, LEASE_SECONDS).await? {
            Claim::Claimed => {}
            Claim::AlreadyDone => {
                // Sent by a run that stopped before recording it.
                self.store
                    .record_nps_sent(candidate, now, policy.next_after(now))
                    .await?;
                return Ok(false);
            }
            Claim::Busy => return Err(SurveyError::Busy),
        }
        self.send_nps(&contact, candidate, now).await?;
        self.store.complete(&key).await?;
        self.store
            .record_nps_sent(candidate, now, policy.next_after(now))
            .await?;
        tracing::info!(contact_id = %contact.id, "NPS survey sent");
        Ok(true)
    }

    async fn send_nps(&self, contact: &Contact, candidate: &NpsCandidate, now: Timestamp) -> Result<(), SurveyError> {
        let to = contact.email.clone().ok_or(SurveyError::NoSupportAddress)?;
        let address = self.config.addresses.first().ok_or(SurveyError::NoSupportAddress)?;
        let team_name = match &address.department {
            Some(d) => self.store.get_department(d).await?.map(|d| d.name),
            None => None,
        }
        .unwrap_or_else(|| "Customer Support".into());
        let token = self.config.signer.nps_token(contact.id, now, links_expire(now));
        let context = TemplateContext {
            contact_name: contact.name.clone(),
            team_name: team_name.clone(),
            nps_links: NpsScore::all()
                .map(|score| format!("{}/survey/{token}?score={}", self.config.base_url, score.value()))
                .collect(),
            ..Default::default()
        };
        let name = TemplateName::from(TemplateKind::NpsSurvey);
        let library = TemplateLibrary::new(self.store.stored_templates(Some(&name)).await?);
        let rendered = library.render(&name, contact.language.as_ref(), &context)?;
        let outgoing = Outgoing {
            from_name: team_name,
            reply_to: None,
            // The same on every retry of this survey.
            message_id: format!(
                "lambdesk.nps-{}-{}@{}",
                contact.id.to_string().to_lowercase(),
                candidate.due.timestamp_millis(),
                address.address.domain().to_lowercase()
            ),
            from: address.address.clone(),
            to: vec![(contact.name.clone(), to)],
            cc: vec![],
            subject: rendered.subject,
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

    /// Whether `token` is an NPS link (ours, of the NPS purpose, expired or not): the survey
    /// page serves both kinds under one route.
    pub fn is_nps_token(&self, token: &str) -> bool {
        use crate::domain::signing::TokenError;
        matches!(
            self.config.signer.open_nps_token(token, self.clock.now()),
            Ok(_) | Err(TokenError::Expired)
        )
    }

    /// The NPS page a link opens, with `chosen` preselected. Reads only.
    pub async fn open_nps(
        &self,
        token: &str,
        chosen: Option<NpsScore>,
    ) -> Result<Result<NpsPage, LinkProblem>, SurveyError> {
        let (contact, sent) = match self.config.signer.open_nps_token(token, self.clock.now()) {
            Ok(opened) => opened,
            Err(e) => return Ok(Err(e.into())),
        };
        if self.store.get_contact(contact).await?.is_none() {
            return Ok(Err(LinkProblem::NotRateable));
        }
        let current = self.store.nps_response(contact, sent).await?;
        Ok(Ok(NpsPage {
            chosen: chosen.or(current.as_ref().map(|r| r.score)),
            current,
        }))
    }

    /// Records the answer the NPS page's form posted.
    pub async fn answer_nps(
        &self,
        token: &str,
        score: NpsScore,
        comment: Option<Comment>,
    ) -> Result<NpsOutcome, SurveyError> {
        let (contact, sent) = match self.config.signer.open_nps_token(token, self.clock.now()) {
            Ok(opened) => opened,
            Err(e) => return Ok(NpsOutcome::Refused(e.into())),
        };
        if self.store.get_contact(contact).await?.is_none() {
            return Ok(NpsOutcome::Refused(LinkProblem::NotRateable));
        }
        let comment = comment.map(String::from);
        for _ in 0..ANSWER_ATTEMPTS {
            let previous = self.store.nps_response(contact, sent).await?;
            if let Some(previous) = &previous {
                if previous.score == score && previous.comment == comment {
                    return Ok(NpsOutcome::Unchanged(page(score, previous.clone())));
                }
                if previous.answers >= MAX_NPS_ANSWERS {
                    return Ok(NpsOutcome::Refused(LinkProblem::TooManyRatings));
                }
            }
            let response = NpsResponse {
                contact,
                sent,
                score,
                comment: comment.clone(),
                at: self.clock.now(),
                answers: previous.as_ref().map_or(1, |p| p.answers + 1),
            };
            match self.store.record_nps_response(&response, previous.as_ref()).await {
                Ok(()) => {
                    tracing::info!(contact_id = %contact, score = score.value(), "NPS answer recorded");
                    return Ok(NpsOutcome::Recorded(page(score, response)));
                }
                Err(StoreError::VersionConflict) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(SurveyError::Busy)
    }
}

fn page(score: NpsScore, response: NpsResponse) -> NpsPage {
    NpsPage {
        chosen: Some(score),
        current: Some(response),
    }
}
