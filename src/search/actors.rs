//! Actors in an index: naming one (`--actor Aliyev` → `person:Ilham Aliyev`) and counting
//! them over the passages a query matches.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use tantivy::Searcher;

use super::{value_counts, Request};
use crate::error::{Error, Result};
use crate::extract::gazetteer::{ActorKind, Gazetteer};
use crate::index::NewsIndex;

/// Every actor id in the index, from the dictionaries of the `actor_id` column.
pub fn known(news: &NewsIndex, searcher: &Searcher) -> Result<BTreeSet<String>> {
    let mut ids = BTreeSet::new();
    let io = |source| Error::Io {
        path: news.path.clone(),
        source,
    };
    for segment in searcher.segment_readers() {
        let Some(column) = segment.fast_fields().str("actor_id")? else {
            continue;
        };
        let mut stream = column.dictionary().stream().map_err(io)?;
        while stream.advance() {
            if let Ok(id) = std::str::from_utf8(stream.key()) {
                ids.insert(id.to_string());
            }
        }
    }
    Ok(ids)
}

/// The actor ids a name may mean: an id itself, a canonical name, a gazetteer alias ("U.S."),
/// or part of a name ("Aliyev"). Exact matches win over partial ones.
pub fn resolve(name: &str, known: &BTreeSet<String>) -> Vec<String> {
    if known.contains(name) {
        return vec![name.to_string()];
    }
    let wanted = name.trim().to_lowercase();
    let canonical = Gazetteer::embedded()
        .lookup(name)
        .map(|(e, _)| Gazetteer::embedded().entries[e].name.to_lowercase());
    let name_of = |id: &str| id.split_once(':').map_or(id, |(_, n)| n).to_lowercase();
    let exact: Vec<String> = known
        .iter()
        .filter(|id| {
            let n = name_of(id);
            n == wanted || canonical.as_deref() == Some(n.as_str())
        })
        .cloned()
        .collect();
    if !exact.is_empty() {
        return exact;
    }
    let words: Vec<&str> = wanted.split_whitespace().collect();
    known
        .iter()
        .filter(|id| {
            let n = name_of(id);
            let tokens: Vec<&str> = n.split(|c: char| c.is_whitespace() || c == '-').collect();
            !words.is_empty() && words.iter().all(|w| tokens.contains(w))
        })
        .cloned()
        .collect()
}

/// Resolves a name to exactly one actor id, or says why it cannot.
pub fn resolve_one(news: &NewsIndex, searcher: &Searcher, name: &str) -> Result<String> {
    let candidates = resolve(name, &known(news, searcher)?);
    match candidates.len() {
        1 => Ok(candidates.into_iter().next().unwrap_or_default()),
        0 => Err(Error::Actor {
            name: name.to_string(),
            reason: "no actor of that name in the index".to_string(),
        }),
        _ => Err(Error::Actor {
            name: name.to_string(),
            reason: format!(
                "ambiguous: it could be {}; give the full name or the id",
                candidates
                    .iter()
                    .take(12)
                    .map(|c| format!("\"{c}\""))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }),
    }
}

/// One actor with how often it appears.
#[derive(Debug, Clone, Serialize)]
pub struct Count {
    pub id: String,
    pub kind: String,
    pub name: String,
    /// Matching passages that mention it.
    pub passages: u64,
    /// Distinct articles among those passages.
    pub articles: u64,
}

/// The actors most mentioned in the passages that `request` matches, most first; only of
/// `kind` when given, and leaving out the actors in `request.actor_ids` (for co-occurrence).
pub fn count(
    news: &NewsIndex,
    searcher: &Searcher,
    request: &Request,
    kind: Option<ActorKind>,
    top: usize,
) -> Result<Vec<Count>> {
    // Ask for more buckets than shown, since some are filtered out by kind afterwards.
    let size = if kind.is_some() || !request.actor_ids.is_empty() {
        (top * 20).max(1000)
    } else {
        top + request.actor_ids.len()
    };
    let mut counts = Vec::new();
    for (id, passages, articles) in value_counts(news, searcher, request, "actor_id", size)? {
        let (k, name) = id.split_once(':').unwrap_or(("", &id));
        if kind.is_some_and(|want| want.name() != k) || request.actor_ids.contains(&id) {
            continue;
        }
        counts.push(Count {
            id: id.clone(),
            kind: k.to_string(),
            name: name.to_string(),
            passages,
            articles,
        });
    }
    // Equal counts in id order, so the list is the same on every run.
    let mut grouped: BTreeMap<std::cmp::Reverse<u64>, Vec<Count>> = BTreeMap::new();
    for c in counts {
        grouped
            .entry(std::cmp::Reverse(c.passages))
            .or_default()
            .push(c);
    }
    Ok(grouped
        .into_values()
        .flat_map(|mut v| {
            v.sort_by(|a, b| a.id.cmp(&b.id));
            v
        })
        .take(top)
        .collect())
}
