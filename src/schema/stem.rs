//! English stemming with a per-thread cache. News repeats its words: the same few thousand
//! words make up most of every article, and stemming each occurrence anew was a seventh of
//! indexing time. The stems are the Snowball English stems tantivy's own `Stemmer` gives
//! (the same algorithm), so indexes built either way agree.

use std::cell::RefCell;

use tantivy::tokenizer::{Token, TokenFilter, TokenStream, Tokenizer};

/// Longest word (in bytes) the cache keeps; longer words are rare and stemmed each time.
const SLOT_BYTES: usize = 15;
/// Cache slots per thread at most (32 bytes each: 2 MB).
const SLOTS: usize = 1 << 16;
/// Slots a thread starts with (32 KB). A search stems a few dozen words, and filling 2 MB
/// for them cost a whole `newsdex search` process a tenth to a fifth of its time (the kernel
/// zeroing fresh pages, then the fill); indexing outgrows this within a few articles.
const FIRST_SLOTS: usize = 1 << 10;

/// A word as a slot holds it: its length, then its bytes zero-padded, compared in one go.
type Key = [u8; SLOT_BYTES + 1];

/// One cached word and its stem, stored inline and aligned so that a lookup touches one
/// cache line: the table outgrows the core's cache, and the first load of a slot was most of
/// the stemmer's time (slots of 46 bytes straddled lines).
#[derive(Clone, Copy)]
#[repr(C, align(32))]
struct Slot {
    key: Key,
    stem_len: u8,
    stem: [u8; SLOT_BYTES],
}

const EMPTY: Slot = Slot {
    key: [u8::MAX; SLOT_BYTES + 1],
    stem_len: 0,
    stem: [0; SLOT_BYTES],
};

/// A stemmer and a direct-mapped table of the stems it made: a word's slot is fixed by its
/// hash, and a word met later in the same slot takes it over. News vocabulary is Zipfian, so
/// the frequent words keep their slots.
struct Cache {
    stemmer: frostem::Stemmer,
    /// A power of two of them, from [`FIRST_SLOTS`] up to [`SLOTS`].
    slots: Vec<Slot>,
    /// Stems made since the table last grew: when they reach half its slots, it is
    /// outgrown (words keep taking each other's slots) and starts again eight times larger.
    misses: usize,
}

thread_local! {
    static CACHE: RefCell<Cache> = RefCell::new(Cache {
        stemmer: frostem::Stemmer::new(frostem::Algorithm::English),
        slots: Vec::new(),
        misses: 0,
    });
}

/// The word as a slot key, and its hash (16 bits: its slot in the largest table); `None`
/// for a longer word.
fn slot_key(word: &str) -> Option<(Key, usize)> {
    if word.len() > SLOT_BYTES {
        return None;
    }
    let mut key = [0u8; SLOT_BYTES + 1];
    key[0] = word.len() as u8;
    key[1..=word.len()].copy_from_slice(word.as_bytes());
    let lanes = u128::from_le_bytes(key);
    let h = ((lanes as u64).rotate_left(5) ^ (lanes >> 64) as u64)
        .wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    Some((key, (h >> 48) as usize))
}

/// Calls `f` with the stem of `word` (already lower-cased).
pub fn with_stem<R>(word: &str, f: impl FnOnce(&str) -> R) -> R {
    CACHE.with(|cell| {
        let mut cache = cell.borrow_mut();
        let Some((key, hash)) = slot_key(word) else {
            return f(&cache.stemmer.stem(word));
        };
        if cache.slots.is_empty() {
            cache.slots = vec![EMPTY; FIRST_SLOTS];
        }
        let mut i = hash & (cache.slots.len() - 1);
        let slot = &cache.slots[i];
        if slot.key == key {
            let stem = &slot.stem[..usize::from(slot.stem_len)];
            // SAFETY: slots are filled below from a whole `&str` stem, so they hold UTF-8.
            return f(unsafe { std::str::from_utf8_unchecked(stem) });
        }
        let stem = cache.stemmer.stem(word).into_owned();
        cache.misses += 1;
        if cache.misses * 2 >= cache.slots.len() && cache.slots.len() < SLOTS {
            cache.slots = vec![EMPTY; (cache.slots.len() * 8).min(SLOTS)];
            cache.misses = 0;
            i = hash & (cache.slots.len() - 1);
        }
        if stem.len() <= SLOT_BYTES {
            let mut slot = Slot {
                key,
                stem_len: stem.len() as u8,
                stem: [0; SLOT_BYTES],
            };
            slot.stem[..stem.len()].copy_from_slice(stem.as_bytes());
            cache.slots[i] = slot;
        }
        f(&stem)
    })
}

/// A tantivy token filter: [`with_stem`] on every token.
#[derive(Clone, Copy, Debug, Default)]
pub struct CachedStemmer;

impl TokenFilter for CachedStemmer {
    type Tokenizer<T: Tokenizer> = CachedStemmerFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> CachedStemmerFilter<T> {
        CachedStemmerFilter { inner: tokenizer }
    }
}

#[derive(Clone)]
pub struct CachedStemmerFilter<T> {
    inner: T,
}

impl<T: Tokenizer> Tokenizer for CachedStemmerFilter<T> {
    type TokenStream<'a> = CachedStemmerStream<T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        CachedStemmerStream {
            tail: self.inner.token_stream(text),
            buffer: String::new(),
        }
    }
}

pub struct CachedStemmerStream<T> {
    tail: T,
    /// Swapped with each token's text, so no token allocates.
    buffer: String,
}

impl<T: TokenStream> TokenStream for CachedStemmerStream<T> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        let token = self.tail.token_mut();
        self.buffer.clear();
        with_stem(&token.text, |stem| self.buffer.push_str(stem));
        std::mem::swap(&mut token.text, &mut self.buffer);
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

#[cfg(test)]
mod tests {
    use tantivy::tokenizer::{LowerCaser, SimpleTokenizer, Stemmer, TextAnalyzer};

    use super::*;

    fn tokens(mut a: TextAnalyzer, text: &str) -> Vec<String> {
        let mut stream = a.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            out.push(stream.token().text.clone());
        }
        out
    }

    /// Highlighting stems only the words whose first letter starts a query term.
    #[test]
    fn stems_keep_the_first_letter() {
        let words = "dying lying tying skies skis idly gently ugly early only singly news \
                     yelling youth yearly year eyes ies ied ing ed ly y ss s sses 2024s \
                     generously happily agreed proceedings importantly exceedingly \
                     ytterbium yyy aaa izzy";
        for word in words.split_whitespace() {
            with_stem(word, |stem| {
                assert_eq!(stem.chars().next(), word.chars().next(), "{word} → {stem}")
            });
        }
    }

    /// Many more words than slots, long words and repeats: every answer is the stemmer's own.
    #[test]
    fn the_cache_never_answers_with_another_words_stem() {
        let stemmer = frostem::Stemmer::new(frostem::Algorithm::English);
        let words: Vec<String> = (0..3 * SLOTS)
            .map(|i| match i % 4 {
                0 => format!("running{i}"),
                1 => format!("nationalization{i}s"),
                2 => format!("internationalizations{i}"),
                _ => format!("é{i}ing"),
            })
            .collect();
        for _ in 0..2 {
            for w in &words {
                with_stem(w, |stem| assert_eq!(stem, stemmer.stem(w), "{w}"));
            }
        }
    }

    #[test]
    fn the_table_starts_small_and_grows_to_its_full_size() {
        // A thread of its own: its cache is new whatever ran before on the test's thread.
        std::thread::spawn(|| {
            let slots = || CACHE.with(|c| c.borrow().slots.len());
            with_stem("running", |stem| assert_eq!(stem, "run"));
            assert_eq!(slots(), FIRST_SLOTS);
            for i in 0..SLOTS {
                with_stem(&format!("w{i}ing"), |_| ());
            }
            assert_eq!(slots(), SLOTS);
            with_stem("running", |stem| assert_eq!(stem, "run"));
        })
        .join()
        .unwrap();
    }

    #[test]
    fn cached_stems_are_tantivys_stems() {
        let text = "Negotiators negotiated the negotiations; running runners ran, generously \
                    and generally, through the generations of nations' nationalities.";
        let ours = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(LowerCaser)
            .filter(CachedStemmer)
            .build();
        let theirs = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(LowerCaser)
            .filter(Stemmer::default())
            .build();
        // Twice: the second pass is served from the cache.
        for _ in 0..2 {
            assert_eq!(tokens(ours.clone(), text), tokens(theirs.clone(), text));
        }
    }
}
