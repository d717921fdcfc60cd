//! `newsdex topics [QUERY]`

use std::io::{BufWriter, Write};
use std::path::Path;

use newsdex::index::NewsIndex;
use newsdex::output::json;
use newsdex::search::topics;
use serde::Serialize;

use super::search::filtered;
use super::thousands;
use crate::cli::TopicsArgs;
use crate::Outcome;

#[derive(Serialize)]
struct Summary<'a> {
    query: &'a str,
    topics: usize,
}

pub fn run(index_path: &Path, args: TopicsArgs) -> anyhow::Result<Outcome> {
    let news = NewsIndex::open(index_path)?;
    let searcher = news.searcher()?;
    let counts = topics::count(&news, &searcher, &filtered(&args.query, &args.filters)?)?;
    let mut out = BufWriter::new(std::io::stdout().lock());
    if args.json {
        json::write_list(
            &mut out,
            "topic",
            &counts,
            &Summary {
                query: &args.query,
                topics: counts.len(),
            },
        )?;
    } else {
        writeln!(
            out,
            "{:<20} {:<40} {:>9} {:>9}",
            "topic", "name", "articles", "passages"
        )?;
        for c in &counts {
            writeln!(
                out,
                "{:<20} {:<40} {:>9} {:>9}",
                c.id,
                c.name,
                thousands(c.articles),
                thousands(c.passages)
            )?;
        }
    }
    out.flush()?;
    Ok(Outcome::found_if(!counts.is_empty()))
}
