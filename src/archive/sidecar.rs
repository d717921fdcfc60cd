//! Sidecar metadata: a CSV/TSV table with a file-name column and no body (like PolNeAR's
//! `metadata.tsv`), joined by name to the text files beside it and below it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use super::charset;
use super::decode::{self, Kind};
use super::fields::{normalise, FieldMap, Fields, LogicalField};
use super::table::{csv_reader, headers};
use super::{FileRef, Issue, IssueKind};

/// Column names that hold the joined file's name, normalised.
const FILE_COLUMNS: &[&str] = &[
    "filename", "file", "filepath", "path", "document", "docname",
];

/// Metadata rows by file stem, each with the folder its table sits in (its scope).
#[derive(Debug, Default)]
pub struct Sidecars {
    rows: HashMap<String, Vec<(PathBuf, Fields)>>,
    tables: usize,
    /// Files that found their row, counted as readers look them up.
    joined: AtomicUsize,
}

/// A table is a sidecar when it names files and has no body column.
pub fn is_sidecar(file: &FileRef, kind: Kind, fields: &FieldMap) -> bool {
    let Ok(stream) = decode::open(&file.shown, kind.compression) else {
        return false;
    };
    let mut reader = csv_reader(stream, kind.format);
    let Ok(header) = headers(&mut reader) else {
        return false;
    };
    let columns = fields.resolve(&header);
    file_column(&header).is_some() && !columns.has(LogicalField::Body)
}

fn file_column(header: &[String]) -> Option<usize> {
    header
        .iter()
        .position(|h| FILE_COLUMNS.contains(&normalise(h).as_str()))
}

/// The join key: the file name without its extensions.
fn stem(name: &str) -> String {
    let base = Path::new(name)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let base = base
        .strip_suffix(".gz")
        .or_else(|| base.strip_suffix(".zst"))
        .unwrap_or(&base);
    match base.rsplit_once('.') {
        Some((s, ext)) if ext.len() <= 8 && !ext.contains(' ') => s.to_string(),
        _ => base.to_string(),
    }
}

impl Sidecars {
    pub fn load(&mut self, file: &FileRef, kind: Kind) -> Result<(), Issue> {
        let path = file.display();
        let stream = decode::open(&file.shown, kind.compression)
            .map_err(|e| Issue::new(&path, IssueKind::Unreadable, e.to_string()))?;
        let mut reader = csv_reader(stream, kind.format);
        let header =
            headers(&mut reader).map_err(|e| Issue::new(&path, IssueKind::BadRecord, e))?;
        let Some(name_col) = file_column(&header) else {
            return Ok(());
        };
        let columns = FieldMap::default().resolve(&header);
        self.tables += 1;
        let scope = file
            .absolute
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        for row in reader.byte_records() {
            let Ok(row) = row else { continue };
            // Spreadsheet exports are often Windows-1252: such a row is read, not dropped.
            let row: Vec<String> = row
                .iter()
                .map(|v| charset::decode_unlabelled(v).0)
                .collect();
            let Some(name) = row.get(name_col).filter(|n| !n.trim().is_empty()) else {
                continue;
            };
            let fields = Fields::from_columns(&columns, |i| row.get(i).map(String::as_str));
            self.rows
                .entry(stem(name.trim()))
                .or_default()
                .push((scope.clone(), fields));
        }
        Ok(())
    }

    /// The metadata for a file, from the nearest table whose folder contains it.
    pub fn lookup(&self, file: &FileRef) -> Option<&Fields> {
        let name = file.shown.file_name()?.to_string_lossy();
        let found = self
            .rows
            .get(&stem(&name))?
            .iter()
            .filter(|(scope, _)| file.absolute.starts_with(scope))
            .max_by_key(|(scope, _)| scope.components().count())
            .map(|(_, fields)| fields);
        if found.is_some() {
            self.joined.fetch_add(1, Ordering::Relaxed);
        }
        found
    }

    /// How many files were joined to a row so far.
    pub fn joined(&self) -> usize {
        self.joined.load(Ordering::Relaxed)
    }

    /// How many tables were loaded.
    pub fn tables(&self) -> usize {
        self.tables
    }
}
