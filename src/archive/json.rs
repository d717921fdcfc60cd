//! JSON readers: a document (one object, an array of objects, or an object wrapping such an
//! array) and JSON Lines, streamed line by line.

use std::io::{BufRead, BufReader, Read};

use serde_json::{Map, Value};

use super::decode::read_text;
use super::fields::{FieldMap, Fields, LogicalField};
use super::{FileRef, Issue, IssueKind, ReadContext, Record};

/// Reads a `.json` file. A file that is really JSON Lines is read as such.
pub fn read_document(
    file: &FileRef,
    stream: Box<dyn Read + Send>,
    ctx: &ReadContext,
    emit: &mut dyn FnMut(Record),
) {
    let path = file.display();
    let (text, error) = read_text(stream, &path, emit);
    if let Some(e) = error {
        emit(Record::Issue(Issue::new(
            &path,
            IssueKind::Truncated,
            format!("{e}; the JSON document was not read"),
        )));
        return;
    }
    match serde_json::from_str::<Value>(&text) {
        Ok(value) => {
            let records = records_of(value, &ctx.fields);
            if records.is_empty() {
                emit(Record::Issue(Issue::new(
                    &path,
                    IssueKind::BadRecord,
                    "no JSON object with article fields",
                )));
            }
            for (i, object) in records.into_iter().enumerate() {
                object_to_article(file, &object, i + 1, ctx, emit);
            }
        }
        Err(e) if e.is_syntax() && e.line() > 1 && looks_like_lines(&text) => read_lines(
            file,
            Box::new(std::io::Cursor::new(text.into_bytes())),
            ctx,
            emit,
        ),
        Err(e) => emit(Record::Issue(Issue::new(
            &path,
            IssueKind::BadRecord,
            format!("invalid JSON: {e}"),
        ))),
    }
}

/// Reads JSON Lines: one object per line, streamed; a broken line is reported and skipped.
pub fn read_lines(
    file: &FileRef,
    stream: Box<dyn Read + Send>,
    ctx: &ReadContext,
    emit: &mut dyn FnMut(Record),
) {
    let path = file.display();
    let mut reader = BufReader::with_capacity(1 << 16, stream);
    let mut line = Vec::new();
    let mut number = 0;
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => {
                emit(Record::Issue(Issue::new(
                    &path,
                    IssueKind::Truncated,
                    format!("after line {number}: {e}"),
                )));
                break;
            }
        }
        number += 1;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let parsed = match serde_json::from_slice::<Value>(&line) {
            Ok(v) => Ok(v),
            Err(e) if std::str::from_utf8(&line).is_err() => {
                emit(Record::Issue(Issue::new(
                    format!("{path}#{number}"),
                    IssueKind::InvalidUtf8,
                    "invalid UTF-8 replaced",
                )));
                serde_json::from_str::<Value>(&String::from_utf8_lossy(&line)).map_err(|_| e)
            }
            Err(e) => Err(e),
        };
        match parsed {
            Ok(Value::Object(object)) => object_to_article(file, &object, number, ctx, emit),
            Ok(other) => emit(Record::Issue(Issue::new(
                format!("{path}#{number}"),
                IssueKind::BadRecord,
                format!(
                    "line {number} is a JSON {}, not an object",
                    type_name(&other)
                ),
            ))),
            Err(e) => emit(Record::Issue(Issue::new(
                format!("{path}#{number}"),
                IssueKind::BadRecord,
                format!("line {number}: invalid JSON: {e}"),
            ))),
        }
    }
}

/// The article objects in a JSON document.
fn records_of(value: Value, fields: &FieldMap) -> Vec<Map<String, Value>> {
    match value {
        Value::Array(items) => items
            .into_iter()
            .filter_map(|v| match v {
                Value::Object(o) => Some(o),
                _ => None,
            })
            .collect(),
        Value::Object(object) => {
            let keys: Vec<&String> = object.keys().collect();
            let has_body = fields.resolve(&keys).has(LogicalField::Body);
            if has_body {
                return vec![object];
            }
            // An envelope such as {"articles": [...]} or {"data": {"items": [...]}}.
            object
                .into_iter()
                .map(|(_, v)| records_of(v, fields))
                .find(|records| !records.is_empty())
                .unwrap_or_default()
        }
        _ => Vec::new(),
    }
}

fn object_to_article(
    file: &FileRef,
    object: &Map<String, Value>,
    position: usize,
    ctx: &ReadContext,
    emit: &mut dyn FnMut(Record),
) {
    let keys: Vec<&String> = object.keys().collect();
    let values: Vec<Option<String>> = object.values().map(as_text).collect();
    let columns = ctx.fields.resolve(&keys);
    Fields::from_columns(&columns, |i| values.get(i).and_then(|v| v.as_deref())).into_article(
        file,
        Some(position),
        emit,
    );
}

/// A JSON value as field text: strings as they are, numbers printed, lists of names joined,
/// and objects by their `name` (as in `"source": {"id": "bbc", "name": "BBC News"}`).
fn as_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Array(items) => {
            let parts: Vec<String> = items
                .iter()
                .filter_map(as_text)
                .filter(|s| !s.trim().is_empty())
                .collect();
            (!parts.is_empty()).then(|| parts.join(", "))
        }
        Value::Object(o) => ["name", "title", "value", "text"]
            .iter()
            .find_map(|k| o.get(*k))
            .and_then(as_text),
        Value::Bool(_) | Value::Null => None,
    }
}

fn looks_like_lines(text: &str) -> bool {
    text.lines()
        .find(|l| !l.trim().is_empty())
        .is_some_and(|l| serde_json::from_str::<Map<String, Value>>(l).is_ok())
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}
