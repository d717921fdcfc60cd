//! Marking the words a query matched: the passage is run through its field's analyzer and each
//! token whose indexed form is one of the query's terms is marked, so stemmed forms ("prices"
//! for "price") and phrase words are all highlighted, at exact byte ranges.

use std::collections::HashSet;

use tantivy::query::Query;
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
    terms: HashSet<String>,
}

impl FieldTerms {
    fn new(news: &NewsIndex, query: &dyn Query, field: Field) -> Result<FieldTerms> {
        let mut terms = HashSet::new();
        query.query_terms(&mut |term, _| {
            if term.field() == field {
                if let Some(text) = term.value().as_str() {
                    terms.insert(text.to_string());
                }
            }
        });
        Ok(FieldTerms {
            analyzer: news.index.tokenizer_for_field(field)?,
            terms,
        })
    }

    fn ranges(&self, text: &str) -> Vec<[usize; 2]> {
        if self.terms.is_empty() {
            return Vec::new();
        }
        let mut analyzer = self.analyzer.clone();
        let mut stream = analyzer.token_stream(text);
        let mut ranges: Vec<[usize; 2]> = Vec::new();
        while stream.advance() {
            let token = stream.token();
            if self.terms.contains(&token.text) {
                let range = [token.offset_from, token.offset_to];
                if ranges.last().is_none_or(|last| last[1] <= range[0]) {
                    ranges.push(range);
                }
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
