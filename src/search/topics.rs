//! Topic counts over the passages a query matches.

use serde::Serialize;
use tantivy::aggregation::agg_req::Aggregations;
use tantivy::aggregation::agg_result::{
    AggregationResult, AggregationResults, BucketResult, MetricResult,
};
use tantivy::aggregation::{AggContextParams, AggregationCollector};
use tantivy::Searcher;

use super::{parse_query, with_filters, Request};
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
    let query = with_filters(
        news,
        parse_query(news, &request.query, request.match_any)?,
        request,
    );
    let aggs: Aggregations = serde_json::from_value(serde_json::json!({
        "topics": {
            "terms": { "field": "topic", "size": 100 },
            "aggs": { "articles": { "cardinality": { "field": "article_key" } } }
        }
    }))
    .map_err(|e| tantivy::TantivyError::InvalidArgument(e.to_string()))?;
    let results: AggregationResults = searcher.search(
        &*query,
        &AggregationCollector::from_aggs(aggs, AggContextParams::default()),
    )?;
    let mut counts = Vec::new();
    if let Some(AggregationResult::BucketResult(BucketResult::Terms { buckets, .. })) =
        results.0.get("topics")
    {
        for bucket in buckets {
            let id = bucket.key.to_string();
            let articles = match bucket.sub_aggregation.0.get("articles") {
                Some(AggregationResult::MetricResult(MetricResult::Cardinality(v))) => {
                    v.value.unwrap_or(0.0).round() as u64
                }
                _ => 0,
            };
            let name = vocabulary()
                .iter()
                .find(|t| t.id == id)
                .map_or_else(|| id.clone(), |t| t.name.clone());
            counts.push(Count {
                id,
                name,
                passages: bucket.doc_count,
                articles,
            });
        }
    }
    counts.sort_by(|a, b| {
        b.articles
            .cmp(&a.articles)
            .then(b.passages.cmp(&a.passages))
            .then(a.id.cmp(&b.id))
    });
    Ok(counts)
}
