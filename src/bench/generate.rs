//! A deterministic synthetic news corpus for benchmarks at any size (`newsdex bench --generate N`).
//!
//! Articles are drawn from a Zipfian vocabulary (the words of the shipped keyphrase background
//! table, ranked by how many news articles use them), people from a pool of given × family
//! names (`benches/corpus/`), organisations and places from the shipped gazetteers, quotes with
//! their speakers, dates over 2000–2025 and twelve sources. Lengths follow a log-normal number
//! of paragraphs (about 2.4 KB of body text on average). Shards of JSON Lines are written in
//! parallel; each shard has its own seeded generator, so the corpus is the same on every machine
//! and with any number of threads.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use rayon::prelude::*;
use serde::Serialize;

use crate::extract::gazetteer::{ActorKind, Gazetteer};
use crate::extract::keyphrases::Background;

/// Articles per JSON Lines shard.
pub const SHARD_ARTICLES: usize = 5_000;
/// Bumped whenever the generator's output changes, so a cached corpus is regenerated.
const GENERATOR_VERSION: u32 = 1;
/// The hidden file that records what a folder holds (hidden: `index` does not read it).
const MANIFEST: &str = ".newsdex-generated.json";
const VOCABULARY: usize = 30_000;
const PEOPLE: usize = 12_000;

const GIVEN_NAMES: &str = include_str!("../../benches/corpus/given-names.txt");
const FAMILY_NAMES: &str = include_str!("../../benches/corpus/family-names.txt");
const SOURCES: [&str; 12] = [
    "Northern Wire",
    "Daily Ledger",
    "Harbour Times",
    "Capital Post",
    "Evening Courier",
    "Global Dispatch",
    "Metro Herald",
    "Valley Tribune",
    "Coastal Gazette",
    "Continental Press",
    "Frontier Journal",
    "Civic Observer",
];
const ROLES: [&str; 10] = [
    "the minister of finance",
    "a spokesperson for",
    "the chief executive of",
    "a senior official at",
    "the president of",
    "an adviser to",
    "the head of research at",
    "a director at",
    "the chair of",
    "a negotiator for",
];
const SPEECH: [&str; 6] = ["said", "told reporters", "added", "warned", "said", "noted"];

/// What a generated folder holds.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Manifest {
    pub version: u32,
    pub articles: usize,
    pub seed: u64,
    pub bytes: u64,
}

#[derive(Serialize)]
struct Record {
    id: String,
    title: String,
    body: String,
    date: String,
    source: &'static str,
    author: String,
}

/// SplitMix64: small, fast, and the same everywhere.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Uniform in [0, n); n > 0.
    pub fn below(&mut self, n: usize) -> usize {
        (self.unit() * n as f64) as usize
    }
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }
    /// Standard normal (Box–Muller).
    fn normal(&mut self) -> f64 {
        let u = self.unit().max(1e-12);
        let v = self.unit();
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
}

/// Draws ranks 0..n with probability proportional to 1 / (rank + 1)^s.
pub struct Zipf {
    cumulative: Vec<f64>,
}

impl Zipf {
    pub fn new(n: usize, s: f64) -> Zipf {
        let mut total = 0.0;
        let cumulative = (0..n.max(1))
            .map(|r| {
                total += 1.0 / ((r + 1) as f64).powf(s);
                total
            })
            .collect();
        Zipf { cumulative }
    }
    pub fn draw(&self, rng: &mut Rng) -> usize {
        let total = *self.cumulative.last().unwrap_or(&1.0);
        let x = rng.unit() * total;
        self.cumulative
            .partition_point(|&c| c <= x)
            .min(self.cumulative.len() - 1)
    }
}

/// The shared, read-only material articles are made of.
struct Material {
    words: Vec<String>,
    word_ranks: Zipf,
    given: Vec<&'static str>,
    family: Vec<&'static str>,
    people: Zipf,
    places: Vec<String>,
    organisations: Vec<String>,
    actor_ranks: Zipf,
}

fn lines(list: &'static str) -> Vec<&'static str> {
    list.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
}

impl Material {
    fn load() -> Material {
        let background = Background::embedded();
        let mut ranked: Vec<(&compact_str::CompactString, &u32)> = background
            .df
            .iter()
            .filter(|(w, _)| w.chars().all(|c| c.is_ascii_lowercase()) && w.len() > 1)
            .collect();
        ranked.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let mut words: Vec<String> = ranked
            .into_iter()
            .take(VOCABULARY)
            .map(|(w, _)| w.to_string())
            .collect();
        if words.is_empty() {
            words = [
                "news",
                "report",
                "market",
                "said",
                "government",
                "the",
                "of",
            ]
            .map(String::from)
            .to_vec();
        }
        let gazetteer = Gazetteer::embedded();
        let names = |kind: ActorKind| -> Vec<String> {
            let mut v: Vec<String> = gazetteer
                .entries
                .iter()
                .filter(|e| e.kind == kind)
                .map(|e| e.name.clone())
                .collect();
            v.sort();
            v.dedup();
            v
        };
        let places = names(ActorKind::Place);
        let organisations = names(ActorKind::Organisation);
        let actor_ranks = Zipf::new(places.len().max(organisations.len()), 0.8);
        Material {
            word_ranks: Zipf::new(words.len(), 1.0),
            words,
            given: lines(GIVEN_NAMES),
            family: lines(FAMILY_NAMES),
            people: Zipf::new(PEOPLE, 0.9),
            places,
            organisations,
            actor_ranks,
        }
    }

    fn word(&self, rng: &mut Rng) -> &str {
        &self.words[self.word_ranks.draw(rng)]
    }

    /// Person number `p` always has the same name.
    fn person(&self, p: usize) -> (&str, &str) {
        let mut h = Rng::new(p as u64 ^ 0x5eed);
        (
            self.given[h.below(self.given.len())],
            self.family[h.below(self.family.len())],
        )
    }

    fn pick<'a>(&self, list: &'a [String], rng: &mut Rng) -> &'a str {
        let i = self.actor_ranks.draw(rng) % list.len().max(1);
        list.get(i).map_or("Geneva", String::as_str)
    }

    /// A sentence of `lo..=hi` vocabulary words, capitalised, without the final stop.
    fn clause(&self, rng: &mut Rng, lo: usize, hi: usize, out: &mut String) {
        let n = rng.range(lo, hi);
        for i in 0..n {
            let w = self.word(rng);
            if i == 0 {
                let mut cs = w.chars();
                if let Some(c) = cs.next() {
                    out.extend(c.to_uppercase());
                    out.push_str(cs.as_str());
                }
            } else {
                out.push(' ');
                out.push_str(w);
                if i + 2 < n && rng.below(11) == 0 {
                    out.push(',');
                }
            }
        }
    }
}

/// The people of one article: (given, family), first mention done or not.
struct Cast<'m> {
    people: Vec<(&'m str, &'m str, bool)>,
}

impl Cast<'_> {
    /// The name to write for person `i`: full name and role the first time, family name after.
    fn mention(&mut self, i: usize, material: &Material, rng: &mut Rng, out: &mut String) {
        let (given, family, seen) = &mut self.people[i];
        if *seen {
            out.push_str(family);
        } else {
            *seen = true;
            out.push_str(given);
            out.push(' ');
            out.push_str(family);
            out.push_str(", ");
            out.push_str(ROLES[rng.below(ROLES.len())]);
            out.push(' ');
            out.push_str(material.pick(&material.organisations, rng));
            out.push(',');
        }
    }
}

fn article(material: &Material, number: usize, rng: &mut Rng) -> Record {
    let mut title = String::new();
    material.clause(rng, 4, 9, &mut title);
    if rng.below(2) == 0 {
        title.push_str(" in ");
        title.push_str(material.pick(&material.places, rng));
    }

    let people = (0..rng.range(1, 4))
        .map(|_| {
            let (g, f) = material.person(material.people.draw(rng));
            (g, f, false)
        })
        .collect();
    let mut cast = Cast { people };
    let source = SOURCES[rng.below(SOURCES.len())];

    let paragraphs = ((2.1 + 0.6 * rng.normal()).exp().round() as usize).clamp(1, 80);
    let mut body = String::with_capacity(paragraphs * 260);
    body.push_str(&material.pick(&material.places, rng).to_uppercase());
    body.push_str(" (");
    body.push_str(source);
    body.push_str(") - ");
    for p in 0..paragraphs {
        if p > 0 {
            body.push_str("\n\n");
        }
        for s in 0..rng.range(1, 3) {
            if s > 0 {
                body.push(' ');
            }
            let speaker = rng.below(cast.people.len());
            match rng.below(10) {
                // A direct quote, cue after.
                0 | 1 => {
                    body.push('"');
                    material.clause(rng, 8, 22, &mut body);
                    body.push_str(",\" ");
                    cast.mention(speaker, material, rng, &mut body);
                    body.push(' ');
                    body.push_str(SPEECH[rng.below(SPEECH.len())]);
                    body.push('.');
                }
                // Indirect speech.
                2 => {
                    cast.mention(speaker, material, rng, &mut body);
                    body.push_str(" said ");
                    let mut clause = String::new();
                    material.clause(rng, 8, 20, &mut clause);
                    body.push_str(&clause.to_lowercase());
                    body.push('.');
                }
                // A sentence naming a place or organisation.
                3 | 4 => {
                    material.clause(rng, 5, 12, &mut body);
                    body.push_str(if rng.below(2) == 0 { " in " } else { " at " });
                    let list = if rng.below(2) == 0 {
                        &material.places
                    } else {
                        &material.organisations
                    };
                    body.push_str(material.pick(list, rng));
                    body.push(' ');
                    let mut rest = String::new();
                    material.clause(rng, 3, 10, &mut rest);
                    body.push_str(&rest.to_lowercase());
                    body.push('.');
                }
                _ => {
                    material.clause(rng, 8, 30, &mut body);
                    body.push('.');
                }
            }
        }
    }

    let day = rng.below(26 * 365); // 2000-01-01 + up to 26 years
    let date = chrono::NaiveDate::from_ymd_opt(2000, 1, 1)
        .and_then(|d| d.checked_add_days(chrono::Days::new(day as u64)))
        .unwrap_or_default();
    let (hour, minute) = (rng.below(24), rng.below(60));
    let (g, f) = material.person(material.people.draw(rng));
    Record {
        id: format!("gen-{number:09}"),
        title,
        body,
        date: format!("{date}T{hour:02}:{minute:02}:00Z"),
        source,
        author: format!("{g} {f}"),
    }
}

/// Writes shard `shard` of a corpus with `seed`, returning its size in bytes.
fn write_shard(
    material: &Material,
    dir: &Path,
    shard: usize,
    total: usize,
    seed: u64,
) -> std::io::Result<u64> {
    let first = shard * SHARD_ARTICLES;
    let last = (first + SHARD_ARTICLES).min(total);
    let path = dir.join(format!("part-{shard:05}.jsonl"));
    let mut out = BufWriter::with_capacity(1 << 20, File::create(&path)?);
    let mut rng = Rng::new(seed ^ (shard as u64).wrapping_mul(0x2545_f491_4f6c_dd1d));
    for number in first..last {
        serde_json::to_writer(&mut out, &article(material, number, &mut rng))?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(std::fs::metadata(&path)?.len())
}

/// Makes sure `dir` holds the corpus of `articles` articles with `seed`, writing it unless the
/// folder already holds exactly that corpus. Returns its manifest.
pub fn ensure(dir: &Path, articles: usize, seed: u64) -> std::io::Result<Manifest> {
    let manifest_path = dir.join(MANIFEST);
    if let Ok(text) = std::fs::read_to_string(&manifest_path) {
        if let Ok(m) = serde_json::from_str::<Manifest>(&text) {
            if m.version == GENERATOR_VERSION && m.articles == articles && m.seed == seed {
                return Ok(m);
            }
        }
    }
    if dir.exists() {
        for entry in std::fs::read_dir(dir)? {
            let path = entry?.path();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if name.starts_with("part-") && name.ends_with(".jsonl") || name == MANIFEST {
                std::fs::remove_file(&path)?;
            }
        }
    }
    std::fs::create_dir_all(dir)?;
    let material = Material::load();
    let shards = articles.div_ceil(SHARD_ARTICLES);
    let bytes: u64 = (0..shards)
        .into_par_iter()
        .map(|shard| write_shard(&material, dir, shard, articles, seed))
        .collect::<std::io::Result<Vec<u64>>>()?
        .into_iter()
        .sum();
    let manifest = Manifest {
        version: GENERATOR_VERSION,
        articles,
        seed,
        bytes,
    };
    std::fs::write(&manifest_path, serde_json::to_string(&manifest)?)?;
    Ok(manifest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_writes_the_same_corpus() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        let ma = ensure(a.path(), 40, 7).unwrap();
        let mb = ensure(b.path(), 40, 7).unwrap();
        assert_eq!(ma, mb);
        let read = |d: &Path| std::fs::read_to_string(d.join("part-00000.jsonl")).unwrap();
        assert_eq!(read(a.path()), read(b.path()));
        let text = read(a.path());
        assert_eq!(text.lines().count(), 40);
        let first: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
        assert_eq!(first["id"], "gen-000000000");
        assert!(first["body"].as_str().unwrap().len() > 100);
        assert!(text.contains(" said"), "quotes and speech are generated");
    }

    #[test]
    fn zipf_prefers_low_ranks() {
        let z = Zipf::new(1000, 1.0);
        let mut rng = Rng::new(1);
        let draws: Vec<usize> = (0..10_000).map(|_| z.draw(&mut rng)).collect();
        let top = draws.iter().filter(|&&r| r == 0).count();
        let tail = draws.iter().filter(|&&r| r == 999).count();
        assert!(top > 50 * tail.max(1), "{top} vs {tail}");
        assert!(draws.iter().all(|&r| r < 1000));
    }
}
