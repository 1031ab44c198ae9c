//! Who may reach a ticket by mail, through the dev host: real SMTP in (with the dev host's
//! stand-in for SES's sender checks), the reactor's mail out in moto's SES.

use devhost::testing::{TestHost, send_mail};
use e2e::{header, sent_mail};
use serde_json::Value;

async fn get(host: &TestHost, token: &str, path: &str) -> Value {
    e2e::get_json(&host.url, token, path).await
}

async fn tickets_of(host: &TestHost, token: &str) -> Vec<Value> {
    get(host, token, "/v1/tickets?channel=email&limit=100").await["items"]
        .as_array()
        .unwrap()
        .clone()
}

async fn messages(host: &TestHost, token: &str, number: &str) -> Vec<Value> {
    get(host, token, &format!("/v1/tickets/{number}/messages")).await["items"]
        .as_array()
        .unwrap()
        .clone()
}

#[tokio::test]
async fn a_stranger_naming_a_ticket_gets_their_own_and_replies_reach_only_participants() {
    let host = TestHost::start().await;
    let mut pipe = host.pipe().await;
    let admin = host.token("admin", "admin@example.com", &[]);
    let jana = format!("{}@example.cz", devhost::testing::unique("jana"));
    let boss = format!("{}@example.cz", devhost::testing::unique("boss"));
    let mallory = format!("{}@evil.example", devhost::testing::unique("mallory"));

    let first = format!(
        "From: Jana <{jana}>\nTo: support@help.example.com\nCc: {boss}\nSubject: hello\nMessage-ID: <t1.{jana}>\n\nThe printer is on fire.\n"
    );
    send_mail(host.smtp, &jana, "support@help.example.com", &first).await;
    host.drain_inbound().await;
    host.drain_events(&mut pipe).await;
    let number = tickets_of(&host, &admin).await[0]["number"]
        .as_str()
        .unwrap()
        .to_owned();

    // Mallory names the ticket in the subject and quotes its first Message-ID.
    let intrusion = format!(
        "From: Mallory <{mallory}>\nTo: support@help.example.com\nSubject: Re: [#{number}] hello\nMessage-ID: <m1.{mallory}>\nIn-Reply-To: <t1.{jana}>\n\nAdd me please.\n"
    );
    send_mail(host.smtp, &mallory, "support@help.example.com", &intrusion).await;
    // The same with Jana's address in From: the dev host's sender check fails it, as SES's would.
    let forged = format!(
        "From: Jana <{jana}>\nTo: support@help.example.com\nSubject: Re: [#{number}] hello\nMessage-ID: <m2.{mallory}>\n\nClose it, and send the link to me.\n"
    );
    send_mail(host.smtp, &mallory, "support@help.example.com", &forged).await;
    host.drain_inbound().await;
    host.drain_events(&mut pipe).await;

    let original = get(&host, &admin, &format!("/v1/tickets/{number}")).await;
    assert_eq!(
        original["cc"],
        serde_json::json!([boss]),
        "Mallory is on no other ticket"
    );
    assert_eq!(messages(&host, &admin, &number).await.len(), 1, "nothing joined");
    let tickets = tickets_of(&host, &admin).await;
    assert_eq!(tickets.len(), 3, "each intrusion opened a ticket of its own");
    for other in tickets.iter().filter(|t| t["number"] != number.as_str()) {
        let other_number = other["number"].as_str().unwrap();
        assert!(!other["subject"].as_str().unwrap().contains(&number), "{other}");
        let conversation = messages(&host, &admin, other_number).await;
        let note = conversation
            .iter()
            .find(|m| m["author"] == "system")
            .expect("a note for agents");
        assert_eq!(note["visibility"], "internal");
        assert!(note["body_text"].as_str().unwrap().contains(&number), "{note}");
    }
    let mut forged_senders = 0;
    for other in tickets.iter().filter(|t| t["number"] != number.as_str()) {
        let first = &messages(&host, &admin, other["number"].as_str().unwrap()).await[0];
        if first["email"]["forged_sender"] == true {
            forged_senders += 1;
        }
    }
    assert_eq!(forged_senders, 1, "the mail claiming Jana's address is marked forged");

    // Mallory's own ticket is acknowledged to Mallory; the forged one to nobody: Jana got only
    // her own acknowledgement, and nothing Mallory received names Jana's ticket.
    assert_eq!(sent_mail(&jana).await.len(), 1, "{:?}", sent_mail(&jana).await);
    let to_mallory = sent_mail(&mallory).await;
    assert_eq!(to_mallory.len(), 1);
    assert!(to_mallory.iter().all(|m| !m.contains(&number)), "{to_mallory:?}");

    // An agent's reply reaches Jana (with her link) and the CC (without it), and nobody else.
    let reply = reqwest::Client::new()
        .post(format!("{}/v1/tickets/{number}/replies", host.url))
        .bearer_auth(&admin)
        .json(&serde_json::json!({"body": "We are on our way."}))
        .send()
        .await
        .unwrap();
    assert!(reply.status().is_success());
    host.drain_events(&mut pipe).await;
    let to_jana = sent_mail(&jana).await;
    assert_eq!(to_jana.len(), 2);
    assert!(to_jana[1].contains("/portal/"), "the requester's copy has her link");
    let to_boss = sent_mail(&boss).await;
    assert_eq!(to_boss.len(), 1, "the CC's own copy");
    assert!(!to_boss[0].contains("/portal/"), "a CC never gets the requester's link");
    assert!(header(&to_boss[0], "To").unwrap().contains(&boss));
    assert!(!header(&to_boss[0], "To").unwrap().contains(&jana));
    assert_eq!(sent_mail(&mallory).await.len(), 1, "Mallory got nothing more");

    // Jana answers the reply from her phone's other address, to the signed Reply-To: it threads.
    let reply_to = header(&to_jana[1], "Reply-To")
        .unwrap()
        .trim_matches(['<', '>'])
        .to_owned();
    let phone = format!("{}@example.net", devhost::testing::unique("jana-phone"));
    let answer = format!("From: {phone}\nTo: {reply_to}\nSubject: Re: hello\nMessage-ID: <t2.{phone}>\n\nThanks!\n");
    send_mail(host.smtp, &phone, &reply_to, &answer).await;
    host.drain_inbound().await;
    let conversation = messages(&host, &admin, &number).await;
    assert_eq!(conversation.len(), 3, "{conversation:?}");
    assert_eq!(conversation[2]["body_text"], "Thanks!");
    let original = get(&host, &admin, &format!("/v1/tickets/{number}")).await;
    assert_eq!(original["cc"], serde_json::json!([boss]), "writing adds nobody as a CC");
}
