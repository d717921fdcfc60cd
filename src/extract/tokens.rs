//! Word tokens with byte spans, cut the way news NER corpora are (CoNLL-2003 style): punctuation
//! apart, possessive 's apart, "U.S." and "Mr." whole, hyphenated names whole.

/// A token: its text is `text[start..end]` of the text it was cut from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    pub start: usize,
    pub end: usize,
    /// Whether a sentence ends after this token.
    pub sentence_end: bool,
}

impl Token {
    pub fn text<'a>(&self, source: &'a str) -> &'a str {
        &source[self.start..self.end]
    }
}

/// Punctuation that always stands alone.
fn is_split_punct(c: char) -> bool {
    matches!(
        c,
        '"' | '('
            | ')'
            | '['
            | ']'
            | '{'
            | '}'
            | ','
            | ';'
            | ':'
            | '!'
            | '?'
            | '\u{201c}'
            | '\u{201d}'
            | '\u{2018}'
            | '\u{2019}'
            | '\u{2014}'
            | '\u{2013}'
            | '\u{2026}'
    ) || c == '\''
}

/// Words whose final period belongs to them.
const ABBREVIATIONS: &[&str] = &[
    "Mr", "Mrs", "Ms", "Dr", "Prof", "Gen", "Sen", "Rep", "Gov", "Lt", "Col", "Sgt", "Capt", "Adm",
    "Maj", "Rev", "St", "Mt", "Jr", "Sr", "Inc", "Corp", "Co", "Ltd", "Bros", "No", "vs", "Jan",
    "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec", "Calif", "Fla",
    "Mass", "Ariz", "Wash", "Pa", "Va", "Ga",
];

/// An article's headline and body cut into tokens once, for every extractor that reads words
/// (actors, quotes, keyphrases): cutting the body was three passes over it, one per extractor.
#[derive(Debug, Clone, Default)]
pub struct ArticleTokens {
    pub title: Vec<Token>,
    pub body: Vec<Token>,
}

impl ArticleTokens {
    pub fn new(title: &str, body: &str) -> ArticleTokens {
        ArticleTokens {
            title: tokenize(title),
            body: tokenize(body),
        }
    }
}

/// Splits text into tokens and marks sentence ends.
pub fn tokenize(text: &str) -> Vec<Token> {
    let mut tokens = Vec::with_capacity(text.len() / 5);
    for (word_start, word) in words(text) {
        split_word(word, word_start, &mut tokens);
    }
    mark_sentence_ends(text, &mut tokens);
    tokens
}

/// Whitespace-separated words with their offsets.
fn words(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.split_whitespace()
        .map(move |w| (w.as_ptr() as usize - text.as_ptr() as usize, w))
}

fn split_word(word: &str, offset: usize, out: &mut Vec<Token>) {
    // Most words are plain letters and digits: nothing to split off.
    if word.bytes().all(|b| b.is_ascii_alphanumeric()) {
        out.push(Token {
            start: offset,
            end: offset + word.len(),
            sentence_end: false,
        });
        return;
    }
    let mut start = 0;
    let mut end = word.len();
    // Leading punctuation.
    while let Some(c) = word[start..end].chars().next() {
        if is_split_punct(c) && end - start > c.len_utf8() {
            out.push(Token {
                start: offset + start,
                end: offset + start + c.len_utf8(),
                sentence_end: false,
            });
            start += c.len_utf8();
        } else {
            break;
        }
    }
    // Trailing punctuation, possessives and sentence periods: pushed last first, then put in
    // text order after the core.
    let first_trailing = out.len();
    loop {
        let core = &word[start..end];
        let Some(c) = core.chars().next_back() else {
            break;
        };
        if core.len() == c.len_utf8() {
            break;
        }
        let possessive = if c == 's' || c == 'S' {
            let before = &core[..core.len() - 1];
            if before.ends_with('\'') {
                Some(2)
            } else if before.ends_with('\u{2019}') {
                Some(4)
            } else {
                None
            }
        } else {
            None
        };
        let cut = match possessive {
            Some(cut) => cut,
            None if is_split_punct(c) => c.len_utf8(),
            None if c == '.' && !keeps_period(&core[..core.len() - 1]) => 1,
            None => break,
        };
        out.push(Token {
            start: offset + end - cut,
            end: offset + end,
            sentence_end: false,
        });
        end -= cut;
    }
    let core = (end > start).then_some(Token {
        start: offset + start,
        end: offset + end,
        sentence_end: false,
    });
    // The trailing pieces went in last first: put them in text order, after the core.
    out[first_trailing..].reverse();
    if let Some(core) = core {
        out.insert(first_trailing, core);
    }
}

/// "U.S", "Mr", "J" (an initial): the period after them is part of the word.
fn keeps_period(before: &str) -> bool {
    if before.contains('.') {
        return true;
    }
    let mut chars = before.chars();
    let initial = chars.next().is_some_and(char::is_uppercase) && chars.next().is_none();
    initial || ABBREVIATIONS.contains(&before)
}

fn mark_sentence_ends(text: &str, tokens: &mut [Token]) {
    let n = tokens.len();
    for i in 0..n {
        let t = tokens[i].text(text);
        let gap: &[u8] = if i + 1 < n {
            &text.as_bytes()[tokens[i].end..tokens[i + 1].start]
        } else {
            &[]
        };
        // "U.S." ending a sentence: only when the gap after it holds a newline.
        let ends = matches!(t, "." | "!" | "?")
            || (t.ends_with('.') && t.len() > 1 && gap.contains(&b'\n'));
        if ends {
            // Closing quotes after the period stay in the sentence.
            let mut j = i;
            while j + 1 < n
                && matches!(
                    tokens[j + 1].text(text),
                    "\"" | "\u{201d}" | "'" | "\u{2019}" | ")"
                )
            {
                j += 1;
            }
            tokens[j].sentence_end = true;
        } else if gap.windows(2).any(|w| w == b"\n\n") {
            tokens[i].sentence_end = true; // a paragraph break ends a sentence, even a headline
        }
    }
    if let Some(last) = tokens.last_mut() {
        last.sentence_end = true;
    }
}

/// Sentences as ranges of token indices.
pub fn sentences(tokens: &[Token]) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, t) in tokens.iter().enumerate() {
        if t.sentence_end {
            out.push(start..i + 1);
            start = i + 1;
        }
    }
    if start < tokens.len() {
        out.push(start..tokens.len());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(s: &str) -> Vec<&str> {
        tokenize(s).iter().map(|t| t.text(s)).collect()
    }

    #[test]
    fn splits_punctuation_possessives_and_keeps_abbreviations() {
        assert_eq!(
            texts(
                "Mr. Aliyev's remarks (in Baku) were \u{201c}clear,\u{201d} U.S. officials said."
            ),
            vec![
                "Mr.",
                "Aliyev",
                "'s",
                "remarks",
                "(",
                "in",
                "Baku",
                ")",
                "were",
                "\u{201c}",
                "clear",
                ",",
                "\u{201d}",
                "U.S.",
                "officials",
                "said",
                "."
            ]
        );
        assert_eq!(
            texts("Azerbaijan\u{2019}s Non-Aligned Movement"),
            vec!["Azerbaijan", "\u{2019}s", "Non-Aligned", "Movement"]
        );
    }

    #[test]
    fn marks_sentence_ends_after_closing_quotes() {
        let s = "\u{201c}We agree.\u{201d} He left. Then rain";
        let toks = tokenize(s);
        let sents: Vec<Vec<&str>> = sentences(&toks)
            .into_iter()
            .map(|r| toks[r].iter().map(|t| t.text(s)).collect())
            .collect();
        assert_eq!(
            sents,
            vec![
                vec!["\u{201c}", "We", "agree", ".", "\u{201d}"],
                vec!["He", "left", "."],
                vec!["Then", "rain"]
            ]
        );
    }

    #[test]
    fn spans_point_back_into_the_text() {
        let s = "  Café  owners, “angry”.";
        for t in tokenize(s) {
            assert!(!t.text(s).trim().is_empty());
        }
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// Tokens are in order, non-empty, on character boundaries, and never cross white space.
        #[test]
        fn tokens_are_ordered_valid_spans(text in "\\PC{0,200}") {
            let tokens = tokenize(&text);
            let mut last_end = 0;
            for t in &tokens {
                prop_assert!(t.start >= last_end && t.start < t.end && t.end <= text.len());
                prop_assert!(text.is_char_boundary(t.start) && text.is_char_boundary(t.end));
                prop_assert!(!t.text(&text).chars().any(char::is_whitespace));
                last_end = t.end;
            }
            let covered: usize = sentences(&tokens).iter().map(|r| r.len()).sum();
            prop_assert_eq!(covered, tokens.len());
        }
    }
}
