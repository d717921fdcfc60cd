//! Training the tagger: an averaged perceptron, greedy left to right, over documents shuffled
//! from a fixed seed, so the same data always gives the same model, bit for bit.

use std::collections::HashMap;

use super::features::{self, word_features, Keys, WINDOW};
use super::labels::{Label, LABELS};
use super::model::{Model, Weights};
use super::{
    best_label, caps_sentence, dynamic_features, gazetteer_places, DocState, SentenceView,
};
use crate::extract::gazetteer::Gazetteer;

/// A training document: sentences of (word, gold label).
pub type Document = Vec<Vec<(String, Label)>>;

/// Perceptron weights with the running sums that averaging needs.
struct Averaged {
    index: HashMap<u64, usize>,
    weights: Vec<[f32; LABELS]>,
    totals: Vec<[f64; LABELS]>,
    stamps: Vec<[u64; LABELS]>,
    clock: u64,
}

impl Averaged {
    fn new() -> Averaged {
        Averaged {
            index: HashMap::new(),
            weights: Vec::new(),
            totals: Vec::new(),
            stamps: Vec::new(),
            clock: 1,
        }
    }

    fn score(&self, feats: &[u64]) -> [f32; LABELS] {
        let mut s = [0f32; LABELS];
        for f in feats {
            if let Some(&row) = self.index.get(f) {
                for (a, w) in s.iter_mut().zip(&self.weights[row]) {
                    *a += w;
                }
            }
        }
        s
    }

    fn update(&mut self, feats: &[u64], label: Label, delta: f32) {
        let l = usize::from(label.0);
        for f in feats {
            let row = *self.index.entry(*f).or_insert_with(|| {
                self.weights.push([0.0; LABELS]);
                self.totals.push([0.0; LABELS]);
                self.stamps.push([0; LABELS]);
                self.weights.len() - 1
            });
            let elapsed = self.clock - self.stamps[row][l];
            self.totals[row][l] += elapsed as f64 * f64::from(self.weights[row][l]);
            self.stamps[row][l] = self.clock;
            self.weights[row][l] += delta;
        }
    }

    /// The averaged weights, without features whose every weight rounds to nothing.
    fn finish(self) -> Weights {
        let clock = self.clock;
        let mut rows: Vec<(u64, [f32; LABELS])> = self
            .index
            .iter()
            .map(|(&h, &row)| {
                let mut avg = [0f32; LABELS];
                for (l, a) in avg.iter_mut().enumerate() {
                    let total = self.totals[row][l]
                        + (clock - self.stamps[row][l]) as f64 * f64::from(self.weights[row][l]);
                    *a = (total / clock as f64) as f32;
                }
                (h, avg)
            })
            .collect();
        rows.sort_by_key(|(h, _)| *h);
        Weights::from_rows(rows)
    }
}

/// Progress of one epoch.
#[derive(Debug, Clone, Copy)]
pub struct Epoch {
    pub number: usize,
    pub tokens: usize,
    pub errors: usize,
}

/// Trains a model on documents, with the capitalisation lexicon and clusters of `lexicons`
/// (whose weights are ignored), for `epochs` passes.
pub fn train(
    docs: &[Document],
    lexicons: Model,
    epochs: usize,
    on_epoch: &mut dyn FnMut(Epoch),
) -> Model {
    let gazetteer = Gazetteer::embedded();
    let mut perceptron = Averaged::new();
    let mut feats = Vec::with_capacity(64);
    let mut order: Vec<usize> = (0..docs.len()).collect();
    let mut rng = 0x9e37_79b9_7f4a_7c15u64;
    for number in 1..=epochs {
        // A new document order each epoch, from a fixed seed: reproducible, and less prone to
        // fitting the tail of the data.
        for i in (1..order.len()).rev() {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            order.swap(i, (rng % (i as u64 + 1)) as usize);
        }
        let (mut tokens, mut errors) = (0, 0);
        for doc in order.iter().map(|&d| &docs[d]) {
            let words: Vec<Vec<&str>> = doc
                .iter()
                .map(|s| s.iter().map(|(w, _)| w.as_str()).collect())
                .collect();
            let keys: Vec<Vec<Keys>> = words
                .iter()
                .map(|s| s.iter().map(|w| Keys::of(w)).collect())
                .collect();
            let mut state = DocState::new(&keys.concat());
            for ((sentence, gold), keys) in words.iter().zip(doc).zip(&keys) {
                let view = SentenceView {
                    keys,
                    gaz: gazetteer_places(gazetteer, sentence, keys),
                    caps: caps_sentence(sentence),
                };
                let (mut prev1, mut prev2) = (Label::START, Label::START);
                for i in 0..sentence.len() {
                    feats.clear();
                    for o in -WINDOW..=WINDOW {
                        let j = i as i32 + o;
                        let w = (j >= 0 && j < sentence.len() as i32).then(|| sentence[j as usize]);
                        word_features(w, o, &lexicons, &mut feats);
                    }
                    dynamic_features(&view, i, &state, prev1, prev2, &mut feats);
                    let scores = perceptron.score(&feats);
                    let predicted = best_label(&scores, prev1, i + 1 == sentence.len());
                    let truth = gold[i].1;
                    if predicted != truth {
                        perceptron.update(&feats, truth, 1.0);
                        perceptron.update(&feats, predicted, -1.0);
                        errors += 1;
                    }
                    perceptron.clock += 1;
                    tokens += 1;
                    // The first three quarters of the epochs learn from the gold history, the
                    // rest from the tagger's own, as it will meet it (on CoNLL-2003 dev: F1
                    // 0.909 gold only, 0.900 own only, 0.915 mixed).
                    let history = if number * 4 <= epochs * 3 {
                        truth
                    } else {
                        predicted
                    };
                    state.remember(&keys[i], history);
                    prev2 = prev1;
                    prev1 = history;
                }
            }
        }
        on_epoch(Epoch {
            number,
            tokens,
            errors,
        });
    }
    Model {
        weights: perceptron.finish(),
        ..lexicons
    }
}

/// Counts, for each lower-case word, how often it is capitalised where capitals are not forced
/// (not first in a sentence, not in an all-capitals line), and buckets the ratio 0..=9. Words
/// seen fewer than `min_count` times are left out.
pub fn capital_lexicon<'a>(
    sentences: impl Iterator<Item = Vec<&'a str>>,
    min_count: u32,
) -> rustc_hash::FxHashMap<String, u8> {
    let mut counts: HashMap<String, (u32, u32)> = HashMap::new();
    for sentence in sentences {
        if caps_sentence(&sentence) {
            continue;
        }
        for w in sentence.iter().skip(1) {
            let Some(first) = w.chars().next() else {
                continue;
            };
            if !first.is_alphabetic() {
                continue;
            }
            let entry = counts
                .entry(features::normalise(w).to_lowercase())
                .or_default();
            entry.1 += 1;
            if first.is_uppercase() {
                entry.0 += 1;
            }
        }
    }
    counts
        .into_iter()
        .filter(|(_, (_, total))| *total >= min_count)
        .map(|(w, (caps, total))| (w, ((caps * 10 / total).min(9)) as u8))
        .collect()
}
