//! Extraction: pure functions from an article to what the index stores about it.

pub mod actors;
pub mod gazetteer;
pub mod keyphrases;
pub mod ner;
pub mod passages;
pub mod quotes;
pub mod tokens;
pub mod topics;
pub mod word_table;
