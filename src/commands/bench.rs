//! `newsdex bench`: indexing, latency and quality on one corpus (or several generated sizes),
//! with peers on the same articles. The indexer runs as a child process (this same binary), so
//! its wall time and peak memory are what `newsdex index` costs a user.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use newsdex::bench::latency::{self, ClassLatency};
use newsdex::bench::lucene::Lucene;
use newsdex::bench::peers::{self, IndexRun, PeerReport, RawTantivy};
use newsdex::bench::quality::{self, Quality};
use newsdex::bench::queries::{self, BenchQuery, Class};
use newsdex::bench::{fitted_exponent, generate, median_run, rank_articles, MachineWaits};
use newsdex::index::NewsIndex;
use serde::Serialize;

use super::{report, thousands};
use crate::cli::BenchArgs;
use crate::Outcome;

/// Ranking depth for quality measures (trec_eval's default).
const DEPTH: usize = 1000;

/// What indexing one corpus cost.
#[derive(Debug, Clone, Serialize)]
struct Indexing {
    /// Wall time of the median run (`--index-runs`), seconds; the other figures are that run's.
    secs: f64,
    /// Every run's wall time, in the order they ran (filled by `run_one`).
    secs_runs: Vec<f64>,
    articles: u64,
    passages: u64,
    body_bytes: u64,
    input_bytes: u64,
    articles_per_sec: f64,
    passages_per_sec: f64,
    /// MB (10^6 bytes) of body text per second.
    mb_per_sec: f64,
    /// User and system CPU time of the indexing process, seconds: on a machine whose speed
    /// drifts, a steadier figure of the work than wall time. Absent where the OS does not say.
    cpu_secs: Option<f64>,
    /// The whole machine's CPU time idle on pending disk I/O while the indexer ran, seconds
    /// (Linux): a run that waited on its disks. Absent where the OS does not say.
    #[serde(skip_serializing_if = "Option::is_none")]
    io_wait_secs: Option<f64>,
    /// The whole machine's CPU time taken by the host of its virtual machine meanwhile.
    #[serde(skip_serializing_if = "Option::is_none")]
    steal_secs: Option<f64>,
    /// Peak resident memory of the indexing process, MB; absent where the OS does not say.
    peak_rss_mb: Option<f64>,
    /// The highest anonymous (heap) part of it seen, sampled every 10 ms, MB; the rest is
    /// index files mapped while segments merge, pages the kernel can drop. Linux only.
    peak_anon_mb: Option<f64>,
    memory_budget_mb: usize,
    index_bytes: u64,
    /// Index size ÷ body text.
    index_ratio: f64,
    /// What the indexer skipped or changed, by reason.
    issues: serde_json::Value,
}

/// newsdex ÷ peer for one figure (lower is better for time and size, higher for MAP).
#[derive(Debug, Clone, Serialize)]
struct Ratio {
    peer: String,
    figure: String,
    ratio: f64,
}

#[derive(Debug, Clone, Serialize)]
struct Run {
    corpus: String,
    /// Absent with `--existing`: nothing was indexed.
    #[serde(skip_serializing_if = "Option::is_none")]
    indexing: Option<Indexing>,
    latency: BTreeMap<Class, ClassLatency>,
    /// Geometric mean, over all text queries, of each query's median latency (ms).
    text_geomean_ms: f64,
    concurrency: usize,
    queries_per_sec: f64,
    /// Median of whole `newsdex search` processes (ms), as a shell user sees it.
    process_p50_ms: Option<f64>,
    /// Articles ranked as wholes (`search --articles`): what the ratios to peers use.
    quality: Option<Quality>,
    /// Articles ranked by their best passage (plain `search`), for comparison.
    quality_by_passage: Option<Quality>,
    peers: Vec<PeerReport>,
    ratios: Vec<Ratio>,
}

#[derive(Debug, Clone, Serialize)]
struct Scaling {
    articles: Vec<u64>,
    /// Fitted exponents of cost against articles (1.0 = linear).
    index_secs_exponent: Option<f64>,
    peak_rss_exponent: Option<f64>,
    index_bytes_exponent: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
struct BenchReport {
    threads: usize,
    runs: Vec<Run>,
    scaling: Option<Scaling>,
}

/// Runs `newsdex bench`; `index` is the global `--index`, which only `--existing` measures.
pub fn run(index: &Path, args: BenchArgs) -> anyhow::Result<Outcome> {
    let threads = args
        .threads
        .map(usize::from)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
    // `--existing` writes nothing: no work folder for it.
    if !args.existing {
        std::fs::create_dir_all(&args.work)
            .with_context(|| format!("creating {}", args.work.display()))?;
    }
    let test = match (&args.queries, &args.qrels) {
        (Some(q), Some(r)) => {
            let queries = quality::parse_queries(
                &std::fs::read_to_string(q).with_context(|| format!("reading {}", q.display()))?,
            );
            let qrels = quality::parse_qrels(
                &std::fs::read_to_string(r).with_context(|| format!("reading {}", r.display()))?,
            );
            if queries.is_empty() || qrels.is_empty() {
                bail!(
                    "no {} in {}",
                    if queries.is_empty() {
                        "queries"
                    } else {
                        "judgments"
                    },
                    if queries.is_empty() { q } else { r }.display()
                );
            }
            Some((queries, qrels))
        }
        _ => None,
    };

    let mut corpora: Vec<(String, Vec<PathBuf>)> = Vec::new();
    if args.existing {
        corpora.push((index.display().to_string(), Vec::new()));
    } else if !args.corpus.is_empty() {
        let name = args
            .corpus
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(" ");
        corpora.push((name, args.corpus.clone()));
    } else {
        let sizes = if args.scale.is_empty() {
            args.generate.into_iter().collect()
        } else {
            args.scale.clone()
        };
        for n in sizes {
            let dir = args.work.join(format!("corpus-{n}"));
            progress(
                &args,
                &format!(
                    "generating {} articles into {}",
                    thousands(n as u64),
                    dir.display()
                ),
            );
            let started = Instant::now();
            let m = generate::ensure(&dir, n, args.seed)
                .with_context(|| format!("generating into {}", dir.display()))?;
            progress(
                &args,
                &format!(
                    "  {} articles, {:.1} MB ({:.1} s)",
                    thousands(m.articles as u64),
                    m.bytes as f64 / 1e6,
                    started.elapsed().as_secs_f64()
                ),
            );
            corpora.push((format!("generated {n}"), vec![dir]));
        }
    }

    let existing = args.existing.then_some(index);
    let mut runs = Vec::new();
    for (label, roots) in &corpora {
        let run = run_one(&args, threads, label, roots, existing, test.as_ref())?;
        runs.push(run);
    }
    let scaling = (runs.len() > 1).then(|| {
        let indexed: Vec<&Indexing> = runs.iter().filter_map(|r| r.indexing.as_ref()).collect();
        let points = |f: &dyn Fn(&Indexing) -> Option<f64>| -> Vec<(f64, f64)> {
            indexed
                .iter()
                .filter_map(|i| Some((i.articles as f64, f(i)?)))
                .collect()
        };
        Scaling {
            articles: indexed.iter().map(|i| i.articles).collect(),
            index_secs_exponent: fitted_exponent(&points(&|i| Some(i.secs))),
            peak_rss_exponent: fitted_exponent(&points(&|i| i.peak_rss_mb)),
            index_bytes_exponent: fitted_exponent(&points(&|i| Some(i.index_bytes as f64))),
        }
    });
    let bench = BenchReport {
        threads,
        runs,
        scaling,
    };
    report(args.json, &bench, |out| print_human(out, &bench))?;
    Ok(Outcome::Found)
}

fn progress(args: &BenchArgs, message: &str) {
    if !args.json {
        eprintln!("{message}");
    }
}

fn run_one(
    args: &BenchArgs,
    threads: usize,
    label: &str,
    roots: &[PathBuf],
    existing: Option<&Path>,
    test: Option<&(Vec<quality::TestQuery>, quality::Qrels)>,
) -> anyhow::Result<Run> {
    let slug: String = label
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let slug = slug
        .trim_matches('-')
        .chars()
        .rev()
        .take(40)
        .collect::<String>()
        .chars()
        .rev()
        .collect::<String>();
    let (index_dir, indexing, raw_earlier) = match existing {
        Some(dir) => (dir.to_path_buf(), None, Vec::new()),
        None => {
            let dir = args.work.join(format!("index-{slug}"));
            let (indexing, raw) = index_corpus(args, threads, label, roots, &dir, &slug)?;
            (dir, Some(indexing), raw)
        }
    };

    let news = NewsIndex::open(&index_dir)?;
    let searcher = news.searcher()?;
    let mix = queries::derive(&news, &searcher, args.per_class, args.seed)?;
    let mut in_process = if args.peers {
        InProcess::build(args, threads, &slug, roots, &raw_earlier)?
    } else {
        InProcess::default()
    };
    progress(
        args,
        &format!(
            "timing {} queries × {} runs{}",
            mix.len(),
            args.repeat,
            if args.peers {
                ", in turns with the peers that run in this process"
            } else {
                ""
            }
        ),
    );
    let mut engines = vec![latency::engine(&news, &searcher)];
    engines.extend(in_process.engines()?);
    let mut latencies = latency::time_in_turns(&mix, args.repeat, &mut engines)?;
    drop(engines);
    let latency = latencies.remove(0);
    in_process.latencies = latencies;
    let queries_per_sec = latency::throughput(&news, &searcher, &mix, args.concurrency, 3)?;
    let process_p50_ms = time_processes(&index_dir, &mix, args.processes)?;
    let judge = |whole_articles| -> anyhow::Result<Option<Quality>> {
        let Some((queries, qrels)) = test else {
            return Ok(None);
        };
        let rankings = rank_articles(&news, &searcher, queries, DEPTH, whole_articles)?;
        Ok(Some(quality::evaluate(qrels, queries, &rankings)))
    };
    let quality = judge(true)?;
    let quality_by_passage = judge(false)?;
    drop(searcher);

    let mut peer_reports = Vec::new();
    if args.peers {
        peer_reports = run_peers(args, threads, &slug, roots, &mix, test, in_process)?;
    }
    if !args.keep && existing.is_none() {
        let _ = std::fs::remove_dir_all(&index_dir);
    }
    let text_geomean_ms = text_geomean(&latency);
    let mut run = Run {
        corpus: label.to_string(),
        indexing,
        latency,
        text_geomean_ms,
        concurrency: args.concurrency,
        queries_per_sec,
        process_p50_ms,
        quality,
        quality_by_passage,
        peers: peer_reports,
        ratios: Vec::new(),
    };
    run.ratios = ratios(&run);
    Ok(run)
}

/// Indexes `roots` into `index_dir` `--index-runs` times (raw tantivy taking turns with
/// `--peers`): the median run, and raw tantivy's runs but its last.
fn index_corpus(
    args: &BenchArgs,
    threads: usize,
    label: &str,
    roots: &[PathBuf],
    index_dir: &Path,
    slug: &str,
) -> anyhow::Result<(Indexing, Vec<IndexRun>)> {
    let runs = usize::from(args.index_runs);
    let mut ours = Vec::with_capacity(runs);
    let mut raw_earlier = Vec::new();
    for run in 1..=runs {
        let nth = if runs > 1 {
            format!(", run {run} of {runs}")
        } else {
            String::new()
        };
        progress(
            args,
            &format!("indexing {label} with newsdex ({threads} threads{nth})"),
        );
        ours.push(index_with_newsdex(index_dir, roots, threads, args.memory)?);
        // Raw tantivy, the floor newsdex is measured against, takes its turns in between, so
        // a drift in the machine's speed touches both alike. Its last run is in `run_peers`,
        // which keeps that index for its queries.
        if args.peers && run < runs {
            progress(args, &format!("indexing with raw tantivy{nth}"));
            let dir = peer_path(args, "tantivy", slug);
            let (_, raw) = RawTantivy::build(&dir, roots, threads, args.memory)?;
            raw_earlier.push(raw);
        }
    }
    let mut indexing = median_run(&ours, |i| i.secs)
        .cloned()
        .context("no indexing run")?;
    indexing.secs_runs = ours.iter().map(|i| i.secs).collect();
    progress(
        args,
        &format!(
            "  {} articles in {:.2} s: {:.0} articles/s, {:.1} MB/s",
            thousands(indexing.articles),
            indexing.secs,
            indexing.articles_per_sec,
            indexing.mb_per_sec
        ),
    );

    Ok((indexing, raw_earlier))
}

/// Geometric mean over all text queries, from each class's geometric mean and count.
fn text_geomean(latency: &BTreeMap<Class, ClassLatency>) -> f64 {
    let (mut logs, mut n) = (0.0, 0usize);
    for (class, l) in latency {
        if class.is_text() && l.queries > 0 && l.geomean_ms > 0.0 {
            logs += l.geomean_ms.ln() * l.queries as f64;
            n += l.queries;
        }
    }
    if n == 0 {
        0.0
    } else {
        (logs / n as f64).exp()
    }
}

/// Where a peer's index of the corpus `slug` is kept, under `--work`.
fn peer_path(args: &BenchArgs, peer: &str, slug: &str) -> PathBuf {
    args.work.join(format!("peer-{peer}-{slug}"))
}

/// FTS5's database of the corpus `slug`.
#[cfg(feature = "peers")]
fn fts5_path(args: &BenchArgs, slug: &str) -> PathBuf {
    peer_path(args, "fts5", slug).with_extension("db")
}

/// The peers that run in this process (raw tantivy, and FTS5 when built in), built before any
/// query is timed so that newsdex and they are timed in turns ([`latency::time_in_turns`]).
#[derive(Default)]
struct InProcess {
    raw: Option<(RawTantivy, IndexRun)>,
    #[cfg(feature = "peers")]
    fts5: Option<(peers::Fts5, IndexRun)>,
    /// Their latencies once timed, in the order of [`InProcess::engines`].
    latencies: Vec<BTreeMap<Class, ClassLatency>>,
}

impl InProcess {
    /// Raw tantivy's last indexing run (its earlier ones took turns with newsdex's), then
    /// FTS5's `--index-runs`.
    fn build(
        args: &BenchArgs,
        threads: usize,
        slug: &str,
        roots: &[PathBuf],
        raw_earlier: &[IndexRun],
    ) -> anyhow::Result<InProcess> {
        progress(args, "peer: raw tantivy");
        let dir = peer_path(args, "tantivy", slug);
        let (raw, run) = RawTantivy::build(&dir, roots, threads, args.memory)?;
        Ok(InProcess {
            raw: Some((raw, run.after(raw_earlier))),
            #[cfg(feature = "peers")]
            fts5: {
                progress(args, "peer: SQLite FTS5");
                let path = fts5_path(args, slug);
                Some(build_runs(args, || {
                    Ok(peers::Fts5::build(&path, roots, threads)?)
                })?)
            },
            latencies: Vec::new(),
        })
    }

    /// Their engines, in the order [`run_peers`] takes their latencies.
    fn engines(&self) -> anyhow::Result<Vec<latency::Engine<'_>>> {
        let mut engines = Vec::new();
        if let Some((raw, _)) = &self.raw {
            engines.push(raw.engine()?);
        }
        #[cfg(feature = "peers")]
        if let Some((db, _)) = &self.fts5 {
            engines.push(db.engine());
        }
        Ok(engines)
    }
}

/// The peers' reports: those run in this process (`in_process`, timed), then Lucene and
/// ripgrep, each built and timed on its own.
fn run_peers(
    args: &BenchArgs,
    threads: usize,
    slug: &str,
    roots: &[PathBuf],
    mix: &[BenchQuery],
    test: Option<&(Vec<quality::TestQuery>, quality::Qrels)>,
    in_process: InProcess,
) -> anyhow::Result<Vec<PeerReport>> {
    let mut reports = Vec::new();
    let InProcess {
        raw,
        #[cfg(feature = "peers")]
        fts5,
        latencies,
    } = in_process;
    let mut latencies = latencies.into_iter();

    if let Some((raw, run)) = raw {
        let mut report =
            in_process_report("tantivy (raw)", run, latencies.next(), test, |w, depth| {
                raw.rank(w, depth)
            })?;
        drop(raw);
        let dir = peer_path(args, "tantivy", slug);
        if args.processes > 0 {
            progress(
                args,
                "peer: tantivy-cli processes (when `tantivy` is on PATH)",
            );
            report.process_p50_ms =
                peers::tantivy_cli_process_ms(&dir, &process_sample(mix, args.processes));
        }
        if !args.keep {
            let _ = std::fs::remove_dir_all(&dir);
        }
        reports.push(report);
    }

    #[cfg(feature = "peers")]
    if let Some((db, run)) = fts5 {
        let report = in_process_report("SQLite FTS5", run, latencies.next(), test, |w, depth| {
            db.rank(w, depth)
        })?;
        drop(db);
        if !args.keep {
            let _ = std::fs::remove_file(fts5_path(args, slug));
        }
        reports.push(report);
    }
    #[cfg(not(feature = "peers"))]
    reports.push(PeerReport {
        name: "SQLite FTS5".into(),
        skipped: Some("not built in: cargo build --release --features peers".into()),
        ..PeerReport::default()
    });

    if let Some(jar) = &args.lucene {
        reports.push(lucene(args, jar, threads, slug, roots, mix, test));
    }

    progress(args, "peer: ripgrep");
    reports.push(peers::ripgrep(roots, mix, args.repeat.min(3)));
    Ok(reports)
}

/// An in-process peer's report: its indexing run, its latencies (timed in turns with
/// newsdex's) and its quality, given how it ranks a list of words.
fn in_process_report(
    name: &str,
    run: IndexRun,
    latency: Option<BTreeMap<Class, ClassLatency>>,
    test: Option<&(Vec<quality::TestQuery>, quality::Qrels)>,
    rank: impl Fn(&[String], usize) -> newsdex::Result<Vec<String>>,
) -> anyhow::Result<PeerReport> {
    Ok(PeerReport {
        name: name.into(),
        index: Some(run),
        latency: latency.unwrap_or_default(),
        quality: peer_quality(test, |all| all.iter().map(|w| rank(w, DEPTH)).collect())?,
        ..PeerReport::default()
    })
}

/// A peer's quality on the test queries, given how it ranks ORs of words (article ids, one
/// ranking per word list, all asked at once).
fn peer_quality(
    test: Option<&(Vec<quality::TestQuery>, quality::Qrels)>,
    rank_all: impl FnOnce(&[Vec<String>]) -> newsdex::Result<Vec<Vec<String>>>,
) -> anyhow::Result<Option<Quality>> {
    let Some((queries, qrels)) = test else {
        return Ok(None);
    };
    let words: Vec<Vec<String>> = queries.iter().map(|q| quality::words_of(&q.text)).collect();
    let rankings = queries
        .iter()
        .zip(rank_all(&words)?)
        .map(|(q, ranking)| {
            let ids = ranking.iter().map(|id| quality::doc_id(id).to_string());
            (q.id.clone(), ids.collect())
        })
        .collect();
    Ok(Some(quality::evaluate(qrels, queries, &rankings)))
}

/// Builds a peer's index `--index-runs` times and keeps the last, with the median time.
fn build_runs<E>(
    args: &BenchArgs,
    mut build: impl FnMut() -> anyhow::Result<(E, IndexRun)>,
) -> anyhow::Result<(E, IndexRun)> {
    let mut earlier = Vec::new();
    loop {
        let (engine, run) = build()?;
        if earlier.len() + 1 >= usize::from(args.index_runs) {
            return Ok((engine, run.after(&earlier)));
        }
        earlier.push(run);
    }
}

/// Lucene, when --lucene names a jar and Java is here.
fn lucene(
    args: &BenchArgs,
    jar: &Path,
    threads: usize,
    slug: &str,
    roots: &[PathBuf],
    mix: &[BenchQuery],
    test: Option<&(Vec<quality::TestQuery>, quality::Qrels)>,
) -> PeerReport {
    let mut report = PeerReport {
        name: "Lucene".into(),
        ..PeerReport::default()
    };
    if let Some(why) = Lucene::unavailable(jar) {
        report.skipped = Some(why);
        return report;
    }
    progress(args, "peer: Lucene");
    let work = peer_path(args, "lucene", slug);
    let outcome = (|| -> anyhow::Result<()> {
        let (engine, run) = build_runs(args, || {
            Ok(Lucene::build(&work, jar, roots, threads, args.memory)?)
        })?;
        report.index = Some(run);
        report.latency = engine.latency(mix, args.repeat)?;
        report.quality = peer_quality(test, |all| engine.rank_all(all, DEPTH))?;
        Ok(())
    })();
    if let Err(e) = outcome {
        report.skipped = Some(format!("{e:#}"));
    }
    if !args.keep {
        let _ = std::fs::remove_dir_all(&work);
    }
    report
}

fn ratios(run: &Run) -> Vec<Ratio> {
    let mut out = Vec::new();
    let mut push = |peer: &str, figure: String, ours: f64, theirs: f64| {
        if ours > 0.0 && theirs > 0.0 {
            out.push(Ratio {
                peer: peer.to_string(),
                figure,
                ratio: ours / theirs,
            });
        }
    };
    for peer in run.peers.iter().filter(|p| p.skipped.is_none()) {
        if let (Some(ours), Some(index)) = (&run.indexing, &peer.index) {
            push(&peer.name, "indexing time".into(), ours.secs, index.secs);
            if let (Some(ours), Some(theirs)) = (ours.cpu_secs, index.cpu_secs) {
                push(&peer.name, "indexing CPU time".into(), ours, theirs);
            }
            push(
                &peer.name,
                "index size".into(),
                ours.index_bytes as f64,
                index.index_bytes as f64,
            );
        }
        for (class, theirs) in &peer.latency {
            if let Some(ours) = run.latency.get(class) {
                push(
                    &peer.name,
                    format!("latency: {}", class.name()),
                    ours.geomean_ms,
                    theirs.geomean_ms,
                );
            }
        }
        // Over the classes this peer answered (ripgrep cannot run AND or proximity).
        let ours: BTreeMap<Class, ClassLatency> = run
            .latency
            .iter()
            .filter(|(c, _)| peer.latency.contains_key(c))
            .map(|(c, l)| (*c, l.clone()))
            .collect();
        if let (Some(ours), Some(theirs)) = (run.process_p50_ms, peer.process_p50_ms) {
            push(
                &peer.name,
                "whole search process (tantivy-cli)".into(),
                ours,
                theirs,
            );
        }
        push(
            &peer.name,
            "latency: all its text queries".into(),
            text_geomean(&ours),
            text_geomean(&peer.latency),
        );
        if let (Some(ours), Some(theirs)) = (&run.quality, &peer.quality) {
            push(&peer.name, "MAP".into(), ours.map, theirs.map);
        }
    }
    out
}

/// Runs `newsdex index` on `roots` into a fresh `index_dir` and measures it.
fn index_with_newsdex(
    index_dir: &Path,
    roots: &[PathBuf],
    threads: usize,
    memory: usize,
) -> anyhow::Result<Indexing> {
    let _ = std::fs::remove_dir_all(index_dir);
    let exe = std::env::current_exe().context("finding the newsdex executable")?;
    let mut cmd = Command::new(exe);
    cmd.arg("--index")
        .arg(index_dir)
        .args(["index", "--json", "--quiet", "--threads"])
        .arg(threads.to_string())
        .arg("--memory")
        .arg(memory.to_string())
        .args(roots)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    let started = Instant::now();
    let waits_before = MachineWaits::now();
    let Measured {
        stdout,
        success,
        cpu_secs,
        peak_rss_kb,
        peak_anon_kb,
    } = run_measured(cmd)?;
    let secs = started.elapsed().as_secs_f64();
    let waits = MachineWaits::now()
        .zip(waits_before)
        .map(|(a, b)| a.since(b));
    if !success {
        bail!(
            "newsdex index failed on {}",
            roots
                .iter()
                .map(|r| r.display().to_string())
                .collect::<Vec<_>>()
                .join(" ")
        );
    }
    let summary: serde_json::Value =
        serde_json::from_str(&stdout).context("reading the indexer's JSON summary")?;
    let get = |k: &str| summary[k].as_u64().unwrap_or(0);
    let (articles, passages, body_bytes) = (get("articles"), get("passages"), get("body_bytes"));
    let index_bytes = newsdex::index::dir_size(index_dir);
    Ok(Indexing {
        secs,
        secs_runs: Vec::new(), // `run_one` lists every run's time
        articles,
        passages,
        body_bytes,
        input_bytes: get("input_bytes"),
        articles_per_sec: articles as f64 / secs,
        passages_per_sec: passages as f64 / secs,
        mb_per_sec: body_bytes as f64 / 1e6 / secs,
        cpu_secs,
        io_wait_secs: waits.map(|w| w.io_wait_secs),
        steal_secs: waits.map(|w| w.steal_secs),
        peak_rss_mb: peak_rss_kb.map(|kb| kb as f64 / 1024.0),
        peak_anon_mb: peak_anon_kb.map(|kb| kb as f64 / 1024.0),
        memory_budget_mb: memory,
        index_bytes,
        index_ratio: index_bytes as f64 / body_bytes.max(1) as f64,
        issues: summary["issues"].clone(),
    })
}

/// What [`run_measured`] reports of a finished command.
struct Measured {
    stdout: String,
    success: bool,
    /// User and system CPU time, seconds.
    cpu_secs: Option<f64>,
    peak_rss_kb: Option<u64>,
    /// The highest anonymous RSS seen by sampling.
    peak_anon_kb: Option<u64>,
}

/// The anonymous resident memory of a running process in KB, from `/proc` (Linux).
fn rss_anon_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("RssAnon:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Runs a command to its end: its stdout, whether it succeeded, its CPU time, its peak RSS in
/// KB, and the highest anonymous RSS seen by sampling it every 10 ms.
#[cfg(unix)]
fn run_measured(mut cmd: Command) -> anyhow::Result<Measured> {
    let mut child = cmd.spawn().context("starting newsdex index")?;
    let child_id = child.id();
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let sampler = {
        let done = done.clone();
        std::thread::spawn(move || {
            let mut peak = None;
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                if let Some(kb) = rss_anon_kb(child_id) {
                    peak = Some(peak.unwrap_or(0).max(kb));
                }
                std::thread::sleep(Duration::from_millis(10));
            }
            peak
        })
    };
    let mut stdout = String::new();
    if let Some(mut out) = child.stdout.take() {
        out.read_to_string(&mut stdout)?;
    }
    let pid = child_id as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: an all-zero rusage is a valid value of that plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `pid` is our own child, not yet reaped; the pointers are to live locals.
    let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    let peak_anon = sampler.join().unwrap_or(None);
    if reaped != pid {
        let status = child.wait()?;
        return Ok(Measured {
            stdout,
            success: status.success(),
            cpu_secs: None,
            peak_rss_kb: None,
            peak_anon_kb: peak_anon,
        });
    }
    Ok(Measured {
        stdout,
        success: libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        cpu_secs: Some(newsdex::bench::cpu_secs_of(&usage)),
        // Linux reports ru_maxrss in kilobytes.
        peak_rss_kb: Some(usage.ru_maxrss as u64),
        peak_anon_kb: peak_anon,
    })
}

#[cfg(not(unix))]
fn run_measured(mut cmd: Command) -> anyhow::Result<Measured> {
    let out = cmd.output().context("starting newsdex index")?;
    Ok(Measured {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        success: out.status.success(),
        cpu_secs: None,
        peak_rss_kb: None,
        peak_anon_kb: None,
    })
}

/// The queries whose whole processes are timed: `n` text queries spread over the mix.
fn process_sample(mix: &[BenchQuery], n: usize) -> Vec<&BenchQuery> {
    let text: Vec<&BenchQuery> = mix.iter().filter(|q| q.class.is_text()).collect();
    let step = (text.len() / n.max(1)).max(1);
    text.into_iter().step_by(step).take(n).collect()
}

/// The median wall time of whole `newsdex search` processes over text queries of the mix.
fn time_processes(index_dir: &Path, mix: &[BenchQuery], n: usize) -> anyhow::Result<Option<f64>> {
    let exe = std::env::current_exe()?;
    let sample = process_sample(mix, n);
    if sample.is_empty() {
        return Ok(None);
    }
    let mut samples = Vec::new();
    for q in sample {
        for _ in 0..3 {
            let started = Instant::now();
            Command::new(&exe)
                .arg("--index")
                .arg(index_dir)
                .args(["search", "-n", "10", "--color", "never", "--"])
                .arg(&q.request.query)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()?;
            samples.push(started.elapsed().as_secs_f64() * 1e3);
        }
    }
    samples.sort_by(f64::total_cmp);
    Ok(Some(latency::quantile(&samples, 0.5)))
}

/// " (median of 3 runs: 11.21, 11.54, 13.80 s)" when there was more than one run.
fn runs_note(secs: &[f64]) -> String {
    if secs.len() < 2 {
        return String::new();
    }
    let all: Vec<String> = secs.iter().map(|s| format!("{s:.2}")).collect();
    format!(" (median of {} runs: {} s)", secs.len(), all.join(", "))
}

/// The indexing figures of one run.
fn write_indexing(out: &mut dyn Write, i: &Indexing) -> std::io::Result<()> {
    writeln!(
        out,
        "indexing: {} articles, {} passages, {:.1} MB of body text in {:.2} s{}{}",
        thousands(i.articles),
        thousands(i.passages),
        i.body_bytes as f64 / 1e6,
        i.secs,
        runs_note(&i.secs_runs),
        i.cpu_secs.map_or(String::new(), |cpu| format!(
            "; {cpu:.1} CPU-s, {:.2} cores busy",
            cpu / i.secs.max(1e-9)
        ))
    )?;
    writeln!(
        out,
        "  {:.0} articles/s, {:.0} passages/s, {:.1} MB/s; peak RSS {}{} (budget {} MB); index {:.1} MB = {:.2}× the body text",
        i.articles_per_sec,
        i.passages_per_sec,
        i.mb_per_sec,
        i.peak_rss_mb.map_or("unknown".to_string(), |m| format!("{m:.0} MB")),
        i.peak_anon_mb.map_or(String::new(), |m| format!(", anonymous {m:.0} MB")),
        i.memory_budget_mb,
        i.index_bytes as f64 / 1e6,
        i.index_ratio
    )?;
    if let (Some(io), Some(steal)) = (i.io_wait_secs, i.steal_secs) {
        writeln!(
            out,
            "  the machine's CPUs meanwhile: waited {io:.1} s on its disks and lost {steal:.1} s to its host"
        )?;
    }
    Ok(())
}

fn print_human(out: &mut dyn Write, bench: &BenchReport) -> std::io::Result<()> {
    for run in &bench.runs {
        match &run.indexing {
            Some(i) => {
                writeln!(out, "corpus: {}  ({} threads)", run.corpus, bench.threads)?;
                write_indexing(out, i)?;
            }
            None => writeln!(
                out,
                "index: {} (as built; nothing indexed here)",
                run.corpus
            )?,
        }
        writeln!(
            out,
            "search, in process (top 10 passages with highlights), ms:"
        )?;
        writeln!(
            out,
            "  {:<14} {:>7} {:>8} {:>8} {:>8} {:>8} {:>10}",
            "class", "queries", "p50", "p95", "p99", "geomean", "articles"
        )?;
        for (class, l) in &run.latency {
            writeln!(
                out,
                "  {:<14} {:>7} {:>8.3} {:>8.3} {:>8.3} {:>8.3} {:>10.0}",
                class.name(),
                l.queries,
                l.p50_ms,
                l.p95_ms,
                l.p99_ms,
                l.geomean_ms,
                l.mean_hits
            )?;
        }
        writeln!(
            out,
            "  all text queries: geometric mean {:.3} ms; {:.0} queries/s with {} threads",
            run.text_geomean_ms, run.queries_per_sec, run.concurrency
        )?;
        if let Some(p) = run.process_p50_ms {
            writeln!(out, "  a whole `newsdex search` process: median {p:.1} ms")?;
        }
        if let Some(q) = &run.quality {
            writeln!(out, "quality ({} judged queries):", q.queries)?;
            write_quality(out, "newsdex", q)?;
            if let Some(q) = &run.quality_by_passage {
                write_quality(out, "  by passage", q)?;
            }
            for p in &run.peers {
                if let Some(q) = &p.quality {
                    write_quality(out, &p.name, q)?;
                }
            }
        }
        if !run.peers.is_empty() {
            writeln!(out, "peers:")?;
            for p in &run.peers {
                if let Some(why) = &p.skipped {
                    writeln!(out, "  {:<14} skipped: {why}", p.name)?;
                    continue;
                }
                if let Some(IndexRun {
                    secs,
                    secs_runs,
                    cpu_secs,
                    index_bytes,
                    body_bytes,
                    articles,
                }) = &p.index
                {
                    writeln!(
                        out,
                        "  {:<14} indexed {} articles in {:.2} s{} ({:.1} MB/s{}), index {:.1} MB",
                        p.name,
                        thousands(*articles as u64),
                        secs,
                        runs_note(secs_runs),
                        *body_bytes as f64 / 1e6 / secs.max(1e-9),
                        cpu_secs.map_or(String::new(), |cpu| format!("; {cpu:.1} CPU-s")),
                        *index_bytes as f64 / 1e6
                    )?;
                }
                if let Some(ms) = p.process_p50_ms {
                    writeln!(
                        out,
                        "  {:<14} a whole tantivy-cli `tantivy search` process on this index: median {ms:.1} ms",
                        ""
                    )?;
                }
                let classes: Vec<String> = p
                    .latency
                    .iter()
                    .map(|(c, l)| format!("{} {:.3} ({:.0})", c.name(), l.geomean_ms, l.mean_hits))
                    .collect();
                writeln!(
                    out,
                    "  {:<14} geomean ms (hits: articles, or lines for ripgrep): {}; all text {:.3}",
                    if p.index.is_some() {
                        ""
                    } else {
                        p.name.as_str()
                    },
                    classes.join(", "),
                    text_geomean(&p.latency)
                )?;
            }
            writeln!(
                out,
                "newsdex ÷ peer (time and size: lower is better; MAP: higher):"
            )?;
            // As wide as the longest figure's name, so the ratios stand in one column.
            let width = run
                .ratios
                .iter()
                .map(|r| r.figure.chars().count())
                .max()
                .unwrap_or(0);
            for r in &run.ratios {
                writeln!(
                    out,
                    "  {:<14} {:<width$} {:>8.2}",
                    r.peer, r.figure, r.ratio
                )?;
            }
        }
        writeln!(out)?;
    }
    if let Some(s) = &bench.scaling {
        let fmt = |e: Option<f64>| e.map_or("n/a".to_string(), |e| format!("{e:.2}"));
        writeln!(
            out,
            "growth from {} to {} articles (fitted exponent, 1.00 = linear): indexing time {}, peak RSS {}, index size {}",
            thousands(*s.articles.first().unwrap_or(&0)),
            thousands(*s.articles.last().unwrap_or(&0)),
            fmt(s.index_secs_exponent),
            fmt(s.peak_rss_exponent),
            fmt(s.index_bytes_exponent)
        )?;
    }
    Ok(())
}

fn write_quality(out: &mut dyn Write, name: &str, q: &Quality) -> std::io::Result<()> {
    writeln!(
        out,
        "  {:<14} MAP {:.4}  nDCG@10 {:.4}  P@10 {:.4}  MRR {:.4}",
        name, q.map, q.ndcg_at_10, q.p_at_10, q.mrr
    )
}
