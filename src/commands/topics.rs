//! `newsdex train topics` and `newsdex eval topics`.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context;
use newsdex::extract::topics::{self, Classifier};
use serde::Serialize;

use crate::cli::{EvalTopicsArgs, TrainTopicsArgs};
use crate::Outcome;

/// Labelled texts: (text, topic id), in sorted file order.
fn labelled(dir: &Path, map: &Path) -> anyhow::Result<Vec<(String, String)>> {
    let mapping: BTreeMap<String, String> = std::fs::read_to_string(map)
        .with_context(|| format!("--map {}", map.display()))?
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            l.split_once('\t')
                .map(|(a, b)| (a.trim().to_string(), b.trim().to_string()))
        })
        .collect();
    let known: Vec<&str> = topics::vocabulary().iter().map(|t| t.id.as_str()).collect();
    if let Some((label, topic)) = mapping.iter().find(|(_, t)| !known.contains(&t.as_str())) {
        anyhow::bail!("--map: label {label:?} maps to {topic:?}, which is not a topic in index_schema/topics.toml");
    }
    let mut out = Vec::new();
    for (label, topic) in &mapping {
        let folder = dir.join(label);
        let mut files: Vec<_> = std::fs::read_dir(&folder)
            .with_context(|| format!("{}", folder.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        for f in files {
            let bytes = std::fs::read(&f).with_context(|| format!("{}", f.display()))?;
            out.push((String::from_utf8_lossy(&bytes).into_owned(), topic.clone()));
        }
    }
    Ok(out)
}

fn training_set(examples: &[&(String, String)]) -> (Vec<(String, usize)>, Vec<String>) {
    let mut topics: Vec<String> = examples.iter().map(|(_, t)| t.clone()).collect();
    topics.sort();
    topics.dedup();
    let set = examples
        .iter()
        .map(|(text, t)| {
            (
                text.clone(),
                topics.iter().position(|x| x == t).unwrap_or(0),
            )
        })
        .collect();
    (set, topics)
}

pub fn train(args: TrainTopicsArgs) -> anyhow::Result<Outcome> {
    let data = labelled(&args.labelled, &args.map)?;
    let (set, topic_ids) = training_set(&data.iter().collect::<Vec<_>>());
    let model = topics::train(&set, topic_ids, args.epochs);
    let bytes = model.to_bytes()?;
    std::fs::write(&args.out, &bytes).with_context(|| format!("writing {}", args.out.display()))?;
    eprintln!(
        "trained on {} texts; wrote {} ({:.1} MB, {} stems)",
        set.len(),
        args.out.display(),
        bytes.len() as f64 / 1e6,
        model.weights.len()
    );
    Ok(Outcome::Found)
}

#[derive(Debug, Serialize)]
struct Report {
    texts: usize,
    folds: Option<usize>,
    correct: usize,
    accuracy: f64,
    by_topic: BTreeMap<String, (usize, usize)>,
}

pub fn eval(args: EvalTopicsArgs) -> anyhow::Result<Outcome> {
    let data = labelled(&args.dir, &args.map)?;
    let mut by_topic: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut correct = 0;
    let mut judge = |classifier: &Classifier, (text, gold): &(String, String)| {
        let (title, body) = text.split_once('\n').unwrap_or(("", text));
        let ok = classifier.best_of(title, body).as_deref() == Some(gold.as_str());
        let e = by_topic.entry(gold.clone()).or_default();
        e.1 += 1;
        if ok {
            e.0 += 1;
            correct += 1;
        }
    };
    match args.folds {
        Some(k) if k >= 2 => {
            for fold in 0..k {
                let train: Vec<&(String, String)> = data
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| i % k != fold)
                    .map(|(_, d)| d)
                    .collect();
                let (set, ids) = training_set(&train);
                let classifier = Classifier::new(topics::train(&set, ids, args.epochs));
                for d in data
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| i % k == fold)
                    .map(|(_, d)| d)
                {
                    judge(&classifier, d);
                }
            }
        }
        _ => {
            for d in &data {
                judge(Classifier::embedded(), d);
            }
        }
    }
    let report = Report {
        texts: data.len(),
        folds: args.folds,
        correct,
        accuracy: correct as f64 / data.len().max(1) as f64,
        by_topic,
    };
    super::report(args.json, &report, |out| {
        let how = report.folds.map_or("the shipped model".to_string(), |k| {
            format!("{k}-fold cross-validation")
        });
        writeln!(
            out,
            "{} texts, {how}: accuracy {:.4} ({} correct)",
            report.texts, report.accuracy, report.correct
        )?;
        for (topic, (ok, n)) in &report.by_topic {
            writeln!(
                out,
                "  {topic:<20} {:.4} ({ok} of {n})",
                *ok as f64 / (*n).max(1) as f64
            )?;
        }
        Ok(())
    })?;
    Ok(Outcome::Found)
}
