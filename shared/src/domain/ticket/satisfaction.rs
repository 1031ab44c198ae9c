//! The customer's rating as a change of the ticket, through the one [`Revision`]: recorded on
//! the ticket (the last rating counts) with a `csat.received` event that keeps each rating in
//! the audit trail. A child of `revision` (declared there), so it records like every change.

use super::*;
use crate::domain::satisfaction::{Answer, Comment, MAX_RATINGS, RatingRefused, Satisfaction};

impl Revision {
    /// The requester rates the ticket. The same answer and comment again (a form posted
    /// twice) changes nothing; a different one replaces it, at most
    /// [`MAX_RATINGS`](crate::domain::satisfaction::MAX_RATINGS) times. Spam and merged
    /// tickets take no rating. Returns whether anything changed.
    pub fn record_satisfaction(
        &mut self,
        answer: impl Into<Answer>,
        comment: Option<Comment>,
    ) -> Result<bool, RatingRefused> {
        if self.ticket.status == Status::Spam || self.ticket.merged_into.is_some() {
            return Err(RatingRefused::NotRateable);
        }
        let answer = answer.into();
        let previous = self.ticket.satisfaction.clone();
        if let Some(p) = &previous
            && p.answer() == answer
            && p.comment == comment
        {
            return Ok(false);
        }
        let ratings = previous.as_ref().map_or(0, |p| p.ratings);
        if ratings >= MAX_RATINGS {
            return Err(RatingRefused::TooManyRatings);
        }
        let now = Satisfaction {
            rating: answer.rating,
            score: answer.score,
            comment,
            at: self.at,
            ratings: ratings + 1,
            // Who solved it: kept from the first rating, so a later reassignment moves no score.
            agent: previous.as_ref().map_or(self.ticket.assignee, |p| p.agent),
        };
        let change = FieldChange::new(TicketField::Satisfaction, &previous, &now);
        self.ticket.satisfaction = Some(now);
        self.record(EventType::CsatReceived, vec![change], None);
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ticket::tests::{at, sample_ticket};

    use crate::domain::satisfaction::{Rating, Score};

    fn rate(
        ticket: &Ticket,
        rating: impl Into<Answer>,
        comment: &str,
        now: &str,
    ) -> Result<Option<TicketWrite>, RatingRefused> {
        let mut revision = Revision::of(ticket, Actor::customer(ticket.requester), at(now)).unwrap();
        revision.record_satisfaction(rating, Comment::parse(comment).unwrap())?;
        Ok(revision.into_write(&crate::domain::sla::SlaBook::empty()))
    }

    #[test]
    fn a_rating_is_recorded_with_its_event_and_the_last_one_counts() {
        let mut ticket = sample_ticket();
        ticket.status = Status::Resolved;
        ticket.assignee = Some(crate::domain::AgentId::generate(ticket.created_at));
        let first = rate(&ticket, Rating::Bad, "slow", "2026-11-25T10:00:00Z")
            .unwrap()
            .unwrap();
        let rated = first.ticket.satisfaction.clone().unwrap();
        assert_eq!(
            (rated.rating, rated.ratings, rated.agent),
            (Rating::Bad, 1, ticket.assignee)
        );
        assert_eq!(first.events[0].event_type, EventType::CsatReceived);
        assert_eq!(first.events[0].changes[0].field, TicketField::Satisfaction);
        assert_eq!(first.ticket.status, Status::Resolved, "a rating alone reopens nothing");

        assert!(
            rate(&first.ticket, Rating::Bad, "slow", "2026-11-25T10:01:00Z")
                .unwrap()
                .is_none(),
            "the same answer again writes nothing"
        );
        let changed = rate(&first.ticket, Rating::Good, "", "2026-11-25T10:02:00Z")
            .unwrap()
            .unwrap();
        let rated = changed.ticket.satisfaction.clone().unwrap();
        assert_eq!((rated.rating, rated.comment, rated.ratings), (Rating::Good, None, 2));
        assert_eq!(changed.events[0].changes[0].from["rating"], "bad");

        // On five points: the score is kept and counts as its rating; another score with the
        // same rating is still a change.
        let two = Score::try_from(2).unwrap();
        let scored = rate(&changed.ticket, two, "", "2026-11-25T10:03:00Z").unwrap().unwrap();
        let rated = scored.ticket.satisfaction.clone().unwrap();
        assert_eq!((rated.rating, rated.score, rated.ratings), (Rating::Bad, Some(two), 3));
        assert_eq!(scored.events[0].changes[0].to["score"], 2);
        assert!(rate(&scored.ticket, two, "", "2026-11-25T10:04:00Z").unwrap().is_none());
        let three = rate(&scored.ticket, Score::try_from(3).unwrap(), "", "2026-11-25T10:05:00Z")
            .unwrap()
            .unwrap();
        assert_eq!(three.ticket.satisfaction.unwrap().rating, Rating::Bad);
    }

    #[test]
    fn spam_takes_no_rating_and_a_flood_stops_at_the_cap() {
        let spam = Ticket {
            status: Status::Spam,
            ..sample_ticket()
        };
        assert_eq!(
            rate(&spam, Rating::Good, "", "2026-11-25T10:00:00Z").unwrap_err(),
            RatingRefused::NotRateable
        );
        let mut ticket = sample_ticket();
        for i in 0..MAX_RATINGS {
            let rating = if i % 2 == 0 { Rating::Good } else { Rating::Bad };
            ticket = rate(&ticket, rating, "", "2026-11-25T10:00:00Z")
                .unwrap()
                .unwrap()
                .ticket;
        }
        // Another answer than the last (the same one again would be no change at all).
        let next = match ticket.satisfaction.as_ref().unwrap().rating {
            Rating::Good => Rating::Bad,
            Rating::Bad => Rating::Good,
        };
        assert_eq!(
            rate(&ticket, next, "", "2026-11-25T11:00:00Z").unwrap_err(),
            RatingRefused::TooManyRatings
        );
    }
}
