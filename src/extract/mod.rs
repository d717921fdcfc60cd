//! Extraction: pure functions from an article to what the index stores about it.

pub mod passages;
