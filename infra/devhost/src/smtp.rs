//! SES receiving, played locally: a real SMTP listener (any client, e.g. Python's `smtplib`,
//! can deliver to it) that stores each message in the mail bucket as SES's S3 action does.
//! The bucket's notification then queues it, so the inbound Lambda runs its production path.

use std::sync::Arc;

use anyhow::Result;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// SES accepts messages up to 40 MB.
const MAX_MESSAGE_BYTES: usize = 40 * 1024 * 1024;
const MAX_RECIPIENTS: usize = 50;

pub struct SmtpReceiver {
    pub s3: aws_sdk_s3::Client,
    pub bucket: String,
    /// The key prefix of the receipt rule's S3 action.
    pub prefix: String,
}

impl SmtpReceiver {
    pub async fn serve(self: Arc<Self>, listener: TcpListener) {
        loop {
            let Ok((socket, _)) = listener.accept().await else {
                continue;
            };
            let receiver = self.clone();
            tokio::spawn(async move {
                if let Err(e) = receiver.session(socket).await {
                    tracing::warn!(error = %e, "SMTP session ended with an error");
                }
            });
        }
    }

    async fn session(&self, socket: TcpStream) -> Result<()> {
        let (read, mut write) = socket.into_split();
        let mut lines = BufReader::new(read);
        write.write_all(b"220 lambdesk-dev ESMTP ready\r\n").await?;
        let mut helo = String::from("unknown");
        let mut from: Option<String> = None;
        let mut recipients: Vec<String> = Vec::new();
        let mut line = String::new();
        loop {
            line.clear();
            if lines.read_line(&mut line).await? == 0 {
                return Ok(());
            }
            let command = line.trim_end();
            let verb = command
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_ascii_uppercase();
            let reply: &[u8] = match verb.as_str() {
                "EHLO" | "HELO" => {
                    helo = command.split_whitespace().nth(1).unwrap_or("unknown").to_owned();
                    if verb == "EHLO" {
                        b"250-lambdesk-dev\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 SIZE 41943040\r\n"
                    } else {
                        b"250 lambdesk-dev\r\n"
                    }
                }
                "MAIL" => match path(command, "FROM:") {
                    Some(p) => {
                        from = Some(p);
                        recipients.clear();
                        b"250 2.1.0 OK\r\n"
                    }
                    None => b"501 5.5.4 Syntax: MAIL FROM:<address>\r\n",
                },
                "RCPT" if from.is_none() => b"503 5.5.1 MAIL first\r\n",
                "RCPT" if recipients.len() >= MAX_RECIPIENTS => b"452 4.5.3 Too many recipients\r\n",
                "RCPT" => match path(command, "TO:") {
                    Some(p) if !p.is_empty() => {
                        recipients.push(p);
                        b"250 2.1.5 OK\r\n"
                    }
                    _ => b"501 5.5.4 Syntax: RCPT TO:<address>\r\n",
                },
                "DATA" if recipients.is_empty() => b"503 5.5.1 RCPT first\r\n",
                "DATA" => {
                    write.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n").await?;
                    let reply = match read_data(&mut lines).await? {
                        Some(body) => {
                            let envelope_from = from.take().unwrap_or_default();
                            recipients.clear();
                            match self.store(&helo, &envelope_from, body).await {
                                Ok(key) => format!("250 2.0.0 OK queued as {key}\r\n"),
                                Err(e) => {
                                    tracing::error!(error = %format!("{e:#}"), "could not store received mail");
                                    "451 4.3.0 Could not store the message, try again\r\n".to_owned()
                                }
                            }
                        }
                        None => "552 5.3.4 Message too big\r\n".to_owned(),
                    };
                    write.write_all(reply.as_bytes()).await?;
                    continue;
                }
                "RSET" => {
                    from = None;
                    recipients.clear();
                    b"250 2.0.0 OK\r\n"
                }
                "NOOP" => b"250 2.0.0 OK\r\n",
                "VRFY" => b"252 2.1.5 Cannot verify\r\n",
                "QUIT" => {
                    write.write_all(b"221 2.0.0 Bye\r\n").await?;
                    return Ok(());
                }
                _ => b"502 5.5.2 Command not implemented\r\n",
            };
            write.write_all(reply).await?;
        }
    }

    /// Stores the message as SES's S3 action would: SES's own headers on top, then the mail
    /// unchanged.
    pub async fn store(&self, helo: &str, envelope_from: &str, body: Vec<u8>) -> Result<String> {
        let key = format!("{}{}", self.prefix, ulid::Ulid::new().to_string().to_lowercase());
        let now = chrono::Utc::now().to_rfc2822();
        let verdicts = authentication_results(envelope_from, &body);
        let mut stored = format!(
            "Return-Path: <{envelope_from}>\r\nReceived: from {helo} by lambdesk-dev (SES stand-in) with SMTP; {now}\r\n{verdicts}X-SES-Spam-Verdict: PASS\r\nX-SES-Virus-Verdict: PASS\r\n"
        )
        .into_bytes();
        stored.extend(body);
        self.s3
            .put_object()
            .bucket(&self.bucket)
            .key(&key)
            .content_type("message/rfc822")
            .body(stored.into())
            .send()
            .await?;
        tracing::info!(key, "mail received over SMTP");
        Ok(key)
    }
}

/// The address in `MAIL FROM:<a@b> SIZE=…` / `RCPT TO:<a@b>`.
fn path(command: &str, keyword: &str) -> Option<String> {
    let upper = command.to_ascii_uppercase();
    let at = upper.find(keyword)? + keyword.len();
    let rest = command[at..].trim_start();
    let inner = rest.strip_prefix('<')?.split('>').next()?;
    Some(inner.to_owned())
}

/// The DATA section up to the lone dot, dot-unstuffed; `None` when over the size limit.
async fn read_data<R: tokio::io::AsyncBufRead + Unpin>(lines: &mut R) -> Result<Option<Vec<u8>>> {
    let mut body = Vec::new();
    let mut too_big = false;
    let mut line = Vec::new();
    loop {
        line.clear();
        if lines.read_until(b'\n', &mut line).await? == 0 {
            anyhow::bail!("connection closed during DATA");
        }
        if line == b".\r\n" || line == b".\n" {
            return Ok((!too_big).then_some(body));
        }
        let content = line.strip_prefix(b".").unwrap_or(&line);
        if body.len() + content.len() > MAX_MESSAGE_BYTES {
            too_big = true;
            body.clear();
        }
        if !too_big {
            body.extend_from_slice(content);
        }
    }
}

/// SES's `Authentication-Results`, played locally. No DNS here, so the local client counts as
/// allowed to send for its envelope domain (SPF passes for it) and nothing is DKIM-signed; DMARC
/// then passes when the `From` domain is the envelope's (or under it) and fails otherwise, as it
/// would for a domain that publishes a DMARC policy. So a local mail whose `From` claims
/// someone else's domain is treated as forged, like a spoofed one in AWS.
fn authentication_results(envelope_from: &str, body: &[u8]) -> String {
    let domain_of = |address: &str| {
        address
            .rsplit_once('@')
            .map(|(_, d)| d.trim_end_matches('>').trim().to_ascii_lowercase())
    };
    let Some(envelope) = domain_of(envelope_from) else {
        // A null sender (a bounce) has no domain to check.
        return "Authentication-Results: amazonses.com; spf=none; dkim=none; dmarc=none;\r\n".into();
    };
    let head = String::from_utf8_lossy(&body[..body.len().min(64 * 1024)]);
    let from = head
        .lines()
        .take_while(|l| !l.trim_end_matches('\r').is_empty())
        .find_map(|l| l.strip_prefix("From:").or_else(|| l.strip_prefix("from:")))
        .and_then(|v| v.split(['<', ' ', ',']).rfind(|w| w.contains('@')))
        .and_then(domain_of);
    let aligned = from
        .as_deref()
        .is_some_and(|f| f == envelope || f.ends_with(&format!(".{envelope}")) || envelope.ends_with(&format!(".{f}")));
    let dmarc = if aligned { "pass" } else { "fail" };
    format!(
        "Authentication-Results: amazonses.com; spf=pass (local stand-in) smtp.mailfrom={envelope}; dkim=none; dmarc={dmarc} header.from={};\r\n",
        from.unwrap_or_default()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_paths() {
        assert_eq!(path("MAIL FROM:<a@b.cz> SIZE=100", "FROM:").as_deref(), Some("a@b.cz"));
        assert_eq!(path("mail from: <a@b.cz>", "FROM:").as_deref(), Some("a@b.cz"));
        assert_eq!(path("MAIL FROM:<>", "FROM:").as_deref(), Some(""));
        assert_eq!(path("RCPT TO:a@b.cz", "TO:"), None);
    }

    #[tokio::test]
    async fn data_is_unstuffed_and_ends_at_the_dot() {
        let input = b"Subject: x\r\n\r\n..leading dot\r\nline\r\n.\r\nNEXT\r\n";
        let mut reader = BufReader::new(&input[..]);
        let body = read_data(&mut reader).await.unwrap().unwrap();
        assert_eq!(body, b"Subject: x\r\n\r\n.leading dot\r\nline\r\n");
    }

    #[test]
    fn dmarc_passes_only_when_from_matches_the_envelope() {
        let mail = |from: &str| format!("From: Jana <{from}>\r\nSubject: x\r\n\r\nFrom: body@other.example\r\n");
        assert!(authentication_results("jana@example.cz", mail("jana@example.cz").as_bytes()).contains("dmarc=pass"));
        assert!(
            authentication_results("bounces@mail.example.cz", mail("jana@example.cz").as_bytes())
                .contains("dmarc=pass")
        );
        assert!(
            authentication_results("mallory@evil.example", mail("jana@example.cz").as_bytes()).contains("dmarc=fail")
        );
        assert!(authentication_results("", mail("jana@example.cz").as_bytes()).contains("dmarc=none"));
    }
}
