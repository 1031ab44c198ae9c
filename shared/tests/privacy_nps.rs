//! Erasure of a person's NPS answers against DynamoDB Local (docs/privacy.md): the export
//! finds them, the erasure drops the comment and the contact's own survey items and takes the
//! contact off the NPS due index, while the score still counts in its month.

use shared::adapters::dynamodb::DynamoStore;
use shared::domain::nps::NpsScore;
use shared::domain::privacy::Redactor;
use shared::domain::{ContactId, EmailAddress, RequesterDetails, Timestamp};
use shared::ports::{ContactStore, NpsResponse, NpsStore, PrivacyStore};

fn at(text: &str) -> Timestamp {
    Timestamp::parse(text).unwrap()
}

#[tokio::test]
async fn erasing_a_person_keeps_their_nps_score_and_forgets_the_rest() {
    let sdk = test_support::local_sdk().await;
    let table = test_support::fresh_table(&sdk).await;
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&sdk), table);
    let now = at("2026-12-03T10:00:00Z");
    let person = RequesterDetails::new(
        Some("Jana Nováková".into()),
        Some(EmailAddress::parse("jana@example.cz").unwrap()),
        None,
        None,
    )
    .unwrap()
    .into_contact(ContactId::generate(now), now);
    store.create_contact(&person).await.unwrap();
    // A later resolution keeps them on the NPS due index; one answer with a comment naming them.
    store.note_nps_resolution(person.id, now).await.unwrap();
    let answer = NpsResponse {
        contact: person.id,
        sent: at("2026-12-01T09:00:00Z"),
        score: NpsScore::new(9).unwrap(),
        comment: Some("Jana Nováková says: quick and kind".into()),
        at: at("2026-12-02T08:00:00Z"),
        answers: 1,
    };
    store.record_nps_response(&answer, None).await.unwrap();
    assert_eq!(
        store.nps_answers_of(person.id).await.unwrap(),
        std::slice::from_ref(&answer)
    );
    let month = (at("2026-12-01T00:00:00Z"), at("2027-01-01T00:00:00Z"));
    assert!(
        store
            .due_nps(at("2027-12-31T00:00:00Z"), None, 10)
            .await
            .unwrap()
            .iter()
            .any(|c| c.contact == person.id),
        "due before"
    );

    let erased = Redactor::erased_contact(&person);
    store.forget_person(&person, &erased, now).await.unwrap();
    // Twice is once.
    store.forget_person(&person, &erased, now).await.unwrap();

    assert_eq!(store.nps_answers_of(person.id).await.unwrap(), []);
    assert_eq!(store.nps_response(person.id, answer.sent).await.unwrap(), None);
    let kept = store.nps_responses(month.0, month.1).await.unwrap();
    assert_eq!(
        kept,
        [NpsResponse {
            comment: None,
            ..answer
        }],
        "the score still counts, without the comment"
    );
    assert!(
        !store
            .due_nps(at("2027-12-31T00:00:00Z"), None, 10)
            .await
            .unwrap()
            .iter()
            .any(|c| c.contact == person.id),
        "an erased contact is never asked again"
    );
    assert_eq!(store.get_contact(person.id).await.unwrap(), Some(erased));
}
