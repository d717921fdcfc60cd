//! newsdex: full-text search for news archives.
//!
//! The data flows one way:
//!
//! ```text
//! archive dirs ─ archive::walk ─ archive::plan ─ archive::read_file ─▶ model::Article
//!     ─ extract::passages ─▶ model::Passage ─ index::documents ─▶ tantivy writer (index::run)
//! query text ─ search::search ─▶ search::Hit (ranked passages, highlights) ─ output ─▶ stdout
//! ```
//!
//! `schema` turns `index_schema/schema.toml` into the tantivy schema both sides share.

pub mod archive;
pub mod bench;
pub mod dates;
pub mod error;
pub mod extract;
pub mod index;
pub mod model;
pub mod output;
pub mod schema;
pub mod search;

pub use error::{Error, Result};
