//! Delivery status notifications (RFC 3464): which addresses a bounce report says failed.

use mail_parser::{Message, MimeHeaders};

use crate::domain::EmailAddress;

/// The addresses a report's `message/delivery-status` part says failed (`Action: failed`, or
/// a permanent `5.x.x` status where a broken report leaves out the action). Both the
/// `Original-Recipient` (what we addressed) and the `Final-Recipient` (what the last server
/// saw, after forwarding) are listed; the caller keeps only those we actually sent to.
pub fn failed_recipients(message: &Message<'_>) -> Vec<EmailAddress> {
    let mut found = Vec::new();
    for part in &message.parts {
        if part.is_content_type("message", "delivery-status")
            || part.is_content_type("message", "global-delivery-status")
        {
            found.extend(failed_in_report(&String::from_utf8_lossy(part.contents())));
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    found.retain(|a| seen.insert(a.normalized()));
    found
}

/// The failed recipients in the text of one delivery-status part: a block of per-message
/// fields, then one block per recipient, blocks separated by blank lines.
pub fn failed_in_report(text: &str) -> Vec<EmailAddress> {
    // Unfold continuation lines first: a long address may go on on the next line.
    let text = text.replace("\r\n", "\n").replace("\n ", " ").replace("\n\t", " ");
    let mut failed = Vec::new();
    for block in text.split("\n\n") {
        let field = |name: &str| {
            block.lines().find_map(|l| {
                l.split_once(':')
                    .filter(|(k, _)| k.trim().eq_ignore_ascii_case(name))
                    .map(|(_, v)| v.trim().to_owned())
            })
        };
        let addresses: Vec<EmailAddress> = ["Original-Recipient", "Final-Recipient"]
            .iter()
            .filter_map(|name| field(name))
            .filter_map(|value| recipient_address(&value))
            .collect();
        if addresses.is_empty() {
            continue;
        }
        let failed_here = match field("Action") {
            Some(action) => action.eq_ignore_ascii_case("failed"),
            None => field("Status").is_some_and(|s| s.starts_with('5')),
        };
        if failed_here {
            failed.extend(addresses);
        }
    }
    failed
}

/// `rfc822; jana@example.cz` (or `utf-8;` in a global report) to the address.
fn recipient_address(value: &str) -> Option<EmailAddress> {
    let (kind, address) = value.split_once(';')?;
    let kind = kind.trim();
    if !(kind.eq_ignore_ascii_case("rfc822") || kind.eq_ignore_ascii_case("utf-8")) {
        return None;
    }
    EmailAddress::parse(address.trim().trim_matches(['<', '>'])).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addresses(list: Vec<EmailAddress>) -> Vec<String> {
        list.into_iter().map(|a| a.as_str().to_owned()).collect()
    }

    #[test]
    fn only_failed_recipients_are_read() {
        let report = "Reporting-MTA: dns; mx.example.net\r\nArrival-Date: Mon, 23 Nov 2026 09:00:00 +0000\r\n\r\n\
            Final-Recipient: rfc822; gone@example.cz\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n\
            Final-Recipient: rfc822; slow@example.cz\r\nAction: delayed\r\nStatus: 4.4.1\r\n\r\n\
            Original-Recipient: rfc822;boss@example.com\r\nFinal-Recipient: rfc822;\r\n boss@mail.example.com\r\nAction: FAILED\r\nStatus: 5.2.2\r\n\r\n\
            Final-Recipient: rfc822; fine@example.cz\r\nAction: delivered\r\nStatus: 2.0.0\r\n";
        assert_eq!(
            addresses(failed_in_report(report)),
            ["gone@example.cz", "boss@example.com", "boss@mail.example.com"]
        );
    }

    #[test]
    fn a_parsed_bounce_carries_its_failed_recipients() {
        let raw = "From: MAILER-DAEMON@mx.example\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=R\r\n\r\n--R\r\nContent-Type: text/plain\r\n\r\nDelivery failed\r\n--R\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example\r\n\r\nFinal-Recipient: rfc822; gone@example.cz\r\nAction: failed\r\nStatus: 5.1.1\r\n--R\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: <ours-1@help.example.com>\r\nTo: gone@example.cz\r\n--R--\r\n";
        let mail = super::super::parse_mime(raw.as_bytes(), &Default::default());
        assert_eq!(addresses(mail.bounced_recipients), ["gone@example.cz"]);
        assert_eq!(mail.bounced_message_ids, ["ours-1@help.example.com"]);
        let personal = super::super::parse_mime(
            b"From: a@b.cz\r\n\r\nFinal-Recipient: rfc822; x@y.cz\r\nAction: failed\r\n",
            &Default::default(),
        );
        assert!(personal.bounced_recipients.is_empty(), "only a report is read as one");
    }

    #[test]
    fn a_report_without_an_action_counts_only_permanent_failures() {
        let report = "Final-Recipient: rfc822; a@example.cz\nStatus: 5.0.0\n\nFinal-Recipient: rfc822; b@example.cz\nStatus: 4.0.0\n";
        assert_eq!(addresses(failed_in_report(report)), ["a@example.cz"]);
    }

    #[test]
    fn odd_address_types_and_garbage_are_skipped() {
        let report = "Final-Recipient: x400; C=cz;O=x\nAction: failed\n\nFinal-Recipient: rfc822; not an address\nAction: failed\n\nAction: failed\n";
        assert!(failed_in_report(report).is_empty());
        assert!(failed_in_report("").is_empty());
    }
}
