//! `newsdex train keyphrases` and `newsdex eval keyphrases`.

use anyhow::Context;
use newsdex::archive::{self, FieldMap, Record};
use newsdex::extract::keyphrases::{self, Background};
use newsdex::extract::topics::stems;
use serde::Serialize;

use crate::cli::{EvalKeyphrasesArgs, TrainKeyphrasesArgs};
use crate::Outcome;

pub fn train(args: TrainKeyphrasesArgs) -> anyhow::Result<Outcome> {
    let (files, _) = archive::walk(&args.unlabelled);
    let (ctx, plan, _) = archive::plan(files, FieldMap::default());
    let mut texts = Vec::new();
    for (file, kind) in &plan {
        archive::read_file(file, *kind, &ctx, &mut |r| {
            if let Record::Article(a) = r {
                texts.push(format!("{}\n{}", a.title, a.body));
            }
        });
    }
    let background = Background::learn(texts.iter().map(String::as_str), 2);
    let bytes = background.to_bytes()?;
    std::fs::write(&args.out, &bytes).with_context(|| format!("writing {}", args.out.display()))?;
    eprintln!(
        "{} documents, {} words; wrote {} ({:.2} MB)",
        background.documents,
        background.df.len(),
        args.out.display(),
        bytes.len() as f64 / 1e6
    );
    Ok(Outcome::Found)
}

#[derive(Debug, Serialize)]
struct Report {
    documents: usize,
    /// Micro-averaged over documents: predicted top 10 against all gold keyphrases.
    precision_at_10: f64,
    recall_at_10: f64,
    f1_at_10: f64,
}

/// A phrase as a stem sequence, for matching "peacekeeping missions" with "peacekeeping mission".
fn key(phrase: &str) -> Vec<u64> {
    stems(phrase)
}

pub fn eval(args: EvalKeyphrasesArgs) -> anyhow::Result<Outcome> {
    let docs_dir = args.dir.join("docsutf8");
    let mut docs: Vec<_> = std::fs::read_dir(&docs_dir)
        .with_context(|| format!("{}", docs_dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    docs.sort();
    let background = Background::embedded();
    let (mut precision, mut recall, mut n) = (0.0, 0.0, 0);
    for doc in &docs {
        let Some(stem) = doc.file_stem().map(|s| s.to_string_lossy().into_owned()) else {
            continue;
        };
        let Ok(gold_text) =
            std::fs::read_to_string(args.dir.join("keys").join(format!("{stem}.key")))
        else {
            continue;
        };
        let gold: Vec<Vec<u64>> = gold_text
            .lines()
            .map(key)
            .filter(|k| !k.is_empty())
            .collect();
        if gold.is_empty() {
            continue;
        }
        let text = String::from_utf8_lossy(&std::fs::read(doc)?).replace("\r\n", "\n");
        let (title, body) = text.split_once('\n').unwrap_or(("", &text));
        let predicted = keyphrases::extract(title, body, background, 10);
        let correct = predicted
            .iter()
            .filter(|k| gold.contains(&key(&k.phrase)))
            .count();
        precision += correct as f64 / predicted.len().max(1) as f64;
        recall += correct as f64 / gold.len() as f64;
        n += 1;
    }
    let (p, r) = (precision / n.max(1) as f64, recall / n.max(1) as f64);
    let report = Report {
        documents: n,
        precision_at_10: p,
        recall_at_10: r,
        f1_at_10: if p + r > 0.0 {
            2.0 * p * r / (p + r)
        } else {
            0.0
        },
    };
    super::report(args.json, &report, |out| {
        writeln!(
            out,
            "{} documents: P@10 {:.4}, R@10 {:.4}, F1@10 {:.4}",
            report.documents, report.precision_at_10, report.recall_at_10, report.f1_at_10
        )
    })?;
    Ok(Outcome::Found)
}
