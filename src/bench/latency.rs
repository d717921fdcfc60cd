//! Timing the query mix in process: latency percentiles per class and throughput with several
//! threads sharing one searcher.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde::Serialize;
use tantivy::Searcher;

use super::queries::{BenchQuery, Class};
use crate::error::Result;
use crate::index::NewsIndex;
use crate::search;

/// Latency of one class of queries, in milliseconds.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ClassLatency {
    pub queries: usize,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    /// Geometric mean over the queries of each query's median, the figure peers are compared on.
    pub geomean_ms: f64,
    /// Mean matching articles (for actor counts: actors listed).
    pub mean_hits: f64,
}

/// The `q`th quantile (0..=1) of sorted samples, nearest rank.
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Summarises per-query samples (milliseconds, `repeat` per query) and hit counts.
pub fn summarise(samples: &[Vec<f64>], hits: &[u64]) -> ClassLatency {
    let mut all: Vec<f64> = samples.iter().flatten().copied().collect();
    all.sort_by(f64::total_cmp);
    let medians: Vec<f64> = samples
        .iter()
        .map(|s| {
            let mut s = s.clone();
            s.sort_by(f64::total_cmp);
            quantile(&s, 0.5).max(1e-6)
        })
        .collect();
    let geomean = if medians.is_empty() {
        0.0
    } else {
        (medians.iter().map(|m| m.ln()).sum::<f64>() / medians.len() as f64).exp()
    };
    ClassLatency {
        queries: samples.len(),
        p50_ms: quantile(&all, 0.5),
        p95_ms: quantile(&all, 0.95),
        p99_ms: quantile(&all, 0.99),
        geomean_ms: geomean,
        mean_hits: hits.iter().sum::<u64>() as f64 / hits.len().max(1) as f64,
    }
}

/// Runs one query as `newsdex search` or `newsdex actors` would: the top 10 passages with
/// highlights, or the top 20 actors.
pub fn run_one(news: &NewsIndex, searcher: &Searcher, q: &BenchQuery) -> Result<()> {
    if q.class == Class::ActorCounts {
        search::actors::count(news, searcher, &q.request, None, 20)?;
    } else {
        search::search(news, searcher, &q.request)?;
    }
    Ok(())
}

/// What a query matched, counted the way peers count: distinct articles (for actor counts,
/// the actors listed).
pub fn hits(news: &NewsIndex, searcher: &Searcher, q: &BenchQuery) -> Result<u64> {
    if q.class == Class::ActorCounts {
        return Ok(search::actors::count(news, searcher, &q.request, None, 20)?.len() as u64);
    }
    search::matched_articles(news, searcher, &q.request)
}

/// Times every query `repeat` times after one warm-up run; the result is per class.
pub fn measure(
    news: &NewsIndex,
    searcher: &Searcher,
    queries: &[BenchQuery],
    repeat: usize,
) -> Result<BTreeMap<Class, ClassLatency>> {
    time_each(
        queries,
        repeat,
        |q| hits(news, searcher, q),
        |q| run_one(news, searcher, q),
    )
}

/// For each query: what it matches (`count`, untimed), one warm-up `run`, then `repeat` timed
/// runs; summarised per class. Every engine of a bench is timed through this.
pub fn time_each<'a>(
    queries: impl IntoIterator<Item = &'a BenchQuery>,
    repeat: usize,
    mut count: impl FnMut(&BenchQuery) -> Result<u64>,
    mut run: impl FnMut(&BenchQuery) -> Result<()>,
) -> Result<BTreeMap<Class, ClassLatency>> {
    let mut by_class: BTreeMap<Class, (Vec<Vec<f64>>, Vec<u64>)> = BTreeMap::new();
    for q in queries {
        let matched = count(q)?;
        run(q)?;
        let mut samples = Vec::with_capacity(repeat);
        for _ in 0..repeat.max(1) {
            let started = Instant::now();
            run(q)?;
            samples.push(started.elapsed().as_secs_f64() * 1e3);
        }
        let entry = by_class.entry(q.class).or_default();
        entry.0.push(samples);
        entry.1.push(matched);
    }
    Ok(by_class
        .into_iter()
        .map(|(c, (s, h))| (c, summarise(&s, &h)))
        .collect())
}

/// Queries per second with `threads` threads running the whole mix `rounds` times between them.
pub fn throughput(
    news: &NewsIndex,
    searcher: &Searcher,
    queries: &[BenchQuery],
    threads: usize,
    rounds: usize,
) -> Result<f64> {
    let threads = threads.max(1);
    let total = queries.len() * rounds.max(1);
    if total == 0 {
        return Ok(0.0);
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let started = Instant::now();
    let outcome: Result<()> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| -> Result<()> {
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        if i >= total {
                            return Ok(());
                        }
                        run_one(news, searcher, &queries[i % queries.len()])?;
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .try_for_each(|w| w.join().unwrap_or(Ok(())))
    });
    outcome?;
    Ok(total as f64 / started.elapsed().max(Duration::from_nanos(1)).as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_use_nearest_rank() {
        let s: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(quantile(&s, 0.5), 50.0);
        assert_eq!(quantile(&s, 0.95), 95.0);
        assert_eq!(quantile(&s, 0.99), 99.0);
        assert_eq!(quantile(&[3.0], 0.99), 3.0);
        let c = summarise(&[vec![1.0, 1.0], vec![4.0, 4.0]], &[2, 4]);
        assert!((c.geomean_ms - 2.0).abs() < 1e-9);
        assert_eq!(c.mean_hits, 3.0);
    }
}
