//! Commits that run beside the writer loop, so the readers keep working through them.
//!
//! A commit writes tantivy's in-memory segment out (terms sorted, postings and the term
//! dictionary built): seconds of one core for a full segment, and the writer takes no
//! documents meanwhile. Run on the writer loop's own thread, it stopped the loop; the channel
//! filled and the readers waited, one core idle. [`Commits`] runs each commit on a thread of
//! its own and holds the batches that arrive meanwhile (up to a limit in bytes), to be fed
//! once it is done, in the order they came.

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::thread::{Scope, ScopedJoinHandle};

use tantivy::IndexWriter;

use super::NewsIndex;
use crate::error::Result;

/// The commit running, if any, and the batches held back while it runs.
pub(super) struct Commits<'scope, B> {
    running: Option<ScopedJoinHandle<'scope, Result<()>>>,
    held: Vec<B>,
    held_bytes: usize,
    hold_limit: usize,
    /// Commits finished so far.
    pub(super) done: usize,
}

impl<'scope, B> Commits<'scope, B> {
    /// Holds at most `hold_limit` bytes of batches while a commit runs; past that the writer
    /// loop waits for the commit, and the readers for the loop.
    pub(super) fn new(hold_limit: usize) -> Self {
        Commits {
            running: None,
            held: Vec::new(),
            held_bytes: 0,
            hold_limit,
            done: 0,
        }
    }

    /// Keeps `batch` (of `bytes`) back while a commit runs and there is room; else gives it
    /// back, to be fed after the batches [`Commits::finish`] returns.
    pub(super) fn hold(&mut self, batch: B, bytes: usize) -> Option<B> {
        let running = self.running.as_ref().is_some_and(|c| !c.is_finished());
        if running && self.held_bytes + bytes <= self.hold_limit {
            self.held.push(batch);
            self.held_bytes += bytes;
            None
        } else {
            Some(batch)
        }
    }

    /// Waits for the running commit, if any, and returns the batches held while it ran.
    pub(super) fn finish(&mut self) -> Result<Vec<B>> {
        if let Some(commit) = self.running.take() {
            commit
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
            self.done += 1;
        }
        self.held_bytes = 0;
        Ok(std::mem::take(&mut self.held))
    }

    /// Starts a commit of everything `writer` has taken, on a thread of `scope`. Call
    /// [`Commits::finish`] first: one commit runs at a time.
    pub(super) fn start(
        &mut self,
        scope: &'scope Scope<'scope, '_>,
        writer: &'scope Mutex<IndexWriter>,
        news: &'scope NewsIndex,
    ) {
        debug_assert!(self.running.is_none(), "one commit at a time");
        self.running = Some(scope.spawn(move || commit(&mut lock(writer), news)));
    }
}

/// The writer, whether or not a commit panicked while holding it: the panic itself reaches
/// the writer loop through [`Commits::finish`].
pub(super) fn lock(writer: &Mutex<IndexWriter>) -> MutexGuard<'_, IndexWriter> {
    writer.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Commits, with the payload that says which schema and analyzers built the index.
pub(super) fn commit(writer: &mut IndexWriter, news: &NewsIndex) -> Result<()> {
    let mut prepared = writer.prepare_commit()?;
    prepared.set_payload(&news.payload());
    prepared.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::doc;

    fn index_with_a_writer() -> (tempfile::TempDir, NewsIndex, Mutex<IndexWriter>) {
        let dir = tempfile::tempdir().unwrap();
        let news = NewsIndex::create(&dir.path().join("idx")).unwrap();
        let writer = news.index.writer(15_000_000).unwrap();
        (dir, news, Mutex::new(writer))
    }

    #[test]
    fn batches_held_during_a_commit_come_back_in_order_after_it() {
        let (_dir, news, writer) = index_with_a_writer();
        let title = news.fields.title;
        lock(&writer)
            .add_document(doc!(title => "Harbour strike ends"))
            .unwrap();
        std::thread::scope(|scope| {
            // A limit nothing reaches: every batch is held for as long as the commit runs.
            let mut commits = Commits::new(usize::MAX);
            commits.start(scope, &writer, &news);
            let mut fed = Vec::new();
            for batch in 1..=50 {
                if let Some(batch) = commits.hold(batch, 10) {
                    fed.extend(commits.finish().unwrap());
                    fed.push(batch);
                }
            }
            fed.extend(commits.finish().unwrap());
            assert_eq!(fed, (1..=50).collect::<Vec<_>>());
            assert_eq!(commits.done, 1);
        });
        let searcher = news.searcher().unwrap();
        assert_eq!(
            searcher.num_docs(),
            1,
            "the commit made its document searchable"
        );
    }

    #[test]
    fn nothing_is_held_past_the_limit_or_without_a_commit() {
        let (_dir, news, writer) = index_with_a_writer();
        std::thread::scope(|scope| {
            let mut commits = Commits::new(25);
            assert_eq!(commits.hold("before", 10), Some("before"));
            commits.start(scope, &writer, &news);
            // The commit may finish at any moment; whatever was held comes back in order.
            let given_back: Vec<&str> = ["a", "b", "c"]
                .into_iter()
                .filter_map(|batch| commits.hold(batch, 10))
                .collect();
            let held = commits.finish().unwrap();
            assert!(held.len() <= 2, "at most 20 of 25 bytes held: {held:?}");
            let mut all = held;
            all.extend(given_back);
            all.sort_unstable();
            assert_eq!(all, ["a", "b", "c"]);
            assert_eq!(commits.done, 1);
            assert!(commits.finish().unwrap().is_empty());
            assert_eq!(commits.done, 1, "finishing again commits nothing");
        });
    }
}
