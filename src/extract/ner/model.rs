//! The trained weights and lexicon, and their compact file form (zstd-compressed, f32 weights
//! stored sparsely per feature, entries sorted so the same model always writes the same bytes).

use rustc_hash::FxHashMap;

use super::features::Lexicon;
use super::labels::LABELS;

const MAGIC: &[u8; 8] = b"NDXNER02";

/// Weights per feature hash: one score per label.
#[derive(Debug, Default, Clone)]
pub struct Weights {
    index: FxHashMap<u64, u32>,
    rows: Vec<[f32; LABELS]>,
}

impl Weights {
    #[inline]
    pub fn add_to(&self, feature: u64, scores: &mut [f32; LABELS]) {
        if let Some(&row) = self.index.get(&feature) {
            let w = &self.rows[row as usize];
            for (s, w) in scores.iter_mut().zip(w) {
                *s += w;
            }
        }
    }

    pub fn from_rows(rows: impl IntoIterator<Item = (u64, [f32; LABELS])>) -> Weights {
        let mut weights = Weights::default();
        for (h, row) in rows {
            if row.iter().any(|w| *w != 0.0) {
                weights.index.insert(h, weights.rows.len() as u32);
                weights.rows.push(row);
            }
        }
        weights
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

/// Everything the tagger needs: weights and the capitalisation lexicon.
#[derive(Debug, Default, Clone)]
pub struct Model {
    pub weights: Weights,
    /// Lower-case word → how often it is capitalised mid-sentence, in ten buckets.
    pub lexicon: FxHashMap<String, u8>,
    /// Word → (fine, coarse) cluster.
    pub clusters: FxHashMap<String, (u16, u8)>,
}

impl Lexicon for Model {
    fn bucket(&self, lower: &str) -> Option<u8> {
        self.lexicon.get(lower).copied()
    }
    fn cluster(&self, word: &str) -> Option<(u16, u8)> {
        self.clusters.get(word).copied()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("not a newsdex tagger model (or one of another format version)")]
    Format,
    #[error("model file: {0}")]
    Io(#[from] std::io::Error),
}

impl Model {
    /// The compact bytes of this model.
    pub fn to_bytes(&self) -> Result<Vec<u8>, ModelError> {
        let mut raw = Vec::new();
        raw.extend_from_slice(MAGIC);
        raw.push(LABELS as u8);
        let mut words: Vec<(&String, &u8)> = self.lexicon.iter().collect();
        words.sort();
        raw.extend_from_slice(&(words.len() as u32).to_le_bytes());
        for (w, b) in words {
            raw.extend_from_slice(&(w.len() as u16).to_le_bytes());
            raw.extend_from_slice(w.as_bytes());
            raw.push(*b);
        }
        let mut clusters: Vec<(&String, &(u16, u8))> = self.clusters.iter().collect();
        clusters.sort();
        raw.extend_from_slice(&(clusters.len() as u32).to_le_bytes());
        for (w, (fine, coarse)) in clusters {
            raw.extend_from_slice(&(w.len() as u16).to_le_bytes());
            raw.extend_from_slice(w.as_bytes());
            raw.extend_from_slice(&fine.to_le_bytes());
            raw.push(*coarse);
        }
        let mut features: Vec<(u64, u32)> =
            self.weights.index.iter().map(|(h, r)| (*h, *r)).collect();
        features.sort();
        raw.extend_from_slice(&(features.len() as u32).to_le_bytes());
        for (h, row) in features {
            raw.extend_from_slice(&h.to_le_bytes());
            let w = &self.weights.rows[row as usize];
            let nonzero: Vec<(usize, f32)> = w
                .iter()
                .copied()
                .enumerate()
                .filter(|(_, v)| *v != 0.0)
                .collect();
            raw.push(nonzero.len() as u8);
            for (label, v) in nonzero {
                raw.push(label as u8);
                raw.extend_from_slice(&v.to_le_bytes());
            }
        }
        Ok(zstd::encode_all(&raw[..], 19)?)
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Model, ModelError> {
        let raw = zstd::decode_all(bytes)?;
        let mut r = Reader { bytes: &raw, at: 0 };
        if r.take(8)? != MAGIC || usize::from(r.u8()?) != LABELS {
            return Err(ModelError::Format);
        }
        let mut lexicon = FxHashMap::default();
        for _ in 0..r.u32()? {
            let n = r.u16()? as usize;
            let word = std::str::from_utf8(r.take(n)?)
                .map_err(|_| ModelError::Format)?
                .to_string();
            lexicon.insert(word, r.u8()?);
        }
        let mut clusters = FxHashMap::default();
        for _ in 0..r.u32()? {
            let n = r.u16()? as usize;
            let word = std::str::from_utf8(r.take(n)?)
                .map_err(|_| ModelError::Format)?
                .to_string();
            let fine = r.u16()?;
            clusters.insert(word, (fine, r.u8()?));
        }
        let n = r.u32()? as usize;
        let mut weights = Weights {
            index: FxHashMap::with_capacity_and_hasher(n, Default::default()),
            rows: Vec::with_capacity(n),
        };
        for _ in 0..n {
            let h = r.u64()?;
            let mut row = [0f32; LABELS];
            for _ in 0..r.u8()? {
                let label = usize::from(r.u8()?);
                let v = f32::from_le_bytes(r.take(4)?.try_into().map_err(|_| ModelError::Format)?);
                *row.get_mut(label).ok_or(ModelError::Format)? = v;
            }
            weights.index.insert(h, weights.rows.len() as u32);
            weights.rows.push(row);
        }
        Ok(Model {
            weights,
            lexicon,
            clusters,
        })
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], ModelError> {
        let s = self
            .bytes
            .get(self.at..self.at + n)
            .ok_or(ModelError::Format)?;
        self.at += n;
        Ok(s)
    }
    fn u8(&mut self) -> Result<u8, ModelError> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> Result<u16, ModelError> {
        Ok(u16::from_le_bytes([self.u8()?, self.u8()?]))
    }
    fn u32(&mut self) -> Result<u32, ModelError> {
        Ok(u32::from_le_bytes(
            self.take(4)?.try_into().map_err(|_| ModelError::Format)?,
        ))
    }
    fn u64(&mut self) -> Result<u64, ModelError> {
        Ok(u64::from_le_bytes(
            self.take(8)?.try_into().map_err(|_| ModelError::Format)?,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scores(weights: &Weights, feature: u64) -> [f32; LABELS] {
        let mut s = [0.0; LABELS];
        weights.add_to(feature, &mut s);
        s
    }

    #[test]
    fn a_model_reads_back_what_it_wrote() {
        let row = |i: u64| {
            let mut r = [0.0; LABELS];
            r[i as usize % LABELS] = i as f32 - 150.5;
            r[(i as usize + 5) % LABELS] = 0.25;
            r
        };
        let model = Model {
            weights: Weights::from_rows((0..300u64).map(|i| (i * 977, row(i)))),
            lexicon: [("senate".to_string(), 3)].into_iter().collect(),
            clusters: [("Baku".to_string(), (12, 3))].into_iter().collect(),
        };
        let bytes = model.to_bytes().unwrap();
        let back = Model::from_bytes(&bytes).unwrap();
        assert_eq!(back.weights.len(), 300);
        for i in 0..300u64 {
            assert_eq!(scores(&back.weights, i * 977), row(i));
        }
        assert_eq!(
            scores(&back.weights, 978),
            [0.0; LABELS],
            "an unknown feature adds nothing"
        );
        assert_eq!(back.lexicon, model.lexicon);
        assert_eq!(back.clusters, model.clusters);
        assert_eq!(
            back.to_bytes().unwrap(),
            bytes,
            "the same model writes the same bytes"
        );
        assert!(Model::from_bytes(&bytes[..bytes.len() / 2]).is_err());
    }
}
