//! `newsdex eval quotes DIR`: quote extraction against brat attribution gold (PolNeAR layout).
//!
//! Each text is read whole (so gold offsets, counted in characters, line up), its actors and
//! quotes extracted, and compared with the first annotator's `.ann` file for it. A gold
//! attribution is direct when its content holds a quotation mark.

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use newsdex::extract::actors;
use newsdex::extract::gazetteer::Gazetteer;
use newsdex::extract::ner::Tagger;
use newsdex::extract::quotes::{self, Quote};
use serde::Serialize;

use crate::cli::EvalQuotesArgs;
use crate::Outcome;

/// One gold attribution, in byte offsets.
struct Gold {
    content: (usize, usize),
    sources: Vec<(usize, usize)>,
    direct: bool,
    /// The annotation swapped Source and Cue (a Source that is only a speech verb, a Cue that
    /// is not: `“…,” said Hester` with Source "said", Cue "Hester"); `sources` holds the Cue.
    swapped: bool,
}

#[derive(Debug, Default, Serialize)]
pub struct SpanScore {
    pub gold: usize,
    pub predicted: usize,
    pub exact: usize,
    pub overlap_predicted: usize,
    pub overlap_gold: usize,
    pub exact_f1: f64,
    pub overlap_f1: f64,
}

#[derive(Debug, Default, Serialize)]
pub struct SpeakerScore {
    /// Gold direct quotes.
    pub gold: usize,
    /// Predicted direct quotes with a speaker.
    pub predicted: usize,
    /// Predicted direct quotes whose speaker is the gold source of the quote they match: the
    /// same words, another mention of the same actor, or a source naming its surname.
    pub correct: usize,
    pub precision: f64,
    pub recall: f64,
    /// Gold direct quotes whose Source and Cue labels were swapped in the annotation and are
    /// read the right way round (see `Gold::swapped`).
    pub swapped_labels: usize,
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub articles: usize,
    pub direct: SpanScore,
    pub all: SpanScore,
    pub direct_speakers: SpeakerScore,
}

fn f1(p: f64, r: f64) -> f64 {
    if p + r == 0.0 {
        0.0
    } else {
        2.0 * p * r / (p + r)
    }
}

fn overlaps(a: (usize, usize), b: (usize, usize)) -> bool {
    a.0 < b.1 && b.0 < a.1
}

/// A span without surrounding white space, quotation marks and punctuation, for exact matching.
fn core(text: &str, (s, e): (usize, usize)) -> (usize, usize) {
    let piece = &text[s..e];
    let junk = |c: char| {
        c.is_whitespace()
            || matches!(
                c,
                '"' | '\u{201c}' | '\u{201d}' | '\'' | ',' | '.' | ':' | ';'
            )
    };
    let start = s + (piece.len() - piece.trim_start_matches(junk).len());
    let end = s + piece.trim_end_matches(junk).len();
    (start, end.max(start))
}

/// Gold attributions of one `.ann` file, converted from character to byte offsets.
fn read_gold(ann: &str, text: &str) -> Vec<Gold> {
    let bytes: Vec<usize> = text
        .char_indices()
        .map(|(b, _)| b)
        .chain([text.len()])
        .collect();
    let at = |c: usize| bytes.get(c).copied().unwrap_or(text.len());
    let mut spans: std::collections::HashMap<String, (String, Vec<(usize, usize)>)> =
        Default::default();
    let mut relations = Vec::new();
    for line in ann.lines() {
        let cols: Vec<&str> = line.split('\t').collect();
        if cols[0].starts_with('T') && cols.len() >= 2 {
            let mut head = cols[1].splitn(2, ' ');
            let kind = head.next().unwrap_or_default().to_string();
            let ranges = head
                .next()
                .unwrap_or_default()
                .split(';')
                .filter_map(|r| {
                    let mut it = r.split_whitespace().filter_map(|n| n.parse::<usize>().ok());
                    Some((at(it.next()?), at(it.next()?)))
                })
                .collect();
            spans.insert(cols[0].to_string(), (kind, ranges));
        } else if cols[0].starts_with('E') && cols.len() >= 2 {
            relations.push(cols[1].to_string());
        }
    }
    let mut out = Vec::new();
    for relation in relations {
        let (mut content, mut sources, mut cues) = (Vec::new(), Vec::new(), Vec::new());
        for part in relation.split_whitespace() {
            let Some((role, id)) = part.split_once(':') else {
                continue;
            };
            if let Some((_, ranges)) = spans.get(id) {
                match role {
                    "Content" => content.extend(ranges.iter().copied()),
                    "Source" => sources.extend(ranges.iter().copied()),
                    "Cue" => cues.extend(ranges.iter().copied()),
                    _ => {}
                }
            }
        }
        let (Some(s), Some(e)) = (
            content.iter().map(|r| r.0).min(),
            content.iter().map(|r| r.1).max(),
        ) else {
            continue;
        };
        let direct = content
            .iter()
            .any(|&(s, e)| text[s..e].contains(['"', '\u{201c}', '\u{201d}']));
        let only_verbs = |ranges: &[(usize, usize)]| {
            !ranges.is_empty()
                && ranges.iter().all(|&(s, e)| {
                    text[s..e]
                        .split_whitespace()
                        .all(newsdex::extract::quotes::is_speech_verb)
                })
        };
        let swapped = only_verbs(&sources) && !cues.is_empty() && !only_verbs(&cues);
        out.push(Gold {
            content: (s, e),
            sources: if swapped { cues } else { sources },
            direct,
            swapped,
        });
    }
    out
}

fn score_spans(text: &str, predicted: &[&Quote], gold: &[&Gold], score: &mut SpanScore) {
    score.gold += gold.len();
    score.predicted += predicted.len();
    for q in predicted {
        let span = (q.start, q.end);
        if gold.iter().any(|g| overlaps(span, g.content)) {
            score.overlap_predicted += 1;
        }
        if gold
            .iter()
            .any(|g| core(text, span) == core(text, g.content))
        {
            score.exact += 1;
        }
    }
    for g in gold {
        if predicted
            .iter()
            .any(|q| overlaps((q.start, q.end), g.content))
        {
            score.overlap_gold += 1;
        }
    }
}

fn finish(s: &mut SpanScore) {
    let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    s.exact_f1 = f1(ratio(s.exact, s.predicted), ratio(s.exact, s.gold));
    s.overlap_f1 = f1(
        ratio(s.overlap_predicted, s.predicted),
        ratio(s.overlap_gold, s.gold),
    );
}

pub fn run(args: EvalQuotesArgs) -> anyhow::Result<Outcome> {
    let tagger = Tagger::embedded()?;
    let gazetteer = Gazetteer::embedded();
    let text_dir = args.dir.join("text");
    let ann_dir = args.dir.join("attributions");
    let mut texts: Vec<_> = std::fs::read_dir(&text_dir)
        .with_context(|| format!("{}", text_dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    texts.sort();
    let mut anns: Vec<_> = std::fs::read_dir(&ann_dir)
        .with_context(|| format!("{}", ann_dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    anns.sort();

    let (mut direct, mut all, mut speakers) = (
        SpanScore::default(),
        SpanScore::default(),
        SpeakerScore::default(),
    );
    let mut articles = 0;
    for path in &texts {
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let Some(ann) = anns.iter().find(|a| {
            a.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(&format!("{stem}_")))
        }) else {
            continue;
        };
        let text = std::fs::read_to_string(path).with_context(|| format!("{}", path.display()))?;
        let gold = read_gold(&std::fs::read_to_string(ann)?, &text);
        articles += 1;
        let found = actors::extract("", &text, tagger, gazetteer);
        let predicted = quotes::extract(&text, &found);
        let pred_direct: Vec<&Quote> = predicted.iter().filter(|q| q.direct).collect();
        let gold_direct: Vec<&Gold> = gold.iter().filter(|g| g.direct).collect();
        score_spans(&text, &pred_direct, &gold_direct, &mut direct);
        score_spans(
            &text,
            &predicted.iter().collect::<Vec<_>>(),
            &gold.iter().collect::<Vec<_>>(),
            &mut all,
        );
        speakers.gold += gold_direct.len();
        speakers.swapped_labels += gold_direct.iter().filter(|g| g.swapped).count();
        for q in &pred_direct {
            let Some(span) = q.speaker_span else { continue };
            speakers.predicted += 1;
            let matched = gold.iter().find(|g| overlaps((q.start, q.end), g.content));
            let same_speaker = |g: &Gold| {
                g.sources.iter().any(|&source| {
                    // The same words, or another mention of the same actor, or its surname.
                    overlaps(source, span)
                        || q.speaker.is_some_and(|a| {
                            let surname = found.actors[a]
                                .name
                                .split_whitespace()
                                .last()
                                .unwrap_or_default()
                                .to_string();
                            found.mentions.iter().any(|m| {
                                m.actor == a && !m.in_title && overlaps(source, (m.start, m.end))
                            }) || text[source.0..source.1]
                                .split(|c: char| !c.is_alphanumeric())
                                .any(|w| w == surname)
                        })
                })
            };
            if matched.is_some_and(same_speaker) {
                speakers.correct += 1;
            }
        }
    }
    finish(&mut direct);
    finish(&mut all);
    speakers.precision = speakers.correct as f64 / speakers.predicted.max(1) as f64;
    speakers.recall = speakers.correct as f64 / speakers.gold.max(1) as f64;
    let report = Report {
        articles,
        direct,
        all,
        direct_speakers: speakers,
    };
    super::report(args.json, &report, |out| {
        print(out, &report, &args.dir)?;
        Ok(())
    })?;
    Ok(Outcome::Found)
}

fn print(out: &mut dyn Write, r: &Report, dir: &Path) -> std::io::Result<()> {
    writeln!(out, "{} articles in {}", r.articles, dir.display())?;
    writeln!(
        out,
        "{:<8} {:>6} {:>9} {:>9} {:>9} {:>11}",
        "content", "gold", "predicted", "exact", "exact F1", "overlap F1"
    )?;
    for (name, s) in [("direct", &r.direct), ("all", &r.all)] {
        writeln!(
            out,
            "{:<8} {:>6} {:>9} {:>9} {:>9.4} {:>11.4}",
            name, s.gold, s.predicted, s.exact, s.exact_f1, s.overlap_f1
        )?;
    }
    let s = &r.direct_speakers;
    writeln!(
        out,
        "direct-quote speakers: precision {:.4} ({} of {} attributed), recall {:.4} (of {} gold direct quotes; {} with Source and Cue swapped in the annotation, read as meant)",
        s.precision, s.correct, s.predicted, s.recall, s.gold, s.swapped_labels
    )
}
