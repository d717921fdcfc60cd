//! CoNLL files (one `token ... tag` line per token, blank lines between sentences,
//! `-DOCSTART-` between documents) and entity-level scoring with conlleval's semantics:
//! an entity counts only when both its span and its type match exactly.

use std::collections::BTreeMap;
use std::io::BufRead;

use super::labels::{from_spans, iob_spans, Kind};
use super::train::Document;

/// A CoNLL document: sentences of (token, gold tag as written).
pub type Tagged = Vec<Vec<(String, String)>>;

/// Reads CoNLL text into documents. The first column is the token and the last the tag; a
/// file without `-DOCSTART-` lines is one document.
pub fn read(reader: impl BufRead) -> std::io::Result<Vec<Tagged>> {
    let mut docs: Vec<Tagged> = vec![Vec::new()];
    let mut sentence = Vec::new();
    for line in reader.lines() {
        let line = line?;
        let line = line.trim();
        let close = |sentence: &mut Vec<(String, String)>, docs: &mut Vec<Tagged>| {
            if !sentence.is_empty() {
                if let Some(d) = docs.last_mut() {
                    d.push(std::mem::take(sentence));
                }
            }
        };
        if line.is_empty() {
            close(&mut sentence, &mut docs);
            continue;
        }
        let cols: Vec<&str> = line.split_whitespace().collect();
        if cols[0] == "-DOCSTART-" {
            close(&mut sentence, &mut docs);
            if docs.last().is_some_and(|d| !d.is_empty()) {
                docs.push(Vec::new());
            }
            continue;
        }
        let tag = if cols.len() > 1 {
            cols[cols.len() - 1]
        } else {
            "O"
        };
        sentence.push((cols[0].to_string(), tag.to_string()));
    }
    close_last(&mut sentence, &mut docs);
    docs.retain(|d| !d.is_empty());
    Ok(docs)
}

fn close_last(sentence: &mut Vec<(String, String)>, docs: &mut [Tagged]) {
    if !sentence.is_empty() {
        if let Some(d) = docs.last_mut() {
            d.push(std::mem::take(sentence));
        }
    }
}

/// Training documents with BILOU labels from the IOB tags.
pub fn to_training(docs: &[Tagged]) -> Vec<Document> {
    docs.iter()
        .map(|doc| {
            doc.iter()
                .map(|sentence| {
                    let tags: Vec<&str> = sentence.iter().map(|(_, t)| t.as_str()).collect();
                    let labels = from_spans(sentence.len(), &iob_spans(&tags));
                    sentence
                        .iter()
                        .map(|(w, _)| w.clone())
                        .zip(labels)
                        .collect()
                })
                .collect()
        })
        .collect()
}

/// Precision, recall and F1 counts for one entity type or overall.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct Score {
    pub gold: usize,
    pub predicted: usize,
    pub correct: usize,
}

impl Score {
    pub fn precision(&self) -> f64 {
        ratio(self.correct, self.predicted)
    }
    pub fn recall(&self) -> f64 {
        ratio(self.correct, self.gold)
    }
    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

/// Scores by type and overall.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Scores {
    pub by_kind: BTreeMap<&'static str, Score>,
    pub overall: Score,
}

impl Scores {
    /// Adds one sentence's gold and predicted entity spans.
    pub fn add(&mut self, gold: &[(usize, usize, Kind)], predicted: &[(usize, usize, Kind)]) {
        for kind in Kind::ALL {
            let g: Vec<_> = gold.iter().filter(|e| e.2 == kind).collect();
            let p: Vec<_> = predicted.iter().filter(|e| e.2 == kind).collect();
            let correct = p.iter().filter(|e| g.contains(e)).count();
            let s = self.by_kind.entry(kind.conll()).or_default();
            s.gold += g.len();
            s.predicted += p.len();
            s.correct += correct;
            self.overall.gold += g.len();
            self.overall.predicted += p.len();
            self.overall.correct += correct;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_documents_sentences_and_last_column_tags() {
        let text = "-DOCSTART- -X- -X- O\n\nEU NNP B-NP B-ORG\nrejects VBZ B-VP O\n\nPeter NNP B-NP B-PER\nBlackburn NNP I-NP I-PER\n\n-DOCSTART- -X- O\n\nBRUSSELS NNP I-LOC\n";
        let docs = read(std::io::Cursor::new(text)).unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0].len(), 2);
        assert_eq!(
            docs[0][1][1],
            ("Blackburn".to_string(), "I-PER".to_string())
        );
        assert_eq!(docs[1][0][0].1, "I-LOC");
    }

    #[test]
    fn scores_exact_span_and_type_matches_only() {
        let mut s = Scores::default();
        let gold = [
            (0, 2, Kind::Person),
            (3, 4, Kind::Place),
            (5, 6, Kind::Organisation),
        ];
        let predicted = [
            (0, 2, Kind::Person),
            (3, 4, Kind::Organisation),
            (5, 7, Kind::Organisation),
        ];
        s.add(&gold, &predicted);
        assert_eq!(
            s.overall,
            Score {
                gold: 3,
                predicted: 3,
                correct: 1
            }
        );
        assert!((s.overall.f1() - 1.0 / 3.0).abs() < 1e-9);
        assert_eq!(s.by_kind["PER"].f1(), 1.0);
        assert_eq!(s.by_kind["LOC"].recall(), 0.0);
        assert_eq!(s.by_kind["ORG"].precision(), 0.0);
    }
}
