//! Marking the words a query matched: the passage is run through its field's analyzer and each
//! token whose indexed form is one of the query's terms is marked, so stemmed forms ("prices"
//! for "price") are highlighted, at exact byte ranges. Words that the query uses only inside
//! phrases are marked where the phrase occurs, not wherever the word does (with a proximity
//! query, whose slop the query does not expose, where no exact occurrence is found, each word).

use std::collections::HashSet;

use tantivy::query::{BooleanQuery, PhraseQuery, Query};
use tantivy::schema::Field;
use tantivy::tokenizer::TextAnalyzer;

use crate::error::Result;
use crate::index::NewsIndex;

pub struct Highlighter {
    title: FieldTerms,
    text: FieldTerms,
}

struct FieldTerms {
    analyzer: TextAnalyzer,
    /// Terms matched on their own.
    terms: HashSet<String>,
    /// Phrases, as their terms in order.
    phrases: Vec<Vec<String>>,
}

/// The phrase queries inside a query, through boolean clauses (a boosted clause is opaque).
fn phrases_in(query: &dyn Query, field: Field, out: &mut Vec<Vec<String>>) {
    if let Some(phrase) = query.downcast_ref::<PhraseQuery>() {
        if phrase.field() == field {
            out.push(
                phrase
                    .phrase_terms()
                    .iter()
                    .filter_map(|t| t.value().as_str().map(str::to_string))
                    .collect(),
            );
        }
    } else if let Some(boolean) = query.downcast_ref::<BooleanQuery>() {
        for (_, clause) in boolean.clauses() {
            phrases_in(clause.as_ref(), field, out);
        }
    }
}

impl FieldTerms {
    fn new(news: &NewsIndex, query: &dyn Query, field: Field) -> Result<FieldTerms> {
        let mut terms = HashSet::new();
        let mut in_phrases = HashSet::new();
        query.query_terms(&mut |term, needs_positions| {
            if term.field() == field {
                if let Some(text) = term.value().as_str() {
                    if needs_positions {
                        in_phrases.insert(text.to_string());
                    } else {
                        terms.insert(text.to_string());
                    }
                }
            }
        });
        let mut phrases = Vec::new();
        phrases_in(query, field, &mut phrases);
        // Phrase words the walk could not reach (behind a boost) count on their own.
        let reached: HashSet<&String> = phrases.iter().flatten().collect();
        for t in &in_phrases {
            if !reached.contains(t) {
                terms.insert(t.clone());
            }
        }
        Ok(FieldTerms {
            analyzer: news.index.tokenizer_for_field(field)?,
            terms,
            phrases,
        })
    }

    fn ranges(&self, text: &str) -> Vec<[usize; 2]> {
        if self.terms.is_empty() && self.phrases.is_empty() {
            return Vec::new();
        }
        let mut analyzer = self.analyzer.clone();
        let mut stream = analyzer.token_stream(text);
        let mut tokens: Vec<(String, [usize; 2])> = Vec::new();
        while stream.advance() {
            let token = stream.token();
            tokens.push((token.text.clone(), [token.offset_from, token.offset_to]));
        }
        let mut marked = vec![false; tokens.len()];
        for (i, (t, _)) in tokens.iter().enumerate() {
            marked[i] = self.terms.contains(t);
        }
        for phrase in self.phrases.iter().filter(|p| !p.is_empty()) {
            let mut found = false;
            for start in 0..tokens.len().saturating_sub(phrase.len() - 1) {
                if phrase
                    .iter()
                    .enumerate()
                    .all(|(k, w)| &tokens[start + k].0 == w)
                {
                    marked[start..start + phrase.len()]
                        .iter_mut()
                        .for_each(|m| *m = true);
                    found = true;
                }
            }
            if !found {
                for (i, (t, _)) in tokens.iter().enumerate() {
                    marked[i] |= phrase.contains(t);
                }
            }
        }
        let mut ranges: Vec<[usize; 2]> = Vec::new();
        for ((_, range), _) in tokens.iter().zip(&marked).filter(|(_, m)| **m) {
            if ranges.last().is_none_or(|last| last[1] <= range[0]) {
                ranges.push(*range);
            }
        }
        ranges
    }
}

impl Highlighter {
    pub fn new(news: &NewsIndex, query: &dyn Query) -> Result<Highlighter> {
        Ok(Highlighter {
            title: FieldTerms::new(news, query, news.fields.title)?,
            text: FieldTerms::new(news, query, news.fields.text)?,
        })
    }

    pub fn text_ranges(&self, text: &str) -> Vec<[usize; 2]> {
        self.text.ranges(text)
    }

    pub fn title_ranges(&self, title: &str) -> Vec<[usize; 2]> {
        self.title.ranges(title)
    }
}
