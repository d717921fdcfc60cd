//! Marking the words a query matched: the passage is run through its field's analyzer and each
//! token whose indexed form is one of the query's terms is marked, so stemmed forms ("prices"
//! for "price") are highlighted, at exact byte ranges. Words that the query uses only inside
//! phrases are marked where the phrase occurs, not wherever the word does (with a proximity
//! query, whose slop the query does not expose, where no exact occurrence is found, each word).

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

use tantivy::query::{BooleanQuery, PhraseQuery, Query};
use tantivy::schema::Field;
use tantivy::tokenizer::TextAnalyzer;

use crate::error::{Error, Result};
use crate::index::NewsIndex;
use crate::schema::{split_analyzer, stem, AsciiWords, SchemaError};

pub struct Highlighter {
    title: FieldTerms,
    text: FieldTerms,
}

/// What to mark in one field: the query's words for that field, each numbered once.
struct FieldTerms {
    /// The field's analyzer up to (not including) its stemmer (in a cell: tokenizing needs
    /// it mutably, and a clone per passage costs more than the tokenizing).
    analyzer: RefCell<TextAnalyzer>,
    /// Whether the field's terms are the stems of what `analyzer` yields.
    stems: bool,
    /// `analyzer` done by hand on ASCII text, when it can be.
    ascii: Option<AsciiWords>,
    /// Every word of the query for this field (indexed form) → its number.
    words: HashMap<String, usize>,
    /// By word number: matched on its own, not only inside a phrase.
    alone: Vec<bool>,
    /// First letters of `words`: a token starting otherwise matches none, unstemmed.
    initials: Vec<char>,
    /// Phrases, as word numbers in order.
    phrases: Vec<Vec<usize>>,
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
        let mut phrase_words = Vec::new();
        phrases_in(query, field, &mut phrase_words);
        // Phrase words the walk could not reach (behind a boost) count on their own.
        let reached: HashSet<&String> = phrase_words.iter().flatten().collect();
        for t in &in_phrases {
            if !reached.contains(t) {
                terms.insert(t.clone());
            }
        }
        let mut words: HashMap<String, usize> = HashMap::new();
        let mut number = |word: &String| {
            let next = words.len();
            *words.entry(word.clone()).or_insert(next)
        };
        let phrases: Vec<Vec<usize>> = phrase_words
            .iter()
            .filter(|p| !p.is_empty())
            .map(|p| p.iter().map(&mut number).collect())
            .collect();
        let mut terms: Vec<&String> = terms.iter().collect();
        terms.sort_unstable();
        let alone_words: Vec<usize> = terms.into_iter().map(number).collect();
        let mut alone = vec![false; words.len()];
        for n in alone_words {
            alone[n] = true;
        }
        let mut initials: Vec<char> = words.keys().filter_map(|w| w.chars().next()).collect();
        initials.sort_unstable();
        initials.dedup();
        let field_name = news.index.schema().get_field_name(field).to_string();
        let split = split_analyzer(&news.spec, &field_name).map_err(|problem| {
            Error::Schema(SchemaError::Analyzer {
                name: field_name,
                problem,
            })
        })?;
        Ok(FieldTerms {
            analyzer: RefCell::new(split.head),
            stems: split.stems,
            ascii: split.ascii,
            words,
            alone,
            initials,
            phrases,
        })
    }

    /// Whether some query word starts with `initial`: no other token can match one (a stem
    /// keeps its word's first letter), so only these are copied and stemmed.
    fn may_match(&self, initial: char) -> bool {
        self.initials.contains(&initial)
    }

    /// The word number of a token (as the analyzer before stemming gives it), if any.
    fn word_of(&self, token: &str) -> Option<usize> {
        if self.stems {
            stem::with_stem(token, |stem| self.words.get(stem).copied())
        } else {
            self.words.get(token).copied()
        }
    }

    /// Each token of `text` in order: its word number, if it is a query word, and its bytes.
    fn tokens(&self, text: &str) -> Vec<(Option<usize>, [usize; 2])> {
        let mut tokens = Vec::with_capacity(text.len() / 5);
        match self.ascii {
            Some(rules) if text.is_ascii() => {
                let mut word = String::new();
                for [from, to] in rules.ranges(text) {
                    let mut initial = text.as_bytes()[from];
                    if rules.lowercase {
                        initial = initial.to_ascii_lowercase();
                    }
                    let number = self.may_match(initial as char).then(|| {
                        word.clear();
                        word.push_str(&text[from..to]);
                        if rules.lowercase {
                            word.make_ascii_lowercase();
                        }
                        self.word_of(&word)
                    });
                    tokens.push((number.flatten(), [from, to]));
                }
            }
            _ => {
                let mut analyzer = self.analyzer.borrow_mut();
                let mut stream = analyzer.token_stream(text);
                while stream.advance() {
                    let token = stream.token();
                    tokens.push((
                        token
                            .text
                            .chars()
                            .next()
                            .filter(|&c| self.may_match(c))
                            .and_then(|_| self.word_of(&token.text)),
                        [token.offset_from, token.offset_to],
                    ));
                }
            }
        }
        tokens
    }

    fn ranges(&self, text: &str) -> Vec<[usize; 2]> {
        if self.words.is_empty() {
            return Vec::new();
        }
        let tokens = self.tokens(text);
        let mut marked: Vec<bool> = tokens
            .iter()
            .map(|(word, _)| word.is_some_and(|n| self.alone[n]))
            .collect();
        for phrase in &self.phrases {
            let mut found = false;
            for start in 0..tokens.len().saturating_sub(phrase.len() - 1) {
                if phrase
                    .iter()
                    .enumerate()
                    .all(|(k, &w)| tokens[start + k].0 == Some(w))
                {
                    marked[start..start + phrase.len()]
                        .iter_mut()
                        .for_each(|m| *m = true);
                    found = true;
                }
            }
            if !found {
                for (i, (word, _)) in tokens.iter().enumerate() {
                    marked[i] |= word.is_some_and(|n| phrase.contains(&n));
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

#[cfg(test)]
mod tests {
    use tantivy::query::QueryParser;

    use super::*;

    /// The hand-made ASCII path finds the same tokens, and the same query words among them,
    /// as the field's analyzer.
    #[test]
    fn ascii_tokens_are_the_analyzers_tokens() {
        let dir = tempfile::tempdir().unwrap();
        let news = NewsIndex::create(&dir.path().join("index")).unwrap();
        let parser = QueryParser::for_index(&news.index, vec![news.fields.text]);
        let query = parser
            .parse_query("prices \"central bank\" generously x2024 YEARLY")
            .unwrap();
        let fast = FieldTerms::new(&news, &*query, news.fields.text).unwrap();
        assert!(fast.ascii.is_some() && fast.stems);
        let slow = FieldTerms {
            ascii: None,
            ..FieldTerms::new(&news, &*query, news.fields.text).unwrap()
        };
        let long = "a".repeat(39) + " " + &"b".repeat(40);
        let text = format!(
            "Prices rose; the CENTRAL bank's price-setting (central banks) was, \
             generously put, yearly news in X2024 and 2024. {long} pricey Bank"
        );
        let tokens = fast.tokens(&text);
        assert_eq!(tokens, slow.tokens(&text));
        let found: Vec<&str> = tokens
            .iter()
            .filter(|(word, _)| word.is_some())
            .map(|(_, [from, to])| &text[*from..*to])
            .collect();
        assert_eq!(
            found,
            [
                "Prices",
                "CENTRAL",
                "bank",
                "price",
                "central",
                "banks",
                "generously",
                "yearly",
                "X2024",
                "Bank"
            ]
        );
        assert_eq!(fast.ranges(&text), slow.ranges(&text));
    }
}
