//! `newsdex quotes [QUERY]`

use std::io::{BufWriter, Write};
use std::path::Path;

use newsdex::index::NewsIndex;
use newsdex::output::json;
use newsdex::search::{actors, quotes};
use serde::Serialize;

use super::search::filtered;
use crate::cli::QuotesArgs;
use crate::Outcome;

#[derive(Serialize)]
struct Summary<'a> {
    query: &'a str,
    speaker: Option<&'a str>,
    quotes: usize,
}

pub fn run(index_path: &Path, args: QuotesArgs) -> anyhow::Result<Outcome> {
    let news = NewsIndex::open(index_path)?;
    let searcher = news.searcher()?;
    let request = filtered(&args.query, &args.filters)?;
    let speaker = match &args.speaker {
        Some(name) => Some(actors::resolve_one(&news, &searcher, name)?),
        None => None,
    };
    let found = quotes::find(&news, &searcher, &request, speaker.as_deref(), args.limit)?;
    let mut out = BufWriter::new(std::io::stdout().lock());
    if args.json {
        json::write_list(
            &mut out,
            "quote",
            &found,
            &Summary {
                query: &args.query,
                speaker: speaker.as_deref(),
                quotes: found.len(),
            },
        )?;
    } else {
        for q in &found {
            let who = q
                .speaker
                .as_deref()
                .and_then(|s| s.split_once(':'))
                .map_or("(unknown)", |(_, n)| n);
            let how = if q.direct { "said" } else { "said (indirect)" };
            let day = q
                .date
                .as_deref()
                .map_or("undated", |d| &d[..10.min(d.len())]);
            writeln!(
                out,
                "{who} {how}: \u{201c}{}\u{201d}",
                q.text.split_whitespace().collect::<Vec<_>>().join(" ")
            )?;
            writeln!(
                out,
                "   {}  ({day}, {})",
                q.title,
                q.source.as_deref().unwrap_or("no source")
            )?;
        }
    }
    out.flush()?;
    Ok(Outcome::found_if(!found.is_empty()))
}
