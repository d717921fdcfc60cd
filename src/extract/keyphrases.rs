//! Keyphrases: the 3–8 phrases that say what an article is about ("stabilization force",
//! "peacekeeping missions"), scored statistically, fast.
//!
//! Candidates are runs of up to four content words between stop words and punctuation. A
//! candidate scores by its words' rarity in news (inverse document frequency from a background
//! table learned from unlabelled archives), how often it occurs, and how early it first
//! appears; phrases of two words or more are preferred, and a phrase inside a better one is
//! dropped.

use std::sync::OnceLock;

use compact_str::CompactString;
use rustc_hash::FxHashMap;
use serde::Serialize;

use super::tokens::{self, ArticleTokens};
use super::word_table::{Place, WordTable};

const EMBEDDED_MODEL: &[u8] = include_bytes!("../../models/keyphrases.model");

/// Words that name no subject in news, beyond the function words of
/// [`crate::search::stopwords`]: reporting words, days, counting words.
const NEWS_STOP_WORDS: &[&str] = &[
    "even",
    "ever",
    "however",
    "last",
    "least",
    "less",
    "like",
    "made",
    "make",
    "many",
    "much",
    "new",
    "next",
    "now",
    "one",
    "per",
    "said",
    "say",
    "says",
    "since",
    "still",
    "though",
    "told",
    "two",
    "us",
    "well",
    "whose",
    "year",
    "years",
    "yet",
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
    crate::search::stopwords::is_stop_word(word)
        || SET
            .get_or_init(|| NEWS_STOP_WORDS.iter().copied().collect())
            .contains(word)
}

/// The background shipped in `models/keyphrases.model`, once loaded.
static SHIPPED: OnceLock<Background> = OnceLock::new();

/// Document frequencies of words in a background collection of news.
#[derive(Debug, Default, Clone)]
pub struct Background {
    pub documents: u32,
    /// Keys inline (`CompactString`): a lookup compares in the table, with no pointer to chase.
    pub df: FxHashMap<CompactString, u32>,
}

impl Background {
    /// The table shipped in `models/keyphrases.model`, loaded once.
    pub fn embedded() -> &'static Background {
        SHIPPED.get_or_init(|| Background::from_bytes(EMBEDDED_MODEL).unwrap_or_default())
    }

    /// Counts the documents each word (lower case) appears in; words in fewer than
    /// `min_df` documents are left out (they count as rare).
    pub fn learn<'a>(texts: impl Iterator<Item = &'a str>, min_df: u32) -> Background {
        let mut df: FxHashMap<CompactString, u32> = FxHashMap::default();
        let mut documents = 0;
        for text in texts {
            documents += 1;
            let mut seen = rustc_hash::FxHashSet::default();
            for t in tokens::tokenize(text) {
                let w = t.text(text);
                if w.chars().next().is_some_and(char::is_alphabetic) {
                    seen.insert(CompactString::from(w.to_lowercase()));
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
        let mut words: Vec<(&CompactString, &u32)> = self.df.iter().collect();
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
            .filter_map(|(w, n)| Some((CompactString::from(w), n.parse().ok()?)))
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

/// Weight of a multi-word phrase written capitalised in the body, a named concept.
const NAMED_BOOST: f32 = 1.2;
/// Longest phrase considered, in words.
const MAX_WORDS: usize = 4;

/// Candidates sorted at a time when picking the best (more only if overlaps use them up).
const HEAD: usize = 64;

/// A candidate phrase: its lexemes (padded with [`NOT_CONTENT`]) and its length.
type PhraseKey = ([u32; MAX_WORDS], u8);

/// How often a candidate occurs in the article, where it first does (the position at the end
/// of its run), and whether it is written as a name.
#[derive(Clone, Copy)]
struct Seen {
    count: u32,
    first: u32,
    named: bool,
}

/// The candidates of one article. Single words, a third of all candidates, are counted in a
/// slot per lexeme, with no hashing; phrases of two words or more by their lexemes (padded
/// with [`NOT_CONTENT`], which no run holds, so the key says its own length).
#[derive(Default)]
struct Candidates {
    phrases: FxHashMap<[u32; MAX_WORDS], Seen>,
    /// Per lexeme: its count as a single word, valid in the article numbered `article`.
    words: Vec<(u32, Seen)>,
    /// The lexemes counted as single words in this article.
    counted: Vec<u32>,
    article: u32,
}

/// The largest phrase table a thread keeps for the next article.
const SCRATCH_KEPT: usize = 1 << 16;

thread_local! {
    static SCRATCH: std::cell::RefCell<Candidates> = std::cell::RefCell::default();
    static LEXICON: std::cell::RefCell<Lexicon> = std::cell::RefCell::default();
}

impl Candidates {
    /// Starts the next article, with room for the phrases of `bytes` of text (about one per
    /// four bytes: growing the table showed in profiles).
    fn start(&mut self, bytes: usize) {
        let want = bytes / 4;
        self.phrases.clear();
        // The table a long article grew is cleared and walked whole for every article after
        // it: shrunk when far larger than this one needs (kept otherwise, not to reallocate
        // at every article).
        if self.phrases.capacity() > 4 * want + 1024 {
            self.phrases.shrink_to(want);
        }
        self.phrases.reserve(want);
        self.counted.clear();
        self.article = self.article.wrapping_add(1);
        if self.article == 0 {
            // Numbers wrapped: no slot may look counted in this article.
            self.words.clear();
            self.article = 1;
        }
    }

    /// Counts every phrase of up to [`MAX_WORDS`] words in `run` (lexemes, with whether each
    /// starts with a capital), all first met at `position`.
    fn count_run(&mut self, run: &[u32], caps: &[bool], position: usize, in_title: bool) {
        let position = position as u32;
        for &lexeme in run {
            let i = lexeme as usize;
            if i >= self.words.len() {
                let unseen = Seen {
                    count: 0,
                    first: 0,
                    named: false,
                };
                self.words.resize(i + 1, (0, unseen));
            }
            let (article, seen) = &mut self.words[i];
            if *article != self.article {
                *article = self.article;
                *seen = Seen {
                    count: 0,
                    first: position,
                    named: false,
                };
                self.counted.push(lexeme);
            }
            seen.count += 1;
        }
        for len in 2..=run.len().min(MAX_WORDS) {
            for start in 0..=run.len() - len {
                let mut key = [NOT_CONTENT; MAX_WORDS];
                key[..len].copy_from_slice(&run[start..start + len]);
                let seen = self.phrases.entry(key).or_insert(Seen {
                    count: 0,
                    first: position,
                    named: false,
                });
                seen.count += 1;
                // Capitalised mid-text ("International Stabilization Force"): a named
                // concept. Titles are left out: they capitalise every word.
                seen.named |= !in_title && caps[start..start + len].iter().all(|&c| c);
            }
        }
    }

    /// Every candidate of the article: its lexemes and length, and how it was seen.
    fn each(&self) -> impl Iterator<Item = (PhraseKey, Seen)> + '_ {
        let words = self.counted.iter().map(|&lexeme| {
            let mut key = [NOT_CONTENT; MAX_WORDS];
            key[0] = lexeme;
            ((key, 1), self.words[lexeme as usize].1)
        });
        let phrases = self.phrases.iter().map(|(&key, &seen)| {
            let len = key.iter().take_while(|&&l| l != NOT_CONTENT).count();
            ((key, len as u8), seen)
        });
        words.chain(phrases)
    }
}

/// Words a thread has met, so that a word costs one slot lookup, not lowercasing, two stop
/// list lookups and an article table's lookup, and a word's rarity in the shipped background
/// is looked up once per thread, not once per article (a large table: a wait on memory each).
/// Phrases are counted by lexeme: the same lexeme for a word in every article.
struct Lexicon {
    /// Word as written → its lexeme, or [`NOT_CONTENT`].
    written: WordTable<Written>,
    /// Content word in lower case → lexeme.
    ids: FxHashMap<CompactString, u32>,
    /// Per lexeme: the word in lower case.
    words: Vec<CompactString>,
    /// Per lexeme: its rarity in the shipped background, NaN until first asked.
    idf: Vec<f32>,
}

/// What a word as written says to keyphrase extraction.
#[derive(Clone, Copy, Default)]
struct Written {
    lexeme: u32,
    /// Starts with a capital.
    capital: bool,
}

/// The lexeme of stop words, numbers and punctuation, which end a candidate.
const NOT_CONTENT: u32 = u32::MAX;

/// Lexemes a thread keeps (about 60 bytes each, in three tables) before starting afresh.
const LEXICON_WORDS: usize = 1 << 18;

/// Tokens ahead whose slots are asked for.
const LOOKAHEAD: usize = 8;

impl Default for Lexicon {
    fn default() -> Lexicon {
        Lexicon {
            written: WordTable::new(16),
            ids: FxHashMap::default(),
            words: Vec::new(),
            idf: Vec::new(),
        }
    }
}

impl Lexicon {
    /// Starts afresh when full; only between articles, so an article's words keep their
    /// lexemes.
    fn forget_if_full(&mut self) {
        if self.words.len() > LEXICON_WORDS {
            *self = Lexicon::default();
        }
    }

    /// What `word` (as written, at `place` in the slot table) is: a content word's lexeme,
    /// and its first letter's case.
    #[inline]
    fn written(&mut self, word: &str, place: Option<Place>) -> Written {
        if let Some(known) = place.and_then(|p| self.written.get_at(&p)) {
            return known;
        }
        let known = Written {
            lexeme: self.lexeme(word),
            capital: word.chars().next().is_some_and(char::is_uppercase),
        };
        if let Some(place) = place {
            self.written.insert_at(&place, known);
        }
        known
    }

    /// A content word's lexeme (its lower-case form), or [`NOT_CONTENT`].
    fn lexeme(&mut self, word: &str) -> u32 {
        let lower = if word.is_ascii() {
            // Most news words: byte checks, no per-character lowercasing.
            let lower = word.to_ascii_lowercase();
            let content = lower.len() > 1
                && lower
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && lower.as_bytes()[0].is_ascii_alphabetic();
            content.then_some(lower)
        } else {
            let lower: String = word.chars().flat_map(char::to_lowercase).collect();
            let content = lower.len() > 1
                && lower.chars().all(|c| c.is_alphanumeric() || c == '-')
                && lower.chars().next().is_some_and(char::is_alphabetic);
            content.then_some(lower)
        };
        match lower {
            Some(lower) if !is_stop(&lower) => match self.ids.get(lower.as_str()) {
                Some(&id) => id,
                None => {
                    let id = self.words.len() as u32;
                    let lower = CompactString::from(lower);
                    self.words.push(lower.clone());
                    self.idf.push(f32::NAN);
                    self.ids.insert(lower, id);
                    id
                }
            },
            _ => NOT_CONTENT,
        }
    }

    /// A lexeme's rarity in `background`, kept when that is the shipped one.
    #[inline]
    fn idf(&mut self, lexeme: u32, background: &Background, shipped: bool) -> f32 {
        let i = lexeme as usize;
        if !shipped {
            return background.idf(&self.words[i]);
        }
        if self.idf[i].is_nan() {
            self.idf[i] = background.idf(&self.words[i]);
        }
        self.idf[i]
    }
}

/// The best keyphrases of an article, at most `max`, with at least `min` where the text has them.
///
/// Words are interned per thread (`Lexicon`) and phrases kept as lexeme ids, so counting
/// allocates nothing per phrase occurrence.
pub fn extract(title: &str, body: &str, background: &Background, max: usize) -> Vec<Keyphrase> {
    let cut = ArticleTokens::new(title, body);
    extract_cut(title, body, &cut, background, max)
}

/// [`extract`] for an article already cut into tokens (`cut`, of `title` and `body`).
pub fn extract_cut(
    title: &str,
    body: &str,
    cut: &ArticleTokens,
    background: &Background,
    max: usize,
) -> Vec<Keyphrase> {
    let mut lexicon = LEXICON.with(|cell| std::mem::take(&mut *cell.borrow_mut()));
    lexicon.forget_if_full();
    // Kept per thread from article to article: a fresh table per article was a fresh
    // allocation the kernel zeroed each time.
    let mut candidates = SCRATCH.with(|cell| std::mem::take(&mut *cell.borrow_mut()));
    candidates.start(title.len() + body.len());
    let mut position = 0usize;
    for (text, toks, in_title) in [(title, &cut.title, true), (body, &cut.body, false)] {
        let mut run: Vec<u32> = Vec::with_capacity(MAX_WORDS + 1);
        let mut caps: Vec<bool> = Vec::with_capacity(MAX_WORDS + 1);
        let mut flush = |run: &mut Vec<u32>, caps: &mut Vec<bool>, position: usize| {
            candidates.count_run(run, caps, position, in_title);
            run.clear();
            caps.clear();
        };
        // The table outgrows the core's cache: the slots of the words ahead are asked for
        // before they are read, so their waits on memory overlap. Each word is placed once.
        let places: Vec<Option<Place>> = toks.iter().map(|t| Place::of(t.text(text))).collect();
        for (i, t) in toks.iter().enumerate() {
            if let Some(Some(ahead)) = places.get(i + LOOKAHEAD) {
                lexicon.written.prefetch_at(ahead);
            }
            let word = lexicon.written(t.text(text), places[i]);
            if word.lexeme == NOT_CONTENT {
                flush(&mut run, &mut caps, position);
            } else {
                run.push(word.lexeme);
                caps.push(word.capital);
            }
            if run.len() > MAX_WORDS {
                flush(&mut run, &mut caps, position);
            }
            position += 1;
        }
        flush(&mut run, &mut caps, position);
    }
    let shipped = SHIPPED.get().is_some_and(|b| std::ptr::eq(b, background));
    let total = position.max(1) as f32;
    let mut scored: Vec<(f32, PhraseKey)> = candidates
        .each()
        .map(|((ids, len), seen)| {
            let len = usize::from(len);
            let rarity: f32 = ids[..len]
                .iter()
                .map(|&i| lexicon.idf(i, background, shipped))
                .sum::<f32>()
                / len as f32;
            let early = 1.0 + 1.0 / (1.0 + 10.0 * seen.first as f32 / total);
            // Favours two- and three-word phrases without shutting out single words, which
            // crowd annotators choose most (on 500N-KPCrowd, stronger preferences lower F1@10).
            let length = match len {
                1 => 0.6,
                2 => 1.2,
                3 => 1.1,
                _ => 0.9,
            };
            let named = if seen.named { NAMED_BOOST } else { 1.0 };
            let score = rarity * (1.0 + (seen.count as f32).ln()) * early * length * named;
            (score, (ids, len as u8))
        })
        .collect();
    if candidates.phrases.capacity() <= SCRATCH_KEPT {
        SCRATCH.with(|cell| *cell.borrow_mut() = candidates);
    }
    let words = &lexicon.words;
    let ids_of = |(ids, len): &PhraseKey| -> Vec<u32> { ids[..usize::from(*len)].to_vec() };
    let text_of =
        |ids: &[u32]| -> Vec<&str> { ids.iter().map(|&i| words[i as usize].as_str()).collect() };
    // Best first; equal scores in the order of their text (word by word, which orders as the
    // space-joined phrases do, since a space sorts before any letter or digit), so the choice
    // is stable. Only the head is needed: sorting every candidate was a sixth of extraction.
    let order = |(sa, (a, la)): &(f32, PhraseKey), (sb, (b, lb)): &(f32, PhraseKey)| {
        let a = a[..usize::from(*la)]
            .iter()
            .map(|&i| words[i as usize].as_str());
        let b = b[..usize::from(*lb)]
            .iter()
            .map(|&i| words[i as usize].as_str());
        sb.total_cmp(sa).then_with(|| a.cmp(b))
    };
    let mut sorted = 0;
    let mut chosen: Vec<(Vec<u32>, f32)> = Vec::new();
    for k in 0..scored.len() {
        if chosen.len() >= max {
            break;
        }
        if k == sorted {
            // Sort the next block of the best remaining candidates.
            let rest = &mut scored[k..];
            let head = rest.len().min(HEAD.max(4 * max));
            select_head(rest, head, order);
            sorted = k + head;
        }
        let (score, key) = scored[k];
        let ids = ids_of(&key);
        // Skip a phrase inside, or containing, one already chosen.
        let overlaps = chosen
            .iter()
            .any(|(o, _)| contains_words(o, &ids) || contains_words(&ids, o));
        if !overlaps {
            chosen.push((ids, score));
        }
    }
    let phrases = chosen
        .into_iter()
        .map(|(ids, score)| Keyphrase {
            phrase: text_of(&ids).join(" "),
            score: (score * 100.0).round() / 100.0,
        })
        .collect();
    LEXICON.with(|cell| *cell.borrow_mut() = lexicon);
    phrases
}

/// Puts the first `head` of `candidates` by `order` (best score first, ties by text) at the
/// front, sorted. The selection among all of them compares scores alone: comparing by `order`
/// there, which sets up a comparison of texts each time, was about 8% of keyphrase
/// extraction's instructions. Only the candidates tied with the lowest score that makes the
/// head are then compared by `order`. The head is the same as selecting by `order`
/// throughout, since no two candidates are equal by it (distinct lexemes are distinct words).
fn select_head<T: Copy>(
    candidates: &mut [(f32, T)],
    head: usize,
    order: impl Fn(&(f32, T), &(f32, T)) -> std::cmp::Ordering,
) {
    use std::cmp::Ordering::{Equal, Greater};
    if head < candidates.len() {
        candidates.select_nth_unstable_by(head, |a, b| b.0.total_cmp(&a.0));
        let cut = candidates[head].0;
        // Scores above the cut are all in the head; those equal to it lie on both sides.
        // Gather them between the two: the head's at its end, the rest's right after it.
        let above = partition(&mut candidates[..head], |c| c.0.total_cmp(&cut) == Greater);
        let tied_after = partition(&mut candidates[head..], |c| c.0.total_cmp(&cut) == Equal);
        let ties = &mut candidates[above..head + tied_after];
        // The head's remaining places go to the ties first by `order` (their text).
        ties.select_nth_unstable_by(head - above, &order);
    }
    candidates[..head].sort_unstable_by(order);
}

/// Moves the items for which `keep` holds to the front, in any order; returns how many.
fn partition<T>(items: &mut [T], keep: impl Fn(&T) -> bool) -> usize {
    let mut kept = 0;
    for i in 0..items.len() {
        if keep(&items[i]) {
            items.swap(kept, i);
            kept += 1;
        }
    }
    kept
}

/// Whether the word sequence `inner` stands, contiguously, inside `outer`.
fn contains_words(outer: &[u32], inner: &[u32]) -> bool {
    outer.windows(inner.len().max(1)).any(|w| w == inner)
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
    fn phrases_written_as_names_rank_above_the_same_phrase_in_lower_case() {
        let background = Background::learn(["the minister said"].into_iter(), 1);
        let body = "Talks on the harbour levy stalled. The Coastal Levy Board met late.";
        let k = extract("", body, &background, 8);
        let rank = |p: &str| k.iter().position(|x| x.phrase == p);
        assert!(rank("coastal levy board") < rank("harbour levy"), "{k:?}");
        // The same words in lower case get no boost.
        let lower = extract("", &body.to_lowercase(), &background, 8);
        assert!(k[0].score > lower[0].score, "{k:?} vs {lower:?}");
    }

    /// Words are kept per thread from article to article; what an article yields must not
    /// depend on which articles the thread read before, with the shipped background (whose
    /// rarities are kept too) or another, and for words too long for the slot table.
    #[test]
    fn keyphrases_do_not_depend_on_the_articles_read_before() {
        let title = "Harbour levy talks";
        let body = "The Coastal Levy Board met on the harbour levy. Shipowners said the \
                    harbour levy would fall on counterdecentralisationists and fishermen.";
        let learned = Background::learn(["the board said", "harbour"].into_iter(), 1);
        for background in [Background::embedded(), &learned] {
            let fresh = std::thread::scope(|s| {
                s.spawn(|| extract(title, body, background, 8))
                    .join()
                    .unwrap()
            });
            for other in [
                "Levy rises. The board said fishermen would pay.",
                "Counterdecentralisationists marched on the Coastal Board.",
            ] {
                extract("Other news", other, background, 8);
            }
            assert_eq!(extract(title, body, background, 8), fresh);
            assert!(
                fresh
                    .iter()
                    .any(|k| k.phrase == "counterdecentralisationists"),
                "{fresh:?}"
            );
        }
    }

    /// Single words and phrases are counted per article, whatever was counted before, and
    /// still when the article numbers wrap around.
    #[test]
    fn candidates_are_counted_per_article() {
        let mut c = Candidates::default();
        let counts = |c: &Candidates| {
            let mut all: Vec<(Vec<u32>, u32, u32, bool)> = c
                .each()
                .map(|((ids, len), s)| {
                    (ids[..usize::from(len)].to_vec(), s.count, s.first, s.named)
                })
                .collect();
            all.sort();
            all
        };
        c.start(100);
        c.count_run(&[3, 5], &[true, true], 2, false);
        c.count_run(&[5], &[false], 9, false);
        assert_eq!(
            counts(&c),
            vec![
                (vec![3], 1, 2, false),
                (vec![3, 5], 1, 2, true),
                (vec![5], 2, 2, false),
            ]
        );
        for article in [7, u32::MAX] {
            c.article = article;
            c.start(100);
            c.count_run(&[5, 8, 9], &[false, true, true], 4, true);
            assert_eq!(
                counts(&c),
                vec![
                    (vec![5], 1, 4, false),
                    (vec![5, 8], 1, 4, false),
                    (vec![5, 8, 9], 1, 4, false),
                    (vec![8], 1, 4, false),
                    (vec![8, 9], 1, 4, false),
                    (vec![9], 1, 4, false),
                ],
                "after article {article}"
            );
        }
    }

    #[test]
    fn background_round_trips() {
        let b = Background::learn(["a b c", "b c d"].into_iter(), 1);
        let again = Background::from_bytes(&b.to_bytes().unwrap()).unwrap();
        assert_eq!(again.documents, 2);
        assert_eq!(again.df.get("c"), Some(&2));
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::select_head;

    proptest! {
        /// Scores from a handful of values, so that many tie: the head and its order are the
        /// same as selecting and sorting by the whole order.
        #[test]
        fn the_head_is_the_one_the_whole_order_selects(
            scores in proptest::collection::vec(0u8..6, 0..300),
            head in 0usize..80,
        ) {
            // Distinct ids break ties, as distinct texts do.
            let mut candidates: Vec<(f32, u32)> = scores
                .iter()
                .enumerate()
                .map(|(i, &s)| (f32::from(s) / 2.0, (i as u32).wrapping_mul(2_654_435_761)))
                .collect();
            let head = head.min(candidates.len());
            let order = |a: &(f32, u32), b: &(f32, u32)| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1));
            let mut expected = candidates.clone();
            expected.sort_unstable_by(order);
            select_head(&mut candidates, head, order);
            prop_assert_eq!(&candidates[..head], &expected[..head]);
        }
    }
}
