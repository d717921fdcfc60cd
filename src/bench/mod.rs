//! Benchmarks users run on their own corpus (`newsdex bench`): a synthetic corpus at any size,
//! the query mix, latency and throughput, ranking quality against judgments, and peers on the
//! same articles. The command (in the binary) runs the indexer as a child process, so its
//! time and peak memory are those a user sees; everything else runs here.

pub mod generate;
pub mod latency;
pub mod lucene;
pub mod peers;
pub mod quality;
pub mod queries;

use std::collections::HashMap;

use tantivy::Searcher;

use crate::error::Result;
use crate::index::NewsIndex;
use crate::search::{self, Request};
use quality::{doc_id, words_of, TestQuery};

/// User and system CPU time this process has taken so far, seconds; `None` where the OS
/// does not say. For the peers built in this process, which runs nothing else meanwhile.
pub fn process_cpu_secs() -> Option<f64> {
    #[cfg(unix)]
    {
        // SAFETY: an all-zero rusage is a valid value of that plain C struct, and getrusage
        // only writes into the one it is given.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } != 0 {
            return None;
        }
        Some(cpu_secs_of(&usage))
    }
    #[cfg(not(unix))]
    None
}

/// The user and system CPU time a resource usage report gives, seconds.
#[cfg(unix)]
pub fn cpu_secs_of(usage: &libc::rusage) -> f64 {
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    secs(usage.ru_utime) + secs(usage.ru_stime)
}

/// The CPU time taken since [`process_cpu_secs`] said `before`.
pub fn cpu_secs_since(before: Option<f64>) -> Option<f64> {
    Some(process_cpu_secs()? - before?)
}

/// Time the whole machine's CPUs spent not working for anyone, seconds: idle while some
/// disk read or write was pending (iowait), and taken by the host of a virtual machine
/// (steal). Read before and after a run, the difference says whether the run waited on its
/// disks or lost the CPU: a run's wall time moves with both, its CPU time with neither.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MachineWaits {
    pub io_wait_secs: f64,
    pub steal_secs: f64,
}

impl MachineWaits {
    /// The machine's totals since it started, from `/proc/stat` (Linux); `None` elsewhere.
    pub fn now() -> Option<MachineWaits> {
        #[cfg(unix)]
        {
            let stat = std::fs::read_to_string("/proc/stat").ok()?;
            // SAFETY: sysconf only reads a system constant.
            let ticks_per_sec = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
            parse_cpu_totals(stat.lines().next()?, ticks_per_sec)
        }
        #[cfg(not(unix))]
        None
    }

    /// What accrued from `before` to `self`.
    pub fn since(self, before: MachineWaits) -> MachineWaits {
        MachineWaits {
            io_wait_secs: self.io_wait_secs - before.io_wait_secs,
            steal_secs: self.steal_secs - before.steal_secs,
        }
    }
}

/// The iowait and steal of `/proc/stat`'s first line ("cpu  user nice system idle iowait irq
/// softirq steal ..."), counted in `ticks_per_sec` ticks.
#[cfg(any(unix, test))]
fn parse_cpu_totals(line: &str, ticks_per_sec: f64) -> Option<MachineWaits> {
    let mut fields = line.split_whitespace();
    if fields.next()? != "cpu" || ticks_per_sec <= 0.0 {
        return None;
    }
    let ticks: Vec<u64> = fields.map_while(|f| f.parse().ok()).collect();
    Some(MachineWaits {
        io_wait_secs: *ticks.get(4)? as f64 / ticks_per_sec,
        steal_secs: *ticks.get(7)? as f64 / ticks_per_sec,
    })
}

/// Which of several runs is the median one by `key`: the lower middle run for an even
/// count, so the figures reported are all from one real run. `None` for no runs.
pub fn median_run<T>(runs: &[T], key: impl Fn(&T) -> f64) -> Option<&T> {
    let mut order: Vec<&T> = runs.iter().collect();
    order.sort_by(|a, b| key(a).total_cmp(&key(b)));
    order.get(runs.len().saturating_sub(1) / 2).copied()
}

/// Least-squares slope of log(y) on log(x): how a cost grows with size (1 = linearly).
pub fn fitted_exponent(points: &[(f64, f64)]) -> Option<f64> {
    let logs: Vec<(f64, f64)> = points
        .iter()
        .filter(|(x, y)| *x > 0.0 && *y > 0.0)
        .map(|(x, y)| (x.ln(), y.ln()))
        .collect();
    if logs.len() < 2 {
        return None;
    }
    let n = logs.len() as f64;
    let mx = logs.iter().map(|p| p.0).sum::<f64>() / n;
    let my = logs.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = logs.iter().map(|p| (p.0 - mx).powi(2)).sum();
    let sxy: f64 = logs.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    (sxx > 0.0).then(|| sxy / sxx)
}

/// Articles ranked for each test query (its words, any of them), at most `depth`, named as
/// the judgments name documents: as wholes (`search --articles`; see [`search::articles`]),
/// or, with `whole_articles` off, each by its best passage (plain `search`).
pub fn rank_articles(
    news: &NewsIndex,
    searcher: &Searcher,
    queries: &[TestQuery],
    depth: usize,
    whole_articles: bool,
) -> Result<HashMap<String, Vec<String>>> {
    let mut rankings = HashMap::new();
    for q in queries {
        let words = words_of(&q.text);
        let request = Request {
            query: words.join(" "),
            limit: depth,
            per_article: 1,
            match_any: true,
            whole_articles,
            ..Request::default()
        };
        let ids = if words.is_empty() {
            Vec::new()
        } else {
            search::ranked_articles(news, searcher, &request)?
        };
        rankings.insert(
            q.id.clone(),
            ids.iter().map(|id| doc_id(id).to_string()).collect(),
        );
    }
    Ok(rankings)
}

#[cfg(test)]
mod tests {
    #[test]
    fn machine_waits_come_from_the_iowait_and_steal_columns() {
        let line = "cpu  2782795 611823 219376 1210001 265082 0 1663 19028 0 0";
        let waits = super::parse_cpu_totals(line, 100.0).unwrap();
        assert_eq!(
            waits,
            super::MachineWaits {
                io_wait_secs: 2650.82,
                steal_secs: 190.28
            }
        );
        let later = super::parse_cpu_totals("cpu 1 1 1 1 265282 0 0 19029", 100.0).unwrap();
        let spent = later.since(waits);
        assert!((spent.io_wait_secs - 2.0).abs() < 1e-9 && (spent.steal_secs - 0.01).abs() < 1e-9);
        // One CPU's line, or a kernel too old to count steal, says nothing.
        assert_eq!(super::parse_cpu_totals("cpu0 1 2 3 4 5 6 7 8", 100.0), None);
        assert_eq!(super::parse_cpu_totals("cpu 1 2 3 4 5", 100.0), None);
    }

    #[test]
    fn exponent_of_a_power_law() {
        let pts: Vec<(f64, f64)> = [1e4, 1e5, 1e6]
            .iter()
            .map(|&x: &f64| (x, 3.0 * x * x.sqrt()))
            .collect();
        assert!((super::fitted_exponent(&pts).unwrap() - 1.5).abs() < 1e-9);
        assert_eq!(super::fitted_exponent(&[(1.0, 1.0)]), None);
    }

    #[test]
    fn the_median_run_is_a_real_run() {
        let secs = |r: &(&str, f64)| r.1;
        let odd = [("a", 12.0), ("b", 9.5), ("c", 30.0)];
        assert_eq!(super::median_run(&odd, secs), Some(&("a", 12.0)));
        // An even count gives the lower of the two middle runs, not their mean.
        let even = [("a", 4.0), ("b", 1.0), ("c", 3.0), ("d", 2.0)];
        assert_eq!(super::median_run(&even, secs), Some(&("d", 2.0)));
        assert_eq!(super::median_run(&[("a", 7.0)], secs), Some(&("a", 7.0)));
        assert_eq!(super::median_run(&[] as &[(&str, f64)], secs), None);
    }

    #[test]
    fn a_peer_run_after_earlier_ones_reports_their_median() {
        use super::peers::IndexRun;
        let took = |secs: f64, cpu: f64| IndexRun {
            secs,
            cpu_secs: Some(cpu),
            ..Default::default()
        };
        let last = IndexRun {
            articles: 10,
            ..took(3.0, 5.5)
        };
        let run = last.clone().after(&[took(5.0, 9.0), took(2.5, 4.0)]);
        assert_eq!((run.secs, run.cpu_secs), (3.0, Some(5.5)));
        assert_eq!(run.secs_runs, vec![5.0, 2.5, 3.0]);
        assert_eq!(run.articles, 10);
        // The CPU time is the median run's own, not the median of the CPU times.
        let run = last.clone().after(&[took(9.0, 1.0), took(8.0, 7.0)]);
        assert_eq!(
            (run.secs, run.cpu_secs, run.secs_runs.len()),
            (8.0, Some(7.0), 3)
        );
        assert_eq!(last.clone().after(&[]).secs_runs, vec![3.0]);
    }

    #[test]
    fn cpu_time_counts_work_done_in_between() {
        let before = super::process_cpu_secs();
        if before.is_none() {
            return; // an OS that does not say: nothing to check
        }
        let mut x = 0u64;
        let started = std::time::Instant::now();
        while started.elapsed() < std::time::Duration::from_millis(30) {
            x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(7));
        }
        let spent = super::cpu_secs_since(before).unwrap();
        assert!(spent > 0.0, "{spent} CPU-s for 30 ms of spinning ({x})");
    }
}
