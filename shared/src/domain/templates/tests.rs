use proptest::prelude::*;

use super::*;

fn full() -> TemplateContext {
    TemplateContext {
        contact_name: Some("Jana Nováková".to_owned()),
        ticket_number: "HD-1042".to_owned(),
        ticket_subject: "Printer is broken".to_owned(),
        agent_name: Some("Petr Svoboda".to_owned()),
        team_name: "Customer Support".to_owned(),
        body: Some("First line\nsecond line\n\nNew paragraph".to_owned()),
        status_link: Some("https://help.example.com/t/abc".to_owned()),
        survey_good_link: Some("https://help.example.com/survey/abc?rating=good".to_owned()),
        survey_bad_link: Some("https://help.example.com/survey/abc?rating=bad".to_owned()),
        survey_score_links: vec![],
        nps_links: (0..=10)
            .map(|score| format!("https://help.example.com/survey/abc?score={score}"))
            .collect(),
    }
}

fn bare() -> TemplateContext {
    TemplateContext {
        ticket_number: "HD-1042".to_owned(),
        ticket_subject: "Printer is broken".to_owned(),
        team_name: "Customer Support".to_owned(),
        ..TemplateContext::default()
    }
}

/// Every mail but the NPS survey is about one ticket (NPS asks about the desk).
fn about_a_ticket(kind: TemplateKind) -> bool {
    kind != TemplateKind::NpsSurvey
}

fn lang(text: &str) -> Language {
    Language::parse(text).unwrap()
}

fn render_in(kind: TemplateKind, language: &str, context: &TemplateContext) -> RenderedMail {
    render(kind, Some(&lang(language)), context).unwrap_or_else(|error| panic!("{}/{language}: {error}", kind.as_str()))
}

#[test]
fn every_kind_and_language_renders_with_and_without_optional_values() {
    for kind in TemplateKind::ALL {
        for language in SHIPPED_LANGUAGES {
            assert!(default_source(kind, language).is_some());
            for (label, context) in [("full", full()), ("bare", bare())] {
                let mail = render_in(kind, language, &context);
                let at = format!("{}/{language}/{label}", kind.as_str());
                if about_a_ticket(kind) {
                    assert!(mail.subject.contains("Printer is broken"), "{at}: {}", mail.subject);
                    assert!(mail.text.contains("HD-1042"), "{at}: {}", mail.text);
                    assert!(mail.html.contains("HD-1042"), "{at}");
                }
                assert!(mail.text.contains("Customer Support"), "{at}: {}", mail.text);
                assert!(!mail.subject.contains("[#"), "{at}: the composer adds the token");
                for part in [&mail.subject, &mail.text] {
                    assert!(!part.contains("{{") && !part.contains("{%"), "{at}: {part}");
                    assert!(!part.to_lowercase().contains("none"), "{at}: {part}");
                    assert!(!part.contains("\n\n\n"), "{at}: {part:?}");
                    assert!(!part.starts_with(char::is_whitespace), "{at}: {part:?}");
                }
                assert!(mail.text.ends_with('\n') && !mail.text.ends_with("\n\n"), "{at}");
                assert!(
                    !mail.text.lines().any(|line| line.ends_with(' ')),
                    "{at}: {:?}",
                    mail.text
                );
                if label == "full" {
                    assert!(mail.text.contains("Customer Support"), "{at}");
                    // The mails to agents carry no customer link.
                    let link = matches!(kind, TemplateKind::Acknowledgement | TemplateKind::AgentReply);
                    assert_eq!(mail.text.contains("https://help.example.com/t/abc"), link, "{at}");
                    if kind == TemplateKind::AgentReply {
                        assert!(mail.text.contains("Petr Svoboda"), "{at}");
                    }
                    if matches!(kind, TemplateKind::AgentReply | TemplateKind::CustomerReplied) {
                        assert!(mail.text.contains("second line"), "{at}");
                    }
                } else {
                    assert!(!mail.text.contains("https://"), "{at}");
                }
            }
        }
    }
}

#[test]
fn greetings_read_naturally_with_and_without_a_name() {
    let expected = [
        ("en", "Hello Jana Nováková,", "Hello,"),
        ("cs", "Dobrý den,", "Dobrý den,"),
        ("hu", "Tisztelt Jana Nováková!", "Tisztelt Ügyfelünk!"),
        ("ms", "Salam Jana Nováková,", "Salam sejahtera,"),
    ];
    for (language, named, unnamed) in expected {
        let first = |context: &TemplateContext| {
            let mail = render_in(TemplateKind::Acknowledgement, language, context);
            mail.text.lines().next().unwrap().to_owned()
        };
        assert_eq!(first(&full()), named);
        assert_eq!(first(&bare()), unnamed);
    }
    let blank_name = TemplateContext {
        contact_name: Some("  ".to_owned()),
        ..bare()
    };
    assert_eq!(first_line(TemplateKind::Acknowledgement, "en", &blank_name), "Hello,");
}

#[test]
fn an_acknowledgement_without_a_subject_says_only_that_it_was_received() {
    let anonymous = TemplateContext {
        ticket_subject: String::new(),
        ..bare()
    };
    let expected = [
        ("en", "We received your request"),
        ("cs", "Váš požadavek jsme přijali"),
        ("hu", "Megkaptuk kérését"),
        ("ms", "Kami telah menerima permintaan anda"),
    ];
    for (language, subject) in expected {
        let ack = render_in(TemplateKind::Acknowledgement, language, &anonymous);
        assert_eq!(ack.subject, subject, "{language}");
        assert!(ack.text.contains("HD-1042"), "{language}");
    }
}

fn first_line(kind: TemplateKind, language: &str, context: &TemplateContext) -> String {
    render_in(kind, language, context)
        .text
        .lines()
        .next()
        .unwrap()
        .to_owned()
}

#[test]
fn shipped_texts_say_what_the_brief_asks() {
    let ack = render_in(TemplateKind::Acknowledgement, "cs", &full());
    assert_eq!(ack.subject, "Váš požadavek jsme přijali: Printer is broken");
    assert!(ack.text.contains("Váš požadavek jsme přijali pod číslem HD-1042"));
    assert!(ack.text.ends_with("S pozdravem\nCustomer Support\n"));

    let ack = render_in(TemplateKind::Acknowledgement, "hu", &bare());
    assert!(ack.text.contains("Megkaptuk kérését"));
    let ack = render_in(TemplateKind::Acknowledgement, "ms", &bare());
    assert!(ack.text.contains("Kami telah menerima permintaan anda"));

    let reply = render_in(TemplateKind::AgentReply, "en", &full());
    assert_eq!(reply.subject, "Re: Printer is broken");
    assert_eq!(
        reply.text,
        "First line\nsecond line\n\nNew paragraph\n\nPetr Svoboda\nCustomer Support\nTicket HD-1042\n\
Follow your request: https://help.example.com/t/abc\n"
    );
    let reply = render_in(TemplateKind::AgentReply, "cs", &bare());
    assert_eq!(reply.text, "Customer Support\nPožadavek č. HD-1042\n");

    let replied = render_in(TemplateKind::CustomerReplied, "en", &full());
    assert_eq!(replied.subject, "Jana Nováková replied to HD-1042: Printer is broken");
    assert!(
        replied
            .text
            .contains("> First line\n> second line\n>\n> New paragraph\n")
    );
    let replied = render_in(TemplateKind::CustomerReplied, "en", &bare());
    assert_eq!(replied.subject, "The customer replied to HD-1042: Printer is broken");
    assert!(replied.text.starts_with("The customer replied to ticket HD-1042"));
}

#[test]
fn markup_in_a_body_is_escaped_in_html_and_intact_in_text() {
    let context = TemplateContext {
        body: Some("<script>alert(1)</script>\na < b & c".to_owned()),
        ticket_subject: "<b>bold</b>".to_owned(),
        ..full()
    };
    for kind in [TemplateKind::AgentReply, TemplateKind::CustomerReplied] {
        let mail = render_in(kind, "en", &context);
        assert!(mail.text.contains("<script>alert(1)</script>"), "{}", mail.text);
        assert!(mail.text.contains("a < b & c"), "{}", mail.text);
        assert!(!mail.html.contains("<script"), "{}", mail.html);
        assert!(!mail.html.contains("<b>"), "{}", mail.html);
        assert!(
            mail.html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{}",
            mail.html
        );
        assert!(mail.html.contains("a &lt; b &amp; c"), "{}", mail.html);
    }
}

#[test]
fn html_is_a_document_of_paragraphs_and_line_breaks() {
    let mail = render_in(TemplateKind::AgentReply, "hu", &full());
    assert!(mail.html.starts_with("<!DOCTYPE html>\n<html lang=\"hu\">"));
    assert!(mail.html.contains("<title>Re: Printer is broken</title>"));
    assert!(mail.html.contains(">First line<br>\nsecond line</p>\n"));
    assert!(mail.html.contains(">New paragraph</p>"));
    assert_eq!(mail.html.matches("<p ").count(), 3, "{}", mail.html);
    assert!(mail.html.ends_with("</body>\n</html>\n"));
}

#[test]
fn a_subject_with_a_header_injection_stays_on_one_line() {
    let context = TemplateContext {
        ticket_subject: "Help\r\nBcc: x@y.z\n\tmore\u{0}\u{2028}end".to_owned(),
        contact_name: Some("Eve\r\nX-Evil: 1".to_owned()),
        ..full()
    };
    for kind in TemplateKind::ALL {
        for language in SHIPPED_LANGUAGES {
            let mail = render_in(kind, language, &context);
            assert!(!mail.subject.chars().any(char::is_control), "{:?}", mail.subject);
            if about_a_ticket(kind) {
                assert!(mail.subject.contains("Help Bcc: x@y.z more end"), "{:?}", mail.subject);
            }
        }
    }
    let mail = render_source("{{ ticket_subject }}\n\n", "x", None, &context).unwrap();
    assert_eq!(mail.subject, "Help Bcc: x@y.z more end");
}

#[test]
fn a_long_subject_is_cut_to_the_limit() {
    let context = TemplateContext {
        ticket_subject: "word ".repeat(200),
        ..full()
    };
    let mail = render_in(TemplateKind::AgentReply, "en", &context);
    let count = mail.subject.chars().count();
    assert!((MAX_SUBJECT_CHARS - 2..=MAX_SUBJECT_CHARS).contains(&count), "{count}");
    assert!(mail.subject.ends_with("word…"), "{}", mail.subject);
}

#[test]
fn the_language_falls_back_to_english() {
    assert_eq!(shipped_language(None), "en");
    assert_eq!(shipped_language(Some(&lang("de"))), "en");
    assert_eq!(shipped_language(Some(&lang("en-GB"))), "en");
    assert_eq!(shipped_language(Some(&lang("cs"))), "cs");
    assert_eq!(shipped_language(Some(&lang("cs-CZ"))), "cs");
    assert_eq!(shipped_language(Some(&lang("hu-HU"))), "hu");
    assert_eq!(shipped_language(Some(&lang("MS"))), "ms");
    assert_eq!(shipped_language(Some(&lang("csb"))), "en");
    assert_eq!(default_source(TemplateKind::Acknowledgement, "de"), None);

    let none = render(TemplateKind::Acknowledgement, None, &bare()).unwrap();
    let german = render(TemplateKind::Acknowledgement, Some(&lang("de")), &bare()).unwrap();
    assert!(none.subject.starts_with("We received your request"));
    assert_eq!(none, german);
    let czech = render(TemplateKind::Acknowledgement, Some(&lang("cs-CZ")), &bare()).unwrap();
    assert!(czech.text.starts_with("Dobrý den,"));
    assert!(czech.html.contains("<html lang=\"cs\">"));
    let malay = render(TemplateKind::Acknowledgement, Some(&lang("MS")), &bare()).unwrap();
    assert!(malay.text.starts_with("Salam sejahtera,"));
}

#[test]
fn render_source_fills_placeholders_by_the_same_rules() {
    let RenderedMail { subject, text, html } = render_source(
        "Update on {{ ticket_number }}",
        "Hi {{ contact_name or 'there' }}, <{{ ticket_subject }}>",
        None,
        &full(),
    )
    .unwrap();
    assert_eq!(subject, "Update on HD-1042");
    assert_eq!(text, "Hi Jana Nováková, <Printer is broken>\n");
    assert!(html.contains("Hi Jana Nováková, &lt;Printer is broken&gt;"));
    assert!(!html.contains("lang="));
}

#[test]
fn render_source_rejects_an_unknown_variable() {
    for (subject, text) in [
        ("{{ ticket_number }}", "{{ customer_email }}"),
        ("{{ nope }}", "fine"),
        ("ok", "{% if secret %}x{% endif %}"),
        ("ok", "{{ ticket.number }}"),
    ] {
        let error = render_source(subject, text, None, &full()).unwrap_err();
        let TemplateError::Render { kind, message, .. } = &error;
        assert_eq!(*kind, "custom");
        assert!(message.contains("undefined"), "{error}");
    }
}

#[test]
fn render_source_rejects_a_syntax_error() {
    for (subject, text) in [
        ("{{ ticket_number", "x"),
        ("x", "{% if body %}never closed"),
        ("x", "{{ }}"),
    ] {
        let error = render_source(subject, text, None, &full()).unwrap_err();
        assert!(
            error.to_string().starts_with("template custom/custom: syntax error"),
            "{error}"
        );
    }
}

#[test]
fn render_source_refuses_large_sources_and_runaway_templates() {
    let big = "x".repeat(MAX_TEXT_SOURCE_BYTES + 1);
    assert!(render_source("s", &big, None, &full()).is_err());
    assert!(render_source(&"x".repeat(MAX_SUBJECT_SOURCE_BYTES + 1), "t", None, &full()).is_err());
    let unbounded = "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}";
    assert!(render_source("s", unbounded, None, &full()).is_err());
    let recursive = "{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}";
    assert!(render_source("s", recursive, None, &full()).is_err());
}

#[test]
fn sources_are_checked_before_they_are_stored() {
    assert!(check_sources("Re: {{ ticket_subject }}", "{{ body }}\n\n{{ team_name }}").is_ok());
    let field = |subject: &str, text: &str| match check_sources(subject, text).unwrap_err() {
        DomainError::Invalid { field, reason } => (field.into_owned(), reason.into_owned()),
        other => panic!("{other}"),
    };
    let (f, reason) = field("{{ ticket_number", "fine");
    assert_eq!(f, "subject");
    assert!(reason.contains("syntax error"), "{reason}");
    let (f, reason) = field("ok", "line one\n{{ customer_email }}");
    assert_eq!(f, "text");
    assert!(reason.contains("line 2") && reason.contains("undefined"), "{reason}");
    assert_eq!(field("  ", "x").0, "subject");
    assert_eq!(field("x", "").0, "text");
    assert_eq!(field("x", &"y".repeat(MAX_TEXT_SOURCE_BYTES + 1)).0, "text");
    for kind in TemplateKind::ALL {
        for language in SHIPPED_LANGUAGES {
            let (subject, text) = default_source(kind, language).unwrap();
            check_sources(subject, text).unwrap();
        }
    }
}

#[test]
fn a_five_point_survey_lists_its_five_links_in_every_language() {
    let links: Vec<String> = (1..=5)
        .map(|score| format!("https://help.example.com/survey/abc?score={score}"))
        .collect();
    let context = TemplateContext {
        survey_score_links: links.clone(),
        ..full()
    };
    for language in ["en", "cs", "hu", "ms"] {
        let mail = render_in(TemplateKind::SatisfactionSurvey, language, &context);
        for (i, link) in links.iter().enumerate() {
            assert!(
                mail.text.contains(&format!("{}: {link}", i + 1)),
                "{language}:\n{}",
                mail.text
            );
        }
        assert!(!mail.text.contains("rating=good"), "{language}: one scale per mail");
        let plain = render_in(TemplateKind::SatisfactionSurvey, language, &full());
        assert!(
            plain.text.contains("rating=good") && !plain.text.contains("?score="),
            "{language}"
        );
    }
}

#[test]
fn kinds_have_stable_names() {
    let names: Vec<&str> = TemplateKind::ALL.iter().map(|kind| kind.as_str()).collect();
    assert_eq!(
        names,
        [
            "acknowledgement",
            "agent_reply",
            "customer_replied",
            "escalated",
            "urgent_ticket",
            "sla_breached",
            "satisfaction_survey",
            "bad_rating",
            "nps_survey"
        ]
    );
    for kind in TemplateKind::ALL {
        assert_eq!(serde_json::to_value(kind).unwrap(), kind.as_str());
    }
}

proptest! {
    #[test]
    fn any_subject_renders_to_one_bounded_line(subject in ".{0,400}", name in proptest::option::of(".{0,60}")) {
        let context = TemplateContext { ticket_subject: subject, contact_name: name, ..full() };
        for kind in TemplateKind::ALL {
            let mail = render(kind, None, &context).unwrap();
            let unsafe_char = |c: char| c.is_control() || matches!(c, '\u{2028}' | '\u{2029}');
            prop_assert!(!mail.subject.chars().any(unsafe_char), "{:?}", mail.subject);
            prop_assert!(mail.subject.chars().count() <= MAX_SUBJECT_CHARS);
            prop_assert_eq!(mail.subject.trim(), mail.subject.as_str());
        }
    }

    #[test]
    fn no_body_can_become_markup(body in "(<|>|&|\"|'|a|script|/|\r|\n| ){0,80}") {
        let context = TemplateContext { body: Some(body), ..full() };
        for kind in [TemplateKind::AgentReply, TemplateKind::CustomerReplied] {
            let mail = render(kind, None, &context).unwrap();
            let start = mail.html.find("<body").unwrap();
            let inside = &mail.html[start..];
            let stripped = inside
                .replace("<body style=\"", "")
                .replace("<p style=\"margin:0 0 1em 0\">", "")
                .replace("</p>", "")
                .replace("<br>", "")
                .replace("</body>", "")
                .replace("</html>", "");
            prop_assert!(!stripped.contains('<'), "{}", mail.html);
        }
    }
}

#[test]
fn every_built_in_name_has_a_text_in_every_shipped_language_and_no_file_is_left_out() {
    use super::shipped::{FILES, parse};
    assert_eq!(FILES.len(), TemplateKind::ALL.len() * SHIPPED_LANGUAGES.len());
    for kind in TemplateKind::ALL {
        for language in SHIPPED_LANGUAGES {
            let found = FILES.iter().filter(|(k, l, _)| *k == kind && *l == language).count();
            assert_eq!(found, 1, "{}.{language}", kind.as_str());
        }
    }
    for (kind, language, file) in FILES {
        let at = format!("{}.{language}.txt", kind.as_str());
        let (subject, text) = parse(file).unwrap_or_else(|| panic!("{at}: a Subject: line, a blank line, the text"));
        assert!(!subject.trim().is_empty() && !text.trim().is_empty(), "{at}");
        assert!(!file.contains('\r'), "{at}: line ends are \\n");
        assert!(text.ends_with('\n') && !text.starts_with('\n'), "{at}");
    }
    // Every file in the folder is one of them: a file added there but not listed in
    // `shipped.rs` would never be sent.
    let folder = concat!(env!("CARGO_MANIFEST_DIR"), "/templates");
    for entry in std::fs::read_dir(folder).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        let Some(stem) = name.strip_suffix(".txt") else {
            continue;
        };
        let listed = FILES
            .iter()
            .any(|(kind, language, _)| stem == format!("{}.{language}", kind.as_str()));
        assert!(listed, "{name} is not listed in shipped.rs");
    }
}
