//! CSV and TSV exports with a header row: one article per row, streamed.

use std::io::Read;

use super::charset::{self, Decoding};
use super::decode::{decoding_issue, Format};
use super::fields::{Fields, LogicalField};
use super::{FileRef, Issue, IssueKind, ReadContext, Record};

/// A CSV or TSV reader for either format. TSV is read without quoting: exported TSV rarely
/// quotes, and a stray `"` in a headline must not swallow the rows after it.
pub fn csv_reader<R: Read>(stream: R, format: Format) -> csv::Reader<R> {
    let mut builder = csv::ReaderBuilder::new();
    builder.flexible(true).has_headers(true);
    if format == Format::Tsv {
        builder.delimiter(b'\t').quoting(false);
    }
    builder.from_reader(stream)
}

/// Header names, decoded as the rows are (a Windows-1252 export names its columns in it too);
/// `Err` with the reason when the header cannot be read.
pub fn headers<R: Read>(reader: &mut csv::Reader<R>) -> Result<Vec<String>, String> {
    let headers = reader.byte_headers().map_err(|e| e.to_string())?;
    Ok(headers
        .iter()
        .map(|h| {
            charset::decode_unlabelled(h)
                .0
                .trim_start_matches('\u{feff}')
                .trim()
                .to_string()
        })
        .collect())
}

pub fn read(
    file: &FileRef,
    stream: Box<dyn Read + Send>,
    format: Format,
    ctx: &ReadContext,
    emit: &mut dyn FnMut(Record),
) {
    let path = file.display();
    let mut reader = csv_reader(stream, format);
    let header = match headers(&mut reader) {
        Ok(h) => h,
        Err(e) => {
            emit(Record::Issue(Issue::new(
                &path,
                IssueKind::BadRecord,
                format!("header row: {e}"),
            )));
            return;
        }
    };
    let columns = ctx.fields.resolve(&header);
    if !columns.has(LogicalField::Body) {
        emit(Record::Issue(Issue::new(
            &path,
            IssueKind::Unsupported,
            format!(
                "no body column among {:?}; name it with --field body=COLUMN",
                header.iter().take(12).collect::<Vec<_>>()
            ),
        )));
        return;
    }
    let mut row = csv::ByteRecord::new();
    let mut number = 0;
    loop {
        number += 1;
        match reader.read_byte_record(&mut row) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let kind = if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                    IssueKind::Truncated
                } else {
                    IssueKind::BadRecord
                };
                emit(Record::Issue(Issue::new(
                    format!("{path}#{number}"),
                    kind,
                    format!("row {number}: {e}"),
                )));
                if kind == IssueKind::Truncated {
                    break;
                }
                continue;
            }
        }
        if row.len() != header.len() {
            emit(Record::Issue(Issue::new(
                format!("{path}#{number}"),
                IssueKind::BadRecord,
                format!(
                    "row {number} has {} fields, the header has {}",
                    row.len(),
                    header.len()
                ),
            )));
            continue;
        }
        let mut worst = Decoding::Named;
        let values: Vec<String> = row
            .iter()
            .map(|v| {
                let (value, decoding) = charset::decode_unlabelled(v);
                worst = worst.worse(decoding);
                value
            })
            .collect();
        if let Some(issue) = decoding_issue(&format!("{path}#{number}"), worst) {
            emit(Record::Issue(issue));
        }
        Fields::from_columns(&columns, |i| values.get(i).map(String::as_str)).into_article(
            file,
            Some(number),
            emit,
        );
    }
}
