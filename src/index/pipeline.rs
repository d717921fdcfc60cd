//! The indexing pipeline: walk → plan → read and extract on a rayon pool → one tantivy writer.
//!
//! Readers stream articles per file in batches; each batch is split into passages and turned
//! into documents in parallel, then sent through a bounded channel to the single writer loop,
//! which replaces earlier versions of each article (by id), commits periodically, once when
//! three quarters of the input are in, and at the end. Commits before the end run beside the
//! loop (`commits`), so the readers keep working through them.
//! `--rebuild` builds beside the old index and swaps it in only when complete, so an interrupted
//! run always leaves the last committed index usable.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use rayon::prelude::*;
use tantivy::indexer::{IndexWriterOptions, UserOperation};
use tantivy::schema::TantivyDocument;
use tantivy::{IndexWriter, Term};

use super::commits::{self, commit, Commits};
use super::merges::SplitMerges;
use super::{document, exists, NewsIndex};
use crate::archive::{self, FieldMap, FileRef, Issue, IssueKind, Kind, ReadContext, Record};
use crate::error::{Error, Result};
use crate::extract::actors::{self, Actors};
use crate::extract::gazetteer::Gazetteer;
use crate::extract::keyphrases::{self, Background};
use crate::extract::ner::Tagger;
use crate::extract::tokens::ArticleTokens;
use crate::extract::topics::Classifier;
use crate::extract::{passages, quotes};
use crate::model::Article;
use crate::schema::{words, Fields};

/// Articles read from one file before they are handed on together.
const BATCH_ARTICLES: usize = 64;
/// Tantivy's floor for each indexing thread's share of the memory budget.
const MIN_BYTES_PER_THREAD: usize = 15_000_000;
/// The share of `--memory` tantivy fills with in-memory segments. The rest is headroom for
/// writing them out: sorting a full segment's terms takes about a third of its size again,
/// and documents queue up for the writer meanwhile. At 512 MB the whole budget went to
/// segments and a million-article run peaked at 830 MB of heap.
const SEGMENT_SHARE_PERCENT: usize = 60;
/// The most memory one tantivy thread's segment may take. With one indexing thread, a
/// million articles indexed as fast with 153 MB segments as with 307 MB (283.9 against 284.9
/// s) and peaked 214 MB lower.
const MAX_SEGMENT_BYTES: usize = 160_000_000;
/// The share of the input read when the run commits once more, ahead of the end. The segment
/// holding that share is then written out while the readers work through the rest, and the
/// run's last segment, written out at the end with one core idle, holds only the rest: on
/// Reuters ×4, which fits one segment, the end's one-core tail went from about 2 s to 1
/// (benches/README.md, nineteenth session).
const TAIL_COMMIT_PERCENT: u64 = 75;
/// The batches held back while a commit runs may hold `--memory` ÷ this in article bodies
/// (their documents take about three times as much).
const HOLD_DIVISOR: usize = 16;

/// How to index. `threads` and `memory_mb` are the two resource budgets.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The thread budget: this many threads read and extract, tantivy indexes with half as
    /// many (at least 1, at most 8, and at most one per 15 MB of its segments' share of
    /// `memory_mb`) and merges segments with up to this many in the background.
    pub threads: usize,
    /// The writer's memory budget in MB: its in-memory segments, shared by its threads, take
    /// a share of it (`SEGMENT_SHARE_PERCENT`, at most `MAX_SEGMENT_BYTES` a thread), and
    /// writing a full one to disk the rest.
    pub memory_mb: usize,
    /// Commit at least this often on long runs.
    pub commit_interval: Duration,
    /// Commit once more when three quarters of the input are read, if there are at least
    /// this many bytes of it (a shorter run has no tail worth an extra segment).
    pub tail_commit_min_bytes: u64,
    /// Replace the whole index with what these directories hold.
    pub rebuild: bool,
    /// Column overrides (`--field name=column`).
    pub fields: FieldMap,
    /// Find actors (people, organisations, places) in every article.
    pub actors: bool,
    /// Find quotes and their speakers (needs actors).
    pub quotes: bool,
    /// Assign topics from `index_schema/topics.toml`.
    pub topics: bool,
    /// A user's own list of actors (`--actors FILE`), added to the shipped gazetteers.
    pub actors_file: Option<PathBuf>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            threads: std::thread::available_parallelism().map_or(2, |n| n.get()),
            memory_mb: 512,
            commit_interval: Duration::from_secs(60),
            tail_commit_min_bytes: 16_000_000,
            rebuild: false,
            fields: FieldMap::default(),
            actors: true,
            quotes: true,
            topics: true,
            actors_file: None,
        }
    }
}

/// Where a run is, for progress bars.
#[derive(Debug, Clone, Default)]
pub struct Progress {
    pub files_done: usize,
    pub files_total: usize,
    pub bytes_done: u64,
    pub bytes_total: u64,
    pub articles: usize,
}

/// What a run did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Summary {
    /// Files found by the walk.
    pub files_found: usize,
    /// Files read as articles (the others were sidecars, unsupported or unreadable).
    pub files_read: usize,
    /// Sidecar metadata tables found.
    pub sidecars: usize,
    /// Text files that took their metadata from a sidecar row.
    pub sidecar_joined: usize,
    pub articles: usize,
    pub passages: usize,
    /// Bytes of article body text indexed.
    pub body_bytes: u64,
    /// Bytes of the files read, as stored (compressed files count compressed).
    pub input_bytes: u64,
    /// Issues by kind name.
    pub issues: BTreeMap<&'static str, usize>,
    pub elapsed_secs: f64,
    pub commits: usize,
    pub reading_threads: usize,
    pub writer_threads: usize,
}

/// One article made ready for the writer.
struct Prepared {
    id: String,
    docs: Vec<TantivyDocument>,
    body_bytes: usize,
}

/// What a reader sends: a batch of articles, the issues met, and the file's size once done.
struct Batch {
    articles: Vec<Prepared>,
    issues: Vec<Issue>,
    finished_file_bytes: Option<u64>,
}

/// Indexes the files under `roots` into the index at `index_path`.
pub fn run(
    index_path: &Path,
    roots: &[PathBuf],
    settings: &Settings,
    on_issue: &mut dyn FnMut(&Issue),
    on_progress: &mut dyn FnMut(&Progress),
) -> Result<Summary> {
    let started = Instant::now();
    let segments_memory = settings.memory_mb * 1_000_000 / 100 * SEGMENT_SHARE_PERCENT;
    if segments_memory < MIN_BYTES_PER_THREAD {
        return Err(Error::Config(format!(
            "--memory {} is too small: it must be at least {} MB",
            settings.memory_mb,
            (MIN_BYTES_PER_THREAD * 100 / SEGMENT_SHARE_PERCENT).div_ceil(1_000_000)
        )));
    }
    let threads = settings.threads.max(1);
    // Half as many tantivy threads as reading threads: extraction is about half of the work,
    // so they keep up, and fewer threads' term tables crowd the cores' caches less. On 2 cores
    // a million articles took 10% less CPU with one tantivy thread than with two (530 against
    // 593 CPU-s) and 285 s against 298-302 s.
    let writer_threads = (threads / 2)
        .min(8)
        .min(segments_memory / MIN_BYTES_PER_THREAD)
        .max(1);
    let segment_bytes = (segments_memory / writer_threads).min(MAX_SEGMENT_BYTES);

    let mut summary = Summary {
        reading_threads: threads,
        writer_threads,
        ..Summary::default()
    };
    let (files, walk_issues) = archive::walk(roots);
    summary.files_found = files.len();
    for issue in &walk_issues {
        summary.record(issue, on_issue);
    }
    let (ctx, plan, plan_issues) = archive::plan(files, settings.fields.clone());
    for issue in &plan_issues {
        summary.record(issue, on_issue);
    }
    summary.sidecars = ctx.sidecars.tables();
    summary.files_read = plan.len();

    // Where this run writes: in place, or beside the old index when rebuilding.
    let staging = settings.rebuild && exists(index_path);
    let target = if staging {
        staging_path(index_path)
    } else {
        index_path.to_path_buf()
    };
    if staging && target.exists() {
        remove_dir(&target)?; // left by an interrupted rebuild
    }
    let news = NewsIndex::to_write(&target)?;
    let fresh = news.index.searchable_segment_metas()?.is_empty();
    let options = IndexWriterOptions::builder()
        .num_worker_threads(writer_threads)
        .memory_budget_per_thread(segment_bytes)
        .num_merge_threads(threads)
        .build();
    let writer: IndexWriter = news.index.writer_with_options(options)?;

    let sizes: Vec<u64> = plan
        .iter()
        .map(|(f, _)| std::fs::metadata(&f.shown).map_or(0, |m| m.len()))
        .collect();
    let progress = Progress {
        files_total: plan.len(),
        bytes_total: sizes.iter().sum(),
        ..Progress::default()
    };
    on_progress(&progress);

    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("newsdex-read-{i}"))
        .start_handler(|_| yield_to_the_writer())
        .build()
        .map_err(|e| Error::Config(format!("cannot start {threads} threads: {e}")))?;
    let (tx, rx) = crossbeam_channel::bounded::<Batch>(threads * 4);
    let extractors = Extractors {
        tagger: if settings.actors {
            Some(Tagger::embedded().map_err(|e| Error::Config(format!("actor tagger: {e}")))?)
        } else {
            None
        },
        quotes: settings.quotes,
        topics: settings.topics.then(Classifier::embedded),
        user_gazetteer: match &settings.actors_file {
            Some(path) => Some(Gazetteer::with_user_file(path).map_err(Error::Config)?),
            None => None,
        },
    };
    let fields = news.fields;
    let stop = AtomicBool::new(false);
    let mut intake = Intake {
        fields,
        fresh,
        seen: HashSet::new(),
        summary,
        progress,
    };
    let mut tail_commit_at = (intake.progress.bytes_total >= settings.tail_commit_min_bytes)
        .then(|| intake.progress.bytes_total / 100 * TAIL_COMMIT_PERCENT);
    let writer = Mutex::new(writer);
    let mut failure: Option<Error> = None;

    std::thread::scope(|scope| {
        let stop = &stop;
        let ctx = &ctx;
        let plan = &plan;
        let sizes = &sizes;
        let extractors = &extractors;
        scope.spawn(move || {
            pool.install(|| {
                plan.par_iter().zip(sizes.par_iter()).for_each_with(
                    tx,
                    |tx, ((file, kind), size)| {
                        let shared = Shared {
                            ctx,
                            fields: &fields,
                            extractors,
                            tx,
                            stop,
                        };
                        read_one(file, *kind, *size, &shared);
                    },
                );
            });
        });

        let mut commits = Commits::new(settings.memory_mb * 1_000_000 / HOLD_DIVISOR);
        let mut last_commit = Instant::now();
        for batch in rx.iter() {
            if failure.is_some() {
                continue; // drain so readers can finish
            }
            let bytes = batch.body_bytes();
            let Some(batch) = commits.hold(batch, bytes) else {
                continue;
            };
            let fed = commits.finish().and_then(|mut batches| {
                batches.push(batch);
                intake.feed(&commits::lock(&writer), batches, on_issue)
            });
            on_progress(&intake.progress);
            if let Err(e) = fed {
                failure = Some(e);
                stop.store(true, Ordering::Relaxed);
                continue;
            }
            let tail = tail_commit_at.is_some_and(|at| intake.progress.bytes_done >= at);
            if tail {
                // A merge set off from here on is likely to outlast the readers and run alone.
                commits::lock(&writer).set_merge_policy(Box::new(SplitMerges::new(threads)));
            }
            if tail || last_commit.elapsed() >= settings.commit_interval {
                tail_commit_at = tail_commit_at.filter(|_| !tail);
                commits.start(scope, &writer, &news);
                last_commit = Instant::now();
            }
        }
        // The readers are done: what a last commit held back goes in now.
        if failure.is_none() {
            let fed = commits
                .finish()
                .and_then(|held| intake.feed(&commits::lock(&writer), held, on_issue));
            failure = fed.err();
        }
        intake.summary.commits += commits.done;
    });
    if let Some(e) = failure {
        return Err(e);
    }
    let Intake {
        mut summary,
        progress,
        ..
    } = intake;
    let mut writer = writer.into_inner().unwrap_or_else(PoisonError::into_inner);
    // Every article is in: the merges the last segments set off run with nothing beside them
    // (already so since the tail commit, on runs that made one).
    writer.set_merge_policy(Box::new(SplitMerges::new(threads)));
    commit(&mut writer, &news)?;
    summary.commits += 1;
    writer.wait_merging_threads()?;
    drop(news);
    if staging {
        swap_in(&target, index_path)?;
    }
    summary.input_bytes = progress.bytes_total;
    summary.sidecar_joined = ctx.sidecars.joined();
    summary.elapsed_secs = started.elapsed().as_secs_f64();
    Ok(summary)
}

/// How much lower than the rest of the process the reading threads run (a Linux nice value).
/// Tantivy's indexing and merge threads are serial: when all want the cores, they go first
/// and the readers, which any core can run, fill the gaps. At even priority the writer fell
/// behind, its queue filled, and while it wrote a segment out the readers waited on it: a
/// million generated articles took 258 s against 282 s (benches/README.md, thirteenth
/// session).
const READER_NICENESS: i32 = 5;

/// Lowers the calling reader thread's priority by [`READER_NICENESS`]. Raising it back would
/// need privileges, so a failure is left alone: the run is only slower.
fn yield_to_the_writer() {
    #[cfg(target_os = "linux")]
    // SAFETY: setpriority and gettid take plain integers and touch no memory of ours; on
    // Linux a thread id names that one thread.
    unsafe {
        let thread = libc::gettid() as libc::id_t;
        let now = libc::getpriority(libc::PRIO_PROCESS, thread);
        libc::setpriority(libc::PRIO_PROCESS, thread, now + READER_NICENESS);
    }
}

/// The extractors a run uses, loaded once.
struct Extractors {
    tagger: Option<&'static Tagger>,
    quotes: bool,
    topics: Option<&'static Classifier>,
    user_gazetteer: Option<Gazetteer>,
}

impl Extractors {
    fn gazetteer(&self) -> &Gazetteer {
        self.user_gazetteer
            .as_ref()
            .unwrap_or_else(|| Gazetteer::embedded())
    }
}

/// What every reader thread shares.
struct Shared<'a> {
    ctx: &'a ReadContext,
    fields: &'a Fields,
    extractors: &'a Extractors,
    tx: &'a crossbeam_channel::Sender<Batch>,
    stop: &'a AtomicBool,
}

/// Reads one file and sends its articles, ready for the writer, in batches.
fn read_one(file: &FileRef, kind: Kind, size: u64, shared: &Shared) {
    let Shared {
        ctx,
        fields,
        extractors,
        tx,
        stop,
    } = *shared;
    let mut pending: Vec<Article> = Vec::new();
    let mut issues: Vec<Issue> = Vec::new();
    let send = |pending: &mut Vec<Article>, issues: &mut Vec<Issue>, finished: Option<u64>| {
        let articles = pending
            .par_drain(..)
            .map(|a| prepare(fields, extractors, a))
            .collect();
        let batch = Batch {
            articles,
            issues: std::mem::take(issues),
            finished_file_bytes: finished,
        };
        if tx.send(batch).is_err() {
            stop.store(true, Ordering::Relaxed);
        }
    };
    if stop.load(Ordering::Relaxed) {
        return;
    }
    archive::read_file(file, kind, ctx, &mut |record| {
        if stop.load(Ordering::Relaxed) {
            return;
        }
        match record {
            Record::Article(a) => {
                pending.push(a);
                if pending.len() >= BATCH_ARTICLES {
                    send(&mut pending, &mut issues, None);
                }
            }
            Record::Issue(i) => issues.push(i),
        }
    });
    send(&mut pending, &mut issues, Some(size));
}

/// The writer loop's side of a run: what it has counted, and which articles it has seen.
struct Intake {
    fields: Fields,
    /// The index had no articles before this run, so only an id met twice needs replacing.
    fresh: bool,
    seen: HashSet<u64>,
    summary: Summary,
    progress: Progress,
}

impl Intake {
    /// Hands the batches' articles to tantivy, in order, and counts them, their issues and
    /// their files.
    fn feed(
        &mut self,
        writer: &IndexWriter,
        batches: Vec<Batch>,
        on_issue: &mut dyn FnMut(&Issue),
    ) -> Result<()> {
        batches
            .into_iter()
            .try_for_each(|batch| self.feed_one(writer, batch, on_issue))
    }

    fn feed_one(
        &mut self,
        writer: &IndexWriter,
        batch: Batch,
        on_issue: &mut dyn FnMut(&Issue),
    ) -> Result<()> {
        for issue in &batch.issues {
            self.summary.record(issue, on_issue);
        }
        for article in batch.articles {
            // Each article goes to tantivy as one group, so its passages land together, in
            // order, in one segment. One group per article, not per batch: tantivy bounds its
            // queue at 10,000 groups, so this keeps it near 10,000 articles.
            let mut operations = Vec::with_capacity(article.docs.len() + 1);
            // Replace an earlier version: one from a previous run, or the same id met again
            // in this run (the last one read wins).
            if !self.seen.insert(document::article_key(&article.id)) || !self.fresh {
                let term = Term::from_field_text(self.fields.article_id, &article.id);
                operations.push(UserOperation::Delete(term));
            }
            self.summary.articles += 1;
            self.summary.passages += article.docs.len();
            self.summary.body_bytes += article.body_bytes as u64;
            operations.extend(article.docs.into_iter().map(UserOperation::Add));
            writer.run(operations)?;
        }
        if let Some(bytes) = batch.finished_file_bytes {
            self.progress.files_done += 1;
            self.progress.bytes_done += bytes;
        }
        self.progress.articles = self.summary.articles;
        Ok(())
    }
}

impl Batch {
    fn body_bytes(&self) -> usize {
        self.articles.iter().map(|a| a.body_bytes).sum()
    }
}

/// Extraction for one article: passages, actors and quotes, topics and keyphrases (the
/// headline and body cut into tokens once for all of them), then documents.
fn prepare(fields: &Fields, extractors: &Extractors, article: Article) -> Prepared {
    let passages = passages::split(&article.body);
    let cut = if extractors.tagger.is_some() || extractors.topics.is_some() {
        ArticleTokens::new(&article.title, &article.body)
    } else {
        ArticleTokens::default()
    };
    let (actors, quotes) = match extractors.tagger {
        Some(tagger) => {
            let actors = actors::extract_cut(
                &article.title,
                &article.body,
                &cut,
                tagger,
                extractors.gazetteer(),
            );
            let quotes = if extractors.quotes {
                quotes::extract_cut(&article.body, &cut.body, &actors)
            } else {
                Vec::new()
            };
            (actors, quotes)
        }
        None => (Actors::default(), Vec::new()),
    };
    // The body's words as the text field cuts them, for topics and for where quotes stand
    // in each passage: cut once here rather than by each.
    let body_words = if extractors.topics.is_some() || !quotes.is_empty() {
        words::bounds(&article.body)
    } else {
        Vec::new()
    };
    let topics = extractors
        .topics
        .map(|c| c.assign_words(&article.title, &article.body, &body_words))
        .unwrap_or_default();
    // Keyphrases go with topics: both say what the article is about.
    let keyphrases = match extractors.topics {
        Some(_) => {
            let background = Background::embedded();
            keyphrases::extract_cut(&article.title, &article.body, &cut, background, 8)
        }
        None => Vec::new(),
    };
    let found = document::Extracted {
        actors: &actors,
        quotes: &quotes,
        body_words: &body_words,
        topics: &topics,
        keyphrases: &keyphrases,
    };
    let docs = document::documents(fields, &article, &passages, &found);
    Prepared {
        body_bytes: article.body.len(),
        id: article.id,
        docs,
    }
}

fn staging_path(index_path: &Path) -> PathBuf {
    let mut name = index_path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".rebuild");
    index_path.with_file_name(name)
}

/// Puts a finished rebuild in place of the old index.
fn swap_in(staged: &Path, index_path: &Path) -> Result<()> {
    let mut old_name = index_path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    old_name.push(".old");
    let old = index_path.with_file_name(old_name);
    if old.exists() {
        remove_dir(&old)?;
    }
    rename(index_path, &old)?;
    rename(staged, index_path)?;
    remove_dir(&old)
}

fn rename(from: &Path, to: &Path) -> Result<()> {
    std::fs::rename(from, to).map_err(|source| Error::Io {
        path: from.to_path_buf(),
        source,
    })
}

fn remove_dir(path: &Path) -> Result<()> {
    std::fs::remove_dir_all(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })
}

impl Summary {
    /// Counts an issue by its kind and passes it on.
    fn record(&mut self, issue: &Issue, on_issue: &mut dyn FnMut(&Issue)) {
        *self.issues.entry(issue.kind.name()).or_default() += 1;
        on_issue(issue);
    }

    /// How many issues of one kind the run met.
    pub fn issue_count(&self, kind: IssueKind) -> usize {
        self.issues.get(kind.name()).copied().unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Ten files of twenty articles each, all alike in size.
    fn archive(dir: &Path) {
        for file in 0..10 {
            let lines: Vec<String> = (0..20)
                .map(|i| {
                    format!(
                        r#"{{"id": "a-{file:02}-{i:02}", "title": "Harbour report {file}", "body": "Cranes at berth {i:02} moved cargo while ships waited."}}"#
                    )
                })
                .collect();
            std::fs::write(dir.join(format!("wire-{file:02}.jsonl")), lines.join("\n")).unwrap();
        }
    }

    /// Two threads, no extraction, and a tail commit for inputs of `tail_commit_min_bytes`.
    fn no_extraction(tail_commit_min_bytes: u64) -> Settings {
        Settings {
            threads: 2,
            tail_commit_min_bytes,
            actors: false,
            quotes: false,
            topics: false,
            ..Settings::default()
        }
    }

    /// Indexes the ten files with `tail_commit_min_bytes`, without extraction.
    fn index_archive(tail_commit_min_bytes: u64) -> (tempfile::TempDir, NewsIndex, Summary) {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in");
        std::fs::create_dir(&input).unwrap();
        archive(&input);
        let index = dir.path().join("idx");
        let settings = no_extraction(tail_commit_min_bytes);
        let summary = run(&index, &[input], &settings, &mut |_| {}, &mut |_| {}).unwrap();
        (dir, NewsIndex::open(&index).unwrap(), summary)
    }

    #[test]
    fn the_tail_commit_leaves_the_last_quarter_in_a_segment_of_its_own() {
        let (_dir, news, summary) = index_archive(0);
        assert_eq!(summary.articles, 200);
        assert_eq!(summary.commits, 2, "the tail commit and the last one");
        assert_eq!(news.searcher().unwrap().num_docs(), 200);
        let segments = news.index.searchable_segment_metas().unwrap();
        let mut sizes: Vec<u32> = segments.iter().map(|s| s.num_docs()).collect();
        sizes.sort_unstable();
        // Each file is one batch: the commit starts once eight are in, and the last two files
        // make the run's last segment.
        assert_eq!(sizes, [40, 160]);
    }

    #[test]
    fn a_short_run_commits_only_at_the_end() {
        let (_dir, news, summary) = index_archive(Settings::default().tail_commit_min_bytes);
        assert_eq!((summary.articles, summary.commits), (200, 1));
        assert_eq!(news.index.searchable_segment_metas().unwrap().len(), 1);
    }
}
