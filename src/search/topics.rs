//! Topic counts over the passages a query matches.

use serde::Serialize;
use tantivy::Searcher;

use super::{value_counts, Request};
use crate::error::Result;
use crate::extract::topics::vocabulary;
use crate::index::NewsIndex;

/// One topic with how many matching passages and articles carry it.
#[derive(Debug, Clone, Serialize)]
pub struct Count {
    pub id: String,
    pub name: String,
    pub passages: u64,
    pub articles: u64,
}

/// Topics of the passages `request` matches, most articles first.
pub fn count(news: &NewsIndex, searcher: &Searcher, request: &Request) -> Result<Vec<Count>> {
    let mut counts = Vec::new();
    for (id, passages, articles) in value_counts(news, searcher, request, "topic", 100)? {
        let name = vocabulary()
            .iter()
            .find(|t| t.id == id)
            .map_or_else(|| id.clone(), |t| t.name.clone());
        counts.push(Count {
            id,
            name,
            passages,
            articles,
        });
    }
    counts.sort_by(|a, b| {
        b.articles
            .cmp(&a.articles)
            .then(b.passages.cmp(&a.passages))
            .then(a.id.cmp(&b.id))
    });
    Ok(counts)
}
