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

/// newsdex as [`time_in_turns`] times it: every class of the mix.
pub fn engine<'a>(news: &'a NewsIndex, searcher: &'a Searcher) -> Engine<'a> {
    Engine {
        answers: |_| true,
        count: Box::new(move |q| hits(news, searcher, q)),
        run: Box::new(move |q| run_one(news, searcher, q)),
    }
}

/// One engine timed by [`time_in_turns`].
pub struct Engine<'a> {
    /// Whether it answers a query (peers answer the text classes).
    pub answers: fn(&BenchQuery) -> bool,
    /// What a query matches, counted apart from the timed runs.
    pub count: PerQuery<'a, u64>,
    /// The job timed.
    pub run: PerQuery<'a, ()>,
}

/// Something an engine does with one query.
pub type PerQuery<'a, T> = Box<dyn FnMut(&BenchQuery) -> Result<T> + 'a>;

/// For each query, each engine that answers it in its turn: what the query matches (untimed),
/// one warm-up run, then `repeat` timed runs. The result is per engine, per class. Engines
/// timed one after another, a minute apart, measured this machine's drift as much as
/// themselves (newsdex's fastest class took 0.044 ms in one bench and 0.077 ms in the next);
/// taking turns query by query, every engine meets the same machine on each query. Turns
/// run by run were tried: each engine then found the core's caches full of the others' data,
/// which slowed the lightest engine most (newsdex's rare terms 0.121 ms against 0.044).
pub fn time_in_turns(
    queries: &[BenchQuery],
    repeat: usize,
    engines: &mut [Engine<'_>],
) -> Result<Vec<BTreeMap<Class, ClassLatency>>> {
    type Samples = BTreeMap<Class, (Vec<Vec<f64>>, Vec<u64>)>;
    let mut by_engine: Vec<Samples> = engines.iter().map(|_| Samples::new()).collect();
    for q in queries {
        for (engine, by_class) in engines.iter_mut().zip(&mut by_engine) {
            if !(engine.answers)(q) {
                continue;
            }
            let matched = (engine.count)(q)?;
            (engine.run)(q)?;
            let mut samples = Vec::with_capacity(repeat);
            for _ in 0..repeat.max(1) {
                let started = Instant::now();
                (engine.run)(q)?;
                samples.push(started.elapsed().as_secs_f64() * 1e3);
            }
            let entry = by_class.entry(q.class).or_default();
            entry.0.push(samples);
            entry.1.push(matched);
        }
    }
    Ok(by_engine
        .into_iter()
        .map(|by_class| {
            by_class
                .into_iter()
                .map(|(c, (s, h))| (c, summarise(&s, &h)))
                .collect()
        })
        .collect())
}

/// [`time_in_turns`] for one engine that answers the text queries (ripgrep).
pub fn time_text_queries<'a>(
    queries: &[BenchQuery],
    repeat: usize,
    count: impl FnMut(&BenchQuery) -> Result<u64> + 'a,
    run: impl FnMut(&BenchQuery) -> Result<()> + 'a,
) -> Result<BTreeMap<Class, ClassLatency>> {
    let mut engine = Engine {
        answers: |q| q.class.is_text(),
        count: Box::new(count),
        run: Box::new(run),
    };
    Ok(
        time_in_turns(queries, repeat, std::slice::from_mut(&mut engine))?
            .pop()
            .unwrap_or_default(),
    )
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

    /// Two engines, one answering the text queries only: on each query, each in its turn is
    /// warmed once and timed `repeat` times; none sees the other's queries.
    #[test]
    fn engines_take_turns_on_the_queries_they_answer() {
        use super::super::queries::Shape;
        let query = |class, word: &str| BenchQuery {
            class,
            shape: Shape::Term(word.to_string()),
            request: search::Request::default(),
        };
        let mix = [
            query(Class::RareTerm, "a"),
            query(Class::ActorCounts, "b"),
            query(Class::CommonTerm, "c"),
        ];
        let order = std::cell::RefCell::new(Vec::new());
        let engine = |name: &'static str, answers: fn(&BenchQuery) -> bool| Engine {
            answers,
            count: Box::new(move |q: &BenchQuery| Ok(q.shape.tantivy().len() as u64 + 1)),
            run: Box::new({
                let order = &order;
                move |q: &BenchQuery| {
                    order
                        .borrow_mut()
                        .push(format!("{name}:{}", q.shape.tantivy()));
                    Ok(())
                }
            }),
        };
        let mut engines = [
            engine("all", |_| true),
            engine("text", |q| q.class.is_text()),
        ];
        let timed = time_in_turns(&mix, 2, &mut engines).unwrap();
        drop(engines);
        let order = order.into_inner();
        // Per query: each engine's warm-up and two timed runs, one engine after the other.
        assert_eq!(
            order[..6],
            ["all:a", "all:a", "all:a", "text:a", "text:a", "text:a"].map(String::from)
        );
        assert_eq!(order[6..9], ["all:b", "all:b", "all:b"].map(String::from));
        assert_eq!(order.len(), 15);
        let classes = |t: &BTreeMap<Class, ClassLatency>| t.keys().copied().collect::<Vec<_>>();
        assert_eq!(
            classes(&timed[0]),
            [Class::RareTerm, Class::CommonTerm, Class::ActorCounts]
        );
        assert_eq!(classes(&timed[1]), [Class::RareTerm, Class::CommonTerm]);
        assert_eq!(timed[1][&Class::RareTerm].queries, 1);
        assert_eq!(timed[1][&Class::RareTerm].mean_hits, 2.0);
    }
}
