//! English function words, left out of plain-word `--any` queries: in a question such as "what
//! is known about the ranking of documents" they match nearly every passage and only add noise
//! to the ranking. Written for newsdex; content words only are kept.

const WORDS: &[&str] = &[
    "a",
    "about",
    "above",
    "after",
    "again",
    "against",
    "all",
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
    "i",
    "if",
    "in",
    "into",
    "is",
    "it",
    "its",
    "itself",
    "just",
    "me",
    "more",
    "most",
    "my",
    "myself",
    "no",
    "nor",
    "not",
    "of",
    "off",
    "on",
    "once",
    "only",
    "or",
    "other",
    "our",
    "ours",
    "ourselves",
    "out",
    "over",
    "own",
    "same",
    "she",
    "should",
    "so",
    "some",
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
    "through",
    "to",
    "too",
    "under",
    "until",
    "up",
    "very",
    "was",
    "we",
    "were",
    "what",
    "when",
    "where",
    "which",
    "while",
    "who",
    "whom",
    "why",
    "will",
    "with",
    "would",
    "you",
    "your",
    "yours",
    "yourself",
    "also",
    "there",
    "whether",
    "may",
    "might",
    "must",
    "shall",
    "upon",
    "within",
    "without",
    "etc",
];

/// True for a function word (lower case).
pub fn is_stop_word(word: &str) -> bool {
    static SET: std::sync::OnceLock<rustc_hash::FxHashSet<&'static str>> =
        std::sync::OnceLock::new();
    SET.get_or_init(|| WORDS.iter().copied().collect())
        .contains(word)
}

/// The content words of a query written as plain words (no quotes, fields, brackets or
/// operators), or `None` when the query uses the query language and must be kept as written.
/// A query of function words alone is kept whole.
pub fn content_words(query: &str) -> Option<String> {
    const SYNTAX: &[char] = &[
        ':', '"', '(', ')', '[', ']', '{', '}', '+', '-', '~', '^', '*', '\\',
    ];
    if query.contains(SYNTAX) {
        return None;
    }
    let words: Vec<&str> = query
        .split_whitespace()
        .filter(|w| !matches!(*w, "AND" | "OR" | "NOT"))
        .collect();
    if words.len() < query.split_whitespace().count() {
        return None; // boolean operators: the query language
    }
    let content: Vec<&str> = words
        .iter()
        .copied()
        .filter(|w| {
            let bare: String = w
                .chars()
                .filter(|c| c.is_alphanumeric())
                .flat_map(char::to_lowercase)
                .collect();
            !bare.is_empty() && !is_stop_word(&bare)
        })
        .collect();
    Some(if content.is_empty() {
        words.join(" ")
    } else {
        content.join(" ")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn questions_keep_their_content_words() {
        assert_eq!(
            content_words("What is the history of the Dewey classification?").as_deref(),
            Some("history Dewey classification?")
        );
        assert_eq!(content_words("the who").as_deref(), Some("the who"));
        assert_eq!(content_words("title:oil the"), None);
        assert_eq!(content_words("oil OR gas"), None);
        assert_eq!(content_words("\"the who\""), None);
    }
}
