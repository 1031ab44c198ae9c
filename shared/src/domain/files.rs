//! Files attached to agents' replies and to contact-form submissions: what may be uploaded,
//! where it lives, and how inline images in customer HTML reach the browser.
//!
//! An upload goes straight to S3 through a presigned link under `uploads/<id>/<name>` (kept a
//! day); a reply that names it copies it under `attachments/`, where history stays.

use super::error::DomainError;

/// The largest file an agent may upload.
pub const MAX_UPLOAD_BYTES: u64 = 10 * 1024 * 1024;
/// The most files one reply may carry.
pub const MAX_REPLY_ATTACHMENTS: usize = 10;
/// All of one reply's files together: SES takes 40 MB of mail, base64 grows files by a third.
pub const MAX_REPLY_ATTACHMENT_BYTES: u64 = 25 * 1024 * 1024;
/// Where uploads wait to be attached.
pub const UPLOAD_PREFIX: &str = "uploads/";

/// One kind of upload: where it waits until a reply or a form names it, and how many files
/// of what size that may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UploadArea {
    pub prefix: &'static str,
    pub max_files: usize,
    pub max_total_bytes: u64,
}

/// Agents' reply attachments.
pub const REPLY_UPLOADS: UploadArea = UploadArea {
    prefix: UPLOAD_PREFIX,
    max_files: MAX_REPLY_ATTACHMENTS,
    max_total_bytes: MAX_REPLY_ATTACHMENT_BYTES,
};

/// Customers' files on the contact form: anonymous, so kept apart and fewer.
pub const FORM_UPLOADS: UploadArea = UploadArea {
    prefix: "form-uploads/",
    max_files: 5,
    max_total_bytes: 20 * 1024 * 1024,
};

impl UploadArea {
    /// Where an upload waits: `<prefix><id>/<name>`.
    pub fn key(&self, id: &str, name: &str) -> String {
        format!("{}{id}/{name}", self.prefix)
    }
}

/// Extensions SES refuses to send (its list of unsupported attachment types): refused at
/// upload, so the agent hears it at once instead of the reply failing later.
const REFUSED_EXTENSIONS: &[&str] = &[
    "ade", "adp", "app", "asp", "bas", "bat", "cer", "chm", "cmd", "com", "cpl", "crt", "csh", "der", "exe", "fxp",
    "gadget", "hlp", "hta", "inf", "ins", "isp", "its", "js", "jse", "ksh", "lib", "lnk", "mad", "maf", "mag", "mam",
    "maq", "mar", "mas", "mat", "mau", "mav", "maw", "mda", "mdb", "mde", "mdt", "mdw", "mdz", "msc", "msh", "msh1",
    "msh2", "mshxml", "msh1xml", "msh2xml", "msi", "msp", "mst", "ops", "pcd", "pif", "plg", "prf", "prg", "reg",
    "scf", "scr", "sct", "shb", "shs", "sys", "ps1", "ps1xml", "ps2", "ps2xml", "psc1", "psc2", "tmp", "url", "vb",
    "vbe", "vbs", "vps", "vsmacros", "vss", "vst", "vsw", "vxd", "ws", "wsc", "wsf", "wsh", "xnk",
];

/// A file as an agent announces it before uploading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadRequest {
    pub name: String,
    pub content_type: String,
    pub size: u64,
}

impl UploadRequest {
    pub fn new(name: &str, content_type: &str, size: u64) -> Result<Self, DomainError> {
        let name = file_name(name)?;
        let content_type = media_type(content_type)?;
        if size == 0 {
            return Err(DomainError::invalid("size", "the file is empty"));
        }
        if size > MAX_UPLOAD_BYTES {
            return Err(DomainError::invalid(
                "size",
                format!("must be at most {MAX_UPLOAD_BYTES} bytes"),
            ));
        }
        Ok(Self {
            name,
            content_type,
            size,
        })
    }
}

/// A file name fit to store and to put in a mail: the last path component, no control or
/// quote characters, 1 to 200 characters, and not of a type SES refuses.
pub fn file_name(text: &str) -> Result<String, DomainError> {
    let last = text.rsplit(['/', '\\']).next().unwrap_or_default();
    let clean: String = last
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '\'' | '`'))
        .collect::<String>()
        .trim()
        .to_owned();
    if clean.is_empty() || clean == "." || clean == ".." {
        return Err(DomainError::invalid("name", "must name a file"));
    }
    if clean.chars().count() > 200 {
        return Err(DomainError::invalid("name", "must be at most 200 characters"));
    }
    if let Some((_, extension)) = clean.rsplit_once('.')
        && REFUSED_EXTENSIONS.contains(&extension.to_ascii_lowercase().as_str())
    {
        return Err(DomainError::invalid(
            "name",
            format!(".{extension} files cannot be sent by mail"),
        ));
    }
    Ok(clean)
}

/// `type/subtype`, lower-cased, parameters dropped.
pub fn media_type(text: &str) -> Result<String, DomainError> {
    let essence = text.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    let token = |s: &str| {
        !s.is_empty() && s.len() <= 100 && s.chars().all(|c| c.is_ascii_alphanumeric() || "!#$&-^_.+".contains(c))
    };
    match essence.split_once('/') {
        Some((kind, sub)) if token(kind) && token(sub) => Ok(essence),
        _ => Err(DomainError::invalid(
            "content_type",
            "expected a media type like image/png",
        )),
    }
}

/// An upload id as a reply or form names it (`<ulid>/<name>`): its id and its file name.
pub fn parse_upload_id(text: &str) -> Result<(String, String), DomainError> {
    let invalid = || DomainError::invalid("attachments", format!("{text:?} is not an upload id"));
    let (id, name) = text.split_once('/').ok_or_else(invalid)?;
    ulid::Ulid::from_string(id).map_err(|_| invalid())?;
    // The name as handed out, not one that cleaning would change (no paths).
    if file_name(name).ok().as_deref() != Some(name) {
        return Err(invalid());
    }
    Ok((id.to_owned(), name.to_owned()))
}

/// Image types a browser may show from our bucket: raster formats that cannot carry script.
/// SVG can (and HTML, and anything a browser sniffs), so everything else is only downloaded.
pub const INLINE_IMAGE_TYPES: [&str; 4] = ["image/png", "image/jpeg", "image/gif", "image/webp"];

/// The type every file outside [`INLINE_IMAGE_TYPES`] is served as: a browser saves it and
/// never renders it on the bucket's origin.
pub const DOWNLOAD_CONTENT_TYPE: &str = "application/octet-stream";

/// Where customer HTML keeps a remote image's address once its `src` is taken away, so a
/// console can offer "load images" (see `docs/email.md`).
pub const REMOTE_IMAGE_ATTRIBUTE: &str = "data-remote-src";

/// Whether a stored file may be shown in the browser (an inline image) at all.
pub fn is_inline_image(content_type: &str) -> bool {
    media_type(content_type).is_ok_and(|t| INLINE_IMAGE_TYPES.contains(&t.as_str()))
}

/// How a signed link serves a stored file, whatever the sender claimed it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Served {
    pub content_type: String,
    pub inline: bool,
}

/// An allow-listed image keeps its type and may be shown inline when asked; anything else is
/// a download of [`DOWNLOAD_CONTENT_TYPE`] (a sender's `text/html` or `image/svg+xml` part
/// would otherwise run as a page on our bucket's origin).
pub fn served_as(content_type: &str, inline: bool) -> Served {
    match media_type(content_type) {
        Ok(t) if INLINE_IMAGE_TYPES.contains(&t.as_str()) => Served {
            content_type: t,
            inline,
        },
        _ => Served {
            content_type: DOWNLOAD_CONTENT_TYPE.to_owned(),
            inline: false,
        },
    }
}

/// Points `cid:` image sources in sanitised HTML at links to the parts they name, and takes
/// remote image sources out of `src` (see [`block_remote_images`]). Only `<img src>` is
/// touched: a `cid:` anywhere else stays inert. References to parts not given are left as
/// they are (they show as a missing image).
pub fn link_inline_images(html: &str, links: &[(String, String)]) -> String {
    rewrite_image_sources(html, links)
}

/// Moves every remote `<img src>` into [`REMOTE_IMAGE_ATTRIBUTE`], so opening a message
/// fetches nothing from the sender's servers (no tracking pixel, no leak of who read it when);
/// a source that is neither `cid:` nor http(s) is dropped.
pub fn block_remote_images(html: &str) -> String {
    rewrite_image_sources(html, &[])
}

/// Walks the `<img>` tags of HTML as ammonia writes it (a `<` in text is always `&lt;`) and
/// rewrites their `src` attributes; the rest of the text is copied as it is.
fn rewrite_image_sources(html: &str, links: &[(String, String)]) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = find_img_tag(rest) {
        out.push_str(&rest[..start]);
        let tag = &rest[start..];
        let end = tag_end(tag);
        out.push_str(&rewrite_img_tag(&tag[..end], links));
        rest = &tag[end..];
    }
    out.push_str(rest);
    out
}

/// Where the next `<img` tag starts (any case, followed by a space, `/` or `>`).
fn find_img_tag(html: &str) -> Option<usize> {
    let bytes = html.as_bytes();
    let mut from = 0;
    while let Some(at) = html[from..].find('<').map(|i| i + from) {
        let name = bytes.get(at + 1..at + 4);
        let after = bytes.get(at + 4).copied();
        if name.is_some_and(|n| n.eq_ignore_ascii_case(b"img"))
            && after.is_none_or(|c| c.is_ascii_whitespace() || c == b'/' || c == b'>')
        {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// The length of the tag `tag` starts with, through its `>` (quotes respected), or all of it.
fn tag_end(tag: &str) -> usize {
    let mut quote = None;
    for (i, c) in tag.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '>') => return i + 1,
            _ => {}
        }
    }
    tag.len()
}

/// One `<img ...>` tag with each `src` rewritten.
fn rewrite_img_tag(tag: &str, links: &[(String, String)]) -> String {
    let mut out = String::with_capacity(tag.len());
    let mut copied = 0;
    for attribute in attributes(tag) {
        if !tag[attribute.name.clone()].eq_ignore_ascii_case("src") {
            continue;
        }
        out.push_str(&tag[copied..attribute.whole.start]);
        let value = tag[attribute.value.clone()].replace("&amp;", "&");
        out.push_str(&image_source(value.trim(), links));
        copied = attribute.whole.end;
    }
    out.push_str(&tag[copied..]);
    out
}

/// What an image source becomes: a `cid:` linked (or kept), a remote address parked in
/// [`REMOTE_IMAGE_ATTRIBUTE`], anything else dropped.
fn image_source(value: &str, links: &[(String, String)]) -> String {
    let lower = value.to_ascii_lowercase();
    if let Some(id) = lower.starts_with("cid:").then(|| &value[4..]) {
        let id = percent_encoding::percent_decode_str(id).decode_utf8_lossy();
        return match links.iter().find(|(cid, _)| cid.trim_matches(['<', '>']) == id) {
            Some((_, url)) => format!("src=\"{}\"", escape_attribute(url)),
            None => format!("src=\"{}\"", escape_attribute(value)),
        };
    }
    if lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("//") {
        return format!("{REMOTE_IMAGE_ATTRIBUTE}=\"{}\"", escape_attribute(value));
    }
    String::new()
}

/// Byte ranges of one attribute in a tag: all of it, its name, its value (unquoted).
struct AttributeSpan {
    whole: std::ops::Range<usize>,
    name: std::ops::Range<usize>,
    value: std::ops::Range<usize>,
}

/// The attributes of a start tag, in order (HTML's attribute syntax: bare, `=value`,
/// `="value"` or `='value'`).
fn attributes(tag: &str) -> Vec<AttributeSpan> {
    let bytes = tag.as_bytes();
    let mut found = Vec::new();
    // Past `<img`.
    let mut i = 4.min(bytes.len());
    loop {
        while i < bytes.len() && (bytes[i].is_ascii_whitespace() || bytes[i] == b'/') {
            i += 1;
        }
        if i >= bytes.len() || bytes[i] == b'>' {
            return found;
        }
        let start = i;
        while i < bytes.len() && !bytes[i].is_ascii_whitespace() && !matches!(bytes[i], b'=' | b'>' | b'/') {
            i += 1;
        }
        let name = start..i;
        let mut j = i;
        while j < bytes.len() && bytes[j].is_ascii_whitespace() {
            j += 1;
        }
        if bytes.get(j) != Some(&b'=') {
            found.push(AttributeSpan {
                whole: name.clone(),
                value: i..i,
                name,
            });
            continue;
        }
        j += 1;
        while j < bytes.len() && bytes[j].is_ascii_whitespace() {
            j += 1;
        }
        let value = match bytes.get(j) {
            Some(&q @ (b'"' | b'\'')) => {
                let close = tag[j + 1..].find(q as char).map_or(bytes.len(), |k| j + 1 + k);
                i = (close + 1).min(bytes.len());
                j + 1..close
            }
            _ => {
                let mut k = j;
                while k < bytes.len() && !bytes[k].is_ascii_whitespace() && bytes[k] != b'>' {
                    k += 1;
                }
                i = k;
                j..k
            }
        };
        found.push(AttributeSpan {
            whole: start..i,
            name,
            value,
        });
    }
}

fn escape_attribute(url: &str) -> String {
    url.replace('&', "&amp;").replace('"', "&quot;").replace('\'', "&#39;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uploads_are_checked() {
        let ok = UploadRequest::new("C:\\Users\\jana\\invoice 2026.pdf", "Application/PDF; q=1", 1000).unwrap();
        assert_eq!(ok.name, "invoice 2026.pdf");
        assert_eq!(ok.content_type, "application/pdf");
        let field = |r: Result<UploadRequest, DomainError>| match r.unwrap_err() {
            DomainError::Invalid { field, .. } => field.into_owned(),
            other => panic!("{other}"),
        };
        assert_eq!(
            field(UploadRequest::new("setup.EXE", "application/octet-stream", 10)),
            "name"
        );
        assert_eq!(field(UploadRequest::new("../", "image/png", 10)), "name");
        assert_eq!(field(UploadRequest::new("a.png", "png", 10)), "content_type");
        assert_eq!(field(UploadRequest::new("a.png", "image/png", 0)), "size");
        assert_eq!(
            field(UploadRequest::new("a.png", "image/png", MAX_UPLOAD_BYTES + 1)),
            "size"
        );
        assert_eq!(file_name("a\"b\r\n.txt").unwrap(), "ab.txt");
    }

    #[test]
    fn upload_ids_name_a_waiting_upload() {
        let id = ulid::Ulid::new().to_string();
        let (upload, name) = parse_upload_id(&format!("{id}/report.pdf")).unwrap();
        assert_eq!((upload.as_str(), name.as_str()), (id.as_str(), "report.pdf"));
        assert_eq!(REPLY_UPLOADS.key(&upload, &name), format!("uploads/{id}/report.pdf"));
        assert_eq!(
            FORM_UPLOADS.key(&upload, &name),
            format!("form-uploads/{id}/report.pdf")
        );
        for bad in [
            "report.pdf",
            "nope/report.pdf",
            &format!("{id}/../x"),
            &format!("{id}/x.exe"),
        ] {
            assert!(parse_upload_id(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn inline_images_point_at_their_links() {
        let html = r#"<p><img src="cid:logo@x"> <img alt="a>b" src='cid:gone'> <img src="cid:a%40b"></p>"#;
        let links = vec![
            ("<logo@x>".to_owned(), "https://s3/logo?a=1&b=2".to_owned()),
            ("a@b".to_owned(), "https://s3/ab".to_owned()),
        ];
        assert_eq!(
            link_inline_images(html, &links),
            r#"<p><img src="https://s3/logo?a=1&amp;b=2"> <img alt="a>b" src="cid:gone"> <img src="https://s3/ab"></p>"#
        );
        assert_eq!(link_inline_images("<p>no images</p>", &links), "<p>no images</p>");
    }

    #[test]
    fn cid_is_only_resolved_in_image_sources() {
        let links = vec![("page@x".to_owned(), "https://s3/page".to_owned())];
        let html = r#"<a href="cid:page@x">open</a><p>cid:page@x</p><imgx src="cid:page@x"><img alt="cid:page@x" src="cid:page@x">"#;
        assert_eq!(
            link_inline_images(html, &links),
            r#"<a href="cid:page@x">open</a><p>cid:page@x</p><imgx src="cid:page@x"><img alt="cid:page@x" src="https://s3/page">"#
        );
    }

    #[test]
    fn remote_images_are_parked_and_nothing_else_loads() {
        let html = r#"<img src="https://track.example/p.gif?u=1&amp;v=2" width="1"><IMG SRC=http://x.example/a.png><img src="//x.example/b.png"/><img src="data:image/png;base64,AA"><img src="cid:logo">"#;
        assert_eq!(
            block_remote_images(html),
            r#"<img data-remote-src="https://track.example/p.gif?u=1&amp;v=2" width="1"><IMG data-remote-src="http://x.example/a.png"><img data-remote-src="//x.example/b.png"/><img ><img src="cid:logo">"#
        );
        // Unterminated tags and quotes never panic or reach past the end.
        for broken in [
            "<img",
            "<img src=\"https://x",
            "<img src=",
            "<img src='cid:a",
            "<img/src=x>",
        ] {
            let _ = block_remote_images(broken);
        }
    }

    #[test]
    fn only_raster_images_are_served_inline() {
        for image in ["image/png", "IMAGE/JPEG", "image/gif; name=x", "image/webp"] {
            let served = served_as(image, true);
            assert!(served.inline, "{image}");
            assert!(served.content_type.starts_with("image/"), "{image}");
        }
        for other in [
            "text/html",
            "image/svg+xml",
            "application/xhtml+xml",
            "text/xml",
            "application/pdf",
            "nonsense",
        ] {
            assert_eq!(
                served_as(other, true),
                Served {
                    content_type: DOWNLOAD_CONTENT_TYPE.into(),
                    inline: false
                },
                "{other}"
            );
        }
        assert_eq!(
            served_as("image/png", false),
            Served {
                content_type: "image/png".into(),
                inline: false
            }
        );
    }
}
