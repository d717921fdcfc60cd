//! Reuters-21578 SGML: `<REUTERS NEWID="…">` records with DATE, TITLE, AUTHOR, DATELINE and BODY.
//!
//! The files are not XML (bare `&#3;` entities, one Latin-1 byte), so records are cut out by
//! their tags. Records without a BODY (headline-only briefs, unprocessed text) are reported as
//! [`IssueKind::NoBody`].

use std::io::Read;

use super::charset::Declared;
use super::decode::read_text;
use super::fields::Fields;
use super::{FileRef, Issue, IssueKind, Record};

pub fn read(file: &FileRef, stream: Box<dyn Read + Send>, emit: &mut dyn FnMut(Record)) {
    let path = file.display();
    let (text, error) = read_text(stream, &path, Declared::Nowhere, emit);
    let mut position = 0;
    let mut records = Records { rest: &text };
    for record in records.by_ref() {
        position += 1;
        read_record(file, record, position, emit);
    }
    if let Some(e) = error {
        emit(Record::Issue(Issue::new(
            &path,
            IssueKind::Truncated,
            format!("after record {position}: {e}"),
        )));
    } else if find(records.rest, "<REUTERS").is_some() {
        emit(Record::Issue(Issue::new(
            &path,
            IssueKind::Truncated,
            format!("record {} has no closing tag", position + 1),
        )));
    }
}

/// The `<REUTERS …>…</REUTERS>` records of a file, in order. `rest` is what follows the last
/// whole record: a record cut off by truncation stays in it.
struct Records<'a> {
    rest: &'a str,
}

impl<'a> Iterator for Records<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        const CLOSE: &str = "</REUTERS>";
        let start = find(self.rest, "<REUTERS")?;
        let len = find(&self.rest[start..], CLOSE)?;
        let record = &self.rest[start..start + len];
        self.rest = &self.rest[start + len + CLOSE.len()..];
        Some(record)
    }
}

fn read_record(file: &FileRef, record: &str, position: usize, emit: &mut dyn FnMut(Record)) {
    let open_tag = &record[..record.find('>').unwrap_or(record.len())];
    let new_id = attribute(open_tag, "NEWID");
    let label = match &new_id {
        Some(id) => format!("{}#NEWID={id}", file.display()),
        None => format!("{}#{position}", file.display()),
    };
    let body = element(record, "BODY").map(|b| clean_body(&unescape(b)));
    if body.as_deref().is_none_or(|b| b.trim().is_empty()) {
        let what = match attribute(record, "TYPE").as_deref() {
            Some("BRIEF") => "a headline-only brief (TYPE=\"BRIEF\")",
            Some("UNPROC") => "unprocessed text without a BODY (TYPE=\"UNPROC\")",
            _ => "no BODY element",
        };
        emit(Record::Issue(Issue::new(label, IssueKind::NoBody, what)));
        return;
    }
    let author = element(record, "AUTHOR").map(|a| {
        let a = unescape(a);
        let a = a.trim();
        let a = a
            .strip_prefix("by ")
            .or_else(|| a.strip_prefix("By "))
            .unwrap_or(a);
        a.trim_end_matches(", Reuters").trim().to_string()
    });
    let fields = Fields {
        id: new_id.map(|id| format!("reuters-21578-{id}")),
        title: element(record, "TITLE").map(|t| unescape(t).trim().to_string()),
        body,
        // Some dates trail control-character entities and desk codes: "… 00:02:59.13&#5;&#5;RM".
        date: element(record, "DATE").map(|d| d.split('&').next().unwrap_or(d).trim().to_string()),
        source: Some("Reuters".to_string()),
        author,
        url: None,
    };
    let mut relabelled = |r: Record| {
        emit(match r {
            Record::Article(mut a) => {
                a.path = label.clone();
                Record::Article(a)
            }
            issue => issue,
        })
    };
    fields.into_article(file, Some(position), &mut relabelled);
}

/// The text between `<TAG …>` and `</TAG>`.
fn element<'a>(record: &'a str, tag: &str) -> Option<&'a str> {
    let open = find(record, &format!("<{tag}"))?;
    let content_start = open + memchr::memchr(b'>', &record.as_bytes()[open..])? + 1;
    let close = find(&record[content_start..], &format!("</{tag}>"))?;
    Some(&record[content_start..content_start + close])
}

/// Where `pattern` first occurs in `text`, by memchr's vectorised search (std's two-way
/// search was 2% of reading and extracting this collection).
fn find(text: &str, pattern: &str) -> Option<usize> {
    memchr::memmem::find(text.as_bytes(), pattern.as_bytes())
}

fn attribute(tag: &str, name: &str) -> Option<String> {
    let at = tag.find(&format!("{name}=\""))? + name.len() + 2;
    let end = tag[at..].find('"')?;
    Some(tag[at..at + end].to_string())
}

/// Decodes the entities the collection uses: `&lt;`, `&gt;`, `&amp;`, `&quot;` and `&#N;`.
fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp..];
        let end = after.find(';').filter(|&e| e <= 8);
        let decoded = end.and_then(|e| match &after[1..e] {
            "lt" => Some('<'),
            "gt" => Some('>'),
            "amp" => Some('&'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            num => num
                .strip_prefix('#')
                .and_then(|n| n.parse::<u32>().ok())
                .and_then(char::from_u32),
        });
        match (decoded, end) {
            (Some(c), Some(e)) => {
                if !c.is_control() || c == '\n' || c == '\t' {
                    out.push(c);
                }
                rest = &after[e + 1..];
            }
            _ => {
                out.push('&');
                rest = &after[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Drops the wire's closing "Reuter" signature and trailing blank space.
fn clean_body(body: &str) -> String {
    let trimmed = body.trim_end();
    let without_sign = ["Reuter", "REUTER", "Reuters"]
        .iter()
        .find_map(|sign| {
            trimmed
                .strip_suffix(sign)
                .filter(|b| b.ends_with('\n') || b.ends_with(' '))
        })
        .unwrap_or(trimmed);
    without_sign.trim_end().to_string()
}

/// A Reuters-21578 record with its document-level gold codes, for evaluation.
#[derive(Debug, Clone, Default)]
pub struct GoldRecord {
    pub new_id: String,
    pub title: String,
    pub body: String,
    pub people: Vec<String>,
    pub orgs: Vec<String>,
    pub places: Vec<String>,
}

/// The records of one SGML file that have a body, with their PEOPLE, ORGS and PLACES codes.
pub fn gold_records(text: &str) -> Vec<GoldRecord> {
    let codes = |record: &str, tag: &str| -> Vec<String> {
        element(record, tag)
            .map(|list| {
                list.split("<D>")
                    .filter_map(|d| d.split("</D>").next())
                    .map(|d| d.trim().to_string())
                    .filter(|d| !d.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut out = Vec::new();
    for record in (Records { rest: text }) {
        let Some(body) = element(record, "BODY")
            .map(|b| clean_body(&unescape(b)))
            .filter(|b| !b.trim().is_empty())
        else {
            continue;
        };
        let open_tag = &record[..record.find('>').unwrap_or(record.len())];
        out.push(GoldRecord {
            new_id: attribute(open_tag, "NEWID").unwrap_or_default(),
            title: element(record, "TITLE")
                .map(|t| unescape(t).trim().to_string())
                .unwrap_or_default(),
            body,
            people: codes(record, "PEOPLE"),
            orgs: codes(record, "ORGS"),
            places: codes(record, "PLACES"),
        });
    }
    out
}
