//! Rendering a template's sources into a mail: the strict MiniJinja environment, the `quote`
//! filter, the one-line subject, the tidied text, and the HTML part derived from that text with
//! every line escaped.

use minijinja::{AutoEscape, Environment, UndefinedBehavior};

use super::{MAX_SUBJECT_CHARS, TemplateContext};

/// How deep a template may nest (blocks, loops, macros); MiniJinja's default is 500.
const RECURSION_LIMIT: usize = 50;

/// One environment per render: strict, unescaped (the text part is plain text), shallow.
pub(super) fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_auto_escape_callback(|_| AutoEscape::None);
    env.set_recursion_limit(RECURSION_LIMIT);
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    // `range` is the one way to loop over something no value put there.
    env.remove_global("range");
    env.add_filter("quote", quote);
    env
}

/// Prefixes every line with `> `, the way mail quotes.
fn quote(text: String) -> String {
    text.lines()
        .map(|line| {
            if line.is_empty() {
                ">".to_owned()
            } else {
                format!("> {line}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Renders subject and text, then makes the subject one safe line and tidies the text.
pub(super) fn render_parts(subject: &str, text: &str, context: &TemplateContext) -> Result<(String, String), String> {
    let env = environment();
    let context = context.normalized();
    let subject = env
        .render_named_str("subject", subject, &context)
        .map_err(|error| error.to_string())?;
    let text = env
        .render_named_str("text", text, &context)
        .map_err(|error| error.to_string())?;
    Ok((one_line(&subject), tidy_text(&text)))
}

impl TemplateContext {
    /// Optional values that are blank become missing, so "Hello ," never happens.
    pub(super) fn normalized(&self) -> Self {
        fn present(value: &Option<String>) -> Option<String> {
            value
                .as_deref()
                .filter(|value| !value.trim().is_empty())
                .map(str::to_owned)
        }
        Self {
            contact_name: present(&self.contact_name).map(|name| name.trim().to_owned()),
            ticket_number: self.ticket_number.clone(),
            ticket_subject: self.ticket_subject.clone(),
            agent_name: present(&self.agent_name).map(|name| name.trim().to_owned()),
            team_name: self.team_name.clone(),
            body: present(&self.body),
            status_link: present(&self.status_link).map(|link| link.trim().to_owned()),
            survey_good_link: present(&self.survey_good_link).map(|link| link.trim().to_owned()),
            survey_bad_link: present(&self.survey_bad_link).map(|link| link.trim().to_owned()),
            survey_score_links: self
                .survey_score_links
                .iter()
                .map(|link| link.trim().to_owned())
                .collect(),
            nps_links: self.nps_links.iter().map(|link| link.trim().to_owned()).collect(),
        }
    }
}

/// Control characters (CR and LF among them) and Unicode line breaks become spaces, runs of
/// whitespace one space; at most [`MAX_SUBJECT_CHARS`] characters, cut ones ending in "…".
fn one_line(subject: &str) -> String {
    let spaced: String = subject
        .chars()
        .map(|c| {
            if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') {
                ' '
            } else {
                c
            }
        })
        .collect();
    let line = spaced.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() <= MAX_SUBJECT_CHARS {
        return line;
    }
    let cut: String = line.chars().take(MAX_SUBJECT_CHARS - 1).collect();
    format!("{}…", cut.trim_end())
}

/// Line breaks become `\n`, other control characters but tab go, runs of blank lines become one,
/// leading and trailing blank lines go, and the text ends with one newline.
fn tidy_text(text: &str) -> String {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let mut out = String::with_capacity(text.len() + 1);
    let mut pending_blank = false;
    for line in text.split('\n') {
        let line: String = line.chars().filter(|&c| c == '\t' || !c.is_control()).collect();
        if line.trim().is_empty() {
            pending_blank = !out.is_empty();
            continue;
        }
        if pending_blank {
            out.push('\n');
            pending_blank = false;
        }
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// A minimal HTML document for the text: blank lines separate paragraphs, single line breaks
/// become `<br>`, and every line is escaped.
pub(super) fn text_to_html(subject: &str, text: &str, language: Option<&str>) -> String {
    const BODY_STYLE: &str = "margin:0;padding:16px;background-color:#ffffff;color:#1f2933;\
font-family:Arial,Helvetica,sans-serif;font-size:14px;line-height:1.5";
    const P_STYLE: &str = "margin:0 0 1em 0";

    let mut paragraphs: Vec<Vec<&str>> = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            if !current.is_empty() {
                paragraphs.push(std::mem::take(&mut current));
            }
        } else {
            current.push(line);
        }
    }
    if !current.is_empty() {
        paragraphs.push(current);
    }

    let lang = language
        .map(|language| format!(" lang=\"{}\"", escape_html(language)))
        .unwrap_or_default();
    let mut html = format!(
        "<!DOCTYPE html>\n<html{lang}>\n<head>\n<meta charset=\"utf-8\">\n\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n</head>\n\
<body style=\"{BODY_STYLE}\">\n",
        escape_html(subject)
    );
    for paragraph in paragraphs {
        let lines: Vec<String> = paragraph.into_iter().map(escape_html).collect();
        html.push_str(&format!("<p style=\"{P_STYLE}\">{}</p>\n", lines.join("<br>\n")));
    }
    html.push_str("</body>\n</html>\n");
    html
}

fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}
