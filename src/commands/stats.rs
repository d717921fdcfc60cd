//! `newsdex stats`

use std::path::Path;

use newsdex::index::{self, NewsIndex};

use super::thousands;
use crate::cli::StatsArgs;
use crate::Outcome;

pub fn run(index_path: &Path, args: StatsArgs) -> anyhow::Result<Outcome> {
    let news = NewsIndex::open(index_path)?;
    let stats = index::stats(&news)?;
    super::report(args.json, &stats, |out| {
        writeln!(out, "index           {}", index_path.display())?;
        writeln!(out, "schema version  {}", stats.schema_version)?;
        writeln!(out, "articles        {}", thousands(stats.articles))?;
        writeln!(out, "passages        {}", thousands(stats.passages))?;
        let range = match (&stats.first_date, &stats.last_date) {
            (Some(a), Some(b)) => format!("{} to {}", &a[..10.min(a.len())], &b[..10.min(b.len())]),
            _ => "no dated articles".to_string(),
        };
        writeln!(
            out,
            "dates           {range} ({} passages undated)",
            thousands(stats.undated_passages)
        )?;
        writeln!(
            out,
            "size on disk    {:.1} MB in {} segments",
            stats.size_bytes as f64 / 1e6,
            stats.segments
        )?;
        writeln!(out, "sources         {}", stats.sources.len())?;
        for (source, passages) in stats.sources.iter().take(20) {
            writeln!(out, "  {:>10}  {source}", thousands(*passages))?;
        }
        if stats.sources.len() > 20 {
            writeln!(
                out,
                "  ... and {} more (--json lists all)",
                stats.sources.len() - 20
            )?;
        }
        Ok(())
    })?;
    Ok(Outcome::found_if(stats.passages > 0))
}
