//! The reactor runs the desk's rules: for one ticket event, every rule in position order, all
//! their changes to the ticket in one conditional write (with an audit event per rule naming
//! it, and the mail and webhooks they decided recorded on the write's once-key item), then
//! those effects. Redelivery applies the changes once (a write-once key per event), carries out
//! what was recorded (`outbox.rs`) and sends each mail once (a claim per rule action).

use chrono::Duration;

use super::{Action, EventReactor, EventReads, Reaction, ReactorError, outbox};
use crate::domain::rules::{
    BusinessCalendar, Effect, Evaluation, Facts, Happening, MAX_FIRES_PER_TICKET_HOUR, MessageFacts, Rule, RuleRun,
    Trigger, cause_of, default_rules, next_look,
};
use crate::domain::sla::SlaBook;
use crate::domain::{
    Actor, AgentLoad, Clock, Delivery, DepartmentId, EmailAddress, EventType, Message, MessageId, Revision, RuleId,
    Ticket, TicketEvent, Timestamp, Visibility, Writer,
};
use crate::ports::{
    ActionLedger, BlobStore, ContactStore, MailSender, OnceKey, RuleStore, StoreError, TeamStore, TemplateStore,
    TicketStore, TicketWrite,
};
use crate::usecases::commit::{Decision, commit_with_retry};
use crate::usecases::desk::calendar_for;

pub use super::assigner::TableAssigner;
pub use crate::domain::load::MAX_AGENT_LOAD;

impl<S, M, B, C, W> EventReactor<S, M, B, C, W>
where
    W: crate::ports::WebhookSender,
    S: TicketStore + ContactStore + TeamStore + TemplateStore + ActionLedger + RuleStore,
    M: MailSender,
    B: BlobStore,
    C: Clock,
{
    /// Gives a new desk its default rules, once ever (one read when it had them already).
    pub async fn ensure_default_rules(&self) -> Result<bool, ReactorError> {
        let routes: Vec<(String, DepartmentId)> = self
            .config
            .addresses
            .iter()
            .filter_map(|a| Some((a.address.as_str().to_owned(), a.department.clone()?)))
            .collect();
        let seeded = self
            .store
            .seed_rules(&default_rules(&routes, &self.form_categories, self.clock.now()))
            .await?;
        if seeded {
            tracing::info!("a new desk: default rules written");
        }
        Ok(seeded)
    }

    /// Runs the rules for one event and applies what they decide.
    pub(super) async fn apply_rules(
        &self,
        event: &TicketEvent,
        attempt: u32,
        batch: &super::BatchRules,
        reads: &EventReads,
    ) -> Result<Reaction, ReactorError> {
        let rules = self.batch_rules(batch).await?;
        self.run_rules(event, None, self.clock.now(), attempt, rules, reads)
            .await
    }

    /// Runs `rules` for `event` as of `now` (the event's handling time, or the sweep's).
    pub(super) async fn run_rules(
        &self,
        event: &TicketEvent,
        happening: Option<Happening>,
        now: Timestamp,
        attempt: u32,
        rules: &[Rule],
        reads: &EventReads,
    ) -> Result<Reaction, ReactorError> {
        let swept = happening.is_some();
        let (reaction, ticket) = self.decide_rules(event, happening, now, attempt, rules, reads).await?;
        // The event's other actions see the ticket as the rules left it, without reading it.
        reads.saw_ticket(ticket.clone());
        // Whatever the rules did, the ticket changed: when do time rules next need it?
        let timed = rules.iter().any(|r| r.enabled && r.triggers.contains(&Trigger::Time));
        // Read again only where the rules did not leave it in hand (a redelivery's effects).
        let ticket = match ticket {
            Some(ticket) => Some(ticket),
            None if timed => self.store.get_ticket(event.ticket_id).await?,
            None => None,
        };
        if timed && let Some(ticket) = ticket {
            match next_look(rules, &ticket, now) {
                Some(at) => self.store.set_next_look(ticket.id, Some(at)).await?,
                // The write that made the event cleared it already; a stale one left by a
                // later event's run only costs the sweep a look, which clears it.
                None if !swept => {}
                None => self.store.set_next_look(ticket.id, None).await?,
            }
        } else if swept {
            self.store.set_next_look(event.ticket_id, None).await?;
        }
        Ok(reaction)
    }

    /// What the rules make of `event`, and the ticket as it stands after (`None`: gone, or
    /// not read), so the caller need not read it again.
    async fn decide_rules(
        &self,
        event: &TicketEvent,
        happening: Option<Happening>,
        now: Timestamp,
        attempt: u32,
        rules: &[Rule],
        reads: &EventReads,
    ) -> Result<(Reaction, Option<Ticket>), ReactorError> {
        let skip = |why: &str| Ok(skipped(why));
        // The rules wrote for this event before (and the effects they decided may not all have
        // happened: a crash, a failed send): carry out what was recorded, not a fresh decision.
        if let Some(recorded) = self.recorded_effects(event, attempt, reads).await? {
            return Ok((recorded, None));
        }
        if !rules.iter().any(|r| r.enabled) {
            return skip("no rules are enabled");
        }
        let message = reads.message(&self.store, event).await?;
        let (_, depth) = cause_of(&event.actor);
        let (happening, message) = (&happening, &message);
        // The SLA policies settle the rules' write; read only when some rule fired.
        let sla_book = tokio::sync::OnceCell::new();
        let sla_book = &sla_book;
        let decided = commit_with_retry(&self.store, |_| async move {
            let Some(ticket) = self.store.get_ticket(event.ticket_id).await? else {
                return Ok(Decision::Done(RulesDecision::Finished(skipped("the ticket is gone"))));
            };
            if ticket.merged_into.is_some() {
                return Ok(Decision::Done(RulesDecision::Finished(skipped(
                    "the ticket was merged",
                ))));
            }
            let Some(happening) = happening
                .clone()
                .or_else(|| Happening::of(event.event_type, ticket.channel, &event.changes))
            else {
                return Ok(Decision::Done(RulesDecision::Finished(skipped(
                    "rules do not react to this event",
                ))));
            };
            let mut assigner = TableAssigner::new(&self.store, now, false).for_ticket(&ticket);
            let evaluation = evaluate_with(
                &self.store,
                now,
                rules,
                &ticket,
                &happening,
                message.as_ref(),
                &event.actor,
                &mut assigner,
            )
            .await?;
            // An assignment that could not read the store decided nothing: fail, and the event
            // is delivered again, before anything is written or sent.
            if let Some(e) = assigner.take_failure() {
                return Err(e.into());
            }
            let acted = evaluation.fired().next().is_some() || evaluation.cut.is_some();
            let write = if acted {
                let sla = sla_book.get_or_try_init(|| self.store.sla_book()).await?;
                self.rules_write(event, &ticket, &evaluation, depth, now, sla)?
            } else {
                None
            };
            let Some(write) = write else {
                if evaluation.fired().next().is_none() {
                    let reaction = Reaction::Skipped(Action::Rules, "no rule matched".into());
                    return Ok(Decision::Done(RulesDecision::Finished((reaction, Some(ticket)))));
                }
                // Rules that only mail or call out change nothing to write; their effects are
                // claimed one by one, so a redelivery does not repeat them.
                self.rule_effects(event, &ticket, &outbox::decided(&evaluation), attempt, reads)
                    .await?;
                let reaction = Reaction::Applied(Action::Rules, fired_names(&evaluation));
                return Ok(Decision::Done(RulesDecision::Finished((reaction, Some(ticket)))));
            };
            // The agent the ticket goes to was the least loaded when the rules looked; the
            // write holds only while they still are (another event may have given them one).
            let guards: Vec<AgentLoad> = write
                .load_changes()
                .iter()
                .filter(|change| change.delta > 0)
                .filter_map(|change| assigner.loads_seen().iter().rev().find(|l| l.agent == change.agent))
                .copied()
                .collect();
            let written = write.ticket.clone();
            Ok(Decision::CommitAtLoads(
                vec![write],
                guards,
                RulesDecision::Written(written, Box::new(evaluation)),
            ))
        })
        .await;
        match decided {
            Ok(RulesDecision::Finished(outcome)) => Ok(outcome),
            Ok(RulesDecision::Written(written, evaluation)) => {
                for _ in evaluation.fired() {
                    self.store.bump(&fires_key(&written, now), hour_later(now)).await?;
                }
                self.rule_effects(event, &written, &outbox::decided(&evaluation), attempt, reads)
                    .await?;
                let reaction = Reaction::Applied(Action::Rules, fired_names(&evaluation));
                Ok((reaction, Some(written)))
            }
            // Another worker wrote for this event meanwhile: what it recorded is what to do.
            Err(ReactorError::Store(StoreError::AlreadyExists { .. })) => {
                let reaction = self.recorded_effects(event, attempt, reads).await?;
                Ok((reaction.unwrap_or(Reaction::AlreadyDone(Action::Rules)), None))
            }
            // Still racing after the shared policy's attempts: the event comes again.
            Err(ReactorError::Store(StoreError::VersionConflict)) => Err(ReactorError::Busy),
            Err(e) => Err(e),
        }
    }

    /// Carries out the effects recorded with the rules' write for `event`, if they wrote.
    async fn recorded_effects(
        &self,
        event: &TicketEvent,
        attempt: u32,
        reads: &EventReads,
    ) -> Result<Option<Reaction>, ReactorError> {
        let Some(recorded) = self.store.decided_effects(event.id).await? else {
            return Ok(None);
        };
        let decided = outbox::from_json(&recorded).map_err(ReactorError::Outbox)?;
        if !decided.is_empty()
            && let Some(ticket) = reads.ticket(&self.store, event).await?
        {
            self.rule_effects(event, &ticket, &decided, attempt, reads).await?;
        }
        Ok(Some(Reaction::AlreadyDone(Action::Rules)))
    }

    /// The ticket as the rules left it, an audit event per rule that changed it (naming the
    /// rule), its notes, and a note in the trail where a chain was cut, as one
    /// [`Revision`]; `None` if nothing. The write also records the mail and webhooks decided
    /// (the outbox), so a crash before they go does not lose them.
    fn rules_write(
        &self,
        event: &TicketEvent,
        before: &Ticket,
        evaluation: &Evaluation,
        depth: u8,
        now: Timestamp,
        sla: &SlaBook,
    ) -> Result<Option<TicketWrite>, ReactorError> {
        let system = Actor::System { cause: "rules".into() };
        let mut revision = Revision::of(before, system, now)?;
        revision.take_rules_result(&evaluation.ticket);
        for outcome in evaluation.fired() {
            let actor = Actor::Rule {
                rule_id: outcome.rule_id,
                name: outcome.name.clone(),
                depth: depth + 1,
            };
            if !outcome.changes.is_empty() {
                revision.record_as(actor.clone(), EventType::TicketUpdated, outcome.changes.clone(), None);
            }
            for effect in &outcome.effects {
                if let Effect::Note { body } = effect {
                    let note = rule_note(before, outcome.rule_id, body.clone(), now);
                    revision.record_as(actor.clone(), EventType::NoteAdded, vec![], Some(note));
                }
            }
        }
        if let Some(why) = &evaluation.cut {
            let actor = Actor::System {
                cause: format!("rules stopped: {why}"),
            };
            revision.record_as(actor, EventType::TicketUpdated, vec![], None);
        }
        revision.once(OnceKey::RulesApplied {
            event: event.id,
            effects: outbox::to_json(&outbox::decided(evaluation)),
        });
        Ok(revision.into_write(sla))
    }
}

/// How the rules' run for one event ended inside its commit: finished without a write, or
/// written (the ticket as written and what the rules decided, for the effects after).
enum RulesDecision {
    Finished((Reaction, Option<Ticket>)),
    Written(Ticket, Box<Evaluation>),
}

fn skipped(why: &str) -> (Reaction, Option<Ticket>) {
    (Reaction::Skipped(Action::Rules, why.to_owned()), None)
}

fn fired_names(evaluation: &Evaluation) -> String {
    evaluation
        .fired()
        .map(|o| o.name.clone())
        .collect::<Vec<_>>()
        .join(", ")
}

/// What the rules make of `happening` on `ticket`, without changing anything but the
/// round-robin turn (and not that in a dry run; least-loaded picks only read): the dry run.
#[allow(clippy::too_many_arguments)]
pub async fn evaluate_rules<S>(
    store: &S,
    now: Timestamp,
    rules: &[Rule],
    ticket: &Ticket,
    happening: &Happening,
    message: Option<&Message>,
    actor: &Actor,
    dry_run: bool,
) -> Result<Evaluation, StoreError>
where
    S: TicketStore + ContactStore + TeamStore + ActionLedger,
{
    let mut assigner = TableAssigner::new(store, now, dry_run).for_ticket(ticket);
    let evaluation = evaluate_with(store, now, rules, ticket, happening, message, actor, &mut assigner).await?;
    match assigner.take_failure() {
        Some(e) => Err(e),
        None => Ok(evaluation),
    }
}

/// [`evaluate_rules`] with the caller's assigner, which remembers the loads it picked on.
#[allow(clippy::too_many_arguments)]
async fn evaluate_with<S>(
    store: &S,
    now: Timestamp,
    rules: &[Rule],
    ticket: &Ticket,
    happening: &Happening,
    message: Option<&Message>,
    actor: &Actor,
    assigner: &mut TableAssigner<'_, S>,
) -> Result<Evaluation, StoreError>
where
    S: TicketStore + ContactStore + TeamStore + ActionLedger,
{
    // The requester's language is read only when a rule looks at it.
    let uses_language = rules
        .iter()
        .filter(|r| r.enabled)
        .flat_map(|r| r.conditions.all.iter().chain(&r.conditions.any))
        .any(|c| c.field == "language");
    let language = match uses_language {
        true => store
            .get_contact(ticket.requester)
            .await?
            .and_then(|c| c.language)
            .map(|l| l.as_str().to_owned()),
        false => None,
    };
    // The ticket's business calendar is read only when a rule looks at it, too.
    let uses_calendar = rules
        .iter()
        .filter(|r| r.enabled)
        .flat_map(|r| r.conditions.all.iter().chain(&r.conditions.any))
        .any(|c| c.field == "business_hours");
    let calendar = match uses_calendar {
        true => calendar_for(store, ticket.department.as_ref()).await?,
        false => BusinessCalendar::default(),
    };
    let facts = Facts {
        message: message.map(|m| MessageFacts {
            body: m.body_text.clone(),
            sender: m.from.as_ref().map(|e| e.normalized()),
            recipients: m
                .email
                .as_ref()
                .map(|e| e.to.iter().chain(&e.cc).map(EmailAddress::normalized).collect())
                .unwrap_or_default(),
            automated: m.email.as_ref().is_some_and(|e| e.automated),
        }),
        language,
        now,
        calendar,
    };
    let (caused_by, depth) = cause_of(actor);
    let run = |fires_left| RuleRun {
        rules,
        happening,
        facts: &facts,
        caused_by,
        depth,
        fires_left,
        only: None,
    };
    // The hourly fire limit binds only when rules fire: the count is read then, and the rules
    // looked at again under the limit only if this run would pass it (rare).
    let evaluation = run(MAX_FIRES_PER_TICKET_HOUR).evaluate(ticket, assigner).await;
    let firing = evaluation.fired().count() as u64;
    if firing == 0 {
        return Ok(evaluation);
    }
    let fired = store.count(&fires_key(ticket, now)).await?;
    if fired + firing <= MAX_FIRES_PER_TICKET_HOUR {
        return Ok(evaluation);
    }
    Ok(run(MAX_FIRES_PER_TICKET_HOUR.saturating_sub(fired))
        .evaluate(ticket, assigner)
        .await)
}

fn fires_key(ticket: &Ticket, now: Timestamp) -> String {
    format!("rules-fired#{}#{}", ticket.id, now.as_datetime().format("%Y%m%d%H"))
}

fn hour_later(now: Timestamp) -> Timestamp {
    Timestamp::new(now.as_datetime() + Duration::hours(2))
}

pub(super) fn rule_note(ticket: &Ticket, rule: RuleId, body: String, now: Timestamp) -> Message {
    Message {
        id: MessageId::generate(now),
        ticket_id: ticket.id,
        writer: Writer::Rule(rule),
        visibility: Visibility::Internal,
        from: None,
        body_text: body,
        delivery: Delivery::None,
        created_at: now,
        carried_from: None,
        body_html: None,
        quoted_text: None,
        attachments: vec![],
        email: None,
    }
}
