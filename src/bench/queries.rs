//! The query mix of `newsdex bench`, drawn from the index itself so it fits any corpus: words
//! and word pairs are taken from sampled passages and sorted into classes by how many passages
//! hold them; actors, topics and dates come from what the index counts.
//!
//! Each text query has a [`Shape`] that renders to tantivy's syntax and to the peers' (FTS5,
//! ripgrep), so every engine answers the same question.

use chrono::{DateTime, Utc};
use serde::Serialize;
use tantivy::schema::Value;
use tantivy::{DocAddress, Searcher, TantivyDocument, Term};

use super::generate::Rng;
use crate::error::Result;
use crate::index::NewsIndex;
use crate::search::{self, Request};

/// What a query asks, engine-independently.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Shape {
    Term(String),
    And(String, String),
    Or(String, String),
    Phrase(Vec<String>),
    /// Both words within this many positions of each other.
    Near(String, String, u32),
}

impl Shape {
    /// Tantivy's query language (conjunction by default).
    pub fn tantivy(&self) -> String {
        match self {
            Shape::Term(w) => w.clone(),
            Shape::And(a, b) => format!("{a} {b}"),
            Shape::Or(a, b) => format!("{a} OR {b}"),
            Shape::Phrase(ws) => format!("\"{}\"", ws.join(" ")),
            Shape::Near(a, b, n) => format!("\"{a} {b}\"~{n}"),
        }
    }

    /// SQLite FTS5's MATCH syntax.
    pub fn fts5(&self) -> String {
        match self {
            Shape::Term(w) => format!("\"{w}\""),
            Shape::And(a, b) => format!("\"{a}\" AND \"{b}\""),
            Shape::Or(a, b) => format!("\"{a}\" OR \"{b}\""),
            Shape::Phrase(ws) => format!("\"{}\"", ws.join(" ")),
            Shape::Near(a, b, n) => format!("NEAR(\"{a}\" \"{b}\", {n})"),
        }
    }

    /// ripgrep's patterns (any of them, as fixed strings), when grep can express the query.
    pub fn grep_patterns(&self) -> Option<Vec<String>> {
        match self {
            Shape::Term(w) => Some(vec![w.clone()]),
            Shape::Or(a, b) => Some(vec![a.clone(), b.clone()]),
            Shape::Phrase(ws) => Some(vec![ws.join(" ")]),
            Shape::And(..) | Shape::Near(..) => None,
        }
    }
}

/// The classes of the mix; the text classes are the ones peers answer too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Class {
    RareTerm,
    CommonTerm,
    And,
    Or,
    Phrase,
    Proximity,
    ActorFilter,
    DateRange,
    TopicFacet,
    ActorCounts,
}

impl Class {
    pub const ALL: [Class; 10] = [
        Class::RareTerm,
        Class::CommonTerm,
        Class::And,
        Class::Or,
        Class::Phrase,
        Class::Proximity,
        Class::ActorFilter,
        Class::DateRange,
        Class::TopicFacet,
        Class::ActorCounts,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Class::RareTerm => "rare term",
            Class::CommonTerm => "common term",
            Class::And => "AND",
            Class::Or => "OR",
            Class::Phrase => "phrase",
            Class::Proximity => "proximity",
            Class::ActorFilter => "actor filter",
            Class::DateRange => "date range",
            Class::TopicFacet => "topic facet",
            Class::ActorCounts => "actor counts",
        }
    }

    /// Plain text search, which every peer can run.
    pub fn is_text(self) -> bool {
        matches!(
            self,
            Class::RareTerm
                | Class::CommonTerm
                | Class::And
                | Class::Or
                | Class::Phrase
                | Class::Proximity
        )
    }
}

/// One query of the mix.
#[derive(Debug, Clone)]
pub struct BenchQuery {
    pub class: Class,
    pub shape: Shape,
    pub request: Request,
}

/// A word seen in the sample with the number of passages whose text holds its indexed form.
struct Word {
    text: String,
    df: u64,
}

/// Passages sampled to find words: enough for a stable mix, cheap on any index.
const SAMPLE_PASSAGES: usize = 2_000;

/// Draws `per_class` queries of each class from the index, the same ones for the same index
/// and seed. Classes the index cannot serve (no actors, no topics, no dates) are left out.
pub fn derive(
    news: &NewsIndex,
    searcher: &Searcher,
    per_class: usize,
    seed: u64,
) -> Result<Vec<BenchQuery>> {
    let mut rng = Rng::new(seed);
    let texts = sample_texts(news, searcher, &mut rng)?;
    let passages = searcher.num_docs().max(1);
    let mut analyzer = news.index.tokenizer_for_field(news.fields.text)?;
    let mut df_cache: rustc_hash::FxHashMap<String, u64> = Default::default();
    let mut df_of = |word: &str| -> u64 {
        if let Some(&n) = df_cache.get(word) {
            return n;
        }
        let mut stream = analyzer.token_stream(word);
        let n = if stream.advance() {
            let term = Term::from_field_text(news.fields.text, &stream.token().text);
            searcher.doc_freq(&term).unwrap_or(0)
        } else {
            0 // a stop word: not indexed
        };
        df_cache.insert(word.to_string(), n);
        n
    };
    // Words of each sampled passage, in order, with their passage counts.
    let sentences: Vec<Vec<Word>> = texts
        .iter()
        .map(|t| {
            t.split(|c: char| !c.is_alphanumeric())
                .filter(|w| w.len() >= 3 && w.chars().all(char::is_alphabetic))
                .map(|w| {
                    let text = w.to_lowercase();
                    let df = df_of(&text);
                    Word { text, df }
                })
                .collect()
        })
        .collect();
    let rare_max = (passages / 5_000).max(3);
    let common_min = (passages / 100).max(2);
    let common_max = (passages / 5).max(common_min + 1);
    let is_rare = |w: &Word| w.df >= 1 && w.df <= rare_max;
    let is_common = |w: &Word| w.df >= common_min && w.df <= common_max;
    let is_content = |w: &Word| w.df >= 1 && w.df <= common_max;

    let pick_word = |rng: &mut Rng, want: &dyn Fn(&Word) -> bool| -> Option<String> {
        let all: Vec<&Word> = sentences.iter().flatten().filter(|w| want(w)).collect();
        (!all.is_empty()).then(|| all[rng.below(all.len())].text.clone())
    };
    let mut out = Vec::new();
    let mut push = |class: Class, shape: Shape, request: Request| {
        out.push(BenchQuery {
            class,
            request: Request {
                query: shape.tantivy(),
                ..request
            },
            shape,
        })
    };
    for _ in 0..per_class {
        if let Some(w) = pick_word(&mut rng, &is_rare) {
            push(Class::RareTerm, Shape::Term(w), Request::default());
        }
        if let Some(w) = pick_word(&mut rng, &is_common) {
            push(Class::CommonTerm, Shape::Term(w), Request::default());
        }
        if let Some(w) = pick_word(&mut rng, &is_content) {
            if let Some(v) = pick_word(&mut rng, &is_content) {
                push(Class::Or, Shape::Or(w, v), Request::default());
            }
        }
    }
    // Pairs from one passage: co-occurring (AND), adjacent (phrase), a few words apart (near).
    let mut tries = 0;
    let (mut ands, mut phrases, mut nears) = (0, 0, 0);
    while (ands < per_class || phrases < per_class || nears < per_class) && tries < 50 * per_class {
        tries += 1;
        let Some(words) = sentences.get(rng.below(sentences.len().max(1))) else {
            break;
        };
        if words.len() < 4 {
            continue;
        }
        let i = rng.below(words.len() - 3);
        let (a, b) = (&words[i], &words[i + 1]);
        if phrases < per_class && is_content(a) && is_content(b) && a.text != b.text {
            push(
                Class::Phrase,
                Shape::Phrase(vec![a.text.clone(), b.text.clone()]),
                Request::default(),
            );
            phrases += 1;
        }
        let c = &words[i + 3];
        if nears < per_class && is_content(a) && is_content(c) && a.text != c.text {
            push(
                Class::Proximity,
                Shape::Near(a.text.clone(), c.text.clone(), 3),
                Request::default(),
            );
            nears += 1;
        }
        let j = rng.below(words.len());
        if ands < per_class && is_content(a) && is_content(&words[j]) && a.text != words[j].text {
            push(
                Class::And,
                Shape::And(a.text.clone(), words[j].text.clone()),
                Request::default(),
            );
            ands += 1;
        }
    }

    let everything = Request::default();
    let actors = search::actors::count(news, searcher, &everything, None, 50).unwrap_or_default();
    let topics = search::topics::count(news, searcher, &everything).unwrap_or_default();
    let dates = crate::index::stats(news)
        .ok()
        .and_then(|s| Some((parse(s.first_date?)?, parse(s.last_date?)?)));
    for _ in 0..per_class {
        let Some(w) = pick_word(&mut rng, &is_common) else {
            break;
        };
        if !actors.is_empty() {
            let actor = &actors[rng.below(actors.len())];
            push(
                Class::ActorFilter,
                Shape::Term(w.clone()),
                Request {
                    actor_ids: vec![actor.id.clone()],
                    ..Request::default()
                },
            );
            push(
                Class::ActorCounts,
                Shape::Term(w.clone()),
                Request::default(),
            );
        }
        if !topics.is_empty() {
            let topic = &topics[rng.below(topics.len())];
            push(
                Class::TopicFacet,
                Shape::Term(w.clone()),
                Request {
                    topics: vec![topic.id.clone()],
                    ..Request::default()
                },
            );
        }
        if let Some((first, last)) = dates {
            let span = (last - first).num_seconds().max(1);
            let window = (span / 10).max(86_400);
            let start = first
                + chrono::Duration::seconds((rng.unit() * (span - window).max(0) as f64) as i64);
            push(
                Class::DateRange,
                Shape::Term(w),
                Request {
                    since: Some(start),
                    until: Some(start + chrono::Duration::seconds(window)),
                    ..Request::default()
                },
            );
        }
    }
    out.sort_by_key(|q| q.class);
    Ok(out)
}

fn parse(rfc3339: String) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(&rfc3339)
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

/// The stored text of a sample of passages, chosen by a hash of their article and passage
/// number, so the same index content gives the same sample whatever its segment layout.
fn sample_texts(news: &NewsIndex, searcher: &Searcher, rng: &mut Rng) -> Result<Vec<String>> {
    let total = searcher.num_docs() as usize;
    let stride = (total / SAMPLE_PASSAGES).max(1) as u64;
    let salt = rng.next_u64();
    let mut picked: Vec<(u64, DocAddress)> = Vec::new();
    for (ordinal, segment) in searcher.segment_readers().iter().enumerate() {
        let keys = segment.fast_fields().u64("article_key")?;
        let numbers = segment.fast_fields().u64("passage")?;
        for doc in 0..segment.max_doc() {
            if segment.alive_bitset().is_some_and(|b| !b.is_alive(doc)) {
                continue;
            }
            let key = keys.first(doc).unwrap_or(0);
            let number = numbers.first(doc).unwrap_or(0);
            let mut mix = Rng::new(key ^ salt ^ number.wrapping_mul(0x9e37_79b9_7f4a_7c15));
            let h = mix.next_u64();
            if h.is_multiple_of(stride) {
                picked.push((h, DocAddress::new(ordinal as u32, doc)));
            }
        }
    }
    picked.sort_unstable_by_key(|(h, _)| *h);
    let mut texts = Vec::with_capacity(picked.len());
    for (_, address) in picked {
        let stored: TantivyDocument = searcher.doc(address)?;
        if let Some(t) = stored.get_first(news.fields.text).and_then(|v| v.as_str()) {
            texts.push(t.to_string());
        }
    }
    Ok(texts)
}
