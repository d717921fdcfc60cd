//! Gazetteers: lists of known places and organisations with their aliases and demonyms, from
//! `index_schema/actors/` (embedded) and optionally a user's file. The tagger uses matches as
//! features; actor resolution uses them to give "U.S.", "US" and "United States" one id.

use rustc_hash::FxHashMap;
use std::path::Path;
use std::sync::OnceLock;

use super::tokens::tokenize;

const COUNTRIES: &str = include_str!("../../index_schema/actors/countries.tsv");
const CITIES: &str = include_str!("../../index_schema/actors/cities.tsv");
const ORGANISATIONS: &str = include_str!("../../index_schema/actors/organisations.tsv");

/// What kind of actor an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ActorKind {
    Person,
    Organisation,
    Place,
}

impl ActorKind {
    pub fn name(self) -> &'static str {
        match self {
            ActorKind::Person => "person",
            ActorKind::Organisation => "organisation",
            ActorKind::Place => "place",
        }
    }

    pub fn parse(s: &str) -> Option<ActorKind> {
        Some(match s.to_ascii_lowercase().as_str() {
            "person" | "per" | "people" => ActorKind::Person,
            "organisation" | "organization" | "org" | "orgs" => ActorKind::Organisation,
            "place" | "loc" | "location" | "places" => ActorKind::Place,
            _ => return None,
        })
    }
}

/// Which list an entry came from; the tagger sees this as a feature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum List {
    Country,
    City,
    Organisation,
    Demonym,
    User,
}

impl List {
    pub fn name(self) -> &'static str {
        match self {
            List::Country => "country",
            List::City => "city",
            List::Organisation => "org",
            List::Demonym => "demonym",
            List::User => "user",
        }
    }
}

/// One known actor.
#[derive(Debug, Clone)]
pub struct Entry {
    pub name: String,
    pub kind: ActorKind,
    /// For a city, the entry of its country.
    pub country: Option<usize>,
}

/// A match of an alias over tokens `start..end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Match {
    pub start: usize,
    pub end: usize,
    pub entry: usize,
    pub list: List,
}

#[derive(Debug, Default)]
pub struct Gazetteer {
    pub entries: Vec<Entry>,
    /// Lower-cased alias tokens joined by spaces → (entry, list).
    aliases: FxHashMap<String, (usize, List)>,
    /// First alias token → the longest alias starting with it, in tokens.
    first: FxHashMap<String, usize>,
    /// The tagger's lower-case word keys of those first tokens, for a quick test.
    first_keys: rustc_hash::FxHashSet<u64>,
    user_entries: bool,
}

/// The alias key of a name: its tokens, lower-cased, joined by single spaces.
pub fn key(name: &str) -> String {
    let toks = tokenize(name);
    let mut out = String::with_capacity(name.len());
    for (i, t) in toks.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let word = super::ner::normalise(t.text(name));
        if word.is_ascii() {
            // Lower-cased in place: a fresh string per word showed in profiles.
            let start = out.len();
            out.push_str(&word);
            out[start..].make_ascii_lowercase();
        } else {
            out.push_str(&word.to_lowercase());
        }
    }
    out
}

impl Gazetteer {
    /// The lists shipped in `index_schema/actors/`.
    pub fn embedded() -> &'static Gazetteer {
        static G: OnceLock<Gazetteer> = OnceLock::new();
        G.get_or_init(|| {
            let mut g = Gazetteer::default();
            g.add_table(COUNTRIES, ActorKind::Place, List::Country);
            g.add_table(CITIES, ActorKind::Place, List::City);
            g.add_table(ORGANISATIONS, ActorKind::Organisation, List::Organisation);
            g
        })
    }

    /// The embedded lists plus a user's file of `name<TAB>type<TAB>aliases` lines.
    pub fn with_user_file(path: &Path) -> Result<Gazetteer, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("--actors {}: {e}", path.display()))?;
        let mut g = Gazetteer::default();
        g.add_table(COUNTRIES, ActorKind::Place, List::Country);
        g.add_table(CITIES, ActorKind::Place, List::City);
        g.add_table(ORGANISATIONS, ActorKind::Organisation, List::Organisation);
        for (n, line) in text.lines().enumerate() {
            let line = line.trim_end();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let cols: Vec<&str> = line.split('\t').collect();
            let kind = cols.get(1).and_then(|k| ActorKind::parse(k)).ok_or_else(|| {
                format!("--actors {} line {}: expected NAME<TAB>person|organisation|place<TAB>ALIASES", path.display(), n + 1)
            })?;
            let entry = g.add_entry(cols[0], kind);
            g.user_entries = true;
            g.add_alias(cols[0], entry, List::User);
            for alias in cols.get(2).into_iter().flat_map(|a| a.split('|')) {
                g.add_alias(alias, entry, List::User);
            }
        }
        Ok(g)
    }

    fn add_table(&mut self, text: &str, kind: ActorKind, list: List) {
        for line in text.lines() {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            let cols: Vec<&str> = line.split('\t').collect();
            let name = cols[0].trim();
            if self.aliases.contains_key(&key(name)) {
                continue; // a city that is also a capital, listed once
            }
            let entry = self.add_entry(name, kind);
            self.add_alias(name, entry, list);
            for alias in cols.get(1).into_iter().flat_map(|a| a.split('|')) {
                self.add_alias(alias, entry, list);
            }
            if list == List::City {
                self.entries[entry].country = cols
                    .get(2)
                    .and_then(|c| self.lookup(c.trim()))
                    .map(|(e, _)| e);
            }
            if list == List::Country {
                for demonym in cols.get(2).into_iter().flat_map(|a| a.split('|')) {
                    self.add_alias(demonym, entry, List::Demonym);
                }
                if let Some(capital) = cols.get(3).map(|c| c.trim()).filter(|c| !c.is_empty()) {
                    if !self.aliases.contains_key(&key(capital)) {
                        let city = self.add_entry(capital, ActorKind::Place);
                        self.entries[city].country = Some(entry);
                        self.add_alias(capital, city, List::City);
                    }
                }
            }
        }
    }

    fn add_entry(&mut self, name: &str, kind: ActorKind) -> usize {
        self.entries.push(Entry {
            name: name.trim().to_string(),
            kind,
            country: None,
        });
        self.entries.len() - 1
    }

    fn add_alias(&mut self, alias: &str, entry: usize, list: List) {
        let k = key(alias.trim());
        if k.is_empty() || self.aliases.contains_key(&k) {
            return;
        }
        let len = k.split(' ').count();
        let first = k.split(' ').next().unwrap_or_default().to_string();
        self.first_keys
            .insert(super::ner::features::Keys::of(&first).lower);
        let longest = self.first.entry(first).or_default();
        *longest = (*longest).max(len);
        self.aliases.insert(k, (entry, list));
    }

    /// Whether a user's list was added.
    pub fn has_user_entries(&self) -> bool {
        self.user_entries
    }

    /// Whether an alias may start with the word whose lower-case key is `lower_key`.
    pub fn may_start(&self, lower_key: u64) -> bool {
        self.first_keys.contains(&lower_key)
    }

    /// The entry an alias names, if any.
    pub fn lookup(&self, name: &str) -> Option<(usize, List)> {
        self.aliases.get(&key(name)).copied()
    }

    /// Longest non-overlapping matches over lower-cased, normalised tokens.
    pub fn matches(&self, lower: &[String]) -> Vec<Match> {
        let mut known = vec![None; lower.len()];
        self.longest_matches(&mut known, |_| true, |i| lower[i].clone())
    }

    /// [`Gazetteer::matches`] over words as written, with the tagger's keys of them: a word
    /// is lower-cased only where an alias may start (by its key) or continue, where
    /// lower-casing every word of every sentence cost an allocation a word.
    pub fn matches_keyed<S: AsRef<str>>(
        &self,
        words: &[S],
        keys: &[super::ner::features::Keys],
    ) -> Vec<Match> {
        let mut known = vec![None; words.len()];
        self.longest_matches(
            &mut known,
            |i| self.may_start(keys[i].lower),
            |i| super::ner::normalise(words[i].as_ref()).to_lowercase(),
        )
    }

    /// Longest non-overlapping matches, left to right, over the words whose lower-case forms
    /// `lower` holds or `make` gives (and `lower` then keeps). `may_start` may rule a word out
    /// as an alias's first before its form is made; it must hold for every word that is one.
    fn longest_matches(
        &self,
        lower: &mut [Option<String>],
        may_start: impl Fn(usize) -> bool,
        make: impl Fn(usize) -> String,
    ) -> Vec<Match> {
        let n = lower.len();
        let mut out = Vec::new();
        let mut alias = String::new();
        let mut i = 0;
        while i < n {
            if !may_start(i) {
                i += 1;
                continue;
            }
            let first = lower[i].get_or_insert_with(|| make(i));
            let Some(&longest) = self.first.get(first.as_str()) else {
                i += 1;
                continue;
            };
            let mut found = None;
            for len in (1..=longest.min(n - i)).rev() {
                alias.clear();
                for (j, word) in lower.iter_mut().enumerate().skip(i).take(len) {
                    if j > i {
                        alias.push(' ');
                    }
                    alias.push_str(word.get_or_insert_with(|| make(j)));
                }
                if let Some(&(entry, list)) = self.aliases.get(alias.as_str()) {
                    found = Some(Match {
                        start: i,
                        end: i + len,
                        entry,
                        list,
                    });
                    break;
                }
            }
            match found {
                Some(m) => {
                    i = m.end;
                    out.push(m);
                }
                None => i += 1,
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lower(s: &str) -> Vec<String> {
        s.split(' ').map(str::to_lowercase).collect()
    }

    #[test]
    fn aliases_share_one_entry() {
        let g = Gazetteer::embedded();
        let us = g.lookup("United States").unwrap().0;
        assert_eq!(g.lookup("U.S.").unwrap().0, us);
        assert_eq!(g.lookup("US").unwrap().0, us);
        assert_eq!(g.entries[us].name, "United States");
        let (oic, list) = g.lookup("Organization of Islamic Cooperation").unwrap();
        assert_eq!(
            (g.lookup("OIC").unwrap().0, list),
            (oic, List::Organisation)
        );
        assert_eq!(
            g.lookup("Azerbaijani")
                .map(|(e, l)| (g.entries[e].name.as_str(), l)),
            Some(("Azerbaijan", List::Demonym))
        );
        assert_eq!(
            g.lookup("Baku").map(|(e, _)| g.entries[e].kind),
            Some(ActorKind::Place)
        );
    }

    /// Lower-casing only where an alias may start gives the same matches as lower-casing all.
    #[test]
    fn keyed_matches_are_the_matches_of_the_lower_cased_words() {
        use crate::extract::ner::{features::Keys, normalise};
        let g = Gazetteer::embedded();
        for sentence in [
            "The United Nations Security Council met in New York on Monday",
            "officials in new york and the U.S. State Department said",
            "NEW YORK ( Reuters ) - The European Union and Japan",
            "Talks in Washington , D.C. ended ; Beijing “ welcomed ” them",
            "nothing here at all",
        ] {
            let words: Vec<&str> = sentence.split(' ').collect();
            let keys: Vec<Keys> = words.iter().map(|w| Keys::of(w)).collect();
            let lower: Vec<String> = words.iter().map(|w| normalise(w).to_lowercase()).collect();
            assert_eq!(
                g.matches_keyed(&words, &keys),
                g.matches(&lower),
                "{sentence}"
            );
        }
        assert!(!g.matches(&lower("in new york")).is_empty());
    }

    #[test]
    fn longest_match_wins() {
        let g = Gazetteer::embedded();
        let m = g.matches(&lower(
            "the united nations security council met in new york",
        ));
        let names: Vec<&str> = m.iter().map(|m| g.entries[m.entry].name.as_str()).collect();
        assert_eq!(names, vec!["United Nations Security Council", "New York"]);
    }
}
