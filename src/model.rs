//! The plain data that flows through newsdex: articles read from an archive and the passages
//! cut from them. No tantivy, no clap: readers produce these, extraction and indexing consume them.

use chrono::{DateTime, Utc};

/// One news article as read from an archive, before extraction.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Article {
    /// Stable id: the record's own id when it has one, else `path#position`.
    pub id: String,
    pub title: String,
    pub body: String,
    pub date: Option<DateTime<Utc>>,
    pub source: Option<String>,
    pub author: Option<String>,
    pub url: Option<String>,
    /// Where it came from: the file, with `#N` for the Nth record of a multi-record file.
    pub path: String,
}

/// A span of an article body: an exact byte range, so passages can point back into the article.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Passage {
    pub start: usize,
    pub end: usize,
}

impl Passage {
    /// The passage's text in the body it was cut from.
    pub fn text<'a>(&self, body: &'a str) -> &'a str {
        &body[self.start..self.end]
    }
}
