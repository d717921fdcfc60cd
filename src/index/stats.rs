//! What an index holds: counts, sources, date range, size, schema version.

use std::path::Path;

use serde::Serialize;
use tantivy::aggregation::agg_req::Aggregations;
use tantivy::aggregation::agg_result::{AggregationResult, AggregationResults, BucketResult};
use tantivy::aggregation::{AggContextParams, AggregationCollector};
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{AllQuery, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::{DateTime, Order, Term};

use super::NewsIndex;
use crate::error::Result;

#[derive(Debug, Clone, Serialize)]
pub struct Stats {
    pub articles: u64,
    pub passages: u64,
    /// Sources with their passage counts, most first.
    pub sources: Vec<(String, u64)>,
    /// Earliest and latest article dates (RFC 3339), when any article is dated.
    pub first_date: Option<String>,
    pub last_date: Option<String>,
    pub undated_passages: u64,
    pub size_bytes: u64,
    pub segments: usize,
    pub schema_version: u32,
}

pub fn stats(news: &NewsIndex) -> Result<Stats> {
    let searcher = news.searcher()?;
    let f = &news.fields;
    let first_passages =
        TermQuery::new(Term::from_field_u64(f.passage, 0), IndexRecordOption::Basic);
    let articles = searcher.search(&first_passages, &Count)? as u64;
    let passages = searcher.num_docs();

    let request: Aggregations = serde_json::from_value(serde_json::json!({
        "sources": { "terms": { "field": "source", "size": 1000 } }
    }))
    .map_err(|e| tantivy::TantivyError::InvalidArgument(e.to_string()))?;
    let results: AggregationResults = searcher.search(
        &AllQuery,
        &AggregationCollector::from_aggs(request, AggContextParams::default()),
    )?;
    let mut sources = Vec::new();
    if let Some(AggregationResult::BucketResult(BucketResult::Terms { buckets, .. })) =
        results.0.get("sources")
    {
        for bucket in buckets {
            sources.push((bucket.key.to_string(), bucket.doc_count));
        }
    }

    let date_at = |order: Order| -> Result<Option<DateTime>> {
        let top = searcher.search(
            &AllQuery,
            &TopDocs::with_limit(1).order_by_fast_field::<DateTime>("date", order),
        )?;
        Ok(top.into_iter().next().and_then(|(d, _)| d))
    };
    let dated = searcher.search(
        &tantivy::query::ExistsQuery::new("date".to_string(), false),
        &Count,
    )? as u64;

    Ok(Stats {
        articles,
        passages,
        sources,
        first_date: date_at(Order::Asc)?.map(rfc3339),
        last_date: date_at(Order::Desc)?.map(rfc3339),
        undated_passages: passages - dated.min(passages),
        size_bytes: dir_size(&news.path),
        segments: searcher.segment_readers().len(),
        schema_version: news.spec.version,
    })
}

/// A tantivy date as RFC 3339 text.
pub fn rfc3339(d: DateTime) -> String {
    chrono::DateTime::from_timestamp(d.into_timestamp_secs(), 0)
        .map(|d| {
            // Written field by field: a strftime pattern is parsed anew on every call, and
            // search formats a date per hit.
            use chrono::{Datelike, Timelike};
            format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
                d.year(),
                d.month(),
                d.day(),
                d.hour(),
                d.minute(),
                d.second()
            )
        })
        .unwrap_or_default()
}

/// Bytes of every file under `path`.
pub fn dir_size(path: &Path) -> u64 {
    walkdir::WalkDir::new(path)
        .into_iter()
        .filter_map(|e| e.ok())
        .filter_map(|e| e.metadata().ok())
        .filter(|m| m.is_file())
        .map(|m| m.len())
        .sum()
}

#[cfg(test)]
mod tests {
    #[test]
    fn rfc3339_dates() {
        let d = tantivy::DateTime::from_timestamp_secs(1_700_000_000);
        assert_eq!(super::rfc3339(d), "2023-11-14T22:13:20Z");
        let early = tantivy::DateTime::from_timestamp_secs(-2_208_988_800 + 59);
        assert_eq!(super::rfc3339(early), "1900-01-01T00:00:59Z");
    }
}
