//! Quotes: who said what. Direct quotations (straight and curly marks, partial quotes inside a
//! sentence, a quote carried over paragraphs) and indirect speech after a speech verb
//! ("Aliyev said Azerbaijan does not foresee …"), each attributed to a speaker.
//!
//! A quote's cue is a speech verb next to it: `"…," Aliyev said`, `"…," said Aliyev`,
//! `Aliyev said: "…"`, `according to …`. The speaker is the actor named beside the cue; a
//! pronoun ("he said") or a role noun ("the president said") goes to the last person named
//! before it; a quote paragraph with no cue continues the previous quote's speaker.

use serde::Serialize;

use super::actors::Actors;
use super::gazetteer::ActorKind;
use super::tokens::{self, Token};

/// One attributed statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Quote {
    /// Byte range of what was said, in the body (inside the quotation marks for direct quotes).
    pub start: usize,
    pub end: usize,
    pub text: String,
    pub direct: bool,
    /// The speech verb, as a byte range and its text.
    pub cue: Option<(usize, usize, String)>,
    /// Byte range of the words that name the speaker here ("Aliyev", "he").
    pub speaker_span: Option<(usize, usize)>,
    /// The speaker, as an index into the article's actors.
    pub speaker: Option<usize>,
}

/// Verbs (and phrases) that report speech.
const SPEECH_VERBS: &[&str] = &[
    "said",
    "says",
    "say",
    "told",
    "tells",
    "added",
    "adds",
    "stated",
    "states",
    "asked",
    "asks",
    "replied",
    "replies",
    "noted",
    "notes",
    "explained",
    "explains",
    "argued",
    "argues",
    "claimed",
    "claims",
    "insisted",
    "insists",
    "warned",
    "warns",
    "stressed",
    "stresses",
    "emphasized",
    "emphasised",
    "emphasizes",
    "emphasises",
    "declared",
    "declares",
    "announced",
    "announces",
    "wrote",
    "writes",
    "recalled",
    "recalls",
    "continued",
    "continues",
    "acknowledged",
    "acknowledges",
    "admitted",
    "admits",
    "suggested",
    "suggests",
    "urged",
    "urges",
    "reiterated",
    "reiterates",
    "conceded",
    "concedes",
    "predicted",
    "predicts",
    "cautioned",
    "complained",
    "complains",
    "denied",
    "denies",
    "maintained",
    "maintains",
    "observed",
    "remarked",
    "responded",
    "responds",
    "testified",
    "tweeted",
    "tweets",
    "posted",
    "shouted",
    "joked",
    "jokes",
    "contended",
    "contends",
    "vowed",
    "vows",
    "pledged",
    "promised",
    "promises",
    "agreed",
    "agrees",
    "believes",
    "thinks",
    "thought",
    "felt",
    "feels",
    "reported",
    "reports",
    "according",
];

/// Whether a word is a speech verb, without allocating for the common lower-case word.
pub fn is_speech_verb(word: &str) -> bool {
    static VERBS: std::sync::OnceLock<rustc_hash::FxHashSet<&'static [u8]>> =
        std::sync::OnceLock::new();
    let verbs = VERBS.get_or_init(|| SPEECH_VERBS.iter().map(|v| v.as_bytes()).collect());
    if word.len() > 12 {
        return false;
    }
    if word.bytes().all(|b| b.is_ascii_lowercase()) {
        verbs.contains(word.as_bytes())
    } else if word.is_ascii() {
        // "Said", "SAYS": lowercased on the stack; every word of a body is asked.
        let mut lower = [0u8; 12];
        let lower = &mut lower[..word.len()];
        lower.copy_from_slice(word.as_bytes());
        lower.make_ascii_lowercase();
        verbs.contains(&*lower)
    } else {
        verbs.contains(word.to_lowercase().as_bytes())
    }
}

/// Third-person pronouns; "I" and "we" belong inside quotes, not to a reporter's cue.
const PRONOUNS: &[&str] = &["he", "she", "they"];

/// Role nouns that stand for a person named earlier ("the president said").
const ROLES: &[&str] = &[
    "president",
    "minister",
    "spokesman",
    "spokeswoman",
    "spokesperson",
    "official",
    "senator",
    "governor",
    "mayor",
    "chairman",
    "chairwoman",
    "leader",
    "candidate",
    "nominee",
    "secretary",
    "ambassador",
    "chief",
    "director",
    "executive",
    "lawmaker",
    "congressman",
    "congresswoman",
    "representative",
    "analyst",
    "adviser",
    "advisor",
    "aide",
    "prosecutor",
    "judge",
    "general",
    "commander",
    "premier",
    "chancellor",
    "king",
    "queen",
];

fn is_open(c: char) -> bool {
    matches!(c, '\u{201c}' | '"')
}

fn is_close(c: char) -> bool {
    matches!(c, '\u{201d}' | '"')
}

/// Direct quotation spans (inside the marks), in order. A quote still open at a paragraph's end
/// closes there: the next paragraph, opening with a mark, continues it.
fn direct_spans(body: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut open: Option<usize> = None;
    // Only quotation marks and newlines matter, found by their first byte (the curly marks'
    // is 0xE2) rather than by decoding every character.
    for i in memchr::memchr3_iter(b'"', b'\n', 0xE2, body.as_bytes()) {
        let Some(c) = body[i..].chars().next() else {
            continue;
        };
        match open {
            None if is_open(c) => open = Some(i + c.len_utf8()),
            Some(start) if is_close(c) => {
                if i > start {
                    spans.push((start, i));
                }
                open = None;
            }
            Some(start) if c == '\n' => {
                // A paragraph ends (a blank line, or a single newline in one-line-per-paragraph text).
                let para_end =
                    body.as_bytes().get(i + 1) == Some(&b'\n') || !body[..start].contains("\n\n");
                if para_end {
                    let text_end = body[..i].trim_end().len();
                    if text_end > start {
                        spans.push((start, text_end));
                    }
                    open = None;
                }
            }
            _ => {}
        }
    }
    if let Some(start) = open {
        let end = body.trim_end().len();
        if end > start {
            spans.push((start, end));
        }
    }
    spans
}

/// A markup attribute's value (`author="…"` in an embedded tweet), not speech.
fn is_attribute_value(body: &str, start: usize) -> bool {
    body[..start]
        .trim_end_matches(['"', '\u{201c}'])
        .ends_with('=')
}

/// Finds and attributes the quotes of an article body, given its actors.
pub fn extract(body: &str, actors: &Actors) -> Vec<Quote> {
    extract_cut(body, &tokens::tokenize(body), actors)
}

/// [`extract`] for a body already cut into tokens (`toks`).
pub fn extract_cut(body: &str, toks: &[Token], actors: &Actors) -> Vec<Quote> {
    let sentences = tokens::sentences(toks);
    let word = |i: usize| toks[i].text(body);
    let lower = |i: usize| word(i).to_lowercase();
    let is_verb = |i: usize| is_speech_verb(word(i));
    // Body mentions by token: the actor a token belongs to.
    let actor_at = |start: usize, end: usize| {
        actors
            .mentions
            .iter()
            .find(|m| !m.in_title && m.start < end && start < m.end)
            .map(|m| (m.actor, m.start, m.end))
    };
    let persons_before = |pos: usize| {
        actors
            .mentions
            .iter()
            .rfind(|m| {
                !m.in_title && m.end <= pos && actors.actors[m.actor].kind == ActorKind::Person
            })
            .map(|m| m.actor)
    };
    // The speaker named at token i (or starting there), for a cue at token `cue`.
    let speaker_at = |i: usize, cue_start: usize| -> Option<(Option<usize>, (usize, usize))> {
        let t = &toks[i];
        if let Some((actor, s, e)) = actor_at(t.start, t.end) {
            // Places do not speak ("in Phoenix, suggests"); people and organisations do.
            if actors.actors[actor].kind != ActorKind::Place {
                return Some((Some(actor), (s, e)));
            }
            return None;
        }
        let w = lower(i);
        if PRONOUNS.contains(&w.as_str()) {
            return Some((persons_before(cue_start), (t.start, t.end)));
        }
        if ROLES.contains(&w.as_str()) {
            return Some((persons_before(cue_start), (t.start, t.end)));
        }
        None
    };
    let token_index = |pos: usize| toks.partition_point(|t| t.end <= pos);
    let sentence_of = |ti: usize| {
        let s = sentences.partition_point(|r| r.end <= ti);
        (s < sentences.len()).then_some(s)
    };

    let mut quotes = Vec::new();
    let direct: Vec<(usize, usize)> = direct_spans(body)
        .into_iter()
        .filter(|&(s, _)| !is_attribute_value(body, s))
        .collect();
    let mut covered: Vec<(usize, usize)> = Vec::new();
    for (qs, qe) in direct {
        let first = token_index(qs);
        let mut cue = None;
        let mut speaker = None;
        // After the quote: skip closing marks and commas, then "X said", "said X", "he said".
        let mut j = token_index(qe);
        while j < toks.len() && matches!(word(j), "\u{201d}" | "\"" | "," | "'") {
            j += 1;
        }
        // A cue after the quote stands in the same paragraph.
        if j < toks.len() && !body.get(qe..toks[j].start).unwrap_or("").contains('\n') {
            if is_verb(j) {
                cue = Some(j);
                speaker =
                    (j + 1..(j + 6).min(toks.len())).find_map(|k| speaker_at(k, toks[j].start));
            } else {
                // The first speech verb within a few words, before the sentence ends.
                let verb = (j..(j + 6).min(toks.len()))
                    .take_while(|&k| !matches!(word(k), "." | "\u{201c}" | "\""))
                    .find(|&k| is_verb(k));
                if let Some(k) = verb {
                    cue = Some(k);
                    let at = toks[k].start;
                    speaker = (j..k).rev().find_map(|s| speaker_at(s, at));
                }
            }
        }
        // Before the quote: "X said: “…”", or a partial quote inside a sentence with a speech verb.
        if cue.is_none() && first > 0 {
            let sentence_start =
                sentence_of(first.saturating_sub(1)).map_or(0, |s| sentences[s].start);
            for k in (sentence_start..first.saturating_sub(1)).rev() {
                if is_verb(k) {
                    cue = Some(k);
                    speaker = (sentence_start..k)
                        .rev()
                        .find_map(|s| speaker_at(s, toks[k].start));
                    break;
                }
            }
        }
        let (speaker, speaker_span) = match speaker {
            Some((actor, span)) => (actor, Some(span)),
            None => (None, None),
        };
        quotes.push(Quote {
            start: qs,
            end: qe,
            text: body[qs..qe].to_string(),
            direct: true,
            cue: cue.map(|k| (toks[k].start, toks[k].end, word(k).to_string())),
            speaker_span,
            speaker,
        });
        covered.push((qs, qe));
    }
    // A quote with no cue of its own continues the quote just before it: the next sentence of
    // the same paragraph ("…,” he said. “We are ready.”) or the next paragraph.
    for i in 1..quotes.len() {
        if quotes[i].cue.is_none() && quotes[i].speaker.is_none() {
            let between = &body[quotes[i - 1].end..quotes[i].start];
            let breaks = between.matches('\n').count();
            let names_someone_else = actors.mentions.iter().any(|m| {
                !m.in_title
                    && m.start >= quotes[i - 1].end
                    && m.end <= quotes[i].start
                    && Some(m.actor) != quotes[i - 1].speaker
                    && actors.actors[m.actor].kind == ActorKind::Person
            });
            if between.len() < 80 && breaks <= 2 && !names_someone_else {
                quotes[i].speaker = quotes[i - 1].speaker;
                quotes[i].speaker_span = quotes[i - 1].speaker_span;
            }
        }
    }

    // Indirect speech: "SPEAKER said (that) CLAUSE." outside quotation marks.
    let inside = |pos: usize| covered.iter().any(|&(s, e)| s <= pos && pos < e + 3);
    for range in &sentences {
        for k in range.clone() {
            if !is_verb(k) || word(k).eq_ignore_ascii_case("according") || inside(toks[k].start) {
                continue;
            }
            let Some(next) = (k + 1 < range.end).then_some(k + 1) else {
                continue;
            };
            // The clause must follow directly ("said that …", "said Azerbaijan …"), not a quote.
            if matches!(word(next), "\u{201c}" | "\"" | ":" | "," | "." | "\u{201d}") {
                continue;
            }
            let Some((actor, span)) = (range.start..k)
                .rev()
                .take(4)
                .find_map(|s| speaker_at(s, toks[k].start))
            else {
                continue;
            };
            let clause_start = if lower(next) == "that" && next + 1 < range.end {
                next + 1
            } else {
                next
            };
            let mut clause_end = range.end - 1;
            while clause_end > clause_start
                && matches!(word(clause_end), "." | "\u{201d}" | "\"" | "!" | "?")
            {
                clause_end -= 1;
            }
            if clause_end <= clause_start || inside(toks[clause_start].start) {
                continue;
            }
            let (s, e) = (toks[clause_start].start, toks[clause_end].end);
            if e - s < 12 {
                continue;
            }
            quotes.push(Quote {
                start: s,
                end: e,
                text: body[s..e].to_string(),
                direct: false,
                cue: Some((toks[k].start, toks[k].end, word(k).to_string())),
                speaker_span: Some(span),
                speaker: actor,
            });
            break;
        }
    }
    quotes.sort_by_key(|q| q.start);
    quotes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::actors;
    use crate::extract::gazetteer::Gazetteer;
    use crate::extract::ner::Tagger;

    fn quotes_of(body: &str) -> (Vec<Quote>, Actors) {
        let a = actors::extract("", body, Tagger::embedded().unwrap(), Gazetteer::embedded());
        (extract(body, &a), a)
    }

    fn speaker(q: &Quote, a: &Actors) -> String {
        q.speaker
            .map(|s| a.actors[s].name.clone())
            .unwrap_or_default()
    }

    #[test]
    fn speech_verbs_are_found_in_any_case() {
        for verb in ["said", "Said", "SAYS", "Told", "according"] {
            assert!(is_speech_verb(verb), "{verb}");
        }
        for word in [
            "sad",
            "Saidx",
            "SAIDS",
            "Minister",
            "",
            "décidé",
            "acknowledgement",
        ] {
            assert!(!is_speech_verb(word), "{word}");
        }
    }

    #[test]
    fn direct_quotes_after_and_before_their_cues() {
        let body = "Finance Minister Maria Lindqvist spoke in Oslo.\n\u{201c}We will not raise taxes,\u{201d} Lindqvist said.\nLater she added: \u{201c}The budget is balanced.\u{201d}\n\u{201c}Nobody expected it,\u{201d} said Lindqvist.";
        let (q, a) = quotes_of(body);
        let direct: Vec<&Quote> = q.iter().filter(|q| q.direct).collect();
        assert_eq!(direct.len(), 3, "{q:?}");
        assert_eq!(direct[0].text, "We will not raise taxes,");
        for d in &direct {
            assert_eq!(speaker(d, &a), "Maria Lindqvist", "{d:?}");
        }
        assert_eq!(direct[1].cue.as_ref().map(|c| c.2.as_str()), Some("added"));
    }

    #[test]
    fn pronouns_and_continuation_paragraphs_go_to_the_last_person() {
        let body = "Governor Tomas Berg visited the dam on Monday.\n\n\u{201c}The water is high,\u{201d} he said. \u{201c}We are ready.\n\n\u{201c}Nobody will be left behind.\u{201d}";
        let (q, a) = quotes_of(body);
        let direct: Vec<&Quote> = q.iter().filter(|q| q.direct).collect();
        assert_eq!(direct.len(), 3, "{direct:?}");
        for d in &direct {
            assert_eq!(speaker(d, &a), "Tomas Berg", "{d:?}");
        }
    }

    #[test]
    fn indirect_speech_after_a_speech_verb() {
        let body =
            "Mayor Teresa Almeida said the city will not approve a second toll on the bridge.";
        let (q, a) = quotes_of(body);
        assert_eq!(q.len(), 1, "{q:?}");
        assert!(!q[0].direct);
        assert_eq!(
            q[0].text,
            "the city will not approve a second toll on the bridge"
        );
        assert_eq!(speaker(&q[0], &a), "Teresa Almeida");
    }

    #[test]
    fn straight_quotes_and_partial_quotes_inside_a_sentence() {
        let body = "Minister Joseph Mwangi said the state had \"no plan\" to ration water.";
        let (q, a) = quotes_of(body);
        let direct: Vec<&Quote> = q.iter().filter(|q| q.direct).collect();
        assert_eq!(direct.len(), 1);
        assert_eq!(direct[0].text, "no plan");
        assert_eq!(speaker(direct[0], &a), "Joseph Mwangi");
    }

    #[test]
    fn markup_attribute_values_are_not_quotes() {
        let body = "Governor Ana Ruiz said the dam was safe.\n\n<blockquote class=\"tweet\" author=\"anaruiz\">The dam is safe.</blockquote>";
        let (q, _) = quotes_of(body);
        assert!(q.iter().all(|q| !q.direct), "{q:?}");
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;
    use crate::extract::actors;
    use crate::extract::gazetteer::Gazetteer;
    use crate::extract::ner::Tagger;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        /// Any text: no panic, every quote a valid span of the body with a valid speaker.
        #[test]
        fn quotes_are_valid_spans_of_any_text(
            body in "(([A-Z][a-z]{0,8}|[a-z]{1,8}|said|told|he|she|\\(|\\)|'s|[.,;:!?\"\u{201c}\u{201d}\u{2018}\u{2019}']|\\n|\\n\\n|\\PC)( |\\n){0,2}){0,100}",
        ) {
            let found = actors::extract("", &body, Tagger::embedded().unwrap(), Gazetteer::embedded());
            for q in extract(&body, &found) {
                prop_assert!(q.start <= q.end && q.end <= body.len());
                prop_assert_eq!(body.get(q.start..q.end), Some(q.text.as_str()));
                prop_assert!(q.speaker.is_none_or(|s| s < found.actors.len()));
            }
        }
    }
}
