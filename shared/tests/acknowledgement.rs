//! The acknowledgement of a new ticket, through the reactor against moto's SES: a contact form's
//! address was typed by whoever filled in the form, so its acknowledgement carries the ticket
//! number and the portal link but none of the submitter's words. (Mailed tickets keep their
//! subject: `tests/tests/mail.rs` and the template tests.)

use serde_json::Value;
use shared::adapters::dynamodb::DynamoStore;
use shared::adapters::s3::S3Blobs;
use shared::adapters::sesv2::SesMailer;
use shared::domain::contact_form::{ContactInput, FormCategories};
use shared::domain::signing::LinkSigner;
use shared::domain::{AuditEvent, Channel, EventType, Language, SystemClock, TicketId};
use shared::ports::{PageRequest, TicketStore};
use shared::usecases::intake::parse_support_addresses;
use shared::usecases::portal::CustomerDesk;
use shared::usecases::reactor::{EventReactor, OutboundConfig, PortalLinks};

const SPAM_NAME: &str = "Cheap pills at pills.example";
const SPAM_SUBJECT: &str = "WIN 1000 USD at win.example";
const SPAM_MESSAGE: &str = "Click https://phish.example/now to claim";

async fn store() -> DynamoStore {
    let sdk = test_support::local_sdk().await;
    let table = test_support::fresh_table(&sdk).await;
    DynamoStore::new(aws_sdk_dynamodb::Client::new(&sdk), table)
}

async fn reactor(store: &DynamoStore) -> EventReactor<DynamoStore, SesMailer, S3Blobs, SystemClock> {
    let sdk = test_support::local_sdk().await;
    // moto sends only from verified identities.
    let ses = aws_sdk_sesv2::Client::new(&sdk);
    let _ = ses
        .create_email_identity()
        .email_identity("help.example.com")
        .send()
        .await;
    EventReactor::new(
        store.clone(),
        SesMailer::new(ses, None),
        S3Blobs::new(test_support::s3_client(&sdk)),
        SystemClock,
        OutboundConfig {
            addresses: parse_support_addresses("support@help.example.com").unwrap(),
            max_attempts: 5,
            autoreplies_per_hour: 3,
        },
    )
    .with_portal(Some(PortalLinks {
        signer: LinkSigner::new(&[7; 32]).unwrap(),
        base_url: "https://forms.example.com".into(),
    }))
}

async fn created_event(store: &DynamoStore, ticket: TicketId) -> AuditEvent {
    let page = PageRequest {
        limit: 10,
        cursor: None,
    };
    store
        .list_events(ticket, &page)
        .await
        .unwrap()
        .items
        .into_iter()
        .find(|e| e.event_type == EventType::TicketCreated)
        .expect("a TicketCreated event")
}

/// The raw mails moto's SES sent to `to`, soft line breaks of quoted-printable undone.
async fn mail_to(to: &str) -> Vec<String> {
    let endpoint = std::env::var("AWS_ENDPOINT_URL_SESV2")
        .or_else(|_| std::env::var("AWS_ENDPOINT_URL"))
        .expect("AWS_ENDPOINT_URL_SESV2");
    let dump: Value = reqwest::get(format!("{endpoint}/moto-api/data.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    dump["ses"]["RawMessage"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|m| m["destinations"].as_array().is_some_and(|d| d.iter().any(|x| x == to)))
        .filter_map(|m| m["raw_data"].as_str().map(|raw| raw.replace("=\r\n", "")))
        .collect()
}

#[tokio::test]
async fn a_form_ticket_s_acknowledgement_carries_the_number_and_link_but_none_of_the_submitter_s_words() {
    let store = store().await;
    let reactor = reactor(&store).await;
    let customers = CustomerDesk::new(store.clone(), SystemClock);
    let address = format!("{}@victim.example", test_support::unique("form"));
    let input = ContactInput {
        name: Some(SPAM_NAME.into()),
        email: Some(address.clone()),
        subject: Some(SPAM_SUBJECT.into()),
        message: Some(SPAM_MESSAGE.into()),
        category: Some("general".into()),
        ..ContactInput::default()
    };
    let form = input.check(&FormCategories::parse("general=support").unwrap()).unwrap();
    let ticket = customers
        .submit(&form, vec![], &Language::parse("en").unwrap())
        .await
        .unwrap();
    assert_eq!(ticket.channel, Channel::Form);

    reactor.react(&created_event(&store, ticket.id).await, 1).await.unwrap();

    let mails = mail_to(&address).await;
    assert_eq!(mails.len(), 1, "one acknowledgement");
    let mail = &mails[0];
    assert!(mail.contains(&ticket.number.to_string()), "{mail}");
    assert!(mail.contains("https://forms.example.com/portal/"), "{mail}");
    for words in [
        SPAM_NAME,
        SPAM_SUBJECT,
        SPAM_MESSAGE,
        "pills.example",
        "win.example",
        "phish.example",
    ] {
        assert!(!mail.contains(words), "the acknowledgement repeats {words:?}:\n{mail}");
    }
    let subject = mail
        .lines()
        .find(|l| l.starts_with("Subject:"))
        .expect("a Subject header");
    assert!(subject.contains("We received your request"), "{subject}");
}
