//! JSON Lines output: every line is `{"type": KIND, "data": {...}}`.
//!
//! `newsdex search --json` writes one `hit` line per passage (the fields of
//! [`crate::search::Hit`]) and then one `summary` line ([`SearchSummary`]). The README
//! documents the format; tests hold it to strict mirror structs.

use std::io::{self, Write};

use serde::Serialize;

/// The envelope of every line.
#[derive(Debug, Serialize)]
pub struct Message<'a, T: Serialize> {
    #[serde(rename = "type")]
    pub kind: &'a str,
    pub data: &'a T,
}

/// The last line of `newsdex search --json`.
#[derive(Debug, Serialize)]
pub struct SearchSummary<'a> {
    pub query: &'a str,
    /// Hits printed.
    pub hits: usize,
    /// Passages that matched before grouping by article and paging.
    pub matched_passages: usize,
    pub elapsed_ms: f64,
}

/// Writes one line `{"type": kind, "data": data}`.
pub fn write_line<W: Write, T: Serialize>(out: &mut W, kind: &str, data: &T) -> io::Result<()> {
    serde_json::to_writer(&mut *out, &Message { kind, data })?;
    out.write_all(b"\n")
}

/// Writes one `kind` line per item, then the `summary` line: the shape of every listing.
pub fn write_list<W: Write, T: Serialize, S: Serialize>(
    out: &mut W,
    kind: &str,
    items: &[T],
    summary: &S,
) -> io::Result<()> {
    for item in items {
        write_line(out, kind, item)?;
    }
    write_line(out, "summary", summary)
}
