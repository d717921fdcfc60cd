//! `newsdex train ner`

use std::io::BufReader;

use anyhow::Context;
use newsdex::archive::{self, FieldMap, Record};
use newsdex::extract::ner::{clusters, conll, train, Model, Tagger};
use newsdex::extract::tokens;

use crate::cli::TrainNerArgs;
use crate::Outcome;

pub fn ner(args: TrainNerArgs) -> anyhow::Result<Outcome> {
    let mut docs = Vec::new();
    for path in &args.conll {
        let file =
            std::fs::File::open(path).with_context(|| format!("--conll {}", path.display()))?;
        docs.extend(
            conll::read(BufReader::new(file))
                .with_context(|| format!("reading {}", path.display()))?,
        );
    }
    let training = conll::to_training(&docs);
    let tokens: usize = training.iter().flatten().map(Vec::len).sum();
    eprintln!(
        "training on {} documents, {} tokens",
        training.len(),
        tokens
    );

    // Capitalisation habits: the training text itself plus any unlabelled archives.
    let mut texts: Vec<String> = Vec::new();
    let (files, _) = archive::walk(&args.unlabelled);
    let (ctx, plan, _) = archive::plan(files, FieldMap::default());
    for (file, kind) in &plan {
        archive::read_file(file, *kind, &ctx, &mut |r| {
            if let Record::Article(a) = r {
                texts.push(a.body);
            }
        });
    }
    let mut sentences: Vec<Vec<&str>> = Vec::new();
    for doc in &training {
        for s in doc {
            sentences.push(s.iter().map(|(w, _)| w.as_str()).collect());
        }
    }
    for text in &texts {
        let toks = tokens::tokenize(text);
        for range in tokens::sentences(&toks) {
            sentences.push(toks[range].iter().map(|t| t.text(text)).collect());
        }
    }
    let lexicon = train::capital_lexicon(sentences.iter().cloned(), 3);
    eprintln!(
        "capitalisation lexicon: {} words from {} unlabelled articles",
        lexicon.len(),
        texts.len()
    );
    let started = std::time::Instant::now();
    let clusters = clusters::induce(&sentences, clusters::Settings::default());
    eprintln!(
        "clusters: {} words ({:.0} s)",
        clusters.len(),
        started.elapsed().as_secs_f64()
    );
    let words = Model {
        lexicon,
        clusters,
        ..Model::default()
    };

    let dev = match &args.dev {
        Some(path) => {
            let file =
                std::fs::File::open(path).with_context(|| format!("--dev {}", path.display()))?;
            Some(conll::read(BufReader::new(file))?)
        }
        None => None,
    };
    let started = std::time::Instant::now();
    let model = train::train(&training, words, args.epochs, &mut |e| {
        eprintln!(
            "epoch {:>2}: {:.2}% tokens wrong ({:.0} s)",
            e.number,
            100.0 * e.errors as f64 / e.tokens.max(1) as f64,
            started.elapsed().as_secs_f64()
        );
    });
    let bytes = model.to_bytes()?;
    if let Some(parent) = args.out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(&args.out, &bytes).with_context(|| format!("writing {}", args.out.display()))?;
    eprintln!(
        "wrote {} ({:.1} MB, {} features)",
        args.out.display(),
        bytes.len() as f64 / 1e6,
        model.weights.len()
    );
    if let Some(dev) = dev {
        let tagger = Tagger::new(model);
        let report = super::eval::score(&tagger, &dev);
        eprintln!(
            "dev: F1 {:.4} (P {:.4}, R {:.4})",
            report.scores.overall.f1(),
            report.scores.overall.precision(),
            report.scores.overall.recall()
        );
    }
    Ok(Outcome::Found)
}
