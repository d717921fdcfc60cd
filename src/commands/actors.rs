//! `newsdex actors [QUERY]`

use std::io::{BufWriter, Write};
use std::path::Path;

use anyhow::Context;
use newsdex::extract::gazetteer::ActorKind;
use newsdex::index::NewsIndex;
use newsdex::output::json;
use newsdex::search::actors;
use serde::Serialize;

use super::search::filtered;
use super::thousands;
use crate::cli::ActorsArgs;
use crate::Outcome;

#[derive(Serialize)]
struct Summary<'a> {
    query: &'a str,
    with: Option<&'a str>,
    actors: usize,
}

pub fn run(index_path: &Path, args: ActorsArgs) -> anyhow::Result<Outcome> {
    let kind = match &args.kind {
        Some(k) => Some(
            ActorKind::parse(k)
                .with_context(|| format!("--type {k:?}: expected person, organisation or place"))?,
        ),
        None => None,
    };
    let news = NewsIndex::open(index_path)?;
    let searcher = news.searcher()?;
    let mut request = filtered(&args.query, &args.filters)?;
    let with = match &args.with {
        Some(name) => {
            let id = actors::resolve_one(&news, &searcher, name)?;
            request.actor_ids.push(id.clone());
            Some(id)
        }
        None => None,
    };
    let counts = actors::count(&news, &searcher, &request, kind, args.top)?;
    let mut out = BufWriter::new(std::io::stdout().lock());
    if args.json {
        json::write_list(
            &mut out,
            "actor",
            &counts,
            &Summary {
                query: &args.query,
                with: with.as_deref(),
                actors: counts.len(),
            },
        )?;
    } else {
        if let Some(id) = &with {
            writeln!(out, "actors in the same passages as {id}:")?;
        }
        writeln!(
            out,
            "{:>4}  {:<13} {:<40} {:>9} {:>9}",
            "rank", "type", "name", "passages", "articles"
        )?;
        for (i, c) in counts.iter().enumerate() {
            writeln!(
                out,
                "{:>4}  {:<13} {:<40} {:>9} {:>9}",
                i + 1,
                c.kind,
                c.name,
                thousands(c.passages),
                thousands(c.articles)
            )?;
        }
    }
    out.flush()?;
    Ok(Outcome::found_if(!counts.is_empty()))
}
