//! Keeps `openapi.yaml` honest: it names exactly the router's operations, each lists a 401,
//! each that takes a JSON body lists a 422, every `$ref` points at a component, and the main
//! schemas hold exactly the fields the domain types serialize. Plain values only; no AWS.
//!
//! The public operations (tag `public`) belong to the `contact-form` function, not to this
//! router: here they only have to be marked as public; `functions/contact-form/tests/openapi.rs`
//! checks them against that function.

use std::collections::BTreeSet;

use serde::Serialize;
use serde_yaml::Value;
use shared::domain::calendar::{Calendar, CalendarDraft, CalendarId};
use shared::domain::template_library::{Template, TemplateName};
use shared::domain::{
    Actor, Agent, AgentId, AgentSubject, Attachment, AuditEvent, Author, BlobRef, Channel, Contact, ContactId,
    CustomFields, Delivery, Department, DepartmentId, EmailAddress, EmailDetails, EventId, EventType, FieldChange,
    Language, Level, Message, MessageId, PhoneNumber, Priority, Role, Seniority, Status, SupportLevel, Ticket,
    TicketId, TicketNumber, TicketPointer, TicketType, Timestamp, Version, Visibility, Writer,
};

/// The router's operations, in the order of `src/routes/mod.rs`.
const OPERATIONS: &[(&str, &str)] = &[
    ("GET", "/v1/tickets"),
    ("POST", "/v1/tickets"),
    ("GET", "/v1/tickets/{ticket}"),
    ("PATCH", "/v1/tickets/{ticket}"),
    ("POST", "/v1/tickets/{ticket}/replies"),
    ("POST", "/v1/tickets/{ticket}/notes"),
    ("POST", "/v1/tickets/{ticket}/merge"),
    ("GET", "/v1/tickets/{ticket}/messages"),
    ("GET", "/v1/tickets/{ticket}/messages/{message}/attachments/{index}"),
    (
        "GET",
        "/v1/tickets/{ticket}/messages/{message}/attachments/{index}/link",
    ),
    ("GET", "/v1/tickets/{ticket}/messages/{message}/raw"),
    ("POST", "/v1/uploads"),
    ("GET", "/v1/tickets/{ticket}/audit"),
    ("GET", "/v1/tickets/{ticket}/sla"),
    ("GET", "/v1/contacts"),
    ("POST", "/v1/contacts"),
    ("GET", "/v1/contacts/{contact}"),
    ("PATCH", "/v1/contacts/{contact}"),
    ("GET", "/v1/contacts/{contact}/tickets"),
    ("GET", "/v1/departments"),
    ("POST", "/v1/departments"),
    ("GET", "/v1/departments/{department}"),
    ("PATCH", "/v1/departments/{department}"),
    ("GET", "/v1/agents"),
    ("POST", "/v1/agents"),
    ("GET", "/v1/assignees"),
    ("GET", "/v1/agents/me"),
    ("GET", "/v1/agents/{agent}"),
    ("PATCH", "/v1/agents/{agent}"),
    ("GET", "/v1/rules"),
    ("POST", "/v1/rules"),
    ("POST", "/v1/rules/dry-run"),
    ("GET", "/v1/rules/{rule}"),
    ("PUT", "/v1/rules/{rule}"),
    ("DELETE", "/v1/rules/{rule}"),
    ("GET", "/v1/sla-policies"),
    ("POST", "/v1/sla-policies"),
    ("GET", "/v1/sla-policies/{policy}"),
    ("PUT", "/v1/sla-policies/{policy}"),
    ("DELETE", "/v1/sla-policies/{policy}"),
    ("GET", "/v1/satisfaction"),
    ("GET", "/v1/settings/surveys"),
    ("PUT", "/v1/settings/surveys"),
    ("GET", "/v1/settings/retention"),
    ("PUT", "/v1/settings/retention"),
    ("GET", "/v1/templates"),
    ("GET", "/v1/templates/{name}/{language}"),
    ("PUT", "/v1/templates/{name}/{language}"),
    ("DELETE", "/v1/templates/{name}/{language}"),
    ("GET", "/v1/calendars"),
    ("POST", "/v1/calendars"),
    ("GET", "/v1/calendars/default"),
    ("PUT", "/v1/calendars/default"),
    ("GET", "/v1/calendars/{calendar}"),
    ("PUT", "/v1/calendars/{calendar}"),
    ("DELETE", "/v1/calendars/{calendar}"),
    ("GET", "/v1/metrics"),
    ("GET", "/v1/report-subscriptions"),
    ("POST", "/v1/report-subscriptions"),
    ("GET", "/v1/report-subscriptions/{subscription}"),
    ("PUT", "/v1/report-subscriptions/{subscription}"),
    ("DELETE", "/v1/report-subscriptions/{subscription}"),
    ("GET", "/v1/search"),
    ("GET", "/v1/canned-responses"),
    ("POST", "/v1/canned-responses"),
    ("PUT", "/v1/canned-responses/{canned}"),
    ("DELETE", "/v1/canned-responses/{canned}"),
    ("POST", "/v1/contacts/{contact}/export"),
    ("POST", "/v1/contacts/{contact}/erase"),
    ("GET", "/v1/privacy-requests"),
];

const HTTP_METHODS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/// The tag of the operations served by `contact-form` on the public API.
const PUBLIC_TAG: &str = "public";

fn is_public(operation: &Value) -> bool {
    operation["tags"]
        .as_sequence()
        .is_some_and(|tags| tags.iter().any(|t| t.as_str() == Some(PUBLIC_TAG)))
}

fn spec() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../openapi.yaml");
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Every operation in the document: (METHOD, path, operation object).
fn operations(spec: &Value) -> Vec<(String, String, &Value)> {
    let paths = spec["paths"].as_mapping().expect("`paths` is a mapping");
    let mut found = Vec::new();
    for (path, item) in paths {
        let path = path.as_str().expect("paths are strings");
        for (key, operation) in item.as_mapping().expect("a path item is a mapping") {
            let key = key.as_str().unwrap_or_default();
            if HTTP_METHODS.contains(&key) {
                found.push((key.to_uppercase(), path.to_owned(), operation));
            }
        }
    }
    found
}

/// Follows a local `$ref` (`#/a/b`) through the document.
fn resolve<'a>(spec: &'a Value, reference: &str) -> Option<&'a Value> {
    let pointer = reference.strip_prefix("#/")?;
    pointer.split('/').try_fold(spec, |node, token| {
        let token = token.replace("~1", "/").replace("~0", "~");
        match node {
            Value::Mapping(m) => m.get(token.as_str()),
            Value::Sequence(s) => s.get(token.parse::<usize>().ok()?),
            _ => None,
        }
    })
}

/// The object itself, or what its `$ref` points at.
fn deref<'a>(spec: &'a Value, node: &'a Value) -> &'a Value {
    match node.get("$ref").and_then(Value::as_str) {
        Some(reference) => resolve(spec, reference).unwrap_or_else(|| panic!("unresolved {reference}")),
        None => node,
    }
}

/// Whether the operation lists `code` (as the usual quoted key, or a bare YAML number).
fn has_response(operation: &Value, code: u64) -> bool {
    let text = code.to_string();
    operation["responses"].as_mapping().is_some_and(|m| {
        m.keys()
            .any(|k| k.as_str() == Some(text.as_str()) || k.as_u64() == Some(code))
    })
}

fn collect_refs<'a>(node: &'a Value, at: &mut Vec<String>, found: &mut Vec<(String, &'a str)>) {
    match node {
        Value::Mapping(m) => {
            for (k, v) in m {
                let key = match k {
                    Value::String(s) => s.clone(),
                    other => format!("{other:?}"),
                };
                if key == "$ref"
                    && let Some(target) = v.as_str()
                {
                    found.push((at.join("/"), target));
                }
                at.push(key);
                collect_refs(v, at, found);
                at.pop();
            }
        }
        Value::Sequence(s) => {
            for (i, v) in s.iter().enumerate() {
                at.push(i.to_string());
                collect_refs(v, at, found);
                at.pop();
            }
        }
        _ => {}
    }
}

#[test]
fn the_document_describes_the_router() {
    let spec = spec();
    assert!(
        spec["openapi"].as_str().is_some_and(|v| v.starts_with("3.1.")),
        "openapi: {:?}",
        spec["openapi"]
    );

    let expected: BTreeSet<(String, String)> = OPERATIONS
        .iter()
        .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    assert_eq!(expected.len(), OPERATIONS.len(), "OPERATIONS lists an operation twice");
    let (public, documented): (Vec<_>, Vec<_>) = operations(&spec).into_iter().partition(|(_, _, o)| is_public(o));
    assert!(!public.is_empty(), "no operation is tagged {PUBLIC_TAG}");
    let mut failures = Vec::new();
    for (method, path, operation) in &public {
        // No authorizer in front: the document must not promise or demand a bearer token.
        if operation["security"].as_sequence().is_none_or(|s| !s.is_empty()) {
            failures.push(format!("{method} {path}: public, but not `security: []`"));
        }
        if has_response(operation, 401) {
            failures.push(format!("{method} {path}: public, but lists a 401"));
        }
        if path.starts_with("/v1/") && !path.starts_with("/v1/contact") {
            failures.push(format!("{method} {path}: public, but under the agents' /v1/ routes"));
        }
    }
    let actual: BTreeSet<(String, String)> = documented.iter().map(|(m, p, _)| (m.clone(), p.clone())).collect();
    let missing: Vec<_> = expected.difference(&actual).collect();
    let extra: Vec<_> = actual.difference(&expected).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing from openapi.yaml: {missing:?}; not in the router: {extra:?}"
    );

    for (method, path, operation) in &documented {
        if operation.get("security").is_some() {
            failures.push(format!("{method} {path}: overrides the bearer token requirement"));
        }
        if !has_response(operation, 401) {
            failures.push(format!("{method} {path}: no 401 response"));
        }
        let json_body = operation
            .get("requestBody")
            .map(|body| deref(&spec, body))
            .is_some_and(|body| body["content"].get("application/json").is_some());
        // Every POST, PUT and PATCH handler reads a JSON body; nothing else does.
        let reads_body = matches!(method.as_str(), "POST" | "PUT" | "PATCH");
        if json_body != reads_body {
            failures.push(format!(
                "{method} {path}: JSON request body documented: {json_body}, read: {reads_body}"
            ));
        }
        if json_body && !has_response(operation, 422) {
            failures.push(format!("{method} {path}: takes a JSON body but lists no 422"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The error body as the function writes it: every code and field it uses is documented,
/// including the contact form's `fields` and `too_many_requests`.
#[test]
fn the_error_schema_covers_the_errors_the_functions_answer() {
    use shared::http::ApiError;
    let spec = spec();
    let error = &schema(&spec, "Error")["properties"]["error"];
    let codes = names(&error["properties"]["code"]["enum"]);
    let properties = names(&error["properties"]);
    let errors = [
        ApiError::InvalidFields(vec![
            ("email".into(), "not an email address".into()),
            ("category".into(), "choose one of the listed categories".into()),
        ]),
        ApiError::TooManyRequests { retry_after: 1740 },
        ApiError::bad_field("limit", "must be a whole number from 1 to 100"),
        ApiError::PayloadTooLarge { limit: 131_072 },
        ApiError::UnsupportedMediaType {
            accepted: "application/json",
        },
        ApiError::Unavailable,
        ApiError::ConflictBecause {
            code: "different_requesters",
            message: "HD-1 and HD-2 have different requesters".into(),
        },
    ];
    let mut failures = Vec::new();
    for e in errors {
        let response = e.into_response();
        let retry_after = response.headers().get("retry-after").cloned();
        let status = response.status().as_u16();
        let body: serde_json::Value = match response.body() {
            lambda_http::Body::Text(t) => serde_json::from_str(t).unwrap(),
            other => panic!("{other:?}"),
        };
        let error = body["error"].as_object().expect("an error object");
        let code = error["code"].as_str().unwrap();
        if !codes.contains(code) {
            failures.push(format!("code {code} is not in Error.code"));
        }
        for key in error.keys().filter(|k| !properties.contains(*k)) {
            failures.push(format!("{code}: `{key}` is not in Error.error"));
        }
        if status == 429 && retry_after.is_none() {
            failures.push("429 without Retry-After".into());
        }
        if let Some(fields) = error.get("fields") {
            for f in fields.as_array().unwrap() {
                let keys: BTreeSet<String> = f.as_object().unwrap().keys().cloned().collect();
                let documented = names(&schema(&spec, "FieldError")["properties"]);
                if keys != documented {
                    failures.push(format!("fields: {keys:?}, FieldError {documented:?}"));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_ref_points_at_a_component() {
    let spec = spec();
    let mut refs = Vec::new();
    collect_refs(&spec, &mut Vec::new(), &mut refs);
    assert!(!refs.is_empty(), "no $ref at all");
    let broken: Vec<String> = refs
        .iter()
        .filter(|(_, target)| !target.starts_with("#/components/") || resolve(&spec, target).is_none())
        .map(|(at, target)| format!("{at}: {target}"))
        .collect();
    assert!(
        broken.is_empty(),
        "$refs that point at no component:\n{}",
        broken.join("\n")
    );
}

fn keys(value: &impl Serialize) -> BTreeSet<String> {
    let json = serde_json::to_value(value).expect("serializes");
    json.as_object().expect("a JSON object").keys().cloned().collect()
}

fn schema<'a>(spec: &'a Value, name: &str) -> &'a Value {
    spec["components"]["schemas"]
        .get(name)
        .unwrap_or_else(|| panic!("no schema {name}"))
}

fn names(node: &Value) -> BTreeSet<String> {
    match node {
        Value::Mapping(m) => m.keys().filter_map(Value::as_str).map(str::to_owned).collect(),
        Value::Sequence(s) => s.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
        _ => BTreeSet::new(),
    }
}

/// A schema's properties must be the fields of `full` (every optional field set), and its
/// required list the fields of `minimal` (every optional field unset).
fn check_object(spec: &Value, name: &str, minimal: &impl Serialize, full: &impl Serialize, failures: &mut Vec<String>) {
    let s = schema(spec, name);
    let (properties, required) = (names(&s["properties"]), names(&s["required"]));
    if properties != keys(full) {
        failures.push(format!(
            "{name}: properties {properties:?}, serialized {:?}",
            keys(full)
        ));
    }
    if required != keys(minimal) {
        failures.push(format!(
            "{name}: required {required:?}, always serialized {:?}",
            keys(minimal)
        ));
    }
}

fn check_enum<T: Serialize>(spec: &Value, name: &str, variants: &[T], failures: &mut Vec<String>) {
    let documented = names(&schema(spec, name)["enum"]);
    let serialized: BTreeSet<String> = variants
        .iter()
        .map(|v| {
            serde_json::to_value(v)
                .expect("serializes")
                .as_str()
                .expect("a string")
                .to_owned()
        })
        .collect();
    if documented != serialized {
        failures.push(format!("{name}: enum {documented:?}, serialized {serialized:?}"));
    }
}

#[test]
fn the_schemas_match_the_domain_types() {
    let spec = spec();
    let now = Timestamp::parse("2026-11-23T09:00:00Z").unwrap();
    let ticket_id = TicketId::generate(now);
    let number = TicketNumber::new(1042);
    let pointer = TicketPointer { id: ticket_id, number };
    let closed = TicketPointer {
        id: TicketId::generate(now),
        number: TicketNumber::new(1017),
    };
    let email = EmailAddress::parse("jana@example.com").unwrap();
    let support = DepartmentId::parse("support").unwrap();
    let desk = EmailAddress::parse("support@help.example.com").unwrap();
    let mut failures = Vec::new();

    let ticket = Ticket {
        id: ticket_id,
        number,
        subject: "Printer on fire".into(),
        status: Status::New,
        priority: Priority::Normal,
        ticket_type: Some(TicketType::Incident),
        channel: Channel::Email,
        department: Some(support.clone()),
        assignee: None,
        support_level: SupportLevel::L1,
        tags: BTreeSet::new(),
        custom_fields: CustomFields::new(),
        requester: ContactId::generate(now),
        requester_groups: BTreeSet::from([shared::domain::ContactGroup::parse("vip").unwrap()]),
        cc: vec![],
        created_at: now,
        updated_at: now,
        first_response_at: None,
        resolved_at: None,
        closed_at: None,
        merged_into: Some(pointer),
        follow_up_of: Some(closed),
        sla: None,
        version: Version::FIRST,
        satisfaction: None,
        anonymised_at: None,
    };
    let draft = |calendar: Option<&str>| -> shared::domain::sla::SlaPolicyDraft {
        serde_json::from_value(
            serde_json::json!({"name": "Urgent", "position": 1, "calendar": calendar,
            "targets": {"urgent": {"first_response": 60}}}),
        )
        .unwrap()
    };
    let policy = |calendar| {
        shared::domain::sla::SlaPolicy::from_draft(
            shared::domain::SlaPolicyId::generate(now),
            draft(calendar),
            now,
            now,
        )
    };
    check_object(
        &spec,
        "SlaPolicy",
        &policy(None),
        &policy(Some("prague")),
        &mut failures,
    );
    let mut measured = ticket.clone();
    let book = shared::domain::sla::SlaBook::new(vec![(policy(None), Default::default())]);
    measured.priority = Priority::Urgent;
    shared::domain::sla::settle(&mut measured, Default::default(), now, &book);
    let sla = measured.sla.clone().expect("the policy applies");
    check_object(&spec, "TicketSla", &sla, &sla, &mut failures);
    check_object(&spec, "SlaClock", &sla.clocks[0], &sla.clocks[0], &mut failures);
    let standing = sla.standing(now, &Default::default());
    check_object(&spec, "ClockStanding", &standing[0], &standing[0], &mut failures);
    let none = shared::usecases::desk::SlaStanding {
        policy_id: None,
        policy_name: None,
        at: now,
        clocks: vec![],
    };
    let some = shared::usecases::desk::SlaStanding {
        policy_id: Some(sla.policy_id),
        policy_name: Some(sla.policy_name.clone()),
        at: now,
        clocks: standing,
    };
    check_object(&spec, "SlaStanding", &none, &some, &mut failures);
    let rated = Ticket {
        satisfaction: Some(shared::domain::satisfaction::Satisfaction {
            rating: shared::domain::satisfaction::Rating::Bad,
            score: Some(shared::domain::satisfaction::Score::try_from(2).unwrap()),
            comment: shared::domain::satisfaction::Comment::parse("Slow").unwrap(),
            at: now,
            ratings: 1,
            agent: Some(shared::domain::AgentId::generate(now)),
        }),
        anonymised_at: Some(now),
        ..ticket.clone()
    };
    check_object(&spec, "Ticket", &ticket, &rated, &mut failures);
    let satisfaction = rated.satisfaction.clone().unwrap();
    let first = shared::domain::satisfaction::Satisfaction {
        comment: None,
        agent: None,
        score: None,
        ..satisfaction.clone()
    };
    check_object(&spec, "Satisfaction", &first, &satisfaction, &mut failures);
    let record = shared::ports::RatingRecord {
        ticket_id,
        ticket_number: number,
        rating: satisfaction.rating,
        comment: Some("Slow".into()),
        at: now,
        ratings: 1,
        agent: satisfaction.agent,
        department: Some(support.clone()),
    };
    let bare_record = shared::ports::RatingRecord {
        comment: None,
        agent: None,
        department: None,
        ..record.clone()
    };
    check_object(&spec, "RatingRecord", &bare_record, &record, &mut failures);
    let tally = shared::domain::nps::NpsTally::of([]);
    check_object(&spec, "NpsTally", &tally, &tally, &mut failures);

    let draft: shared::domain::metrics::subscription::SubscriptionDraft = serde_json::from_value(
        serde_json::json!({"recipients": ["lead@example.com"], "frequency": "daily", "hour": 7, "time_zone": "UTC"}),
    )
    .unwrap();
    let subscription = shared::domain::metrics::subscription::ReportSubscription::new(
        shared::domain::ReportSubscriptionId::generate(now),
        draft.check().unwrap(),
        "lea".into(),
        now,
    );
    check_object(&spec, "ReportSubscription", &subscription, &subscription, &mut failures);
    let settings = shared::domain::satisfaction::SurveySettings::of(Default::default(), Default::default());
    check_object(&spec, "SurveySettings", &settings, &settings, &mut failures);
    let retention = shared::domain::retention::RetentionSettings {
        solved_ticket_months: Some(24),
    };
    check_object(&spec, "RetentionSettings", &retention, &retention, &mut failures);
    check_enum(
        &spec,
        "Rating",
        &shared::domain::satisfaction::Rating::ALL,
        &mut failures,
    );
    check_object(&spec, "TicketPointer", &pointer, &pointer, &mut failures);

    let contact = Contact {
        id: ContactId::generate(now),
        name: None,
        email: Some(email.clone()),
        phone: Some(PhoneNumber::parse("+420601234567").unwrap()),
        language: Some(Language::parse("cs").unwrap()),
        created_at: now,
        undeliverable: true,
        groups: BTreeSet::from([shared::domain::ContactGroup::parse("vip").unwrap()]),
    };
    check_object(&spec, "Contact", &contact, &contact, &mut failures);

    let reply = Message {
        id: MessageId::generate(now),
        ticket_id,
        writer: Writer::Agent(AgentSubject::new("sub")),
        visibility: Visibility::Public,
        from: None,
        body_text: "Hello".into(),
        delivery: Delivery::Queued,
        created_at: now,
        carried_from: None,
        body_html: None,
        quoted_text: None,
        attachments: vec![],
        email: None,
    };
    let mail_bucket = "lambdesk-mail-123456789012-eu-central-1";
    let message_id = MessageId::generate(now);
    let attachment = Attachment {
        name: "IMG_2043.jpg".into(),
        content_type: "image/jpeg".into(),
        size: 284_731,
        inline: false,
        content_id: Some("f_m3x9k2q10".into()),
        blob: BlobRef {
            bucket: mail_bucket.into(),
            key: format!("attachments/{message_id}/1-IMG_2043.jpg"),
        },
        quarantined: false,
    };
    let raw = BlobRef {
        bucket: mail_bucket.into(),
        key: "inbound/o3vrnil0e2ic28trm7dfhrc2v0cnbeccl4nbp0g01".into(),
    };
    let details = EmailDetails {
        message_id: Some("CAH7b3kQ9x1Lr2pWZt4@mail.example.com".into()),
        in_reply_to: vec!["0107019ab0d7e5c3-5c1e-4d2b-8f3a-6e9b1c7d2a40-000000@eu-central-1.amazonses.com".into()],
        references: vec!["0107019ab0d7e5c3-5c1e-4d2b-8f3a-6e9b1c7d2a40-000000@eu-central-1.amazonses.com".into()],
        subject: "Re: [HD-1042] Printer on fire".into(),
        to: vec![desk],
        cc: vec![EmailAddress::parse("facilities@example.com").unwrap()],
        raw: Some(raw.clone()),
        automated: false,
        notes: vec!["IMG_2044.mov (24117248 bytes) is larger than the attachment limit; the raw message has it".into()],
        forged_sender: false,
        virus_flagged: false,
    };
    let from_mail = Message {
        id: message_id,
        writer: Writer::Customer(ContactId::generate(now)),
        from: Some(email.clone()),
        body_text: "Thank you! The new one works.".into(),
        delivery: Delivery::None,
        body_html: Some("<p>Thank you! The new one works.</p>".into()),
        quoted_text: Some("On Mon, 23 Nov 2026 at 10:41, Support wrote:\n> Hello Jana,".into()),
        attachments: vec![attachment.clone()],
        email: Some(details.clone()),
        ..reply.clone()
    };
    check_object(&spec, "Message", &reply, &from_mail, &mut failures);
    check_object(&spec, "Attachment", &attachment, &attachment, &mut failures);
    check_object(&spec, "BlobRef", &raw, &raw, &mut failures);
    check_object(&spec, "EmailDetails", &details, &details, &mut failures);

    let minimal = AuditEvent {
        id: EventId::generate(now),
        event_type: EventType::TicketCreated,
        ticket_id,
        ticket_number: number,
        actor: Actor::System { cause: "test".into() },
        at: now,
        changes: vec![],
        message_id: None,
        related: None,
        carried_from: None,
        reason: None,
    };
    let change = FieldChange::new(shared::domain::TicketField::Status, Status::New, Status::Open);
    let full = AuditEvent {
        changes: vec![change.clone()],
        message_id: Some(MessageId::generate(now)),
        related: Some(pointer),
        carried_from: Some(ticket_id),
        reason: Some("priority changed".into()),
        ..minimal.clone()
    };
    check_object(&spec, "AuditEvent", &minimal, &full, &mut failures);
    check_object(&spec, "FieldChange", &change, &change, &mut failures);

    for (name, actor) in [
        (
            "AgentActor",
            Actor::Agent {
                subject: "sub".into(),
                role: Role::Agent,
            },
        ),
        (
            "CustomerActor",
            Actor::customer(shared::domain::ContactId::generate(now)),
        ),
        ("SystemActor", Actor::System { cause: "sla".into() }),
        (
            "RuleActor",
            Actor::Rule {
                rule_id: shared::domain::RuleId::generate(now),
                name: "Billing mail".into(),
                depth: 1,
            },
        ),
    ] {
        check_object(&spec, name, &actor, &actor, &mut failures);
        let kind = serde_json::to_value(&actor).unwrap()["kind"]
            .as_str()
            .unwrap()
            .to_owned();
        let documented = schema(&spec, name)["properties"]["kind"]["const"]
            .as_str()
            .map(str::to_owned);
        if documented.as_deref() != Some(kind.as_str()) {
            failures.push(format!("{name}: kind {documented:?}, serialized {kind}"));
        }
    }

    let department = Department {
        id: support.clone(),
        name: "Support".into(),
        lead: None,
        calendar_id: Some(CalendarId::parse("prague").unwrap()),
        created_at: now,
        updated_at: now,
    };
    check_object(&spec, "Department", &department, &department, &mut failures);

    let draft: CalendarDraft = serde_json::from_value(serde_json::json!({
        "name": "Prague", "time_zone": "Europe/Prague",
        "weekly_hours": {"mon": [{"from": "09:00", "to": "17:00"}]},
        "holidays": [{"date": "2026-12-24", "yearly": true, "name": "Christmas Eve"}],
    }))
    .unwrap();
    // A draft may leave `holidays` out, so only its properties are compared.
    let draft_keys = names(&schema(&spec, "CalendarDraft")["properties"]);
    if draft_keys != keys(&draft) {
        failures.push(format!(
            "CalendarDraft: properties {draft_keys:?}, serialized {:?}",
            keys(&draft)
        ));
    }
    let calendar = Calendar::new(CalendarId::parse("prague").unwrap(), draft.check().unwrap(), now);
    check_object(&spec, "Calendar", &calendar, &calendar, &mut failures);
    let day_keys: BTreeSet<String> = names(&schema(&spec, "WeeklyHours")["properties"]);
    if day_keys != keys(&calendar.weekly_hours) {
        failures.push(format!(
            "WeeklyHours: properties {day_keys:?}, serialized {:?}",
            keys(&calendar.weekly_hours)
        ));
    }
    let holiday_keys = names(&schema(&spec, "Holiday")["properties"]);
    if holiday_keys != keys(&calendar.holidays[0]) {
        failures.push(format!(
            "Holiday: properties {holiday_keys:?}, serialized {:?}",
            keys(&calendar.holidays[0])
        ));
    }

    let template = Template::stored(
        TemplateName::parse("acknowledgement").unwrap(),
        Language::parse("cs").unwrap(),
        "s".into(),
        "t".into(),
        "admin",
        now,
    )
    .unwrap();
    check_object(&spec, "Template", &template, &template, &mut failures);

    let agent = Agent {
        id: AgentId::generate(now),
        email,
        name: "Petr".into(),
        role: Role::Agent,
        seniority: Seniority::Regular,
        departments: [support].into(),
        active: true,
        created_at: now,
        updated_at: now,
    };
    check_object(&spec, "Agent", &agent, &agent, &mut failures);
    let assignee = shared::domain::Assignee::from(&agent);
    check_object(&spec, "Assignee", &assignee, &assignee, &mut failures);

    // The contact form's upload, and its field errors inside the error body.
    let form_upload = shared::usecases::files::FormUpload {
        upload_id: "01JD3X7R9Q2M4N6P8S0T1V3W5Y/invoice.pdf".into(),
        method: "POST",
        url: "https://lambdesk-mail-123456789012-eu-central-1.s3.eu-central-1.amazonaws.com".into(),
        fields: [(
            "key".to_owned(),
            "form-uploads/01JD3X7R9Q2M4N6P8S0T1V3W5Y/invoice.pdf".to_owned(),
        )]
        .into(),
        max_bytes: shared::domain::files::MAX_UPLOAD_BYTES,
        expires_at: now,
    };
    check_object(&spec, "FormUpload", &form_upload, &form_upload, &mut failures);
    let documented_max = schema(&spec, "FormUpload")["properties"]["max_bytes"]["const"].as_u64();
    if documented_max != Some(form_upload.max_bytes) {
        failures.push(format!(
            "FormUpload.max_bytes: const {documented_max:?}, serialized {}",
            form_upload.max_bytes
        ));
    }
    let field_error = serde_json::json!({ "field": "email", "message": "not an email address" });
    check_object(&spec, "FieldError", &field_error, &field_error, &mut failures);

    check_enum(&spec, "Status", &Status::ALL, &mut failures);
    check_enum(
        &spec,
        "Priority",
        &[Priority::Low, Priority::Normal, Priority::High, Priority::Urgent],
        &mut failures,
    );
    check_enum(&spec, "Level", &[Level::Low, Level::Medium, Level::High], &mut failures);
    let types = [
        TicketType::Question,
        TicketType::Incident,
        TicketType::Problem,
        TicketType::Task,
    ];
    check_enum(&spec, "TicketType", &types, &mut failures);
    check_enum(
        &spec,
        "SupportLevel",
        &[SupportLevel::L1, SupportLevel::L2, SupportLevel::L3],
        &mut failures,
    );
    check_enum(
        &spec,
        "Channel",
        &[Channel::Email, Channel::Form, Channel::Phone, Channel::Api],
        &mut failures,
    );
    check_enum(
        &spec,
        "Author",
        &[Author::Customer, Author::Agent, Author::System],
        &mut failures,
    );
    check_enum(
        &spec,
        "Visibility",
        &[Visibility::Public, Visibility::Internal],
        &mut failures,
    );
    let deliveries = [
        Delivery::None,
        Delivery::Queued,
        Delivery::Sent,
        Delivery::Failed,
        Delivery::Delivered,
        Delivery::Bounced,
        Delivery::Complained,
    ];
    check_enum(&spec, "Delivery", &deliveries, &mut failures);
    check_enum(&spec, "Role", &[Role::Agent, Role::Manager, Role::Admin], &mut failures);
    check_enum(
        &spec,
        "Seniority",
        &[Seniority::Junior, Seniority::Regular, Seniority::Senior],
        &mut failures,
    );
    use EventType::*;
    let events = [
        TicketCreated,
        TicketUpdated,
        CustomerReplied,
        AgentReplied,
        NoteAdded,
        TicketMerged,
        TicketMergedInto,
        SlaApplied,
        SlaWarning,
        SlaBreached,
        CsatReceived,
    ];
    check_enum(&spec, "EventType", &events, &mut failures);

    assert!(
        failures.is_empty(),
        "openapi.yaml and the domain types disagree:\n{}",
        failures.join("\n")
    );
}

/// A browser console calls every route through CORS: the HTTP API's preflight must allow each
/// method the router answers, or the browser blocks the call before it reaches the function.
#[test]
fn the_http_api_cors_allows_every_method_the_router_answers() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../template.yaml");
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let template: Value = serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
    let allowed: BTreeSet<&str> = template["Resources"]["HttpApi"]["Properties"]["CorsConfiguration"]["AllowMethods"]
        .as_sequence()
        .expect("HttpApi has CorsConfiguration.AllowMethods")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let missing: BTreeSet<&str> = OPERATIONS
        .iter()
        .map(|(method, _)| *method)
        .filter(|method| !allowed.contains(method))
        .collect();
    assert!(missing.is_empty(), "HttpApi CORS does not allow {missing:?}");
}
