//! English stemming with a per-thread cache. News repeats its words: the same few thousand
//! words make up most of every article, and stemming each occurrence anew was a seventh of
//! indexing time. The stems are the Snowball English stems tantivy's own `Stemmer` gives
//! (the same algorithm), so indexes built either way agree.

use std::cell::RefCell;

use rustc_hash::FxHashMap;
use tantivy::tokenizer::{Token, TokenFilter, TokenStream, Tokenizer};

/// Words cached per thread before the cache starts over (a few MB).
const CACHE_WORDS: usize = 200_000;

/// A stemmer and the stems it made: word → stem.
type Cache = (frostem::Stemmer, FxHashMap<Box<str>, Box<str>>);

thread_local! {
    static CACHE: RefCell<Cache> =
        RefCell::new((frostem::Stemmer::new(frostem::Algorithm::English), FxHashMap::default()));
}

/// Calls `f` with the stem of `word` (already lower-cased).
pub fn with_stem<R>(word: &str, f: impl FnOnce(&str) -> R) -> R {
    CACHE.with(|cell| {
        let mut guard = cell.borrow_mut();
        let (stemmer, cache) = &mut *guard;
        if let Some(stem) = cache.get(word) {
            return f(stem);
        }
        let stem: Box<str> = stemmer.stem(word).into();
        if cache.len() >= CACHE_WORDS {
            cache.clear();
        }
        let result = f(&stem);
        cache.insert(word.into(), stem);
        result
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
