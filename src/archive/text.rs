//! Plain text and Markdown articles: one article per file.
//!
//! Metadata comes from, in order: YAML-style front matter or `Key: value` header lines at the
//! top; a sidecar table row for the file; the path (a date like `2016-09-22`) and the parent
//! folder (as the source). The title is the first line when it reads like a headline.

use std::io::Read;

use super::charset::Declared;
use super::decode::{read_whole_article, Format};
use super::fields::{normalise, Fields, LogicalField};
use super::{FileRef, ReadContext, Record};

pub fn read(
    file: &FileRef,
    stream: Box<dyn Read + Send>,
    format: Format,
    ctx: &ReadContext,
    emit: &mut dyn FnMut(Record),
) {
    if let Some(text) = read_whole_article(stream, &file.display(), Declared::Nowhere, emit) {
        complete(parse(&text, format), file, ctx).into_article(file, None, emit);
    }
}

/// Completes the fields of a one-article file from its sidecar row (whose values win over
/// guesses from the text) and its folder (as the source).
pub fn complete(mut fields: Fields, file: &FileRef, ctx: &ReadContext) -> Fields {
    if let Some(row) = ctx.sidecars.lookup(file) {
        // The table is the curated record: its values win over guesses from the text.
        let body = fields.body.take();
        let guessed_title = fields.title.take();
        fields = row.clone().or(&fields);
        fields.body = body;
        if fields.title.is_none() {
            fields.title = guessed_title;
        }
    }
    if fields.source.is_none() {
        fields.source = file
            .shown
            .parent()
            .and_then(|p| p.file_name())
            .map(|n| n.to_string_lossy().into_owned());
    }
    fields
}

/// Splits a text into header fields, title and body.
pub fn parse(raw: &str, format: Format) -> Fields {
    let text = raw.trim_start_matches('\u{feff}').replace("\r\n", "\n");
    let mut fields = Fields::default();
    let mut rest: &str = &text;

    if let Some(after) = rest.strip_prefix("---\n") {
        if let Some(end) = after.find("\n---") {
            for line in after[..end].lines() {
                set_header(&mut fields, line);
            }
            rest = after[end + 4..].trim_start_matches(['-']);
        }
    }
    // `Key: value` lines at the top, up to the first line that is not one.
    loop {
        let trimmed = rest.trim_start_matches('\n');
        let (line, after) = trimmed.split_once('\n').unwrap_or((trimmed, ""));
        if line.trim().is_empty() || !set_header(&mut fields, line) {
            break;
        }
        rest = after;
    }
    rest = rest.trim_start_matches(['\n', ' ', '\t']);

    if fields.title.is_none() {
        let (first, after) = rest.split_once('\n').unwrap_or((rest, ""));
        let heading = first.trim_start();
        let markdown_heading = format == Format::Markdown && heading.starts_with('#');
        let candidate = heading.trim_start_matches('#').trim();
        if !after.trim().is_empty() && (markdown_heading || reads_like_headline(candidate)) {
            fields.title = Some(candidate.to_string());
            rest = after;
        }
    }
    // A byline right under the headline.
    let trimmed = rest.trim_start_matches('\n');
    if let Some((line, after)) = trimmed.split_once('\n') {
        if let Some(name) = byline(line) {
            fields.author.get_or_insert(name);
            rest = after;
        }
    }
    fields.body = Some(rest.trim_matches(['\n', ' ', '\t']).to_string());
    fields
}

/// Sets a field from a `Key: value` line; `false` when the line is not a known header.
fn set_header(fields: &mut Fields, line: &str) -> bool {
    let Some((key, value)) = line.split_once(':') else {
        return false;
    };
    let key = normalise(key);
    let value = value.trim().trim_matches('"').to_string();
    if key.len() > 20 || value.is_empty() {
        return false;
    }
    let slot = match header_field(&key) {
        Some(LogicalField::Id) => &mut fields.id,
        Some(LogicalField::Title) => &mut fields.title,
        Some(LogicalField::Date) => &mut fields.date,
        Some(LogicalField::Source) => &mut fields.source,
        Some(LogicalField::Author) => &mut fields.author,
        Some(LogicalField::Url) => &mut fields.url,
        Some(LogicalField::Body) | None => return false,
    };
    *slot = Some(value);
    true
}

fn header_field(key: &str) -> Option<LogicalField> {
    Some(match key {
        "id" | "guid" => LogicalField::Id,
        "title" | "headline" => LogicalField::Title,
        "date" | "published" | "publishdate" | "publicationdate" | "pubdate" => LogicalField::Date,
        "source" | "publisher" | "outlet" | "publication" => LogicalField::Source,
        "author" | "authors" | "byline" | "by" => LogicalField::Author,
        "url" | "link" => LogicalField::Url,
        _ => return None,
    })
}

/// A headline is one short line that does not end like a sentence.
fn reads_like_headline(line: &str) -> bool {
    let words = line.split_whitespace().count();
    (1..=25).contains(&words)
        && line.len() <= 200
        && !line.ends_with(['.', ',', ';', ':', '"', '\u{201d}'])
}

/// "By Jane Doe" or "By Jane Doe and John Roe, Reuters" under a headline.
fn byline(line: &str) -> Option<String> {
    let line = line.trim();
    let name = line
        .strip_prefix("By ")
        .or_else(|| line.strip_prefix("BY "))?;
    let words = name.split_whitespace().count();
    ((1..=10).contains(&words) && name.chars().next().is_some_and(char::is_uppercase))
        .then(|| name.trim().to_string())
}
