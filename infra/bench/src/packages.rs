//! What Lambda is given: each function's package as `cargo lambda build --release --arm64
//! --output-format zip` makes it (`cargo xtask bench` builds them into one folder, a
//! `<function>/bootstrap.zip` each, and passes the folder). The size of the zip is what is
//! uploaded and what a cold start downloads; the size of the `bootstrap` inside it is what is
//! paged in.

use std::path::Path;

use anyhow::{Context, Result, bail};

/// One function's package.
pub struct Package {
    pub name: &'static str,
    pub zip_bytes: u64,
    pub bootstrap_bytes: u64,
}

/// The package of every function the cold start table covers, from `dir`.
pub fn measure(dir: &Path) -> Result<Vec<Package>> {
    crate::coldstart::function_names()
        .map(|name| {
            let path = dir.join(name).join("bootstrap.zip");
            let zip = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
            Ok(Package {
                name,
                zip_bytes: zip.len() as u64,
                bootstrap_bytes: unzipped_size(&zip).with_context(|| format!("reading {}", path.display()))?,
            })
        })
        .collect()
}

/// The sum of the uncompressed sizes in a zip's central directory (PKWARE APPNOTE 4.3.12 and
/// 4.3.16; no ZIP64, which a package under Lambda's 250 MB limit never needs).
fn unzipped_size(zip: &[u8]) -> Result<u64> {
    const END: [u8; 4] = 0x0605_4b50u32.to_le_bytes();
    const ENTRY: [u8; 4] = 0x0201_4b50u32.to_le_bytes();
    let u16_at = |at: usize| -> Result<usize> {
        let bytes = zip.get(at..at + 2).context("a truncated zip")?;
        Ok(u16::from_le_bytes([bytes[0], bytes[1]]) as usize)
    };
    let u32_at = |at: usize| -> Result<u64> {
        let bytes = zip.get(at..at + 4).context("a truncated zip")?;
        Ok(u32::from_le_bytes(bytes.try_into()?) as u64)
    };
    // The end record is the last 22 bytes unless a comment (at most 64 KB) follows it.
    let Some(end) = (0..zip.len().saturating_sub(21))
        .rev()
        .take(22 + 65_535)
        .find(|&at| zip[at..].starts_with(&END))
    else {
        bail!("no end of central directory: not a zip");
    };
    let entries = u16_at(end + 10)?;
    let mut at = u32_at(end + 16)? as usize;
    let mut total = 0;
    for _ in 0..entries {
        if !zip.get(at..).is_some_and(|rest| rest.starts_with(&ENTRY)) {
            bail!("a central directory entry was expected at byte {at}");
        }
        total += u32_at(at + 24)?;
        at += 46 + u16_at(at + 28)? + u16_at(at + 30)? + u16_at(at + 32)?;
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_uncompressed_sizes_are_read_from_a_zip_made_by_zip() -> Result<()> {
        let dir = std::env::temp_dir().join(format!("bench-zip-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        std::fs::write(dir.join("bootstrap"), vec![7u8; 100_000])?;
        std::fs::write(dir.join("other"), b"twelve bytes")?;
        // With an archive comment (`-z`, read from stdin), which follows the end record.
        let mut zip = std::process::Command::new("zip")
            .current_dir(&dir)
            .args(["-q", "-z", "package.zip", "bootstrap", "other"])
            .stdin(std::process::Stdio::piped())
            .spawn()?;
        std::io::Write::write_all(&mut zip.stdin.take().context("stdin")?, b"a comment\n")?;
        assert!(zip.wait()?.success());
        let zip = std::fs::read(dir.join("package.zip"))?;
        std::fs::remove_dir_all(&dir)?;
        assert!(zip.len() < 10_000, "the zip compresses: {} bytes", zip.len());
        assert_eq!(unzipped_size(&zip)?, 100_012);
        assert!(unzipped_size(&zip[..zip.len() - 30]).is_err());
        Ok(())
    }
}
