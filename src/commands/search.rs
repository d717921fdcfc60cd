//! `newsdex search QUERY`

use std::io::{BufWriter, Write};
use std::path::Path;

use newsdex::index::NewsIndex;
use newsdex::output::json::{self, SearchSummary};
use newsdex::output::text::{self, Marks};
use newsdex::search::{self, Request, Sort};
use newsdex::{dates, Error};

use super::stdout_wants_color;
use crate::cli::{ColorArg, FilterArgs, SearchArgs, SortArg};
use crate::Outcome;

pub fn run(index_path: &Path, args: SearchArgs) -> anyhow::Result<Outcome> {
    let request = Request {
        limit: args.limit,
        offset: args.offset,
        per_article: args.per_article as usize,
        sort: match args.sort {
            SortArg::Relevance => Sort::Relevance,
            SortArg::Date => Sort::Date,
        },
        match_any: args.any,
        whole_articles: args.articles,
        topics: args.topic.clone(),
        ..filtered(&args.query, &args.filters)?
    };
    let news = NewsIndex::open(index_path)?;
    let searcher = news.searcher()?;
    let mut request = request;
    for name in &args.actor {
        let id = search::actors::resolve_one(&news, &searcher, name)?;
        if !name.contains(':') {
            eprintln!("--actor {name:?}: {id}");
        }
        request.actor_ids.push(id);
    }
    let results = search::search(&news, &searcher, &request)?;

    let mut out = BufWriter::new(std::io::stdout().lock());
    if args.json {
        for hit in &results.hits {
            json::write_line(&mut out, "hit", hit)?;
        }
        let summary = SearchSummary {
            query: &args.query,
            hits: results.hits.len(),
            matched_passages: results.matched_passages,
            elapsed_ms: results.elapsed.as_secs_f64() * 1e3,
        };
        json::write_line(&mut out, "summary", &summary)?;
    } else {
        let color = match args.color {
            ColorArg::Always => true,
            ColorArg::Never => false,
            ColorArg::Auto => stdout_wants_color(),
        };
        let marks = if color { Marks::Color } else { Marks::Plain };
        for hit in &results.hits {
            text::write_hit(&mut out, hit, marks)?;
        }
    }
    out.flush()?;
    if !args.json {
        eprintln!(
            "{} hits shown of {} matching passages ({:.1} ms)",
            results.hits.len(),
            results.matched_passages,
            results.elapsed.as_secs_f64() * 1e3
        );
    }
    Ok(Outcome::found_if(!results.hits.is_empty()))
}

/// A request for `query` narrowed by the shared filter flags, other settings at their defaults.
pub(crate) fn filtered(query: &str, filters: &FilterArgs) -> Result<Request, Error> {
    Ok(Request {
        query: query.to_string(),
        since: filters
            .since
            .as_deref()
            .map(|s| parse_date("--since", s, false))
            .transpose()?,
        until: filters
            .until
            .as_deref()
            .map(|s| parse_date("--until", s, true))
            .transpose()?,
        sources: filters.source.clone(),
        ..Request::default()
    })
}

/// Parses a --since/--until date. A bare day given to --until means the end of that day.
fn parse_date(
    what: &'static str,
    value: &str,
    end_of_day: bool,
) -> Result<chrono::DateTime<chrono::Utc>, Error> {
    let date = dates::parse(value).ok_or_else(|| Error::Date {
        what,
        value: value.to_string(),
    })?;
    let has_time = value.contains(':')
        || value.trim().chars().all(|c| c.is_ascii_digit()) && value.trim().len() > 8;
    Ok(if end_of_day && !has_time {
        date + chrono::Duration::days(1)
    } else {
        date
    })
}
