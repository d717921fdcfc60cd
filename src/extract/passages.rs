//! Cutting an article body into passages of roughly 40–120 words, the unit search returns.
//!
//! Paragraphs are the natural unit; a long paragraph is cut at sentence ends (not after "Mr.",
//! "U.S." or an initial), and short ones are merged with their neighbours. Passages are byte
//! ranges that cover the body in order with nothing lost or repeated: each passage runs to
//! where the next begins, so its trailing white space belongs to it.

use crate::model::Passage;

/// Passage size goals, in words.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Below this a passage takes in the next paragraph.
    pub min_words: usize,
    /// Above this a passage is closed, and a longer paragraph is cut at sentence ends.
    pub max_words: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            min_words: 40,
            max_words: 120,
        }
    }
}

/// A piece of the body that is never cut further: a paragraph, or a sentence of a long one.
#[derive(Debug, Clone, Copy)]
struct Segment {
    start: usize,
    words: usize,
    starts_paragraph: bool,
}

/// Splits `body` into passages with the default limits.
pub fn split(body: &str) -> Vec<Passage> {
    split_with(body, Limits::default())
}

pub fn split_with(body: &str, limits: Limits) -> Vec<Passage> {
    if body.trim().is_empty() {
        return Vec::new();
    }
    let mut segments = Vec::new();
    let bounds = paragraph_starts(body);
    for (i, &start) in bounds.iter().enumerate() {
        let end = bounds.get(i + 1).copied().unwrap_or(body.len());
        let words = word_count(&body[start..end]);
        if words <= limits.max_words {
            segments.push(Segment {
                start,
                words,
                starts_paragraph: true,
            });
            continue;
        }
        let sentences = sentence_starts(body, start, end);
        for (j, &s) in sentences.iter().enumerate() {
            let e = sentences.get(j + 1).copied().unwrap_or(end);
            segments.push(Segment {
                start: s,
                words: word_count(&body[s..e]),
                starts_paragraph: j == 0,
            });
        }
    }

    // Greedy packing: close a passage at a paragraph start once it is long enough, or anywhere
    // when the next segment would take it over the maximum.
    let mut starts: Vec<(usize, usize)> = Vec::new(); // (start, words)
    for seg in segments {
        match starts.last_mut() {
            Some((_, words)) => {
                let combined = *words + seg.words;
                let close = combined > limits.max_words
                    || (seg.starts_paragraph && *words >= limits.min_words);
                if close {
                    starts.push((seg.start, seg.words));
                } else {
                    *words = combined;
                }
            }
            None => starts.push((0, seg.words)),
        }
    }
    // A short tail joins the passage before it when they fit together.
    if starts.len() >= 2 {
        let (_, last) = starts[starts.len() - 1];
        let (_, prev) = starts[starts.len() - 2];
        if last < limits.min_words / 2 && prev + last <= limits.max_words + limits.min_words / 2 {
            starts.pop();
        }
    }
    starts
        .iter()
        .enumerate()
        .map(|(i, &(start, _))| Passage {
            start,
            end: starts.get(i + 1).map_or(body.len(), |&(s, _)| s),
        })
        .collect()
}

fn word_count(text: &str) -> usize {
    text.split_whitespace().count()
}

/// Byte offsets where paragraphs begin (the first is 0). A paragraph begins after a blank
/// line, at an indented line, or, in texts that never use blank lines, at a line after one
/// that ends a sentence.
fn paragraph_starts(body: &str) -> Vec<usize> {
    let uses_blank_lines = body.lines().any(|l| l.trim().is_empty()) && body.trim().contains('\n');
    let mut starts = vec![0];
    let mut previous_line_end = None::<&str>;
    let mut blank_before = false;
    let mut offset = 0;
    for line in body.split_inclusive('\n') {
        let content = line.trim_end();
        if content.trim().is_empty() {
            blank_before = true;
        } else {
            if let Some(prev) = previous_line_end {
                let indented = line.starts_with("  ") || line.starts_with('\t');
                let ends_sentence =
                    prev.ends_with(['.', '!', '?', '"', '\u{201d}', '\u{2019}', '\'', ':']);
                let new_paragraph =
                    blank_before || indented || (!uses_blank_lines && ends_sentence);
                if new_paragraph && offset > 0 {
                    starts.push(offset);
                }
            }
            previous_line_end = Some(content);
            blank_before = false;
        }
        offset += line.len();
    }
    starts
}

/// Titles and abbreviations after which a period does not end a sentence.
const ABBREVIATIONS: &[&str] = &[
    "Mr", "Mrs", "Ms", "Dr", "Prof", "Gen", "Sen", "Rep", "Gov", "Lt", "Col", "Sgt", "Capt",
    "Cmdr", "Adm", "Maj", "Brig", "Gens", "Sens", "Reps", "Rev", "Hon", "Pres", "Atty", "Det",
    "Insp", "Supt", "St", "Mt", "Ft", "Jr", "Sr", "Inc", "Corp", "Co", "Ltd", "Bros", "No", "Nos",
    "vs", "etc", "approx", "est", "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept",
    "Oct", "Nov", "Dec", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun", "Ave", "Blvd", "Dept",
    "Univ", "Assn", "Fig", "Vol", "pp", "Calif", "Fla", "Mass", "Penn", "Ariz", "Wash",
];

/// Byte offsets where sentences begin within `body[start..end]` (the first is `start`).
fn sentence_starts(body: &str, start: usize, end: usize) -> Vec<usize> {
    let text = &body[start..end];
    let bytes = text.as_bytes();
    let mut starts = vec![start];
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if matches!(b, b'.' | b'!' | b'?') && (b != b'.' || !is_abbreviation(&text[..i])) {
            // Closing quotes and brackets stay with the sentence they close.
            let mut j = i + 1;
            loop {
                let rest = &text[j..];
                let closer = ['"', '\'', ')', ']', '\u{201d}', '\u{2019}']
                    .iter()
                    .find(|c| rest.starts_with(**c));
                match closer {
                    Some(c) => j += c.len_utf8(),
                    None => break,
                }
            }
            let ws = text[j..].len() - text[j..].trim_start().len();
            if ws > 0 {
                let next = text[j + ws..].chars().next();
                let opens_sentence = next.is_some_and(|c| {
                    c.is_uppercase()
                        || c.is_ascii_digit()
                        || matches!(c, '"' | '\'' | '\u{201c}' | '\u{2018}' | '(')
                });
                if opens_sentence {
                    starts.push(start + j + ws);
                }
            }
            i = j.max(i + 1);
        } else {
            i += 1;
        }
    }
    starts
}

/// Whether the word just before a period is an abbreviation, an initial ("John F."), or
/// dotted ("U.S.", "a.m.").
fn is_abbreviation(before: &str) -> bool {
    let word = before
        .rsplit(|c: char| c.is_whitespace() || matches!(c, '(' | '"' | '\u{201c}'))
        .next()
        .unwrap_or("");
    if word.is_empty() {
        return false;
    }
    if word.contains('.') {
        return true;
    }
    let mut chars = word.chars();
    let single_capital = chars.next().is_some_and(char::is_uppercase) && chars.next().is_none();
    single_capital || ABBREVIATIONS.contains(&word)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn texts(body: &str) -> Vec<&str> {
        split(body).iter().map(|p| p.text(body)).collect()
    }

    fn assert_covers(body: &str, passages: &[Passage]) {
        if body.trim().is_empty() {
            assert!(passages.is_empty());
            return;
        }
        assert_eq!(passages.first().map(|p| p.start), Some(0));
        assert_eq!(passages.last().map(|p| p.end), Some(body.len()));
        for pair in passages.windows(2) {
            assert_eq!(pair[0].end, pair[1].start, "passages must be contiguous");
        }
        for p in passages {
            assert!(p.start < p.end, "empty passage {p:?}");
            assert!(body.is_char_boundary(p.start) && body.is_char_boundary(p.end));
        }
    }

    fn sentence(words: usize, seed: usize) -> String {
        let vocabulary = [
            "minister", "said", "the", "talks", "would", "resume", "in", "Geneva", "next", "week",
        ];
        let mut s: Vec<&str> = (0..words)
            .map(|i| vocabulary[(i + seed) % vocabulary.len()])
            .collect();
        s[0] = "Officials";
        format!("{}.", s.join(" "))
    }

    #[test]
    fn short_paragraphs_merge_into_one_passage() {
        let body = "First short paragraph here.\n\nSecond short one.\n\nThird.";
        assert_eq!(texts(body), vec![body]);
    }

    #[test]
    fn paragraphs_of_fifty_words_stay_separate() {
        let p1 = sentence(50, 0);
        let p2 = sentence(50, 3);
        let body = format!("{p1}\n\n{p2}");
        assert_eq!(
            texts(&body),
            vec![format!("{p1}\n\n").as_str(), p2.as_str()]
        );
    }

    #[test]
    fn long_paragraph_is_cut_at_sentence_ends() {
        let body: String = (0..12)
            .map(|i| sentence(25, i))
            .collect::<Vec<_>>()
            .join(" ");
        let passages = split(&body);
        assert!(passages.len() >= 3, "{} passages", passages.len());
        for p in &passages {
            let t = p.text(&body).trim_end();
            assert!(t.ends_with('.'), "cut inside a sentence: {t:?}");
            assert!(word_count(t) <= 120);
        }
    }

    #[test]
    fn abbreviations_and_initials_do_not_end_sentences() {
        let text =
            "Mr. Smith met Gen. Jones in the U.S. Capitol. John F. Kennedy was cited. It ended.";
        let starts = sentence_starts(text, 0, text.len());
        let firsts: Vec<&str> = starts.iter().map(|&s| &text[s..s + 4]).collect();
        assert_eq!(firsts, vec!["Mr. ", "John", "It e"]);
    }

    #[test]
    fn closing_quote_stays_with_its_sentence() {
        let text = "\u{201c}We will not go,\u{201d} he said. \u{201c}Never.\u{201d} Then he left.";
        let starts = sentence_starts(text, 0, text.len());
        assert_eq!(starts.len(), 3);
        assert!(text[starts[1]..].starts_with('\u{201c}'));
        assert!(text[starts[2]..].starts_with("Then"));
    }

    #[test]
    fn single_newline_paragraphs_split_like_the_seed_article() {
        let lines: Vec<String> = (0..4).map(|i| sentence(45, i)).collect();
        let body = lines.join("\n");
        assert_eq!(split(&body).len(), 4);
    }

    #[test]
    fn hard_wrapped_wire_text_splits_at_indented_paragraphs() {
        let body = "    Showers continued throughout the week in\nthe cocoa zone, alleviating the drought\nsince early January and improving prospects\nfor the coming temporao, traders said. The\nrains were welcome after weeks of dry weather\nacross the whole of the region this season.\n    Arrivals at the port were put at about\nthree mln bags so far, against two mln bags\nat the same point of last year, dealers said,\nand the bulk of it came by road from farms in\nthe south of the state over the past fortnight.\n";
        let passages = split(body);
        assert_eq!(passages.len(), 2, "{:?}", texts(body));
        assert!(passages[1].text(body).starts_with("    Arrivals"));
    }

    #[test]
    fn empty_body_has_no_passages() {
        assert!(split("").is_empty());
        assert!(split(" \n\n ").is_empty());
    }

    proptest! {
        #[test]
        fn passages_cover_the_body_exactly_in_order(body in "(\\PC{0,30}[ .\n\u{201d}!?]{0,3}){0,60}") {
            let passages = split(&body);
            assert_covers(&body, &passages);
            let joined: String = passages.iter().map(|p| p.text(&body)).collect();
            prop_assert_eq!(joined, body);
        }

        #[test]
        fn passages_cover_any_limits(body in "([A-Za-z]{1,8}[ .\n]{1,2}){0,300}", min in 1usize..60, extra in 0usize..100) {
            let passages = split_with(&body, Limits { min_words: min, max_words: min + extra });
            assert_covers(&body, &passages);
        }
    }
}
