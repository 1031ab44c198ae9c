//! What the mail provider tells us after a send: delivered, bounced, complained about, or
//! rejected. SES publishes these per configuration set to EventBridge; this reads the event's
//! `detail` and says what it means for the message and for the people it went to.

use serde::Deserialize;

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

#[derive(Debug, thiserror::Error)]
#[error("not an SES sending event: {0}")]
pub struct FeedbackError(String);

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SesDetail {
    event_type: String,
    mail: SesMail,
    bounce: Option<SesBounce>,
    complaint: Option<SesComplaint>,
    delivery: Option<SesDelivery>,
    reject: Option<SesReject>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SesMail {
    message_id: String,
    #[serde(default)]
    headers: Vec<SesHeader>,
    common_headers: Option<SesCommonHeaders>,
}

#[derive(Deserialize)]
struct SesHeader {
    name: String,
    value: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SesCommonHeaders {
    message_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SesBounce {
    bounce_type: String,
    #[serde(default)]
    bounced_recipients: Vec<SesRecipient>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SesComplaint {
    #[serde(default)]
    complained_recipients: Vec<SesRecipient>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SesRecipient {
    email_address: String,
    diagnostic_code: Option<String>,
}

#[derive(Deserialize)]
struct SesDelivery {
    #[serde(default)]
    recipients: Vec<String>,
}

#[derive(Deserialize)]
struct SesReject {
    reason: Option<String>,
}

impl DeliveryFeedback {
    /// Reads an SES event's `detail`. `Ok(None)` for event types that change nothing here
    /// (sends, opens, clicks, delays); `provider_domain` is where SES's own Message-IDs live
    /// (see [`ses_message_id_domain`]).
    pub fn from_ses_detail(detail: &serde_json::Value, provider_domain: &str) -> Result<Option<Self>, FeedbackError> {
        let detail = SesDetail::deserialize(detail).map_err(|e| FeedbackError(e.to_string()))?;
        let mut message_ids = vec![format!("{}@{provider_domain}", detail.mail.message_id)];
        let headers = detail
            .mail
            .headers
            .iter()
            .filter(|h| h.name.eq_ignore_ascii_case("message-id"))
            .map(|h| h.value.clone());
        let common = detail.mail.common_headers.and_then(|c| c.message_id);
        for id in headers.chain(common) {
            let id = id.trim().trim_start_matches('<').trim_end_matches('>').to_owned();
            if !id.is_empty() && !message_ids.contains(&id) {
                message_ids.push(id);
            }
        }
        let addresses = |list: &[SesRecipient]| -> Vec<EmailAddress> {
            list.iter()
                .filter_map(|r| EmailAddress::parse(&r.email_address).ok())
                .collect()
        };
        let reason = |list: &[SesRecipient]| list.iter().find_map(|r| r.diagnostic_code.clone());
        let (kind, recipients, reason) = match detail.event_type.as_str() {
            "Bounce" => {
                let bounce = detail
                    .bounce
                    .ok_or_else(|| FeedbackError("a bounce without `bounce`".into()))?;
                let kind = FeedbackKind::Bounced {
                    permanent: bounce.bounce_type == "Permanent",
                };
                (
                    kind,
                    addresses(&bounce.bounced_recipients),
                    reason(&bounce.bounced_recipients),
                )
            }
            "Complaint" => {
                let complaint = detail
                    .complaint
                    .ok_or_else(|| FeedbackError("a complaint without `complaint`".into()))?;
                (
                    FeedbackKind::Complained,
                    addresses(&complaint.complained_recipients),
                    None,
                )
            }
            "Delivery" => {
                let recipients = detail
                    .delivery
                    .map(|d| d.recipients)
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|r| EmailAddress::parse(r).ok())
                    .collect();
                (FeedbackKind::Delivered, recipients, None)
            }
            "Reject" => (FeedbackKind::Rejected, vec![], detail.reject.and_then(|r| r.reason)),
            _ => return Ok(None),
        };
        Ok(Some(Self {
            kind,
            message_ids,
            recipients,
            reason,
        }))
    }
}

/// The domain of the Message-ID SES writes over ours: `email.amazonses.com` in us-east-1,
/// `<region>.amazonses.com` elsewhere.
pub fn ses_message_id_domain(region: &str) -> String {
    match region {
        "us-east-1" | "" => "email.amazonses.com".to_owned(),
        other => format!("{other}.amazonses.com"),
    }
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
    use serde_json::json;

    fn bounce(kind: &str) -> serde_json::Value {
        json!({
            "eventType": "Bounce",
            "bounce": {
                "bounceType": kind,
                "bouncedRecipients": [
                    {"emailAddress": "jana@example.cz", "status": "5.1.1", "diagnosticCode": "smtp; 550 5.1.1 no such user"}
                ]
            },
            "mail": {
                "messageId": "0100018f-aaaa",
                "headers": [{"name": "Message-ID", "value": "<lambdesk.1001.x@help.example.com>"}],
                "commonHeaders": {"messageId": "<lambdesk.1001.x@help.example.com>"}
            }
        })
    }

    #[test]
    fn a_hard_bounce_names_the_address_and_both_message_ids() {
        let f = DeliveryFeedback::from_ses_detail(&bounce("Permanent"), "email.amazonses.com")
            .unwrap()
            .unwrap();
        assert_eq!(f.kind, FeedbackKind::Bounced { permanent: true });
        assert!(f.kind.stops_mail());
        assert_eq!(
            f.message_ids,
            ["0100018f-aaaa@email.amazonses.com", "lambdesk.1001.x@help.example.com"]
        );
        assert_eq!(f.recipients[0].normalized(), "jana@example.cz");
        assert!(f.reason.unwrap().contains("no such user"));
    }

    #[test]
    fn a_soft_bounce_fails_the_message_but_keeps_the_address() {
        let f = DeliveryFeedback::from_ses_detail(&bounce("Transient"), "eu-west-1.amazonses.com")
            .unwrap()
            .unwrap();
        assert!(!f.kind.stops_mail());
        assert_eq!(Delivery::Sent.after(f.kind), Delivery::Bounced);
    }

    #[test]
    fn complaints_deliveries_and_other_events() {
        let complaint = json!({
            "eventType": "Complaint",
            "complaint": {"complainedRecipients": [{"emailAddress": "a@b.cz"}]},
            "mail": {"messageId": "m1"}
        });
        let f = DeliveryFeedback::from_ses_detail(&complaint, "email.amazonses.com")
            .unwrap()
            .unwrap();
        assert_eq!(f.kind, FeedbackKind::Complained);
        assert!(f.kind.stops_mail());
        let open = json!({"eventType": "Open", "mail": {"messageId": "m1"}});
        assert_eq!(
            DeliveryFeedback::from_ses_detail(&open, "email.amazonses.com").unwrap(),
            None
        );
        assert!(DeliveryFeedback::from_ses_detail(&json!({"eventType": "Bounce"}), "x").is_err());
        assert!(
            DeliveryFeedback::from_ses_detail(&json!({"eventType": "Bounce", "mail": {"messageId": "m"}}), "x")
                .is_err()
        );
    }

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
    fn ses_message_id_domains() {
        assert_eq!(ses_message_id_domain("us-east-1"), "email.amazonses.com");
        assert_eq!(ses_message_id_domain("eu-west-1"), "eu-west-1.amazonses.com");
    }
}
