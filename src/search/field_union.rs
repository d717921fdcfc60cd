//! A word looked for in the headline or the passage, made cheap to skip through.
//!
//! The parser turns each word of a query over two default fields into "title:w OR text:w".
//! tantivy answers such a union with a scorer that buffers the next 4,096 documents of every
//! part, which is quick to walk through but costly to move inside a conjunction: each jump
//! past the buffer clears it and refills it (`perf` of the bench's text queries: 34% of the
//! time in the union's `seek`, with its 16 KB memsets). [`FieldUnion`] answers the same union
//! by merging its few parts, each skipping on its own skip list; it replaces a union of two
//! parts wherever one is a required or excluded part of a larger query (see
//! [`merge_small_unions`]). Matches and scores are the same: a document matches if a part
//! does, and scores the sum of the parts that match it, as tantivy's union does.

use tantivy::query::{
    BooleanQuery, EmptyScorer, EnableScoring, Explanation, Occur, Query, Scorer, Weight,
};
use tantivy::{DocId, DocSet, Score, SegmentReader, TantivyError, Term, TERMINATED};

/// Unions of at most this many parts are merged; larger ones keep tantivy's buffered union,
/// which walks many parts faster than a merge that looks at each of them for each document.
const MAX_MERGED_PARTS: usize = 2;

/// Documents that match any of `parts`, scored by the sum of the parts that match.
#[derive(Debug)]
pub struct FieldUnion {
    parts: Vec<Box<dyn Query>>,
}

impl Clone for FieldUnion {
    fn clone(&self) -> Self {
        FieldUnion {
            parts: self.parts.iter().map(|p| p.box_clone()).collect(),
        }
    }
}

/// Rewrites `query` so that every small union (only optional parts, at most
/// [`MAX_MERGED_PARTS`] of them, one needed to match) that is a required or excluded part of a
/// larger boolean query becomes a [`FieldUnion`]. A union standing alone keeps tantivy's
/// scorer: with nothing to skip to, it walks its parts faster.
pub fn merge_small_unions(query: Box<dyn Query>) -> Box<dyn Query> {
    let Some(boolean) = query.downcast_ref::<BooleanQuery>() else {
        return query;
    };
    let inside_larger = boolean.clauses().len() > 1;
    let clauses = boolean
        .clauses()
        .iter()
        .map(|(occur, clause)| {
            let clause = merge_small_unions(clause.box_clone());
            let merged = match (occur, small_union_parts(&*clause)) {
                (Occur::Must | Occur::MustNot, Some(parts)) if inside_larger => {
                    Box::new(FieldUnion { parts }) as Box<dyn Query>
                }
                _ => clause,
            };
            (*occur, merged)
        })
        .collect();
    Box::new(BooleanQuery::with_minimum_required_clauses(
        clauses,
        boolean.get_minimum_number_should_match(),
    ))
}

/// The parts of `query` if it is a small union.
fn small_union_parts(query: &dyn Query) -> Option<Vec<Box<dyn Query>>> {
    let boolean = query.downcast_ref::<BooleanQuery>()?;
    let clauses = boolean.clauses();
    let small = (2..=MAX_MERGED_PARTS).contains(&clauses.len())
        && clauses.iter().all(|(occur, _)| *occur == Occur::Should)
        && boolean.get_minimum_number_should_match() <= 1;
    small.then(|| clauses.iter().map(|(_, q)| q.box_clone()).collect())
}

impl FieldUnion {
    /// The same union as tantivy's boolean query of optional parts, which, collected alone,
    /// ranks by block-max WAND.
    pub fn as_boolean(&self) -> BooleanQuery {
        BooleanQuery::new(
            self.parts
                .iter()
                .map(|part| (Occur::Should, part.box_clone()))
                .collect(),
        )
    }
}

impl Query for FieldUnion {
    fn weight(&self, scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let parts = self
            .parts
            .iter()
            .map(|part| part.weight(scoring))
            .collect::<tantivy::Result<_>>()?;
        Ok(Box::new(FieldUnionWeight { parts }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        for part in &self.parts {
            part.query_terms(visitor);
        }
    }
}

struct FieldUnionWeight {
    parts: Vec<Box<dyn Weight>>,
}

impl Weight for FieldUnionWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let mut parts = Vec::with_capacity(self.parts.len());
        for weight in &self.parts {
            let scorer = weight.scorer(reader, boost)?;
            if scorer.doc() != TERMINATED {
                parts.push(scorer);
            }
        }
        Ok(match parts.len() {
            0 => Box::new(EmptyScorer),
            1 => parts.pop().expect("one part"),
            _ => Box::new(MergedUnion::new(parts)),
        })
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let matched: Vec<Explanation> = self
            .parts
            .iter()
            .filter_map(|part| part.explain(reader, doc).ok())
            .collect();
        if matched.is_empty() {
            return Err(TantivyError::InvalidArgument(format!(
                "document {doc} matches no part of the union"
            )));
        }
        let mut explanation =
            Explanation::new("sum of", matched.iter().map(Explanation::value).sum());
        for detail in matched {
            explanation.add_detail(detail);
        }
        Ok(explanation)
    }
}

/// The union of a few scorers, each positioned on its own next document; the union is on the
/// smallest of them.
struct MergedUnion {
    parts: Vec<Box<dyn Scorer>>,
    doc: DocId,
}

impl MergedUnion {
    fn new(parts: Vec<Box<dyn Scorer>>) -> MergedUnion {
        let mut union = MergedUnion {
            parts,
            doc: TERMINATED,
        };
        union.settle();
        union
    }

    /// Puts the union on the smallest document of its parts.
    fn settle(&mut self) -> DocId {
        self.doc = self
            .parts
            .iter()
            .map(|p| p.doc())
            .min()
            .unwrap_or(TERMINATED);
        self.doc
    }
}

impl DocSet for MergedUnion {
    fn advance(&mut self) -> DocId {
        let current = self.doc;
        for part in &mut self.parts {
            if part.doc() == current {
                part.advance();
            }
        }
        self.settle()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if self.doc >= target {
            return self.doc;
        }
        for part in &mut self.parts {
            if part.doc() < target {
                part.seek(target);
            }
        }
        self.settle()
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    fn size_hint(&self) -> u32 {
        self.parts
            .iter()
            .map(|p| p.size_hint())
            .fold(0u32, u32::saturating_add)
    }

    fn cost(&self) -> u64 {
        self.parts.iter().map(|p| p.cost()).sum()
    }
}

impl Scorer for MergedUnion {
    fn score(&mut self) -> Score {
        let doc = self.doc;
        // In the parts' order, as tantivy's union adds them.
        let mut sum = 0.0;
        for part in &mut self.parts {
            if part.doc() == doc {
                sum += part.score();
            }
        }
        sum
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::collector::{Count, TopDocs};
    use tantivy::query::QueryParser;
    use tantivy::schema::{Schema, STORED, TEXT};
    use tantivy::{doc, Index, IndexWriter};

    /// An index of (title, text) documents, with a document of neither word between most.
    fn index(docs: &[(&str, &str)]) -> (Index, tantivy::schema::Field, tantivy::schema::Field) {
        let mut schema = Schema::builder();
        let title = schema.add_text_field("title", TEXT | STORED);
        let text = schema.add_text_field("text", TEXT);
        let index = Index::create_in_ram(schema.build());
        let mut writer: IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
        for (t, x) in docs {
            writer.add_document(doc!(title => *t, text => *x)).unwrap();
        }
        writer.commit().unwrap();
        (index, title, text)
    }

    /// Every (score, doc) of the query, best first, and the count.
    fn run(index: &Index, query: &dyn Query) -> (Vec<(f32, u32)>, usize) {
        let searcher = index.reader().unwrap().searcher();
        let (top, count) = searcher
            .search(query, &(TopDocs::with_limit(100).order_by_score(), Count))
            .unwrap();
        (top.into_iter().map(|(s, a)| (s, a.doc_id)).collect(), count)
    }

    #[test]
    fn merged_unions_match_and_score_as_tantivys_do() {
        let mut docs = Vec::new();
        for i in 0..3000 {
            let title = match i % 7 {
                0 => "grain exports",
                3 => "wheat harvest",
                _ => "markets",
            };
            let text = match i % 5 {
                0 => "grain prices rose as wheat stocks fell",
                1 => "exports of wheat",
                2 => "nothing of note",
                _ => "grain",
            };
            docs.push((title, text));
        }
        let (index, title, text) = index(&docs);
        let mut parser = QueryParser::for_index(&index, vec![title, text]);
        parser.set_conjunction_by_default();
        for text in [
            "grain wheat",
            "grain -exports",
            "\"wheat stocks\" grain",
            "wheat",
        ] {
            let parsed = parser.parse_query(text).unwrap();
            let merged = merge_small_unions(parsed.box_clone());
            assert_eq!(run(&index, &*parsed), run(&index, &*merged), "{text}");
        }
        // The conjunction's words are merged unions; a lone word keeps tantivy's union.
        let merged = merge_small_unions(parser.parse_query("grain wheat").unwrap());
        let boolean = merged.downcast_ref::<BooleanQuery>().unwrap();
        assert!(boolean.clauses().iter().all(|(_, q)| q.is::<FieldUnion>()));
        let lone = merge_small_unions(parser.parse_query("wheat").unwrap());
        assert!(lone.is::<BooleanQuery>());
    }

    #[test]
    fn a_merged_union_skips_to_the_first_document_of_any_part() {
        let docs: Vec<(&str, &str)> = (0..500)
            .map(|i| match i {
                10 | 300 => ("alpha", "x"),
                200 | 400 => ("x", "alpha"),
                _ => ("x", "y"),
            })
            .collect();
        let (index, title, text) = index(&docs);
        let searcher = index.reader().unwrap().searcher();
        let term = |f| Term::from_field_text(f, "alpha");
        let part = |f| -> Box<dyn Query> {
            Box::new(tantivy::query::TermQuery::new(
                term(f),
                tantivy::schema::IndexRecordOption::WithFreqs,
            ))
        };
        let union = FieldUnion {
            parts: vec![part(title), part(text)],
        };
        let weight = union
            .weight(EnableScoring::enabled_from_searcher(&searcher))
            .unwrap();
        let mut scorer = weight.scorer(searcher.segment_reader(0), 1.0).unwrap();
        assert_eq!(scorer.doc(), 10);
        assert_eq!(scorer.seek(11), 200);
        assert_eq!(scorer.advance(), 300);
        assert_eq!(scorer.seek(400), 400);
        assert_eq!(scorer.advance(), TERMINATED);
        assert!(weight.explain(searcher.segment_reader(0), 200).is_ok());
        assert!(weight.explain(searcher.segment_reader(0), 201).is_err());
    }
}
