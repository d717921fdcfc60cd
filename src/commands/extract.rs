//! `newsdex extract PATH...`

use std::io::{BufWriter, Write};

use newsdex::archive::{self, FieldMap, Record};
use newsdex::extract::actors::{self, Actors};
use newsdex::extract::gazetteer::Gazetteer;
use newsdex::extract::keyphrases::{self, Background, Keyphrase};
use newsdex::extract::ner::Tagger;
use newsdex::extract::passages;
use newsdex::extract::quotes::{self, Quote};
use newsdex::extract::tokens::ArticleTokens;
use newsdex::extract::topics::{Assigned, Classifier};
use newsdex::model::{Article, Passage};
use serde::Serialize;

use crate::cli::ExtractArgs;
use crate::Outcome;

/// What `extract --json` prints for each article.
#[derive(Serialize)]
struct Extraction<'a> {
    id: &'a str,
    title: &'a str,
    path: &'a str,
    date: Option<String>,
    source: Option<&'a str>,
    passages: Vec<[usize; 2]>,
    actors: &'a Actors,
    quotes: &'a [Quote],
    topics: &'a [Assigned],
    keyphrases: &'a [Keyphrase],
}

pub fn run(args: ExtractArgs) -> anyhow::Result<Outcome> {
    let mut fields = FieldMap::default();
    for spec in &args.fields {
        fields.add_override(spec).map_err(anyhow::Error::msg)?;
    }
    let tagger = Tagger::embedded()?;
    let user;
    let gazetteer = match &args.actors {
        Some(path) => {
            user = Gazetteer::with_user_file(path).map_err(anyhow::Error::msg)?;
            &user
        }
        None => Gazetteer::embedded(),
    };
    let (files, mut issues) = archive::walk(&args.paths);
    let (ctx, plan, plan_issues) = archive::plan(files, fields);
    issues.extend(plan_issues);
    let mut out = BufWriter::new(std::io::stdout().lock());
    let mut count = 0;
    let mut failed: Option<std::io::Error> = None;
    for (file, kind) in &plan {
        archive::read_file(file, *kind, &ctx, &mut |record| match record {
            Record::Article(article) => {
                count += 1;
                let passages = passages::split(&article.body);
                let (title, body) = (&article.title, &article.body);
                let cut = ArticleTokens::new(title, body);
                let found = actors::extract_cut(title, body, &cut, tagger, gazetteer);
                let said = quotes::extract_cut(body, &cut.body, &found);
                let about = Classifier::embedded().assign(title, body);
                let phrases = keyphrases::extract_cut(title, body, &cut, Background::embedded(), 8);
                let extracted = Extracted {
                    article: &article,
                    passages: &passages,
                    actors: &found,
                    quotes: &said,
                    topics: &about,
                    keyphrases: &phrases,
                };
                let written = if args.json {
                    write_json(&mut out, &extracted)
                } else {
                    write_text(&mut out, &extracted)
                };
                if let Err(e) = written {
                    failed.get_or_insert(e);
                }
            }
            Record::Issue(issue) => issues.push(issue),
        });
        if let Some(e) = failed.take() {
            return Err(e.into());
        }
    }
    out.flush()?;
    for issue in &issues {
        eprintln!("newsdex: warning: {issue}");
    }
    Ok(Outcome::found_if(count > 0))
}

/// One article and what was extracted from it, as both printers take it.
struct Extracted<'a> {
    article: &'a Article,
    passages: &'a [Passage],
    actors: &'a Actors,
    quotes: &'a [Quote],
    topics: &'a [Assigned],
    keyphrases: &'a [Keyphrase],
}

fn write_json(out: &mut impl Write, e: &Extracted) -> std::io::Result<()> {
    let a = e.article;
    let data = Extraction {
        id: &a.id,
        title: &a.title,
        path: &a.path,
        date: a.date.map(|d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string()),
        source: a.source.as_deref(),
        passages: e.passages.iter().map(|p| [p.start, p.end]).collect(),
        actors: e.actors,
        quotes: e.quotes,
        topics: e.topics,
        keyphrases: e.keyphrases,
    };
    newsdex::output::json::write_line(out, "article", &data)
}

fn write_text(out: &mut impl Write, e: &Extracted) -> std::io::Result<()> {
    let Extracted {
        article: a,
        passages,
        actors,
        quotes,
        topics,
        keyphrases,
    } = *e;
    writeln!(out, "== {}", a.path)?;
    writeln!(out, "title    {}", a.title)?;
    if let Some(d) = a.date {
        writeln!(out, "date     {}", d.format("%Y-%m-%d %H:%M:%S UTC"))?;
    }
    if let Some(s) = &a.source {
        writeln!(out, "source   {s}")?;
    }
    writeln!(out, "id       {}", a.id)?;
    let topic_list: Vec<String> = topics
        .iter()
        .map(|t| format!("{} {:.2}", t.id, t.score))
        .collect();
    writeln!(out, "topics   {}", topic_list.join(", "))?;
    let phrase_list: Vec<&str> = keyphrases.iter().map(|k| k.phrase.as_str()).collect();
    writeln!(out, "keyphrases {}", phrase_list.join(" | "))?;
    writeln!(out, "passages {}", passages.len())?;
    for (i, p) in passages.iter().enumerate() {
        writeln!(
            out,
            "  [{i}] bytes {}..{}, {} words",
            p.start,
            p.end,
            p.text(&a.body).split_whitespace().count()
        )?;
    }
    writeln!(out, "actors   {}", actors.actors.len())?;
    for (i, actor) in actors.actors.iter().enumerate() {
        let n = actors.mentions.iter().filter(|m| m.actor == i).count();
        writeln!(
            out,
            "  {:<13} {:<40} {n:>3} mentions  as {}",
            actor.kind.name(),
            actor.name,
            actor.forms.join(" | ")
        )?;
    }
    writeln!(out, "mentions {}", actors.mentions.len())?;
    for m in &actors.mentions {
        let place = if m.in_title { "title" } else { "body" };
        writeln!(
            out,
            "  {place} {:>5}..{:<5} {:<30} -> {}",
            m.start,
            m.end,
            format!("{:?}", m.text),
            actors.actors[m.actor].id
        )?;
    }
    writeln!(out, "quotes   {}", quotes.len())?;
    for q in quotes {
        let speaker = q
            .speaker
            .map_or("(unknown)", |s| actors.actors[s].id.as_str());
        let cue = q.cue.as_ref().map_or("-", |c| c.2.as_str());
        let kind = if q.direct { "direct  " } else { "indirect" };
        writeln!(
            out,
            "  {kind} {:>5}..{:<5} {speaker:<28} [{cue}] {:?}",
            q.start, q.end, q.text
        )?;
    }
    writeln!(out)
}
