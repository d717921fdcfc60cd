//! The schema's word analyzers in one pass. Tantivy chains a tokenizer and its filters as
//! boxed streams, each taking its own pass over every token (and a virtual call); over news
//! text, the chain `simple → remove_long → lowercase → ascii_folding → stem_english` was a
//! tenth of indexing CPU. [`FusedWords`] gives the same tokens, positions and offsets: ASCII
//! words are lowercased as they are copied out, and the rare word with other characters goes
//! through tantivy's own filters, so the two cannot disagree on Unicode.

use tantivy::tokenizer::{
    AsciiFoldingFilter, LowerCaser, RawTokenizer, TextAnalyzer, Token, TokenStream, Tokenizer,
};

use super::{stem, LONGEST_TOKEN};

/// The filter steps a [`FusedWords`] applies, in the schema's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Steps {
    /// `remove_long` first: words of `LONGEST_TOKEN` bytes or more are dropped (and still
    /// take up a position, as in tantivy).
    pub drop_long: bool,
    /// `lowercase` and `ascii_folding`, in the order given.
    pub middle: Middle,
    /// `stem_english` last.
    pub stem: bool,
}

/// The case and accent steps between `remove_long` and the stemmer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Middle {
    None,
    Lowercase,
    Fold,
    LowercaseThenFold,
    FoldThenLowercase,
}

impl Steps {
    /// The steps of a `simple` tokenizer's filter list, when one pass can do them all:
    /// `remove_long` only first, `stem_english` only last, each filter at most once.
    pub fn of(filters: &[String]) -> Option<Steps> {
        let mut rest: Vec<&str> = filters.iter().map(String::as_str).collect();
        let drop_long = rest.first() == Some(&"remove_long");
        if drop_long {
            rest.remove(0);
        }
        let stem = rest.last() == Some(&"stem_english");
        if stem {
            rest.pop();
        }
        let middle = match rest.as_slice() {
            [] => Middle::None,
            ["lowercase"] => Middle::Lowercase,
            ["ascii_folding"] => Middle::Fold,
            ["lowercase", "ascii_folding"] => Middle::LowercaseThenFold,
            ["ascii_folding", "lowercase"] => Middle::FoldThenLowercase,
            _ => return None,
        };
        Some(Steps {
            drop_long,
            middle,
            stem,
        })
    }

    /// Whether ASCII letters come out in lower case.
    pub fn lowercase(self) -> bool {
        !matches!(self.middle, Middle::None | Middle::Fold)
    }

    /// Tantivy's own filters for a word that is not all ASCII.
    fn unicode(self) -> TextAnalyzer {
        let raw = TextAnalyzer::builder(RawTokenizer::default()).dynamic();
        match self.middle {
            Middle::None => raw.build(),
            Middle::Lowercase => raw.filter_dynamic(LowerCaser).build(),
            Middle::Fold => raw.filter_dynamic(AsciiFoldingFilter).build(),
            Middle::LowercaseThenFold => raw
                .filter_dynamic(LowerCaser)
                .filter_dynamic(AsciiFoldingFilter)
                .build(),
            Middle::FoldThenLowercase => raw
                .filter_dynamic(AsciiFoldingFilter)
                .filter_dynamic(LowerCaser)
                .build(),
        }
    }
}

/// Tantivy's simple tokenizer (runs of alphanumeric characters) with [`Steps`] applied.
#[derive(Clone)]
pub struct FusedWords {
    steps: Steps,
    unicode: TextAnalyzer,
    token: Token,
    buffer: String,
}

impl FusedWords {
    pub fn new(steps: Steps) -> FusedWords {
        FusedWords {
            steps,
            unicode: steps.unicode(),
            token: Token::default(),
            buffer: String::new(),
        }
    }
}

impl Tokenizer for FusedWords {
    type TokenStream<'a> = FusedStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> FusedStream<'a> {
        self.token.reset();
        FusedStream {
            text,
            at: 0,
            steps: self.steps,
            unicode: &mut self.unicode,
            token: &mut self.token,
            buffer: &mut self.buffer,
        }
    }
}

/// The words of `text` as tantivy's simple tokenizer cuts them (runs of alphanumeric
/// characters): byte ranges, each with whether it is all ASCII.
pub fn words(text: &str) -> impl Iterator<Item = (usize, usize, bool)> + '_ {
    let mut at = 0;
    std::iter::from_fn(move || {
        let word = next_word(text, at)?;
        at = word.1;
        Some(word)
    })
}

/// The byte ranges of the words of `text` ([`words`]), for the readers that each need them
/// all: an article's body is cut once for its topics and its quotes' positions.
pub fn bounds(text: &str) -> Vec<(usize, usize)> {
    // Sized ahead (a word per five bytes or more): collecting grew it several times.
    let mut out = Vec::with_capacity(text.len() / 5 + 1);
    out.extend(words(text).map(|(from, to, _)| (from, to)));
    out
}

/// The first word of `text` at or after byte `at`: its byte range and whether it is all
/// ASCII. ASCII is classified eight bytes at a time ([`word_bytes`]), so a run of letters or
/// of spaces costs one branch, not one a byte (a third less time per word on news text);
/// only other characters are decoded.
fn next_word(text: &str, at: usize) -> Option<(usize, usize, bool)> {
    let bytes = text.as_bytes();
    let mut i = at;
    // Skip to the first alphanumeric character.
    let start = loop {
        if let Some(chunk) = eight(bytes, i) {
            // A word byte, or one that is not ASCII (it may start a word).
            let stop = word_bytes(chunk) | (chunk & HIGH_BITS);
            if stop == 0 {
                i += 8;
                continue;
            }
            i += (stop.trailing_zeros() / 8) as usize;
        }
        let &b = bytes.get(i)?;
        if b < 0x80 {
            if b.is_ascii_alphanumeric() {
                break i;
            }
            i += 1;
        } else {
            let c = text[i..].chars().next()?;
            if c.is_alphanumeric() {
                break i;
            }
            i += c.len_utf8();
        }
    };
    let mut ascii = true;
    loop {
        if let Some(chunk) = eight(bytes, i) {
            // Any byte but an ASCII letter or digit ends the run, or needs decoding.
            let stop = !word_bytes(chunk) & HIGH_BITS;
            if stop == 0 {
                i += 8;
                continue;
            }
            i += (stop.trailing_zeros() / 8) as usize;
        }
        let Some(&b) = bytes.get(i) else {
            break;
        };
        if b < 0x80 {
            if !b.is_ascii_alphanumeric() {
                break;
            }
            i += 1;
        } else {
            let Some(c) = text[i..].chars().next() else {
                break;
            };
            if !c.is_alphanumeric() {
                break;
            }
            ascii = false;
            i += c.len_utf8();
        }
    }
    Some((start, i, ascii))
}

/// The top bit of each of eight bytes.
const HIGH_BITS: u64 = 0x8080_8080_8080_8080;

/// The eight bytes from `i`, first byte lowest, when there are eight.
fn eight(bytes: &[u8], i: usize) -> Option<u64> {
    let chunk: [u8; 8] = bytes.get(i..i + 8)?.try_into().ok()?;
    Some(u64::from_le_bytes(chunk))
}

/// The top bit of each byte of `chunk` that is an ASCII letter or digit, the others clear.
/// Each byte's low seven bits are moved so that the range sought starts at 0x80, and the top
/// bit says whether a byte reached it (and not past its end); no carry crosses bytes, since
/// a low seven bits plus less than 0x80 stays below 0x100.
fn word_bytes(chunk: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    let low = chunk & !HIGH_BITS;
    let within = |x: u64, first: u8, last: u8| {
        (x + ONES * u64::from(0x80 - first)) & !(x + ONES * u64::from(0x7f - last))
    };
    // Setting 0x20 folds capitals onto lower-case letters, and nothing else onto them.
    let letters = within(low | (ONES * 0x20), b'a', b'z');
    let digits = within(low, b'0', b'9');
    (letters | digits) & !chunk & HIGH_BITS
}

pub struct FusedStream<'a> {
    text: &'a str,
    /// Byte offset where the search for the next word starts.
    at: usize,
    steps: Steps,
    unicode: &'a mut TextAnalyzer,
    token: &'a mut Token,
    buffer: &'a mut String,
}

impl TokenStream for FusedStream<'_> {
    fn advance(&mut self) -> bool {
        loop {
            self.token.text.clear();
            self.token.position = self.token.position.wrapping_add(1);
            let Some((from, to, ascii)) = next_word(self.text, self.at) else {
                return false;
            };
            self.at = to;
            if self.steps.drop_long && to - from >= LONGEST_TOKEN {
                continue;
            }
            self.token.offset_from = from;
            self.token.offset_to = to;
            let word = &self.text[from..to];
            let out: &mut String = if self.steps.stem {
                self.buffer
            } else {
                &mut self.token.text
            };
            out.clear();
            if ascii {
                out.push_str(word);
                if self.steps.lowercase() {
                    out.make_ascii_lowercase();
                }
            } else {
                let mut stream = self.unicode.token_stream(word);
                if stream.advance() {
                    out.push_str(&stream.token().text);
                }
            }
            if self.steps.stem {
                let token = &mut self.token.text;
                stem::with_stem(self.buffer, |s| token.push_str(s));
            }
            return true;
        }
    }

    fn token(&self) -> &Token {
        self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        self.token
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use tantivy::tokenizer::{RemoveLongFilter, SimpleTokenizer};

    use super::*;
    use crate::schema::stem::CachedStemmer;

    /// The same steps as tantivy's chain of boxed filters.
    fn chained(filters: &[&str]) -> TextAnalyzer {
        let mut builder = TextAnalyzer::builder(SimpleTokenizer::default()).dynamic();
        for f in filters {
            builder = match *f {
                "remove_long" => builder.filter_dynamic(RemoveLongFilter::limit(LONGEST_TOKEN)),
                "lowercase" => builder.filter_dynamic(LowerCaser),
                "ascii_folding" => builder.filter_dynamic(AsciiFoldingFilter),
                "stem_english" => builder.filter_dynamic(CachedStemmer),
                other => panic!("{other}"),
            };
        }
        builder.build()
    }

    fn tokens(a: &mut TextAnalyzer, text: &str) -> Vec<(String, usize, usize, usize)> {
        let mut stream = a.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            let t = stream.token();
            out.push((t.text.clone(), t.position, t.offset_from, t.offset_to));
        }
        out
    }

    const CHAINS: [&[&str]; 6] = [
        &["remove_long", "lowercase", "ascii_folding", "stem_english"],
        &["remove_long", "lowercase", "ascii_folding"],
        &["ascii_folding", "lowercase"],
        &["lowercase"],
        &["remove_long"],
        &[],
    ];

    fn same_as_chained(text: &str) {
        for filters in CHAINS {
            let owned: Vec<String> = filters.iter().map(|f| f.to_string()).collect();
            let steps = Steps::of(&owned).expect("a fusable chain");
            let mut fused = TextAnalyzer::from(FusedWords::new(steps));
            // Twice through the same analyzer: its state must not leak between texts.
            for _ in 0..2 {
                assert_eq!(
                    tokens(&mut fused, text),
                    tokens(&mut chained(filters), text),
                    "{filters:?} on {text:?}"
                );
            }
        }
    }

    #[test]
    fn news_text_analyzes_as_tantivys_chain_does() {
        same_as_chained(
            "Élise Müller-Schmidt told REUTERS on 3 March: \u{201c}İstanbul's déjà vu\u{201d} — \
             ½ 2024s Straße ΣΟΦΙΑ naïve café x² 東京 \u{1F600}ok",
        );
        let long = format!("short {} after {}é tail", "a".repeat(39), "b".repeat(40));
        same_as_chained(&long);
        same_as_chained("");
        same_as_chained("  ,;  ");
    }

    /// Every byte value, at every place in a chunk, among neighbours of each kind.
    #[test]
    fn word_bytes_marks_ascii_letters_and_digits_only() {
        for b in 0..=255u8 {
            for place in 0..8 {
                for filler in [b'a', b' ', 0x80, 0xff] {
                    let mut chunk = [filler; 8];
                    chunk[place] = b;
                    let got = word_bytes(u64::from_le_bytes(chunk)).to_le_bytes();
                    for (i, &byte) in chunk.iter().enumerate() {
                        assert_eq!(got[i] == 0x80, byte.is_ascii_alphanumeric(), "{chunk:?}");
                        assert!(got[i] == 0 || got[i] == 0x80);
                    }
                }
            }
        }
    }

    #[test]
    fn other_chains_are_left_to_tantivy() {
        let of = |f: &[&str]| Steps::of(&f.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(of(&["lowercase", "remove_long"]), None);
        assert_eq!(of(&["stem_english", "lowercase"]), None);
        assert_eq!(of(&["lowercase", "lowercase"]), None);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        #[test]
        fn any_text_analyzes_as_tantivys_chain_does(
            text in "([a-zA-Z0-9]{1,45}|[ ,.'\u{2019}-]|[éÉßİıΣσς½²東]|\u{1F600}|\u{301}){0,30}"
        ) {
            same_as_chained(&text);
        }

        /// `words` cuts what splitting on every non-alphanumeric character leaves.
        #[test]
        fn words_are_the_runs_of_alphanumeric_characters(
            text in "([a-zA-Z0-9]{1,8}|[ ,.'\u{2019}-]|[éÉßİıΣσς½²東]|\u{1F600}|\u{301}|\\PC){0,30}"
        ) {
            let ours: Vec<(&str, bool)> =
                words(&text).map(|(from, to, ascii)| (&text[from..to], ascii)).collect();
            let split: Vec<(&str, bool)> = text
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
                .map(|w| (w, w.is_ascii()))
                .collect();
            prop_assert_eq!(ours, split);
        }
    }
}
