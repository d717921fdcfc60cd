//! `newsdex index DIR...`

use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use newsdex::archive::{FieldMap, Issue, IssueKind};
use newsdex::index::{self, Settings, Summary};

use super::thousands;
use crate::cli::IndexArgs;
use crate::Outcome;

/// Problems of one kind printed before the rest are only counted (unless --verbose).
const SHOWN_PER_KIND: usize = 10;

pub fn run(index_path: &Path, args: IndexArgs) -> anyhow::Result<Outcome> {
    let mut fields = FieldMap::default();
    for spec in &args.fields {
        fields.add_override(spec).map_err(anyhow::Error::msg)?;
    }
    let mut settings = Settings {
        memory_mb: args.memory,
        commit_interval: Duration::from_secs(args.commit_every.max(1)),
        rebuild: args.rebuild,
        fields,
        actors: !args.no_actors,
        quotes: !args.no_quotes,
        topics: !args.no_topics,
        actors_file: args.actors.clone(),
        ..Settings::default()
    };
    if let Some(n) = args.threads {
        settings.threads = usize::from(n);
    }

    let show_progress = !args.quiet && !args.json && std::io::stderr().is_terminal();
    let bar = if show_progress {
        ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr())
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.enable_steady_tick(Duration::from_millis(200));

    let mut shown: HashMap<IssueKind, usize> = HashMap::new();
    let quiet = args.quiet || args.json;
    let verbose = args.verbose;
    let mut on_issue = |issue: &Issue| {
        if quiet {
            return;
        }
        let n = shown.entry(issue.kind).or_default();
        *n += 1;
        if verbose || *n <= SHOWN_PER_KIND {
            bar.suspend(|| eprintln!("newsdex: warning: {issue}"));
        }
    };
    let mut on_progress = |p: &index::Progress| {
        bar.set_length(p.bytes_total);
        bar.set_position(p.bytes_done);
        bar.set_message(format!(
            "{}/{} files, {} articles",
            p.files_done,
            p.files_total,
            thousands(p.articles as u64)
        ));
    };
    let summary = index::run(
        index_path,
        &args.dirs,
        &settings,
        &mut on_issue,
        &mut on_progress,
    )
    .with_context(|| format!("indexing into {}", index_path.display()))?;
    bar.finish_and_clear();

    if args.json {
        let mut out = std::io::stdout().lock();
        serde_json::to_writer(&mut out, &summary)?;
        writeln!(out)?;
    } else {
        print_summary(index_path, &summary, verbose);
    }
    Ok(Outcome::found_if(summary.articles > 0))
}

fn print_summary(index_path: &Path, s: &Summary, verbose: bool) {
    let secs = s.elapsed_secs.max(1e-9);
    let mb = s.body_bytes as f64 / 1e6;
    eprintln!(
        "indexed {} articles ({} passages) from {} files into {} in {:.1} s: {:.0} articles/s, {:.1} MB/s of body text ({:.1} MB)",
        thousands(s.articles as u64),
        thousands(s.passages as u64),
        thousands(s.files_read as u64),
        index_path.display(),
        secs,
        s.articles as f64 / secs,
        mb / secs,
        mb,
    );
    if s.sidecars > 0 {
        eprintln!(
            "joined metadata from {} sidecar table(s) to {} text files",
            s.sidecars,
            thousands(s.sidecar_joined as u64)
        );
    }
    let mut any = false;
    for kind in IssueKind::ALL {
        let n = s.issue_count(kind);
        if n > 0 {
            if !any {
                eprintln!("skipped or changed:");
                any = true;
            }
            eprintln!(
                "  {:>8}  {:<13} {}",
                thousands(n as u64),
                kind.name(),
                kind.outcome()
            );
        }
    }
    let hidden: usize = IssueKind::ALL
        .iter()
        .map(|&k| s.issue_count(k).saturating_sub(SHOWN_PER_KIND))
        .sum();
    if any && !verbose && hidden > 0 {
        eprintln!(
            "  (use --verbose to list all {} problems)",
            thousands(
                IssueKind::ALL
                    .iter()
                    .map(|&k| s.issue_count(k) as u64)
                    .sum()
            )
        );
    }
}
