//! Feature templates of the actor tagger, hashed to 64-bit ids.
//!
//! Most features describe one word at one offset from the token being tagged (-2..=2), so the
//! tagger can sum a cached score vector per (word, offset) instead of recomputing them: that is
//! what makes tagging fast. The rest depend on the position (sentence start), on gazetteer
//! matches, on the document (a capitalised word seen in lower case elsewhere) and on the labels
//! already given (history).

use super::labels::{Label, LABELS};

/// Window of words around the tagged token whose features count.
pub const WINDOW: i32 = 2;
pub const OFFSETS: usize = (2 * WINDOW + 1) as usize;

/// FNV-1a over a template tag and a string.
#[inline]
pub fn hash(tag: u8, text: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ u64::from(tag);
    h = h.wrapping_mul(0x0100_0000_01b3);
    for b in text.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    h
}

#[inline]
fn hash_num(tag: u8, n: u64) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ u64::from(tag);
    h = h.wrapping_mul(0x0100_0000_01b3);
    for b in n.to_le_bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Word shape: X for capitals, x for lower case, d for digits, other characters as they are;
/// `short` collapses repeats ("Xxxxx" → "Xx").
pub fn shape(word: &str, short: bool) -> String {
    let mut out = String::with_capacity(word.len());
    let mut last = '\0';
    for c in word.chars() {
        let s = if c.is_uppercase() {
            'X'
        } else if c.is_lowercase() {
            'x'
        } else if c.is_ascii_digit() {
            'd'
        } else {
            c
        };
        if !short || s != last {
            out.push(s);
        }
        last = s;
    }
    out
}

/// Normalises typographic quotes and dashes to the ASCII the training data uses.
pub fn normalise(word: &str) -> std::borrow::Cow<'_, str> {
    if word.is_ascii() {
        return std::borrow::Cow::Borrowed(word);
    }
    std::borrow::Cow::Owned(
        word.chars()
            .map(|c| match c {
                '\u{201c}' | '\u{201d}' | '\u{201e}' => '"',
                '\u{2018}' | '\u{2019}' => '\'',
                '\u{2013}' | '\u{2014}' => '-',
                c => c,
            })
            .collect(),
    )
}

/// What the tagger learned about words from unlabelled news, stored in the model.
pub trait Lexicon {
    /// How often a word is capitalised where capitals are not forced (mid-sentence), 0..=9.
    fn bucket(&self, lower: &str) -> Option<u8>;
    /// The word's (fine, coarse) distributional cluster.
    fn cluster(&self, word: &str) -> Option<(u16, u8)>;
}

/// Features of `word` seen at `offset` from the tagged token. `word` is None past the sentence edge.
pub fn word_features(word: Option<&str>, offset: i32, lexicon: &dyn Lexicon, out: &mut Vec<u64>) {
    let o = (offset + WINDOW) as u8; // 0..=4
    let tag = |t: u8| t * 8 + o;
    let Some(word) = word else {
        out.push(hash(tag(0), "<edge>"));
        return;
    };
    let word = normalise(word);
    let lower = word.to_lowercase();
    out.push(hash(tag(1), &lower));
    let short = shape(&word, true);
    out.push(hash(tag(2), &short));
    let first_upper = word.chars().next().is_some_and(char::is_uppercase);
    if offset.abs() <= 1 {
        out.push(hash_num(tag(3), u64::from(first_upper)));
        if let Some(b) = lexicon.bucket(&lower) {
            out.push(hash_num(tag(4), u64::from(b)));
        }
    }
    if let Some((fine, coarse)) = lexicon.cluster(&word) {
        out.push(hash_num(tag(10), u64::from(coarse)));
        if offset.abs() <= 1 {
            out.push(hash_num(tag(11), u64::from(fine)));
        }
    }
    if offset == 0 {
        out.push(hash(tag(5), &word));
        out.push(hash(tag(6), &shape(&word, false)));
        let chars: Vec<char> = lower.chars().collect();
        for n in 1..=4.min(chars.len()) {
            let prefix: String = chars[..n].iter().collect();
            let suffix: String = chars[chars.len() - n..].iter().collect();
            out.push(hash(100 + n as u8, &prefix));
            out.push(hash(110 + n as u8, &suffix));
        }
        let all_upper =
            word.chars().any(char::is_alphabetic) && !word.chars().any(char::is_lowercase);
        let flags = u64::from(first_upper)
            | u64::from(all_upper) << 1
            | u64::from(word.chars().any(|c| c.is_ascii_digit())) << 2
            | u64::from(word.contains('-')) << 3
            | u64::from(word.contains('.')) << 4
            | (chars.len().min(12) as u64) << 8;
        out.push(hash_num(tag(9), flags));
    }
}

/// The features of `word` at every window offset at once (`outs[offset + WINDOW]`): the same
/// ids as [`word_features`] gives offset by offset, with the word's forms computed once and no
/// allocation for affixes. This is what the tagger runs for each word it has not seen yet.
pub fn word_features_all(
    word: Option<&str>,
    lexicon: &dyn Lexicon,
    outs: &mut [Vec<u64>; OFFSETS],
) {
    let Some(word) = word else {
        for (o, out) in outs.iter_mut().enumerate() {
            out.push(hash(o as u8, "<edge>"));
        }
        return;
    };
    let word = normalise(word);
    let lower = word.to_lowercase();
    let short = shape(&word, true);
    let first_upper = word.chars().next().is_some_and(char::is_uppercase);
    let bucket = lexicon.bucket(&lower);
    let cluster = lexicon.cluster(&word);
    for (o, out) in outs.iter_mut().enumerate() {
        let offset = o as i32 - WINDOW;
        let tag = |t: u8| t * 8 + o as u8;
        out.push(hash(tag(1), &lower));
        out.push(hash(tag(2), &short));
        if offset.abs() <= 1 {
            out.push(hash_num(tag(3), u64::from(first_upper)));
            if let Some(b) = bucket {
                out.push(hash_num(tag(4), u64::from(b)));
            }
        }
        if let Some((fine, coarse)) = cluster {
            out.push(hash_num(tag(10), u64::from(coarse)));
            if offset.abs() <= 1 {
                out.push(hash_num(tag(11), u64::from(fine)));
            }
        }
    }
    let out = &mut outs[WINDOW as usize];
    let tag = |t: u8| t * 8 + WINDOW as u8;
    out.push(hash(tag(5), &word));
    out.push(hash(tag(6), &shape(&word, false)));
    // Prefixes and suffixes of one to four characters, walked from either end.
    let mut ends = lower.char_indices().map(|(i, c)| i + c.len_utf8());
    let mut starts = lower.char_indices().rev().map(|(i, _)| i);
    for n in 1..=4u8 {
        let (Some(end), Some(start)) = (ends.next(), starts.next()) else {
            break;
        };
        out.push(hash(100 + n, &lower[..end]));
        out.push(hash(110 + n, &lower[start..]));
    }
    let chars = lower.chars().count();
    let all_upper = word.chars().any(char::is_alphabetic) && !word.chars().any(char::is_lowercase);
    let flags = u64::from(first_upper)
        | u64::from(all_upper) << 1
        | u64::from(word.chars().any(|c| c.is_ascii_digit())) << 2
        | u64::from(word.contains('-')) << 3
        | u64::from(word.contains('.')) << 4
        | (chars.min(12) as u64) << 8;
    out.push(hash_num(tag(9), flags));
}

/// Features that depend on where the token stands and on the document.
pub struct Context {
    pub first_in_sentence: bool,
    /// The token is capitalised and its lower-case form appears elsewhere in the document.
    pub lower_elsewhere: bool,
    /// The sentence is written in capitals (a headline such as "BAHIA COCOA REVIEW").
    pub caps_sentence: bool,
}

pub fn context_features(c: &Context, out: &mut Vec<u64>) {
    out.push(hash_num(200, 0)); // bias
    out.push(hash_num(
        201,
        u64::from(c.first_in_sentence)
            | u64::from(c.lower_elsewhere) << 1
            | u64::from(c.caps_sentence) << 2,
    ));
    if c.lower_elsewhere {
        out.push(hash_num(202, u64::from(c.first_in_sentence)));
    }
}

/// A gazetteer match over the token: its list and its place in the match (B, I, L or U).
pub fn gazetteer_feature(list: &str, place: char, out: &mut Vec<u64>) {
    let mut key = String::with_capacity(list.len() + 2);
    key.push_str(list);
    key.push(':');
    key.push(place);
    out.push(hash(210, &key));
}

/// The type an earlier mention of this exact word in the document was tagged with.
pub fn memory_feature(kind: Option<u8>, out: &mut Vec<u64>) {
    if let Some(k) = kind {
        out.push(hash_num(220, u64::from(k)));
    }
}

/// Hashes of a word that conjunction features combine, computed once per word.
#[derive(Debug, Clone, Copy, Default)]
pub struct Keys {
    pub lower: u64,
    pub short_shape: u64,
    pub exact: u64,
    pub capitalised: bool,
    /// Starts with a lower-case letter: such a word almost never opens an entity.
    pub lowercase_initial: bool,
    /// Has no letter at all (punctuation, figures): such a token almost never opens one either.
    pub letterless: bool,
    /// Its upper- and lower-case letters, for telling all-capitals sentences.
    pub cases: (u32, u32),
}

/// How many upper- and lower-case letters a word has.
pub fn letter_cases(word: &str) -> (u32, u32) {
    let (mut upper, mut lower) = (0, 0);
    if word.is_ascii() {
        for b in word.bytes() {
            upper += u32::from(b.is_ascii_uppercase());
            lower += u32::from(b.is_ascii_lowercase());
        }
    } else {
        for c in word.chars() {
            upper += u32::from(c.is_uppercase());
            lower += u32::from(c.is_lowercase());
        }
    }
    (upper, lower)
}

impl Keys {
    pub fn of(word: &str) -> Keys {
        let norm = normalise(word);
        Keys {
            lower: hash(1, &norm.to_lowercase()),
            short_shape: hash(2, &shape(&norm, true)),
            exact: hash(5, &norm),
            capitalised: norm.chars().next().is_some_and(char::is_uppercase),
            lowercase_initial: norm.chars().next().is_some_and(char::is_lowercase),
            letterless: !norm.chars().any(char::is_alphabetic),
            cases: letter_cases(word),
        }
    }
}

/// Mixes two 64-bit keys into a feature id (a multiply-xorshift, cheap and well spread).
#[inline]
pub fn mix(a: u64, b: u64) -> u64 {
    let mut h = a ^ b.rotate_left(23) ^ 0x9e37_79b9_7f4a_7c15;
    h = (h ^ (h >> 31)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h ^ (h >> 29)
}

/// Word-pair features: the token with its left and with its right neighbour.
pub fn bigram_features(left: Option<&Keys>, this: &Keys, right: Option<&Keys>, out: &mut Vec<u64>) {
    out.push(mix(left.map_or(0x51, |k| k.lower), this.lower ^ 0x1111));
    out.push(mix(this.lower ^ 0x2222, right.map_or(0x52, |k| k.lower)));
}

/// Label history: the previous label, and the previous two.
pub fn label_history_features(prev1: Label, prev2: Label, out: &mut Vec<u64>) {
    out.push(history_key(prev1));
    out.push(history2_key(prev1, prev2));
}

pub fn history_key(prev1: Label) -> u64 {
    hash_num(230, u64::from(prev1.0))
}

pub fn history2_key(prev1: Label, prev2: Label) -> u64 {
    hash_num(231, u64::from(prev1.0) * LABELS as u64 + u64::from(prev2.0))
}

/// The previous label with the word's shape and with the word itself.
pub fn word_history_features(prev1: Label, this: &Keys, out: &mut Vec<u64>) {
    out.push(mix(this.short_shape, 0x3300 + u64::from(prev1.0)));
    out.push(mix(this.lower, 0x4400 + u64::from(prev1.0)));
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Words;
    impl Lexicon for Words {
        fn bucket(&self, lower: &str) -> Option<u8> {
            lower.len().is_multiple_of(3).then_some(4)
        }
        fn cluster(&self, word: &str) -> Option<(u16, u8)> {
            word.len().is_multiple_of(2).then_some((7, 2))
        }
    }

    #[test]
    fn all_offsets_at_once_match_offset_by_offset() {
        for word in [
            None,
            Some("Aliyev"),
            Some("U.S."),
            Some("co-op"),
            Some("Ça"),
            Some("\u{201c}"),
            Some("1987"),
            Some("ÉCOLE"),
            Some("a"),
        ] {
            let mut all: [Vec<u64>; OFFSETS] = Default::default();
            word_features_all(word, &Words, &mut all);
            for offset in -WINDOW..=WINDOW {
                let mut one = Vec::new();
                word_features(word, offset, &Words, &mut one);
                let mut got = all[(offset + WINDOW) as usize].clone();
                one.sort_unstable();
                got.sort_unstable();
                assert_eq!(got, one, "{word:?} at {offset}");
            }
        }
    }
}
