//! Telling formats apart (by extension, then by content) and opening files through gzip or
//! zstd, streamed, so a compressed multi-gigabyte dump is never loaded whole.

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::Path;

use super::charset::{self, Declared, Decoding};
use super::{Issue, IssueKind};

/// How an article file is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Text,
    Markdown,
    /// One JSON object, or an array of them.
    Json,
    /// One JSON object per line (JSON Lines, NDJSON).
    JsonLines,
    Csv,
    Tsv,
    /// A saved web page.
    Html,
    /// Reuters-21578 SGML: `<REUTERS>` records.
    Sgml,
    /// SMART test collections (CISI, Cranfield): `.I` records with `.T`, `.A`, `.W` fields.
    Smart,
}

impl Format {
    /// Read whole and decoded at once (so any encoding `charset` knows), rather than streamed
    /// record by record as UTF-8.
    fn read_whole(self) -> bool {
        matches!(
            self,
            Format::Text | Format::Markdown | Format::Html | Format::Sgml | Format::Smart
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

/// A file's format and compression.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Kind {
    pub format: Format,
    pub compression: Compression,
}

const GZIP_MAGIC: &[u8] = &[0x1f, 0x8b];
const ZSTD_MAGIC: &[u8] = &[0x28, 0xb5, 0x2f, 0xfd];
/// How much of a file is looked at to guess its format.
const SNIFF_BYTES: usize = 8192;

/// Opens a file as a stream of its decompressed bytes.
pub fn open(path: &Path, compression: Compression) -> io::Result<Box<dyn Read + Send>> {
    let file = BufReader::with_capacity(1 << 16, File::open(path)?);
    Ok(match compression {
        Compression::None => Box::new(file),
        Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(file)),
        Compression::Zstd => Box::new(zstd::stream::read::Decoder::with_buffer(file)?),
    })
}

/// Detects a file's kind from its extension, falling back on its first bytes.
pub fn detect(path: &Path) -> Result<Kind, Issue> {
    let shown = path.display().to_string();
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let (inner_name, compression_by_ext) = if let Some(inner) = name.strip_suffix(".gz") {
        (inner, Some(Compression::Gzip))
    } else if let Some(inner) = name.strip_suffix(".zst") {
        (inner, Some(Compression::Zstd))
    } else {
        (name.as_str(), None)
    };

    let raw_head = read_head(path, Compression::None)
        .map_err(|e| Issue::new(&shown, IssueKind::Unreadable, e.to_string()))?;
    let compression = compression_by_ext.unwrap_or(if raw_head.starts_with(GZIP_MAGIC) {
        Compression::Gzip
    } else if raw_head.starts_with(ZSTD_MAGIC) {
        Compression::Zstd
    } else {
        Compression::None
    });
    let head = if compression == Compression::None {
        raw_head
    } else {
        // A damaged stream still gets a kind from its extension; the reader reports the damage.
        read_head(path, compression).unwrap_or_default()
    };

    let by_ext = match inner_name.rsplit_once('.').map(|(_, ext)| ext) {
        Some("txt" | "text") => Some(Format::Text),
        Some("md" | "markdown") => Some(Format::Markdown),
        Some("json") => Some(Format::Json),
        Some("jsonl" | "ndjson" | "jsonlines") => Some(Format::JsonLines),
        Some("csv") => Some(Format::Csv),
        Some("tsv" | "tab") => Some(Format::Tsv),
        Some("sgm" | "sgml") => Some(Format::Sgml),
        Some("html" | "htm" | "xhtml" | "shtml") => Some(Format::Html),
        _ => None,
    };
    let utf16 = charset::utf16_head(&head);
    let head = utf16.as_deref().unwrap_or(&head);
    if head.contains(&0) {
        return Err(Issue::new(shown, IssueKind::Binary, "contains NUL bytes"));
    }
    let format = by_ext.or_else(|| sniff(head)).ok_or_else(|| {
        let what = match inner_name.rsplit_once('.') {
            Some((_, ext)) => format!("unknown extension .{ext}"),
            None => "no extension and no recognisable content".to_string(),
        };
        Issue::new(&shown, IssueKind::Unsupported, what)
    })?;
    if utf16.is_some() && !format.read_whole() {
        return Err(Issue::new(
            shown,
            IssueKind::Unsupported,
            "UTF-16 is read in text, Markdown, HTML and SGML files only: save it as UTF-8",
        ));
    }
    Ok(Kind {
        format,
        compression,
    })
}

/// Guesses a format from content alone, for files with no telling extension.
fn sniff(head: &[u8]) -> Option<Format> {
    let text = String::from_utf8_lossy(head);
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    if trimmed.starts_with("<!DOCTYPE lewis") || trimmed.starts_with("<REUTERS") {
        return Some(Format::Sgml);
    }
    let start = trimmed.get(..14).unwrap_or(trimmed).to_ascii_lowercase();
    if start.starts_with("<!doctype html") || start.starts_with("<html") {
        return Some(Format::Html);
    }
    if super::smart::looks_like(trimmed) {
        return Some(Format::Smart);
    }
    if trimmed.starts_with('[') {
        return Some(Format::Json);
    }
    if trimmed.starts_with('{') {
        let first_line = trimmed.lines().next().unwrap_or("");
        let lines = trimmed
            .lines()
            .filter(|l| l.trim_start().starts_with('{'))
            .count();
        return Some(if first_line.trim_end().ends_with('}') && lines > 1 {
            Format::JsonLines
        } else {
            Format::Json
        });
    }
    None
}

fn read_head(path: &Path, compression: Compression) -> io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    open(path, compression)?
        .take(SNIFF_BYTES as u64)
        .read_to_end(&mut head)?;
    Ok(head)
}

/// Reads a whole stream, keeping what arrived before a read error; the error says why it ended.
///
/// `read_to_end` keeps the bytes read before an error, retries interrupted reads, and sizes
/// the buffer from the file for a plain file: no zeroed scratch buffer per file and no copies
/// as the buffer doubles (a million small files each paid for a 64 KB one).
pub fn read_all(mut stream: impl Read) -> (Vec<u8>, Option<io::Error>) {
    let mut bytes = Vec::new();
    let error = stream.read_to_end(&mut bytes).err();
    (bytes, error)
}

/// Reads a whole stream as text (UTF-8, or the encoding a byte order mark or `declared`
/// names, or a guessed Windows-1252: `charset`); replaced bytes and a guess are reported as
/// issues for `path`. The error, if any, says why the read ended early.
pub fn read_text(
    stream: impl Read,
    path: &str,
    declared: Declared,
    emit: &mut dyn FnMut(super::Record),
) -> (String, Option<io::Error>) {
    let (bytes, error) = read_all(stream);
    let (text, decoding) = charset::decode(bytes, declared);
    if let Some(issue) = decoding_issue(path, decoding) {
        emit(super::Record::Issue(issue));
    }
    (text, error)
}

/// The issue a decoding is worth: none for UTF-8 or a named encoding.
pub fn decoding_issue(path: &str, decoding: Decoding) -> Option<Issue> {
    match decoding {
        Decoding::Named => None,
        Decoding::Replaced => Some(Issue::new(
            path,
            IssueKind::InvalidUtf8,
            "invalid bytes replaced",
        )),
        Decoding::Guessed(encoding) => Some(Issue::new(
            path,
            IssueKind::Recoded,
            format!(
                "not UTF-8 and no encoding named: read as {}",
                encoding.name().to_lowercase()
            ),
        )),
    }
}

/// Reads a file that holds one article, as text; a file cut off by a read error is reported
/// and skipped (`None`): a cut-off article is not worth indexing as if it were whole.
pub fn read_whole_article(
    stream: impl Read,
    path: &str,
    declared: Declared,
    emit: &mut dyn FnMut(super::Record),
) -> Option<String> {
    let (text, error) = read_text(stream, path, declared, emit);
    if let Some(e) = error {
        emit(super::Record::Issue(Issue::new(
            path,
            IssueKind::Truncated,
            format!("{e}; the article was skipped"),
        )));
        return None;
    }
    Some(text)
}
