//! Actors: the people, organisations and places an article mentions, found by the tagger and
//! resolved to canonical names.
//!
//! Resolution, within an article: titles and honorifics are stripped ("President Ilham
//! Aliyev" → "Ilham Aliyev"), a surname or partial name goes to the full name it belongs to
//! ("Aliyev" → "Ilham Aliyev"), an acronym defined in the text ("Organization of Islamic
//! Cooperation (OIC)") goes to its long form. Across the archive, gazetteer aliases ("U.S.",
//! "US", "United States") share one actor. An actor's id is its type and canonical name,
//! `person:Ilham Aliyev`, stable wherever the name is met.

use rustc_hash::FxHashMap as HashMap;
use std::cell::RefCell;

use serde::Serialize;

use super::gazetteer::{ActorKind, Gazetteer, List};
use super::ner::{labels::spans, Cache, Kind, Tagger};
use super::tokens::{self, ArticleTokens, Token};

/// One resolved actor of an article.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Actor {
    /// `kind:Canonical Name`.
    pub id: String,
    pub name: String,
    pub kind: ActorKind,
    /// The forms the article used for it ("Aliyev", "OIC"), canonical name first.
    pub forms: Vec<String>,
}

/// A mention in the text: a byte span and the actor it resolves to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mention {
    /// Byte range in the text it was found in (the body, or the title when `in_title`).
    pub start: usize,
    pub end: usize,
    pub in_title: bool,
    pub text: String,
    /// Index into [`Actors::actors`].
    pub actor: usize,
}

/// Everything actor extraction finds in one article.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Actors {
    pub actors: Vec<Actor>,
    pub mentions: Vec<Mention>,
}

/// An actor's typed id, `person:Ilham Aliyev` (built by hand: `format!` showed in profiles).
fn actor_id(kind: ActorKind, name: &str) -> String {
    let kind = kind.name();
    let mut id = String::with_capacity(kind.len() + 1 + name.len());
    id.push_str(kind);
    id.push(':');
    id.push_str(name);
    id
}

impl Actor {
    pub fn new(kind: ActorKind, name: &str) -> Actor {
        Actor {
            id: actor_id(kind, name),
            name: name.to_string(),
            kind,
            forms: vec![name.to_string()],
        }
    }
}

/// Titles and honorifics that may open a person mention and are not part of the name.
const TITLES: &[&str] = &[
    "mr",
    "mr.",
    "mrs",
    "mrs.",
    "ms",
    "ms.",
    "dr",
    "dr.",
    "prof",
    "prof.",
    "president",
    "vice",
    "prime",
    "minister",
    "premier",
    "chancellor",
    "secretary",
    "governor",
    "gov.",
    "mayor",
    "senator",
    "sen.",
    "representative",
    "rep.",
    "general",
    "gen.",
    "colonel",
    "col.",
    "captain",
    "capt.",
    "lieutenant",
    "lt.",
    "sergeant",
    "sgt.",
    "admiral",
    "adm.",
    "king",
    "queen",
    "prince",
    "princess",
    "pope",
    "sheikh",
    "emir",
    "judge",
    "justice",
    "chairman",
    "chairwoman",
    "ambassador",
    "envoy",
    "spokesman",
    "spokeswoman",
    "director",
    "chief",
    "executive",
    "leader",
    "foreign",
    "defence",
    "defense",
    "finance",
    "interior",
    "sir",
    "dame",
    "lord",
    "lady",
    "saint",
    "st.",
    "the",
];

/// Capitalised words that open sentences and are never actors on their own.
const NEVER_ALONE: &[&str] = &[
    "despite",
    "regarding",
    "recalling",
    "however",
    "meanwhile",
    "although",
    "according",
    "following",
    "after",
    "before",
    "during",
    "while",
    "since",
    "because",
    "but",
    "and",
    "the",
    "a",
    "an",
    "this",
    "that",
    "these",
    "those",
    "it",
    "he",
    "she",
    "they",
    "we",
    "i",
    "you",
    "his",
    "her",
    "their",
    "our",
    "my",
    "in",
    "on",
    "at",
    "for",
    "with",
    "from",
    "by",
    "as",
    "if",
    "when",
    "where",
    "what",
    "who",
    "why",
    "how",
    "no",
    "not",
    "yes",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "today",
    "yesterday",
    "tomorrow",
    "mr",
    "mrs",
    "ms",
    "dr",
    "president",
    "minister",
    "reuters",
    "reuter",
];

thread_local! {
    /// Each thread tags with its own word cache, kept across articles.
    static CACHE: RefCell<Cache> = RefCell::new(Cache::default());
}

/// Finds and resolves the actors of an article.
pub fn extract(title: &str, body: &str, tagger: &Tagger, gazetteer: &Gazetteer) -> Actors {
    extract_cut(
        title,
        body,
        &ArticleTokens::new(title, body),
        tagger,
        gazetteer,
    )
}

/// [`extract`] for an article already cut into tokens (`cut`, of `title` and `body`).
pub fn extract_cut(
    title: &str,
    body: &str,
    cut: &ArticleTokens,
    tagger: &Tagger,
    gazetteer: &Gazetteer,
) -> Actors {
    let (title_tokens, body_tokens) = (&cut.title, &cut.body);
    let title_sentences = tokens::sentences(title_tokens);
    let body_sentences = tokens::sentences(body_tokens);
    let words: Vec<Vec<&str>> = title_sentences
        .iter()
        .map(|r| {
            title_tokens[r.clone()]
                .iter()
                .map(|t| t.text(title))
                .collect()
        })
        .chain(body_sentences.iter().map(|r| {
            body_tokens[r.clone()]
                .iter()
                .map(|t| t.text(body))
                .collect()
        }))
        .collect();
    let labels = CACHE.with(|c| tagger.tag(&words, &mut c.borrow_mut()));

    // Raw mentions, in text order: (first token, last token + 1, kind, in title, sentence's tokens).
    let mut raw: Vec<RawMention> = Vec::new();
    let sources = title_sentences
        .iter()
        .map(|r| (r.clone(), true))
        .chain(body_sentences.iter().map(|r| (r.clone(), false)));
    for ((range, in_title), labels) in sources.zip(&labels) {
        let (toks, text): (&[Token], &str) = if in_title {
            (title_tokens, title)
        } else {
            (body_tokens, body)
        };
        let sentence = &toks[range.clone()];
        let tagged = spans(labels);
        let mut found: Vec<(usize, usize, ActorKind)> = tagged
            .iter()
            .filter_map(|&(s, e, kind)| {
                let kind = match kind {
                    Kind::Person => ActorKind::Person,
                    Kind::Organisation => ActorKind::Organisation,
                    Kind::Place => ActorKind::Place,
                    Kind::Misc => return None,
                };
                Some((s, e, kind))
            })
            .collect();
        // The user's own list (--actors FILE) is matched as written, where the tagger saw nothing.
        if gazetteer.has_user_entries() {
            let lower: Vec<String> = sentence
                .iter()
                .map(|t| super::ner::normalise(t.text(text)).to_lowercase())
                .collect();
            for m in gazetteer
                .matches(&lower)
                .into_iter()
                .filter(|m| m.list == List::User)
            {
                if !tagged.iter().any(|&(s, e, _)| s < m.end && m.start < e) {
                    found.push((m.start, m.end, gazetteer.entries[m.entry].kind));
                }
            }
            found.sort_by_key(|&(s, _, _)| s);
        }
        for (s, e, kind) in found {
            for (kind, s, e) in repair(kind, sentence, s, e, text, gazetteer) {
                let words: Vec<&str> = sentence[s..e].iter().map(|t| t.text(text)).collect();
                let (skip, words) = strip_titles(kind, &words);
                if words.is_empty() || is_common(words, s + skip == 0, tagger) {
                    continue;
                }
                let first = &sentence[s + skip];
                let last = &sentence[e - 1];
                let next = |k: usize| sentence.get(e + k).map(|t| t.text(text));
                let acronym = (next(0) == Some("(") && next(2) == Some(")"))
                    .then(|| next(1))
                    .flatten()
                    .filter(|a| is_acronym_of(a, words))
                    .map(str::to_string);
                raw.push(RawMention {
                    start: first.start,
                    end: last.end,
                    in_title,
                    text: text[first.start..last.end].to_string(),
                    words: words.iter().map(|w| w.to_string()).collect(),
                    kind,
                    acronym,
                });
            }
        }
    }
    // Title-case headlines fool the tagger ("Central Bank Holds Rates"): an actor met only
    // in the title is kept when the body names it too.
    let in_body: Vec<String> = raw
        .iter()
        .filter(|m| !m.in_title)
        .map(|m| m.words.join(" ").to_lowercase())
        .collect();
    let mut resolved = resolve(raw, gazetteer);
    let body_actors: Vec<bool> = (0..resolved.actors.len())
        .map(|a| {
            resolved
                .mentions
                .iter()
                .any(|m| m.actor == a && !m.in_title)
                || resolved.actors[a]
                    .forms
                    .iter()
                    .any(|f| in_body.contains(&f.to_lowercase()))
        })
        .collect();
    resolved.retain_actors(&body_actors);
    resolved
}

impl Actors {
    /// Keeps the actors marked true, and their mentions.
    fn retain_actors(&mut self, keep: &[bool]) {
        let mut new_index = vec![usize::MAX; self.actors.len()];
        let mut kept = Vec::new();
        for (i, actor) in std::mem::take(&mut self.actors).into_iter().enumerate() {
            if keep[i] {
                new_index[i] = kept.len();
                kept.push(actor);
            }
        }
        self.actors = kept;
        self.mentions.retain(|m| new_index[m.actor] != usize::MAX);
        for m in &mut self.mentions {
            m.actor = new_index[m.actor];
        }
    }
}

struct RawMention {
    start: usize,
    end: usize,
    in_title: bool,
    text: String,
    words: Vec<String>,
    kind: ActorKind,
    /// An acronym defined right after the mention: "… Cooperation (OIC)".
    acronym: Option<String>,
}

/// Mends the tagger's commonest slips around titles: "U.S. Representative" (a title after a
/// place is not an organisation: the place is kept) and "United Nations Mike Waltz" (a known
/// name followed by a person's name: split in two). Returns (kind, start, end) token spans.
fn repair(
    kind: ActorKind,
    sentence: &[Token],
    s: usize,
    e: usize,
    text: &str,
    gazetteer: &Gazetteer,
) -> Vec<(ActorKind, usize, usize)> {
    if kind == ActorKind::Person {
        return vec![(kind, s, e)];
    }
    let word = |i: usize| sentence[i].text(text);
    let mut end = e;
    while end > s + 1 && TITLES.contains(&word(end - 1).to_lowercase().as_str()) {
        end -= 1;
    }
    let kind_of = |from: usize, to: usize| {
        let name: Vec<&str> = (from..to).map(word).collect();
        gazetteer
            .lookup(&name.join(" "))
            .map(|(entry, _)| gazetteer.entries[entry].kind)
    };
    if end < e {
        return vec![(kind_of(s, end).unwrap_or(kind), s, end)];
    }
    // The longest known name at the start, then two or three capitalised words.
    let rest_is_name = |from: usize| {
        let n = e - from;
        (2..=3).contains(&n)
            && (from..e).all(|i| {
                let w = word(i);
                let mut chars = w.chars();
                chars.next().is_some_and(char::is_uppercase)
                    && chars.all(|c| c.is_lowercase() || c == '-' || c == '\'')
            })
            && kind_of(from, e).is_none()
    };
    for split in (s + 1..e).rev() {
        if let Some(prefix_kind) = kind_of(s, split) {
            if rest_is_name(split) {
                return vec![(prefix_kind, s, split), (ActorKind::Person, split, e)];
            }
            break;
        }
    }
    vec![(kind, s, e)]
}

/// Drops titles and honorifics that open a person's (or any) mention.
fn strip_titles<'a, 'b>(kind: ActorKind, words: &'b [&'a str]) -> (usize, &'b [&'a str]) {
    let mut skip = 0;
    if kind == ActorKind::Person {
        while skip + 1 < words.len() && TITLES.contains(&words[skip].to_lowercase().as_str()) {
            skip += 1;
        }
    } else if words.len() > 1 && words[0].eq_ignore_ascii_case("the") {
        skip = 1;
    }
    (skip, &words[skip..])
}

/// A mention that is only a common word: a function word, or a sentence-initial word that
/// news text almost never capitalises mid-sentence.
fn is_common(words: &[&str], sentence_initial: bool, tagger: &Tagger) -> bool {
    if words.len() != 1 {
        return false;
    }
    let lower = words[0].to_lowercase();
    if NEVER_ALONE.contains(&lower.as_str()) || !words[0].chars().any(char::is_alphabetic) {
        return true;
    }
    sentence_initial && tagger.capital_bucket(&lower).is_some_and(|b| b <= 1)
}

/// "OIC" for "Organization of Islamic Cooperation": the capitals of the long form's words.
fn is_acronym_of(acronym: &str, words: &[&str]) -> bool {
    let letters: String = acronym.chars().filter(|c| c.is_alphabetic()).collect();
    if letters.len() < 2 || letters.chars().any(char::is_lowercase) {
        return false;
    }
    let initials: String = words
        .iter()
        .filter_map(|w| w.chars().next())
        .filter(|c| c.is_uppercase())
        .collect();
    initials == letters || (words.len() > 1 && initials.starts_with(&letters))
}

fn normalise_space(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn resolve(raw: Vec<RawMention>, gazetteer: &Gazetteer) -> Actors {
    // Acronyms defined in the text, and the full person names the article uses.
    let mut acronyms: HashMap<String, (ActorKind, String)> = HashMap::default();
    for m in &raw {
        if let Some(a) = &m.acronym {
            acronyms
                .entry(a.clone())
                .or_insert((m.kind, m.words.join(" ")));
        }
    }
    let full_names: Vec<(usize, &RawMention)> = raw
        .iter()
        .enumerate()
        .filter(|(_, m)| m.kind == ActorKind::Person && m.words.len() > 1)
        .collect();

    let mut out = Actors::default();
    let mut by_id: HashMap<String, usize> = HashMap::default();
    for (i, m) in raw.iter().enumerate() {
        let (kind, name) = canonical(i, m, &acronyms, &full_names, gazetteer);
        let id = actor_id(kind, &name);
        let actor = *by_id.entry(id).or_insert_with(|| {
            out.actors.push(Actor::new(kind, &name));
            out.actors.len() - 1
        });
        let form = normalise_space(&m.text);
        if !out.actors[actor].forms.contains(&form) {
            out.actors[actor].forms.push(form);
        }
        if let Some(a) = &m.acronym {
            if !out.actors[actor].forms.contains(a) {
                out.actors[actor].forms.push(a.clone());
            }
        }
        out.mentions.push(Mention {
            start: m.start,
            end: m.end,
            in_title: m.in_title,
            text: m.text.clone(),
            actor,
        });
    }
    out
}

/// The kind and canonical name of mention `i`.
fn canonical(
    i: usize,
    m: &RawMention,
    acronyms: &HashMap<String, (ActorKind, String)>,
    full_names: &[(usize, &RawMention)],
    gazetteer: &Gazetteer,
) -> (ActorKind, String) {
    let name = m.words.join(" ");
    let from_gazetteer = |name: &str, kind: ActorKind| {
        gazetteer.lookup(name).and_then(|(e, list)| {
            let entry = &gazetteer.entries[e];
            // A person called Jordan is not the country; a demonym is not a name; the user's
            // own list says what its entries are.
            let fits = list == List::User
                || (list != List::Demonym
                    && (kind != ActorKind::Person || entry.kind == ActorKind::Person));
            fits.then(|| (entry.kind, entry.name.clone()))
        })
    };
    if let Some(found) = from_gazetteer(&name, m.kind) {
        return found;
    }
    if let Some((kind, long)) = acronyms.get(&name).filter(|_| m.acronym.is_none()) {
        return from_gazetteer(long, *kind).unwrap_or((*kind, long.clone()));
    }
    if m.kind == ActorKind::Person || m.words.len() == 1 {
        // A partial name: the closest full name before it that contains all its words, else
        // the first one after it. A lone surname counts whatever the tagger called it.
        let contains = |full: &RawMention| {
            m.words.iter().all(|w| full.words.contains(w)) && full.words.len() > m.words.len()
        };
        let before = full_names.iter().rev().find(|(j, f)| *j < i && contains(f));
        let after = full_names.iter().find(|(j, f)| *j > i && contains(f));
        if let Some((_, full)) = before.or(after) {
            return (ActorKind::Person, full.words.join(" "));
        }
    }
    (m.kind, normalise_space(&name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(a: &Actors, kind: ActorKind) -> Vec<&str> {
        let mut v: Vec<&str> = a
            .actors
            .iter()
            .filter(|x| x.kind == kind)
            .map(|x| x.name.as_str())
            .collect();
        v.sort();
        v
    }

    fn extract_text(body: &str) -> Actors {
        extract("", body, Tagger::embedded().unwrap(), Gazetteer::embedded())
    }

    #[test]
    fn titles_are_stripped_and_surnames_go_to_the_full_name() {
        let a = extract_text("Finance Minister Maria Lindqvist arrived in Oslo on Monday. Lindqvist said the budget would pass. \"We are ready,\" Lindqvist told reporters.");
        assert_eq!(names(&a, ActorKind::Person), vec!["Maria Lindqvist"]);
        let person = a
            .actors
            .iter()
            .position(|x| x.name == "Maria Lindqvist")
            .unwrap();
        assert_eq!(a.mentions.iter().filter(|m| m.actor == person).count(), 3);
        assert_eq!(a.actors[person].id, "person:Maria Lindqvist");
    }

    #[test]
    fn acronyms_defined_in_the_text_link_to_the_long_form() {
        let a = extract_text("Delegates of the Coastal Fisheries Alliance (CFA) met in Lisbon. The CFA said quotas would fall.");
        let orgs = names(&a, ActorKind::Organisation);
        assert_eq!(orgs, vec!["Coastal Fisheries Alliance"]);
        let org = &a.actors[a
            .actors
            .iter()
            .position(|x| x.name == "Coastal Fisheries Alliance")
            .unwrap()];
        assert!(org.forms.contains(&"CFA".to_string()), "{:?}", org.forms);
    }

    #[test]
    fn gazetteer_aliases_share_one_actor() {
        let a = extract_text("Officials in the U.S. said the United States would act. The US embassy in Nairobi stayed open.");
        assert_eq!(
            names(&a, ActorKind::Place),
            vec!["Nairobi", "United States"]
        );
    }

    #[test]
    fn possessives_are_not_part_of_names() {
        let a = extract_text("Kenya's president spoke. Later, Azerbaijan\u{2019}s envoy replied.");
        assert_eq!(names(&a, ActorKind::Place), vec!["Azerbaijan", "Kenya"]);
    }

    #[test]
    fn sentence_initial_common_words_are_not_actors() {
        let a = extract_text("Despite the rain, the match went ahead. Regarding the vote, nothing changed. Recalling the war, she wept.");
        assert!(a.actors.is_empty(), "{:?}", a.actors);
    }

    #[test]
    fn a_title_after_a_place_and_a_name_after_an_organisation_are_mended() {
        let a = extract_text(
            "Officials were surprised by remarks from U.S. Ambassador to the United Nations Carla Benning, who later spoke again. Benning said talks would go on.",
        );
        assert_eq!(names(&a, ActorKind::Person), vec!["Carla Benning"]);
        assert_eq!(names(&a, ActorKind::Organisation), vec!["United Nations"]);
        assert_eq!(names(&a, ActorKind::Place), vec!["United States"]);
    }

    #[test]
    fn an_actor_met_only_in_a_title_case_headline_is_dropped() {
        let a = extract(
            "Central Bank Holds Rates In Vienna",
            "The bank left rates unchanged in Vienna on Thursday.",
            Tagger::embedded().unwrap(),
            Gazetteer::embedded(),
        );
        assert_eq!(names(&a, ActorKind::Organisation), Vec::<&str>::new());
        assert_eq!(names(&a, ActorKind::Place), vec!["Vienna"]);
    }

    #[test]
    fn acronym_test_needs_initials() {
        assert!(is_acronym_of(
            "OIC",
            &["Organization", "of", "Islamic", "Cooperation"]
        ));
        assert!(!is_acronym_of(
            "XYZ",
            &["Organization", "of", "Islamic", "Cooperation"]
        ));
        assert!(!is_acronym_of(
            "Oic",
            &["Organization", "of", "Islamic", "Cooperation"]
        ));
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        /// Any text: no panic, every mention a valid span of the text it names.
        #[test]
        fn mentions_are_valid_spans_of_any_text(
            title in "\\PC{0,40}",
            body in "(([A-Z][a-z]{0,8}|[a-z]{1,8}|U\\.S\\.|\\(|\\)|'s|\u{2019}s|[.,;:!?\"\u{201c}\u{201d}]|\\n\\n|[0-9]{1,4}|\\PC)( |\\n){0,2}){0,120}",
        ) {
            let found = extract(&title, &body, Tagger::embedded().unwrap(), Gazetteer::embedded());
            for m in &found.mentions {
                let text = if m.in_title { &title } else { &body };
                prop_assert!(m.start < m.end && m.end <= text.len());
                prop_assert!(text.is_char_boundary(m.start) && text.is_char_boundary(m.end));
                prop_assert_eq!(&text[m.start..m.end], m.text.as_str());
                prop_assert!(m.actor < found.actors.len());
            }
            for a in &found.actors {
                prop_assert_eq!(a.id.clone(), format!("{}:{}", a.kind.name(), a.name));
                prop_assert!(!a.name.trim().is_empty());
            }
        }
    }
}
