//! Files agents attach to replies: what may be uploaded, where it lives, and how inline images
//! in customer HTML reach the browser.
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

/// Points `cid:` references in sanitised HTML at links to the parts they name; references to
/// parts not given are left as they are (they show as a missing image).
pub fn link_inline_images(html: &str, links: &[(String, String)]) -> String {
    if !html.contains("cid:") || links.is_empty() {
        return html.to_owned();
    }
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find("cid:") {
        out.push_str(&rest[..at]);
        let after = &rest[at + 4..];
        let end = after.find(['"', '\'', ' ', '>', ')']).unwrap_or(after.len());
        let id = percent_encoding::percent_decode_str(&after[..end]).decode_utf8_lossy();
        match links.iter().find(|(cid, _)| cid.trim_matches(['<', '>']) == id) {
            Some((_, url)) => out.push_str(&escape_attribute(url)),
            None => out.push_str(&rest[at..at + 4 + end]),
        }
        rest = &after[end..];
    }
    out.push_str(rest);
    out
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
        let html = r#"<p><img src="cid:logo@x"> <img src='cid:gone'> <img src="cid:a%40b"></p>"#;
        let links = vec![
            ("<logo@x>".to_owned(), "https://s3/logo?a=1&b=2".to_owned()),
            ("a@b".to_owned(), "https://s3/ab".to_owned()),
        ];
        assert_eq!(
            link_inline_images(html, &links),
            r#"<p><img src="https://s3/logo?a=1&amp;b=2"> <img src='cid:gone'> <img src="https://s3/ab"></p>"#
        );
        assert_eq!(link_inline_images("<p>no images</p>", &links), "<p>no images</p>");
    }
}
