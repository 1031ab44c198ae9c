//! End-to-end tests live in `tests/`; this crate holds only what several of them read.

use std::time::Duration;

use reqwest::{Client, Method, StatusCode};
use serde_json::Value;

/// An API request with a staff token: the status and the JSON body (null when there is none).
pub async fn call(base: &str, method: Method, path: &str, token: &str, body: Option<Value>) -> (StatusCode, Value) {
    send(Client::new().request(method, format!("{base}{path}")), token, body).await
}

/// [`call`] for a change conditional on the version the caller read (`If-Match`).
pub async fn call_if_match(
    base: &str,
    method: Method,
    path: &str,
    token: &str,
    if_match: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let request = Client::new()
        .request(method, format!("{base}{path}"))
        .header("If-Match", if_match);
    send(request, token, body).await
}

async fn send(request: reqwest::RequestBuilder, token: &str, body: Option<Value>) -> (StatusCode, Value) {
    let mut request = request.bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Runs scheduled function `function` on the dev host as of `time` (the route `cargo xtask
/// invoke <function> --at <time>` drives) and answers its report.
pub async fn invoke_at(base: &str, function: &str, time: &str) -> Value {
    let response = Client::new()
        .post(format!("{base}{}/{function}", devhost::invoke::INVOKE_PATH))
        .json(&serde_json::json!({ "time": time }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{function} at {time}");
    response.json().await.unwrap()
}

/// The raw MIME of every mail moto's SES has sent to `to` (the local SES outbox), oldest first.
pub async fn sent_mail(to: &str) -> Vec<String> {
    let endpoint = std::env::var("AWS_ENDPOINT_URL_SESV2").expect("AWS_ENDPOINT_URL_SESV2");
    // moto builds this dump from live state; while other tests write, a dump can fail (a model
    // changing under it), so a failed one is asked for again.
    for _ in 0..5 {
        let response = reqwest::get(format!("{endpoint}/moto-api/data.json")).await.unwrap();
        if response.status().is_success()
            && let Ok(dump) = response.json::<Value>().await
        {
            return dump["ses"]["RawMessage"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .filter(|m| m["destinations"].as_array().is_some_and(|d| d.iter().any(|x| x == to)))
                .filter_map(|m| m["raw_data"].as_str().map(str::to_owned))
                .collect();
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("moto's state dump kept failing");
}

/// `GET {base}{path}` with an agent's token; the JSON body of a successful answer.
pub async fn get_json(base: &str, token: &str, path: &str) -> Value {
    let response = reqwest::Client::new()
        .get(format!("{base}{path}"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{path}: {}", response.status());
    response.json().await.unwrap()
}

/// A header of a raw mail, unfolded no further than its first line.
pub fn header<'a>(raw: &'a str, name: &str) -> Option<&'a str> {
    raw.split("\r\n\r\n").next()?.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.eq_ignore_ascii_case(name).then(|| v.trim())
    })
}
