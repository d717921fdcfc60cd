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

use std::collections::HashMap;

use rustc_hash::{FxHashMap, FxHashSet};
use std::sync::OnceLock;

pub use features::normalise;
use features::{Context, Keys, OFFSETS, WINDOW};
pub use labels::{Kind, Label, LABELS};
pub use model::{Model, ModelError};

use super::gazetteer::{Gazetteer, List};
use super::word_table::{Place, WordIds};

/// The model shipped with newsdex.
const EMBEDDED_MODEL: &[u8] = include_bytes!("../../../models/ner.model");

/// A loaded tagger. Immutable and shared; each thread tags with its own [`Cache`].
pub struct Tagger {
    model: Model,
    gazetteer: &'static Gazetteer,
    tables: Tables,
}

/// Per-thread scores of words already seen, by window offset.
#[derive(Default)]
pub struct Cache {
    /// Words to ids, in slots that can be asked for ahead.
    index: WordIds,
    words: WordBlocks,
    edge: Option<[[f32; LABELS]; OFFSETS]>,
    /// Feature ids of the word being scored, kept from word to word: fresh vectors grew
    /// several times for each new word (about 5% of the tagger's time).
    feats: [Vec<u64>; OFFSETS],
}

/// Cached words by id, in blocks that never move. One growing vector copied every word it
/// held each time it doubled, onto fresh pages the kernel zeroed: about 4% of indexing.
#[derive(Default)]
struct WordBlocks {
    blocks: Vec<Vec<CachedWord>>,
    len: usize,
}

/// Words per block (1.5 MB).
const BLOCK_WORDS: usize = 4096;

impl WordBlocks {
    fn len(&self) -> usize {
        self.len
    }

    /// Keeps `word` under the next id; blocks emptied by [`WordBlocks::clear`] are refilled.
    fn push(&mut self, word: CachedWord) {
        let block = self.len / BLOCK_WORDS;
        if block == self.blocks.len() {
            self.blocks.push(Vec::with_capacity(BLOCK_WORDS));
        }
        self.blocks[block].push(word);
        self.len += 1;
    }

    /// Forgets every word, keeping the blocks' memory.
    fn clear(&mut self) {
        self.blocks.iter_mut().for_each(Vec::clear);
        self.len = 0;
    }
}

impl std::ops::Index<u32> for WordBlocks {
    type Output = CachedWord;

    #[inline]
    fn index(&self, id: u32) -> &CachedWord {
        let id = id as usize;
        &self.blocks[id / BLOCK_WORDS][id % BLOCK_WORDS]
    }
}

/// A word's keys and its scores at each window offset, on whole cache lines of their own
/// (6 lines: keys first, as the tagger reads them first).
#[repr(C, align(64))]
struct CachedWord {
    keys: Keys,
    vectors: [[f32; LABELS]; OFFSETS],
}

impl CachedWord {
    /// Starts loading this word's cache lines, so the many words of a document miss the
    /// cache together rather than one after another when the tagger reaches them.
    #[inline]
    fn prefetch(&self) {
        #[cfg(target_arch = "x86_64")]
        {
            use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
            let start = (self as *const CachedWord).cast::<i8>();
            for line in (0..std::mem::size_of::<CachedWord>()).step_by(64) {
                // SAFETY: a prefetch is only a hint: it reads nothing and cannot fault, and
                // SSE is part of every x86_64 CPU.
                unsafe { _mm_prefetch::<_MM_HINT_T0>(start.wrapping_add(line)) };
            }
        }
    }
}

/// Words ahead whose index slots are asked for.
const LOOKAHEAD: usize = 8;

/// Words beyond this many are forgotten, to bound a cache's memory (384 bytes a word).
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
        let tables = Tables::new(&model.weights);
        Tagger {
            model,
            gazetteer: Gazetteer::embedded(),
            tables,
        }
    }

    /// How often news capitalises this lower-case word mid-sentence, 0 (never) to 9 (always).
    pub fn capital_bucket(&self, lower: &str) -> Option<u8> {
        use features::Lexicon;
        self.model.bucket(lower)
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
        // One lookup per word, its slot asked for a few words ahead; unseen words are scored
        // once and kept.
        // Sized first: collecting from the flattened sentences grew it many times over.
        let mut words: Vec<(&str, Option<Place>)> =
            Vec::with_capacity(sentences.iter().map(Vec::len).sum());
        words.extend(sentences.iter().flatten().map(|&w| (w, Place::of(w))));
        let mut all_ids = Vec::with_capacity(words.len());
        for (i, (w, place)) in words.iter().enumerate() {
            if let Some((_, Some(ahead))) = words.get(i + LOOKAHEAD) {
                cache.index.prefetch(ahead);
            }
            let id = match cache.index.get(w, place.as_ref()) {
                Some(id) => {
                    cache.words[id].prefetch();
                    id
                }
                None => {
                    let id = cache.words.len() as u32;
                    let vectors = self.word_vectors(Some(w), &mut cache.feats);
                    cache.words.push(CachedWord {
                        keys: Keys::of(w),
                        vectors,
                    });
                    cache.index.insert(w, place.as_ref(), id);
                    id
                }
            };
            all_ids.push(id);
        }
        let edge = *cache
            .edge
            .get_or_insert_with(|| self.word_vectors(None, &mut cache.feats));
        let cache = &*cache;
        let all_keys: Vec<Keys> = all_ids.iter().map(|&id| cache.words[id].keys).collect();
        let mut doc = DocState::new(&all_keys);
        let mut feats = Vec::with_capacity(24);
        let mut start = 0;
        sentences
            .iter()
            .map(|words| {
                let sentence = start..start + words.len();
                start = sentence.end;
                let (keys, ids) = (&all_keys[sentence.clone()], &all_ids[sentence]);
                let view = SentenceView {
                    keys,
                    gaz: gazetteer_places(self.gazetteer, words, keys),
                    caps: caps_sentence_of(keys),
                };
                let mut labels = Vec::with_capacity(words.len());
                let (mut prev1, mut prev2) = (Label::START, Label::START);
                for (i, key) in keys.iter().enumerate() {
                    if forced_outside(key, prev1) {
                        labels.push(Label::OUTSIDE);
                        prev2 = prev1;
                        prev1 = Label::OUTSIDE;
                        continue;
                    }
                    let mut scores = [0f32; LABELS];
                    for o in -WINDOW..=WINDOW {
                        let j = i as i32 + o;
                        let v = if j < 0 || j >= words.len() as i32 {
                            &edge
                        } else {
                            &cache.words[ids[j as usize]].vectors
                        };
                        for (s, w) in scores.iter_mut().zip(&v[(o + WINDOW) as usize]) {
                            *s += w;
                        }
                    }
                    // The same features as `dynamic_features`, the fixed ones from tables.
                    let t = &self.tables;
                    let lower_elsewhere = key.capitalised && doc.lower_seen.contains(&key.lower);
                    let bits = usize::from(i == 0)
                        | usize::from(lower_elsewhere) << 1
                        | usize::from(view.caps) << 2;
                    add(&mut scores, &t.context[bits]);
                    for (o, tag) in [(-1i32, 'p'), (0, 'c'), (1, 'n')] {
                        let j = i as i32 + o;
                        if let Some(Some((list, place))) =
                            (j >= 0).then(|| view.gaz.get(j as usize)).flatten()
                        {
                            if let Some(v) =
                                t.gazetteer.get(&(*list, if o == 0 { *place } else { tag }))
                            {
                                add(&mut scores, v);
                            }
                        }
                    }
                    if key.capitalised {
                        if let Some(&kind) = doc.memory.get(&key.exact) {
                            add(&mut scores, &t.memory[usize::from(kind)]);
                        }
                    }
                    add(&mut scores, &t.prev1[usize::from(prev1.0)]);
                    add(
                        &mut scores,
                        &t.prev2[usize::from(prev1.0) * LABELS + usize::from(prev2.0)],
                    );
                    feats.clear();
                    let left = i.checked_sub(1).map(|j| &keys[j]);
                    features::bigram_features(left, key, keys.get(i + 1), &mut feats);
                    features::word_history_features(prev1, key, &mut feats);
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

    /// Scores of one word at each window offset; `feats` is scratch space.
    fn word_vectors(
        &self,
        word: Option<&str>,
        feats: &mut [Vec<u64>; OFFSETS],
    ) -> [[f32; LABELS]; OFFSETS] {
        let mut out = [[0f32; LABELS]; OFFSETS];
        feats.iter_mut().for_each(Vec::clear);
        features::word_features_all(word, &self.model, feats);
        for (scores, feats) in out.iter_mut().zip(feats.iter()) {
            for f in feats {
                self.model.weights.add_to(*f, scores);
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
    /// The state before the first word of a document of `keys` (all its words, in order).
    pub(crate) fn new(keys: &[Keys]) -> DocState {
        let mut lower_seen = FxHashSet::with_capacity_and_hasher(keys.len(), Default::default());
        for k in keys {
            if !k.capitalised {
                lower_seen.insert(k.lower);
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

/// Per token: the gazetteer list matching over it and its place in the match; empty (no
/// places) for a sentence where no alias starts.
pub(crate) fn gazetteer_places<S: AsRef<str>>(
    g: &Gazetteer,
    words: &[S],
    keys: &[Keys],
) -> Vec<Option<(List, char)>> {
    // Most sentences hold no alias start at all: find out from the word keys, without strings
    // (and answer with no places: a word past the end has none).
    if !keys.iter().any(|k| k.capitalised && g.may_start(k.lower)) {
        return Vec::new();
    }
    let mut out = vec![None; words.len()];
    for m in g.matches_keyed(words, keys) {
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
    mostly_capitals(words.iter().map(|w| features::letter_cases(w.as_ref())))
}

/// [`caps_sentence`] from the words' keys, which hold their letter counts.
fn caps_sentence_of(keys: &[Keys]) -> bool {
    mostly_capitals(keys.iter().map(|k| k.cases))
}

fn mostly_capitals(cases: impl Iterator<Item = (u32, u32)>) -> bool {
    let (upper, lower) = cases.fold((0u64, 0u64), |(u, l), (wu, wl)| {
        (u + u64::from(wu), l + u64::from(wl))
    });
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
        if j >= 0 {
            if let Some(&Some((list, place))) = s.gaz.get(j as usize) {
                features::gazetteer_feature(list.name(), if o == 0 { place } else { tag }, out);
            }
        }
    }
    if this.capitalised {
        features::memory_feature(doc.memory.get(&this.exact).copied(), out);
    }
    let left = i.checked_sub(1).map(|j| &s.keys[j]);
    features::bigram_features(left, this, s.keys.get(i + 1), out);
    features::label_history_features(prev1, prev2, out);
    features::word_history_features(prev1, this, out);
}

/// Scores of the features that take few values, summed once when the tagger loads, so
/// tagging looks up a table instead of hashing them again for every token.
struct Tables {
    /// By (first in sentence, lower case elsewhere, capitals sentence).
    context: [[f32; LABELS]; 8],
    /// By previous label, and by previous two labels.
    prev1: Vec<[f32; LABELS]>,
    prev2: Vec<[f32; LABELS]>,
    /// By kind remembered from an earlier mention.
    memory: Vec<[f32; LABELS]>,
    /// By gazetteer list and place ('B', 'I', 'L', 'U' over the token, 'p'/'n' beside it).
    gazetteer: HashMap<(List, char), [f32; LABELS]>,
}

impl Tables {
    fn new(weights: &model::Weights) -> Tables {
        let sum = |feats: &[u64]| {
            let mut s = [0f32; LABELS];
            for f in feats {
                weights.add_to(*f, &mut s);
            }
            s
        };
        let mut feats = Vec::new();
        let mut context = [[0f32; LABELS]; 8];
        for (bits, slot) in context.iter_mut().enumerate() {
            feats.clear();
            let c = Context {
                first_in_sentence: bits & 1 != 0,
                lower_elsewhere: bits & 2 != 0,
                caps_sentence: bits & 4 != 0,
            };
            features::context_features(&c, &mut feats);
            *slot = sum(&feats);
        }
        let label = |i: usize| Label(i as u8);
        let prev1 = (0..LABELS)
            .map(|a| sum(&[features::history_key(label(a))]))
            .collect();
        let prev2 = (0..LABELS * LABELS)
            .map(|ab| {
                sum(&[features::history2_key(
                    label(ab / LABELS),
                    label(ab % LABELS),
                )])
            })
            .collect();
        let memory = (0..Kind::ALL.len())
            .map(|k| {
                feats.clear();
                features::memory_feature(Some(k as u8), &mut feats);
                sum(&feats)
            })
            .collect();
        let mut gazetteer = HashMap::new();
        for list in [
            List::Country,
            List::City,
            List::Organisation,
            List::Demonym,
            List::User,
        ] {
            for place in ['B', 'I', 'L', 'U', 'p', 'n'] {
                feats.clear();
                features::gazetteer_feature(list.name(), place, &mut feats);
                gazetteer.insert((list, place), sum(&feats));
            }
        }
        Tables {
            context,
            prev1,
            prev2,
            memory,
            gazetteer,
        }
    }
}

#[inline]
fn add(scores: &mut [f32; LABELS], v: &[f32; LABELS]) {
    for (s, w) in scores.iter_mut().zip(v) {
        *s += w;
    }
}

/// A lower-case word outside an entity is tagged O without scoring: in CoNLL-2003 only 73 of
/// 29,441 entities start with a lower-case letter, and such words are over half of all tokens.
/// Nor does a token without letters (punctuation, figures) open one: 26 of 23,499 entities in
/// CoNLL-2003 train ("1860 Munich"), against a fifth of all tokens. Training still scores
/// them (the model learns from their errors). CoNLL-2003 dev F1: 0.9146 with both shortcuts,
/// 0.9144 with the lower-case one alone, 0.9146 scoring every token; both together leave a
/// quarter of the tokens (23%) to score.
#[inline]
pub(crate) fn forced_outside(key: &Keys, prev1: Label) -> bool {
    (key.lowercase_initial || key.letterless)
        && !matches!(
            prev1.place(),
            Some(labels::Place::Begin | labels::Place::Inside)
        )
}

/// The best label that may follow `prev`; at a sentence's end, an open entity is closed.
pub(crate) fn best_label(scores: &[f32; LABELS], prev: Label, last: bool) -> Label {
    static MASKS: OnceLock<([u32; LABELS], u32)> = OnceLock::new();
    let (follow, closing) = MASKS.get_or_init(|| {
        let mut follow = [0u32; LABELS];
        for (p, mask) in follow.iter_mut().enumerate() {
            for l in 0..LABELS {
                if Label(l as u8).may_follow(Label(p as u8)) {
                    *mask |= 1 << l;
                }
            }
        }
        let open = |l: usize| {
            matches!(
                Label(l as u8).place(),
                Some(labels::Place::Begin | labels::Place::Inside)
            )
        };
        let closing = (0..LABELS)
            .filter(|&l| !open(l))
            .fold(0u32, |m, l| m | 1 << l);
        (follow, closing)
    });
    let mask = follow[usize::from(prev.0)] & if last { *closing } else { u32::MAX };
    let mut best = (0usize, f32::NEG_INFINITY);
    for (l, &s) in scores.iter().enumerate() {
        if mask & (1 << l) != 0 && s > best.1 {
            best = (l, s);
        }
    }
    Label(best.0 as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Ids index the words pushed, across blocks, and again after the blocks are emptied.
    #[test]
    fn word_blocks_answer_each_id_with_its_word() {
        let mut blocks = WordBlocks::default();
        let word = |i: usize| CachedWord {
            keys: Keys::of(&format!("w{i}")),
            vectors: [[i as f32; LABELS]; OFFSETS],
        };
        for round in 0..2 {
            for i in 0..BLOCK_WORDS * 2 + 5 {
                blocks.push(word(i + round));
            }
            assert_eq!(blocks.len(), BLOCK_WORDS * 2 + 5);
            for id in [0, 1, BLOCK_WORDS - 1, BLOCK_WORDS, BLOCK_WORDS * 2 + 4] {
                let w = &blocks[id as u32];
                assert_eq!(w.keys.exact, Keys::of(&format!("w{}", id + round)).exact);
                assert_eq!(w.vectors[0][0], (id + round) as f32);
            }
            blocks.clear();
            assert_eq!(blocks.len(), 0);
        }
        assert_eq!(blocks.blocks.len(), 3, "emptied blocks are refilled");
    }

    #[test]
    fn lower_case_and_letterless_tokens_open_no_entity() {
        let inside = Label::new(Kind::Organisation, labels::Place::Begin);
        for word in ["said", ",", "1,000", "(", "1987"] {
            assert!(forced_outside(&Keys::of(word), Label::OUTSIDE), "{word}");
            assert!(!forced_outside(&Keys::of(word), inside), "{word} inside");
        }
        for word in ["Reuters", "U.S.", "AT&T", "Élysée"] {
            assert!(!forced_outside(&Keys::of(word), Label::OUTSIDE), "{word}");
        }
    }

    #[test]
    fn capital_sentences_tell_the_same_from_keys_as_from_words() {
        for (sentence, caps) in [
            ("PRESIDENT VISITS FLOODED TOWNS", true),
            ("ÉTAT D'URGENCE DÉCLARÉ À NICE", true),
            ("Minister Visits Flooded Towns", false),
            ("The UN said on Tuesday", false),
            ("UN AU", true),
            ("UN", false),
        ] {
            let words: Vec<&str> = sentence.split(' ').collect();
            let keys: Vec<Keys> = words.iter().map(|w| Keys::of(w)).collect();
            assert_eq!(caps_sentence(&words), caps, "{sentence}");
            assert_eq!(caps_sentence_of(&keys), caps, "{sentence}");
        }
    }
}
