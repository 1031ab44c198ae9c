//! Who our mail goes to, against the local stack (DynamoDB Local, moto's S3 and SES): CCs that
//! agents add and remove, and bounces that stop mail to exactly the address that bounced, and
//! only when they answer mail we sent.

use std::collections::BTreeSet;

use serde_json::Value;
use shared::adapters::dynamodb::DynamoStore;
use shared::adapters::s3::S3Blobs;
use shared::adapters::sesv2::SesMailer;
use shared::adapters::sesv2::ses_message_id_domain;
use shared::domain::{
    AuditEvent, BlobRef, EmailAddress, EventType, Precondition, Principal, Role, SystemClock, Ticket, TicketPatch,
    TicketRef,
};
use shared::ports::{BlobStore, ContactStore, PageRequest, TicketStore};
use shared::usecases::desk::{DeskError, TicketDesk};
use shared::usecases::intake::{IntakeConfig, MailIntake, Outcome, parse_support_addresses};
use shared::usecases::reactor::{EventReactor, OutboundConfig, Reaction};

struct Desk {
    desk: TicketDesk<DynamoStore, SystemClock>,
    intake: MailIntake<DynamoStore, S3Blobs, SystemClock>,
    reactor: EventReactor<DynamoStore, SesMailer, S3Blobs, SystemClock>,
    store: DynamoStore,
    blobs: S3Blobs,
    bucket: String,
}

async fn desk() -> Desk {
    let sdk = test_support::local_sdk().await;
    let table = test_support::fresh_table(&sdk).await;
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&sdk), table);
    let s3 = S3Blobs::client(&sdk, true);
    let bucket = test_support::unique("mail");
    s3.create_bucket().bucket(&bucket).send().await.unwrap();
    let blobs = S3Blobs::new(s3);
    // SES sends only from verified identities (another test may have made it already).
    let ses = aws_sdk_sesv2::Client::new(&sdk);
    let _ = ses
        .create_email_identity()
        .email_identity("help.example.com")
        .send()
        .await;
    let config = IntakeConfig::parse("support@help.example.com", "follow_up", &bucket).unwrap();
    Desk {
        desk: TicketDesk::new(store.clone(), SystemClock),
        intake: MailIntake::new(store.clone(), blobs.clone(), SystemClock, config),
        reactor: EventReactor::new(
            store.clone(),
            SesMailer::new(ses, None),
            blobs.clone(),
            SystemClock,
            OutboundConfig {
                addresses: parse_support_addresses("support@help.example.com").unwrap(),
                max_attempts: 5,
                autoreplies_per_hour: 10,
            },
        ),
        store,
        blobs,
        bucket,
    }
}

fn admin() -> Principal {
    Principal {
        subject: "admin-1".into(),
        email: None,
        role: Role::Admin,
        departments: BTreeSet::new(),
    }
}

fn email(text: &str) -> EmailAddress {
    EmailAddress::parse(text).unwrap()
}

/// One mail moto's SES sent: the id SES gave it and where it went.
struct Sent {
    provider_message_id: String,
    destinations: Vec<String>,
}

/// Every mail moto's SES has sent to `to` (the local SES outbox), oldest first.
async fn outbox(to: &str) -> Vec<Sent> {
    let endpoint = std::env::var("AWS_ENDPOINT_URL_SESV2").expect("AWS_ENDPOINT_URL_SESV2");
    let region = std::env::var("AWS_REGION").unwrap_or_default();
    // moto builds this dump from live state; while other tests write, a dump can fail.
    let mut data = Value::Null;
    for _ in 0..5 {
        let response = reqwest::get(format!("{endpoint}/moto-api/data.json")).await.unwrap();
        if response.status().is_success()
            && let Ok(dump) = response.json::<Value>().await
        {
            data = dump;
            break;
        }
    }
    assert!(!data.is_null(), "moto's state dump kept failing");
    data["ses"]["RawMessage"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter_map(|m| {
            let destinations: Vec<String> = m["destinations"]
                .as_array()?
                .iter()
                .filter_map(|d| d.as_str().map(str::to_owned))
                .collect();
            destinations.iter().any(|d| d == to).then(|| Sent {
                provider_message_id: format!(
                    "{}@{}",
                    m["id"].as_str().unwrap_or_default(),
                    ses_message_id_domain(&region)
                ),
                destinations,
            })
        })
        .collect()
}

impl Desk {
    /// Stores `raw` as SES would and runs the intake on it.
    async fn deliver(&self, raw: &str) -> Outcome {
        let blob = BlobRef {
            bucket: self.bucket.clone(),
            key: test_support::unique("inbound/m"),
        };
        self.blobs
            .put(&blob, raw.replace('\n', "\r\n").into_bytes(), "message/rfc822")
            .await
            .unwrap();
        self.intake.receive(&blob).await.unwrap()
    }

    /// Runs the reactor on the ticket's newest event of `kind`.
    async fn react_to_latest(&self, ticket: &Ticket, kind: EventType) -> Vec<Reaction> {
        let events = self
            .store
            .list_events(
                ticket.id,
                &PageRequest {
                    limit: 100,
                    cursor: None,
                },
            )
            .await
            .unwrap()
            .items;
        let event: &AuditEvent = events.iter().rev().find(|e| e.event_type == kind).unwrap();
        self.reactor.react(event, 1).await.unwrap()
    }

    /// An agent's reply, sent through moto's SES.
    async fn reply(&self, ticket: &Ticket, text: &str) {
        self.desk
            .reply(&admin(), TicketRef::Id(ticket.id), text.into(), None, vec![])
            .await
            .unwrap();
        let reactions = self.react_to_latest(ticket, EventType::AgentReplied).await;
        assert!(
            reactions.iter().any(|r| matches!(r, Reaction::Sent(_))),
            "{reactions:?}"
        );
    }

    async fn undeliverable(&self, address: &str) -> Option<bool> {
        self.store
            .find_contact_by_email(&email(address))
            .await
            .unwrap()
            .map(|c| c.undeliverable)
    }
}

fn customer_mail(from: &str, cc: &str, message_id: &str) -> String {
    format!(
        "From: {from}\nTo: support@help.example.com\nCc: {cc}\nSubject: Printer\nMessage-ID: <{message_id}>\n\nIt is on fire.\n"
    )
}

fn dsn(about: &str, failed: &str) -> String {
    format!(
        "From: MAILER-DAEMON@mx.example.net\nTo: support@help.example.com\nSubject: Undelivered Mail Returned to Sender\nMessage-ID: <{}@mx.example.net>\nContent-Type: multipart/report; report-type=delivery-status; boundary=R\n\n--R\nContent-Type: text/plain\n\nThe mail could not be delivered.\n--R\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.net\n\nFinal-Recipient: rfc822; {failed}\nAction: failed\nStatus: 5.1.1\n--R\nContent-Type: text/rfc822-headers\n\nMessage-ID: <{about}>\nSubject: Printer\n--R--\n",
        test_support::unique("dsn")
    )
}

async fn ticket_from_mail(d: &Desk, requester: &str, cc: &str) -> Ticket {
    let outcome = d
        .deliver(&customer_mail(
            requester,
            cc,
            &format!("{}@customer.example", test_support::unique("m")),
        ))
        .await;
    let Outcome::Created(pointer) = outcome else {
        panic!("expected a new ticket, got {outcome:?}");
    };
    d.store.get_ticket(pointer.id).await.unwrap().unwrap()
}

#[tokio::test]
async fn agents_add_and_remove_ccs_and_a_removed_cc_gets_no_more_mail() {
    let d = desk().await;
    let requester = format!("{}@example.cz", test_support::unique("jana"));
    let boss = format!("{}@example.cz", test_support::unique("boss"));
    let ticket = ticket_from_mail(&d, &requester, "nobody-yet@example.org").await;

    let add = TicketPatch {
        add_cc: vec![email(&boss)],
        remove_cc: vec![email("nobody-yet@example.org")],
        ..Default::default()
    };
    let updated = d
        .desk
        .update_ticket(
            &admin(),
            TicketRef::Id(ticket.id),
            Precondition::Exactly(ticket.version),
            add,
        )
        .await
        .unwrap();
    assert_eq!(updated.cc, [email(&boss)]);
    d.reply(&updated, "We are on it.").await;
    let to_boss = outbox(&boss).await;
    assert_eq!(to_boss.len(), 1, "the added CC is copied");
    assert!(
        to_boss[0].destinations.iter().all(|d| *d == boss),
        "the CC's own copy, without the requester's link: {:?}",
        to_boss[0].destinations
    );
    assert_eq!(outbox(&requester).await.len(), 1, "the requester's own mail");

    // An old version is refused, as for any other field.
    let stale = TicketPatch {
        remove_cc: vec![email(&boss)],
        ..Default::default()
    };
    let err = d
        .desk
        .update_ticket(
            &admin(),
            TicketRef::Id(ticket.id),
            Precondition::Exactly(ticket.version),
            stale.clone(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, DeskError::PreconditionFailed { .. }), "{err:?}");
    let current = d.store.get_ticket(ticket.id).await.unwrap().unwrap();
    let removed = d
        .desk
        .update_ticket(
            &admin(),
            TicketRef::Id(ticket.id),
            Precondition::Exactly(current.version),
            stale,
        )
        .await
        .unwrap();
    assert!(removed.cc.is_empty());
    let events = d
        .store
        .list_events(
            ticket.id,
            &PageRequest {
                limit: 100,
                cursor: None,
            },
        )
        .await
        .unwrap()
        .items;
    let cc_changes: Vec<_> = events
        .iter()
        .flat_map(|e| &e.changes)
        .filter(|c| c.field == shared::domain::TicketField::Cc)
        .map(|c| (c.from.clone(), c.to.clone()))
        .collect();
    assert_eq!(
        cc_changes,
        [
            (serde_json::json!(["nobody-yet@example.org"]), serde_json::json!([boss])),
            (serde_json::json!([boss]), serde_json::json!([]))
        ],
        "each CC change is in the audit trail"
    );

    d.reply(&removed, "Fixed.").await;
    assert_eq!(outbox(&boss).await.len(), 1, "the removed CC got nothing more");
    assert_eq!(outbox(&requester).await.len(), 2, "the requester got both replies");
}

#[tokio::test]
async fn the_requester_is_never_added_as_a_cc() {
    let d = desk().await;
    let requester = format!("{}@example.cz", test_support::unique("jana"));
    let ticket = ticket_from_mail(&d, &requester, "x@example.org").await;
    let patch = TicketPatch {
        add_cc: vec![email("ok@example.org"), email(&requester.to_uppercase())],
        ..Default::default()
    };
    let err = d
        .desk
        .update_ticket(&admin(), TicketRef::Id(ticket.id), Precondition::Any, patch)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, DeskError::Domain(shared::domain::DomainError::Invalid { field, .. }) if field == "add_cc[1]"),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_bounce_stops_only_the_address_that_bounced_on_mail_we_sent() {
    let d = desk().await;
    let requester = format!("{}@example.cz", test_support::unique("jana"));
    let boss = format!("{}@example.cz", test_support::unique("boss"));
    let customer_id = format!("{}@customer.example", test_support::unique("m"));
    let Outcome::Created(pointer) = d.deliver(&customer_mail(&requester, &boss, &customer_id)).await else {
        panic!("expected a new ticket");
    };
    let ticket = d.store.get_ticket(pointer.id).await.unwrap().unwrap();
    assert_eq!(ticket.cc, [email(&boss)]);
    d.react_to_latest(&ticket, EventType::TicketCreated).await;
    let acknowledgement = outbox(&requester)
        .await
        .pop()
        .expect("acknowledged")
        .provider_message_id;
    d.reply(&ticket, "We are on it.").await;
    let reply = outbox(&boss).await.pop().expect("the CC is copied").provider_message_id;

    // Reports that prove nothing about our mail change nothing.
    for (about, failed) in [
        (customer_id.as_str(), requester.as_str()),
        ("never-sent@help.example.com", requester.as_str()),
        (reply.as_str(), "stranger@example.org"),
    ] {
        let outcome = d.deliver(&dsn(about, failed)).await;
        assert!(
            matches!(outcome, Outcome::Unticketed(_)),
            "{about} / {failed}: {outcome:?}"
        );
    }
    assert_eq!(d.undeliverable(&requester).await, Some(false));
    assert_eq!(d.undeliverable("stranger@example.org").await, None);

    // The CC bounced on our reply: the CC (who had no contact) is stopped, the requester not.
    assert_eq!(d.deliver(&dsn(&reply, &boss)).await, Outcome::Bounce { contacts: 1 });
    assert_eq!(d.undeliverable(&boss).await, Some(true));
    assert_eq!(d.undeliverable(&requester).await, Some(false));
    d.reply(&ticket, "Still on it.").await;
    assert_eq!(outbox(&boss).await.len(), 1, "a bounced CC gets no more mail");
    assert_eq!(outbox(&requester).await.len(), 3);

    // The requester's address bounced on the acknowledgement.
    assert_eq!(
        d.deliver(&dsn(&acknowledgement, &requester.to_uppercase())).await,
        Outcome::Bounce { contacts: 1 }
    );
    assert_eq!(d.undeliverable(&requester).await, Some(true));

    // An admin, and only an admin, says the address works again.
    let contact = d
        .store
        .find_contact_by_email(&email(&requester))
        .await
        .unwrap()
        .unwrap();
    let agent = Principal {
        role: Role::Agent,
        ..admin()
    };
    assert!(
        d.desk
            .set_contact_undeliverable(&agent, contact.id, false)
            .await
            .is_err()
    );
    let cleared = d
        .desk
        .set_contact_undeliverable(&admin(), contact.id, false)
        .await
        .unwrap();
    assert!(!cleared.undeliverable);
    assert_eq!(d.undeliverable(&requester).await, Some(false));
}
