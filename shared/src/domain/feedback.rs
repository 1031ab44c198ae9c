//! What the mail provider tells us after a send: delivered, bounced, complained about, or
//! rejected, and what that means for the message and for the people it went to. (SES's
//! events are read into these in `adapters::sesv2::feedback`.)

use super::contact::EmailAddress;
use super::message::Delivery;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedbackKind {
    Delivered,
    /// SES only reports a soft bounce after it stopped retrying, so either kind means this
    /// message did not arrive; only a permanent one says the address is bad.
    Bounced {
        permanent: bool,
    },
    /// The recipient marked the mail as spam.
    Complained,
    /// SES refused to send it (a virus in an attachment).
    Rejected,
}

impl FeedbackKind {
    /// Whether the recipients named should get no more mail from us.
    pub fn stops_mail(self) -> bool {
        matches!(self, Self::Bounced { permanent: true } | Self::Complained)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryFeedback {
    pub kind: FeedbackKind,
    /// The Message-IDs the mail is known by: the one SES gave it and the one we wrote.
    pub message_ids: Vec<String>,
    /// The recipients this is about (all of them for a delivery, the failed ones otherwise).
    pub recipients: Vec<EmailAddress>,
    /// The receiving server's words, when it gave any.
    pub reason: Option<String>,
}

impl Delivery {
    /// Where a message stands after the provider's word: a bounce or complaint is not undone
    /// by a later delivery report for another recipient, and only a sent message is delivered.
    pub fn after(self, feedback: FeedbackKind) -> Delivery {
        match (self, feedback) {
            (Delivery::Complained, _) => Delivery::Complained,
            (_, FeedbackKind::Complained) => Delivery::Complained,
            (_, FeedbackKind::Bounced { .. }) => Delivery::Bounced,
            (Delivery::Sent, FeedbackKind::Delivered) => Delivery::Delivered,
            (_, FeedbackKind::Rejected) if self != Delivery::Bounced => Delivery::Failed,
            (other, _) => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delivery_status_only_moves_forward() {
        assert_eq!(Delivery::Sent.after(FeedbackKind::Delivered), Delivery::Delivered);
        assert_eq!(Delivery::Bounced.after(FeedbackKind::Delivered), Delivery::Bounced);
        assert_eq!(
            Delivery::Delivered.after(FeedbackKind::Complained),
            Delivery::Complained
        );
        assert_eq!(
            Delivery::Complained.after(FeedbackKind::Bounced { permanent: true }),
            Delivery::Complained
        );
        assert_eq!(Delivery::Sent.after(FeedbackKind::Rejected), Delivery::Failed);
        assert_eq!(Delivery::None.after(FeedbackKind::Delivered), Delivery::None);
    }

    #[test]
    fn only_bounces_and_complaints_stop_mail() {
        assert!(FeedbackKind::Bounced { permanent: true }.stops_mail());
        assert!(FeedbackKind::Complained.stops_mail());
        assert!(!FeedbackKind::Bounced { permanent: false }.stops_mail());
        assert!(!FeedbackKind::Delivered.stops_mail());
        assert!(!FeedbackKind::Rejected.stops_mail());
    }
}
