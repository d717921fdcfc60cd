//! Reader tests on small archives each test writes for itself.

use std::io::Write;
use std::path::Path;

use super::*;

/// Reads a directory the way `newsdex index` does: walk, plan, then every file in order.
fn read_dir(dir: &Path, fields: FieldMap) -> (Vec<Article>, Vec<Issue>) {
    let (files, mut issues) = walk(&[dir.to_path_buf()]);
    let (ctx, plan, plan_issues) = plan(files, fields);
    issues.extend(plan_issues);
    let mut articles = Vec::new();
    for (file, kind) in &plan {
        read_file(file, *kind, &ctx, &mut |r| match r {
            Record::Article(a) => articles.push(a),
            Record::Issue(i) => issues.push(i),
        });
    }
    (articles, issues)
}

fn write(dir: &Path, name: &str, content: &[u8]) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, content).unwrap();
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

fn kinds(issues: &[Issue]) -> Vec<IssueKind> {
    let mut k: Vec<IssueKind> = issues.iter().map(|i| i.kind).collect();
    k.sort();
    k
}

fn day(a: &Article) -> String {
    a.date
        .map(|d| d.date_naive().to_string())
        .unwrap_or_default()
}

#[test]
fn text_file_with_headline_headers_and_byline() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "wire/harbour.txt",
        b"Source: Coastal Herald\nDate: 22 Sep 2016\n\nHarbour Strike Ends After Nine Days\nBy Ada Lindqvist\n\nDock workers returned on Monday.\n\nThe union said talks would go on.\n",
    );
    let (articles, issues) = read_dir(dir.path(), FieldMap::default());
    assert!(issues.is_empty(), "{issues:?}");
    let a = &articles[0];
    assert_eq!(a.title, "Harbour Strike Ends After Nine Days");
    assert_eq!(a.source.as_deref(), Some("Coastal Herald"));
    assert_eq!(a.author.as_deref(), Some("Ada Lindqvist"));
    assert_eq!(day(a), "2016-09-22");
    assert_eq!(
        a.body,
        "Dock workers returned on Monday.\n\nThe union said talks would go on."
    );
}

#[test]
fn text_file_without_headline_is_titled_by_name_dated_by_path_sourced_by_folder() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "northwire/2016-09-22_port-story.txt",
        "The mayor said the port would reopen.\nOfficials agreed.\n".as_bytes(),
    );
    let (articles, _) = read_dir(dir.path(), FieldMap::default());
    let a = &articles[0];
    assert_eq!(a.title, "2016 09 22 port story");
    assert_eq!(day(a), "2016-09-22");
    assert_eq!(a.source.as_deref(), Some("northwire"));
    assert!(a.body.starts_with("The mayor said"));
    assert!(a.id.ends_with("2016-09-22_port-story.txt#0"), "{}", a.id);
}

#[test]
fn markdown_front_matter_and_heading() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "a.md",
        b"---\ntitle: \"Flood Defences Hold\"\ndate: 2019-03-04T08:00:00Z\nauthor: Tomas Berg\n---\n\n# Ignored Heading\n\nRiver levels fell overnight.\n",
    );
    write(
        dir.path(),
        "b.md",
        b"# Council Backs Tram Plan\n\nThe vote was close.\n",
    );
    let (articles, _) = read_dir(dir.path(), FieldMap::default());
    assert_eq!(articles[0].title, "Flood Defences Hold");
    assert_eq!(articles[0].author.as_deref(), Some("Tomas Berg"));
    assert_eq!(day(&articles[0]), "2019-03-04");
    assert!(articles[0].body.contains("River levels fell"));
    assert_eq!(articles[1].title, "Council Backs Tram Plan");
    assert_eq!(articles[1].body, "The vote was close.");
}

#[test]
fn json_array_envelope_and_single_object() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "array.json",
        br#"[{"headline": "One", "content": "First body.", "pubDate": "Tue, 01 Mar 2016 10:00:00 GMT", "byline": ["A. Writer", "B. Writer"], "guid": "x-1"},
            {"title": "Two", "text": "Second body.", "source": {"id": "t", "name": "The Times"}}]"#,
    );
    write(dir.path(), "envelope.json", br#"{"status": "ok", "articles": [{"title": "Three", "body": "Third body.", "published_at": 1456826400}]}"#);
    write(
        dir.path(),
        "single.json",
        br#"{"title": "Four", "article": "Fourth body.", "link": "https://example.org/4"}"#,
    );
    let (articles, issues) = read_dir(dir.path(), FieldMap::default());
    assert!(issues.is_empty(), "{issues:?}");
    let titles: Vec<&str> = articles.iter().map(|a| a.title.as_str()).collect();
    assert_eq!(titles, vec!["One", "Two", "Three", "Four"]);
    assert_eq!(articles[0].id, "x-1");
    assert_eq!(articles[0].author.as_deref(), Some("A. Writer, B. Writer"));
    assert_eq!(day(&articles[0]), "2016-03-01");
    assert_eq!(articles[1].source.as_deref(), Some("The Times"));
    assert_eq!(day(&articles[2]), "2016-03-01");
    assert_eq!(articles[3].url.as_deref(), Some("https://example.org/4"));
}

/// A JSON array of `n` articles, titled T0, T1, ...
fn json_articles(n: usize) -> String {
    let items: Vec<String> = (0..n)
        .map(|i| format!(r#"{{"title": "T{i}", "body": "Body number {i}."}}"#))
        .collect();
    format!("[{}]", items.join(",\n"))
}

fn titles(articles: &[Article]) -> Vec<&str> {
    articles.iter().map(|a| a.title.as_str()).collect()
}

#[test]
fn a_broken_json_array_keeps_the_articles_before_the_break() {
    let dir = tempfile::tempdir().unwrap();
    let whole = json_articles(5);
    let cut = whole.find("T3").unwrap() - 12;
    let broken = format!("{}{{oops", &whole[..cut]);
    write(dir.path(), "dump.json", broken.as_bytes());
    let (articles, issues) = read_dir(dir.path(), FieldMap::default());
    assert_eq!(titles(&articles), ["T0", "T1", "T2"]);
    assert_eq!(kinds(&issues), [IssueKind::BadRecord]);
    assert!(
        issues[0]
            .detail
            .contains("the 3 records before it were read"),
        "{issues:?}"
    );
    assert!(
        articles[2].id.ends_with("dump.json#3"),
        "{}",
        articles[2].id
    );
}

#[test]
fn a_long_envelope_is_streamed_and_a_short_nested_list_is_part_of_its_article() {
    let dir = tempfile::tempdir().unwrap();
    let many = 3 * 256 + 7;
    let envelope = format!(
        r#"{{"status": "ok", "sources": [{{"id": "a", "name": "A"}}], "articles": {}, "total": {many}}}"#,
        json_articles(many)
    );
    write(dir.path(), "envelope.json", envelope.as_bytes());
    // Cut after 600 articles: those were handed on before the break, as the list streamed.
    let cut = envelope.find("T600").unwrap() - 12;
    write(dir.path(), "envelope-cut.json", &envelope.as_bytes()[..cut]);
    write(
        dir.path(),
        "one.json",
        br#"{"title": "Main", "related": [{"title": "Other", "body": "Not an article of its own."}], "body": "The main story."}"#,
    );
    let (articles, issues) = read_dir(dir.path(), FieldMap::default());
    assert_eq!(articles.len(), 600 + many + 1);
    assert_eq!(articles[599].title, "T599");
    let (cut_off, whole) = articles.split_at(600);
    assert!(cut_off[599].id.ends_with("envelope-cut.json#600"));
    assert_eq!(kinds(&issues), [IssueKind::Truncated], "{issues:?}");
    assert!(issues[0].path.ends_with("envelope-cut.json"));
    assert_eq!(whole[0].title, "T0");
    assert_eq!(whole[many - 1].title, format!("T{}", many - 1));
    assert!(whole[many - 1]
        .id
        .ends_with(&format!("envelope.json#{many}")));
    assert_eq!(whole[many].title, "Main");
}

#[test]
fn json_lines_or_values_one_after_another_in_a_json_file() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "lines.json",
        b"{\"title\": \"L1\", \"body\": \"one\"}\n{\"title\": \"L2\", \"body\": \n{\"title\": \"L3\", \"body\": \"three\"}\n",
    );
    write(
        dir.path(),
        "pretty.json",
        b"{\n  \"title\": \"P1\",\n  \"body\": \"one\"\n}\n{\n  \"title\": \"P2\",\n  \"body\": \"two\"\n}\n",
    );
    let (articles, issues) = read_dir(dir.path(), FieldMap::default());
    assert_eq!(titles(&articles), ["L1", "L3", "P1", "P2"]);
    assert!(
        articles[1].id.ends_with("lines.json#3"),
        "{}",
        articles[1].id
    );
    assert!(
        articles[3].id.ends_with("pretty.json#2"),
        "{}",
        articles[3].id
    );
    assert_eq!(kinds(&issues), [IssueKind::BadRecord], "{issues:?}");
}

#[test]
fn json_with_a_bom_invalid_utf8_or_a_cut_off_stream() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "bom.json",
        b"\xEF\xBB\xBF[{\"title\": \"Bom\", \"body\": \"caf\xE9 prices\"}]",
    );
    let full = gzip(json_articles(3000).as_bytes());
    write(dir.path(), "cut.json.gz", &full[..full.len() / 2]);
    let (articles, issues) = read_dir(dir.path(), FieldMap::default());
    assert_eq!(articles[0].title, "Bom");
    assert_eq!(articles[0].body, "caf\u{FFFD} prices");
    assert_eq!(articles[1].title, "T0");
    assert!(
        articles.len() > 100 && articles.len() < 3001,
        "{}",
        articles.len()
    );
    assert_eq!(
        kinds(&issues),
        [IssueKind::Truncated, IssueKind::InvalidUtf8],
        "{issues:?}"
    );
}

#[test]
fn json_lines_broken_line_is_counted_and_the_rest_kept() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "feed.jsonl",
        b"{\"title\": \"A\", \"body\": \"alpha\"}\n{\"title\": \"B\", \"body\": \n[1, 2]\n\n{\"title\": \"C\", \"body\": \"gamma\", \"date\": \"someday\"}\n{\"title\": \"D\"}\n",
    );
    let (articles, issues) = read_dir(dir.path(), FieldMap::default());
    let titles: Vec<&str> = articles.iter().map(|a| a.title.as_str()).collect();
    assert_eq!(titles, vec!["A", "C"]);
    assert_eq!(
        articles[1].date, None,
        "an odd date keeps the article, undated"
    );
    assert_eq!(
        kinds(&issues),
        vec![
            IssueKind::BadRecord,
            IssueKind::BadRecord,
            IssueKind::NoBody,
            IssueKind::BadDate
        ]
    );
    assert!(
        issues.iter().any(|i| i.path.ends_with("feed.jsonl#2")),
        "{issues:?}"
    );
}

#[test]
fn a_saved_news_page_gives_its_metadata_and_the_paragraphs_of_its_article() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "herald/harbour.html",
        br#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Harbour strike ends | Coastal Herald</title>
<meta property="og:title" content="Harbour Strike Ends After Nine Days">
<meta property="og:site_name" content="Coastal Herald">
<meta property="article:published_time" content="2016-09-22T08:30:00Z">
<meta name="author" content="Ada Lindqvist">
<link rel="canonical" href="https://herald.example/harbour-strike">
<script>var teaser = "<p>not the article</p>";</script>
</head><body>
<header><nav><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li></ul></nav></header>
<main><article>
<h1>Harbour Strike Ends After Nine Days</h1>
<figure><img src="gate.jpg"><figcaption>Dock workers at the gate.</figcaption></figure>
<p>Dock workers returned on Monday after the union &amp; the port
   authority agreed terms.</p>
<p>"We got what we came for," said union leader <b>Tomas Berg</b>.</p>
<h2>What comes next</h2>
<blockquote><p>Talks on pensions go on.</p></blockquote>
<ul><li>Wages rise 4%</li><li><a href="/1987">Related: the 1987 strike</a></li></ul>
<aside><p>Advertisement</p></aside>
</article></main>
<footer><p>Coastal Herald, all rights reserved</p></footer>
</body></html>"#,
    );
    let (articles, issues) = read_dir(dir.path(), FieldMap::default());
    assert!(issues.is_empty(), "{issues:?}");
    let a = &articles[0];
    assert_eq!(a.title, "Harbour Strike Ends After Nine Days");
    assert_eq!(a.source.as_deref(), Some("Coastal Herald"));
    assert_eq!(a.author.as_deref(), Some("Ada Lindqvist"));
    assert_eq!(
        a.url.as_deref(),
        Some("https://herald.example/harbour-strike")
    );
    assert_eq!(day(a), "2016-09-22");
    assert_eq!(
        a.body,
        "Dock workers returned on Monday after the union & the port authority agreed terms.\n\n\
         \"We got what we came for,\" said union leader Tomas Berg.\n\n\
         What comes next\n\nTalks on pensions go on.\n\nWages rise 4%"
    );
}

#[test]
fn a_page_with_json_ld_a_bare_page_and_a_broken_one() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "post/tram.html",
        br#"<html><head><script type="application/ld+json">
{"@context": "https://schema.org", "@graph": [
  {"@type": "WebSite", "name": "Valley Post"},
  {"@type": ["NewsArticle"], "headline": "Council Backs Tram Plan",
   "datePublished": "2019-03-04T09:00:00+01:00",
   "author": [{"@type": "Person", "name": "Tomas Berg"}, {"name": "Lena Ek"}],
   "publisher": {"@type": "Organization", "name": "Valley Post"},
   "articleBody": "The council voted 31 to 20 for the tram line on Monday night. Building starts next spring, the mayor said."}]}
</script></head><body><div class="paywall"><p>The council voted 31 to 20.</p></div></body></html>"#,
    );
    write(
        dir.path(),
        "saved/2021-05-06_river-flood.htm",
        b"<html><body><div>River levels fell overnight.<br>Roads reopened by noon.</div></body></html>",
    );
    write(
        dir.path(),
        "saved/broken.html",
        b"<html><p>Unclosed <b>bold <p>second <table><tr><td>cell",
    );
    let (articles, issues) = read_dir(dir.path(), FieldMap::default());
    assert!(issues.is_empty(), "{issues:?}");
    let tram = &articles[0];
    assert_eq!(tram.title, "Council Backs Tram Plan");
    assert_eq!(tram.author.as_deref(), Some("Tomas Berg, Lena Ek"));
    assert_eq!(tram.source.as_deref(), Some("Valley Post"));
    assert_eq!(day(tram), "2019-03-04");
    assert!(tram.body.ends_with("the mayor said."), "{}", tram.body);
    let flood = &articles[1];
    assert_eq!(flood.title, "2021 05 06 river flood");
    assert_eq!(day(flood), "2021-05-06");
    assert_eq!(flood.source.as_deref(), Some("saved"));
    assert_eq!(
        flood.body,
        "River levels fell overnight. Roads reopened by noon."
    );
    assert_eq!(articles[2].body, "Unclosed bold\n\nsecond cell");
}

#[test]
fn a_sidecar_row_completes_a_saved_page() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "pages/metadata.csv",
        b"filename,publisher,publication_date\nflood,Valley Post,2021-05-06\n",
    );
    write(
        dir.path(),
        "pages/flood.html",
        b"<html><head><title>River Flood Recedes</title></head><body><p>Roads reopened by noon.</p></body></html>",
    );
    let (articles, issues) = read_dir(dir.path(), FieldMap::default());
    assert!(issues.is_empty(), "{issues:?}");
    let a = &articles[0];
    assert_eq!(a.title, "River Flood Recedes");
    assert_eq!(
        (a.source.as_deref(), day(a).as_str()),
        (Some("Valley Post"), "2021-05-06")
    );
}

#[test]
fn csv_and_tsv_with_usual_names_and_field_override() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "export.csv",
        b"id,headline,story_text,publish_date,publisher\n7,\"Rates Rise\",\"The bank raised rates, again.\nMarkets fell.\",2020-01-02,Ledger\n8,Short,,2020-01-03,Ledger\n9,Bad row\n",
    );
    write(
        dir.path(),
        "more.tsv",
        b"title\tbody\tdate\nA \"quoted\" title\tTab body\t22 September 2016\n",
    );
    let mut fields = FieldMap::default();
    fields.add_override("body=story_text").unwrap();
    let (articles, issues) = read_dir(dir.path(), fields);
    assert_eq!(articles.len(), 2, "{articles:?} {issues:?}");
    assert_eq!(articles[0].id, "7");
    assert_eq!(
        articles[0].body,
        "The bank raised rates, again.\nMarkets fell."
    );
    assert_eq!(articles[0].source.as_deref(), Some("Ledger"));
    assert_eq!(articles[1].title, "A \"quoted\" title");
    assert_eq!(day(&articles[1]), "2016-09-22");
    assert_eq!(
        kinds(&issues),
        vec![IssueKind::BadRecord, IssueKind::NoBody]
    );
}

#[test]
fn a_windows_1252_header_names_its_columns_as_written() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "export.csv",
        b"Titel,Inhalt,Ver\xf6ffentlicht\nMarkt,Die Kurse fielen.,2020-01-02\n",
    );
    let mut fields = FieldMap::default();
    for name in ["title=Titel", "body=Inhalt", "date=Ver\u{f6}ffentlicht"] {
        fields.add_override(name).unwrap();
    }
    let (articles, _) = read_dir(dir.path(), fields);
    assert_eq!(articles.len(), 1);
    assert_eq!(day(&articles[0]), "2020-01-02");
}

#[test]
fn csv_without_body_column_says_how_to_name_it() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "x.csv", b"headline,words\nA,b\n");
    let (articles, issues) = read_dir(dir.path(), FieldMap::default());
    assert!(articles.is_empty());
    assert_eq!(issues[0].kind, IssueKind::Unsupported);
    assert!(
        issues[0].detail.contains("--field body="),
        "{}",
        issues[0].detail
    );
}

#[test]
fn field_override_rejects_unknown_names() {
    let mut fields = FieldMap::default();
    assert!(fields
        .add_override("bodyy=x")
        .unwrap_err()
        .contains("unknown field"));
    assert!(fields
        .add_override("body")
        .unwrap_err()
        .contains("NAME=COLUMN"));
}

#[test]
fn compressed_files_stream_like_plain_ones() {
    let dir = tempfile::tempdir().unwrap();
    let lines = b"{\"title\": \"Gz\", \"body\": \"gzip body\"}\n";
    write(dir.path(), "a.jsonl.gz", &gzip(lines));
    let zst = zstd::encode_all(&b"{\"title\": \"Zst\", \"body\": \"zstd body\"}\n"[..], 3).unwrap();
    write(dir.path(), "b.jsonl.zst", &zst);
    write(
        dir.path(),
        "c.txt.gz",
        &gzip(b"Gzipped Headline\n\nPlain text inside gzip.\n"),
    );
    let (articles, issues) = read_dir(dir.path(), FieldMap::default());
    assert!(issues.is_empty(), "{issues:?}");
    let titles: Vec<&str> = articles.iter().map(|a| a.title.as_str()).collect();
    assert_eq!(titles, vec!["Gz", "Zst", "Gzipped Headline"]);
}

#[test]
fn truncated_gzip_keeps_records_before_the_break() {
    let dir = tempfile::tempdir().unwrap();
    let mut lines = String::new();
    for i in 0..2000 {
        lines.push_str(&format!(
            "{{\"title\": \"T{i}\", \"body\": \"body number {i} with some words {}\"}}\n",
            i * 7919 % 10007
        ));
    }
    let full = gzip(lines.as_bytes());
    write(dir.path(), "cut.jsonl.gz", &full[..full.len() / 2]);
    let (articles, issues) = read_dir(dir.path(), FieldMap::default());
    assert!(
        !articles.is_empty() && articles.len() < 2000,
        "{} articles",
        articles.len()
    );
    assert_eq!(articles[0].title, "T0");
    assert!(
        issues.iter().any(|i| i.kind == IssueKind::Truncated),
        "{issues:?}"
    );
}

#[test]
fn sidecar_table_joins_metadata_to_text_files_by_name() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "metadata.tsv",
        b"compartment\tfilename\tpublisher\tpublication_date\tauthor\ttitle\ntrain\tnyt_2016-03-11_budget-talks\tnyt\t2016-03-11\tNone\tBudget Talks Stall\n\
          train\tlm_cafe\tle monde\t2016-03-12\tRen\xe9 Dupont\tCaf\xe9 Owners Meet\n",
    );
    write(
        dir.path(),
        "train/text/lm_cafe.txt",
        b"Cafe Owners Meet\nThe owners met at noon.\n",
    );
    write(
        dir.path(),
        "train/text/nyt_2016-03-11_budget-talks.txt",
        b"Budget Talks Stall\nLawmakers left without a deal.\n",
    );
    write(
        dir.path(),
        "train/text/other.txt",
        b"Unmatched Story\nNo row for this one.\n",
    );
    let (articles, issues) = read_dir(dir.path(), FieldMap::default());
    assert!(issues.is_empty(), "{issues:?}");
    assert_eq!(articles.len(), 3);
    // A row in Windows-1252, as spreadsheets export it, is read rather than dropped.
    let cafe = &articles[0];
    assert_eq!(
        (cafe.title.as_str(), cafe.author.as_deref()),
        ("Caf\u{e9} Owners Meet", Some("Ren\u{e9} Dupont"))
    );
    let a = &articles[1];
    assert_eq!(
        (a.title.as_str(), a.source.as_deref(), day(a).as_str()),
        ("Budget Talks Stall", Some("nyt"), "2016-03-11")
    );
    assert_eq!(a.author, None, "\"None\" is a missing value");
    assert_eq!(a.body, "Lawmakers left without a deal.");
    assert_eq!(articles[2].source.as_deref(), Some("text"));
}

#[test]
fn reuters_sgml_records_with_and_without_body() {
    let dir = tempfile::tempdir().unwrap();
    let sgml = "<!DOCTYPE lewis SYSTEM \"lewis.dtd\">\n\
<REUTERS TOPICS=\"YES\" NEWID=\"11\">\n<DATE>26-FEB-1987 15:01:01.79</DATE>\n<TEXT>&#2;\n<TITLE>COCOA &lt;XYZ&gt; REVIEW</TITLE>\n<AUTHOR>    by Jane Roe, Reuters</AUTHOR>\n<DATELINE>    SALVADOR, Feb 26 - </DATELINE><BODY>Showers continued in the zone.\n    Arrivals were steady.\n Reuter\n&#3;</BODY></TEXT>\n</REUTERS>\n\
<REUTERS NEWID=\"12\">\n<DATE>27-MAR-1987 00:02:59.13&#5;&#5;&#5;RM</DATE>\n<TEXT TYPE=\"BRIEF\">&#2;\n<TITLE>SHORT ITEM</TITLE>\n&#3;</TEXT>\n</REUTERS>\n\
<REUTERS NEWID=\"13\">\n<TEXT><BODY>Cut off";
    write(dir.path(), "reut2-000.sgm", sgml.as_bytes());
    let (articles, issues) = read_dir(dir.path(), FieldMap::default());
    assert_eq!(articles.len(), 1);
    let a = &articles[0];
    assert_eq!(a.id, "reuters-21578-11");
    assert_eq!(a.title, "COCOA <XYZ> REVIEW");
    assert_eq!(a.author.as_deref(), Some("Jane Roe"));
    assert_eq!(a.source.as_deref(), Some("Reuters"));
    assert_eq!(
        a.date.map(|d| d.to_rfc3339()).as_deref(),
        Some("1987-02-26T15:01:01.790+00:00")
    );
    assert_eq!(
        a.body,
        "Showers continued in the zone.\n    Arrivals were steady."
    );
    assert_eq!(issues.len(), 2, "{issues:?}");
    assert_eq!(issues[0].kind, IssueKind::NoBody);
    assert!(
        issues[0].detail.contains("BRIEF") && issues[0].path.ends_with("#NEWID=12"),
        "{:?}",
        issues[0]
    );
    assert_eq!(issues[1].kind, IssueKind::Truncated);
    assert_eq!(issues[1].detail, "record 3 has no closing tag");
}

#[test]
fn binary_unsupported_unreadable_and_invalid_utf8_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "photo.jpg",
        &[0xff, 0xd8, 0xff, 0xe0, 0, 0x10, b'J', b'F'],
    );
    write(dir.path(), "notes.pdf", b"%PDF-1.4 not really");
    write(
        dir.path(),
        "broken.txt",
        b"Z\xc3\xbcrich Owners Protest\n\nThe owners in Z\xc3\xbcrich marched \xff.\n",
    );
    write(dir.path(), ".hidden/secret.txt", b"Hidden\n\nNever read.\n");
    let (articles, issues) = read_dir(dir.path(), FieldMap::default());
    assert_eq!(articles.len(), 1);
    assert_eq!(articles[0].title, "Z\u{fc}rich Owners Protest");
    assert!(articles[0].body.ends_with("marched \u{fffd}."));
    assert_eq!(
        kinds(&issues),
        vec![
            IssueKind::Unsupported,
            IssueKind::Binary,
            IssueKind::InvalidUtf8
        ]
    );
    let (_, missing) = walk(&[dir.path().join("nope")]);
    assert_eq!(missing[0].kind, IssueKind::Unreadable);
}

#[test]
fn content_sniffing_reads_files_without_telling_extensions() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "dump",
        b"{\"title\": \"A\", \"body\": \"x\"}\n{\"title\": \"B\", \"body\": \"y\"}\n",
    );
    write(
        dir.path(),
        "wire.dat",
        b"<REUTERS NEWID=\"1\"><TITLE>T</TITLE><BODY>b</BODY></REUTERS>",
    );
    write(
        dir.path(),
        "page",
        b"<!DOCTYPE html><title>Saved</title><p>A saved page.</p>",
    );
    let (articles, issues) = read_dir(dir.path(), FieldMap::default());
    assert!(issues.is_empty(), "{issues:?}");
    assert_eq!(titles(&articles), ["A", "B", "Saved", "T"]);
    assert_eq!(articles[2].body, "A saved page.");
}

#[test]
fn no_reader_panics_on_arbitrary_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut noise = |n: usize| -> Vec<u8> {
        (0..n)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let alphabet = b"{}[]\",:\n\t <>&#;abcXYZ0123\xff\xfe.-";
                alphabet[(state % alphabet.len() as u64) as usize]
            })
            .collect()
    };
    for (i, ext) in ["txt", "md", "json", "jsonl", "csv", "tsv", "sgm", "html"]
        .iter()
        .enumerate()
    {
        for j in 0..20 {
            let mut bytes = noise(50 + 97 * j);
            if *ext == "sgm" {
                bytes.splice(0..0, b"<REUTERS NEWID=\"1\"><BODY>".iter().copied());
            }
            write(dir.path(), &format!("f{i}_{j}.{ext}"), &bytes);
        }
    }
    write(dir.path(), "broken.gz", &[0x1f, 0x8b, 8, 0, 0, 0]);
    let _ = read_dir(dir.path(), FieldMap::default());
}

#[test]
fn legacy_encodings_are_read_as_their_bytes_name_or_as_windows_1252() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "latin1.txt",
        b"Caf\xe9 Owners Protest\n\nThe caf\xe9 owners \x93marched\x94 for \xa315m.\n",
    );
    // As Windows' Notepad saves "Unicode": UTF-16LE after a byte order mark.
    let utf16 = |text: &str| -> Vec<u8> {
        [0xff, 0xfe]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
            .collect()
    };
    write(
        dir.path(),
        "notepad.txt",
        &utf16("Ferry \u{e9}lan Returns\n\nThe ferry sailed again.\n"),
    );
    let utf16_json = utf16("[{\"title\": \"T\"}]");
    write(dir.path(), "export.json", &utf16_json);
    write(
        dir.path(),
        "page.html",
        b"<html><head><meta charset=\"iso-8859-1\"><title>R\xe9sum\xe9 of the Day</title></head>\
          <body><article><p>A na\xefve r\xe9sum\xe9 of the day's news.</p></article></body></html>",
    );
    write(
        dir.path(),
        "rows.csv",
        b"title,body\nCaf\xe9 Row,Owners of the caf\xe9 met.\nPlain Row,Nothing odd here.\n",
    );
    let (articles, issues) = read_dir(dir.path(), FieldMap::default());
    let titles: Vec<&str> = articles.iter().map(|a| a.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "Caf\u{e9} Owners Protest",
            "Ferry \u{e9}lan Returns",
            "R\u{e9}sum\u{e9} of the Day",
            "Caf\u{e9} Row",
            "Plain Row"
        ]
    );
    assert!(articles[0]
        .body
        .contains("\u{201c}marched\u{201d} for \u{a3}15m"));
    assert!(articles[2].body.contains("na\u{ef}ve r\u{e9}sum\u{e9}"));
    // The page named its charset and the UTF-16 file its byte order: only the guesses are
    // reported, and the UTF-16 JSON (streamed as UTF-8) is refused with a reason.
    let reported: Vec<(IssueKind, &str)> = issues
        .iter()
        .map(|i| (i.kind, i.path.rsplit('/').next().unwrap_or("")))
        .collect();
    assert_eq!(
        reported,
        [
            (IssueKind::Unsupported, "export.json"),
            (IssueKind::Recoded, "latin1.txt"),
            (IssueKind::Recoded, "rows.csv#1"),
        ]
    );
    assert!(issues[0].detail.contains("UTF-16"), "{}", issues[0].detail);
}
