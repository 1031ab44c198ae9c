//! SES's sending events (a configuration set's events on EventBridge): the `detail` JSON
//! read into a [`DeliveryFeedback`], and the domain of the Message-IDs SES writes.

use serde::Deserialize;

use crate::domain::{DeliveryFeedback, EmailAddress, FeedbackKind};

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Delivery;
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
    fn ses_message_id_domains() {
        assert_eq!(ses_message_id_domain("us-east-1"), "email.amazonses.com");
        assert_eq!(ses_message_id_domain("eu-west-1"), "eu-west-1.amazonses.com");
    }
}
