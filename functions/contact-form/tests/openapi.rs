//! Keeps the public half of `openapi.yaml` honest: the operations tagged `public` are exactly
//! the routes `src/lib.rs` answers and the route keys `template.yaml` gives `ContactApi`;
//! each, called with its sample from `events/contact-form` (one per documented request
//! media type), answers a documented status with a documented content type; and every
//! other method on those paths is 405 with the documented methods in `Allow`. Against
//! DynamoDB Local and moto's S3, like `handler.rs`. The agents' half is checked in
//! `functions/tickets-api/tests/openapi.rs`, which also parses the same file with a YAML
//! parser; this crate has none, so the document is read here by indentation (it is plain
//! block YAML, two spaces a level).

use std::collections::{BTreeMap, BTreeSet};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use contact_form::{Config, Deps, handle};
use lambda_http::Body;
use serde_json::{Value, json};
use shared::adapters::dynamodb::DynamoStore;
use shared::adapters::s3::S3Blobs;
use shared::domain::contact_form::{FormCategories, RateWindow};
use shared::domain::signing::LinkSigner;
use shared::domain::{Clock, SystemClock, Timestamp};
use shared::ports::{TicketQuery, TicketStore};

/// The routes `route` in `src/lib.rs` answers, in its order.
const ROUTES: &[(&str, &str)] = &[
    ("GET", "/contact"),
    ("GET", "/contact/widget.js"),
    ("GET", "/v1/contact/form"),
    ("POST", "/v1/contact/uploads"),
    ("POST", "/v1/contact"),
    ("OPTIONS", "/v1/contact"),
    ("OPTIONS", "/v1/contact/form"),
    ("OPTIONS", "/v1/contact/uploads"),
    ("GET", "/portal/{token}"),
    ("POST", "/portal/{token}/reply"),
    ("POST", "/portal/{token}/close"),
];

const METHODS: &[&str] = &["GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH"];

const KEY: &str = "openapi-test-portal-key-0123456789-0123456789";
const ORIGIN: &str = "https://www.example.com";

// ---------------------------------------------------------------- the document, by indentation

/// A mapping key with its scalar value (if any) and its own keys. Sequences and block
/// scalars are skipped: nothing checked here lives in them.
#[derive(Debug, Default)]
struct Node {
    value: Option<String>,
    children: Vec<(String, Node)>,
}

impl Node {
    fn get(&self, key: &str) -> Option<&Node> {
        self.children.iter().find(|(k, _)| k == key).map(|(_, n)| n)
    }

    fn keys(&self) -> impl Iterator<Item = &str> {
        self.children.iter().map(|(k, _)| k.as_str())
    }
}

fn unquote(text: &str) -> &str {
    let t = text.trim();
    for q in ['\'', '"'] {
        if let Some(inner) = t.strip_prefix(q).and_then(|r| r.strip_suffix(q)) {
            return inner;
        }
    }
    t
}

fn parse_yaml(text: &str) -> Node {
    let mut root = Node::default();
    // The indents of the open keys, outermost first; the open nodes are found by walking
    // the last child at each level.
    let mut open: Vec<usize> = Vec::new();
    let mut skip_deeper_than: Option<usize> = None;
    for line in text.lines() {
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let indent = line.len() - trimmed.len();
        if let Some(limit) = skip_deeper_than {
            if indent > limit || (indent == limit && trimmed.starts_with('-')) {
                continue;
            }
            skip_deeper_than = None;
        }
        if trimmed.starts_with("- ") || trimmed == "-" {
            skip_deeper_than = Some(indent);
            continue;
        }
        let (key, value) = match trimmed.split_once(": ") {
            Some((k, v)) => (k, Some(v.trim())),
            None => match trimmed.strip_suffix(':') {
                Some(k) => (k, None),
                None => continue, // a continued plain scalar
            },
        };
        while open.last().is_some_and(|&i| i >= indent) {
            open.pop();
        }
        let mut parent = &mut root;
        for _ in 0..open.len() {
            parent = &mut parent.children.last_mut().expect("an open key").1;
        }
        let block = value.is_some_and(|v| v.starts_with('|') || v.starts_with('>'));
        parent.children.push((
            unquote(key).to_owned(),
            Node {
                value: value.filter(|_| !block).map(|v| unquote(v).to_owned()),
                children: vec![],
            },
        ));
        if block {
            skip_deeper_than = Some(indent);
        } else {
            open.push(indent);
        }
    }
    root
}

fn resolve<'a>(root: &'a Node, node: &'a Node) -> &'a Node {
    match node.get("$ref").and_then(|r| r.value.as_deref()) {
        Some(reference) => reference
            .strip_prefix("#/")
            .unwrap_or_else(|| panic!("not a local $ref: {reference}"))
            .split('/')
            .try_fold(root, |n, token| n.get(&token.replace("~1", "/").replace("~0", "~")))
            .unwrap_or_else(|| panic!("unresolved {reference}")),
        None => node,
    }
}

/// One documented public operation.
#[derive(Debug)]
struct Operation {
    /// Status → the media types of its content (empty when it has none).
    responses: BTreeMap<u16, BTreeSet<String>>,
    /// The request body's media types.
    requests: BTreeSet<String>,
}

/// Public paths another function serves on `ContactApi` (the csat function's survey page,
/// checked by `functions/csat/tests`).
fn served_elsewhere(path: &str) -> bool {
    path.starts_with("/survey/")
}

fn public_operations(root: &Node) -> BTreeMap<(String, String), Operation> {
    let mut found = BTreeMap::new();
    for (path, item) in &root.get("paths").expect("paths").children {
        if served_elsewhere(path) {
            continue;
        }
        for (method, operation) in &item.children {
            if !METHODS.iter().any(|m| m.eq_ignore_ascii_case(method)) {
                continue;
            }
            let tags = operation
                .get("tags")
                .and_then(|t| t.value.as_deref())
                .unwrap_or_default();
            if !tags.trim_matches(['[', ']']).split(',').any(|t| t.trim() == "public") {
                continue;
            }
            let media = |node: Option<&Node>| -> BTreeSet<String> {
                node.map(|n| resolve(root, n))
                    .and_then(|n| n.get("content"))
                    .map(|c| c.keys().map(str::to_owned).collect())
                    .unwrap_or_default()
            };
            let responses = operation
                .get("responses")
                .map(|r| &r.children[..])
                .unwrap_or_default()
                .iter()
                .map(|(code, response)| {
                    let status = code
                        .parse()
                        .unwrap_or_else(|_| panic!("{method} {path}: status {code}"));
                    (status, media(Some(response)))
                })
                .collect();
            let operation = Operation {
                responses,
                requests: media(operation.get("requestBody")),
            };
            found.insert((method.to_uppercase(), path.clone()), operation);
        }
    }
    found
}

fn workspace_file(name: &str) -> String {
    let path = format!("{}/../../{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn set<'a>(pairs: impl IntoIterator<Item = &'a (String, String)>) -> BTreeSet<(String, String)> {
    pairs.into_iter().cloned().collect()
}

// ---------------------------------------------------------------- static checks

#[test]
fn the_document_names_exactly_the_function_s_routes_and_the_template_s() {
    let documented: BTreeSet<(String, String)> = public_operations(&parse_yaml(&workspace_file("openapi.yaml")))
        .into_keys()
        .collect();
    let routed: BTreeSet<(String, String)> = ROUTES.iter().map(|(m, p)| ((*m).to_owned(), (*p).to_owned())).collect();
    assert_eq!(routed.len(), ROUTES.len(), "ROUTES lists a route twice");
    assert_eq!(
        set(routed.difference(&documented)),
        BTreeSet::new(),
        "routed by contact-form but not documented as public"
    );
    assert_eq!(
        set(documented.difference(&routed)),
        BTreeSet::new(),
        "documented as public but not routed by contact-form"
    );
    // What API Gateway forwards to the function (every RouteKey in the template is ContactApi's).
    let template: BTreeSet<(String, String)> = workspace_file("template.yaml")
        .lines()
        .filter_map(|l| l.trim().strip_prefix("RouteKey: "))
        .filter_map(|k| k.trim().split_once(' '))
        .filter(|(_, p)| !served_elsewhere(p))
        .map(|(m, p)| (m.to_owned(), p.to_owned()))
        .collect();
    assert_eq!(
        template, documented,
        "template.yaml's ContactApi routes and openapi.yaml disagree"
    );
}

#[test]
fn the_reader_sees_through_refs_and_skips_text() {
    let root = parse_yaml(
        "paths:\n  /a:\n    get:\n      tags: [public]\n      description: |\n        x: y\n        '500': no\n      \
         parameters:\n        - $ref: '#/x'\n          name: q\n      responses:\n        '204':\n          \
         $ref: '#/components/responses/R'\ncomponents:\n  responses:\n    R:\n      content:\n        text/html:\n",
    );
    let ops = public_operations(&root);
    let op = &ops[&("GET".to_owned(), "/a".to_owned())];
    assert_eq!(op.responses.keys().copied().collect::<Vec<_>>(), [204]);
    assert!(op.responses[&204].contains("text/html"));
    assert!(op.requests.is_empty());
}

// ---------------------------------------------------------------- against the handler

struct Fixture {
    deps: Deps<DynamoStore, SystemClock>,
}

async fn fixture() -> Fixture {
    let sdk = test_support::local_sdk().await;
    let table = test_support::fresh_table(&sdk).await;
    let s3 = test_support::s3_client(&sdk);
    let bucket = test_support::unique("mail");
    s3.create_bucket().bucket(&bucket).send().await.unwrap();
    let config = Config {
        table_name: table.clone(),
        mail_bucket: bucket,
        s3_force_path_style: true,
        signer: LinkSigner::new(KEY.as_bytes()).unwrap(),
        public_base_url: "https://help.example.com".into(),
        categories: FormCategories::parse("general=support,billing=billing").unwrap(),
        origins: vec![ORIGIN.into()],
        per_ip: RateWindow {
            limit: 100,
            seconds: 600,
        },
        per_email: RateWindow {
            limit: 100,
            seconds: 600,
        },
        min_fill_seconds: 3,
        captcha: None,
        edge_secret: None,
    };
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&sdk), &table);
    let blobs = S3Blobs::new(s3).with_credentials(sdk.credentials_provider());
    Fixture {
        deps: Deps::with(store, blobs, SystemClock, config).unwrap(),
    }
}

struct Answer {
    status: u16,
    content_type: Option<String>,
    allow: Option<String>,
    empty: bool,
}

async fn send(f: &Fixture, event: &Value) -> Answer {
    let request = lambda_http::request::from_str(&event.to_string()).expect("a valid API Gateway v2 event");
    let response = handle(&f.deps, request).await.unwrap();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    Answer {
        status: response.status().as_u16(),
        content_type: header("content-type").map(|c| c.split(';').next().unwrap_or_default().trim().to_owned()),
        allow: header("allow"),
        empty: matches!(response.body(), Body::Empty),
    }
}

fn samples() -> Vec<Value> {
    let dir = format!("{}/../../events/contact-form", env!("CARGO_MANIFEST_DIR"));
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    names.sort();
    names
        .iter()
        .map(|p| serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap())
        .collect()
}

fn media_type(event: &Value) -> Option<&str> {
    event["headers"]["content-type"]
        .as_str()
        .map(|c| c.split(';').next().unwrap_or_default().trim())
}

fn signer() -> LinkSigner {
    LinkSigner::new(KEY.as_bytes()).unwrap()
}

/// The form token and portal token put into a sample (which carries `TOKEN` for both).
struct Tokens {
    form: String,
    portal: String,
}

fn body_text(event: &Value) -> String {
    let body = event["body"].as_str().unwrap_or_default();
    if event["isBase64Encoded"] == json!(true) {
        String::from_utf8(STANDARD.decode(body).unwrap()).unwrap()
    } else {
        body.to_owned()
    }
}

fn set_body(event: &mut Value, text: &[u8], binary: bool) {
    event["body"] = json!(if binary {
        STANDARD.encode(text)
    } else {
        String::from_utf8(text.to_vec()).unwrap()
    });
    event["isBase64Encoded"] = json!(binary);
    event["headers"]["content-length"] = json!(text.len().to_string());
}

/// `event` on another path and method, with the tokens filled in.
fn aimed(mut event: Value, method: &str, path: &str, tokens: &Tokens) -> Value {
    let real = path.replace("{token}", &tokens.portal);
    event["routeKey"] = json!(format!("{method} {path}"));
    event["requestContext"]["routeKey"] = json!(format!("{method} {path}"));
    event["requestContext"]["http"]["method"] = json!(method);
    event["rawPath"] = json!(real);
    event["requestContext"]["http"]["path"] = json!(real);
    if path.contains("{token}") {
        event["pathParameters"] = json!({ "token": tokens.portal });
    }
    if event.get("body").is_some() {
        let text = body_text(&event);
        let filled = match media_type(&event) {
            Some("application/x-www-form-urlencoded") => {
                let mut pairs: Vec<(String, String)> = serde_urlencoded::from_str(&text).unwrap();
                for (k, v) in &mut pairs {
                    if k == "form_token" {
                        *v = tokens.form.clone();
                    }
                }
                serde_urlencoded::to_string(&pairs).unwrap()
            }
            Some("multipart/form-data") => text.replace("\r\n\r\nTOKEN\r\n", &format!("\r\n\r\n{}\r\n", tokens.form)),
            _ => text.replace("\"TOKEN\"", &format!("\"{}\"", tokens.form)),
        };
        let binary = event["isBase64Encoded"] == json!(true);
        set_body(&mut event, filled.as_bytes(), binary);
    }
    event
}

/// The urlencoded form as the hosted page sends it without JavaScript: multipart, with a file.
fn as_multipart(urlencoded: &Value) -> Value {
    let mut event = urlencoded.clone();
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(&body_text(urlencoded)).unwrap();
    let boundary = "----lambdeskopenapi7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for (k, v) in pairs {
        body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes());
    }
    body.extend(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"attachments\"; filename=\"note.txt\"\r\n\
             Content-Type: text/plain\r\n\r\nthe statement line\r\n--{boundary}--\r\n"
        )
        .as_bytes(),
    );
    event["headers"]["content-type"] = json!(format!("multipart/form-data; boundary={boundary}"));
    set_body(&mut event, &body, true);
    event
}

/// One request per documented request media type (or one without a body).
fn requests_for(method: &str, path: &str, operation: &Operation, samples: &[Value], tokens: &Tokens) -> Vec<Value> {
    let route_key = format!("{method} {path}");
    let exact: Vec<&Value> = samples.iter().filter(|s| s["routeKey"] == json!(route_key)).collect();
    if operation.requests.is_empty() {
        // No documented body: the sample of this route, else one of this method elsewhere.
        let base = exact
            .first()
            .copied()
            .or_else(|| {
                samples
                    .iter()
                    .find(|s| s["requestContext"]["http"]["method"] == json!(method))
            })
            .unwrap_or_else(|| panic!("no sample to call {route_key} with"));
        return vec![aimed(base.clone(), method, path, tokens)];
    }
    operation
        .requests
        .iter()
        .map(|media| {
            let with = |m: &str| exact.iter().find(|s| media_type(s) == Some(m)).copied();
            let event = match (with(media), media.as_str()) {
                (Some(sample), _) => sample.clone(),
                (None, "multipart/form-data") => as_multipart(
                    with("application/x-www-form-urlencoded")
                        .unwrap_or_else(|| panic!("no sample of {route_key} to build a multipart form from")),
                ),
                (None, _) => panic!("events/contact-form has no {media} sample of {route_key}"),
            };
            aimed(event, method, path, tokens)
        })
        .collect()
}

#[tokio::test]
async fn each_documented_operation_answers_as_documented_and_nothing_else_is_routed() {
    let f = fixture().await;
    let root = parse_yaml(&workspace_file("openapi.yaml"));
    let operations = public_operations(&root);
    let samples = samples();
    let form = || {
        signer().form_token(Timestamp::new(
            SystemClock.now().as_datetime() - chrono::Duration::seconds(10),
        ))
    };

    // A ticket for the portal's links.
    let mut tokens = Tokens {
        form: form(),
        portal: "TOKEN".into(),
    };
    let first = samples
        .iter()
        .find(|s| s["routeKey"] == json!("POST /v1/contact") && media_type(s) == Some("application/json"))
        .expect("a JSON submission sample");
    assert_eq!(
        send(&f, &aimed(first.clone(), "POST", "/v1/contact", &tokens))
            .await
            .status,
        201
    );
    let ticket = f
        .deps
        .customers
        .store()
        .list_tickets(&TicketQuery {
            limit: 1,
            ..Default::default()
        })
        .await
        .unwrap()
        .items
        .remove(0);
    let expires = Timestamp::new(SystemClock.now().as_datetime() + chrono::Duration::days(1));
    tokens.portal = signer().portal_token(ticket.id, expires);

    let mut failures = Vec::new();
    for ((method, path), operation) in &operations {
        let count = requests_for(method, path, operation, &samples, &tokens).len();
        for i in 0..count {
            // A fresh form token for each request: a token makes one ticket.
            tokens.form = form();
            let event = requests_for(method, path, operation, &samples, &tokens).swap_remove(i);
            let sent = format!("{method} {path} ({})", media_type(&event).unwrap_or("no body"));
            let answer = send(&f, &event).await;
            if !(200..400).contains(&answer.status) {
                failures.push(format!("{sent}: the sample answered {}", answer.status));
            }
            match operation.responses.get(&answer.status) {
                None => failures.push(format!("{sent}: answered {}, which is not documented", answer.status)),
                Some(media) if media.is_empty() => {
                    if !answer.empty {
                        failures.push(format!("{sent}: {} documents no content but has a body", answer.status));
                    }
                }
                Some(media) => {
                    if !answer.content_type.as_ref().is_some_and(|c| media.contains(c)) {
                        failures.push(format!(
                            "{sent}: {} answered as {:?}, documented {media:?}",
                            answer.status, answer.content_type
                        ));
                    }
                }
            }
        }
    }

    // Every other method on a documented path is refused, naming what the path takes.
    let paths: BTreeSet<&String> = operations.keys().map(|(_, p)| p).collect();
    for path in paths {
        let documented: Vec<&str> = METHODS
            .iter()
            .copied()
            .filter(|m| operations.contains_key(&((*m).to_owned(), path.clone())))
            .collect();
        let allow = documented
            .iter()
            .copied()
            .filter(|m| *m != "OPTIONS")
            .collect::<Vec<_>>()
            .join(", ");
        for method in METHODS.iter().filter(|m| !documented.contains(m)) {
            let answer = send(&f, &aimed(samples[0].clone(), method, path, &tokens)).await;
            if (answer.status, answer.allow.as_deref()) != (405, Some(allow.as_str())) {
                failures.push(format!(
                    "{method} {path}: answered {} with Allow {:?}, expected 405 with {allow:?}",
                    answer.status, answer.allow
                ));
            }
        }
        let deeper = format!("{path}/more");
        let answer = send(&f, &aimed(samples[0].clone(), "GET", &deeper, &tokens)).await;
        if answer.status != 404 || answer.content_type.as_deref() != Some("application/json") {
            failures.push(format!(
                "GET {deeper}: answered {}, expected the JSON 404",
                answer.status
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
