//! Archives in, articles out: walking directories, telling formats apart, and one reader per
//! format. Readers stream records and report each problem as an [`Issue`]; none of them aborts
//! a run or panics on bad input.

mod charset;
mod decode;
mod fields;
mod html;
mod json;
mod json_array;
pub mod sgml;
mod sidecar;
pub mod smart;
mod table;
mod text;
mod utf8;
mod walk;

use std::fmt;
use std::path::{Path, PathBuf};

use crate::model::Article;

pub use decode::{Compression, Format, Kind};
pub use fields::{FieldMap, LogicalField};
pub use sidecar::Sidecars;
pub use walk::walk;

/// What a reader hands back, record by record.
#[derive(Debug)]
pub enum Record {
    Article(Article),
    Issue(Issue),
}

/// A problem with the input, tied to the file (and record) it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    pub path: String,
    pub kind: IssueKind,
    pub detail: String,
}

/// Why something was skipped or changed. The summary counts issues by kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum IssueKind {
    /// The file could not be opened or read: skipped.
    Unreadable,
    /// Not a format newsdex reads (by extension and content): skipped.
    Unsupported,
    /// Looks binary (NUL bytes): skipped.
    Binary,
    /// Compressed data or a read that ended early: the records before it were kept.
    Truncated,
    /// A broken JSON value, JSON line or CSV row: that record skipped.
    BadRecord,
    /// A record without a body, such as a headline-only wire brief: skipped.
    NoBody,
    /// Invalid UTF-8, decoded with replacement characters: kept.
    InvalidUtf8,
    /// Not UTF-8 and no encoding named: read as Windows-1252 (a guess, so reported): kept.
    Recoded,
    /// A date that no known form fits: the article is kept undated (or dated from its path).
    BadDate,
}

impl IssueKind {
    pub const ALL: [IssueKind; 9] = [
        IssueKind::Unreadable,
        IssueKind::Unsupported,
        IssueKind::Binary,
        IssueKind::Truncated,
        IssueKind::BadRecord,
        IssueKind::NoBody,
        IssueKind::InvalidUtf8,
        IssueKind::Recoded,
        IssueKind::BadDate,
    ];

    /// A short stable name, used in the summary and in JSON.
    pub fn name(self) -> &'static str {
        match self {
            IssueKind::Unreadable => "unreadable",
            IssueKind::Unsupported => "unsupported",
            IssueKind::Binary => "binary",
            IssueKind::Truncated => "truncated",
            IssueKind::BadRecord => "bad_record",
            IssueKind::NoBody => "no_body",
            IssueKind::InvalidUtf8 => "invalid_utf8",
            IssueKind::Recoded => "recoded",
            IssueKind::BadDate => "bad_date",
        }
    }

    /// What happened to the data, for people.
    pub fn outcome(self) -> &'static str {
        match self {
            IssueKind::Unreadable => "file skipped: could not be read",
            IssueKind::Unsupported => "file skipped: not a format newsdex reads",
            IssueKind::Binary => "file skipped: binary content",
            IssueKind::Truncated => "file cut short: records before the break were kept",
            IssueKind::BadRecord => "record skipped: malformed",
            IssueKind::NoBody => "record skipped: no body text",
            IssueKind::InvalidUtf8 => "kept: invalid UTF-8 replaced",
            IssueKind::Recoded => "kept: not UTF-8, read as Windows-1252",
            IssueKind::BadDate => "kept: date not understood",
        }
    }
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.path, self.kind.name(), self.detail)
    }
}

impl Issue {
    pub fn new(path: impl Into<String>, kind: IssueKind, detail: impl Into<String>) -> Issue {
        Issue {
            path: path.into(),
            kind,
            detail: detail.into(),
        }
    }
}

/// What every reader needs besides the file: field overrides and sidecar metadata.
#[derive(Debug, Default)]
pub struct ReadContext {
    pub fields: FieldMap,
    pub sidecars: Sidecars,
}

/// A file found by the walk, with the name it is shown under and its absolute form for ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRef {
    pub shown: PathBuf,
    pub absolute: PathBuf,
}

impl FileRef {
    pub fn new(path: &Path) -> FileRef {
        let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        FileRef {
            shown: path.to_path_buf(),
            absolute,
        }
    }

    pub fn display(&self) -> String {
        self.shown.display().to_string()
    }

    /// The article id for the Nth record of this file when the record has no id of its own.
    pub fn record_id(&self, position: usize) -> String {
        format!("{}#{position}", self.absolute.display())
    }
}

/// Reads every article of one file of a known kind, streaming, and hands each record to `emit`.
pub fn read_file(file: &FileRef, kind: Kind, ctx: &ReadContext, emit: &mut dyn FnMut(Record)) {
    let path = file.display();
    let stream = match decode::open(&file.shown, kind.compression) {
        Ok(s) => s,
        Err(e) => {
            emit(Record::Issue(Issue::new(
                path,
                IssueKind::Unreadable,
                e.to_string(),
            )));
            return;
        }
    };
    match kind.format {
        Format::Text | Format::Markdown => text::read(file, stream, kind.format, ctx, emit),
        Format::Json => {
            let reopen = || decode::open(&file.shown, kind.compression);
            json::read_document(file, stream, &reopen, ctx, emit)
        }
        Format::JsonLines => json::read_lines(file, stream, ctx, emit),
        Format::Csv | Format::Tsv => table::read(file, stream, kind.format, ctx, emit),
        Format::Html => html::read(file, stream, ctx, emit),
        Format::Sgml => sgml::read(file, stream, emit),
        Format::Smart => smart::read(file, stream, emit),
    }
}

/// Sorts the walked files into sidecar metadata tables (loaded into the context) and article
/// files with their detected kinds; what cannot be read is reported.
pub fn plan(
    files: Vec<PathBuf>,
    fields: FieldMap,
) -> (ReadContext, Vec<(FileRef, Kind)>, Vec<Issue>) {
    let mut ctx = ReadContext {
        fields,
        sidecars: Sidecars::default(),
    };
    let mut articles = Vec::new();
    let mut issues = Vec::new();
    for path in files {
        let file = FileRef::new(&path);
        match decode::detect(&path) {
            Ok(kind) => {
                if matches!(kind.format, Format::Csv | Format::Tsv)
                    && sidecar::is_sidecar(&file, kind, &ctx.fields)
                {
                    if let Err(issue) = ctx.sidecars.load(&file, kind) {
                        issues.push(issue);
                    }
                } else {
                    articles.push((file, kind));
                }
            }
            Err(issue) => issues.push(issue),
        }
    }
    (ctx, articles, issues)
}

#[cfg(test)]
mod tests;
