//! One way to change a ticket. A [`Revision`] starts from a ticket as it was read (or a new
//! one), takes the changes a caller asks for (an agent's patch, reply or note, a customer's
//! message or close, a merge, the rules' changes), checks each against the state machine and
//! the ticket's rules, and records the audit event for it. [`Revision::into_write`] then bumps
//! the version and `updated_at` once and yields the [`TicketWrite`] a store commits.
//!
//! This is the only module that builds a `TicketWrite`: every writer (API, mail intake,
//! portal, reactor, sweeps) goes through here, so a rule such as "the first public agent reply
//! stamps the first response" lives in one place, and every change comes with its audit event.

use super::*;
use crate::domain::audit::{Actor, AuditEvent, EventType};
use crate::domain::ids::{EventId, MessageId};
use crate::domain::load::{AsRead, LoadChange, load_changes, load_holder};
use crate::domain::message::Message;
use crate::domain::sla::{self, Answered, SlaBook, SlaNotice};

// The customer's rating: its own file, a child module so it records like every change.
#[path = "satisfaction.rs"]
mod satisfaction;
// Erasing a person's data (docs/privacy.md): a child module for the same reason.
#[path = "../privacy_revision.rs"]
mod privacy_revision;

/// One ticket's change, ready to commit: the ticket as it should be, the ticket as the change
/// read it (`None` for a new ticket), the messages and audit events that go with it, and the
/// keys that make it happen at most once. Built only by [`Revision::into_write`].
// Not `#[non_exhaustive]`: that stops other crates only; the private field stops other modules.
#[allow(clippy::manual_non_exhaustive)]
#[derive(Debug, Clone, PartialEq)]
pub struct TicketWrite {
    pub ticket: Ticket,
    /// The write holds only if the ticket is still at this version (its `ticket` is at the
    /// next one); the load of the agent who carried it then moves to whoever carries it now.
    pub read: Option<AsRead>,
    pub messages: Vec<Message>,
    pub events: Vec<AuditEvent>,
    pub once: Vec<OnceKey>,
    /// Private, so that no other module can build one.
    built_by_revision: (),
}

impl TicketWrite {
    /// How this write moves agents' loads.
    pub fn load_changes(&self) -> Vec<LoadChange> {
        load_changes(self.read.and_then(AsRead::holder), load_holder(&self.ticket))
    }
}

/// A key a write may be made under only once. A second write with the same key fails whole
/// with `AlreadyExists { what: "mail" }`: redelivered mail becomes a duplicate, not a copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OnceKey {
    /// A mail's Message-ID, pointing at the message it became (also how replies thread).
    MessageId { message_id: String, message: MessageId },
    /// The stored raw mail (its object key), whatever became of it.
    RawMail(String),
    /// The rules' changes for one event: a redelivered event applies them once. The key's item
    /// is also the outbox of the mail and webhooks the rules decided with the write
    /// (`effects`, the reactor's JSON), so a redelivery after a crash between the write and its
    /// effects carries out what was decided (`ActionLedger::decided_effects`).
    RulesApplied { event: EventId, effects: String },
}

/// A change being made to one ticket: see the module documentation.
#[derive(Debug, Clone)]
pub struct Revision {
    read: Option<AsRead>,
    ticket: Ticket,
    at: Timestamp,
    actor: Actor,
    messages: Vec<Message>,
    events: Vec<AuditEvent>,
    once: Vec<OnceKey>,
    /// What this change answered or asked, for the SLA clocks.
    answered: Answered,
}

impl Revision {
    /// A new ticket, opened by `actor` with its first message (the customer's mail or form,
    /// or the description an agent recorded).
    pub fn open(ticket: Ticket, mut first: Message, actor: Actor) -> Self {
        let at = ticket.created_at;
        first.ticket_id = ticket.id;
        let mut revision = Self {
            read: None,
            ticket,
            at,
            actor,
            messages: vec![],
            events: vec![],
            once: vec![],
            answered: Answered::default(),
        };
        revision.record(EventType::TicketCreated, vec![], Some(first.id));
        revision.messages.push(first);
        revision
    }

    /// A change `actor` makes at `at` to `read`, the ticket as it was read. A ticket merged
    /// into another is read-only.
    pub fn of(read: &Ticket, actor: Actor, at: Timestamp) -> Result<Self, DomainError> {
        if read.merged_into.is_some() {
            return Err(DomainError::conflict(
                "this ticket was merged into another and cannot change",
            ));
        }
        Ok(Self {
            read: Some(AsRead::of(read)),
            ticket: read.clone(),
            at,
            actor,
            messages: vec![],
            events: vec![],
            once: vec![],
            answered: Answered::default(),
        })
    }

    /// The ticket as the change has made it so far.
    pub fn ticket(&self) -> &Ticket {
        &self.ticket
    }

    /// When the change happens.
    pub fn at(&self) -> Timestamp {
        self.at
    }

    /// Whether anything was recorded: an empty revision writes nothing.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty() && self.messages.is_empty()
    }

    /// Fields an agent (or a rule) sets: checked whole, then recorded as one update with what
    /// actually changed (nothing for a no-op). Returns the changes.
    pub fn patch(&mut self, patch: &TicketPatch) -> Result<Vec<FieldChange>, DomainError> {
        let changes = self.ticket.apply(patch, self.at)?;
        if !changes.is_empty() {
            self.record(EventType::TicketUpdated, changes.clone(), None);
        }
        Ok(changes)
    }

    /// A public reply to the customer. A reply to a new ticket opens it unless `status` says
    /// otherwise; none goes on a closed or spam ticket. The first one stamps the first response.
    pub fn agent_reply(&mut self, mut message: Message, status: Option<Status>) -> Result<(), DomainError> {
        if matches!(self.ticket.status, Status::Closed | Status::Spam) {
            return Err(DomainError::conflict(format!(
                "cannot reply on a {} ticket; reopen it or open a follow-up",
                self.ticket.status
            )));
        }
        let to = status.unwrap_or(match self.ticket.status {
            Status::New => Status::Open,
            current => current,
        });
        self.ticket.status.check_transition(to)?;
        let mut changes = Vec::new();
        self.ticket.set_status(to, self.at, &mut changes);
        self.ticket.first_response_at.get_or_insert(self.at);
        self.answered.agent_replied = true;
        message.ticket_id = self.ticket.id;
        self.record(EventType::AgentReplied, changes, Some(message.id));
        self.messages.push(message);
        Ok(())
    }

    /// An internal note: agents only, never shown or sent to the customer.
    pub fn note(&mut self, mut message: Message) {
        message.ticket_id = self.ticket.id;
        self.record(EventType::NoteAdded, vec![], Some(message.id));
        self.messages.push(message);
    }

    /// A message from the customer: a ticket waiting on someone, resolved or closed opens
    /// again (callers decide beforehand whether a closed ticket takes messages at all).
    pub fn customer_message(&mut self, mut message: Message) {
        let changes: Vec<FieldChange> = self.ticket.reopen_for_customer().into_iter().collect();
        self.answered.customer_wrote = true;
        message.ticket_id = self.ticket.id;
        self.record(EventType::CustomerReplied, changes, Some(message.id));
        self.messages.push(message);
    }

    /// The customer needs nothing more: closed from whatever state it was in. Nothing for a
    /// ticket already closed or marked spam.
    pub fn customer_close(&mut self) {
        if let Some(change) = self.ticket.close_for_customer(self.at) {
            self.record(EventType::TicketUpdated, vec![change], None);
        }
    }

    /// A system note written with this change (the ticket a stranger's mail referred to, a
    /// forged sender): part of the change's own event, with none of its own.
    pub fn with_system_note(&mut self, mut note: Message) {
        note.ticket_id = self.ticket.id;
        self.messages.push(note);
    }

    /// The source side of a merge: closed, pointing at `into`.
    pub fn merge_into(&mut self, into: TicketPointer) {
        let mut changes = vec![FieldChange::new(TicketField::MergedInto, None::<TicketPointer>, into)];
        self.ticket.merged_into = Some(into);
        if self.ticket.status != Status::Closed {
            changes.push(FieldChange::new(
                TicketField::Status,
                self.ticket.status,
                Status::Closed,
            ));
            self.ticket.status = Status::Closed;
            self.ticket.closed_at = Some(self.at);
        }
        self.record(EventType::TicketMergedInto, changes, None).related = Some(into);
    }

    /// The target side of a merge: `from`'s tags joined in, and its CCs when `join_cc` (only
    /// between tickets of one requester: a CC was copied on one customer's conversation).
    pub fn absorb(&mut self, from: &Ticket, join_cc: bool) -> Result<(), DomainError> {
        let mut changes = Vec::new();
        let tags: BTreeSet<Tag> = self.ticket.tags.union(&from.tags).cloned().collect();
        check_tag_count(&tags)?;
        if tags != self.ticket.tags {
            changes.push(FieldChange::new(TicketField::Tags, &self.ticket.tags, &tags));
            self.ticket.tags = tags;
        }
        if join_cc {
            let mut cc = self.ticket.cc.clone();
            for address in &from.cc {
                if !cc.iter().any(|c| c.normalized() == address.normalized()) {
                    cc.push(address.clone());
                }
            }
            check_cc_count(&cc)?;
            if cc != self.ticket.cc {
                changes.push(FieldChange::new(TicketField::Cc, &self.ticket.cc, &cc));
                self.ticket.cc = cc;
            }
        }
        self.record(EventType::TicketMerged, changes, None).related = Some(from.pointer());
        Ok(())
    }

    /// What the rules made of the ticket (each rule's patch was checked by
    /// [`Ticket::apply`] as the rules ran): the fields of `after` are taken over, keeping the
    /// ticket's identity and lifecycle. Each rule's changes are recorded with
    /// [`Revision::record_as`], naming the rule.
    pub fn take_rules_result(&mut self, after: &Ticket) {
        let kept = (
            self.ticket.id,
            self.ticket.number,
            self.ticket.created_at,
            self.ticket.version,
        );
        self.ticket = after.clone();
        (
            self.ticket.id,
            self.ticket.number,
            self.ticket.created_at,
            self.ticket.version,
        ) = kept;
    }

    /// Records an event of this change as another actor (a rule among the rules' changes, the
    /// system cutting a chain short); `message` is added with it when given. Returns the event
    /// to fill in what only the caller knows (a related ticket).
    pub fn record_as(
        &mut self,
        actor: Actor,
        event_type: EventType,
        changes: Vec<FieldChange>,
        message: Option<Message>,
    ) -> &mut AuditEvent {
        let message_id = message.as_ref().map(|m| m.id);
        if let Some(mut message) = message {
            message.ticket_id = self.ticket.id;
            self.messages.push(message);
        }
        let event = self.event(actor, event_type, changes, message_id);
        self.events.push(event);
        self.events.last_mut().expect("just pushed")
    }

    /// Staff changed the requester's groups on their contact: copied here (recorded as an
    /// update), so the SLA policy is chosen again by them.
    pub fn set_requester_groups(&mut self, groups: &BTreeSet<ContactGroup>) {
        if self.ticket.requester_groups != *groups {
            let change = FieldChange::new(TicketField::RequesterGroups, &self.ticket.requester_groups, groups);
            self.ticket.requester_groups = groups.clone();
            self.record(EventType::TicketUpdated, vec![change], None);
        }
    }

    /// Makes the write hold at most once under `key`.
    pub fn once(&mut self, key: OnceKey) {
        self.once.push(key);
    }

    /// The write for this change, `None` if nothing was recorded. The SLA clocks move first,
    /// by the policies in `sla` (a clock that came due is flagged by whatever change sees it
    /// first, the sweep's empty one included). A changed ticket moves to its next version and
    /// its `updated_at` to the change's time; a new one stays at the first.
    pub fn into_write(mut self, sla: &SlaBook) -> Option<TicketWrite> {
        self.settle_sla(sla);
        if self.is_empty() {
            return None;
        }
        if let Some(read) = self.read {
            self.ticket.version = read.version().next();
            self.ticket.updated_at = self.at;
        }
        Some(TicketWrite {
            ticket: self.ticket,
            read: self.read,
            messages: self.messages,
            events: self.events,
            once: self.once,
            built_by_revision: (),
        })
    }

    /// Moves the SLA clocks for this change, recording what happened to them as the desk's
    /// own events (`sla.applied` with why, `sla.warning`, `sla.breached`).
    fn settle_sla(&mut self, book: &SlaBook) {
        let reason = self.sla_reason();
        for notice in sla::settle(&mut self.ticket, self.answered, self.at, book) {
            let desk = Actor::System { cause: "sla".into() };
            match notice {
                SlaNotice::Applied { from, to } => {
                    let change = FieldChange::new(TicketField::SlaPolicy, from, to);
                    self.record_as(desk, EventType::SlaApplied, vec![change], None).reason = Some(reason.clone());
                }
                SlaNotice::Warning(target) => {
                    let change = FieldChange::new(target.field(), "running", "warning");
                    self.record_as(desk, EventType::SlaWarning, vec![change], None);
                }
                SlaNotice::Breached(target) => {
                    let change = FieldChange::new(target.field(), "running", "breached");
                    self.record_as(desk, EventType::SlaBreached, vec![change], None);
                }
            }
        }
    }

    /// Why the SLA policy may have changed: a new ticket, the fields policies look at, or else
    /// the policies themselves.
    fn sla_reason(&self) -> String {
        if self.read.is_none() {
            return "new ticket".into();
        }
        let watched = [
            TicketField::Priority,
            TicketField::Department,
            TicketField::Type,
            TicketField::Tags,
        ];
        let mut changed: Vec<&str> = self
            .events
            .iter()
            .flat_map(|e| &e.changes)
            .map(|c| c.field)
            .filter(|f| watched.contains(f))
            .map(TicketField::as_str)
            .collect();
        changed.sort_unstable();
        changed.dedup();
        if changed.is_empty() {
            "the SLA policies changed".into()
        } else {
            format!("{} changed", changed.join(", "))
        }
    }

    fn record(
        &mut self,
        event_type: EventType,
        changes: Vec<FieldChange>,
        message_id: Option<MessageId>,
    ) -> &mut AuditEvent {
        let event = self.event(self.actor.clone(), event_type, changes, message_id);
        self.events.push(event);
        self.events.last_mut().expect("just pushed")
    }

    fn event(
        &self,
        actor: Actor,
        event_type: EventType,
        changes: Vec<FieldChange>,
        message_id: Option<MessageId>,
    ) -> AuditEvent {
        AuditEvent {
            id: EventId::generate(self.at),
            event_type,
            ticket_id: self.ticket.id,
            ticket_number: self.ticket.number,
            actor,
            at: self.at,
            changes,
            message_id,
            related: None,
            carried_from: None,
            reason: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ContactId;
    use crate::domain::message::{Author, Delivery, Visibility};
    use crate::domain::ticket::tests::{at, sample_ticket};
    use crate::domain::version::Version;

    fn agent() -> Actor {
        Actor::Agent {
            subject: "agent-1".into(),
            role: crate::domain::Role::Agent,
        }
    }

    fn message(author: Author, visibility: Visibility, now: Timestamp) -> Message {
        Message {
            id: MessageId::generate(now),
            ticket_id: crate::domain::TicketId::generate(now),
            writer: match author {
                Author::Customer => crate::domain::Writer::Customer(crate::domain::ContactId::generate(now)),
                Author::Agent => crate::domain::Writer::Agent(crate::domain::AgentSubject::new("agent-1")),
                Author::System => crate::domain::Writer::System,
            },
            visibility,
            from: None,
            body_text: "words".into(),
            delivery: Delivery::None,
            created_at: now,
            carried_from: None,
            body_html: None,
            quoted_text: None,
            attachments: vec![],
            email: None,
        }
    }

    #[test]
    fn a_new_ticket_is_written_at_the_first_version_with_its_created_event() {
        let ticket = sample_ticket();
        let first = message(Author::Customer, Visibility::Public, ticket.created_at);
        let write = Revision::open(
            ticket.clone(),
            first,
            Actor::customer(ContactId::generate(ticket.created_at)),
        )
        .into_write(&SlaBook::empty())
        .unwrap();
        assert_eq!(write.read, None);
        assert_eq!(write.ticket.version, Version::FIRST);
        assert_eq!(write.messages[0].ticket_id, ticket.id);
        assert_eq!(write.events.len(), 1);
        assert_eq!(write.events[0].event_type, EventType::TicketCreated);
        assert_eq!(write.events[0].message_id, Some(write.messages[0].id));
    }

    #[test]
    fn several_changes_are_one_version_step_and_one_updated_at() {
        let read = sample_ticket();
        let now = at("2026-11-24T10:00:00Z");
        let mut revision = Revision::of(&read, agent(), now).unwrap();
        revision
            .patch(&TicketPatch {
                priority: Some(Priority::High),
                ..Default::default()
            })
            .unwrap();
        revision.note(message(Author::Agent, Visibility::Internal, now));
        let write = revision.into_write(&SlaBook::empty()).unwrap();
        assert_eq!(write.ticket.version, read.version.next());
        assert_eq!(write.read.unwrap().version(), read.version);
        assert_eq!(write.ticket.updated_at, now);
        let kinds: Vec<_> = write.events.iter().map(|e| e.event_type).collect();
        assert_eq!(kinds, [EventType::TicketUpdated, EventType::NoteAdded]);
        assert_eq!(write.events[0].changes[0].field, TicketField::Priority);
    }

    #[test]
    fn a_change_that_changes_nothing_writes_nothing() {
        let read = sample_ticket();
        let mut revision = Revision::of(&read, agent(), at("2026-11-24T10:00:00Z")).unwrap();
        let changes = revision
            .patch(&TicketPatch {
                priority: Some(read.priority),
                ..Default::default()
            })
            .unwrap();
        assert!(changes.is_empty());
        revision.customer_close();
        let closed = revision.clone().into_write(&SlaBook::empty()).unwrap();
        assert_eq!(closed.ticket.status, Status::Closed);

        let mut closed_again = Revision::of(&closed.ticket, agent(), at("2026-11-25T10:00:00Z")).unwrap();
        closed_again.customer_close();
        assert!(closed_again.into_write(&SlaBook::empty()).is_none());
    }

    #[test]
    fn the_first_reply_opens_a_new_ticket_and_stamps_the_first_response_once() {
        let read = sample_ticket();
        let first_at = at("2026-11-24T10:00:00Z");
        let mut revision = Revision::of(&read, agent(), first_at).unwrap();
        revision
            .agent_reply(message(Author::Agent, Visibility::Public, first_at), None)
            .unwrap();
        let write = revision.into_write(&SlaBook::empty()).unwrap();
        assert_eq!(write.ticket.status, Status::Open);
        assert_eq!(write.ticket.first_response_at, Some(first_at));
        assert_eq!(write.events[0].changes[0].field, TicketField::Status);

        let later = at("2026-11-25T10:00:00Z");
        let mut again = Revision::of(&write.ticket, agent(), later).unwrap();
        again
            .agent_reply(message(Author::Agent, Visibility::Public, later), Some(Status::Pending))
            .unwrap();
        let write = again.into_write(&SlaBook::empty()).unwrap();
        assert_eq!(write.ticket.first_response_at, Some(first_at));
        assert_eq!(write.ticket.status, Status::Pending);
    }

    #[test]
    fn replies_are_refused_on_closed_tickets_and_merged_tickets_refuse_every_change() {
        let mut closed = sample_ticket();
        closed.status = Status::Closed;
        let now = at("2026-11-24T10:00:00Z");
        let mut revision = Revision::of(&closed, agent(), now).unwrap();
        let refused = revision
            .agent_reply(message(Author::Agent, Visibility::Public, now), None)
            .unwrap_err();
        assert!(refused.to_string().contains("closed"), "{refused}");
        assert!(revision.into_write(&SlaBook::empty()).is_none());

        let mut merged = sample_ticket();
        merged.merged_into = Some(sample_ticket().pointer());
        assert!(Revision::of(&merged, agent(), now).is_err());
    }

    #[test]
    fn a_customer_message_wakes_a_waiting_ticket() {
        let mut resolved = sample_ticket();
        resolved.status = Status::Resolved;
        resolved.resolved_at = Some(at("2026-11-23T12:00:00Z"));
        let now = at("2026-11-24T10:00:00Z");
        let mut revision = Revision::of(&resolved, Actor::customer(resolved.requester), now).unwrap();
        revision.customer_message(message(Author::Customer, Visibility::Public, now));
        let write = revision.into_write(&SlaBook::empty()).unwrap();
        assert_eq!(write.ticket.status, Status::Open);
        assert_eq!(write.ticket.resolved_at, None);
        assert_eq!(write.events[0].event_type, EventType::CustomerReplied);
        assert_eq!(write.events[0].changes[0].to, serde_json::json!("open"));
    }

    #[test]
    fn a_merge_closes_the_source_and_joins_tags_and_ccs_into_the_target() {
        let now = at("2026-11-24T10:00:00Z");
        let mut from = sample_ticket();
        from.tags.insert(Tag::parse("vip").unwrap());
        from.cc.push(EmailAddress::parse("boss@example.com").unwrap());
        let mut into = sample_ticket();
        into.id = crate::domain::TicketId::generate(now);

        let mut target = Revision::of(&into, agent(), now).unwrap();
        target.absorb(&from, true).unwrap();
        let mut source = Revision::of(&from, agent(), now).unwrap();
        source.merge_into(into.pointer());
        let (from_write, into_write) = (
            source.into_write(&SlaBook::empty()).unwrap(),
            target.into_write(&SlaBook::empty()).unwrap(),
        );

        assert_eq!(from_write.ticket.status, Status::Closed);
        assert_eq!(from_write.ticket.merged_into, Some(into.pointer()));
        assert_eq!(from_write.events[0].related, Some(into.pointer()));
        assert!(into_write.ticket.tags.contains(&Tag::parse("vip").unwrap()));
        assert_eq!(into_write.ticket.cc.len(), 1);
        assert_eq!(into_write.events[0].related, Some(from.pointer()));

        let mut other_requesters = Revision::of(&into, agent(), now).unwrap();
        other_requesters.absorb(&from, false).unwrap();
        assert!(
            other_requesters
                .into_write(&SlaBook::empty())
                .unwrap()
                .ticket
                .cc
                .is_empty()
        );
    }
}
