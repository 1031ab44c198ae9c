//! The limits every automatic mail to an outside address obeys, acknowledgements and rule mail
//! alike, so neither can start a mail loop with another machine or flood one inbox: no mail in
//! answer to a machine, none to an address that bounced, and at most `autoreplies_per_hour`
//! per recipient per clock hour, both kinds counted together.

use super::EventReactor;
use crate::domain::{Author, Clock, EmailAddress, Message, Ticket, Timestamp};
use crate::ports::{
    ActionLedger, BlobStore, ContactStore, MailSender, PageRequest, RuleStore, StoreError, TeamStore, TemplateStore,
    TicketStore,
};

impl<S, M, B, C, W> EventReactor<S, M, B, C, W>
where
    W: crate::ports::WebhookSender,
    B: BlobStore,
    S: TicketStore + ContactStore + TeamStore + TemplateStore + ActionLedger + RuleStore,
    M: MailSender,
    C: Clock,
{
    /// Why an automatic mail to `to`, in answer to `trigger` (the customer message that led to
    /// it), must not go; `None` when it may, and then it counts against `to`'s hourly limit.
    pub(super) async fn auto_mail_refusal(
        &self,
        to: &EmailAddress,
        trigger: Option<&Message>,
        reads: &super::EventReads,
    ) -> Result<Option<&'static str>, StoreError> {
        if trigger.is_some_and(|m| m.email.as_ref().is_some_and(|e| e.automated)) {
            return Ok(Some("mail from a machine is never answered"));
        }
        if !reads.deliverable(&self.store, to).await? {
            return Ok(Some("the address bounced before"));
        }
        let now = self.clock.now();
        let hour = now.as_datetime().format("%Y%m%d%H");
        let expires = Timestamp::new(now.as_datetime() + chrono::Duration::hours(2));
        let count = self
            .store
            .bump(&format!("autoreply#{}#{hour}", to.normalized()), expires)
            .await?;
        Ok((count > self.config.autoreplies_per_hour)
            .then_some("this sender had the most automatic replies allowed this hour"))
    }

    /// The customer message an automatic mail about `ticket` answers: the event's own when a
    /// customer wrote it, else (an agent's reply, the time sweep) the latest the customer wrote.
    pub(super) async fn triggering_message(
        &self,
        ticket: &Ticket,
        event_message: Option<Message>,
    ) -> Result<Option<Message>, StoreError> {
        if event_message.as_ref().is_some_and(|m| m.author() == Author::Customer) {
            return Ok(event_message);
        }
        let page = PageRequest {
            limit: 100,
            cursor: None,
        };
        let messages = self.store.list_messages(ticket.id, &page).await?.items;
        Ok(messages.into_iter().rev().find(|m| m.author() == Author::Customer))
    }
}
