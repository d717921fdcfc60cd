//! Keyphrases: the 3–8 phrases that say what an article is about ("stabilization force",
//! "peacekeeping missions"), scored statistically, fast.
//!
//! Candidates are runs of up to four content words between stop words and punctuation. A
//! candidate scores by its words' rarity in news (inverse document frequency from a background
//! table learned from unlabelled archives), how often it occurs, and how early it first
//! appears; phrases of two words or more are preferred, and a phrase inside a better one is
//! dropped.

use std::sync::OnceLock;

use rustc_hash::FxHashMap;
use serde::Serialize;

use super::tokens;

const EMBEDDED_MODEL: &[u8] = include_bytes!("../../models/keyphrases.model");

const STOP_WORDS: &[&str] = &[
    "a",
    "about",
    "above",
    "after",
    "again",
    "against",
    "all",
    "also",
    "am",
    "an",
    "and",
    "any",
    "are",
    "as",
    "at",
    "be",
    "because",
    "been",
    "before",
    "being",
    "below",
    "between",
    "both",
    "but",
    "by",
    "can",
    "could",
    "did",
    "do",
    "does",
    "doing",
    "down",
    "during",
    "each",
    "even",
    "ever",
    "few",
    "for",
    "from",
    "further",
    "had",
    "has",
    "have",
    "having",
    "he",
    "her",
    "here",
    "hers",
    "herself",
    "him",
    "himself",
    "his",
    "how",
    "however",
    "i",
    "if",
    "in",
    "into",
    "is",
    "it",
    "its",
    "itself",
    "just",
    "last",
    "least",
    "less",
    "like",
    "made",
    "make",
    "many",
    "may",
    "me",
    "might",
    "more",
    "most",
    "much",
    "must",
    "my",
    "myself",
    "new",
    "next",
    "no",
    "nor",
    "not",
    "now",
    "of",
    "off",
    "on",
    "once",
    "one",
    "only",
    "or",
    "other",
    "our",
    "ours",
    "ourselves",
    "out",
    "over",
    "own",
    "per",
    "said",
    "same",
    "say",
    "says",
    "she",
    "should",
    "since",
    "so",
    "some",
    "still",
    "such",
    "than",
    "that",
    "the",
    "their",
    "theirs",
    "them",
    "themselves",
    "then",
    "there",
    "these",
    "they",
    "this",
    "those",
    "though",
    "through",
    "to",
    "told",
    "too",
    "two",
    "under",
    "until",
    "up",
    "upon",
    "us",
    "very",
    "was",
    "we",
    "well",
    "were",
    "what",
    "when",
    "where",
    "whether",
    "which",
    "while",
    "who",
    "whom",
    "whose",
    "why",
    "will",
    "with",
    "within",
    "without",
    "would",
    "year",
    "years",
    "yet",
    "you",
    "your",
    "yours",
    "mr",
    "mrs",
    "ms",
    "according",
    "added",
    "week",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "first",
    "three",
    "four",
    "five",
    "percent",
    "time",
    "get",
    "got",
    "go",
    "going",
    "way",
    "told",
    "says",
    "including",
    "around",
    "another",
    "every",
    "among",
    "across",
    "already",
    "always",
    "never",
    "often",
    "later",
    "early",
];

fn is_stop(word: &str) -> bool {
    static SET: OnceLock<rustc_hash::FxHashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| STOP_WORDS.iter().copied().collect())
        .contains(word)
}

/// Document frequencies of words in a background collection of news.
#[derive(Debug, Default, Clone)]
pub struct Background {
    pub documents: u32,
    pub df: FxHashMap<String, u32>,
}

impl Background {
    /// The table shipped in `models/keyphrases.model`, loaded once.
    pub fn embedded() -> &'static Background {
        static B: OnceLock<Background> = OnceLock::new();
        B.get_or_init(|| Background::from_bytes(EMBEDDED_MODEL).unwrap_or_default())
    }

    /// Counts the documents each word (lower case) appears in; words in fewer than
    /// `min_df` documents are left out (they count as rare).
    pub fn learn<'a>(texts: impl Iterator<Item = &'a str>, min_df: u32) -> Background {
        let mut df: FxHashMap<String, u32> = FxHashMap::default();
        let mut documents = 0;
        for text in texts {
            documents += 1;
            let mut seen = rustc_hash::FxHashSet::default();
            for t in tokens::tokenize(text) {
                let w = t.text(text);
                if w.chars().next().is_some_and(char::is_alphabetic) {
                    seen.insert(w.to_lowercase());
                }
            }
            for w in seen {
                *df.entry(w).or_default() += 1;
            }
        }
        df.retain(|_, n| *n >= min_df);
        Background { documents, df }
    }

    fn idf(&self, word: &str) -> f32 {
        let df = self.df.get(word).copied().unwrap_or(1) as f32;
        ((self.documents.max(1) as f32 + 1.0) / df).ln()
    }

    pub fn to_bytes(&self) -> std::io::Result<Vec<u8>> {
        let mut words: Vec<(&String, &u32)> = self.df.iter().collect();
        words.sort();
        let mut raw = format!("NDXKEY01\t{}\n", self.documents);
        for (w, n) in words {
            raw.push_str(&format!("{w}\t{n}\n"));
        }
        zstd::encode_all(raw.as_bytes(), 19)
    }

    pub fn from_bytes(bytes: &[u8]) -> Option<Background> {
        let raw = String::from_utf8(zstd::decode_all(bytes).ok()?).ok()?;
        let mut lines = raw.lines();
        let documents = lines.next()?.strip_prefix("NDXKEY01\t")?.parse().ok()?;
        let df = lines
            .filter_map(|l| l.split_once('\t'))
            .filter_map(|(w, n)| Some((w.to_string(), n.parse().ok()?)))
            .collect();
        Some(Background { documents, df })
    }
}

/// A keyphrase with its score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Keyphrase {
    pub phrase: String,
    pub score: f32,
}

/// The best keyphrases of an article, at most `max`, with at least `min` where the text has them.
pub fn extract(title: &str, body: &str, background: &Background, max: usize) -> Vec<Keyphrase> {
    let mut candidates: FxHashMap<String, (u32, usize, usize)> = FxHashMap::default(); // count, first position, words
    let mut position = 0usize;
    for text in [title, body] {
        let toks = tokens::tokenize(text);
        let mut run: Vec<String> = Vec::new();
        let mut flush = |run: &mut Vec<String>, position: usize| {
            for len in 1..=run.len().min(4) {
                for start in 0..=run.len() - len {
                    let phrase = run[start..start + len].join(" ");
                    let e = candidates.entry(phrase).or_insert((0, position, len));
                    e.0 += 1;
                }
            }
            run.clear();
        };
        for t in &toks {
            let w = t.text(text);
            let lower = w.to_lowercase();
            let content = lower.len() > 1
                && lower.chars().all(|c| c.is_alphanumeric() || c == '-')
                && lower.chars().next().is_some_and(char::is_alphabetic)
                && !is_stop(&lower);
            if content {
                run.push(lower);
            } else {
                flush(&mut run, position);
            }
            if run.len() > 4 {
                flush(&mut run, position);
            }
            position += 1;
        }
        flush(&mut run, position);
    }
    let total = position.max(1) as f32;
    let mut scored: Vec<Keyphrase> = candidates
        .into_iter()
        .map(|(phrase, (count, first, len))| {
            let rarity: f32 =
                phrase.split(' ').map(|w| background.idf(w)).sum::<f32>() / len as f32;
            let early = 1.0 + 1.0 / (1.0 + 10.0 * first as f32 / total);
            // Favours two- and three-word phrases without shutting out single words, which
            // crowd annotators choose most (on 500N-KPCrowd, stronger preferences lower F1@10).
            let length = match len {
                1 => 0.6,
                2 => 1.2,
                3 => 1.1,
                _ => 0.9,
            };
            let score = rarity * (1.0 + (count as f32).ln()) * early * length;
            Keyphrase { phrase, score }
        })
        .collect();
    scored.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.phrase.cmp(&b.phrase)));
    let mut out: Vec<Keyphrase> = Vec::new();
    for k in scored {
        if out.len() >= max {
            break;
        }
        // Skip a phrase inside, or containing, one already chosen.
        let overlaps = out
            .iter()
            .any(|o| contains_words(&o.phrase, &k.phrase) || contains_words(&k.phrase, &o.phrase));
        if !overlaps {
            out.push(Keyphrase {
                score: (k.score * 100.0).round() / 100.0,
                ..k
            });
        }
    }
    out
}

fn contains_words(outer: &str, inner: &str) -> bool {
    format!(" {outer} ").contains(&format!(" {inner} "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multi_word_phrases_of_rare_words_come_first() {
        let background = Background::learn(
            [
                "the force said",
                "peace talks",
                "the minister said the force",
                "weather",
            ]
            .into_iter(),
            1,
        );
        let body = "The stabilization force would need a mandate. Officials said the stabilization force was unclear, and peacekeeping missions were recalled.";
        let k = extract("Stabilization force plans", body, &background, 5);
        assert_eq!(k[0].phrase, "stabilization force", "{k:?}");
        assert!(
            k.iter().any(|p| p.phrase == "peacekeeping missions"),
            "{k:?}"
        );
        assert!(
            !k.iter().any(|p| p.phrase == "stabilization"),
            "contained in a better phrase: {k:?}"
        );
    }

    #[test]
    fn background_round_trips() {
        let b = Background::learn(["a b c", "b c d"].into_iter(), 1);
        let again = Background::from_bytes(&b.to_bytes().unwrap()).unwrap();
        assert_eq!(again.documents, 2);
        assert_eq!(again.df.get("c"), Some(&2));
    }
}
