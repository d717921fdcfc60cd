//! End-to-end tests of the `newsdex` binary on archives the tests write themselves and on the
//! sample archive in `examples/archive`.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::Stdio;

use assert_cmd::Command;
use predicates::prelude::*;
use serde::Deserialize;
use tempfile::TempDir;

fn newsdex(index: &Path) -> Command {
    let mut cmd = Command::cargo_bin("newsdex").unwrap();
    cmd.arg("--index")
        .arg(index)
        .env_remove("NEWSDEX_INDEX")
        .env("NO_COLOR", "1");
    cmd
}

fn sample_archive() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/archive")
}

fn write(dir: &Path, name: &str, content: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, content).unwrap();
}

/// An index of the sample archive, built once per test.
fn sample_index() -> (TempDir, PathBuf) {
    let tmp = TempDir::new().unwrap();
    let index = tmp.path().join("idx");
    newsdex(&index)
        .arg("index")
        .arg("--quiet")
        .arg(sample_archive())
        .assert()
        .success();
    (tmp, index)
}

// # The JSON contract, mirrored strictly: an added, renamed or missing key fails these tests.

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Line {
    #[serde(rename = "type")]
    kind: String,
    data: serde_json::Value,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HitJson {
    rank: usize,
    score: Option<f32>,
    article_id: String,
    passage: u64,
    title: String,
    date: Option<String>,
    source: Option<String>,
    author: Option<String>,
    url: Option<String>,
    path: String,
    text: String,
    range: [u64; 2],
    highlights: Vec<[usize; 2]>,
    title_highlights: Vec<[usize; 2]>,
    actors: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SummaryJson {
    query: String,
    hits: usize,
    matched_passages: usize,
    elapsed_ms: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct IndexSummaryJson {
    files_found: usize,
    files_read: usize,
    sidecars: usize,
    sidecar_joined: usize,
    articles: usize,
    passages: usize,
    body_bytes: u64,
    input_bytes: u64,
    issues: std::collections::BTreeMap<String, usize>,
    elapsed_secs: f64,
    commits: usize,
    reading_threads: usize,
    writer_threads: usize,
}

/// The `data` of every JSON line of one `type`, held to its strict mirror struct.
fn data_lines<T: serde::de::DeserializeOwned>(stdout: &[u8], kind: &str) -> Vec<T> {
    std::str::from_utf8(stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<Line>(l).unwrap())
        .filter(|l| l.kind == kind)
        .map(|l| serde_json::from_value(l.data).unwrap())
        .collect()
}

fn search_json(index: &Path, args: &[&str]) -> (Vec<HitJson>, SummaryJson) {
    let out = newsdex(index)
        .arg("search")
        .arg("--json")
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.code() == Some(0) || out.status.code() == Some(1),
        "{out:?}"
    );
    let mut hits = Vec::new();
    let mut summary = None;
    for line in String::from_utf8(out.stdout).unwrap().lines() {
        let line: Line = serde_json::from_str(line).unwrap();
        match line.kind.as_str() {
            "hit" => hits.push(serde_json::from_value(line.data).unwrap()),
            "summary" => summary = Some(serde_json::from_value(line.data).unwrap()),
            other => panic!("unknown line type {other}"),
        }
    }
    (hits, summary.expect("a summary line"))
}

fn index_json(index: &Path, dirs: &[&Path], extra: &[&str]) -> IndexSummaryJson {
    let out = newsdex(index)
        .arg("index")
        .arg("--json")
        .args(extra)
        .args(dirs)
        .output()
        .unwrap();
    assert!(
        out.status.code() != Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn sample_archive_indexes_every_article_in_every_format() {
    let tmp = TempDir::new().unwrap();
    let s = index_json(&tmp.path().join("idx"), &[&sample_archive()], &[]);
    assert_eq!(s.articles, 44);
    assert_eq!((s.sidecars, s.sidecar_joined), (1, 4));
    assert_eq!(s.files_found, 26);
    assert_eq!(s.files_read, 25);
    assert!(s.passages >= s.articles);
    assert_eq!(
        s.issues.get("no_body"),
        Some(&1),
        "the headline-only brief: {:?}",
        s.issues
    );
    assert_eq!(s.issues.values().sum::<usize>(), 1);
    assert!(s.body_bytes > 20_000 && s.input_bytes > 0 && s.commits >= 1);
    assert!(s.elapsed_secs >= 0.0 && s.reading_threads >= 1 && s.writer_threads >= 1);
}

#[test]
fn search_returns_ranked_highlighted_passages_as_json() {
    let (_tmp, index) = sample_index();
    let (hits, summary) = search_json(&index, &["\"oil prices\""]);
    assert_eq!(summary.query, "\"oil prices\"");
    assert_eq!(summary.hits, hits.len());
    assert!(hits.len() >= 4, "{hits:?}");
    assert!(summary.matched_passages >= hits.len() && summary.elapsed_ms >= 0.0);
    for (i, hit) in hits.iter().enumerate() {
        assert_eq!(hit.rank, i + 1);
        assert!(!hit.highlights.is_empty(), "{hit:?}");
        for [s, e] in &hit.highlights {
            assert!(
                hit.text[*s..*e].eq_ignore_ascii_case("oil")
                    || hit.text[*s..*e].eq_ignore_ascii_case("prices")
            );
        }
        assert!(hit.range[0] < hit.range[1]);
        assert!(!hit.article_id.is_empty() && !hit.path.is_empty() && !hit.title.is_empty());
        let _ = (&hit.author, &hit.url, hit.passage);
        if hit.title.to_lowercase().contains("oil prices") {
            let marked: Vec<String> = hit
                .title_highlights
                .iter()
                .map(|[s, e]| hit.title[*s..*e].to_lowercase())
                .collect();
            assert_eq!(marked, vec!["oil", "prices"], "{hit:?}");
        }
    }
    let scores: Vec<f32> = hits.iter().map(|h| h.score.unwrap()).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    assert!(hits.iter().any(|h| h.source.as_deref() == Some("Reuters")
        && h.date.as_deref() == Some("1987-03-05T14:40:02Z")));
    assert!(hits
        .iter()
        .any(|h| h.url.as_deref() == Some("https://example.org/biz/205")));
}

#[test]
fn ranking_puts_the_article_about_the_subject_first() {
    let tmp = TempDir::new().unwrap();
    let archive = tmp.path().join("a");
    write(
        &archive,
        "a.txt",
        "Markets Close Mixed\n\nShares rose and bonds fell. A trader mentioned copper once.\n",
    );
    write(&archive, "b.txt", "Copper Hits Record as Copper Mines Strike\n\nCopper prices rose as copper miners in Chile walked out. Copper stocks are low.\n");
    write(
        &archive,
        "c.txt",
        "Weather Report\n\nRain is expected on Tuesday across the region.\n",
    );
    let index = tmp.path().join("idx");
    newsdex(&index)
        .args(["index", "-q"])
        .arg(&archive)
        .assert()
        .success();
    let (hits, _) = search_json(&index, &["copper"]);
    let titles: Vec<&str> = hits.iter().map(|h| h.title.as_str()).collect();
    assert_eq!(
        titles,
        vec![
            "Copper Hits Record as Copper Mines Strike",
            "Markets Close Mixed"
        ]
    );
}

#[test]
fn text_output_marks_matches_and_lists_metadata() {
    let (_tmp, index) = sample_index();
    newsdex(&index)
        .args(["search", "Aliyev OR Mammadov", "-n", "1"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("1. Peace Deal Signed to End Decade-Long Border Dispute  (2024-09-10, Global Desk, score "))
        .stdout(predicate::str::contains("**Mammadov**"))
        .stdout(predicate::str::contains("https://example.org/world/103"));
}

#[test]
fn exit_codes_are_grep_like() {
    let (tmp, index) = sample_index();
    newsdex(&index)
        .args(["search", "wildfire"])
        .assert()
        .code(0);
    newsdex(&index)
        .args(["search", "xylophone"])
        .assert()
        .code(1)
        .stdout("");
    newsdex(&index)
        .args(["search", "title:(unclosed"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot understand the query"));
    newsdex(&tmp.path().join("missing"))
        .args(["search", "oil"])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("no newsdex index at")
                .and(predicate::str::contains("newsdex index --index")),
        );
    newsdex(&index)
        .args(["search", "oil", "--since", "someday"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--since"));
    newsdex(&index).args(["search"]).assert().code(2);
    let empty = tmp.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    newsdex(&tmp.path().join("idx2"))
        .arg("index")
        .arg(&empty)
        .assert()
        .code(1);
}

#[test]
fn filters_by_date_source_and_groups_by_article() {
    let (_tmp, index) = sample_index();
    // --until takes in the whole of its day.
    let (hits, _) = search_json(
        &index,
        &[
            "said",
            "-n",
            "100",
            "--since",
            "2024-06-02",
            "--until",
            "2024-06-05",
        ],
    );
    let mut days: Vec<String> = hits
        .iter()
        .map(|h| h.date.clone().unwrap()[..10].to_string())
        .collect();
    days.sort();
    assert_eq!(days, vec!["2024-06-03", "2024-06-05"]);

    let (hits, _) = search_json(
        &index,
        &["said", "-n", "100", "--source", "LEDGER BUSINESS"],
    );
    assert_eq!(hits.len(), 6);
    assert!(hits
        .iter()
        .all(|h| h.source.as_deref() == Some("Ledger Business")));

    let (one, _) = search_json(&index, &["said", "-n", "100"]);
    let (two, _) = search_json(&index, &["said", "-n", "100", "--per-article", "2"]);
    let per_article = |hits: &[HitJson]| {
        let mut counts = std::collections::HashMap::new();
        for h in hits {
            *counts.entry(h.article_id.clone()).or_insert(0) += 1;
        }
        counts.into_values().max().unwrap()
    };
    assert_eq!(per_article(&one), 1);
    assert_eq!(per_article(&two), 2);
    assert!(two.len() > one.len());

    let (page, _) = search_json(&index, &["said", "-n", "3", "--offset", "2"]);
    let ids: Vec<&str> = page.iter().map(|h| h.article_id.as_str()).collect();
    let expected: Vec<&str> = one[2..5].iter().map(|h| h.article_id.as_str()).collect();
    assert_eq!(ids, expected);
    assert_eq!(page[0].rank, 3);

    let (by_date, _) = search_json(&index, &["said", "-n", "5", "--sort", "date"]);
    let dates: Vec<String> = by_date.iter().map(|h| h.date.clone().unwrap()).collect();
    assert!(dates.windows(2).all(|w| w[0] >= w[1]), "{dates:?}");
    assert_eq!(&dates[0][..10], "2024-12-11");
    assert!(by_date.iter().all(|h| h.score.is_none()));
}

#[test]
fn articles_rank_on_words_spread_over_their_passages() {
    let tmp = TempDir::new().unwrap();
    let archive = tmp.path().join("archive");
    let filler = "Officials met in the morning and spoke with residents about the weeks ahead, \
                  the roads, the schools and the markets, which opened late on most days. ";
    let paragraph = |word: &str| {
        format!(
            "{}The {word} was the talk of every meeting.",
            filler.repeat(3)
        )
    };
    write(
        &archive,
        "valley.txt",
        &format!(
            "Title: Valley report\n\n{}\n\n{}\n\n{}\n",
            paragraph("glacier"),
            paragraph("harvest"),
            paragraph("drought")
        ),
    );
    write(
        &archive,
        "ice.txt",
        &format!("Title: Ice report\n\n{}\n", paragraph("glacier")),
    );
    let index = tmp.path().join("idx");
    newsdex(&index)
        .arg("index")
        .arg("--quiet")
        .arg(&archive)
        .assert()
        .success();

    // No one passage has both words: passage search finds nothing, whole articles one.
    let (passages, _) = search_json(&index, &["glacier drought"]);
    assert!(passages.is_empty(), "{passages:?}");
    let (articles, summary) = search_json(&index, &["glacier drought", "--articles"]);
    assert_eq!(articles.len(), 1, "{articles:?}");
    assert!(
        articles[0].article_id.contains("valley.txt"),
        "{articles:?}"
    );
    assert_eq!(summary.matched_passages, 2);
    assert!(!articles[0].highlights.is_empty());

    // Any of the words: the article with both first; each article's best passages shown.
    let (any, _) = search_json(
        &index,
        &[
            "glacier drought",
            "--articles",
            "--any",
            "--per-article",
            "2",
        ],
    );
    let found: Vec<(&str, u64)> = any
        .iter()
        .map(|h| (h.article_id.rsplit('/').next().unwrap(), h.passage))
        .collect();
    assert_eq!(found.len(), 3, "{found:?}");
    assert!(found[0].0.starts_with("valley") && found[1].0.starts_with("valley"));
    assert!(found[2].0.starts_with("ice"));
    assert!(any[0].score.unwrap() > any[2].score.unwrap());
    assert_ne!(
        found[0].1, 1,
        "the passage without either word is not shown"
    );
}

#[test]
fn phrases_proximity_and_fields_work() {
    let (_tmp, index) = sample_index();
    let count = |q: &str| search_json(&index, &[q, "-n", "100"]).0.len();
    assert_eq!(count("\"night trains\""), 1);
    assert_eq!(count("\"trains night\""), 0);
    assert_eq!(count("\"ceasefire talks\"~2"), 1);
    assert_eq!(count("source:\"iberia post\""), 5);
    assert_eq!(count("title:earthquake"), 1);
    assert_eq!(count("earthquake -chile"), 0);
    assert!(count("oil") > count("oil AND coffee"));
    // `AND NOT` excludes, as `-` does, rather than matching nothing.
    assert!(count("oil AND NOT coffee") > 0);
    assert_eq!(count("oil AND NOT coffee"), count("oil -coffee"));
    assert_eq!(
        count("oil AND NOT coffee") + count("oil AND coffee"),
        count("oil")
    );
}

#[test]
fn reindexing_the_same_data_replaces_articles_instead_of_duplicating_them() {
    let tmp = TempDir::new().unwrap();
    let archive = tmp.path().join("a");
    write(
        &archive,
        "one.txt",
        "First Headline Here\n\nThe first body mentions turbines.\n",
    );
    write(
        &archive,
        "feed.jsonl",
        "{\"id\": \"k1\", \"title\": \"Keyed\", \"body\": \"a keyed body about turbines\"}\n",
    );
    let index = tmp.path().join("idx");
    let first = index_json(&index, &[&archive], &[]);
    let second = index_json(&index, &[&archive], &[]);
    assert_eq!((first.articles, second.articles), (2, 2));
    let (hits, _) = search_json(&index, &["turbines", "-n", "10"]);
    assert_eq!(hits.len(), 2, "no duplicates after a second run");

    write(
        &archive,
        "feed.jsonl",
        "{\"id\": \"k1\", \"title\": \"Keyed\", \"body\": \"now about windmills\"}\n",
    );
    index_json(&index, &[&archive], &[]);
    assert_eq!(search_json(&index, &["turbines"]).0.len(), 1);
    assert_eq!(search_json(&index, &["windmills"]).0.len(), 1);
    let stats: serde_json::Value = serde_json::from_slice(
        &newsdex(&index)
            .args(["stats", "--json"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert_eq!(stats["articles"], 2);
}

#[test]
fn rebuild_replaces_the_index_with_only_the_new_archive() {
    let tmp = TempDir::new().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    write(&a, "x.txt", "Alpha Story\n\nAbout glaciers.\n");
    write(&b, "y.txt", "Beta Story\n\nAbout volcanoes.\n");
    let index = tmp.path().join("idx");
    index_json(&index, &[&a], &[]);
    index_json(&index, &[&b], &["--rebuild"]);
    assert_eq!(search_json(&index, &["glaciers"]).0.len(), 0);
    assert_eq!(search_json(&index, &["volcanoes"]).0.len(), 1);
    assert!(!tmp.path().join("idx.rebuild").exists() && !tmp.path().join("idx.old").exists());
}

#[test]
fn bad_input_is_counted_and_good_articles_still_indexed() {
    let tmp = TempDir::new().unwrap();
    let archive = tmp.path().join("a");
    write(
        &archive,
        "good.txt",
        "Good Headline\n\nA good body about harbours.\n",
    );
    write(&archive, "lines.jsonl", "{\"title\": \"J1\", \"body\": \"harbours one\"}\nnot json\n{\"title\": \"J2\", \"body\": \"harbours two\", \"date\": \"the day after\"}\n");
    write(&archive, "empty.txt", "");
    write(&archive, "image.png", "\u{0}\u{0}PNG");
    std::fs::write(
        archive.join("latin1.txt"),
        b"Caf\xe9 Headline\n\nharbours caf\xe9\n",
    )
    .unwrap();
    std::fs::write(
        archive.join("broken.txt"),
        b"Broken Headline\n\nharbours in Z\xc3\xbcrich \xff\n",
    )
    .unwrap();
    let index = tmp.path().join("idx");
    let s = index_json(&index, &[&archive], &[]);
    assert_eq!(s.articles, 5);
    let issue = |k: &str| s.issues.get(k).copied().unwrap_or(0);
    assert_eq!(
        (
            issue("bad_record"),
            issue("bad_date"),
            issue("no_body"),
            issue("binary"),
            issue("invalid_utf8"),
            issue("recoded")
        ),
        (1, 1, 1, 1, 1, 1)
    );
    assert_eq!(search_json(&index, &["harbours", "-n", "10"]).0.len(), 5);
    // The Latin-1 file was read as Windows-1252: its words are found as written.
    let cafe = search_json(&index, &["caf\u{e9}"]).0;
    assert_eq!(cafe.len(), 1);
    assert_eq!(cafe[0].title, "Caf\u{e9} Headline");

    newsdex(&tmp.path().join("idx3"))
        .arg("index")
        .arg(&archive)
        .assert()
        .code(0)
        .stderr(predicate::str::contains("lines.jsonl#2: bad_record"))
        .stderr(predicate::str::contains("skipped or changed:"))
        .stderr(predicate::str::contains("record skipped: malformed"));
}

#[test]
fn index_built_with_another_schema_version_is_refused_with_rebuild_advice() {
    let (_tmp, index) = sample_index();
    let meta_path = index.join("meta.json");
    let meta = std::fs::read_to_string(&meta_path).unwrap();
    let tampered = meta.replace("\\\"schema_version\\\":3", "\\\"schema_version\\\":999");
    assert_ne!(meta, tampered, "payload not found in {meta}");
    std::fs::write(&meta_path, tampered).unwrap();
    newsdex(&index)
        .args(["search", "oil"])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("schema version 999")
                .and(predicate::str::contains("--rebuild")),
        );
}

#[test]
fn stats_reports_counts_dates_and_schema_version() {
    let (_tmp, index) = sample_index();
    let out = newsdex(&index).args(["stats", "--json"]).output().unwrap();
    let stats: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(stats["articles"], 44);
    assert_eq!(stats["schema_version"], 3);
    assert_eq!(stats["first_date"], "1987-03-03T09:12:44Z");
    assert_eq!(stats["last_date"], "2024-12-11T00:00:00Z");
    assert_eq!(stats["undated_passages"], 0);
    assert_eq!(stats["sources"].as_array().unwrap().len(), 14);
    newsdex(&index)
        .arg("stats")
        .assert()
        .code(0)
        .stdout(predicate::str::contains("articles        44"));
}

/// Writes a JSON Lines archive of `n` short articles.
fn many_articles(dir: &Path, n: usize) {
    std::fs::create_dir_all(dir).unwrap();
    let mut f = std::io::BufWriter::new(std::fs::File::create(dir.join("bulk.jsonl")).unwrap());
    for i in 0..n {
        writeln!(
            f,
            "{{\"id\": \"bulk-{i}\", \"title\": \"Bulletin {i}\", \"body\": \"Harbour bulletin number {i}: ships {} waited while cranes {} moved cargo.\"}}",
            i % 97,
            i % 13
        )
        .unwrap();
    }
}

#[test]
fn a_killed_indexer_leaves_the_last_committed_index_searchable() {
    let tmp = TempDir::new().unwrap();
    let index = tmp.path().join("idx");
    newsdex(&index)
        .args(["index", "-q"])
        .arg(sample_archive())
        .assert()
        .success();
    let bulk = tmp.path().join("bulk");
    many_articles(&bulk, 60_000);
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("newsdex"))
        .arg("--index")
        .arg(&index)
        .args(["index", "-q", "--commit-every", "1"])
        .arg(&bulk)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    child.kill().unwrap();
    child.wait().unwrap();
    let (hits, _) = search_json(&index, &["wildfire"]);
    assert_eq!(hits.len(), 1, "the committed sample articles survive");
    newsdex(&index).args(["stats"]).assert().code(0);
    // A second run completes what the killed one started, without duplicates.
    newsdex(&index)
        .args(["index", "-q"])
        .arg(&bulk)
        .assert()
        .success();
    let (_, summary) = search_json(&index, &["bulletin"]);
    assert_eq!(summary.matched_passages, 60_000);
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    let tmp = TempDir::new().unwrap();
    let bulk = tmp.path().join("bulk");
    many_articles(&bulk, 3000);
    let index = tmp.path().join("idx");
    newsdex(&index)
        .args(["index", "-q"])
        .arg(&bulk)
        .assert()
        .success();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("newsdex"))
        .arg("--index")
        .arg(&index)
        .args(["search", "harbour", "-n", "3000", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.starts_with("{\"type\":\"hit\""));
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
}

#[test]
fn help_describes_every_command_and_flag() {
    let mut cmd = Command::cargo_bin("newsdex").unwrap();
    cmd.arg("--help").assert().success().stdout(
        predicate::str::contains("index")
            .and(predicate::str::contains("search"))
            .and(predicate::str::contains("stats"))
            .and(predicate::str::contains("Exit codes")),
    );
    let mut cmd = Command::cargo_bin("newsdex").unwrap();
    cmd.args(["search", "--help"]).assert().success().stdout(
        predicate::str::contains("--per-article")
            .and(predicate::str::contains("--since"))
            .and(predicate::str::contains("\"exact phrases\"")),
    );
    let mut cmd = Command::cargo_bin("newsdex").unwrap();
    cmd.args(["index", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("--memory").and(predicate::str::contains("--threads")));
}

// # Actors

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ActorJson {
    id: String,
    kind: String,
    name: String,
    passages: u64,
    articles: u64,
}

fn actors_json(index: &Path, args: &[&str]) -> Vec<ActorJson> {
    let out = newsdex(index)
        .arg("actors")
        .arg("--json")
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.code() != Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    data_lines(&out.stdout, "actor")
}

#[test]
fn search_by_actor_resolves_partial_names_and_reports_ambiguity() {
    let (_tmp, index) = sample_index();
    let (hits, _) = search_json(&index, &["drought", "--actor", "Mwangi"]);
    assert_eq!(hits.len(), 1);
    assert!(
        hits[0].actors.contains(&"person:Joseph Mwangi".to_string()),
        "{:?}",
        hits[0].actors
    );
    newsdex(&index)
        .args(["search", "strike", "--actor", "Romero"])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("ambiguous")
                .and(predicate::str::contains("person:Juan Romero"))
                .and(predicate::str::contains("person:Luis Romero")),
        );
    newsdex(&index)
        .args(["search", "strike", "--actor", "Nobody Atall"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no actor of that name"));
    // Typed fields match any form of a name; actor: matches the canonical name exactly.
    assert_eq!(search_json(&index, &["person:mwangi"]).0.len(), 1);
    assert_eq!(search_json(&index, &["actor:\"Joseph Mwangi\""]).0.len(), 1);
    assert_eq!(
        search_json(&index, &["place:\"united states\""]).0.len(),
        search_json(&index, &["actor:\"United States\"", "-n", "100"])
            .0
            .len()
    );
}

#[test]
fn article_level_fields_match_every_passage_of_their_article() {
    let tmp = TempDir::new().unwrap();
    let archive = tmp.path().join("archive");
    let paragraph = |topic: &str| {
        format!(
            "{topic} was the subject of a long meeting in the town hall on Tuesday evening, \
             where residents asked many questions about the plans, the costs and the \
             timetable, and the council promised written answers before the next session \
             of the planning committee later this month, after the holidays.\n\n"
        )
    };
    let body = format!(
        "{}{}{}",
        paragraph("Irrigation"),
        paragraph("Drainage"),
        paragraph("The county engineer Joseph Mwangi"),
    );
    write(
        &archive,
        "canal.txt",
        &format!("Canal plans debated\n\n{body}"),
    );
    let index = tmp.path().join("idx");
    index_json(&index, &[&archive], &[]);
    let (_, all) = search_json(&index, &["canal", "-n", "100"]);
    assert_eq!(all.matched_passages, 3, "{all:?}");
    // The actor is named in the last passage only; the article-level field finds every one.
    let (_, joined) = search_json(&index, &["article_actor:\"Joseph Mwangi\""]);
    assert_eq!(joined.matched_passages, all.matched_passages);
    let (hits, _) = search_json(&index, &["article_actor:\"Joseph Mwangi\" AND drainage"]);
    assert_eq!(hits.len(), 1);
    assert!(
        hits[0].passage > 0 && hits[0].text.contains("Drainage"),
        "{hits:?}"
    );
    assert!(search_json(&index, &["article_actor:\"Nobody Else\""])
        .0
        .is_empty());
}

#[test]
fn actors_are_counted_by_type_and_by_co_occurrence() {
    let (_tmp, index) = sample_index();
    let all = actors_json(&index, &["--top", "5"]);
    assert_eq!(all.len(), 5);
    assert!(all.windows(2).all(|w| w[0].passages >= w[1].passages));
    let people = actors_json(&index, &["--type", "person", "--top", "100"]);
    assert!(people
        .iter()
        .all(|a| a.kind == "person" && a.id == format!("person:{}", a.name)));
    assert!(people.iter().any(|a| a.name == "Joseph Mwangi"));
    assert!(people
        .iter()
        .all(|a| a.articles >= 1 && a.articles <= a.passages));
    let with = actors_json(
        &index,
        &["--with", "Nadia Farouk", "--type", "organisation"],
    );
    let names: Vec<&str> = with.iter().map(|a| a.name.as_str()).collect();
    assert!(names.contains(&"Gulfstream Capital"), "{names:?}");
    assert!(!names.contains(&"Nadia Farouk"));
    newsdex(&index)
        .args(["actors", "--type", "planet"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--type"));
}

#[test]
fn eval_ner_scores_a_small_file_exactly() {
    let tmp = TempDir::new().unwrap();
    let train = "-DOCSTART- -X- O\n\nMaria NNP B-PER\nLindqvist NNP I-PER\nvisited VBD O\nOslo NNP B-LOC\n. . O\n\nThe DT O\nHarbour NNP B-ORG\nUnion NNP I-ORG\nmet VBD O\nMaria NNP B-PER\n. . O\n";
    std::fs::write(tmp.path().join("train.txt"), train).unwrap();
    // The same tokens, with gold that disagrees on one entity: Oslo is called an ORG.
    let gold = train.replace("Oslo NNP B-LOC", "Oslo NNP B-ORG");
    std::fs::write(tmp.path().join("gold.txt"), gold).unwrap();
    let model = tmp.path().join("tiny.model");
    let mut cmd = Command::cargo_bin("newsdex").unwrap();
    cmd.args(["train", "ner", "--conll"])
        .arg(tmp.path().join("train.txt"))
        .arg("--out")
        .arg(&model)
        .assert()
        .success();
    let out = Command::cargo_bin("newsdex")
        .unwrap()
        .args(["eval", "ner", "--json", "--model"])
        .arg(&model)
        .arg(tmp.path().join("gold.txt"))
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // The model fits its training data: 4 entities predicted, 3 of them match the gold.
    assert_eq!(
        report["scores"]["overall"],
        serde_json::json!({"gold": 4, "predicted": 4, "correct": 3})
    );
    assert_eq!(
        report["scores"]["by_kind"]["LOC"],
        serde_json::json!({"gold": 0, "predicted": 1, "correct": 0})
    );
    assert_eq!(
        report["scores"]["by_kind"]["ORG"],
        serde_json::json!({"gold": 2, "predicted": 1, "correct": 1})
    );
    assert_eq!(report["tokens"], 11);
}

#[test]
fn a_users_actor_list_is_found_and_resolved_without_rebuilding_the_binary() {
    let tmp = TempDir::new().unwrap();
    let archive = tmp.path().join("a");
    write(&archive, "co-op.txt", "Fishing Co-op Expands\n\nMembers of the tidewater collective voted on Monday. The TWC said catches rose.\n");
    let list = tmp.path().join("mine.tsv");
    std::fs::write(
        &list,
        "# my actors\ntidewater collective\torganisation\tTWC|Tidewater\n",
    )
    .unwrap();
    let index = tmp.path().join("idx");
    newsdex(&index)
        .args(["index", "-q", "--actors"])
        .arg(&list)
        .arg(&archive)
        .assert()
        .success();
    let actors = actors_json(&index, &[]);
    let found: Vec<(&str, u64)> = actors.iter().map(|a| (a.id.as_str(), a.passages)).collect();
    assert_eq!(found, vec![("organisation:tidewater collective", 1)]);
    let bad = tmp.path().join("bad.tsv");
    std::fs::write(&bad, "Someone\tunicorn\n").unwrap();
    newsdex(&index)
        .args(["index", "-q", "--actors"])
        .arg(&bad)
        .arg(&archive)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("line 1"));
}

#[test]
fn phrase_words_are_highlighted_where_the_phrase_stands() {
    let (_tmp, index) = sample_index();
    let (hits, _) = search_json(&index, &["\"oil prices\"", "-n", "20"]);
    let hit = hits
        .iter()
        .find(|h| h.article_id == "reuters-21578-1002")
        .expect("the 1987 oil story");
    let marked: Vec<&str> = hit
        .highlights
        .iter()
        .map(|[s, e]| &hit.text[*s..*e])
        .collect();
    // "Oil prices were steady ... a meeting of oil ministers": the second "oil" is not the phrase.
    assert_eq!(marked, vec!["Oil", "prices"]);
    let (hits, _) = search_json(&index, &["oil", "-n", "20"]);
    let hit = hits
        .iter()
        .find(|h| h.article_id == "reuters-21578-1002")
        .unwrap();
    assert_eq!(hit.highlights.len(), 2, "a plain term is marked everywhere");
}

// # Quotes

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct QuoteJson {
    speaker: Option<String>,
    direct: bool,
    cue: Option<String>,
    text: String,
    title: String,
    date: Option<String>,
    source: Option<String>,
    path: String,
    article_id: String,
    passage: u64,
}

#[test]
fn quotes_are_listed_by_speaker_and_searchable() {
    let tmp = TempDir::new().unwrap();
    let archive = tmp.path().join("a");
    write(
        &archive,
        "dam.txt",
        "Dam Holds After Storm\n\nGovernor Tomas Berg visited the dam on Monday.\n\n\u{201c}The water is high, but the dam is safe,\u{201d} Berg said. \u{201c}We are ready for more rain.\u{201d}\n\nEngineer Lena Okafor said the spillway would stay open all week.\n",
    );
    let index = tmp.path().join("idx");
    newsdex(&index)
        .args(["index", "-q"])
        .arg(&archive)
        .assert()
        .success();
    let out = newsdex(&index)
        .args(["quotes", "--json", "--speaker", "Berg"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let quotes: Vec<QuoteJson> = data_lines(&out.stdout, "quote");
    let texts: Vec<&str> = quotes.iter().map(|q| q.text.as_str()).collect();
    assert_eq!(
        texts,
        vec![
            "The water is high, but the dam is safe,",
            "We are ready for more rain."
        ]
    );
    assert!(quotes
        .iter()
        .all(|q| q.direct && q.speaker.as_deref() == Some("person:Tomas Berg")));
    assert_eq!(quotes[0].cue.as_deref(), Some("said"));
    assert!(quotes.iter().all(|q| q.title == "Dam Holds After Storm"
        && q.date.is_none()
        && q.source.as_deref() == Some("a")));
    assert!(quotes
        .iter()
        .all(|q| !q.path.is_empty() && !q.article_id.is_empty() && q.passage == 0));
    // What Okafor said, indirectly, is searchable by speaker and by its words (per passage).
    assert_eq!(
        search_json(&index, &["speaker:okafor AND quote:spillway"])
            .0
            .len(),
        1
    );
    assert_eq!(
        search_json(&index, &["speaker:okafor AND quote:taxes"])
            .0
            .len(),
        0
    );
    assert_eq!(search_json(&index, &["quote:\"dam is safe\""]).0.len(), 1);
    // Words of the passage outside its quotes are not what was said.
    let said = search_json(&index, &["quote:*"]).0.len();
    assert!(said >= 1);
    assert_eq!(search_json(&index, &["quote:monday"]).0.len(), 0);
    assert!(!search_json(&index, &["monday"]).0.is_empty());
}

// # Topics

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TopicJson {
    id: String,
    name: String,
    passages: u64,
    articles: u64,
}

#[test]
fn topics_are_assigned_counted_and_filterable() {
    let (_tmp, index) = sample_index();
    let out = newsdex(&index).args(["topics", "--json"]).output().unwrap();
    let topics: Vec<TopicJson> = data_lines(&out.stdout, "topic");
    let ids: Vec<&str> = topics.iter().map(|t| t.id.as_str()).collect();
    for id in ["economy", "sport", "disaster", "politics"] {
        assert!(ids.contains(&id), "{id} missing from {ids:?}");
    }
    assert!(topics
        .iter()
        .all(|t| t.articles >= 1 && t.articles <= t.passages && !t.name.is_empty()));
    assert!(topics.windows(2).all(|w| w[0].articles >= w[1].articles));
    let (hits, _) = search_json(&index, &["*", "--topic", "disaster", "-n", "50"]);
    let titles: Vec<&str> = hits.iter().map(|h| h.title.as_str()).collect();
    assert!(
        titles.contains(&"Magnitude 6.8 Earthquake Shakes Northern Chile"),
        "{titles:?}"
    );
    assert!(
        titles.contains(&"Wildfire Forces Evacuation of Fort Nelson"),
        "{titles:?}"
    );
    assert!(!titles.contains(&"Central Bank Holds Rates, Hints at Cut in Summer"));
}

// # Bench

/// A SMART collection of four documents and three queries, each with one obviously relevant
/// document, in CISI's layout (.REL lines `query document 0 0.0`).
fn tiny_collection(dir: &Path) {
    write(
        dir,
        "coll.all",
        ".I 1\n.T\nFlood warnings on the river\n.W\nThe river flood warnings were raised after heavy rain upstream.\n\
         .I 2\n.T\nCentral bank rates\n.W\nThe central bank raised interest rates to curb inflation.\n\
         .I 3\n.T\nTennis final\n.W\nThe tennis final went to five sets before the champion won.\n\
         .I 4\n.T\nHarbour cranes\n.W\nNew cranes arrived at the harbour for container ships.\n",
    );
    write(
        dir,
        "coll.qry",
        ".I 1\n.W\nWhat did the central bank do about inflation?\n\
         .I 2\n.W\nwhich river had flood warnings\n\
         .I 3\n.W\nWho won the tennis final?\n",
    );
    write(
        dir,
        "coll.rel",
        "1 2 0 0.000000\n2 1 0 0.000000\n3 3 0 0.000000\n",
    );
}

/// Runs `newsdex bench ...` to success and returns what it printed.
fn bench_stdout(cmd: &mut Command) -> String {
    let out = cmd.assert().success().get_output().stdout.clone();
    String::from_utf8(out).unwrap()
}

/// Runs `newsdex bench --json ...` to success and parses its report.
fn bench_json(cmd: &mut Command) -> serde_json::Value {
    serde_json::from_str(&bench_stdout(cmd)).unwrap()
}

#[test]
fn bench_scores_ranking_quality_against_judgments() {
    let tmp = TempDir::new().unwrap();
    tiny_collection(tmp.path());
    let report = bench_json(
        newsdex(&tmp.path().join("unused"))
            .args([
                "bench",
                "--json",
                "--per-class",
                "2",
                "--repeat",
                "1",
                "--processes",
                "1",
            ])
            .arg("--work")
            .arg(tmp.path().join("work"))
            .arg("--corpus")
            .arg(tmp.path().join("coll.all"))
            .arg("--queries")
            .arg(tmp.path().join("coll.qry"))
            .arg("--qrels")
            .arg(tmp.path().join("coll.rel")),
    );
    let run = &report["runs"][0];
    assert_eq!(run["indexing"]["articles"], 4);
    let quality = &run["quality"];
    assert_eq!(quality["queries"], 3);
    assert_eq!(quality["map"], 1.0, "{quality}");
    assert_eq!(quality["mrr"], 1.0);
    assert_eq!(run["quality_by_passage"]["map"], 1.0, "{run}");
    assert!(run["latency"]["rare_term"]["p50_ms"].as_f64().unwrap() > 0.0);
    assert!(run["process_p50_ms"].as_f64().unwrap() > 0.0);
    assert!(
        !tmp.path().join("work").read_dir().unwrap().any(|e| e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .starts_with("index-")),
        "indexes are removed unless --keep"
    );
}

#[test]
fn bench_times_an_existing_index_without_touching_it() {
    let tmp = TempDir::new().unwrap();
    tiny_collection(tmp.path());
    let index = tmp.path().join("idx");
    newsdex(&index)
        .args(["index", "--quiet"])
        .arg(tmp.path().join("coll.all"))
        .assert()
        .success();
    let report = bench_json(
        newsdex(&index)
            .args(["bench", "--existing", "--json", "--per-class", "2"])
            .args(["--repeat", "1", "--processes", "1"])
            .arg("--work")
            .arg(tmp.path().join("work"))
            .arg("--queries")
            .arg(tmp.path().join("coll.qry"))
            .arg("--qrels")
            .arg(tmp.path().join("coll.rel")),
    );
    let run = &report["runs"][0];
    assert!(run.get("indexing").is_none(), "nothing was indexed: {run}");
    assert_eq!(run["quality"]["map"], 1.0, "{run}");
    assert!(run["latency"]["rare_term"]["p50_ms"].as_f64().unwrap() > 0.0);
    assert!(run["process_p50_ms"].as_f64().unwrap() > 0.0);
    // The index measured is the user's: still there, still answering.
    newsdex(&index)
        .args(["search", "--limit", "1"])
        .arg("river")
        .assert()
        .success();
    // Indexing options make no sense without indexing.
    newsdex(&index)
        .args(["bench", "--existing", "--peers"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--existing"));
}

#[test]
fn bench_indexes_several_times_and_reports_the_median_run() {
    let tmp = TempDir::new().unwrap();
    let report = bench_json(
        newsdex(&tmp.path().join("unused"))
            .args(["bench", "--generate", "150", "--json", "--index-runs", "3"])
            .args(["--per-class", "1", "--repeat", "1", "--processes", "0"])
            .arg("--peers")
            .arg("--work")
            .arg(tmp.path().join("work")),
    );
    let run = &report["runs"][0];
    let median_of = |runs: &serde_json::Value| {
        let mut secs: Vec<f64> = runs
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_f64().unwrap())
            .collect();
        assert_eq!(secs.len(), 3, "{runs}");
        secs.sort_by(f64::total_cmp);
        secs[1]
    };
    let ours = &run["indexing"];
    assert_eq!(
        ours["secs"].as_f64().unwrap(),
        median_of(&ours["secs_runs"])
    );
    assert_eq!(ours["articles"], 150);
    // A median run's own CPU time: some, and no more than its threads could spend.
    let plausible_cpu = |run: &serde_json::Value| {
        let cpu = run["cpu_secs"].as_f64().unwrap();
        let threads = report["threads"].as_f64().unwrap();
        assert!(cpu > 0.0 && cpu <= run["secs"].as_f64().unwrap() * threads * 4.0 + 0.5);
        cpu
    };
    if cfg!(target_os = "linux") {
        plausible_cpu(ours);
    }
    let raw = run["peers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "tantivy (raw)")
        .unwrap();
    let raw = &raw["index"];
    assert_eq!(raw["secs"].as_f64().unwrap(), median_of(&raw["secs_runs"]));
    assert_eq!(raw["articles"], 150);
    if cfg!(target_os = "linux") {
        // Raw tantivy is built in this process: the CPU time it took while building, and
        // newsdex's measured against it.
        let cpu = plausible_cpu(raw);
        let ratio = run["ratios"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["peer"] == "tantivy (raw)" && r["figure"] == "indexing CPU time")
            .unwrap();
        let expected = ours["cpu_secs"].as_f64().unwrap() / cpu;
        assert!((ratio["ratio"].as_f64().unwrap() - expected).abs() < 1e-9 * expected);
    }
}

#[test]
fn bench_prints_the_ratios_to_peers_in_one_column() {
    let tmp = TempDir::new().unwrap();
    let text = bench_stdout(
        newsdex(&tmp.path().join("unused"))
            .args(["bench", "--generate", "100", "--peers"])
            .args(["--per-class", "1", "--repeat", "1", "--processes", "0"])
            .arg("--work")
            .arg(tmp.path().join("work")),
    );
    let ratios: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.starts_with("newsdex ÷ peer"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .collect();
    assert!(ratios.len() >= 4, "{text}");
    let width = ratios[0].chars().count();
    for line in &ratios {
        assert_eq!(line.chars().count(), width, "{line:?} in\n{text}");
    }
}

#[test]
fn bench_refuses_zero_index_runs() {
    let tmp = TempDir::new().unwrap();
    newsdex(&tmp.path().join("unused"))
        .args(["bench", "--generate", "10", "--index-runs", "0"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--index-runs"));
}

#[test]
fn bench_generates_a_corpus_and_measures_every_query_class() {
    let tmp = TempDir::new().unwrap();
    let work = tmp.path().join("work");
    let report = bench_json(
        newsdex(&tmp.path().join("unused"))
            .args([
                "bench",
                "--generate",
                "400",
                "--json",
                "--per-class",
                "3",
                "--repeat",
                "2",
            ])
            .args(["--processes", "0", "--concurrency", "2"])
            .arg("--work")
            .arg(&work),
    );
    let run = &report["runs"][0];
    assert_eq!(run["indexing"]["articles"], 400);
    assert!(run["indexing"]["passages"].as_u64().unwrap() > 400);
    assert!(run["indexing"]["index_bytes"].as_u64().unwrap() > 0);
    if cfg!(target_os = "linux") {
        // What the machine lost while the indexer ran: counted, and never below nothing.
        for key in ["io_wait_secs", "steal_secs"] {
            let secs = run["indexing"][key].as_f64();
            assert!(secs.is_some_and(|s| s >= 0.0), "{key}: {}", run["indexing"]);
        }
    }
    assert!(run["queries_per_sec"].as_f64().unwrap() > 0.0);
    for class in [
        "rare_term",
        "common_term",
        "and",
        "or",
        "phrase",
        "proximity",
        "actor_filter",
        "date_range",
        "topic_facet",
        "actor_counts",
    ] {
        let l = &run["latency"][class];
        assert_eq!(l["queries"], 3, "{class}: {l}");
        assert!(l["p99_ms"].as_f64().unwrap() >= l["p50_ms"].as_f64().unwrap());
    }
    // Every phrase and common term was drawn from the corpus, so it matches something.
    assert!(run["latency"]["phrase"]["mean_hits"].as_f64().unwrap() >= 1.0);
    assert!(run["latency"]["common_term"]["mean_hits"].as_f64().unwrap() >= 4.0);
    assert!(
        work.join("corpus-400/part-00000.jsonl").exists(),
        "the corpus is kept for reuse"
    );
}
