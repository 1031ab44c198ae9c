//! A report mail: the summary (the key figures, this period against the one before) as HTML
//! with the charts inline (`cid:`), the same as plain text, and the period's figures by day as
//! a CSV attachment. Built with the one composer (`shared::adapters::mime::compose`).

use serde_json::Value;
use shared::adapters::mime::compose::{InlineImage, Outgoing, OutgoingFile, compose_with_inline};
use shared::domain::metrics::figures::DayFigures;
use shared::domain::metrics::subscription::ReportSubscription;
use shared::domain::{EmailAddress, Timestamp};

use crate::charts::{ACCENT_BLUE, ACCENT_GREEN, ACCENT_ORANGE, ACCENT_PURPLE, ChartError, Kind, Series, chart};
use crate::copy::{Words, copy};
use crate::period::ReportFigures;

/// How a figure reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    Count,
    Ratio,
    Seconds,
    Percent,
}

/// The summary's rows: label, column of `GET /v1/metrics`, unit.
fn key_figures(w: &Words) -> Vec<(&'static str, &'static str, Unit)> {
    vec![
        (w.created, "created", Unit::Count),
        (w.solved, "solved", Unit::Count),
        (w.backlog, "backlog", Unit::Count),
        (w.reopened, "reopened", Unit::Count),
        (w.first_response_p50, "first_response_p50_s", Unit::Seconds),
        (w.first_response_p90, "first_response_p90_s", Unit::Seconds),
        (w.resolution_p50, "resolution_p50_s", Unit::Seconds),
        (w.resolution_p90, "resolution_p90_s", Unit::Seconds),
        (w.sla_first_response, "sla_first_response_rate", Unit::Percent),
        (w.sla_resolution, "sla_resolution_rate", Unit::Percent),
        (w.fcr, "fcr_rate", Unit::Percent),
        (w.csat, "csat_rate", Unit::Percent),
        (w.replies_per_solved, "replies_per_solved", Unit::Ratio),
        (w.transfers, "transfers", Unit::Count),
    ]
}

fn duration(seconds: f64) -> String {
    let s = seconds.abs();
    let text = if s < 3600.0 {
        format!("{:.0} min", s / 60.0)
    } else if s < 2.0 * 86400.0 {
        format!("{:.1} h", s / 3600.0)
    } else {
        format!("{:.1} d", s / 86400.0)
    };
    if seconds < 0.0 { format!("-{text}") } else { text }
}

fn show(value: Option<f64>, unit: Unit) -> String {
    let Some(v) = value else { return "–".into() };
    match unit {
        Unit::Count => format!("{v:.0}"),
        Unit::Ratio => format!("{v:.2}"),
        Unit::Seconds => duration(v),
        Unit::Percent => format!("{:.0}%", v * 100.0),
    }
}

fn change(now: Option<f64>, before: Option<f64>, unit: Unit) -> String {
    let (Some(now), Some(before)) = (now, before) else {
        return "–".into();
    };
    let d = now - before;
    let sign = if d > 0.0 { "+" } else { "" };
    match unit {
        Unit::Count => match before {
            b if b > 0.0 => format!("{sign}{d:.0} ({sign}{:.0}%)", d / b * 100.0),
            _ => format!("{sign}{d:.0}"),
        },
        Unit::Ratio => format!("{sign}{d:.2}"),
        Unit::Seconds => format!("{sign}{}", duration(d)),
        Unit::Percent => format!("{sign}{:.0} pp", d * 100.0),
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn per_day(daily: &[DayFigures], name: &str, scale: f64) -> Vec<Option<f64>> {
    daily
        .iter()
        .map(|d| match d.figure(name) {
            Value::Null => None,
            v => v.as_f64().map(|v| v * scale),
        })
        .collect()
}

/// The charts, each with its content id: volume, response and resolution times, SLA
/// compliance, CSAT.
pub fn charts(figures: &ReportFigures, w: &Words) -> Result<Vec<InlineImage>, ChartError> {
    let labels: Vec<String> = figures
        .daily
        .iter()
        .map(|d| d.day.map(|d| d.format("%-d.%-m.").to_string()).unwrap_or_default())
        .collect();
    let s = |label: &str, color, name: &str, scale: f64| Series {
        label: label.to_owned(),
        color,
        values: per_day(&figures.daily, name, scale),
    };
    let hours = 1.0 / 3600.0;
    let drawn = [
        (
            "volume",
            chart(
                Kind::Bars,
                w.chart_volume,
                &labels,
                &[
                    s(w.created, ACCENT_BLUE, "created", 1.0),
                    s(w.solved, ACCENT_GREEN, "solved", 1.0),
                ],
                None,
            )?,
        ),
        (
            "times",
            chart(
                Kind::Lines,
                w.chart_times,
                &labels,
                &[
                    s(w.first_response_p50, ACCENT_BLUE, "first_response_p50_s", hours),
                    s(w.first_response_p90, ACCENT_PURPLE, "first_response_p90_s", hours),
                    s(w.resolution_p50, ACCENT_GREEN, "resolution_p50_s", hours),
                    s(w.resolution_p90, ACCENT_ORANGE, "resolution_p90_s", hours),
                ],
                None,
            )?,
        ),
        (
            "sla",
            chart(
                Kind::Lines,
                w.chart_sla,
                &labels,
                &[
                    s(w.sla_first_response, ACCENT_BLUE, "sla_first_response_rate", 100.0),
                    s(w.sla_resolution, ACCENT_GREEN, "sla_resolution_rate", 100.0),
                ],
                Some(105.0),
            )?,
        ),
        (
            "csat",
            chart(
                Kind::Lines,
                w.chart_csat,
                &labels,
                &[s(w.csat, ACCENT_PURPLE, "csat_rate", 100.0)],
                Some(105.0),
            )?,
        ),
    ];
    Ok(drawn
        .into_iter()
        .map(|(name, bytes)| InlineImage {
            content_id: format!("{name}@lambdesk"),
            content_type: "image/png".into(),
            bytes,
        })
        .collect())
}

/// The mail's subject, e.g. `Weekly report: 2026-11-30 – 2026-12-06`.
pub fn subject(subscription: &ReportSubscription, figures: &ReportFigures) -> String {
    let w = copy(&subscription.language);
    let p = figures.period;
    if p.first == p.last {
        format!("{}: {}", w.title(p.frequency), p.first)
    } else {
        format!("{}: {} – {}", w.title(p.frequency), p.first, p.last)
    }
}

/// The HTML and the text of the summary.
pub fn bodies(subscription: &ReportSubscription, figures: &ReportFigures, images: &[InlineImage]) -> (String, String) {
    let w = copy(&subscription.language);
    let title = subject(subscription, figures);
    let p = figures.period;
    let scope = if subscription.departments.is_empty() {
        String::new()
    } else {
        let names: Vec<&str> = subscription.departments.iter().map(|d| d.as_str()).collect();
        format!("{}: {}", w.departments, names.join(", "))
    };
    let rows: Vec<(String, String, String, String)> = key_figures(w)
        .into_iter()
        .map(|(label, name, unit)| {
            let (now, before) = figures.compare(name);
            (
                label.to_owned(),
                show(now, unit),
                show(before, unit),
                change(now, before, unit),
            )
        })
        .collect();

    let mut text = format!(
        "{title}\n\n{} {} – {} ({})\n",
        w.intro, p.first, p.last, subscription.time_zone
    );
    if !scope.is_empty() {
        text.push_str(&format!("{scope}\n"));
    }
    text.push('\n');
    text.push_str(&format!(
        "{}: {} | {} | {}\n",
        w.figure, w.this_period, w.previous_period, w.change
    ));
    for (label, now, before, delta) in &rows {
        text.push_str(&format!("- {label}: {now} | {before} | {delta}\n"));
    }
    text.push_str(&format!("\n{}\n\n-- \n{}\n", w.attached, w.footer));

    let cell = "padding:6px 10px;border-bottom:1px solid #e5e7eb;";
    let mut html = format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{t}</title></head>\
         <body style=\"margin:0;padding:0;background:#f3f4f6;font-family:Arial,Helvetica,sans-serif;color:#111827\">\
         <table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\"><tr><td align=\"center\" style=\"padding:24px\">\
         <table role=\"presentation\" width=\"660\" cellpadding=\"0\" cellspacing=\"0\" style=\"background:#ffffff;border-radius:8px;padding:20px\">\
         <tr><td><h1 style=\"font-size:22px;margin:0 0 6px\">{t}</h1>\
         <p style=\"margin:0 0 4px;color:#4b5563\">{intro} {first} – {last} ({tz})</p>",
        t = escape(&title),
        intro = escape(w.intro),
        first = p.first,
        last = p.last,
        tz = escape(&subscription.time_zone),
    );
    if !scope.is_empty() {
        html.push_str(&format!(
            "<p style=\"margin:0 0 4px;color:#4b5563\">{}</p>",
            escape(&scope)
        ));
    }
    html.push_str(&format!(
        "<table cellpadding=\"0\" cellspacing=\"0\" style=\"border-collapse:collapse;width:100%;margin:16px 0;font-size:14px\">\
         <tr style=\"background:#f9fafb;text-align:left\"><th style=\"{cell}\">{}</th><th style=\"{cell}text-align:right\">{}</th>\
         <th style=\"{cell}text-align:right\">{}</th><th style=\"{cell}text-align:right\">{}</th></tr>",
        escape(w.figure),
        escape(w.this_period),
        escape(w.previous_period),
        escape(w.change)
    ));
    for (label, now, before, delta) in &rows {
        html.push_str(&format!(
            "<tr><td style=\"{cell}\">{}</td><td style=\"{cell}text-align:right;font-weight:bold\">{}</td>\
             <td style=\"{cell}text-align:right;color:#6b7280\">{}</td><td style=\"{cell}text-align:right\">{}</td></tr>",
            escape(label),
            escape(now),
            escape(before),
            escape(delta)
        ));
    }
    html.push_str("</table>");
    for image in images {
        html.push_str(&format!(
            "<p style=\"margin:12px 0\"><img src=\"cid:{}\" width=\"640\" height=\"280\" alt=\"\" style=\"display:block;max-width:100%;height:auto\"></p>",
            escape(&image.content_id)
        ));
    }
    html.push_str(&format!(
        "<p style=\"color:#4b5563\">{}</p><p style=\"color:#9ca3af;font-size:12px\">{}</p></td></tr></table></td></tr></table></body></html>",
        escape(w.attached),
        escape(w.footer)
    ));
    (html, text)
}

/// The whole mail as MIME, ready for SES: the same bytes on every retry of this period.
pub fn compose_report(
    subscription: &ReportSubscription,
    figures: &ReportFigures,
    from: &EmailAddress,
    date: Timestamp,
) -> Result<Vec<u8>, ReportMailError> {
    let w = copy(&subscription.language);
    let images = charts(figures, w)?;
    let (html, text) = bodies(subscription, figures, &images);
    let p = figures.period;
    let outgoing = Outgoing {
        from_name: "Lambdesk".into(),
        from: from.clone(),
        reply_to: None,
        to: subscription.recipients.iter().map(|r| (None, r.clone())).collect(),
        cc: vec![],
        subject: subject(subscription, figures),
        message_id: format!(
            "lambdesk.report-{}-{}@{}",
            subscription.id,
            p.first,
            from.domain().to_lowercase()
        ),
        in_reply_to: None,
        references: vec![],
        auto_submitted: Some("auto-generated"),
        text,
        html,
        date,
        attachments: vec![OutgoingFile {
            name: format!("report-{}-{}.csv", p.first, p.last),
            content_type: "text/csv; charset=utf-8".into(),
            bytes: figures.csv().into_bytes(),
        }],
    };
    Ok(compose_with_inline(&outgoing, &images)?)
}

#[derive(Debug, thiserror::Error)]
pub enum ReportMailError {
    #[error(transparent)]
    Chart(#[from] ChartError),
    #[error("the mail could not be composed: {0}")]
    Compose(#[from] std::io::Error),
}

#[cfg(test)]
mod tests {
    use shared::domain::ReportSubscriptionId;
    use shared::domain::metrics::subscription::SubscriptionDraft;
    use shared::domain::metrics::{Counter, Tally};

    use super::*;
    use crate::period::ReportPeriod;

    #[test]
    fn a_report_is_text_html_with_its_charts_related_and_the_csv_attached() {
        let draft: SubscriptionDraft = serde_json::from_value(serde_json::json!({
            "recipients": ["lead@example.com", "boss@example.com"], "frequency": "daily", "hour": 7,
            "time_zone": "Asia/Kuala_Lumpur", "language": "ms"
        }))
        .unwrap();
        let now = Timestamp::parse("2026-12-01T12:00:00Z").unwrap();
        let sub = ReportSubscription::new(
            ReportSubscriptionId::generate(now),
            draft.check().unwrap(),
            "x".into(),
            now,
        );
        let period = ReportPeriod::of(&sub);
        let mut tally = Tally::default();
        tally.bump(Counter::Created, 3);
        let days = vec![DayFigures {
            day: Some(period.first),
            group: "all".into(),
            tally,
            backlog: 3,
        }];
        let figures = ReportFigures::new(&sub, period, days);
        let from = EmailAddress::parse("support@help.example.com").unwrap();
        let raw = String::from_utf8(compose_report(&sub, &figures, &from, sub.next_send_at).unwrap()).unwrap();
        let headers = raw.split("\r\n\r\n").next().unwrap();
        assert!(headers.contains("Auto-Submitted: auto-generated"), "{headers}");
        assert!(headers.contains(&format!("lambdesk.report-{}-{}@help.example.com", sub.id, period.first)));
        assert!(headers.contains("boss@example.com"));
        let position = |needle: &str| raw.find(needle).unwrap_or_else(|| panic!("no {needle}"));
        // mixed → alternative → (text, related → (html, images)), then the CSV.
        assert!(position("multipart/mixed") < position("multipart/alternative"));
        assert!(position("text/plain") < position("multipart/related"));
        assert!(position("multipart/related") < position("text/html"));
        assert_eq!(raw.matches("Content-Type: image/png").count(), 4);
        for cid in ["volume", "times", "sla", "csat"] {
            assert!(raw.contains(&format!("<{cid}@lambdesk>")), "{cid}");
        }
        // Made at 20:00 in Kuala Lumpur on 1 December: the first mail covers that day.
        assert_eq!(period.first.to_string(), "2026-12-01");
        assert!(position("Content-Type: image/png") < position("report-2026-12-01-2026-12-01.csv"));
        assert_eq!(subject(&sub, &figures), "Laporan harian: 2026-12-01");
    }

    #[test]
    fn figures_read_as_people_say_them() {
        assert_eq!(show(Some(0.875), Unit::Percent), "88%");
        assert_eq!(show(Some(5400.0), Unit::Seconds), "1.5 h");
        assert_eq!(show(Some(600.0), Unit::Seconds), "10 min");
        assert_eq!(show(Some(3.0 * 86400.0), Unit::Seconds), "3.0 d");
        assert_eq!(show(None, Unit::Count), "–");
        assert_eq!(change(Some(12.0), Some(10.0), Unit::Count), "+2 (+20%)");
        assert_eq!(change(Some(3.0), Some(0.0), Unit::Count), "+3");
        assert_eq!(change(Some(0.5), Some(0.75), Unit::Percent), "-25 pp");
        assert_eq!(change(Some(1800.0), Some(3600.0), Unit::Seconds), "-30 min");
        assert_eq!(change(None, Some(1.0), Unit::Count), "–");
        assert_eq!(escape("<b>&\""), "&lt;b&gt;&amp;&quot;");
    }
}
