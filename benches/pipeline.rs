//! Criterion benches for each stage of the pipeline on deterministic synthetic news:
//! reading each format (JSON Lines, Reuters SGML, text files, CSV, a JSON array, SMART), passage
//! splitting, the whole indexing run, and search.
//!
//! `cargo bench` runs them; figures measured on the real corpora are in benches/README.md.

use std::hint::black_box;
use std::io::Write;
use std::path::Path;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use newsdex::archive::{self, FieldMap, Record};
use newsdex::extract::passages;
use newsdex::index::{self, NewsIndex, Settings};
use newsdex::search::{self, Request};

const WORDS: &[&str] = &[
    "the",
    "minister",
    "said",
    "on",
    "Tuesday",
    "that",
    "oil",
    "prices",
    "would",
    "rise",
    "as",
    "talks",
    "in",
    "Geneva",
    "continued",
    "between",
    "delegates",
    "from",
    "both",
    "sides",
    "of",
    "the",
    "border",
    "dispute",
    "and",
    "analysts",
    "expect",
    "markets",
    "to",
    "react",
    "calmly",
    "after",
    "a",
    "week",
    "of",
    "losses",
];

/// A deterministic article body of about `words` words in paragraphs of about 60 words.
fn body(seed: usize, words: usize) -> String {
    let mut out = String::with_capacity(words * 7);
    for i in 0..words {
        let w = WORDS[(seed * 31 + i * 7 + i / 5) % WORDS.len()];
        if i > 0 {
            out.push_str(if i % 60 == 0 {
                ".\n\n"
            } else if i % 15 == 0 {
                ". "
            } else {
                " "
            });
        }
        out.push_str(w);
    }
    out.push('.');
    out
}

fn write_jsonl(dir: &Path, articles: usize) -> u64 {
    let path = dir.join("feed.jsonl");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    for i in 0..articles {
        let source = ["Wire", "Ledger", "Courier"][i % 3];
        let record = serde_json::json!({
            "id": format!("a{i}"), "title": format!("Story {i}"), "body": body(i, 200 + i % 400),
            "date": "2016-09-22T10:00:00Z", "source": source,
        });
        writeln!(f, "{record}").unwrap();
    }
    f.flush().unwrap();
    std::fs::metadata(path).unwrap().len()
}

fn write_sgml(dir: &Path, articles: usize) -> u64 {
    let path = dir.join("wire.sgm");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    for i in 0..articles {
        write!(
            f,
            "<REUTERS NEWID=\"{i}\">\n<DATE>26-FEB-1987 15:01:01.79</DATE>\n<TEXT>&#2;\n<TITLE>STORY {i}</TITLE>\n<BODY>{}\n Reuter\n&#3;</BODY></TEXT>\n</REUTERS>\n",
            body(i, 150 + i % 300)
        )
        .unwrap();
    }
    f.flush().unwrap();
    std::fs::metadata(path).unwrap().len()
}

fn write_text(dir: &Path, articles: usize) -> u64 {
    let mut bytes = 0;
    for i in 0..articles {
        let path = dir.join(format!("2016-09-22-story-{i}.txt"));
        let text = format!("Story {i}\n\nBy Ana Reyes\n\n{}\n", body(i, 200 + i % 400));
        std::fs::write(&path, &text).unwrap();
        bytes += text.len() as u64;
    }
    bytes
}

fn write_csv(dir: &Path, articles: usize) -> u64 {
    let path = dir.join("export.csv");
    let mut w = csv::Writer::from_path(&path).unwrap();
    w.write_record(["id", "title", "body", "date", "source"])
        .unwrap();
    for i in 0..articles {
        w.write_record([
            format!("c{i}"),
            format!("Story {i}"),
            body(i, 200 + i % 400),
            "2016-09-22".to_string(),
            "Ledger".to_string(),
        ])
        .unwrap();
    }
    w.flush().unwrap();
    std::fs::metadata(path).unwrap().len()
}

fn write_json(dir: &Path, articles: usize) -> u64 {
    let path = dir.join("dump.json");
    let records: Vec<serde_json::Value> = (0..articles)
        .map(|i| serde_json::json!({"id": format!("j{i}"), "headline": format!("Story {i}"), "text": body(i, 200 + i % 400)}))
        .collect();
    std::fs::write(&path, serde_json::to_vec(&records).unwrap()).unwrap();
    std::fs::metadata(path).unwrap().len()
}

fn write_html(dir: &Path, articles: usize) -> u64 {
    let mut bytes = 0;
    for i in 0..articles {
        let path = dir.join(format!("story-{i}.html"));
        let paragraphs: String = body(i, 200 + i % 400)
            .split("\n\n")
            .map(|p| format!("<p>{p}</p>\n"))
            .collect();
        let page = format!(
            "<!DOCTYPE html><html><head><title>Story {i} | Ledger</title>\
             <meta property=\"og:title\" content=\"Story {i}\">\
             <meta property=\"article:published_time\" content=\"2016-09-22T10:00:00Z\"></head>\
             <body><nav><a href=\"/\">Home</a></nav><article><h1>Story {i}</h1>\n{paragraphs}</article>\
             <footer><p>Ledger</p></footer></body></html>"
        );
        std::fs::write(&path, &page).unwrap();
        bytes += page.len() as u64;
    }
    bytes
}

fn write_smart(dir: &Path, articles: usize) -> u64 {
    let path = dir.join("collection.all");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    for i in 0..articles {
        write!(
            f,
            ".I {}\n.T\nStory {i}\n.A\nReyes, A.\n.W\n{}\n",
            i + 1,
            body(i, 150 + i % 300)
        )
        .unwrap();
    }
    f.flush().unwrap();
    std::fs::metadata(path).unwrap().len()
}

fn count_articles(dir: &Path) -> usize {
    let (files, _) = archive::walk(&[dir.to_path_buf()]);
    let (ctx, plan, _) = archive::plan(files, FieldMap::default());
    let mut n = 0;
    for (file, kind) in &plan {
        archive::read_file(file, *kind, &ctx, &mut |r| {
            if let Record::Article(a) = r {
                n += black_box(a.body.len()).min(1);
            }
        });
    }
    n
}

fn reading(c: &mut Criterion) {
    let mut group = c.benchmark_group("read");
    for (name, writer) in [
        ("jsonl", write_jsonl as fn(&Path, usize) -> u64),
        ("sgml", write_sgml),
        ("text_files", write_text),
        ("csv", write_csv),
        ("json_array", write_json),
        ("html_pages", write_html),
        ("smart", write_smart),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let bytes = writer(dir.path(), 2000);
        group.throughput(Throughput::Bytes(bytes));
        group.bench_function(name, |b| {
            b.iter(|| assert_eq!(count_articles(dir.path()), 2000))
        });
    }
    group.finish();
}

fn splitting(c: &mut Criterion) {
    let text = body(7, 800);
    let mut group = c.benchmark_group("passages");
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function("split_800_words", |b| {
        b.iter(|| passages::split(black_box(&text)))
    });
    group.finish();
}

/// A news-like text with names, places and organisations, written for the bench.
fn named_text(seed: usize) -> String {
    let people = [
        "Maria Lindqvist",
        "Joseph Mwangi",
        "Daniel Tan",
        "Sofia Marin",
        "Pieter Van Dijk",
    ];
    let places = ["Nairobi", "Geneva", "Singapore", "Lisbon", "Rotterdam"];
    let orgs = [
        "the United Nations",
        "the World Bank",
        "OPEC",
        "the European Union",
        "NATO",
    ];
    (0..40)
        .map(|i| {
            let k = seed + i;
            format!(
                "{} said in {} on Tuesday that {} would review the plan. \"We expect a decision soon,\" {} told reporters, adding that talks {}.",
                people[k % 5],
                places[(k / 2) % 5],
                orgs[(k / 3) % 5],
                people[k % 5].split(' ').next_back().unwrap_or_default(),
                body(k, 12)
            )
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn actors(c: &mut Criterion) {
    use newsdex::extract::actors as extraction;
    use newsdex::extract::gazetteer::Gazetteer;
    use newsdex::extract::ner::Tagger;
    let tagger = Tagger::embedded().unwrap();
    let text = named_text(3);
    let mut group = c.benchmark_group("actors");
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function("extract_article", |b| {
        b.iter(|| {
            extraction::extract(
                "Talks Resume",
                black_box(&text),
                tagger,
                Gazetteer::embedded(),
            )
        })
    });
    // What issue 4 adds per article, given the actors: quotes, topics and keyphrases.
    let found = extraction::extract("Talks Resume", &text, tagger, Gazetteer::embedded());
    group.bench_function("quotes_topics_keyphrases", |b| {
        b.iter(|| {
            let q = newsdex::extract::quotes::extract(black_box(&text), &found);
            let t = newsdex::extract::topics::Classifier::embedded().assign("Talks Resume", &text);
            let background = newsdex::extract::keyphrases::Background::embedded();
            let k = newsdex::extract::keyphrases::extract("Talks Resume", &text, background, 8);
            (q, t, k)
        })
    });
    group.finish();
}

fn indexing(c: &mut Criterion) {
    let archive_dir = tempfile::tempdir().unwrap();
    let bytes = write_jsonl(archive_dir.path(), 2000);
    let mut group = c.benchmark_group("index");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(bytes));
    group.bench_function("jsonl_2000_articles", |b| {
        b.iter_batched(
            || tempfile::tempdir().unwrap(),
            |out| {
                let settings = Settings {
                    memory_mb: 200,
                    ..Settings::default()
                };
                let summary = index::run(
                    &out.path().join("idx"),
                    &[archive_dir.path().to_path_buf()],
                    &settings,
                    &mut |_| {},
                    &mut |_| {},
                )
                .unwrap();
                assert_eq!(summary.articles, 2000);
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

fn searching(c: &mut Criterion) {
    let archive_dir = tempfile::tempdir().unwrap();
    write_jsonl(archive_dir.path(), 5000);
    let out = tempfile::tempdir().unwrap();
    let path = out.path().join("idx");
    index::run(
        &path,
        &[archive_dir.path().to_path_buf()],
        &Settings::default(),
        &mut |_| {},
        &mut |_| {},
    )
    .unwrap();
    let news = NewsIndex::open(&path).unwrap();
    let reader = news.index.reader().unwrap();
    let searcher = reader.searcher();
    let mut group = c.benchmark_group("search");
    for (name, query) in [
        ("term", "geneva"),
        ("and", "oil prices"),
        ("phrase", "\"oil prices\""),
        ("near", "\"talks border\"~5"),
    ] {
        let request = Request {
            query: query.to_string(),
            ..Request::default()
        };
        group.bench_function(name, |b| {
            b.iter(|| search::search(&news, &searcher, &request).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, reading, splitting, actors, indexing, searching);
criterion_main!(benches);
