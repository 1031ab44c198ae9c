//! Who may continue a ticket by mail. Ticket numbers are sequential and Message-IDs travel in
//! forwarded mail, so a reference alone proves nothing: a mail joins a ticket only when its
//! sender already takes part in it (requester, CC, agent), or when it reached us at a reply
//! address signed for that ticket. Anyone else's mail becomes a ticket of its own, with a note
//! naming the ticket it referred to. No I/O: the intake's `ThreadResolver` looks things up and
//! asks [`decide`].

use super::contact::EmailAddress;
use super::ids::ContactId;
use super::message::{Delivery, Message, Visibility, Writer};
use super::ticket::{Ticket, TicketPointer};
use super::time::Timestamp;

/// The sender of a mail as far as the intake could establish it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sender {
    /// The contact the sender's address belongs to (new or existing).
    pub contact: ContactId,
    pub email: EmailAddress,
    /// The address is one of our agents'.
    pub is_agent: bool,
    /// SES's checks say the `From` address is not the real sender.
    pub forged: bool,
}

/// A ticket a mail names, with merges followed to the ticket that lives on.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedTicket {
    pub ticket: Ticket,
    /// The mail came to a reply address whose tag checks out for the ticket it names.
    pub signed: bool,
}

/// Why a mail may continue a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    Requester,
    Cc,
    Agent,
    /// Not a participant, but writing to the signed reply address of our mail (a forward, or
    /// the requester writing from another address).
    SignedAddress,
}

/// Why a mail that named a ticket did not join it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    NotAParticipant,
    ForgedSender,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ThreadDecision {
    Continue {
        ticket: Box<Ticket>,
        admission: Admission,
    },
    /// A ticket of its own; `refused` is the first ticket it named and may not join.
    NewTicket {
        refused: Option<(TicketPointer, Refusal)>,
    },
}

/// The first named ticket (strongest evidence first) the sender may continue, or a new ticket.
pub fn decide(named: &[NamedTicket], sender: &Sender) -> ThreadDecision {
    let mut refused = None;
    for candidate in named {
        match admission(&candidate.ticket, candidate.signed, sender) {
            Ok(admission) => {
                return ThreadDecision::Continue {
                    ticket: Box::new(candidate.ticket.clone()),
                    admission,
                };
            }
            Err(refusal) => {
                refused.get_or_insert((candidate.ticket.pointer(), refusal));
            }
        }
    }
    ThreadDecision::NewTicket { refused }
}

/// Whether `sender` may continue `ticket`. A forged sender never does, not even through a
/// signed address: whatever it wrote would be shown as written by someone it is not.
pub fn admission(ticket: &Ticket, signed: bool, sender: &Sender) -> Result<Admission, Refusal> {
    if sender.forged {
        return Err(Refusal::ForgedSender);
    }
    if sender.contact == ticket.requester {
        return Ok(Admission::Requester);
    }
    let address = sender.email.normalized();
    if ticket.cc.iter().any(|cc| cc.normalized() == address) {
        return Ok(Admission::Cc);
    }
    if sender.is_agent {
        return Ok(Admission::Agent);
    }
    if signed {
        return Ok(Admission::SignedAddress);
    }
    Err(Refusal::NotAParticipant)
}

/// What agents read on a ticket opened instead of joining another, or opened by a sender
/// that failed authentication. `None` when there is nothing to say.
pub fn intake_note(refused: Option<(TicketPointer, Refusal)>, forged: bool) -> Option<String> {
    let forged_line = "The sender's address failed SES's authentication checks (DMARC, or SPF \
                       without a DKIM signature): it may not be who it claims to be. No automatic \
                       reply was sent.";
    match (refused, forged) {
        (Some((ticket, Refusal::NotAParticipant)), _) => Some(format!(
            "This mail referred to {}, but its sender takes no part in that ticket, so it was \
             opened as a ticket of its own.{}",
            ticket.number,
            if forged {
                format!(" {forged_line}")
            } else {
                String::new()
            }
        )),
        (Some((ticket, Refusal::ForgedSender)), _) => Some(format!(
            "This mail referred to {}, but was not added to it. {forged_line}",
            ticket.number
        )),
        (None, true) => Some(forged_line.to_owned()),
        (None, false) => None,
    }
}

/// An internal system note on `ticket`, written by the desk itself; `after` is the message it
/// is about, so the note sorts right after it.
pub fn system_note(ticket: &Ticket, body: String, after: Timestamp) -> Message {
    let at = Timestamp::new(after.as_datetime() + chrono::Duration::milliseconds(1));
    Message {
        id: super::ids::MessageId::generate(at),
        ticket_id: ticket.id,
        writer: Writer::System,
        visibility: Visibility::Internal,
        from: None,
        body_text: body,
        delivery: Delivery::None,
        created_at: at,
        carried_from: None,
        body_html: None,
        quoted_text: None,
        attachments: vec![],
        email: None,
    }
}

/// A subject without ticket tokens (`[#HD-1005]`): a new ticket must not carry another's.
pub fn without_ticket_tokens(subject: &str) -> String {
    let mut out = String::with_capacity(subject.len());
    let mut rest = subject;
    while let Some(start) = rest.find("[#") {
        let tail = &rest[start + 2..];
        match tail.find(']') {
            Some(end) if super::ids::TicketNumber::parse(tail[..end].trim()).is_ok() => {
                out.push_str(&rest[..start]);
                rest = &tail[end + 1..];
            }
            _ => {
                out.push_str(&rest[..start + 2]);
                rest = tail;
            }
        }
    }
    out.push_str(rest);
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Channel, TicketNumber};

    fn at() -> Timestamp {
        Timestamp::parse("2026-12-06T10:00:00Z").unwrap()
    }

    fn email(s: &str) -> EmailAddress {
        EmailAddress::parse(s).unwrap()
    }

    fn ticket(number: u64, requester: ContactId, cc: &[&str]) -> Ticket {
        let contact = crate::domain::RequesterDetails::new(None, Some(email("requester@example.com")), None, None)
            .unwrap()
            .into_contact(requester, at());
        Ticket {
            cc: cc.iter().map(|c| email(c)).collect(),
            ..Ticket::new(
                TicketNumber::new(number),
                "Printer".into(),
                Channel::Email,
                &contact,
                at(),
            )
        }
    }

    fn sender(contact: ContactId, address: &str) -> Sender {
        Sender {
            contact,
            email: email(address),
            is_agent: false,
            forged: false,
        }
    }

    #[test]
    fn participants_continue_and_strangers_do_not() {
        let jana = ContactId::generate(at());
        let mallory = ContactId::generate(at());
        let t = ticket(1005, jana, &["Boss@Example.cz"]);
        assert_eq!(
            admission(&t, false, &sender(jana, "jana@example.cz")),
            Ok(Admission::Requester)
        );
        assert_eq!(
            admission(&t, false, &sender(mallory, "boss@example.cz")),
            Ok(Admission::Cc)
        );
        assert_eq!(
            admission(&t, false, &sender(mallory, "mallory@evil.example")),
            Err(Refusal::NotAParticipant)
        );
        assert_eq!(
            admission(&t, true, &sender(mallory, "mallory@evil.example")),
            Ok(Admission::SignedAddress)
        );
        let agent = Sender {
            is_agent: true,
            ..sender(mallory, "ann@help.example.com")
        };
        assert_eq!(admission(&t, false, &agent), Ok(Admission::Agent));
    }

    #[test]
    fn a_forged_sender_never_continues_even_as_the_requester_or_through_a_signed_address() {
        let jana = ContactId::generate(at());
        let t = ticket(1005, jana, &[]);
        let forged = Sender {
            forged: true,
            ..sender(jana, "jana@example.cz")
        };
        assert_eq!(admission(&t, true, &forged), Err(Refusal::ForgedSender));
    }

    #[test]
    fn the_first_ticket_the_sender_may_join_wins_and_the_first_refusal_is_named() {
        let jana = ContactId::generate(at());
        let other = ContactId::generate(at());
        let theirs = ticket(1001, other, &[]);
        let hers = ticket(1002, jana, &[]);
        let named = [
            NamedTicket {
                ticket: theirs.clone(),
                signed: false,
            },
            NamedTicket {
                ticket: hers.clone(),
                signed: false,
            },
        ];
        match decide(&named, &sender(jana, "jana@example.cz")) {
            ThreadDecision::Continue { ticket, admission } => {
                assert_eq!((ticket.number, admission), (hers.number, Admission::Requester));
            }
            other => panic!("{other:?}"),
        }
        let stranger = sender(ContactId::generate(at()), "mallory@evil.example");
        assert_eq!(
            decide(&named, &stranger),
            ThreadDecision::NewTicket {
                refused: Some((theirs.pointer(), Refusal::NotAParticipant))
            }
        );
        assert_eq!(decide(&[], &stranger), ThreadDecision::NewTicket { refused: None });
    }

    #[test]
    fn notes_name_the_ticket_and_the_reason() {
        let jana = ContactId::generate(at());
        let t = ticket(1005, jana, &[]);
        let note = intake_note(Some((t.pointer(), Refusal::NotAParticipant)), false).unwrap();
        assert!(note.contains("HD-1005") && note.contains("takes no part"), "{note}");
        let note = intake_note(Some((t.pointer(), Refusal::ForgedSender)), true).unwrap();
        assert!(note.contains("HD-1005") && note.contains("DMARC"), "{note}");
        assert!(intake_note(None, true).unwrap().contains("No automatic reply"));
        assert_eq!(intake_note(None, false), None);
        let m = system_note(&t, "x".into(), at());
        assert_eq!(
            (m.author(), m.visibility),
            (crate::domain::Author::System, Visibility::Internal)
        );
        assert!(m.created_at > at());
    }

    #[test]
    fn foreign_tokens_leave_the_subject() {
        assert_eq!(without_ticket_tokens("Re: [#HD-1005] hello"), "Re: hello");
        assert_eq!(without_ticket_tokens("[#HD-1] [#hd-2]x"), "x");
        assert_eq!(without_ticket_tokens("[#not a token] and [#"), "[#not a token] and [#");
        assert_eq!(without_ticket_tokens("plain"), "plain");
    }
}
