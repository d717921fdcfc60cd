//! JSON readers: a document (one object, an array of objects, or an object wrapping such an
//! array), streamed so that a dump of any size is never held whole, and JSON Lines, streamed
//! line by line.

use std::fmt;
use std::io::{self, BufRead, BufReader, Read};

use serde::de::{DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

use super::fields::{FieldMap, Fields, LogicalField};
use super::json_array::{self, Ending};
use super::utf8::LossyUtf8;
use super::{FileRef, Issue, IssueKind, ReadContext, Record};

/// Articles an array inside an object may hold before it is taken for an envelope's list and
/// streamed; up to here it is read whole, as the object it belongs to may be one article.
const STREAM_AFTER: usize = 256;

/// Reads a `.json` file as it arrives, holding about one article at a time: the elements of a
/// top-level array one by one, and likewise a long array of articles inside an envelope object
/// (`{"articles": [...]}`); other documents are small and read whole. A file that is really
/// JSON Lines is read as such (`reopen` starts it again), and a file of JSON values one after
/// another (`jq '.[]'` output) value by value. What was read before a syntax or read error is
/// kept, and the error reported.
pub fn read_document(
    file: &FileRef,
    stream: Box<dyn Read + Send>,
    reopen: &dyn Fn() -> io::Result<Box<dyn Read + Send>>,
    ctx: &ReadContext,
    emit: &mut dyn FnMut(Record),
) {
    let path = file.display();
    let mut records = Records {
        file,
        ctx,
        emit,
        count: 0,
        streamed: false,
    };
    let mut replaced = false;
    let mut outcome = parse(stream, false, &mut records, &mut replaced);
    if matches!(outcome, Ok(Walked::More)) {
        // One whole object, then more: JSON Lines, or JSON values one after another.
        let lines = reopen().is_ok_and(first_line_is_object);
        match reopen() {
            Ok(stream) if lines => return read_lines(file, stream, ctx, emit),
            Ok(stream) => outcome = parse(stream, true, &mut records, &mut replaced),
            Err(e) => outcome = Err(serde_json::Error::io(e)),
        }
    }
    let read = records.count;
    match outcome {
        Ok(_) if read == 0 => emit(Record::Issue(Issue::new(
            &path,
            IssueKind::BadRecord,
            "no JSON object with article fields",
        ))),
        Ok(_) => {}
        Err(e) => {
            let kept = match read {
                0 => String::new(),
                1 => "; the record before it was read".to_string(),
                n => format!("; the {n} records before it were read"),
            };
            let (kind, message) = if e.is_io() || e.is_eof() {
                (IssueKind::Truncated, format!("{e}{kept}"))
            } else {
                (IssueKind::BadRecord, format!("invalid JSON: {e}{kept}"))
            };
            emit(Record::Issue(Issue::new(&path, kind, message)));
        }
    }
    if replaced {
        emit(Record::Issue(Issue::new(
            &path,
            IssueKind::InvalidUtf8,
            "invalid UTF-8 replaced",
        )));
    }
}

/// How a document ended when it did not end in an error.
enum Walked {
    Done,
    /// One object, then more after it; nothing was handed on.
    More,
}

/// Parses `stream` as one document (or, with `values`, as JSON values one after another),
/// its invalid UTF-8 replaced.
fn parse(
    stream: Box<dyn Read + Send>,
    values: bool,
    records: &mut Records,
    replaced: &mut bool,
) -> serde_json::Result<Walked> {
    let mut lossy = LossyUtf8::new(stream);
    let mut reader = BufReader::with_capacity(1 << 16, &mut lossy);
    let outcome = match values {
        false => match opens_array(&mut reader) {
            Ok(true) => array(reader, records),
            Ok(false) => walk(reader, false, records),
            Err(e) => Err(serde_json::Error::io(e)),
        },
        true => walk(reader, true, records),
    };
    *replaced |= lossy.replaced();
    outcome
}

/// Whether the document is an array; if so, its `[` is read.
fn opens_array(reader: &mut impl BufRead) -> io::Result<bool> {
    loop {
        let buf = reader.fill_buf()?;
        let Some(first) = buf.iter().position(|b| !b.is_ascii_whitespace()) else {
            if buf.is_empty() {
                return Ok(false);
            }
            let all = buf.len();
            reader.consume(all);
            continue;
        };
        let bracket = buf[first] == b'[';
        reader.consume(first + usize::from(bracket));
        return Ok(bracket);
    }
}

/// Hands on each object of a top-level array as soon as it has been read, each parsed alone
/// ([`json_array`]); anything after the array is read as more JSON values.
fn array(mut reader: impl Read, records: &mut Records) -> serde_json::Result<Walked> {
    let in_record = |n: usize, e| serde::de::Error::custom(format!("record {n}: {e}"));
    let mut failure = None;
    let ending = json_array::elements(&mut reader, |element| {
        match serde_json::from_slice::<Value>(element) {
            Ok(Value::Object(object)) => records.add(&object),
            Ok(_) => {}
            Err(e) => failure = Some(in_record(records.count + 1, e)),
        }
        failure.is_none()
    })
    .map_err(serde_json::Error::io)?;
    match ending {
        Ending::Stopped => Err(failure.unwrap_or_else(|| serde::de::Error::custom("stopped"))),
        // A syntax error that the end of the file came after, or the end itself.
        Ending::Cut { unfinished } => Err(match serde_json::from_slice::<Value>(&unfinished) {
            Err(e) if !e.is_eof() => in_record(records.count + 1, e),
            _ => serde_json::Error::io(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the file ends inside the JSON array",
            )),
        }),
        Ending::Closed { rest } => {
            let after = io::Cursor::new(rest).chain(reader);
            for value in serde_json::Deserializer::from_reader(after).into_iter::<Value>() {
                records.all_of(value?);
            }
            Ok(Walked::Done)
        }
    }
}

/// Hands the articles of a document to `records` as they complete.
fn walk(reader: impl Read, values: bool, records: &mut Records) -> serde_json::Result<Walked> {
    let mut de = serde_json::Deserializer::from_reader(reader);
    if !values {
        let top = Node {
            records: &mut *records,
            may_stream: true,
        }
        .deserialize(&mut de)?;
        let more = de.end().is_err();
        if more && !records.streamed && top.is_object() {
            return Ok(Walked::More);
        }
        records.rest_of(top);
        if !more {
            return Ok(Walked::Done);
        }
    }
    for value in de.into_iter::<Value>() {
        records.all_of(value?);
    }
    Ok(Walked::Done)
}

/// Whether the first line with anything on it is a whole JSON object.
fn first_line_is_object(stream: Box<dyn Read + Send>) -> bool {
    BufReader::new(stream)
        .split(b'\n')
        .map_while(Result::ok)
        .find(|line| !line.iter().all(u8::is_ascii_whitespace))
        .is_some_and(|line| {
            serde_json::from_str::<Map<String, Value>>(&String::from_utf8_lossy(&line)).is_ok()
        })
}

/// Where the article objects of a document go, numbered in order.
struct Records<'a> {
    file: &'a FileRef,
    ctx: &'a ReadContext,
    emit: &'a mut dyn FnMut(Record),
    count: usize,
    /// An envelope's list was handed on before the document ended.
    streamed: bool,
}

impl Records<'_> {
    fn add(&mut self, object: &Map<String, Value>) {
        self.count += 1;
        object_to_article(self.file, object, self.count, self.ctx, self.emit);
    }

    /// Every article object of a document read whole.
    fn all_of(&mut self, value: Value) {
        for object in records_of(value, &self.ctx.fields) {
            self.add(&object);
        }
    }

    /// What is left of the document once parsed: all of it when nothing was streamed, else
    /// the envelope itself if it is an article too.
    fn rest_of(&mut self, value: Value) {
        match value {
            value if !self.streamed => self.all_of(value),
            Value::Object(object) if self.has_body(object.keys()) => self.add(&object),
            _ => {}
        }
    }

    fn has_body<'k>(&self, keys: impl Iterator<Item = &'k String>) -> bool {
        let keys: Vec<&String> = keys.collect();
        self.ctx.fields.resolve(&keys).has(LogicalField::Body)
    }

    fn is_article(&self, value: &Value) -> bool {
        matches!(value, Value::Object(o) if self.has_body(o.keys()))
    }
}

/// Parses a value, streaming the articles of an array inside objects with no body of their
/// own once it has more than [`STREAM_AFTER`] of them (an envelope's list); a
/// streamed array is left empty in the value returned. (An article holding more article-like
/// objects than that before its own body field would have them read as articles too, and
/// itself after them.)
struct Node<'r, 'a> {
    records: &'r mut Records<'a>,
    /// No enclosing object has shown a body field so far.
    may_stream: bool,
}

impl<'de> DeserializeSeed<'de> for Node<'_, '_> {
    type Value = Value;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Node<'_, '_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let records = self.records;
        let mut kept = Vec::new();
        let mut articles = 0;
        let mut streaming = false;
        while let Some(item) = seq.next_element::<Value>()? {
            if streaming {
                if let Value::Object(o) = &item {
                    records.streamed = true;
                    records.add(o);
                }
                continue;
            }
            articles += usize::from(self.may_stream && records.is_article(&item));
            kept.push(item);
            if articles > STREAM_AFTER {
                streaming = true;
                records.streamed = true;
                for item in kept.drain(..) {
                    if let Value::Object(o) = &item {
                        records.add(o);
                    }
                }
            }
        }
        Ok(Value::Array(kept))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        let mut has_body = false;
        while let Some(key) = map.next_key::<String>()? {
            let value = map.next_value_seed(Node {
                records: &mut *self.records,
                may_stream: self.may_stream && !has_body,
            })?;
            has_body = has_body || self.records.has_body(std::iter::once(&key));
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
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
