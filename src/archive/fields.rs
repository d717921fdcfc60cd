//! Matching the columns and keys that exports use ("headline", "pubDate", "byline" …) to the
//! fields of an article, and turning one matched record into an [`Article`].

use std::collections::HashMap;

use super::{FileRef, Issue, IssueKind, Record};
use crate::model::Article;

/// The article fields a record can fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LogicalField {
    Id,
    Title,
    Body,
    Date,
    Source,
    Author,
    Url,
}

impl LogicalField {
    pub const ALL: [LogicalField; 7] = [
        LogicalField::Id,
        LogicalField::Title,
        LogicalField::Body,
        LogicalField::Date,
        LogicalField::Source,
        LogicalField::Author,
        LogicalField::Url,
    ];

    pub fn name(self) -> &'static str {
        match self {
            LogicalField::Id => "id",
            LogicalField::Title => "title",
            LogicalField::Body => "body",
            LogicalField::Date => "date",
            LogicalField::Source => "source",
            LogicalField::Author => "author",
            LogicalField::Url => "url",
        }
    }

    /// Column names exports use for this field, most specific first, in normalised form.
    fn aliases(self) -> &'static [&'static str] {
        match self {
            LogicalField::Id => &[
                "id",
                "articleid",
                "docid",
                "guid",
                "uuid",
                "newid",
                "storyid",
            ],
            LogicalField::Title => &["title", "headline", "head", "heading", "subject"],
            LogicalField::Body => &[
                "body",
                "text",
                "content",
                "article",
                "story",
                "fulltext",
                "maintext",
                "articletext",
                "bodytext",
                "description",
            ],
            LogicalField::Date => &[
                "date",
                "published",
                "publishdate",
                "publishedat",
                "publicationdate",
                "pubdate",
                "datepublished",
                "datepublish",
                "timestamp",
                "datetime",
                "time",
                "createdat",
                "created",
            ],
            LogicalField::Source => &[
                "source",
                "publisher",
                "site",
                "sitename",
                "outlet",
                "sourcename",
                "publication",
                "newspaper",
                "feed",
                "domain",
            ],
            LogicalField::Author => &["author", "authors", "byline", "creator", "writer", "by"],
            LogicalField::Url => &[
                "url",
                "link",
                "uri",
                "permalink",
                "sourceurl",
                "canonicalurl",
            ],
        }
    }

    fn parse(name: &str) -> Option<LogicalField> {
        LogicalField::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// Lowercase with `_`, `-`, spaces and dots removed: `publish_date`, `pubDate`, `Publish Date` meet.
pub fn normalise(column: &str) -> String {
    column
        .chars()
        .filter(|c| !matches!(c, '_' | '-' | ' ' | '.'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// Which column fills which field: the user's `--field name=column` where a file has that
/// column, else the usual names.
#[derive(Debug, Clone, Default)]
pub struct FieldMap {
    overrides: HashMap<LogicalField, String>,
}

impl FieldMap {
    /// Adds one `name=column` override, as typed after `--field`.
    pub fn add_override(&mut self, spec: &str) -> Result<(), String> {
        let (name, column) = spec.split_once('=').ok_or_else(|| {
            format!("--field {spec:?}: expected NAME=COLUMN, like body=story_text")
        })?;
        let field = LogicalField::parse(name.trim()).ok_or_else(|| {
            let names: Vec<_> = LogicalField::ALL.iter().map(|f| f.name()).collect();
            format!(
                "--field {spec:?}: unknown field {name:?}; expected one of {}",
                names.join(", ")
            )
        })?;
        if column.trim().is_empty() {
            return Err(format!("--field {spec:?}: the column name is empty"));
        }
        self.overrides.insert(field, normalise(column.trim()));
        Ok(())
    }

    /// For each field, the index of the column that fills it.
    pub fn resolve<S: AsRef<str>>(&self, columns: &[S]) -> Columns {
        let normalised: Vec<String> = columns.iter().map(|c| normalise(c.as_ref())).collect();
        let mut found = [None; 7];
        for (slot, field) in found.iter_mut().zip(LogicalField::ALL) {
            // The user's column first; files without it fall back on the usual names.
            let user = self
                .overrides
                .get(&field)
                .and_then(|column| normalised.iter().position(|c| c == column));
            *slot = user.or_else(|| {
                field
                    .aliases()
                    .iter()
                    .find_map(|alias| normalised.iter().position(|c| c == alias))
            });
        }
        Columns { found }
    }
}

/// The resolved column index of each field.
#[derive(Debug, Clone, Copy)]
pub struct Columns {
    found: [Option<usize>; 7],
}

impl Columns {
    pub fn get(&self, field: LogicalField) -> Option<usize> {
        self.found[field as usize]
    }

    pub fn has(&self, field: LogicalField) -> bool {
        self.get(field).is_some()
    }
}

/// One record's values by field, before it becomes an article.
#[derive(Debug, Clone, Default)]
pub struct Fields {
    pub id: Option<String>,
    pub title: Option<String>,
    pub body: Option<String>,
    pub date: Option<String>,
    pub source: Option<String>,
    pub author: Option<String>,
    pub url: Option<String>,
}

impl Fields {
    /// Collects a record's values with `value(i)` giving column i's value.
    pub fn from_columns<'a>(columns: &Columns, value: impl Fn(usize) -> Option<&'a str>) -> Fields {
        let get = |f: LogicalField| {
            columns
                .get(f)
                .and_then(&value)
                .map(str::trim)
                .filter(|v| !is_missing(v))
                .map(str::to_string)
        };
        Fields {
            id: get(LogicalField::Id),
            title: get(LogicalField::Title),
            body: get(LogicalField::Body),
            date: get(LogicalField::Date),
            source: get(LogicalField::Source),
            author: get(LogicalField::Author),
            url: get(LogicalField::Url),
        }
    }

    /// Fills what this record lacks from another (a sidecar row, a path).
    pub fn or(mut self, other: &Fields) -> Fields {
        let fill = |mine: &mut Option<String>, theirs: &Option<String>| {
            if mine.is_none() {
                mine.clone_from(theirs);
            }
        };
        fill(&mut self.id, &other.id);
        fill(&mut self.title, &other.title);
        fill(&mut self.body, &other.body);
        fill(&mut self.date, &other.date);
        fill(&mut self.source, &other.source);
        fill(&mut self.author, &other.author);
        fill(&mut self.url, &other.url);
        self
    }

    /// Makes the article, or reports why not. `position` is the record's number in its file
    /// (used in the fallback id); `label` is how the record is named in messages.
    pub fn into_article(
        self,
        file: &FileRef,
        position: Option<usize>,
        emit: &mut dyn FnMut(Record),
    ) {
        let label = match position {
            Some(n) => format!("{}#{n}", file.display()),
            None => file.display(),
        };
        let body = self.body.unwrap_or_default();
        if body.trim().is_empty() {
            emit(Record::Issue(Issue::new(
                label,
                IssueKind::NoBody,
                "the record has no body text",
            )));
            return;
        }
        let mut date = None;
        if let Some(raw) = &self.date {
            date = crate::dates::parse(raw);
            if date.is_none() {
                emit(Record::Issue(Issue::new(
                    &label,
                    IssueKind::BadDate,
                    format!("date {raw:?} not understood"),
                )));
            }
        }
        let date = date.or_else(|| crate::dates::from_path(&file.display()));
        let id = self
            .id
            .unwrap_or_else(|| file.record_id(position.unwrap_or(0)));
        emit(Record::Article(Article {
            id,
            title: self
                .title
                .map(|t| collapse_spaces(&t))
                .unwrap_or_else(|| title_from_path(file)),
            body,
            date,
            source: self.source,
            author: self.author,
            url: self.url,
            path: label,
        }));
    }
}

/// A title for an article that has none: its file name, made readable.
pub fn title_from_path(file: &FileRef) -> String {
    let stem = file
        .shown
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stem = stem.split('.').next().unwrap_or(&stem);
    collapse_spaces(&stem.replace(['_', '-'], " "))
}

fn collapse_spaces(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Empty, or a placeholder that dataframe exports write for a missing value.
fn is_missing(value: &str) -> bool {
    value.is_empty()
        || matches!(
            value,
            "None" | "none" | "null" | "NULL" | "N/A" | "n/a" | "NaN" | "nan" | "-"
        )
}
