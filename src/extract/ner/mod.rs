//! The actor tagger: a greedy averaged perceptron over BILOU labels for PER, ORG, LOC and MISC.
//!
//! Features (see [`features`]): the words in a ±2 window with their shapes, affixes and
//! capitalisation habits learned from unlabelled news, gazetteer matches, whether a capitalised
//! word appears in lower case elsewhere in the document, what an earlier mention of the same
//! word was tagged as, and the two previous labels. Word-window features are scored through a
//! per-word cache, so tagging costs a few vector additions per token.
//!
//! The model is trained by `newsdex train ner` (see [`train`]) and shipped in `models/ner.model`.

pub mod clusters;
pub mod conll;
pub mod features;
pub mod labels;
pub mod model;
pub mod train;

use rustc_hash::{FxHashMap, FxHashSet};
use std::sync::OnceLock;

pub use features::normalise;
use features::{Context, Keys, OFFSETS, WINDOW};
pub use labels::{Kind, Label, LABELS};
pub use model::{Model, ModelError};

use super::gazetteer::{Gazetteer, List};

/// The model shipped with newsdex.
const EMBEDDED_MODEL: &[u8] = include_bytes!("../../../models/ner.model");

/// A loaded tagger. Immutable and shared; each thread tags with its own [`Cache`].
pub struct Tagger {
    model: Model,
    gazetteer: &'static Gazetteer,
}

/// Per-thread scores of words already seen, by window offset.
#[derive(Default)]
pub struct Cache {
    index: FxHashMap<String, u32>,
    words: Vec<([[f32; LABELS]; OFFSETS], Keys)>,
    edge: Option<[[f32; LABELS]; OFFSETS]>,
}

/// Words beyond this many are forgotten, to bound a cache's memory (about 350 bytes a word).
const CACHE_WORDS: usize = 200_000;

impl Tagger {
    /// The tagger built from the embedded model, loaded once per process.
    pub fn embedded() -> Result<&'static Tagger, ModelError> {
        static T: OnceLock<Result<Tagger, String>> = OnceLock::new();
        T.get_or_init(|| Tagger::from_bytes(EMBEDDED_MODEL).map_err(|e| e.to_string()))
            .as_ref()
            .map_err(|_| ModelError::Format)
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Tagger, ModelError> {
        Ok(Tagger::new(Model::from_bytes(bytes)?))
    }

    pub fn new(model: Model) -> Tagger {
        Tagger {
            model,
            gazetteer: Gazetteer::embedded(),
        }
    }

    /// Number of weighted features in the model.
    pub fn features(&self) -> usize {
        self.model.weights.len()
    }

    /// Tags a document given as sentences of words; returns one label per word.
    pub fn tag(&self, sentences: &[Vec<&str>], cache: &mut Cache) -> Vec<Vec<Label>> {
        if cache.words.len() > CACHE_WORDS {
            cache.words.clear();
            cache.index.clear();
        }
        // One lookup per word; unseen words are scored once and kept.
        let ids: Vec<Vec<u32>> = sentences
            .iter()
            .map(|s| {
                s.iter()
                    .map(|w| match cache.index.get(*w) {
                        Some(&id) => id,
                        None => {
                            let id = cache.words.len() as u32;
                            cache.words.push((self.word_vectors(Some(w)), Keys::of(w)));
                            cache.index.insert((*w).to_string(), id);
                            id
                        }
                    })
                    .collect()
            })
            .collect();
        let edge = *cache.edge.get_or_insert_with(|| self.word_vectors(None));
        let cache = &*cache;
        let keys: Vec<Vec<Keys>> = ids
            .iter()
            .map(|s| s.iter().map(|&id| cache.words[id as usize].1).collect())
            .collect();
        let mut doc = DocState::new(&keys);
        let mut feats = Vec::with_capacity(24);
        sentences
            .iter()
            .zip(&keys)
            .zip(&ids)
            .map(|((words, keys), ids)| {
                let view = SentenceView {
                    keys,
                    gaz: gazetteer_places(self.gazetteer, words, keys),
                    caps: caps_sentence(words),
                };
                let vectors: Vec<&[[f32; LABELS]; OFFSETS]> =
                    ids.iter().map(|&id| &cache.words[id as usize].0).collect();
                let mut labels = Vec::with_capacity(words.len());
                let (mut prev1, mut prev2) = (Label::START, Label::START);
                for (i, key) in keys.iter().enumerate() {
                    let mut scores = [0f32; LABELS];
                    for o in -WINDOW..=WINDOW {
                        let j = i as i32 + o;
                        let v = if j < 0 || j >= words.len() as i32 {
                            &edge
                        } else {
                            vectors[j as usize]
                        };
                        for (s, w) in scores.iter_mut().zip(&v[(o + WINDOW) as usize]) {
                            *s += w;
                        }
                    }
                    feats.clear();
                    dynamic_features(&view, i, &doc, prev1, prev2, &mut feats);
                    for f in &feats {
                        self.model.weights.add_to(*f, &mut scores);
                    }
                    let label = best_label(&scores, prev1, i + 1 == words.len());
                    doc.remember(key, label);
                    labels.push(label);
                    prev2 = prev1;
                    prev1 = label;
                }
                labels
            })
            .collect()
    }

    /// Scores of one word at each window offset.
    fn word_vectors(&self, word: Option<&str>) -> [[f32; LABELS]; OFFSETS] {
        let mut out = [[0f32; LABELS]; OFFSETS];
        let mut feats = Vec::with_capacity(24);
        for o in -WINDOW..=WINDOW {
            feats.clear();
            features::word_features(word, o, &self.model, &mut feats);
            for f in &feats {
                self.model
                    .weights
                    .add_to(*f, &mut out[(o + WINDOW) as usize]);
            }
        }
        out
    }
}

/// What the tagger knows about the document so far.
pub(crate) struct DocState {
    /// Lower-case key of each word that appears in lower case somewhere in the document.
    lower_seen: FxHashSet<u64>,
    /// Exact key of a word → the kind an earlier mention was tagged with.
    memory: FxHashMap<u64, u8>,
}

impl DocState {
    pub(crate) fn new(keys: &[Vec<Keys>]) -> DocState {
        let mut lower_seen = FxHashSet::default();
        for s in keys {
            for k in s {
                if !k.capitalised {
                    lower_seen.insert(k.lower);
                }
            }
        }
        DocState {
            lower_seen,
            memory: FxHashMap::default(),
        }
    }

    pub(crate) fn remember(&mut self, word: &Keys, label: Label) {
        if let Some(kind) = label.kind() {
            if word.capitalised {
                self.memory.insert(word.exact, kind.index());
            }
        }
    }
}

/// Per token: the gazetteer list matching over it and its place in the match.
pub(crate) fn gazetteer_places<S: AsRef<str>>(
    g: &Gazetteer,
    words: &[S],
    keys: &[Keys],
) -> Vec<Option<(List, char)>> {
    let mut out = vec![None; words.len()];
    // Most sentences hold no alias start at all: find out from the word keys, without strings.
    if !keys.iter().any(|k| k.capitalised && g.may_start(k.lower)) {
        return out;
    }
    let lower: Vec<String> = words
        .iter()
        .map(|w| normalise(w.as_ref()).to_lowercase())
        .collect();
    for m in g.matches(&lower) {
        // Lower-case words only count inside a match that starts with a capital.
        if !words[m.start]
            .as_ref()
            .chars()
            .next()
            .is_some_and(char::is_uppercase)
        {
            continue;
        }
        for (i, slot) in out.iter_mut().enumerate().take(m.end).skip(m.start) {
            let place = if m.end - m.start == 1 {
                'U'
            } else if i == m.start {
                'B'
            } else if i + 1 == m.end {
                'L'
            } else {
                'I'
            };
            *slot = Some((m.list, place));
        }
    }
    out
}

/// A headline or shouted sentence: most of its letters are capitals.
pub(crate) fn caps_sentence<S: AsRef<str>>(words: &[S]) -> bool {
    let (mut upper, mut lower) = (0, 0);
    for w in words {
        for c in w.as_ref().chars() {
            if c.is_uppercase() {
                upper += 1;
            } else if c.is_lowercase() {
                lower += 1;
            }
        }
    }
    upper > 3 && upper > 2 * lower
}

/// What is fixed about a sentence before its labels are chosen.
pub(crate) struct SentenceView<'a> {
    pub keys: &'a [Keys],
    pub gaz: Vec<Option<(List, char)>>,
    pub caps: bool,
}

/// Features of token `i` other than its word window.
pub(crate) fn dynamic_features(
    s: &SentenceView,
    i: usize,
    doc: &DocState,
    prev1: Label,
    prev2: Label,
    out: &mut Vec<u64>,
) {
    let this = &s.keys[i];
    let lower_elsewhere = this.capitalised && doc.lower_seen.contains(&this.lower);
    features::context_features(
        &Context {
            first_in_sentence: i == 0,
            lower_elsewhere,
            caps_sentence: s.caps,
        },
        out,
    );
    for (o, tag) in [(-1i32, 'p'), (0, 'c'), (1, 'n')] {
        let j = i as i32 + o;
        if j >= 0 && (j as usize) < s.gaz.len() {
            if let Some((list, place)) = s.gaz[j as usize] {
                features::gazetteer_feature(list.name(), if o == 0 { place } else { tag }, out);
            }
        }
    }
    if this.capitalised {
        features::memory_feature(doc.memory.get(&this.exact).copied(), out);
    }
    let left = i.checked_sub(1).map(|j| &s.keys[j]);
    features::bigram_features(left, this, s.keys.get(i + 1), out);
    features::history_features(prev1, prev2, this, out);
}

/// The best label that may follow `prev`; at a sentence's end, an open entity is closed.
pub(crate) fn best_label(scores: &[f32; LABELS], prev: Label, last: bool) -> Label {
    let mut best = None;
    for (l, s) in scores.iter().enumerate() {
        let label = Label(l as u8);
        if !label.may_follow(prev) {
            continue;
        }
        if last
            && matches!(
                label.place(),
                Some(labels::Place::Begin | labels::Place::Inside)
            )
        {
            continue;
        }
        if best.is_none_or(|(_, b)| *s > b) {
            best = Some((label, *s));
        }
    }
    best.map_or(Label::OUTSIDE, |(l, _)| l)
}
