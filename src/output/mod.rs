//! Printers: hits and summaries as text for people and as JSON Lines for scripts. They write
//! to any `io::Write` and never decide where output goes or whether to colour it.

pub mod json;
pub mod text;
