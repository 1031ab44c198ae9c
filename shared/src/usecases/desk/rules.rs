//! The agents' use cases for automation rules: reading, saving (checked against the templates
//! and the webhook targets), deleting, and the dry run that shows what rules would do.

use super::{DeskError, TicketDesk};
use crate::domain::rules::{Evaluation, Happening, MAX_RULES, Rule, RuleDraft, Trigger};
use crate::domain::template_library::TemplateLibrary;
use crate::domain::{Author, Clock, DomainError, Principal, Role, RuleId, TicketRef};
use crate::ports::{
    ActionLedger, ContactStore, PageRequest, RuleStore, StoreError, TeamStore, TemplateStore, TicketStore,
};

impl<S, C> TicketDesk<S, C>
where
    S: TicketStore + ContactStore + TeamStore + TemplateStore + RuleStore + ActionLedger,
    C: Clock,
{
    // ---- rules ------------------------------------------------------------------------------

    /// Every rule, in position order. Any staff member may read them.
    pub async fn list_rules(&self) -> Result<Vec<Rule>, DeskError> {
        Ok(self.store.list_rules().await?)
    }

    pub async fn get_rule(&self, id: RuleId) -> Result<Rule, DeskError> {
        self.store
            .get_rule(id)
            .await?
            .ok_or_else(|| DeskError::NotFound(format!("rule {id}")))
    }

    /// Checks a draft: its shape, and that the templates it mails exist.
    async fn check_rule(&self, draft: &RuleDraft) -> Result<(), DeskError> {
        let library = TemplateLibrary::new(self.store.stored_templates(None).await?);
        draft.check_with(&self.webhooks, |name| library.pick(name, None).is_some())?;
        Ok(())
    }

    pub async fn create_rule(&self, who: &Principal, draft: RuleDraft) -> Result<Rule, DeskError> {
        who.require(Role::Manager)?;
        self.check_rule(&draft).await?;
        if self.store.list_rules().await?.len() >= MAX_RULES {
            return Err(DomainError::conflict(format!("a desk has at most {MAX_RULES} rules")).into());
        }
        let now = self.clock.now();
        let rule = Rule::from_draft(RuleId::generate(now), draft, now, now);
        self.store.put_rule(&rule, true).await?;
        if rule.triggers.contains(&Trigger::Time) {
            self.reschedule().await?;
        }
        Ok(rule)
    }

    pub async fn replace_rule(&self, who: &Principal, id: RuleId, draft: RuleDraft) -> Result<Rule, DeskError> {
        who.require(Role::Manager)?;
        self.check_rule(&draft).await?;
        let existing = self.get_rule(id).await?;
        let rule = Rule::from_draft(id, draft, existing.created_at, self.clock.now());
        self.store.put_rule(&rule, false).await?;
        if rule.triggers.contains(&Trigger::Time) || existing.triggers.contains(&Trigger::Time) {
            self.reschedule().await?;
        }
        Ok(rule)
    }

    /// Asks the time sweep to set every open or resolved ticket's next look from the rules as
    /// they are now, so a time rule saved today applies to tickets that were waiting already
    /// (not only from their next change). The sweep pages through them within its budget, off
    /// the request's path: saving costs one write however many tickets are open.
    async fn reschedule(&self) -> Result<(), DeskError> {
        Ok(self.store.request_reschedule(self.clock.now()).await?)
    }

    pub async fn delete_rule(&self, who: &Principal, id: RuleId) -> Result<(), DeskError> {
        who.require(Role::Manager)?;
        match self.store.delete_rule(id).await {
            Err(StoreError::NotFound { what }) => Err(DeskError::NotFound(what)),
            other => Ok(other?),
        }
    }

    /// What the rules (or one rule, enabled or not) would do on a ticket for a happening,
    /// changing nothing: each condition with what the field held, and the changes and mail.
    pub async fn dry_run(
        &self,
        who: &Principal,
        reference: TicketRef,
        trigger: Trigger,
        only: Option<RuleId>,
    ) -> Result<Evaluation, DeskError> {
        let ticket = self.get_ticket(who, reference).await?;
        let happening = Happening::for_trigger(&trigger, ticket.channel);
        let rules = match only {
            Some(id) => vec![Rule {
                enabled: true,
                ..self.get_rule(id).await?
            }],
            None => self.store.list_rules().await?,
        };
        // The message the happening is about: the newest one of its kind.
        let wanted = match happening {
            Happening::Created(_) | Happening::CustomerReplied => Some(Author::Customer),
            Happening::AgentReplied => Some(Author::Agent),
            _ => None,
        };
        let mut message = None;
        if let Some(author) = wanted {
            let page = PageRequest {
                limit: 100,
                cursor: None,
            };
            let messages = self.store.list_messages(ticket.id, &page).await?.items;
            message = match happening {
                Happening::Created(_) => messages.into_iter().find(|m| m.author() == author),
                _ => messages.into_iter().rev().find(|m| m.author() == author),
            };
        }
        let actor = who.actor();
        Ok(crate::usecases::reactor::automation::evaluate_rules(
            &self.store,
            self.clock.now(),
            &rules,
            &ticket,
            &happening,
            message.as_ref(),
            &actor,
            true,
        )
        .await?)
    }
}
