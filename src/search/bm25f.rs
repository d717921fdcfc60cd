//! BM25F over a passage's headline and text, for questions in plain words (`--any`).
//!
//! tantivy scores each field apart: a word in the short headline earns nearly its full weight
//! there, and again in the text, so every passage under a matching headline outranks passages
//! that use the word more. Here, as in BM25F (and SQLite FTS5's bm25), each word's counts in
//! the two fields are added, the headline's weighed by [`TITLE_WEIGHT`], before they saturate,
//! against the length of headline and passage together. Each word carries its own weight (the
//! classic Robertson–Spärck Jones idf, decided when the question is parsed).

use tantivy::fieldnorm::FieldNormReader;
use tantivy::postings::{Postings, SegmentPostings};
use tantivy::query::{EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocId, DocSet, Score, SegmentReader, Term, TERMINATED};

use super::TITLE_WEIGHT;

/// BM25's term-frequency saturation and length normalisation, as tantivy and FTS5 use.
const K1: f32 = 1.2;
const B: f32 = 0.75;

/// BM25's length normalisation for a unit `len` tokens long where units average `mean_len`.
pub(crate) fn length_norm(len: f32, mean_len: f32) -> f32 {
    K1 * (1.0 - B + B * len / mean_len)
}

/// A word's share of the score: `tf` weighted occurrences, saturating against `norm`.
pub(crate) fn saturated(weight: f32, tf: f32, norm: f32) -> f32 {
    if tf > 0.0 {
        weight * tf * (K1 + 1.0) / (tf + norm)
    } else {
        0.0
    }
}

/// One word of the question: its term in each field and its weight.
#[derive(Debug, Clone)]
pub struct Word {
    pub title: Term,
    pub text: Term,
    pub weight: f32,
}

/// Any of `words`, scored by BM25F over the `title` and `text` fields.
#[derive(Debug, Clone)]
pub struct Bm25fQuery {
    title: Field,
    text: Field,
    words: Vec<Word>,
}

impl Bm25fQuery {
    pub fn new(title: Field, text: Field, words: Vec<Word>) -> Bm25fQuery {
        Bm25fQuery { title, text, words }
    }
}

impl Query for Bm25fQuery {
    fn weight(&self, scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        // The mean length of headline and passage together, over the index.
        let mean_len = match scoring {
            EnableScoring::Enabled {
                statistics_provider: stats,
                ..
            } => {
                let docs = stats.total_num_docs()?.max(1) as f32;
                let tokens =
                    stats.total_num_tokens(self.title)? + stats.total_num_tokens(self.text)?;
                (tokens as f32 / docs).max(1.0)
            }
            EnableScoring::Disabled { .. } => 1.0,
        };
        Ok(Box::new(Bm25fWeight {
            query: self.clone(),
            mean_len,
        }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        for word in &self.words {
            visitor(&word.title, false);
            visitor(&word.text, false);
        }
    }
}

struct Bm25fWeight {
    query: Bm25fQuery,
    mean_len: f32,
}

impl Bm25fWeight {
    fn scorer_for(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Bm25fScorer> {
        let q = &self.query;
        let titles = reader.inverted_index(q.title)?;
        let texts = reader.inverted_index(q.text)?;
        let mut words = Vec::with_capacity(q.words.len());
        for word in &q.words {
            let title = titles.read_postings(&word.title, IndexRecordOption::WithFreqs)?;
            let text = texts.read_postings(&word.text, IndexRecordOption::WithFreqs)?;
            if title.is_some() || text.is_some() {
                words.push(WordPostings {
                    title,
                    text,
                    weight: word.weight * boost,
                });
            }
        }
        let mut scorer = Bm25fScorer {
            title_norms: reader.get_fieldnorms_reader(q.title)?,
            text_norms: reader.get_fieldnorms_reader(q.text)?,
            mean_len: self.mean_len,
            words,
            doc: TERMINATED,
        };
        scorer.doc = scorer.first_doc();
        Ok(scorer)
    }
}

impl Weight for Bm25fWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        Ok(Box::new(self.scorer_for(reader, boost)?))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut scorer = self.scorer_for(reader, 1.0)?;
        if scorer.seek(doc) != doc {
            return Err(tantivy::TantivyError::InvalidArgument(format!(
                "document {doc} does not match"
            )));
        }
        Ok(Explanation::new(
            "BM25F over title and text",
            scorer.score(),
        ))
    }
}

/// A word's postings in this segment, in either field.
struct WordPostings {
    title: Option<SegmentPostings>,
    text: Option<SegmentPostings>,
    weight: f32,
}

impl WordPostings {
    fn docs(&mut self) -> impl Iterator<Item = &mut SegmentPostings> {
        self.title.iter_mut().chain(self.text.iter_mut())
    }
}

/// The union of every word's postings, scored by BM25F.
struct Bm25fScorer {
    title_norms: FieldNormReader,
    text_norms: FieldNormReader,
    mean_len: f32,
    words: Vec<WordPostings>,
    doc: DocId,
}

impl Bm25fScorer {
    /// The smallest document any posting list is on.
    fn first_doc(&mut self) -> DocId {
        self.words
            .iter_mut()
            .flat_map(WordPostings::docs)
            .map(|p| p.doc())
            .min()
            .unwrap_or(TERMINATED)
    }
}

impl DocSet for Bm25fScorer {
    fn advance(&mut self) -> DocId {
        let current = self.doc;
        if current == TERMINATED {
            return TERMINATED;
        }
        for postings in self.words.iter_mut().flat_map(WordPostings::docs) {
            if postings.doc() == current {
                postings.advance();
            }
        }
        self.doc = self.first_doc();
        self.doc
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if self.doc >= target {
            return self.doc;
        }
        for postings in self.words.iter_mut().flat_map(WordPostings::docs) {
            if postings.doc() < target {
                postings.seek(target);
            }
        }
        self.doc = self.first_doc();
        self.doc
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    fn size_hint(&self) -> u32 {
        self.words
            .iter()
            .flat_map(|w| w.title.iter().chain(w.text.iter()))
            .map(|p| p.size_hint())
            .sum()
    }
}

impl Scorer for Bm25fScorer {
    fn score(&mut self) -> Score {
        let doc = self.doc;
        let len = (self.title_norms.fieldnorm(doc) + self.text_norms.fieldnorm(doc)) as f32;
        let norm = length_norm(len, self.mean_len);
        let mut score = 0.0;
        for word in &self.words {
            let in_field = |p: &Option<SegmentPostings>| {
                p.as_ref()
                    .filter(|p| p.doc() == doc)
                    .map_or(0.0, |p| p.term_freq() as f32)
            };
            let tf = TITLE_WEIGHT * in_field(&word.title) + in_field(&word.text);
            score += saturated(word.weight, tf, norm);
        }
        score
    }
}

#[cfg(test)]
mod tests {
    use tantivy::collector::TopDocs;
    use tantivy::doc;

    use super::*;
    use crate::index::NewsIndex;

    #[test]
    fn headline_and_text_counts_saturate_together() {
        let dir = tempfile::tempdir().unwrap();
        let news = NewsIndex::create(&dir.path().join("index")).unwrap();
        let f = news.fields;
        let mut writer: tantivy::IndexWriter = news.index.writer(15_000_000).unwrap();
        let filler = "the talks went on through the night and into the morning";
        for (title, text) in [
            ("Tariffs rise", filler),                            // 0: headline only
            ("Talks resume", "tariffs and tariffs and tariffs"), // 1: text, three times
            ("Tariffs rise again", "new tariffs on steel"),      // 2: both
            ("Weather", filler),                                 // 3: neither
        ] {
            writer
                .add_document(doc!(f.title => title, f.text => text))
                .unwrap();
        }
        writer.commit().unwrap();
        let searcher = news.index.reader().unwrap().searcher();
        let word = |w: &str| Word {
            title: Term::from_field_text(f.title, w),
            text: Term::from_field_text(f.text, w),
            weight: 1.0,
        };
        let query = Bm25fQuery::new(f.title, f.text, vec![word("tariff")]);
        let top = searcher
            .search(&query, &TopDocs::with_limit(10).order_by_score())
            .unwrap();
        let docs: Vec<u32> = top.iter().map(|(_, a)| a.doc_id).collect();
        assert_eq!(docs.len(), 3, "{top:?}");
        assert!(!docs.contains(&3));
        let score = |d: u32| top.iter().find(|(_, a)| a.doc_id == d).unwrap().0;
        // Counts add before they saturate: headline and text together score more than the
        // headline alone, but less than twice as much.
        assert!(score(2) > score(0) && score(2) < 2.0 * score(0), "{top:?}");
        // Three uses in a short passage beat one in the headline of a long one.
        assert!(score(1) > score(0), "{top:?}");
        let segment = searcher.segment_reader(0);
        let weight = query
            .weight(EnableScoring::enabled_from_searcher(&searcher))
            .unwrap();
        let explained = weight.explain(segment, 2).unwrap().value();
        assert!((explained - score(2)).abs() < 1e-6);
        assert!(weight.explain(segment, 3).is_err());
    }
}
