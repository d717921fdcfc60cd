//! Quotes in an index: the statements in the passages a query matches, with their speakers.

use std::borrow::Cow;

use serde::Serialize;
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, ExistsQuery, Occur, Query, TermQuery};
use tantivy::schema::{IndexRecordOption, TantivyDocument, Value};
use tantivy::{Order, Searcher, Term};

use super::{parse_query, with_filters, Request};
use crate::error::Result;
use crate::index::{rfc3339, NewsIndex, StoredQuote};

/// One quote found, with its article.
#[derive(Debug, Clone, Serialize)]
pub struct QuoteHit {
    pub speaker: Option<String>,
    pub direct: bool,
    pub cue: Option<String>,
    /// What was said (cut at the passage's end when the quote runs on).
    pub text: String,
    pub title: String,
    pub date: Option<String>,
    pub source: Option<String>,
    pub path: String,
    pub article_id: String,
    pub passage: u64,
}

/// Quotes in the passages `request` matches (newest first when the query is `*`, else best
/// passages first), only by `speaker` (an actor id) when given, at most `limit`.
pub fn find(
    news: &NewsIndex,
    searcher: &Searcher,
    request: &Request,
    speaker: Option<&str>,
    limit: usize,
) -> Result<Vec<QuoteHit>> {
    let f = &news.fields;
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(
        Occur::Must,
        with_filters(
            news,
            parse_query(news, searcher, &request.query, request.match_any)?,
            request,
        ),
    )];
    clauses.push((
        Occur::Must,
        match speaker {
            Some(id) => Box::new(TermQuery::new(
                Term::from_field_text(f.speaker_id, id),
                IndexRecordOption::Basic,
            )),
            None => Box::new(ExistsQuery::new("speaker_id".to_string(), false)),
        },
    ));
    let query = BooleanQuery::new(clauses);
    // Passages hold several quotes: fetch as many passages as quotes wanted.
    let addresses: Vec<_> = if request.query.trim().is_empty() || request.query.trim() == "*" {
        searcher
            .search(
                &query,
                &TopDocs::with_limit(limit.max(1))
                    .order_by_fast_field::<tantivy::DateTime>("date", Order::Desc),
            )?
            .into_iter()
            .map(|(_, a)| a)
            .collect()
    } else {
        searcher
            .search(&query, &TopDocs::with_limit(limit.max(1)).order_by_score())?
            .into_iter()
            .map(|(_, a)| a)
            .collect()
    };
    let mut hits = Vec::new();
    for address in addresses {
        let doc: TantivyDocument = searcher.doc(address)?;
        let text_of = |field| {
            doc.get_first(field)
                .and_then(|v| v.as_str())
                .map(str::to_string)
        };
        let passage_text = text_of(f.text).unwrap_or_default();
        let passage_start = doc.get_first(f.start).and_then(|v| v.as_u64()).unwrap_or(0) as usize;
        for raw in doc.get_all(f.quotes).filter_map(|v| v.as_str()) {
            let Ok(q) = serde_json::from_str::<StoredQuote>(raw) else {
                continue;
            };
            if speaker.is_some() && q.speaker.as_deref() != speaker {
                continue;
            }
            let from = q
                .start
                .saturating_sub(passage_start)
                .min(passage_text.len());
            let to = q.end.saturating_sub(passage_start).min(passage_text.len());
            let text = passage_text
                .get(from..to)
                .unwrap_or_default()
                .trim()
                .to_string();
            hits.push(QuoteHit {
                speaker: q.speaker.map(Cow::into_owned),
                direct: q.direct,
                cue: q.cue.map(Cow::into_owned),
                text,
                title: text_of(f.title).unwrap_or_default(),
                date: doc
                    .get_first(f.date)
                    .and_then(|v| v.as_datetime())
                    .map(rfc3339),
                source: text_of(f.source),
                path: text_of(f.path).unwrap_or_default(),
                article_id: text_of(f.article_id).unwrap_or_default(),
                passage: doc
                    .get_first(f.passage)
                    .and_then(|v| v.as_u64())
                    .unwrap_or(0),
            });
            if hits.len() >= limit {
                return Ok(hits);
            }
        }
    }
    Ok(hits)
}
