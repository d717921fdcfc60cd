//! Lucene as a peer: a small Java program (`benches/lucene/LuceneBench.java`, built into this
//! binary and compiled with `javac` into the bench's work folder) indexes the same articles the
//! other engines read, times the same text queries in its own process and ranks the test
//! queries. It needs `java` and `javac` on PATH and a Lucene 8 jar with the analyzers, the
//! classic query parser and the highlighter (`benches/lucene-jar.sh` fetches one).

use std::collections::BTreeMap;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;

use super::latency::{summarise, ClassLatency};
use super::peers::{for_each_article, runs, IndexRun};
use super::queries::{BenchQuery, Class};
use crate::error::{Error, Result};

const SOURCE: &str = include_str!("../../benches/lucene/LuceneBench.java");

/// A built Lucene index and how to run the Java side on it.
pub struct Lucene {
    classpath: String,
    index: PathBuf,
    work: PathBuf,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn failed(what: &str, detail: impl std::fmt::Display) -> Error {
    tantivy::TantivyError::SystemError(format!("lucene {what}: {detail}")).into()
}

/// Runs `java` with `args`, returning its standard output; an exit other than success is an
/// error carrying the end of its standard error.
fn java(classpath: &str, args: &[&str]) -> Result<String> {
    let out = Command::new("java")
        .arg("-cp")
        .arg(classpath)
        .arg("LuceneBench")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(io(Path::new("java")))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let tail: Vec<&str> = err.lines().rev().take(3).collect();
        return Err(failed(args[0], tail.join(" / ")));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The articles written out for the Java side, and what they add up to.
struct ArticleFile {
    writer: BufWriter<std::fs::File>,
    run: IndexRun,
    /// The first write that failed: the file is then incomplete and the run stops.
    error: Option<std::io::Error>,
}

/// Appends one field of an `id<TAB>title<TAB>body` line, escaping what would break the line.
fn escape_field(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
}

impl Lucene {
    /// Why Lucene cannot run here, if it cannot: a missing jar or Java tool.
    pub fn unavailable(jar: &Path) -> Option<String> {
        if !jar.is_file() {
            return Some(format!("{} is not a file", jar.display()));
        }
        ["java", "javac"]
            .into_iter()
            .find(|tool| !runs(tool, "-version"))
            .map(|tool| format!("{tool} is not on PATH"))
    }

    /// Compiles the Java side into `work`, writes the articles under `roots` out for it (not
    /// timed) and indexes them with `threads` threads and a `memory_mb` RAM buffer. The time
    /// is Lucene's own, from its first read of the articles to the commit.
    pub fn build(
        work: &Path,
        jar: &Path,
        roots: &[PathBuf],
        threads: usize,
        memory_mb: usize,
    ) -> Result<(Lucene, IndexRun)> {
        let _ = std::fs::remove_dir_all(work);
        let classes = work.join("classes");
        std::fs::create_dir_all(&classes).map_err(io(&classes))?;
        let source = work.join("LuceneBench.java");
        std::fs::write(&source, SOURCE).map_err(io(&source))?;
        let compiled = Command::new("javac")
            .arg("-nowarn")
            .arg("-cp")
            .arg(jar)
            .arg("-d")
            .arg(&classes)
            .arg(&source)
            .output()
            .map_err(io(Path::new("javac")))?;
        if !compiled.status.success() {
            return Err(failed(
                "compile",
                String::from_utf8_lossy(&compiled.stderr).trim(),
            ));
        }
        let classpath = format!("{}:{}", jar.display(), classes.display());

        let articles_path = work.join("articles.tsv");
        let file = std::fs::File::create(&articles_path).map_err(io(&articles_path))?;
        let out = Mutex::new(ArticleFile {
            writer: BufWriter::with_capacity(1 << 20, file),
            run: IndexRun::default(),
            error: None,
        });
        for_each_article(roots, threads, &|a| {
            let mut line = String::with_capacity(a.body.len() + a.title.len() + 32);
            escape_field(&a.id, &mut line);
            line.push('\t');
            escape_field(&a.title, &mut line);
            line.push('\t');
            escape_field(&a.body, &mut line);
            line.push('\n');
            if let Ok(mut out) = out.lock() {
                if out.error.is_none() {
                    out.error = out.writer.write_all(line.as_bytes()).err();
                }
                out.run.articles += 1;
                out.run.body_bytes += a.body.len() as u64;
            }
        })?;
        let ArticleFile {
            mut writer,
            mut run,
            error,
        } = out
            .into_inner()
            .map_err(|_| failed("articles", "a reader thread panicked"))?;
        error
            .map_or_else(|| writer.flush(), Err)
            .map_err(io(&articles_path))?;

        let index = work.join("index");
        let out = java(
            &classpath,
            &[
                "index",
                &index.to_string_lossy(),
                &articles_path.to_string_lossy(),
                &threads.max(1).to_string(),
                &memory_mb.max(16).to_string(),
            ],
        )?;
        let _ = std::fs::remove_file(&articles_path);
        run.secs = out
            .lines()
            .find_map(|l| l.strip_prefix("secs ")?.trim().parse().ok())
            .ok_or_else(|| failed("index", format!("no time in its output: {out}")))?;
        run.cpu_secs = out
            .lines()
            .find_map(|l| l.strip_prefix("cpu_secs ")?.trim().parse().ok());
        run.index_bytes = crate::index::dir_size(&index);
        Ok((
            Lucene {
                classpath,
                index,
                work: work.to_path_buf(),
            },
            run,
        ))
    }

    /// Latency per class of the text queries: each query counted, then timed `repeat` times
    /// in one JVM after the whole list has run for a few seconds (so the JIT has compiled it).
    pub fn latency(
        &self,
        queries: &[BenchQuery],
        repeat: usize,
    ) -> Result<BTreeMap<Class, ClassLatency>> {
        let text: Vec<&BenchQuery> = queries.iter().filter(|q| q.class.is_text()).collect();
        let lines: Vec<String> = text.iter().map(|q| q.shape.tantivy()).collect();
        let out = self.run_lines("search", &lines, repeat.max(1))?;
        let mut by_class: BTreeMap<Class, (Vec<Vec<f64>>, Vec<u64>)> = BTreeMap::new();
        for (q, line) in text.iter().zip(out.lines()) {
            let (hits, times) = line
                .split_once('\t')
                .ok_or_else(|| failed("search", format!("unreadable line {line:?}")))?;
            let samples: Vec<f64> = times.split(',').filter_map(|t| t.parse().ok()).collect();
            let entry = by_class.entry(q.class).or_default();
            entry.0.push(samples);
            entry.1.push(hits.parse().unwrap_or(0));
        }
        Ok(by_class
            .into_iter()
            .map(|(c, (s, h))| (c, summarise(&s, &h)))
            .collect())
    }

    /// Article ids for an OR query of each word list, best first, at most `depth` each.
    pub fn rank_all(&self, queries: &[Vec<String>], depth: usize) -> Result<Vec<Vec<String>>> {
        let lines: Vec<String> = queries.iter().map(|w| w.join(" ")).collect();
        let out = self.run_lines("rank", &lines, depth)?;
        let mut rankings: Vec<Vec<String>> = out
            .lines()
            .map(|l| {
                l.split('\t')
                    .filter(|s| !s.is_empty())
                    .map(String::from)
                    .collect()
            })
            .collect();
        rankings.resize(queries.len(), Vec::new());
        Ok(rankings)
    }

    /// Writes `lines` to a file and runs `command` of the Java side on it with `n`.
    fn run_lines(&self, command: &str, lines: &[String], n: usize) -> Result<String> {
        let path = self.work.join(format!("{command}.txt"));
        std::fs::write(&path, lines.join("\n") + "\n").map_err(io(&path))?;
        java(
            &self.classpath,
            &[
                command,
                &self.index.to_string_lossy(),
                &path.to_string_lossy(),
                &n.to_string(),
            ],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_escaped_onto_one_line() {
        let mut line = String::new();
        escape_field("a\tb\nc\\d\re", &mut line);
        assert_eq!(line, "a\\tb\\nc\\\\d\\re");
        assert!(!line.contains(['\t', '\n', '\r']));
    }
}
