//! Inbound mail end to end below the queue: raw MIME in moto's S3, tickets in DynamoDB Local.
//! Threading by each method, duplicates, closed and resolved tickets, CCs, spam, bounces.

use std::collections::BTreeSet;

use shared::adapters::dynamodb::DynamoStore;
use shared::adapters::s3::S3Blobs;
use shared::domain::signing::LinkSigner;
use shared::domain::{
    Author, BlobRef, EmailAddress, Precondition, Principal, Role, Status, SystemClock, TicketPatch, TicketRef,
};
use shared::ports::{BlobStore, ContactStore, PageRequest, TicketStore};
use shared::usecases::desk::TicketDesk;
use shared::usecases::intake::{IntakeConfig, MailIntake, Outcome};

struct Mailroom {
    intake: MailIntake<DynamoStore, S3Blobs, SystemClock>,
    signer: LinkSigner,
    desk: TicketDesk<DynamoStore, SystemClock>,
    store: DynamoStore,
    blobs: S3Blobs,
    s3: aws_sdk_s3::Client,
    bucket: String,
}

async fn mailroom(closed_reply: &str) -> Mailroom {
    let sdk = test_support::local_sdk().await;
    let table = test_support::fresh_table(&sdk).await;
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&sdk), table);
    let s3 = S3Blobs::client(&sdk, true);
    let bucket = test_support::unique("mail");
    s3.create_bucket().bucket(&bucket).send().await.unwrap();
    let blobs = S3Blobs::new(s3.clone());
    let config = IntakeConfig::parse(
        "support@help.example.com=support,billing@help.example.com=billing",
        closed_reply,
        &bucket,
    )
    .unwrap();
    let signer = LinkSigner::new(&[7; 32]).unwrap();
    Mailroom {
        intake: MailIntake::new(store.clone(), blobs.clone(), SystemClock, config).with_reply_signer(signer.clone()),
        signer,
        desk: TicketDesk::new(store.clone(), SystemClock),
        store,
        blobs,
        s3,
        bucket,
    }
}

fn admin() -> Principal {
    Principal {
        subject: "admin".into(),
        email: None,
        role: Role::Admin,
        departments: BTreeSet::new(),
    }
}

impl Mailroom {
    /// Stores `raw` as SES would and runs the intake on it; returns the object for redelivery.
    async fn deliver(&self, raw: &str) -> (BlobRef, Outcome) {
        let blob = BlobRef {
            bucket: self.bucket.clone(),
            key: test_support::unique("inbound/m"),
        };
        self.blobs
            .put(&blob, raw.replace('\n', "\r\n").into_bytes(), "message/rfc822")
            .await
            .unwrap();
        let outcome = self.intake.receive(&blob).await.unwrap();
        (blob, outcome)
    }

    async fn messages(&self, number: &str) -> Vec<shared::domain::Message> {
        let reference = TicketRef::parse(number).unwrap();
        self.desk
            .list_messages(
                &admin(),
                reference,
                PageRequest {
                    limit: 100,
                    cursor: None,
                },
            )
            .await
            .unwrap()
            .items
    }

    async fn ticket(&self, number: &str) -> shared::domain::Ticket {
        self.desk
            .get_ticket(&admin(), TicketRef::parse(number).unwrap())
            .await
            .unwrap()
    }
}

fn mail(from: &str, to: &str, subject: &str, message_id: &str, extra: &str, body: &str) -> String {
    let extra = if extra.is_empty() {
        String::new()
    } else {
        format!("{extra}\n")
    };
    format!(
        "From: {from}\nTo: {to}\nSubject: {subject}\nMessage-ID: <{message_id}>\nDate: Mon, 23 Nov 2026 09:00:00 +0000\n{extra}\n{body}\n"
    )
}

fn created(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Created(p) => p.number.to_string(),
        other => panic!("expected a new ticket, got {other:?}"),
    }
}

#[tokio::test]
async fn a_new_mail_becomes_a_ticket_in_the_addressed_department() {
    let room = mailroom("follow_up").await;
    let raw = mail(
        "Jana Novák <Jana@Example.cz>",
        "Billing <billing@help.example.com>",
        "Invoice 2026-17 is wrong",
        "m1@example.cz",
        "",
        "Hello,\nthe VAT is wrong.\n\nOn Sun, Ann wrote:\n> old text",
    );
    let (blob, outcome) = room.deliver(&raw).await;
    let number = created(&outcome);
    let ticket = room.ticket(&number).await;
    assert_eq!(ticket.subject, "Invoice 2026-17 is wrong");
    assert_eq!(ticket.department.unwrap().as_str(), "billing");
    assert_eq!(ticket.channel, shared::domain::Channel::Email);
    assert_eq!(ticket.status, Status::New);
    let contact = room
        .store
        .find_contact_by_email(&EmailAddress::parse("jana@example.cz").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ticket.requester, contact.id);
    assert_eq!(contact.name.as_deref(), Some("Jana Novák"));
    let messages = room.messages(&number).await;
    assert_eq!(messages.len(), 1);
    let m = &messages[0];
    assert_eq!(m.author(), Author::Customer);
    assert_eq!(m.body_text, "Hello,\nthe VAT is wrong.");
    assert!(m.quoted_text.as_deref().unwrap().starts_with("On Sun, Ann wrote:"));
    let email = m.email.as_ref().unwrap();
    assert_eq!(
        email.raw.as_ref(),
        Some(&blob),
        "the raw message stays reachable from the ticket"
    );
    assert_eq!(email.message_id.as_deref(), Some("m1@example.cz"));
    assert!(!email.automated);
}

#[tokio::test]
async fn the_same_mail_twice_makes_one_message() {
    let room = mailroom("follow_up").await;
    let raw = mail(
        "a@example.cz",
        "support@help.example.com",
        "Twice",
        "twice@example.cz",
        "",
        "once please",
    );
    let (blob, first) = room.deliver(&raw).await;
    let number = created(&first);
    assert_eq!(
        room.intake.receive(&blob).await.unwrap(),
        Outcome::Duplicate,
        "the same stored object again"
    );
    let (_, again) = room.deliver(&raw).await;
    assert_eq!(again, Outcome::Duplicate, "another copy with the same Message-ID");
    assert_eq!(room.messages(&number).await.len(), 1);
}

#[tokio::test]
async fn replies_thread_by_headers_by_subject_token_and_by_plus_address() {
    let room = mailroom("follow_up").await;
    let (_, first) = room
        .deliver(&mail(
            "a@example.cz",
            "support@help.example.com",
            "Printer",
            "p1@example.cz",
            "",
            "It is on fire",
        ))
        .await;
    let number = created(&first);
    let by_header = mail(
        "a@example.cz",
        "support@help.example.com",
        "Re: Printer",
        "p2@example.cz",
        "In-Reply-To: <p1@example.cz>\nReferences: <p1@example.cz>",
        "Still burning",
    );
    let by_token = mail(
        "a@example.cz",
        "support@help.example.com",
        &format!("Re: [#{number}] Printer"),
        "p3@example.cz",
        "",
        "Now smoking",
    );
    let plus = format!("support+{}@help.example.com", number.to_lowercase().replace('-', ""));
    let by_plus = mail(
        "a@example.cz",
        &plus,
        "about my printer",
        "p4@example.cz",
        "",
        "Out now",
    );
    for raw in [by_header, by_token, by_plus] {
        let (_, outcome) = room.deliver(&raw).await;
        assert!(
            matches!(&outcome, Outcome::Added(p) if p.number.to_string() == number),
            "{outcome:?}"
        );
    }
    let bodies: Vec<String> = room.messages(&number).await.into_iter().map(|m| m.body_text).collect();
    assert_eq!(bodies, ["It is on fire", "Still burning", "Now smoking", "Out now"]);
}

/// A ticket of `a@example.cz` with `boss@example.cz` as CC; its number.
async fn ticket_with_a_cc(room: &Mailroom) -> String {
    let (_, first) = room
        .deliver(&mail(
            "a@example.cz",
            "support@help.example.com",
            "Access",
            "c1@example.cz",
            "Cc: Boss <boss@example.cz>",
            "Need access",
        ))
        .await;
    created(&first)
}

async fn events(room: &Mailroom, number: &str) -> Vec<shared::domain::AuditEvent> {
    room.desk
        .list_events(
            &admin(),
            TicketRef::parse(number).unwrap(),
            PageRequest {
                limit: 50,
                cursor: None,
            },
        )
        .await
        .unwrap()
        .items
}

#[tokio::test]
async fn a_stranger_who_names_a_ticket_gets_a_ticket_of_their_own() {
    let room = mailroom("follow_up").await;
    let number = ticket_with_a_cc(&room).await;
    let plus = format!("support+{}@help.example.com", number.to_lowercase().replace('-', ""));
    let strangers = [
        // By the subject's token, by a plain plus-address, and by a Message-ID seen on the ticket.
        mail(
            "Mallory <mallory@evil.example>",
            "support@help.example.com",
            &format!("Re: [#{number}] hello"),
            "s1@evil.example",
            "",
            "let me in",
        ),
        mail("mallory@evil.example", &plus, "hello", "s2@evil.example", "", "me too"),
        mail(
            "mallory@evil.example",
            "support@help.example.com",
            "Re: Access",
            "s3@evil.example",
            "In-Reply-To: <c1@example.cz>\nReferences: <c1@example.cz>",
            "and me",
        ),
        // A tag that is not ours.
        mail(
            "mallory@evil.example",
            &format!(
                "support+{}-0123456789ab@help.example.com",
                number.to_lowercase().replace('-', "")
            ),
            "hello",
            "s4@evil.example",
            "",
            "guessing",
        ),
    ];
    for raw in strangers {
        let (_, outcome) = room.deliver(&raw).await;
        let own = created(&outcome);
        assert_ne!(own, number);
        let ticket = room.ticket(&own).await;
        assert!(!ticket.subject.contains(&number), "{}", ticket.subject);
        let messages = room.messages(&own).await;
        assert_eq!(messages.len(), 2, "the mail and a note for agents");
        let note = &messages[1];
        assert_eq!(
            (note.author(), note.visibility),
            (Author::System, shared::domain::Visibility::Internal)
        );
        assert!(note.body_text.contains(&number), "{}", note.body_text);
    }
    let original = room.ticket(&number).await;
    assert_eq!(
        original.cc.iter().map(|e| e.as_str()).collect::<Vec<_>>(),
        ["boss@example.cz"],
        "nobody joined"
    );
    assert_eq!(room.messages(&number).await.len(), 1, "nothing was added");
    assert_eq!(original.version, shared::domain::Version::FIRST);
}

#[tokio::test]
async fn participants_continue_by_reference_and_a_reply_reopens() {
    let room = mailroom("follow_up").await;
    let number = ticket_with_a_cc(&room).await;
    let ticket = room.ticket(&number).await;
    let resolve = TicketPatch {
        status: Some(Status::Resolved),
        ..Default::default()
    };
    room.desk
        .update_ticket(&admin(), TicketRef::Id(ticket.id), Precondition::Any, resolve)
        .await
        .unwrap();
    let (_, outcome) = room
        .deliver(&mail(
            "Boss <BOSS@example.cz>",
            "support@help.example.com",
            &format!("Re: [#{number}] Access"),
            "c2@example.cz",
            "",
            "Please hurry",
        ))
        .await;
    assert!(
        matches!(&outcome, Outcome::Added(p) if p.number.to_string() == number),
        "{outcome:?}"
    );
    let ticket = room.ticket(&number).await;
    assert_eq!(ticket.status, Status::Open, "a CC's reply reopens a resolved ticket");
    assert_eq!(ticket.cc.len(), 1);
    let last = events(&room, &number).await.pop().unwrap();
    assert_eq!(last.event_type, shared::domain::EventType::CustomerReplied);
    assert_eq!(
        last.changes.iter().map(|c| c.field.as_str()).collect::<Vec<_>>(),
        ["status"]
    );

    // An agent of the desk is a participant of every ticket.
    let now = shared::domain::Clock::now(&SystemClock);
    let agent = shared::domain::Agent {
        id: shared::domain::AgentId::generate(now),
        email: EmailAddress::parse("ann@help.example.com").unwrap(),
        name: "Ann".into(),
        role: Role::Agent,
        seniority: shared::domain::Seniority::Regular,
        departments: BTreeSet::new(),
        active: true,
        created_at: now,
        updated_at: now,
    };
    shared::ports::TeamStore::create_agent(&room.store, &agent)
        .await
        .unwrap();
    let (_, outcome) = room
        .deliver(&mail(
            "ann@help.example.com",
            "support@help.example.com",
            &format!("Re: [#{number}] Access"),
            "c3@help.example.com",
            "",
            "Done on our side",
        ))
        .await;
    assert!(matches!(outcome, Outcome::Added(_)), "{outcome:?}");
}

#[tokio::test]
async fn our_signed_reply_address_admits_whoever_holds_it_but_adds_no_cc() {
    let room = mailroom("follow_up").await;
    let number = ticket_with_a_cc(&room).await;
    let ticket = room.ticket(&number).await;
    let tag = room.signer.reply_tag(ticket.id);
    let address = format!(
        "support+{}-{tag}@help.example.com",
        number.to_lowercase().replace('-', "")
    );
    let (_, outcome) = room
        .deliver(&mail(
            "Jana at home <jana.home@example.net>",
            &address,
            "Re: your request",
            "h1@example.net",
            "",
            "Writing from home",
        ))
        .await;
    assert!(
        matches!(&outcome, Outcome::Added(p) if p.number == ticket.number),
        "{outcome:?}"
    );
    assert_eq!(room.ticket(&number).await.cc, ticket.cc, "no CC added by writing");
    // The same tag on another ticket's address proves nothing there.
    let (_, other) = room
        .deliver(&mail(
            "x@example.org",
            "support@help.example.com",
            "Other",
            "o1@example.org",
            "",
            "other",
        ))
        .await;
    let other = created(&other);
    let moved = format!(
        "support+{}-{tag}@help.example.com",
        other.to_lowercase().replace('-', "")
    );
    let (_, outcome) = room
        .deliver(&mail("jana.home@example.net", &moved, "Hi", "h2@example.net", "", "x"))
        .await;
    assert!(matches!(outcome, Outcome::Created(_)), "{outcome:?}");
}

#[tokio::test]
async fn a_sender_that_fails_dmarc_is_not_trusted_as_that_sender() {
    let room = mailroom("follow_up").await;
    let number = ticket_with_a_cc(&room).await;
    let ses_says_forged =
        "Authentication-Results: amazonses.com; spf=fail; dkim=none; dmarc=fail header.from=example.cz;\n";
    let raw = format!(
        "{ses_says_forged}{}",
        mail(
            "a@example.cz",
            "support@help.example.com",
            &format!("Re: [#{number}] Access"),
            "f1@evil.example",
            "Cc: mallory@evil.example",
            "Close it",
        )
    );
    let (_, outcome) = room.deliver(&raw).await;
    let own = created(&outcome);
    assert_ne!(own, number, "the requester's own address, but forged: not threaded");
    let ticket = room.ticket(&own).await;
    assert!(ticket.cc.is_empty(), "a forger's CCs are not kept");
    let messages = room.messages(&own).await;
    assert!(messages[0].email.as_ref().unwrap().forged_sender);
    assert!(messages[1].body_text.contains("DMARC"), "{}", messages[1].body_text);
    assert_eq!(room.messages(&number).await.len(), 1);
}

#[tokio::test]
async fn the_envelope_sender_stands_in_for_an_unreadable_from() {
    let room = mailroom("follow_up").await;
    let (_, outcome) = room
        .deliver("Return-Path: <jana@example.cz>\nFrom: not an address\nTo: support@help.example.com\nSubject: Hi\nMessage-ID: <e1@example.cz>\n\nhello\n")
        .await;
    let ticket = room.ticket(&created(&outcome)).await;
    let contact = room.store.get_contact(ticket.requester).await.unwrap().unwrap();
    assert_eq!(contact.email.unwrap().as_str(), "jana@example.cz");
}

#[tokio::test]
async fn a_reply_to_a_closed_ticket_opens_a_follow_up_or_reopens_as_configured() {
    for (setting, follow_up) in [("follow_up", true), ("reopen", false)] {
        let room = mailroom(setting).await;
        let (_, first) = room
            .deliver(&mail(
                "a@example.cz",
                "support@help.example.com",
                "Old",
                "o1@example.cz",
                "",
                "first",
            ))
            .await;
        let number = created(&first);
        let id = room.ticket(&number).await.id;
        for status in [Status::Resolved, Status::Closed] {
            let patch = TicketPatch {
                status: Some(status),
                ..Default::default()
            };
            room.desk
                .update_ticket(&admin(), TicketRef::Id(id), Precondition::Any, patch)
                .await
                .unwrap();
        }
        let (_, outcome) = room
            .deliver(&mail(
                "a@example.cz",
                "support@help.example.com",
                "Re: Old",
                "o2@example.cz",
                "In-Reply-To: <o1@example.cz>",
                "it broke again",
            ))
            .await;
        if follow_up {
            let Outcome::FollowUp { ticket, of } = outcome else {
                panic!("{outcome:?}")
            };
            assert_eq!(of.number.to_string(), number);
            assert_eq!(room.ticket(&ticket.number.to_string()).await.follow_up_of, Some(of));
            assert_eq!(room.ticket(&number).await.status, Status::Closed);
        } else {
            assert!(matches!(outcome, Outcome::Added(_)), "{outcome:?}");
            assert_eq!(room.ticket(&number).await.status, Status::Open);
        }
    }
}

#[tokio::test]
async fn machines_spam_and_our_own_copies() {
    let room = mailroom("follow_up").await;
    let (_, auto) = room
        .deliver(&mail(
            "a@example.cz",
            "support@help.example.com",
            "Out of office",
            "x1@example.cz",
            "Auto-Submitted: auto-replied",
            "I am away",
        ))
        .await;
    let number = created(&auto);
    assert!(
        room.messages(&number).await[0].email.as_ref().unwrap().automated,
        "kept, and marked never to auto-answer"
    );

    let (_, spam) = room
        .deliver(&mail(
            "win@lottery.example",
            "support@help.example.com",
            "You won",
            "x2@lottery.example",
            "X-SES-Spam-Verdict: FAIL",
            "claim now",
        ))
        .await;
    assert_eq!(room.ticket(&created(&spam)).await.status, Status::Spam);

    let (blob, own) = room
        .deliver(&mail(
            "Support <support@help.example.com>",
            "a@example.cz",
            "Re: something",
            "ours@help.example.com",
            "",
            "our reply",
        ))
        .await;
    assert!(matches!(own, Outcome::Unticketed(_)), "{own:?}");
    assert_eq!(room.intake.receive(&blob).await.unwrap(), Outcome::Duplicate);

    let (_, nobody) = room.deliver("Subject: no sender\n\nwho am I").await;
    assert!(matches!(nobody, Outcome::Unticketed(_)), "{nobody:?}");
}

#[tokio::test]
async fn attachments_go_to_s3_and_html_is_sanitised() {
    let room = mailroom("follow_up").await;
    let raw = "From: a@example.cz\nTo: support@help.example.com\nSubject: Screenshot\nMessage-ID: <att1@example.cz>\nContent-Type: multipart/mixed; boundary=XX\n\n--XX\nContent-Type: text/html; charset=utf-8\n\n<p onclick=\"steal()\">See <b>this</b></p><script>alert(1)</script>\n--XX\nContent-Type: image/png; name=shot.png\nContent-Disposition: attachment; filename=shot.png\nContent-Transfer-Encoding: base64\n\niVBORw0KGgo=\n--XX--\n";
    let (_, outcome) = room.deliver(raw).await;
    let messages = room.messages(&created(&outcome)).await;
    let m = &messages[0];
    let html = m.body_html.as_deref().unwrap();
    assert!(
        html.contains("<b>this</b>") && !html.contains("script") && !html.contains("onclick"),
        "{html}"
    );
    assert_eq!(m.attachments.len(), 1);
    let a = &m.attachments[0];
    assert_eq!(
        (a.name.as_str(), a.content_type.as_str(), a.size),
        ("shot.png", "image/png", 8)
    );
    assert_eq!(room.blobs.get(&a.blob).await.unwrap(), b"\x89PNG\r\n\x1a\n");
    let _ = TicketStore::find_message_id(&room.store, "att1@example.cz")
        .await
        .unwrap()
        .expect("Message-ID recorded");
}

impl Mailroom {
    /// Every object under `attachments/`, sorted.
    async fn attachment_objects(&self) -> Vec<String> {
        let out = self
            .s3
            .list_objects_v2()
            .bucket(&self.bucket)
            .prefix("attachments/")
            .send()
            .await
            .unwrap();
        let mut keys: Vec<String> = out
            .contents()
            .iter()
            .filter_map(|o| o.key().map(str::to_owned))
            .collect();
        keys.sort();
        keys
    }
}

fn created_number(outcome: &Outcome) -> u64 {
    match outcome {
        Outcome::Created(p) => p.number.value(),
        other => panic!("expected a new ticket, got {other:?}"),
    }
}

/// SES delivers at least once: the same stored mail again (or another copy of it) is a
/// duplicate that takes no ticket number and leaves no second copy of its attachments.
#[tokio::test]
async fn a_redelivered_mail_takes_no_number_and_stores_its_attachments_once() {
    let room = mailroom("follow_up").await;
    let with_file = "From: a@example.cz\nTo: support@help.example.com\nSubject: Invoice\nMessage-ID: <again1@example.cz>\nContent-Type: multipart/mixed; boundary=XX\n\n--XX\nContent-Type: text/plain\n\nSee the file.\n--XX\nContent-Type: application/pdf; name=invoice.pdf\nContent-Disposition: attachment; filename=invoice.pdf\n\n%PDF-1.4\n--XX\nContent-Type: image/png; name=shot.png\nContent-Disposition: attachment; filename=shot.png\nContent-Transfer-Encoding: base64\n\niVBORw0KGgo=\n--XX--\n";
    let (blob, first) = room.deliver(with_file).await;
    let first_number = created_number(&first);
    let stored: Vec<String> = room.messages(&created(&first)).await[0]
        .attachments
        .iter()
        .map(|a| a.blob.key.clone())
        .collect();
    assert_eq!(stored.len(), 2);
    assert_eq!(room.attachment_objects().await, stored);

    assert_eq!(room.intake.receive(&blob).await.unwrap(), Outcome::Duplicate);
    let (_, copy) = room.deliver(with_file).await;
    assert_eq!(copy, Outcome::Duplicate, "another copy with the same Message-ID");
    assert_eq!(
        room.attachment_objects().await,
        stored,
        "the redeliveries left no second copy of the attachments"
    );

    // A mail without a Message-ID is known by its stored object alone.
    let anonymous = "From: b@example.cz\nTo: support@help.example.com\nSubject: No id\n\nhello\n";
    let (blob, second) = room.deliver(anonymous).await;
    assert_eq!(created_number(&second), first_number + 1);
    assert_eq!(room.intake.receive(&blob).await.unwrap(), Outcome::Duplicate);

    let (_, third) = room
        .deliver(&mail(
            "c@example.cz",
            "support@help.example.com",
            "Next",
            "next1@example.cz",
            "",
            "hi",
        ))
        .await;
    assert_eq!(
        created_number(&third),
        first_number + 2,
        "the duplicates took no ticket number"
    );
}
