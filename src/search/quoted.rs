//! `quote:` queries, answered from the passage text.
//!
//! Quoted words are not indexed a second time. Each passage keeps where its quotes are
//! (`quote_span`: word positions in its `text`), and `quote:word` or `quote:"a phrase"` matches
//! a passage whose text has the word or phrase inside one of them, scored by BM25 over the text
//! field with the count of such places. Indexing the quotes as a field of their own had every
//! quoted word tokenized, stemmed and posted twice: about a seventh of all indexed tokens.

use tantivy::columnar::Column;
use tantivy::fieldnorm::FieldNormReader;
use tantivy::postings::{Postings, SegmentPostings};
use tantivy::query::{
    Bm25Weight, EmptyScorer, EnableScoring, ExistsQuery, Explanation, PhraseQuery, Query, Scorer,
    TermQuery, Weight,
};
use tantivy::schema::{IndexRecordOption, Schema};
use tantivy::{DocId, DocSet, Score, SegmentReader, Term, TERMINATED};

use crate::error::{Error, Result};
use crate::schema::Fields;

/// Turns each part of a parsed query that reads the `quote` field into a [`QuotedQuery`] over
/// `text`, looking inside boolean queries. A word or an exact phrase can be asked for; other
/// forms on `quote` (proximity, prefixes, ranges, boosts) are refused with a message naming
/// the query the user `asked`, since they would match nothing.
pub fn answer_from_text(
    query: Box<dyn Query>,
    asked: &str,
    fields: &Fields,
    schema: &Schema,
) -> Result<Box<dyn Query>> {
    // A part can only read the quote field if the text names it; most queries do not, and
    // looking at each part costs a debug print of it (1.5% of a text query's time).
    if !asked.contains(schema.get_field_name(fields.quote)) {
        return Ok(query);
    }
    super::rewrite_parts(query, &mut |part| answer_part(part, asked, fields, schema))
}

/// One part of a parsed query (not a boolean query): as it was, or read from the text.
fn answer_part(
    query: Box<dyn Query>,
    asked: &str,
    fields: &Fields,
    schema: &Schema,
) -> Result<Box<dyn Query>> {
    let (quote, text) = (fields.quote, fields.text);
    let spans = schema.get_field_name(fields.quote_span);
    let mut reads_quote = false;
    query.query_terms(&mut |term: &Term, _| reads_quote |= term.field() == quote);
    // Ranges, prefixes and `quote:*` name their field without visiting terms; their debug
    // forms show it (`Term(field=20, …`, `Field(20)`, `field_name: "quote"`).
    let shown = format!("{query:?}");
    if shown.contains(&format!("field_name: {:?},", schema.get_field_name(quote))) {
        return Ok(Box::new(ExistsQuery::new(spans.to_string(), false)));
    }
    if !reads_quote
        && !shown.contains(&format!("{quote:?}"))
        && !shown.contains(&format!("field={}, ", quote.field_id()))
    {
        return Ok(query);
    }
    let in_text = |term: &Term| Term::from_field_text(text, term.value().as_str().unwrap_or(""));
    if let Some(term) = query.downcast_ref::<TermQuery>() {
        return Ok(Box::new(QuotedQuery::new(
            vec![in_text(term.term())],
            spans,
        )));
    }
    if let Some(phrase) = query.downcast_ref::<PhraseQuery>() {
        // tantivy keeps a phrase's slop to itself; its debug form is the one place it shows.
        if shown.ends_with("slop: 0 }") {
            let terms = phrase.phrase_terms().iter().map(in_text).collect();
            return Ok(Box::new(QuotedQuery::new(terms, spans)));
        }
    }
    Err(Error::Query {
        query: asked.to_string(),
        reason: "quote: takes words and exact phrases (quote:gaza, quote:\"peace talks\")"
            .to_string(),
    })
}

/// A word, or an exact phrase, in the text field at a passage's quote positions.
#[derive(Debug, Clone)]
pub struct QuotedQuery {
    /// The phrase's terms in order, in the text field (one term for a word).
    terms: Vec<Term>,
    /// The fast field of quote spans.
    spans: String,
}

impl QuotedQuery {
    pub fn new(terms: Vec<Term>, spans: &str) -> QuotedQuery {
        QuotedQuery {
            terms,
            spans: spans.to_string(),
        }
    }
}

impl Query for QuotedQuery {
    fn weight(&self, scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let bm25 = match scoring {
            EnableScoring::Enabled {
                statistics_provider,
                ..
            } => Some(Bm25Weight::for_terms(statistics_provider, &self.terms)?),
            EnableScoring::Disabled { .. } => None,
        };
        Ok(Box::new(QuotedWeight {
            query: self.clone(),
            bm25,
        }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        for term in &self.terms {
            visitor(term, self.terms.len() > 1);
        }
    }
}

struct QuotedWeight {
    query: QuotedQuery,
    bm25: Option<Bm25Weight>,
}

impl QuotedWeight {
    fn scorer_for(
        &self,
        reader: &SegmentReader,
        boost: Score,
    ) -> tantivy::Result<Option<QuotedScorer>> {
        let Some(spans) = reader.fast_fields().column_opt::<u64>(&self.query.spans)? else {
            return Ok(None);
        };
        let Some(field) = self.query.terms.first().map(Term::field) else {
            return Ok(None);
        };
        let index = reader.inverted_index(field)?;
        let mut postings = Vec::with_capacity(self.query.terms.len());
        for term in &self.query.terms {
            match index.read_postings(term, IndexRecordOption::WithFreqsAndPositions)? {
                Some(p) => postings.push(p),
                None => return Ok(None),
            }
        }
        let mut scorer = QuotedScorer {
            positions: vec![Vec::new(); postings.len()],
            postings,
            spans,
            span_buf: Vec::new(),
            norms: reader.get_fieldnorms_reader(field)?,
            bm25: self.bm25.as_ref().map(|w| w.boost_by(boost)),
            doc: TERMINATED,
            count: 0,
        };
        scorer.settle();
        Ok(Some(scorer))
    }
}

impl Weight for QuotedWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        Ok(match self.scorer_for(reader, boost)? {
            Some(scorer) => Box::new(scorer),
            None => Box::new(EmptyScorer),
        })
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        if let Some(mut s) = self.scorer_for(reader, 1.0)? {
            if s.seek(doc) == doc {
                return Ok(Explanation::new("BM25 of the places in quotes", s.score()));
            }
        }
        Err(tantivy::TantivyError::InvalidArgument(format!(
            "document {doc} does not match"
        )))
    }
}

/// The passages where the phrase stands inside a quote, one segment.
struct QuotedScorer {
    /// One per term of the phrase, all on `doc` when it matches.
    postings: Vec<SegmentPostings>,
    positions: Vec<Vec<u32>>,
    spans: Column<u64>,
    span_buf: Vec<(u32, u32)>,
    norms: FieldNormReader,
    bm25: Option<Bm25Weight>,
    doc: DocId,
    /// How often the phrase stands inside a quote in `doc`.
    count: u32,
}

impl QuotedScorer {
    /// From the first postings' current document on, the first document that matches.
    fn settle(&mut self) {
        'docs: loop {
            let candidate = self.postings[0].doc();
            if candidate == TERMINATED {
                self.doc = TERMINATED;
                return;
            }
            for k in 1..self.postings.len() {
                let found = self.postings[k].seek(candidate);
                if found != candidate {
                    if found == TERMINATED {
                        self.doc = TERMINATED;
                        return;
                    }
                    self.postings[0].seek(found);
                    continue 'docs;
                }
            }
            self.count = self.count_in_quotes(candidate);
            if self.count > 0 {
                self.doc = candidate;
                return;
            }
            self.postings[0].advance();
        }
    }

    /// Where the phrase starts, in `doc`, with all of it inside one quote span.
    fn count_in_quotes(&mut self, doc: DocId) -> u32 {
        self.span_buf.clear();
        self.span_buf.extend(
            self.spans
                .values_for_doc(doc)
                .map(|v| ((v >> 32) as u32, v as u32)),
        );
        if self.span_buf.is_empty() {
            return 0;
        }
        for (postings, out) in self.postings.iter_mut().zip(&mut self.positions) {
            out.clear();
            postings.positions(out);
        }
        let len = self.positions.len() as u32;
        let (first, rest) = self.positions.split_first().expect("a phrase has a term");
        first
            .iter()
            .filter(|&&p| {
                self.span_buf.iter().any(|&(s, e)| s <= p && p + len <= e)
                    && rest
                        .iter()
                        .zip(1..)
                        .all(|(at, k)| at.binary_search(&(p + k)).is_ok())
            })
            .count() as u32
    }
}

impl DocSet for QuotedScorer {
    fn advance(&mut self) -> DocId {
        if self.doc != TERMINATED {
            self.postings[0].advance();
            self.settle();
        }
        self.doc
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if self.doc != TERMINATED && self.doc < target {
            self.postings[0].seek(target);
            self.settle();
        }
        self.doc
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    fn size_hint(&self) -> u32 {
        self.postings[0].size_hint()
    }
}

impl Scorer for QuotedScorer {
    fn score(&mut self) -> Score {
        match &self.bm25 {
            Some(w) => w.score(self.norms.fieldnorm_id(self.doc), self.count),
            None => 1.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::quotes::Quote;
    use crate::index::{quote_spans, NewsIndex};
    use crate::schema::words::bounds;
    use crate::search::parse_query;
    use tantivy::collector::TopDocs;
    use tantivy::doc;
    use tantivy::schema::{TantivyDocument, Value};

    /// A quote over the first occurrence of `said` in `text`.
    fn quote_of(text: &str, said: &str) -> Quote {
        let start = text.find(said).unwrap();
        Quote {
            start,
            end: start + said.len(),
            text: said.to_string(),
            direct: true,
            cue: None,
            speaker_span: None,
            speaker: None,
        }
    }

    /// One passage per text, each with the quoted part given.
    fn index_of(passages: &[(&str, &str)]) -> (tempfile::TempDir, NewsIndex) {
        let dir = tempfile::tempdir().unwrap();
        let news = NewsIndex::create(&dir.path().join("idx")).unwrap();
        let mut writer: tantivy::IndexWriter =
            news.index.writer_with_num_threads(1, 15_000_000).unwrap();
        let f = &news.fields;
        for (n, (text, said)) in passages.iter().enumerate() {
            let mut d = doc!(f.article_id => format!("a{n}"), f.text => *text);
            let quotes: Vec<Quote> = (!said.is_empty())
                .then(|| quote_of(text, said))
                .into_iter()
                .collect();
            for span in quote_spans(&bounds(text), 0..text.len(), &quotes) {
                d.add_u64(f.quote_span, span);
            }
            writer.add_document(d).unwrap();
        }
        writer.commit().unwrap();
        (dir, news)
    }

    /// The ids of the passages `query` finds, best first.
    fn found(news: &NewsIndex, query: &str) -> Result<Vec<String>> {
        let searcher = news.index.reader().unwrap().searcher();
        let parsed = parse_query(news, &searcher, query, false)?;
        Ok(searcher
            .search(&*parsed, &TopDocs::with_limit(10).order_by_score())
            .unwrap()
            .into_iter()
            .map(|(_, a)| {
                let d: TantivyDocument = searcher.doc(a).unwrap();
                let id = d.get_first(news.fields.article_id).unwrap();
                id.as_str().unwrap().to_string()
            })
            .collect())
    }

    /// The ids `query` finds, in id order.
    fn found_sorted(news: &NewsIndex, query: &str) -> Vec<String> {
        let mut ids = found(news, query).unwrap();
        ids.sort();
        ids
    }

    const PASSAGES: [(&str, &str); 4] = [
        (
            "Talks on the dam resumed. \"The dam is safe for now,\" the engineer said.",
            "The dam is safe for now,",
        ),
        (
            "The dam is safe, officials wrote in a report nobody quoted.",
            "",
        ),
        (
            "\"Water levels are falling,\" she said of the dam, which is safe.",
            "Water levels are falling,",
        ),
        (
            "Safe? \"The spillway held and the dam is safe; safe, safe,\" he said.",
            "The spillway held and the dam is safe; safe, safe,",
        ),
    ];

    #[test]
    fn words_match_only_inside_quotes() {
        let (_dir, news) = index_of(&PASSAGES);
        assert_eq!(found_sorted(&news, "quote:dam"), ["a0", "a3"]);
        // Stemmed as the text is: "falling" is said, as "fall".
        assert_eq!(found(&news, "quote:falls").unwrap(), ["a2"]);
        assert!(found(&news, "quote:officials").unwrap().is_empty());
        // a2 has "safe" outside its quote only; a3 has it three times inside, a0 once.
        assert_eq!(found(&news, "quote:safe").unwrap(), ["a3", "a0"]);
        // The text itself still has every word.
        assert_eq!(found(&news, "officials").unwrap(), ["a1"]);
    }

    #[test]
    fn phrases_match_whole_inside_one_quote() {
        let (_dir, news) = index_of(&PASSAGES);
        assert_eq!(found_sorted(&news, "quote:\"dam is safe\""), ["a0", "a3"]);
        // In the text of a2 but outside its quote; in a1's text with no quote at all.
        assert!(found(&news, "quote:\"which is safe\"").unwrap().is_empty());
        assert_eq!(found(&news, "\"which is safe\"").unwrap(), ["a2"]);
        // Out of order is not the phrase.
        assert!(found(&news, "quote:\"safe is dam\"").unwrap().is_empty());
    }

    #[test]
    fn quote_parts_combine_with_the_rest_of_a_query() {
        let (_dir, news) = index_of(&PASSAGES);
        assert_eq!(found(&news, "quote:dam AND spillway").unwrap(), ["a3"]);
        assert_eq!(found(&news, "quote:dam AND NOT spillway").unwrap(), ["a0"]);
        assert_eq!(found_sorted(&news, "quote:*"), ["a0", "a2", "a3"]);
    }

    #[test]
    fn forms_quote_cannot_answer_are_refused() {
        let (_dir, news) = index_of(&PASSAGES);
        for query in ["quote:\"dam safe\"~2", "quote:[a TO b]", "quote:dam^2"] {
            let err = found(&news, query).unwrap_err().to_string();
            assert!(err.contains("words and exact phrases"), "{query}: {err}");
        }
    }
}
