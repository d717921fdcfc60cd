//! SMART-style test collections (CISI, Cranfield, MED…): records opened by `.I id`, with
//! fields `.T` title, `.A` author, `.W` text and others (`.B`, `.X`, …) that are skipped.
//!
//! The record's `.I` label ends its article id (`FILE#label`), so relevance judgments that
//! name documents by number find them (`newsdex bench --qrels`).

use std::io::Read;

use super::charset::Declared;
use super::decode::read_text;
use super::fields::Fields;
use super::{FileRef, Issue, IssueKind, Record};

/// One record of a SMART file: its `.I` label and its fields by letter.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SmartRecord {
    pub label: String,
    pub fields: Vec<(char, String)>,
}

impl SmartRecord {
    /// The text of every `.X` field of this letter, joined (a field may repeat).
    pub fn field(&self, letter: char) -> Option<String> {
        let parts: Vec<&str> = self
            .fields
            .iter()
            .filter(|(l, _)| *l == letter)
            .map(|(_, t)| t.as_str())
            .collect();
        (!parts.is_empty()).then(|| parts.join("\n"))
    }
}

/// True when text starts like a SMART file (`.I` and a label on the first line).
pub fn looks_like(head: &str) -> bool {
    let first = head.lines().next().unwrap_or("").trim_end();
    first
        .strip_prefix(".I")
        .is_some_and(|rest| rest.starts_with([' ', '\t']) && !rest.trim().is_empty())
}

/// Cuts SMART text into records; lines before the first `.I` are ignored.
pub fn parse(text: &str) -> Vec<SmartRecord> {
    let mut records: Vec<SmartRecord> = Vec::new();
    let mut current_field: Option<char> = None;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix(".I") {
            if rest.is_empty() || rest.starts_with([' ', '\t']) {
                records.push(SmartRecord {
                    label: rest.trim().to_string(),
                    fields: Vec::new(),
                });
                current_field = None;
                continue;
            }
        }
        let Some(record) = records.last_mut() else {
            continue;
        };
        let mut chars = line.chars();
        if let (Some('.'), Some(letter), None) = (chars.next(), chars.next(), chars.next()) {
            if letter.is_ascii_uppercase() {
                record.fields.push((letter, String::new()));
                current_field = Some(letter);
                continue;
            }
        }
        if current_field.is_some() {
            if let Some((_, text)) = record.fields.last_mut() {
                if !text.is_empty() {
                    text.push('\n');
                }
                text.push_str(line.trim_end());
            }
        }
    }
    records
}

pub fn read(file: &FileRef, stream: Box<dyn Read + Send>, emit: &mut dyn FnMut(Record)) {
    let path = file.display();
    let (text, error) = read_text(stream, &path, Declared::Nowhere, emit);
    let records = parse(&text);
    for (position, record) in records.iter().enumerate() {
        let label = if record.label.is_empty() {
            (position + 1).to_string()
        } else {
            record.label.clone()
        };
        let title = record
            .field('T')
            .map(|t| t.split_whitespace().collect::<Vec<_>>().join(" "));
        let fields = Fields {
            id: Some(format!("{}#{label}", file.absolute.display())),
            title,
            body: record.field('W'),
            date: None,
            source: None,
            author: record
                .field('A')
                .map(|a| a.lines().map(str::trim).collect::<Vec<_>>().join("; ")),
            url: None,
        };
        let shown = format!("{path}#{label}");
        let mut relabelled = |r: Record| {
            emit(match r {
                Record::Article(mut a) => {
                    a.path = shown.clone();
                    Record::Article(a)
                }
                Record::Issue(mut i) => {
                    i.path = shown.clone();
                    Record::Issue(i)
                }
            })
        };
        fields.into_article(file, Some(position + 1), &mut relabelled);
    }
    if let Some(e) = error {
        emit(Record::Issue(Issue::new(
            &path,
            IssueKind::Truncated,
            format!("after record {}: {e}", records.len()),
        )));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = ".I 1\n.T\nWing flutter in\nslipstreams\n.A\nDoe, J.\n.W\nFlutter of a wing.\nIt was measured.\n.X\n1 5 1\n.I 7\n.W\nSecond record.\n";

    #[test]
    fn records_keep_labels_and_fields() {
        let records = parse(SAMPLE);
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].label, "1");
        assert_eq!(
            records[0].field('T').as_deref(),
            Some("Wing flutter in\nslipstreams")
        );
        assert_eq!(
            records[0].field('W').as_deref(),
            Some("Flutter of a wing.\nIt was measured.")
        );
        assert_eq!(records[1].label, "7");
        assert_eq!(records[1].field('T'), None);
        assert!(looks_like(SAMPLE));
        assert!(!looks_like(".Intro\n"));
    }

    #[test]
    fn articles_end_their_ids_with_the_label() {
        let file = FileRef::new(std::path::Path::new("/c/coll.all"));
        let mut articles = Vec::new();
        read(&file, Box::new(SAMPLE.as_bytes()), &mut |r| {
            if let Record::Article(a) = r {
                articles.push(a)
            }
        });
        assert_eq!(articles.len(), 2);
        assert!(articles[0].id.ends_with("coll.all#1"));
        assert!(articles[1].id.ends_with("#7"));
        assert_eq!(articles[0].title, "Wing flutter in slipstreams");
        assert_eq!(articles[0].author.as_deref(), Some("Doe, J."));
    }
}
