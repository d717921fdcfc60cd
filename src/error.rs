//! Errors the library reports to its callers, each naming the path, flag or query at fault and,
//! where there is one, the fix.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("no newsdex index at {path}: build one with `newsdex index --index {path} DIR...`")]
    NoIndex { path: PathBuf },

    #[error(
        "the index at {path} was built with schema version {found}; this newsdex uses version {expected}. \
         Rebuild it with `newsdex index --rebuild --index {path} DIR...`"
    )]
    SchemaVersion {
        path: PathBuf,
        found: String,
        expected: u32,
    },

    #[error("cannot understand the query {query:?}: {reason}")]
    Query { query: String, reason: String },

    #[error("--actor {name:?}: {reason}")]
    Actor { name: String, reason: String },

    #[error("{what} {value:?} is not a date newsdex understands (try 2016-09-22 or 2016-09-22T10:30:00Z)")]
    Date { what: &'static str, value: String },

    #[error("{0}")]
    Config(String),

    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },

    #[error(transparent)]
    Schema(#[from] crate::schema::SchemaError),

    #[error("index: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
