//! `newsdex eval ner FILE`

use std::io::{BufReader, Write};
use std::time::Instant;

use anyhow::Context;
use newsdex::extract::ner::labels::{iob_spans, spans};
use newsdex::extract::ner::{conll, Cache, Tagger};
use serde::Serialize;

use crate::cli::{EvalActorsArgs, EvalNerArgs};
use crate::Outcome;

#[derive(Debug, Serialize)]
pub struct Report {
    #[serde(skip)]
    pub predicted: Vec<Vec<Vec<newsdex::extract::ner::Label>>>,
    pub scores: conll::Scores,
    pub tokens: usize,
    pub seconds: f64,
    pub tokens_per_second: f64,
    /// Speed when every word of the file is already in the tagger's word cache, as most
    /// words are in a long indexing run.
    pub warm_tokens_per_second: f64,
}

/// Tags every document on one thread and scores it.
pub fn score(tagger: &Tagger, docs: &[conll::Tagged]) -> Report {
    score_with(tagger, docs, &mut Cache::default())
}

/// As [`score`], with a word cache that may already hold words from earlier text.
fn score_with(tagger: &Tagger, docs: &[conll::Tagged], cache: &mut Cache) -> Report {
    let words: Vec<Vec<Vec<&str>>> = docs
        .iter()
        .map(|d| {
            d.iter()
                .map(|s| s.iter().map(|(w, _)| w.as_str()).collect())
                .collect()
        })
        .collect();
    let tokens: usize = words.iter().flatten().map(Vec::len).sum();
    let started = Instant::now();
    let predicted: Vec<_> = words.iter().map(|doc| tagger.tag(doc, cache)).collect();
    let seconds = started.elapsed().as_secs_f64();
    let mut scores = conll::Scores::default();
    for (doc, labels) in docs.iter().zip(&predicted) {
        for (sentence, labels) in doc.iter().zip(labels) {
            let tags: Vec<&str> = sentence.iter().map(|(_, t)| t.as_str()).collect();
            scores.add(&iob_spans(&tags), &spans(labels));
        }
    }
    let rate = tokens as f64 / seconds.max(1e-9);
    Report {
        predicted,
        scores,
        tokens,
        seconds,
        tokens_per_second: rate,
        warm_tokens_per_second: rate,
    }
}

pub fn ner(args: EvalNerArgs) -> anyhow::Result<Outcome> {
    let file =
        std::fs::File::open(&args.file).with_context(|| format!("{}", args.file.display()))?;
    let docs = conll::read(BufReader::new(file))
        .with_context(|| format!("reading {}", args.file.display()))?;
    let owned;
    let tagger = match &args.model {
        Some(path) => {
            let bytes =
                std::fs::read(path).with_context(|| format!("--model {}", path.display()))?;
            owned = Tagger::from_bytes(&bytes)
                .with_context(|| format!("--model {}", path.display()))?;
            &owned
        }
        None => Tagger::embedded().context("the built-in tagger model")?,
    };
    // Timed with an empty word cache (after one untimed pass to fault the model in), then
    // again with every word cached.
    let _ = score(tagger, &docs);
    let mut report = score(tagger, &docs);
    let mut cache = Cache::default();
    let _ = score_with(tagger, &docs, &mut cache);
    report.warm_tokens_per_second = score_with(tagger, &docs, &mut cache).tokens_per_second;
    if let Some(path) = &args.output {
        write_conll(path, &docs, &report.predicted)
            .with_context(|| format!("--output {}", path.display()))?;
    }
    super::report(args.json, &report, |out| {
        writeln!(
            out,
            "{:<8} {:>9} {:>9} {:>9} {:>7} {:>9} {:>8}",
            "type", "precision", "recall", "F1", "gold", "predicted", "correct"
        )?;
        let rows = report
            .scores
            .by_kind
            .iter()
            .map(|(k, s)| (*k, s))
            .chain([("overall", &report.scores.overall)]);
        for (name, s) in rows {
            writeln!(
                out,
                "{:<8} {:>9.4} {:>9.4} {:>9.4} {:>7} {:>9} {:>8}",
                name,
                s.precision(),
                s.recall(),
                s.f1(),
                s.gold,
                s.predicted,
                s.correct
            )?;
        }
        writeln!(
            out,
            "{} tokens tagged in {:.3} s on one thread: {:.0} tokens/s; {:.0} tokens/s with every word already cached",
            report.tokens, report.seconds, report.tokens_per_second, report.warm_tokens_per_second
        )?;
        Ok(())
    })?;
    Ok(Outcome::found_if(report.scores.overall.predicted > 0))
}

/// Writes `token gold predicted` lines with predicted tags in IOB2, sentences apart.
fn write_conll(
    path: &std::path::Path,
    docs: &[conll::Tagged],
    predicted: &[Vec<Vec<newsdex::extract::ner::Label>>],
) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    for (doc, labels) in docs.iter().zip(predicted) {
        for (sentence, labels) in doc.iter().zip(labels) {
            let mut tags = vec!["O".to_string(); sentence.len()];
            for (s, e, kind) in spans(labels) {
                for (i, tag) in tags.iter_mut().enumerate().take(e).skip(s) {
                    *tag = format!("{}-{}", if i == s { "B" } else { "I" }, kind.conll());
                }
            }
            for ((word, gold), tag) in sentence.iter().zip(tags) {
                writeln!(out, "{word} {gold} {tag}")?;
            }
            writeln!(out)?;
        }
    }
    out.flush()
}

/// Document-level agreement of extracted actors with one kind of gold code.
#[derive(Debug, Default, Serialize)]
pub struct CodeScore {
    /// (article, code) pairs in the gold data.
    pub gold: usize,
    /// (article, code) pairs the extracted actors map to.
    pub predicted: usize,
    pub correct: usize,
    pub precision: f64,
    pub recall: f64,
    /// Gold pairs whose code no actor name can map to (no gazetteer entry): a recall ceiling.
    pub gold_unmappable: usize,
    /// Extracted actors of this kind that map to no code (not counted in precision).
    pub predicted_unmapped: usize,
}

#[derive(Debug, Serialize)]
pub struct ActorsReport {
    pub articles: usize,
    pub people: CodeScore,
    pub orgs: CodeScore,
    pub places: CodeScore,
    pub seconds: f64,
}

pub fn actors(args: EvalActorsArgs) -> anyhow::Result<Outcome> {
    use newsdex::archive::sgml::gold_records;
    use newsdex::extract::actors as extraction;
    use newsdex::extract::gazetteer::{ActorKind, Gazetteer};
    use std::collections::{HashMap, HashSet};

    let vocabulary = |name: &str| -> anyhow::Result<Vec<String>> {
        let path = args.reuters.join("other-data").join(name);
        let text = std::fs::read_to_string(&path).with_context(|| format!("{}", path.display()))?;
        Ok(text
            .lines()
            .map(|l| l.trim().to_string())
            .filter(|l| !l.is_empty())
            .collect())
    };
    let gazetteer = Gazetteer::embedded();
    // Codes of places and organisations map through the gazetteer: "usa" → United States.
    let by_entry = |codes: &[String]| -> HashMap<String, String> {
        codes
            .iter()
            .filter_map(|c| {
                gazetteer
                    .lookup(&c.replace('-', " "))
                    .map(|(e, _)| (gazetteer.entries[e].name.to_lowercase(), c.clone()))
            })
            .collect()
    };
    let places = by_entry(&vocabulary("all-places-strings.lc.txt")?);
    let orgs = by_entry(&vocabulary("all-orgs-strings.lc.txt")?);
    let people: Vec<(String, Vec<String>)> = vocabulary("all-people-strings.lc.txt")?
        .into_iter()
        .map(|c| {
            let words = c.split('-').map(str::to_string).collect();
            (c, words)
        })
        .collect();
    let person_code = |name: &str| -> Option<String> {
        let words: Vec<String> = name
            .to_lowercase()
            .split_whitespace()
            .map(str::to_string)
            .collect();
        people
            .iter()
            .find(|(_, code)| code.last() == words.last() && code.iter().all(|w| words.contains(w)))
            .map(|(c, _)| c.clone())
    };
    let mappable =
        |codes: &HashMap<String, String>| -> HashSet<String> { codes.values().cloned().collect() };
    let (mappable_places, mappable_orgs) = (mappable(&places), mappable(&orgs));

    let tagger = Tagger::embedded()?;
    let mut files: Vec<_> = std::fs::read_dir(args.reuters.join("sgm"))?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .collect();
    files.sort();
    let (mut p_score, mut o_score, mut l_score) = (
        CodeScore::default(),
        CodeScore::default(),
        CodeScore::default(),
    );
    let mut articles = 0;
    let started = Instant::now();
    for path in files
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "sgm"))
    {
        let text = String::from_utf8_lossy(&std::fs::read(path)?).into_owned();
        for record in gold_records(&text) {
            articles += 1;
            let found = extraction::extract(&record.title, &record.body, tagger, gazetteer);
            let mut predicted: [HashSet<String>; 3] = Default::default();
            let mut unmapped = [0usize; 3];
            for actor in &found.actors {
                let (slot, code) = match actor.kind {
                    ActorKind::Person => (0, person_code(&actor.name)),
                    ActorKind::Organisation => (1, orgs.get(&actor.name.to_lowercase()).cloned()),
                    ActorKind::Place => {
                        // A city stands for its country, as the codes are countries.
                        let country = gazetteer
                            .lookup(&actor.name)
                            .and_then(|(e, _)| gazetteer.entries[e].country)
                            .map(|c| gazetteer.entries[c].name.to_lowercase());
                        let name = country.unwrap_or_else(|| actor.name.to_lowercase());
                        (2, places.get(&name).cloned())
                    }
                };
                match code {
                    Some(c) => {
                        predicted[slot].insert(c);
                    }
                    None => unmapped[slot] += 1,
                }
            }
            let golds = [&record.people, &record.orgs, &record.places];
            for (slot, score) in [&mut p_score, &mut o_score, &mut l_score]
                .into_iter()
                .enumerate()
            {
                let gold: HashSet<&String> = golds[slot].iter().collect();
                score.gold += gold.len();
                score.predicted += predicted[slot].len();
                score.correct += predicted[slot].iter().filter(|c| gold.contains(c)).count();
                score.predicted_unmapped += unmapped[slot];
                score.gold_unmappable += gold
                    .iter()
                    .filter(|c| match slot {
                        0 => false,
                        1 => !mappable_orgs.contains(**c),
                        _ => !mappable_places.contains(**c),
                    })
                    .count();
            }
        }
    }
    for s in [&mut p_score, &mut o_score, &mut l_score] {
        s.precision = s.correct as f64 / s.predicted.max(1) as f64;
        s.recall = s.correct as f64 / s.gold.max(1) as f64;
    }
    let report = ActorsReport {
        articles,
        people: p_score,
        orgs: o_score,
        places: l_score,
        seconds: started.elapsed().as_secs_f64(),
    };
    super::report(args.json, &report, |out| {
        writeln!(
            out,
            "{} Reuters-21578 articles with a body, document-level codes",
            report.articles
        )?;
        writeln!(
            out,
            "{:<8} {:>9} {:>7} {:>7} {:>9} {:>9} {:>10} {:>10}",
            "codes",
            "precision",
            "recall",
            "gold",
            "predicted",
            "correct",
            "unmappable",
            "unmapped"
        )?;
        for (name, s) in [
            ("PEOPLE", &report.people),
            ("ORGS", &report.orgs),
            ("PLACES", &report.places),
        ] {
            writeln!(
                out,
                "{:<8} {:>9.4} {:>7.4} {:>7} {:>9} {:>9} {:>10} {:>10}",
                name,
                s.precision,
                s.recall,
                s.gold,
                s.predicted,
                s.correct,
                s.gold_unmappable,
                s.predicted_unmapped
            )?;
        }
        writeln!(out, "unmappable: gold codes no name maps to (a recall ceiling); unmapped: extracted actors with no code (not in precision)")?;
        Ok(())
    })?;
    Ok(Outcome::Found)
}
