//! The engines newsdex is measured against, on the same articles and cores: raw tantivy (the
//! same text, whole articles, no extraction: the floor of newsdex's own cost), SQLite FTS5
//! (built with the `peers` feature), ripgrep and tantivy-cli (when they are on PATH).
//!
//! Peers read the archive with newsdex's own readers, so every engine indexes the same titles
//! and bodies, and answer the same [`Shape`](crate::bench::queries::Shape)s of the query mix.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use rayon::prelude::*;
use serde::Serialize;
use tantivy::collector::TopDocs;
use tantivy::indexer::IndexWriterOptions;
use tantivy::query::QueryParser;
use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, Value, STORED, STRING,
};
use tantivy::snippet::SnippetGenerator;
use tantivy::{Index, IndexWriter, TantivyDocument};

use super::latency::{time_text_queries, ClassLatency, Engine};
use super::queries::{BenchQuery, Class};
use crate::archive::{self, FieldMap, Record};
use crate::error::Result;
use crate::model::Article;

/// What one engine's indexing run cost.
#[derive(Debug, Clone, Default, Serialize)]
pub struct IndexRun {
    /// Wall time of the median run (`--index-runs`), seconds.
    pub secs: f64,
    /// Every run's wall time, in the order they ran (filled by [`IndexRun::after`]).
    pub secs_runs: Vec<f64>,
    /// User and system CPU time of the median run, seconds: for peers built in this process,
    /// what the process took while building; for Lucene, what its JVM took while indexing.
    pub cpu_secs: Option<f64>,
    pub articles: usize,
    pub body_bytes: u64,
    pub index_bytes: u64,
}

impl IndexRun {
    /// This run, with the time (wall and CPU) of the median of `earlier` runs and itself, and
    /// all their wall times kept in `secs_runs` (earlier first).
    pub fn after(mut self, earlier: &[IndexRun]) -> IndexRun {
        let mut all: Vec<(f64, Option<f64>)> =
            earlier.iter().map(|r| (r.secs, r.cpu_secs)).collect();
        all.push((self.secs, self.cpu_secs));
        if let Some(&(secs, cpu_secs)) = super::median_run(&all, |r| r.0) {
            (self.secs, self.cpu_secs) = (secs, cpu_secs);
        }
        self.secs_runs = all.iter().map(|r| r.0).collect();
        self
    }
}

/// One peer's figures, next to newsdex's.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PeerReport {
    pub name: String,
    /// Why the peer did not run, when it did not.
    pub skipped: Option<String>,
    pub index: Option<IndexRun>,
    pub latency: BTreeMap<Class, ClassLatency>,
    pub quality: Option<super::quality::Quality>,
    /// Median wall time of a whole command-line query process (tantivy-cli's `tantivy search`
    /// on the raw tantivy index), ms, when that tool is on PATH.
    pub process_p50_ms: Option<f64>,
}

/// Reads every article under `roots` with newsdex's readers on `threads` threads.
pub fn for_each_article(
    roots: &[PathBuf],
    threads: usize,
    f: &(dyn Fn(Article) + Sync),
) -> Result<()> {
    let (files, _) = archive::walk(roots);
    let (ctx, files, _) = archive::plan(files, FieldMap::default());
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.max(1))
        .build()
        .map_err(|e| tantivy::TantivyError::SystemError(e.to_string()))?;
    pool.install(|| {
        files.par_iter().for_each(|(file, kind)| {
            archive::read_file(file, *kind, &ctx, &mut |r| {
                if let Record::Article(a) = r {
                    f(a)
                }
            })
        })
    });
    Ok(())
}

/// Tantivy with a plain schema: id, title and body, English stemming, nothing else.
pub struct RawTantivy {
    index: Index,
    id: Field,
    title: Field,
    body: Field,
}

impl RawTantivy {
    /// Indexes the articles under `roots` into `dir` (emptied first).
    pub fn build(
        dir: &Path,
        roots: &[PathBuf],
        threads: usize,
        memory_mb: usize,
    ) -> Result<(RawTantivy, IndexRun)> {
        let _ = std::fs::remove_dir_all(dir);
        std::fs::create_dir_all(dir).map_err(|source| crate::Error::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        let mut builder = Schema::builder();
        let text = TextOptions::default().set_stored().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer("en_stem")
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        );
        let id = builder.add_text_field("id", STRING | STORED);
        let title = builder.add_text_field("title", text.clone());
        let body = builder.add_text_field("body", text);
        let index = Index::create_in_dir(dir, builder.build())?;
        let started = Instant::now();
        let cpu_before = super::process_cpu_secs();
        let memory = memory_mb.max(15 * threads) * 1_000_000;
        let options = IndexWriterOptions::builder()
            .num_worker_threads(threads.max(1))
            .memory_budget_per_thread(memory / threads.max(1))
            .build();
        let mut writer: IndexWriter = index.writer_with_options(options)?;
        let articles = std::sync::atomic::AtomicUsize::new(0);
        let bytes = std::sync::atomic::AtomicU64::new(0);
        let failure = std::sync::Mutex::new(None);
        for_each_article(roots, threads, &|a: Article| {
            let mut doc = TantivyDocument::default();
            doc.add_text(id, &a.id);
            doc.add_text(title, &a.title);
            doc.add_text(body, &a.body);
            bytes.fetch_add(a.body.len() as u64, std::sync::atomic::Ordering::Relaxed);
            articles.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            if let Err(e) = writer.add_document(doc) {
                failure.lock().map(|mut f| *f = Some(e)).ok();
            }
        })?;
        if let Some(e) = failure.into_inner().ok().flatten() {
            return Err(e.into());
        }
        writer.commit()?;
        writer.wait_merging_threads()?;
        let run = IndexRun {
            secs: started.elapsed().as_secs_f64(),
            secs_runs: Vec::new(),
            cpu_secs: super::cpu_secs_since(cpu_before),
            articles: articles.into_inner(),
            body_bytes: bytes.into_inner(),
            index_bytes: crate::index::dir_size(dir),
        };
        Ok((
            RawTantivy {
                index,
                id,
                title,
                body,
            },
            run,
        ))
    }

    fn parser(&self, conjunction: bool) -> QueryParser {
        let mut parser = QueryParser::for_index(&self.index, vec![self.title, self.body]);
        if conjunction {
            parser.set_conjunction_by_default();
        }
        parser.set_field_boost(self.title, crate::search::TITLE_WEIGHT);
        parser
    }

    /// Top 10 articles with a highlighted snippet each, the job `newsdex search` does; returns
    /// the number of matching articles.
    fn top10(&self, searcher: &tantivy::Searcher, parser: &QueryParser, text: &str) -> Result<u64> {
        let query = parser
            .parse_query(text)
            .map_err(|e| tantivy::TantivyError::InvalidArgument(e.to_string()))?;
        // As newsdex collects them: a union of words with many postings ranked alone (by
        // block-max WAND) and counted apart.
        let (top, count) = crate::search::best_and_count(searcher, &*query, 10)?;
        let snippets = SnippetGenerator::create(searcher, &*query, self.body)?;
        for (_, address) in top {
            let doc: TantivyDocument = searcher.doc(address)?;
            std::hint::black_box(snippets.snippet_from_doc(&doc).to_html());
        }
        Ok(count as u64)
    }

    /// This index as [`super::latency::time_in_turns`] times it: the text queries.
    pub fn engine(&self) -> Result<Engine<'_>> {
        let searcher = self.index.reader()?.searcher();
        let parser = self.parser(true);
        let (searcher_for_runs, parser_for_runs) = (searcher.clone(), parser.clone());
        Ok(Engine {
            answers: |q| q.class.is_text(),
            count: Box::new(move |q| self.top10(&searcher, &parser, &q.shape.tantivy())),
            run: Box::new(move |q| {
                self.top10(&searcher_for_runs, &parser_for_runs, &q.shape.tantivy())
                    .map(drop)
            }),
        })
    }

    /// Article ids for an OR query of `words`, best first, at most `depth`.
    pub fn rank(&self, words: &[String], depth: usize) -> Result<Vec<String>> {
        let reader = self.index.reader()?;
        let searcher = reader.searcher();
        let (query, _) = self.parser(false).parse_query_lenient(&words.join(" "));
        let top = searcher.search(&query, &TopDocs::with_limit(depth).order_by_score())?;
        top.into_iter()
            .map(|(_, a)| {
                let doc: TantivyDocument = searcher.doc(a)?;
                Ok(doc
                    .get_first(self.id)
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_string())
            })
            .collect()
    }
}

/// Whether `tool` is on PATH and answers `version_flag` with success.
pub fn runs(tool: &str, version_flag: &str) -> bool {
    Command::new(tool)
        .arg(version_flag)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// ripgrep over the raw archive files: a whole `rg` process per query, for the queries grep
/// can express (terms, OR, phrases), counting matching lines.
pub fn ripgrep(roots: &[PathBuf], queries: &[BenchQuery], repeat: usize) -> PeerReport {
    let mut report = PeerReport {
        name: "ripgrep".into(),
        ..PeerReport::default()
    };
    if !runs("rg", "--version") {
        report.skipped = Some("rg is not on PATH".into());
        return report;
    }
    let runnable: Vec<BenchQuery> = queries
        .iter()
        .filter(|q| q.shape.grep_patterns().is_some())
        .cloned()
        .collect();
    let rg = |q: &BenchQuery| -> Result<u64> {
        let shape = &q.shape;
        let mut cmd = Command::new("rg");
        cmd.args([
            "--count",
            "--ignore-case",
            "--fixed-strings",
            "--search-zip",
            "--no-filename",
        ]);
        for p in shape.grep_patterns().unwrap_or_default() {
            cmd.arg("-e").arg(p);
        }
        cmd.args(roots);
        let out = cmd
            .stderr(Stdio::null())
            .output()
            .map_err(|source| crate::Error::Io {
                path: "rg".into(),
                source,
            })?;
        Ok(String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| l.trim().parse::<u64>().ok())
            .sum())
    };
    let result = time_text_queries(&runnable, repeat, rg, |q| rg(q).map(drop));
    match result {
        Ok(latency) => report.latency = latency,
        Err(e) => report.skipped = Some(e.to_string()),
    }
    report
}

/// Median wall time, ms, of tantivy-cli's `tantivy search` (when `tantivy` on PATH is
/// tantivy-cli) over `index_dir`, three runs of each query. It prints every match as JSON,
/// unranked: that is what a shell user of tantivy-cli waits for. `None` when the tool is absent
/// or cannot read the index.
pub fn tantivy_cli_process_ms(index_dir: &Path, queries: &[&BenchQuery]) -> Option<f64> {
    let version = Command::new("tantivy").arg("--version").output().ok()?;
    if !version.status.success()
        || !String::from_utf8_lossy(&version.stdout)
            .to_lowercase()
            .starts_with("tantivy")
    {
        return None;
    }
    let mut samples = Vec::new();
    for q in queries {
        for _ in 0..3 {
            let started = Instant::now();
            let status = Command::new("tantivy")
                .arg("search")
                .arg("-i")
                .arg(index_dir)
                .arg("-q")
                .arg(q.shape.tantivy())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .ok()?;
            if !status.success() {
                return None;
            }
            samples.push(started.elapsed().as_secs_f64() * 1e3);
        }
    }
    samples.sort_by(f64::total_cmp);
    (!samples.is_empty()).then(|| super::latency::quantile(&samples, 0.5))
}

#[cfg(feature = "peers")]
pub use fts5::Fts5;

/// SQLite FTS5 with its Porter stemmer, bm25 ranking and snippet().
#[cfg(feature = "peers")]
mod fts5 {
    use super::*;
    use crate::bench::queries::Shape;
    use crate::search::TITLE_WEIGHT;
    use rusqlite::{params, Connection};

    pub struct Fts5 {
        connection: Connection,
    }

    fn sql(e: rusqlite::Error) -> crate::Error {
        tantivy::TantivyError::SystemError(format!("sqlite: {e}")).into()
    }

    impl Fts5 {
        /// Indexes the articles under `roots` into a new database at `path`: readers on
        /// `threads` threads, one writer (SQLite has one), one transaction.
        pub fn build(path: &Path, roots: &[PathBuf], threads: usize) -> Result<(Fts5, IndexRun)> {
            let _ = std::fs::remove_file(path);
            let started = Instant::now();
            let cpu_before = crate::bench::process_cpu_secs();
            let mut connection = Connection::open(path).map_err(sql)?;
            connection
                .execute_batch(
                    "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;
                     CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, title, body,
                       tokenize = 'porter unicode61');",
                )
                .map_err(sql)?;
            let (send, receive) = crossbeam_channel::bounded::<Article>(1024);
            let mut run = IndexRun::default();
            std::thread::scope(|scope| -> Result<()> {
                let readers = scope.spawn(move || {
                    let send = send;
                    for_each_article(roots, threads, &|a| {
                        let _ = send.send(a);
                    })
                });
                let tx = connection.transaction().map_err(sql)?;
                {
                    let mut insert = tx
                        .prepare("INSERT INTO docs (id, title, body) VALUES (?1, ?2, ?3)")
                        .map_err(sql)?;
                    for a in receive {
                        insert
                            .execute(params![a.id, a.title, a.body])
                            .map_err(sql)?;
                        run.articles += 1;
                        run.body_bytes += a.body.len() as u64;
                    }
                }
                tx.commit().map_err(sql)?;
                readers.join().unwrap_or(Ok(()))
            })?;
            run.secs = started.elapsed().as_secs_f64();
            run.cpu_secs = crate::bench::cpu_secs_since(cpu_before);
            run.index_bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
            Ok((Fts5 { connection }, run))
        }

        fn top10(&self, shape: &Shape) -> Result<()> {
            let mut top = self
                .connection
                .prepare_cached(
                    "SELECT id, snippet(docs, 2, '[', ']', '…', 24) FROM docs
                     WHERE docs MATCH ?1 ORDER BY bm25(docs, 0.0, ?2, 1.0) LIMIT 10",
                )
                .map_err(sql)?;
            let rows = top
                .query_map(params![shape.fts5(), TITLE_WEIGHT], |r| {
                    r.get::<_, String>(1)
                })
                .map_err(sql)?;
            for row in rows {
                std::hint::black_box(row.map_err(sql)?);
            }
            Ok(())
        }

        fn count(&self, shape: &Shape) -> Result<u64> {
            self.connection
                .query_row(
                    "SELECT count(*) FROM docs WHERE docs MATCH ?1",
                    [shape.fts5()],
                    |r| r.get::<_, i64>(0),
                )
                .map(|n| n as u64)
                .map_err(sql)
        }

        /// This database as [`crate::bench::latency::time_in_turns`] times it: the text
        /// queries; hits are counted apart (a `count(*)` is not the job timed).
        pub fn engine(&self) -> Engine<'_> {
            Engine {
                answers: |q| q.class.is_text(),
                count: Box::new(|q| self.count(&q.shape)),
                run: Box::new(|q| self.top10(&q.shape)),
            }
        }

        /// Article ids for an OR query of `words`, best first, at most `depth`.
        pub fn rank(&self, words: &[String], depth: usize) -> Result<Vec<String>> {
            if words.is_empty() {
                return Ok(Vec::new());
            }
            let query = words
                .iter()
                .map(|w| format!("\"{w}\""))
                .collect::<Vec<_>>()
                .join(" OR ");
            let mut stmt = self
                .connection
                .prepare_cached(
                    "SELECT id FROM docs WHERE docs MATCH ?1
                     ORDER BY bm25(docs, 0.0, ?3, 1.0) LIMIT ?2",
                )
                .map_err(sql)?;
            let rows = stmt
                .query_map(params![query, depth as i64, TITLE_WEIGHT], |r| {
                    r.get::<_, String>(0)
                })
                .map_err(sql)?;
            rows.map(|r| r.map_err(sql)).collect()
        }
    }
}
