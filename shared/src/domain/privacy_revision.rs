//! Erasing a person's data from a ticket as a change of the ticket, through the one
//! [`Revision`] (docs/privacy.md): the ticket keeps its number, status, timestamps and
//! agents' work; the person's words and identifiers go, and a `privacy.erased` event records
//! that they went, without what they were. A child of `revision` (declared there), so it
//! records like every change.

use super::*;
use crate::domain::privacy::{ERASED, Redactor};

impl Revision {
    /// Erasure of `read`, as it was read, by `actor` at `at`. Unlike [`Revision::of`] it takes
    /// a ticket merged into another too: a merged ticket is frozen for work, not for erasure.
    pub fn for_erasure(read: &Ticket, actor: Actor, at: Timestamp) -> Self {
        Self {
            read: Some(AsRead::of(read)),
            ticket: read.clone(),
            at,
            actor,
            messages: vec![],
            events: vec![],
            once: vec![],
            answered: Answered::default(),
        }
    }

    /// Removes the person `redactor` finds from the ticket: on a ticket they requested the
    /// subject (their words) and their rating's comment; everywhere their address from the CCs
    /// and their identifiers from the subject and custom fields. Records a `privacy.erased`
    /// event with `reason` when anything changed or when `recorded_before` is false (a ticket
    /// with nothing of theirs left still shows that it was gone through). Whether the ticket
    /// changed.
    pub fn erase_person(&mut self, redactor: &Redactor, recorded_before: bool, reason: &str) -> bool {
        let before = self.ticket.clone();
        let ticket = &mut self.ticket;
        if ticket.requester == redactor.contact() {
            ticket.subject = ERASED.into();
            if let Some(satisfaction) = &mut ticket.satisfaction {
                satisfaction.comment = None;
            }
            // Marked once per solving, so erasing again changes nothing and the retention
            // job no longer finds the ticket.
            if ticket.anonymised_at.is_none() || ticket.retained_since().is_some() {
                ticket.anonymised_at = Some(self.at);
            }
        } else if let Some(subject) = redactor.scrub(&ticket.subject) {
            ticket.subject = subject;
        }
        ticket.cc.retain(|address| redactor.scrub(address.as_str()).is_none());
        for value in ticket.custom_fields.values_mut() {
            redactor.scrub_json(value);
        }
        let changed = *ticket != before;
        if changed || !recorded_before {
            self.record(EventType::PrivacyErased, vec![], None).reason = Some(reason.to_owned());
        }
        changed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Contact;
    use crate::domain::satisfaction::{Comment, Rating, Satisfaction};
    use crate::domain::sla::SlaBook;
    use crate::domain::ticket::tests::{at, sample_ticket};

    fn person(id: crate::domain::ContactId) -> Contact {
        Contact {
            id,
            name: Some("Jana Nováková".into()),
            email: Some(EmailAddress::parse("jana@example.cz").unwrap()),
            phone: None,
            language: None,
            created_at: at("2026-11-01T00:00:00Z"),
            undeliverable: false,
            groups: Default::default(),
        }
    }

    fn admin() -> Actor {
        Actor::Agent {
            subject: "admin-1".into(),
            role: crate::domain::Role::Admin,
        }
    }

    #[test]
    fn their_ticket_keeps_its_number_status_and_times_and_loses_their_words() {
        let mut read = sample_ticket();
        read.status = Status::Closed;
        read.resolved_at = Some(at("2026-11-24T00:00:00Z"));
        read.cc = vec![EmailAddress::parse("boss@example.cz").unwrap()];
        read.custom_fields
            .insert("caller".into(), serde_json::json!("Jana Nováková"));
        read.satisfaction = Some(Satisfaction {
            rating: Rating::Good,
            score: None,
            comment: Some(Comment::try_from("thanks, Jana".to_owned()).unwrap()),
            at: at("2026-11-24T00:00:00Z"),
            ratings: 1,
            agent: None,
        });
        let redactor = Redactor::new(&person(read.requester));
        let now = at("2026-12-01T10:00:00Z");
        let mut revision = Revision::for_erasure(&read, admin(), now);
        assert!(revision.erase_person(&redactor, false, "asked by mail"));
        let write = revision.into_write(&SlaBook::empty()).unwrap();
        let ticket = &write.ticket;
        assert_eq!(ticket.subject, ERASED);
        assert_eq!(read.retained_since(), Some(at("2026-11-24T00:00:00Z")));
        assert_eq!(
            (ticket.anonymised_at, ticket.retained_since()),
            (Some(now), None),
            "the retention job has nothing left to do"
        );
        assert_eq!(
            (ticket.number, ticket.status, ticket.created_at),
            (read.number, read.status, read.created_at)
        );
        assert_eq!(ticket.cc, read.cc, "someone else's copy stays");
        assert_eq!(ticket.custom_fields["caller"], ERASED);
        let satisfaction = ticket.satisfaction.as_ref().unwrap();
        assert_eq!(
            (satisfaction.rating, satisfaction.comment.as_ref()),
            (Rating::Good, None)
        );
        assert_eq!(ticket.version, read.version.next());
        assert_eq!(write.events.len(), 1);
        assert_eq!(write.events[0].event_type, EventType::PrivacyErased);
        assert_eq!(write.events[0].reason.as_deref(), Some("asked by mail"));
        assert!(write.events[0].changes.is_empty(), "the event keeps nothing erased");

        let mut again = Revision::for_erasure(&write.ticket, admin(), now);
        assert!(!again.erase_person(&redactor, true, "asked by mail"));
        assert!(
            again.into_write(&SlaBook::empty()).is_none(),
            "erasing twice writes nothing"
        );
    }

    #[test]
    fn a_ticket_they_were_copied_on_loses_their_address_only() {
        let mut read = sample_ticket();
        read.cc = vec![
            EmailAddress::parse("JANA@example.cz").unwrap(),
            EmailAddress::parse("boss@example.cz").unwrap(),
        ];
        read.merged_into = Some(sample_ticket().pointer());
        let redactor = Redactor::new(&person(crate::domain::ContactId::generate(read.created_at)));
        let mut revision = Revision::for_erasure(&read, admin(), at("2026-12-01T10:00:00Z"));
        assert!(revision.erase_person(&redactor, false, "r"));
        let write = revision.into_write(&SlaBook::empty()).unwrap();
        assert_eq!(write.ticket.subject, read.subject);
        assert_eq!(write.ticket.cc, vec![EmailAddress::parse("boss@example.cz").unwrap()]);
    }
}
