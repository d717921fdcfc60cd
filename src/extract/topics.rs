//! Topics: what an article is about, from the vocabulary in `index_schema/topics.toml`.
//!
//! Two signals are combined. A linear classifier (averaged perceptron over word stems of title
//! and body) scores the topics it has training examples for; it is trained by
//! `newsdex train topics` and shipped in `models/topics.model`. Cue terms score every topic by
//! their density in the article, so topics without examples can still be assigned.

use std::collections::HashMap;
use std::sync::OnceLock;

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use super::word_table::{Place, WordTable};

const VOCABULARY: &str = include_str!("../../index_schema/topics.toml");
const EMBEDDED_MODEL: &[u8] = include_bytes!("../../models/topics.model");
const MAGIC: &[u8; 8] = b"NDXTOP01";

/// One topic of the vocabulary.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Topic {
    pub id: String,
    pub name: String,
    pub subtopics: Vec<String>,
    pub cues: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Vocabulary {
    version: u32,
    #[serde(rename = "topic")]
    topics: Vec<Topic>,
}

/// A topic assigned to an article, with its score (0..1).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Assigned {
    pub id: String,
    pub score: f32,
}

/// The vocabulary, loaded once.
pub fn vocabulary() -> &'static [Topic] {
    static V: OnceLock<Vec<Topic>> = OnceLock::new();
    V.get_or_init(|| {
        toml::from_str::<Vocabulary>(VOCABULARY)
            .map(|v| {
                let _ = v.version;
                v.topics
            })
            .unwrap_or_default()
    })
}

/// Lower-cased, stemmed words of a text, hashed: the classifier's features. Words are cut as
/// tantivy's simple tokenizer cuts them (runs of letters and digits).
pub fn stems(text: &str) -> Vec<u64> {
    thread_local! {
        /// Word (as written) → hash of its stem, or 0 for words the classifier skips.
        static HASHES: std::cell::RefCell<WordTable<u64>> =
            std::cell::RefCell::new(WordTable::new(16));
    }
    HASHES.with(|cell| {
        let mut cache = cell.borrow_mut();
        let mut out = Vec::with_capacity(text.len() / 6);
        let mut lower = String::new();
        for (from, to, _) in crate::schema::words::words(text) {
            let word = &text[from..to];
            let h = cache.get_or_insert_with(word, || stem_hash(word, &mut lower));
            if h != 0 {
                out.push(h);
            }
        }
        out
    })
}

/// The hash of a word's lower-cased stem, or 0 for a word the classifier skips (one letter,
/// or only digits). `lower` is scratch space.
fn stem_hash(word: &str, lower: &mut String) -> u64 {
    lower.clear();
    lower.extend(word.chars().flat_map(char::to_lowercase));
    crate::schema::stem::with_stem(lower, |t| {
        if t.len() > 1 && !t.bytes().all(|b| b.is_ascii_digit()) {
            hash(t)
        } else {
            0
        }
    })
}

fn hash(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Trained weights: for each stem, one weight per trained topic.
#[derive(Debug, Default, Clone)]
pub struct Model {
    /// Vocabulary ids of the topics the classifier scores, in weight order.
    pub topics: Vec<String>,
    pub weights: FxHashMap<u64, Vec<f32>>,
}

impl Model {
    pub fn to_bytes(&self) -> std::io::Result<Vec<u8>> {
        let mut raw = Vec::new();
        raw.extend_from_slice(MAGIC);
        raw.extend_from_slice(&(self.topics.len() as u32).to_le_bytes());
        for t in &self.topics {
            raw.extend_from_slice(&(t.len() as u16).to_le_bytes());
            raw.extend_from_slice(t.as_bytes());
        }
        let mut rows: Vec<(&u64, &Vec<f32>)> = self.weights.iter().collect();
        rows.sort_by_key(|(h, _)| **h);
        raw.extend_from_slice(&(rows.len() as u32).to_le_bytes());
        for (h, w) in rows {
            raw.extend_from_slice(&h.to_le_bytes());
            for v in w {
                raw.extend_from_slice(&v.to_le_bytes());
            }
        }
        zstd::encode_all(&raw[..], 19)
    }

    pub fn from_bytes(bytes: &[u8]) -> Option<Model> {
        let raw = zstd::decode_all(bytes).ok()?;
        let mut at = 0;
        let mut take = |n: usize| -> Option<&[u8]> {
            let s = raw.get(at..at + n)?;
            at += n;
            Some(s)
        };
        if take(8)? != MAGIC {
            return None;
        }
        let n = u32::from_le_bytes(take(4)?.try_into().ok()?) as usize;
        let mut topics = Vec::with_capacity(n);
        for _ in 0..n {
            let len = u16::from_le_bytes(take(2)?.try_into().ok()?) as usize;
            topics.push(String::from_utf8(take(len)?.to_vec()).ok()?);
        }
        let rows = u32::from_le_bytes(take(4)?.try_into().ok()?) as usize;
        let mut weights = FxHashMap::default();
        for _ in 0..rows {
            let h = u64::from_le_bytes(take(8)?.try_into().ok()?);
            let mut w = Vec::with_capacity(n);
            for _ in 0..n {
                w.push(f32::from_le_bytes(take(4)?.try_into().ok()?));
            }
            weights.insert(h, w);
        }
        Some(Model { topics, weights })
    }
}

/// Trains the classifier on (text, topic index into `topics`) examples: averaged perceptron,
/// a fixed example order per epoch from a fixed seed, so the same data gives the same model.
pub fn train(examples: &[(String, usize)], topics: Vec<String>, epochs: usize) -> Model {
    let k = topics.len();
    let features: Vec<Vec<u64>> = examples.iter().map(|(t, _)| stems(t)).collect();
    let mut w: FxHashMap<u64, Vec<f32>> = FxHashMap::default();
    let mut totals: FxHashMap<u64, Vec<f64>> = FxHashMap::default();
    let mut stamps: FxHashMap<u64, Vec<u64>> = FxHashMap::default();
    let mut clock = 1u64;
    let mut order: Vec<usize> = (0..examples.len()).collect();
    let mut rng = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..epochs {
        for i in (1..order.len()).rev() {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            order.swap(i, (rng % (i as u64 + 1)) as usize);
        }
        for &e in &order {
            let scores = score(&w, &features[e], k);
            let predicted = argmax(&scores);
            let gold = examples[e].1;
            if predicted != gold {
                for f in &features[e] {
                    let row = w.entry(*f).or_insert_with(|| vec![0.0; k]);
                    let total = totals.entry(*f).or_insert_with(|| vec![0.0; k]);
                    let stamp = stamps.entry(*f).or_insert_with(|| vec![0; k]);
                    for (topic, delta) in [(gold, 1.0f32), (predicted, -1.0)] {
                        total[topic] += (clock - stamp[topic]) as f64 * f64::from(row[topic]);
                        stamp[topic] = clock;
                        row[topic] += delta;
                    }
                }
            }
            clock += 1;
        }
    }
    let weights = w
        .into_iter()
        .map(|(f, row)| {
            let total = &totals[&f];
            let stamp = &stamps[&f];
            let avg = (0..k)
                .map(|t| {
                    ((total[t] + (clock - stamp[t]) as f64 * f64::from(row[t])) / clock as f64)
                        as f32
                })
                .collect();
            (f, avg)
        })
        .collect();
    Model { topics, weights }
}

fn score(w: &FxHashMap<u64, Vec<f32>>, features: &[u64], k: usize) -> Vec<f32> {
    let mut s = vec![0f32; k];
    for f in features {
        if let Some(row) = w.get(f) {
            for (a, b) in s.iter_mut().zip(row) {
                *a += b;
            }
        }
    }
    s
}

fn argmax(s: &[f32]) -> usize {
    s.iter()
        .enumerate()
        .fold((0, f32::NEG_INFINITY), |best, (i, &v)| {
            if v > best.1 {
                (i, v)
            } else {
                best
            }
        })
        .0
}

/// The classifier with the cue terms of the vocabulary.
pub struct Classifier {
    /// Tells this classifier's entries in the per-thread word cache from another's.
    serial: usize,
    /// Vocabulary ids of the topics the trained model scores, in weight order.
    trained: Vec<String>,
    /// Stem hash → what the stem means to the classifier.
    stems: FxHashMap<u64, Stem>,
    /// The model's weight rows, one after another (`model.topics.len()` each).
    rows: Vec<f32>,
    /// Vocabulary indices of the topics each cue stem names, one stem's after another.
    cue_topics: Vec<u16>,
}

/// What one stem means to the classifier, in 8 bytes so that it sits in the word cache's slot
/// beside the word: one lookup per word of an article answers weights and cues both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stem {
    /// Where its weights start in `rows`, or [`NO_ROW`], or [`SKIPPED`] for a word the
    /// classifier skips (one letter, or only digits).
    row: u32,
    /// Its range in `cue_topics` (empty when it is no cue).
    cues: (u16, u16),
}

/// A stem without weights.
const NO_ROW: u32 = u32::MAX;
const SKIPPED: u32 = u32::MAX - 1;

impl Default for Stem {
    /// A word that counts towards an article's length, and no more.
    fn default() -> Stem {
        Stem {
            row: NO_ROW,
            cues: (0, 0),
        }
    }
}

/// An article's words as the classifier sees them.
struct Tally {
    /// Cue hits per vocabulary topic.
    hits: Vec<u32>,
    /// The trained model's raw score per trained topic.
    raw: Vec<f32>,
    /// Words counted (not skipped).
    words: usize,
}

/// How many words ahead the word cache's slots are prefetched (the weight rows, half as far).
const LOOKAHEAD: usize = 8;

/// Cue hits per 100 words at which a topic counts fully.
const CUE_DENSITY: f32 = 1.5;
/// Softens the classifier's scores into probabilities: it has seen five topics only, so it
/// must not be sure about an article on a sixth.
const TEMPERATURE: f32 = 150.0;
/// Scores below this are not assigned.
const MIN_SCORE: f32 = 0.5;

impl Classifier {
    /// The shipped classifier, loaded once.
    pub fn embedded() -> &'static Classifier {
        static C: OnceLock<Classifier> = OnceLock::new();
        C.get_or_init(|| Classifier::new(Model::from_bytes(EMBEDDED_MODEL).unwrap_or_default()))
    }

    pub fn new(model: Model) -> Classifier {
        static SERIALS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(1);
        let mut cues: HashMap<u64, Vec<usize>> = HashMap::new();
        for (i, topic) in vocabulary().iter().enumerate() {
            for cue in &topic.cues {
                for h in stems(cue) {
                    cues.entry(h).or_default().push(i);
                }
            }
        }
        let mut stems: FxHashMap<u64, Stem> = FxHashMap::default();
        let mut rows = Vec::with_capacity(model.weights.len() * model.topics.len());
        for (&h, w) in &model.weights {
            let row = rows.len() as u32;
            stems.insert(h, Stem { row, cues: (0, 0) });
            rows.extend_from_slice(w);
        }
        let mut cue_topics = Vec::new();
        for (h, topics) in cues {
            let range = (
                cue_topics.len() as u16,
                (cue_topics.len() + topics.len()) as u16,
            );
            cue_topics.extend(topics.into_iter().map(|t| t as u16));
            stems.entry(h).or_default().cues = range;
        }
        Classifier {
            serial: SERIALS.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            trained: model.topics,
            stems,
            rows,
            cue_topics,
        }
    }

    /// Reads the words of the headline and of the body (`body_words`, cut by the caller): one
    /// cached lookup per word gives its entry, so an article costs no stemming or hashing of
    /// known words.
    fn tally(&self, title: &str, body: &str, body_words: &[(usize, usize)]) -> Tally {
        thread_local! {
            /// Word as written → what its stem means to one classifier; the serial says
            /// which classifier filled it.
            static STEMS: std::cell::RefCell<(usize, WordTable<Stem>)> =
                std::cell::RefCell::new((0, WordTable::new(16)));
        }
        let k = self.trained.len();
        let mut tally = Tally {
            hits: vec![0u32; vocabulary().len()],
            raw: vec![0f32; k],
            words: 0,
        };
        STEMS.with(|cell| {
            let (serial, cache) = &mut *cell.borrow_mut();
            if *serial != self.serial {
                cache.clear();
                *serial = self.serial;
            }
            let mut lower = String::new();
            // Sized for the longer text's words at once: growing it showed in profiles.
            let title_words = crate::schema::words::bounds(title);
            let mut words = Vec::with_capacity(title_words.len().max(body_words.len()));
            for (text, bounds) in [(title, &title_words[..]), (body, body_words)] {
                words.clear();
                // Each word's slot is worked out once, for its prefetches and its lookup.
                words.extend(bounds.iter().map(|&(from, to)| {
                    let word = &text[from..to];
                    (word, Place::of(word))
                }));
                for (i, &(word, place)) in words.iter().enumerate() {
                    // The cache and the weights are larger than the core's cache: a lookup is a
                    // wait on memory, so what the words ahead need is asked for before it is
                    // read, their slots first, then (once those are in) their weight rows.
                    if let Some((_, Some(ahead))) = words.get(i + LOOKAHEAD) {
                        cache.prefetch_at(ahead);
                    }
                    if let Some(stem) = words
                        .get(i + LOOKAHEAD / 2)
                        .and_then(|(_, p)| cache.get_at(p.as_ref()?))
                    {
                        if let Some(row) = self.rows.get(stem.row as usize) {
                            super::word_table::prefetch(row);
                        }
                    }
                    let mut make = || match stem_hash(word, &mut lower) {
                        0 => Stem {
                            row: SKIPPED,
                            cues: (0, 0),
                        },
                        h => self.stems.get(&h).copied().unwrap_or_default(),
                    };
                    let stem = match place {
                        Some(place) => cache.get_or_insert_at(&place, make),
                        None => make(),
                    };
                    if stem.row == SKIPPED {
                        continue;
                    }
                    tally.words += 1;
                    if let Some(row) = self.rows.get(stem.row as usize..stem.row as usize + k) {
                        for (s, w) in tally.raw.iter_mut().zip(row) {
                            *s += w;
                        }
                    }
                    for &t in &self.cue_topics[usize::from(stem.cues.0)..usize::from(stem.cues.1)] {
                        tally.hits[usize::from(t)] += 1;
                    }
                }
            }
        });
        tally
    }

    /// The topics of an article, best first, each with a score in 0..1.
    pub fn assign(&self, title: &str, body: &str) -> Vec<Assigned> {
        self.assign_words(title, body, &crate::schema::words::bounds(body))
    }

    /// [`Classifier::assign`] for a body already cut into words (`body_words`, its
    /// [`bounds`](crate::schema::words::bounds)).
    pub fn assign_words(
        &self,
        title: &str,
        body: &str,
        body_words: &[(usize, usize)],
    ) -> Vec<Assigned> {
        let vocab = vocabulary();
        let Tally { hits, raw, words } = self.tally(title, body, body_words);
        // Cue terms: density per 100 words, full at CUE_DENSITY.
        let words = words.max(1) as f32;
        let cue: Vec<f32> = hits
            .iter()
            .map(|h| (*h as f32 * 100.0 / words / CUE_DENSITY).min(1.0))
            .collect();
        let strongest_cue = cue.iter().copied().fold(0.0f32, f32::max).max(1e-6);
        let mut scores: Vec<f32> = cue.iter().map(|c| c * 0.9).collect();
        // The classifier knows only the topics it was trained on, and calls any article one of
        // them: its topic counts in full only where the cue terms agree that it is the subject.
        if !self.trained.is_empty() {
            let per = 100.0 / words;
            let raw: Vec<f32> = raw.iter().map(|s| s * per).collect();
            let max = raw.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            let exp: Vec<f32> = raw
                .iter()
                .map(|s| ((s - max) / TEMPERATURE).exp())
                .collect();
            let sum: f32 = exp.iter().sum();
            for (t, e) in self.trained.iter().zip(&exp) {
                if let Some(i) = vocab.iter().position(|v| &v.id == t) {
                    let agreement = 0.3 + 0.7 * (cue[i] / strongest_cue).min(1.0);
                    scores[i] = scores[i].max(e / sum * agreement);
                }
            }
        }
        let mut out: Vec<Assigned> = vocab
            .iter()
            .zip(&scores)
            .filter(|(_, s)| **s >= MIN_SCORE)
            .map(|(t, s)| Assigned {
                id: t.id.clone(),
                score: (s * 1000.0).round() / 1000.0,
            })
            .collect();
        out.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.id.cmp(&b.id)));
        out
    }

    /// The classifier's best topic (no cue terms), for accuracy against a labelled collection.
    pub fn best_of(&self, title: &str, body: &str) -> Option<String> {
        let raw = self
            .tally(title, body, &crate::schema::words::bounds(body))
            .raw;
        (!self.trained.is_empty()).then(|| self.trained[argmax(&raw)].clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The word cache holds a stem's cue range and topics in 16 bits each.
    #[test]
    fn cue_ranges_fit_in_sixteen_bits() {
        let c = Classifier::embedded();
        assert!(c.cue_topics.len() < usize::from(u16::MAX));
        assert!(vocabulary().len() < usize::from(u16::MAX));
        let cues = c.stems.values().filter(|s| s.cues.1 > s.cues.0).count();
        assert!(cues > 100, "{cues} cue stems");
    }

    #[test]
    fn vocabulary_has_the_news_topics() {
        let ids: Vec<&str> = vocabulary().iter().map(|t| t.id.as_str()).collect();
        assert_eq!(ids.len(), 17);
        for id in [
            "politics",
            "conflict",
            "diplomacy",
            "economy",
            "sport",
            "weather",
            "disaster",
        ] {
            assert!(ids.contains(&id), "{id}");
        }
    }

    #[test]
    fn cue_terms_assign_topics_without_training() {
        let c = Classifier::new(Model::default());
        let t = c.assign("Troops Pull Back", "The army said troops and soldiers left after the ceasefire; missiles and weapons were moved. War ended.");
        assert_eq!(t.first().map(|a| a.id.as_str()), Some("conflict"), "{t:?}");
    }

    #[test]
    fn the_classifier_learns_from_examples_and_round_trips() {
        let examples = vec![
            ("shares profits market bank".to_string(), 0),
            ("goal match striker league".to_string(), 1),
            ("market investors shares fell".to_string(), 0),
            ("league champions goal keeper".to_string(), 1),
        ];
        let model = train(&examples, vec!["economy".into(), "sport".into()], 5);
        let again = Model::from_bytes(&model.to_bytes().unwrap()).unwrap();
        let c = Classifier::new(again);
        assert_eq!(
            c.best_of("", "the striker scored a goal").as_deref(),
            Some("sport")
        );
        assert_eq!(
            c.best_of("", "bank shares rose").as_deref(),
            Some("economy")
        );
    }
}
