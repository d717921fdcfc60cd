//! Word clusters learned from unlabelled news: words that occur between the same neighbours
//! fall in the same cluster, so the tagger generalises from "Clinton" to names it never saw
//! in training. Each word's left and right neighbours (among the most frequent words) form a
//! vector; spherical k-means groups the vectors into fine clusters, and the fine centroids are
//! grouped again into coarse ones. Deterministic: fixed order, fixed start, fixed iterations.

use std::collections::HashMap;

use rayon::prelude::*;

/// Settings for [`induce`].
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    pub fine: usize,
    pub coarse: usize,
    /// Words seen fewer times get no cluster.
    pub min_count: u32,
    /// Neighbours that count as context: this many of the most frequent words.
    pub context_words: usize,
    pub iterations: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            fine: 384,
            coarse: 48,
            min_count: 4,
            context_words: 1500,
            iterations: 12,
        }
    }
}

/// A sparse, L2-normalised vector: (dimension, value), sorted by dimension.
type Sparse = Vec<(u32, f32)>;

/// Clusters for every word seen at least `min_count` times: word → (fine, coarse).
pub fn induce(
    sentences: &[Vec<&str>],
    settings: Settings,
) -> rustc_hash::FxHashMap<String, (u16, u8)> {
    let mut freq: HashMap<&str, u32> = HashMap::new();
    for s in sentences {
        for w in s {
            *freq.entry(w).or_default() += 1;
        }
    }
    // Vocabulary by descending frequency, ties by text: a deterministic order.
    let mut vocab: Vec<(&str, u32)> = freq
        .iter()
        .filter(|(_, c)| **c >= settings.min_count)
        .map(|(w, c)| (*w, *c))
        .collect();
    vocab.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    if vocab.len() < settings.fine {
        return Default::default();
    }
    let word_id: HashMap<&str, usize> = vocab
        .iter()
        .enumerate()
        .map(|(i, (w, _))| (*w, i))
        .collect();
    let k = settings.context_words.min(vocab.len());

    // Context counts: dimension c is "left neighbour is context word c", k + c "right neighbour".
    let mut counts: Vec<HashMap<u32, f32>> = vec![HashMap::new(); vocab.len()];
    for s in sentences {
        for (i, w) in s.iter().enumerate() {
            let Some(&id) = word_id.get(w) else { continue };
            if i > 0 {
                if let Some(&c) = word_id.get(s[i - 1]).filter(|&&c| c < k) {
                    *counts[id].entry(c as u32).or_default() += 1.0;
                }
            }
            if let Some(&c) = s
                .get(i + 1)
                .and_then(|n| word_id.get(n))
                .filter(|&&c| c < k)
            {
                *counts[id].entry((k + c) as u32).or_default() += 1.0;
            }
        }
    }
    let vectors: Vec<Sparse> = counts
        .into_iter()
        .map(|m| {
            let mut v: Sparse = m.into_iter().map(|(d, c)| (d, c.sqrt())).collect();
            v.sort_by_key(|(d, _)| *d);
            normalise(&mut v);
            v
        })
        .collect();

    let dims = 2 * k;
    let fine = kmeans(&vectors, dims, settings.fine, settings.iterations);
    // Coarse clusters: k-means over the fine centroids (as sparse vectors).
    let centroids: Vec<Sparse> = (0..settings.fine)
        .map(|c| {
            let mut v: Sparse = Vec::new();
            for (i, v_i) in vectors.iter().enumerate() {
                if fine[i] == c {
                    v.extend(v_i.iter().copied());
                }
            }
            let mut dense = vec![0f32; dims];
            for (d, x) in v {
                dense[d as usize] += x;
            }
            let mut s: Sparse = dense
                .into_iter()
                .enumerate()
                .filter(|(_, x)| *x != 0.0)
                .map(|(d, x)| (d as u32, x))
                .collect();
            normalise(&mut s);
            s
        })
        .collect();
    let coarse = kmeans(&centroids, dims, settings.coarse, settings.iterations);
    vocab
        .iter()
        .enumerate()
        .map(|(i, (w, _))| ((*w).to_string(), (fine[i] as u16, coarse[fine[i]] as u8)))
        .collect()
}

fn normalise(v: &mut Sparse) {
    let norm = v.iter().map(|(_, x)| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        for (_, x) in v.iter_mut() {
            *x /= norm;
        }
    }
}

/// Spherical k-means; starts from the first `k` vectors (the most frequent words).
fn kmeans(vectors: &[Sparse], dims: usize, k: usize, iterations: usize) -> Vec<usize> {
    let k = k.min(vectors.len()).max(1);
    let mut centroids: Vec<Vec<f32>> = vectors[..k]
        .iter()
        .map(|v| {
            let mut d = vec![0f32; dims];
            for (i, x) in v {
                d[*i as usize] = *x;
            }
            d
        })
        .collect();
    let mut assignment = vec![0usize; vectors.len()];
    for _ in 0..iterations {
        assignment = vectors
            .par_iter()
            .map(|v| {
                let mut best = (0, f32::MIN);
                for (c, centroid) in centroids.iter().enumerate() {
                    let dot: f32 = v.iter().map(|(d, x)| x * centroid[*d as usize]).sum();
                    if dot > best.1 {
                        best = (c, dot);
                    }
                }
                best.0
            })
            .collect();
        let mut sums = vec![vec![0f32; dims]; k];
        for (v, &c) in vectors.iter().zip(&assignment) {
            for (d, x) in v {
                sums[c][*d as usize] += x;
            }
        }
        for (c, sum) in sums.into_iter().enumerate() {
            let norm = sum.iter().map(|x| x * x).sum::<f32>().sqrt();
            if norm > 0.0 {
                centroids[c] = sum.into_iter().map(|x| x / norm).collect();
            }
        }
    }
    assignment
}
