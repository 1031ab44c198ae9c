//! Mail end to end through the dev host: a real SMTP conversation, the mail stored in the
//! bucket, moto's own S3 notification queued, the inbound-email function run on the queue,
//! and the ticket seen through the agents' API.

use devhost::testing::TestHost;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// Speaks SMTP as any mail client would; returns the server's last reply.
async fn send_mail(server: std::net::SocketAddr, from: &str, to: &str, message: &str) -> String {
    let stream = TcpStream::connect(server).await.unwrap();
    let (read, mut write) = stream.into_split();
    let mut replies = BufReader::new(read);
    let mut reply = String::new();
    let mut expect = async |replies: &mut BufReader<_>, code: &str| {
        loop {
            reply.clear();
            replies.read_line(&mut reply).await.unwrap();
            assert!(reply.starts_with(code), "expected {code}, got {reply:?}");
            if reply.as_bytes().get(3) != Some(&b'-') {
                return reply.clone();
            }
        }
    };
    expect(&mut replies, "220").await;
    for (command, code) in [
        ("EHLO client.example.cz".to_owned(), "250"),
        (format!("MAIL FROM:<{from}>"), "250"),
        (format!("RCPT TO:<{to}>"), "250"),
        ("DATA".to_owned(), "354"),
    ] {
        write.write_all(format!("{command}\r\n").as_bytes()).await.unwrap();
        expect(&mut replies, code).await;
    }
    let body = message.replace('\n', "\r\n").replace("\r\n.", "\r\n..");
    write.write_all(format!("{body}\r\n.\r\n").as_bytes()).await.unwrap();
    let queued = expect(&mut replies, "250").await;
    write.write_all(b"QUIT\r\n").await.unwrap();
    expect(&mut replies, "221").await;
    queued
}

async fn get(host: &TestHost, token: &str, path: &str) -> Value {
    let response = reqwest::Client::new()
        .get(format!("{}{path}", host.url))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{path}: {}", response.status());
    response.json().await.unwrap()
}

#[tokio::test]
async fn a_mail_sent_over_smtp_becomes_a_ticket_and_its_reply_threads() {
    let _ = tracing_subscriber::fmt()
        .with_test_writer()
        .with_env_filter("info")
        .try_init();
    let host = TestHost::start().await;
    let admin = host.token("admin", "admin@example.com", &[]);

    let first = "From: Jana Novakova <jana@example.cz>\nTo: support@help.example.com\nSubject: Printer on fire\nMessage-ID: <smtp-1@example.cz>\n\nHello,\n.the printer is on fire.\n";
    let queued = send_mail(host.smtp, "jana@example.cz", "support@help.example.com", first).await;
    assert!(queued.contains("queued as inbound/"), "{queued}");
    // S3 also queues an `s3:TestEvent` when the notification is set up; the function skips it.
    assert!(host.drain_inbound().await >= 1);

    let list = get(&host, &admin, "/v1/tickets?channel=email").await;
    let tickets = list["items"].as_array().unwrap();
    assert_eq!(tickets.len(), 1, "{list}");
    let ticket = &tickets[0];
    assert_eq!(ticket["subject"], "Printer on fire");
    assert_eq!(ticket["department"], "support");
    let number = ticket["number"].as_str().unwrap().to_owned();

    let reply = format!(
        "From: jana@example.cz\nTo: support@help.example.com\nSubject: Re: [#{number}] Printer on fire\nMessage-ID: <smtp-2@example.cz>\nIn-Reply-To: <smtp-1@example.cz>\n\nIt is out now.\n"
    );
    send_mail(host.smtp, "jana@example.cz", "support@help.example.com", &reply).await;
    // The same mail delivered again must not add a message.
    send_mail(host.smtp, "jana@example.cz", "support@help.example.com", &reply).await;
    assert!(host.drain_inbound().await >= 2);

    let messages = get(&host, &admin, &format!("/v1/tickets/{number}/messages")).await;
    let bodies: Vec<&str> = messages["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body_text"].as_str().unwrap())
        .collect();
    assert_eq!(
        bodies,
        ["Hello,\n.the printer is on fire.", "It is out now."],
        "dot-stuffing undone, duplicate dropped"
    );
    let raw = &messages["items"][0]["email"]["raw"];
    assert!(raw["key"].as_str().unwrap().starts_with("inbound/"), "{raw}");
}
