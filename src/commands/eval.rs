//! `newsdex eval ner FILE`

use std::io::{BufReader, Write};
use std::time::Instant;

use anyhow::Context;
use newsdex::extract::ner::labels::{iob_spans, spans};
use newsdex::extract::ner::{conll, Cache, Tagger};
use serde::Serialize;

use crate::cli::EvalNerArgs;
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
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer(&mut out, &report)?;
        writeln!(out)?;
    } else {
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
    }
    Ok(if report.scores.overall.predicted > 0 {
        Outcome::Found
    } else {
        Outcome::NothingFound
    })
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
