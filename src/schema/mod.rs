//! The index contract: `index_schema/schema.toml` turned into a tantivy [`Schema`], its
//! analyzers and the [`Fields`] handles the rest of the code uses.

use std::collections::BTreeMap;

use serde::Deserialize;
use tantivy::schema::{
    DateOptions, DateTimePrecision, Field, IndexRecordOption, NumericOptions, Schema,
    TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{
    AsciiFoldingFilter, LowerCaser, RawTokenizer, RemoveLongFilter, SimpleTokenizer, TextAnalyzer,
};
use tantivy::Index;

pub mod stem;
pub mod words;

/// The schema file, embedded so the binary works from any folder.
pub const SCHEMA_TOML: &str = include_str!("../../index_schema/schema.toml");

/// Errors in the schema file itself: a build-time contract, so these are bugs, not user errors.
#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    #[error("index_schema/schema.toml: {0}")]
    Parse(#[from] toml::de::Error),
    #[error("index_schema/schema.toml: field `{field}`: {problem}")]
    Field { field: String, problem: String },
    #[error("index_schema/schema.toml: analyzer `{name}`: {problem}")]
    Analyzer { name: String, problem: String },
}

/// The parsed schema file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SchemaSpec {
    pub version: u32,
    #[serde(rename = "field")]
    pub fields: Vec<FieldSpec>,
    pub analyzers: BTreeMap<String, AnalyzerSpec>,
}

/// One field of the passage document.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldSpec {
    pub name: String,
    pub doc: String,
    #[serde(rename = "type")]
    pub kind: FieldKind,
    pub analyzer: Option<String>,
    /// The analyzer of the fast column, when it differs from `analyzer` (e.g. "raw" to keep
    /// the original case for display while searching case-insensitively).
    pub fast_analyzer: Option<String>,
    #[serde(default)]
    pub positions: bool,
    #[serde(default)]
    pub indexed: bool,
    #[serde(default)]
    pub stored: bool,
    #[serde(default)]
    pub fast: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldKind {
    Text,
    U64,
    Date,
}

/// A tokenizer and its filters.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnalyzerSpec {
    pub doc: String,
    pub tokenizer: String,
    pub filters: Vec<String>,
}

impl SchemaSpec {
    /// The schema the binary was built with.
    pub fn embedded() -> Result<SchemaSpec, SchemaError> {
        Self::parse(SCHEMA_TOML)
    }

    pub fn parse(text: &str) -> Result<SchemaSpec, SchemaError> {
        let spec: SchemaSpec = toml::from_str(text)?;
        for (name, analyzer) in &spec.analyzers {
            build_analyzer(analyzer).map_err(|problem| SchemaError::Analyzer {
                name: name.clone(),
                problem,
            })?;
        }
        for field in &spec.fields {
            let problem = match (field.kind, &field.analyzer) {
                (FieldKind::Text, None) => Some("a text field needs an analyzer".to_string()),
                (FieldKind::Text, Some(a)) if a != "raw" && !spec.analyzers.contains_key(a) => {
                    Some(format!("unknown analyzer `{a}`"))
                }
                (FieldKind::U64 | FieldKind::Date, Some(_)) => {
                    Some("only text fields take an analyzer".to_string())
                }
                (_, _)
                    if field
                        .fast_analyzer
                        .as_deref()
                        .is_some_and(|a| a != "raw" && !spec.analyzers.contains_key(a)) =>
                {
                    Some("unknown fast_analyzer".to_string())
                }
                _ => None,
            };
            if let Some(problem) = problem {
                return Err(SchemaError::Field {
                    field: field.name.clone(),
                    problem,
                });
            }
        }
        Ok(spec)
    }

    pub fn field(&self, name: &str) -> Option<&FieldSpec> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// The tantivy schema these specs describe.
    pub fn tantivy_schema(&self) -> Schema {
        let mut builder = Schema::builder();
        for f in &self.fields {
            match f.kind {
                FieldKind::Text => {
                    let mut options = TextOptions::default();
                    let analyzer = f.analyzer.as_deref().unwrap_or("raw");
                    if f.indexed {
                        let record = if f.positions {
                            IndexRecordOption::WithFreqsAndPositions
                        } else {
                            IndexRecordOption::Basic
                        };
                        options = options.set_indexing_options(
                            TextFieldIndexing::default()
                                .set_tokenizer(analyzer)
                                .set_index_option(record),
                        );
                    }
                    if f.stored {
                        options = options.set_stored();
                    }
                    if f.fast {
                        options = options.set_fast(f.fast_analyzer.as_deref().unwrap_or(analyzer));
                    }
                    builder.add_text_field(&f.name, options);
                }
                FieldKind::U64 => {
                    let mut options = NumericOptions::default();
                    if f.indexed {
                        options = options.set_indexed();
                    }
                    if f.stored {
                        options = options.set_stored();
                    }
                    if f.fast {
                        options = options.set_fast();
                    }
                    builder.add_u64_field(&f.name, options);
                }
                FieldKind::Date => {
                    let mut options =
                        DateOptions::default().set_precision(DateTimePrecision::Seconds);
                    if f.indexed {
                        options = options.set_indexed();
                    }
                    if f.stored {
                        options = options.set_stored();
                    }
                    if f.fast {
                        options = options.set_fast();
                    }
                    builder.add_date_field(&f.name, options);
                }
            }
        }
        builder.build()
    }

    /// Registers every analyzer on an index. Tantivy does not store analyzers in the index,
    /// so this runs each time an index is created or opened.
    pub fn register_analyzers(&self, index: &Index) -> Result<(), SchemaError> {
        for (name, spec) in &self.analyzers {
            let analyzer = build_analyzer(spec).map_err(|problem| SchemaError::Analyzer {
                name: name.clone(),
                problem,
            })?;
            index.tokenizers().register(name, analyzer.clone());
            index.fast_field_tokenizer().register(name, analyzer);
        }
        Ok(())
    }
}

/// Builds a tantivy analyzer from its spec; the error names what is wrong.
pub fn build_analyzer(spec: &AnalyzerSpec) -> Result<TextAnalyzer, String> {
    if spec.tokenizer == "simple" {
        if let Some(steps) = words::Steps::of(&spec.filters) {
            return Ok(TextAnalyzer::from(words::FusedWords::new(steps)));
        }
    }
    let mut builder = match spec.tokenizer.as_str() {
        "simple" => TextAnalyzer::builder(SimpleTokenizer::default()).dynamic(),
        "raw" => TextAnalyzer::builder(RawTokenizer::default()).dynamic(),
        other => return Err(format!("unknown tokenizer `{other}`")),
    };
    for filter in &spec.filters {
        builder = match filter.as_str() {
            "lowercase" => builder.filter_dynamic(LowerCaser),
            "ascii_folding" => builder.filter_dynamic(AsciiFoldingFilter),
            "stem_english" => builder.filter_dynamic(stem::CachedStemmer),
            "remove_long" => builder.filter_dynamic(RemoveLongFilter::limit(LONGEST_TOKEN)),
            other => return Err(format!("unknown filter `{other}`")),
        };
    }
    Ok(builder.build())
}

/// Tokens longer than this (in bytes) are dropped by the `remove_long` filter.
const LONGEST_TOKEN: usize = 40;

/// A field's analyzer split before its stemmer, for highlighting: it stems only the words that
/// could match a query term (a Snowball English stem keeps its word's first letter), and reads
/// ASCII text by hand when the analyzer's steps allow.
pub struct SplitAnalyzer {
    /// The analyzer up to (not including) a final stemmer; the whole analyzer when it has none.
    pub head: TextAnalyzer,
    /// Whether a stemmer follows `head`.
    pub stems: bool,
    /// What `head` does to ASCII text, when it is a chain [`words::Steps`] describes: the
    /// simple tokenizer, `remove_long` first, then `lowercase` and `ascii_folding`.
    pub ascii: Option<AsciiWords>,
}

/// `head` on ASCII text: runs of ASCII letters and digits shorter than `LONGEST_TOKEN` bytes
/// (when `drop_long`), lowercased (when `lowercase`). Folding leaves ASCII as it is.
#[derive(Debug, Clone, Copy)]
pub struct AsciiWords {
    pub lowercase: bool,
    pub drop_long: bool,
}

impl AsciiWords {
    /// The byte ranges of `text`'s tokens; `text` must be ASCII.
    pub fn ranges(self, text: &str) -> impl Iterator<Item = [usize; 2]> + '_ {
        words::words(text)
            .filter(move |&(from, to, _)| !(self.drop_long && to - from >= LONGEST_TOKEN))
            .map(|(from, to, _)| [from, to])
    }
}

/// Splits the analyzer of `field` before a final stemmer; see [`SplitAnalyzer`].
pub fn split_analyzer(spec: &SchemaSpec, field: &str) -> Result<SplitAnalyzer, String> {
    let name = spec
        .fields
        .iter()
        .find(|f| f.name == field)
        .and_then(|f| f.analyzer.as_deref())
        .ok_or_else(|| format!("field `{field}` has no analyzer"))?;
    if name == "raw" {
        return Ok(SplitAnalyzer {
            head: TextAnalyzer::from(RawTokenizer::default()),
            stems: false,
            ascii: None,
        });
    }
    let analyzer = spec
        .analyzers
        .get(name)
        .ok_or_else(|| format!("unknown analyzer `{name}`"))?;
    let stems = analyzer.filters.last().map(String::as_str) == Some("stem_english");
    let mut head = analyzer.clone();
    if stems {
        head.filters.pop();
    }
    // The chains the one-pass analyzer takes are the ones ASCII text can be cut by hand for.
    let steps = (head.tokenizer == "simple")
        .then(|| words::Steps::of(&head.filters))
        .flatten();
    Ok(SplitAnalyzer {
        ascii: steps.map(|s| AsciiWords {
            lowercase: s.lowercase(),
            drop_long: s.drop_long,
        }),
        head: build_analyzer(&head)?,
        stems,
    })
}

/// Field handles, resolved once from the schema.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    pub article_id: Field,
    pub article_key: Field,
    pub passage: Field,
    pub title: Field,
    pub text: Field,
    pub start: Field,
    pub end: Field,
    pub date: Field,
    pub source: Field,
    pub author: Field,
    pub url: Field,
    pub path: Field,
    pub actor: Field,
    pub actor_id: Field,
    pub person: Field,
    pub org: Field,
    pub place: Field,
    pub article_actor: Field,
    pub speaker: Field,
    pub speaker_id: Field,
    pub quote: Field,
    pub quote_span: Field,
    pub quotes: Field,
    pub keyphrase: Field,
    pub topic: Field,
}

/// Every field name the code relies on, with the kind it must have.
pub const REQUIRED_FIELDS: [(&str, FieldKind); 25] = [
    ("article_id", FieldKind::Text),
    ("article_key", FieldKind::U64),
    ("passage", FieldKind::U64),
    ("title", FieldKind::Text),
    ("text", FieldKind::Text),
    ("start", FieldKind::U64),
    ("end", FieldKind::U64),
    ("date", FieldKind::Date),
    ("source", FieldKind::Text),
    ("author", FieldKind::Text),
    ("url", FieldKind::Text),
    ("path", FieldKind::Text),
    ("actor", FieldKind::Text),
    ("actor_id", FieldKind::Text),
    ("person", FieldKind::Text),
    ("org", FieldKind::Text),
    ("place", FieldKind::Text),
    ("article_actor", FieldKind::Text),
    ("speaker", FieldKind::Text),
    ("speaker_id", FieldKind::Text),
    ("quote", FieldKind::Text),
    ("quote_span", FieldKind::U64),
    ("quotes", FieldKind::Text),
    ("keyphrase", FieldKind::Text),
    ("topic", FieldKind::Text),
];

impl Fields {
    /// Resolves every handle; fails naming the first field the schema lacks.
    pub fn resolve(schema: &Schema) -> tantivy::Result<Fields> {
        let f = |name: &str| schema.get_field(name);
        Ok(Fields {
            article_id: f("article_id")?,
            article_key: f("article_key")?,
            passage: f("passage")?,
            title: f("title")?,
            text: f("text")?,
            start: f("start")?,
            end: f("end")?,
            date: f("date")?,
            source: f("source")?,
            author: f("author")?,
            url: f("url")?,
            path: f("path")?,
            actor: f("actor")?,
            actor_id: f("actor_id")?,
            person: f("person")?,
            org: f("org")?,
            place: f("place")?,
            article_actor: f("article_actor")?,
            speaker: f("speaker")?,
            speaker_id: f("speaker_id")?,
            quote: f("quote")?,
            quote_span: f("quote_span")?,
            quotes: f("quotes")?,
            keyphrase: f("keyphrase")?,
            topic: f("topic")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_schema_declares_every_field_the_code_uses() {
        let spec = SchemaSpec::embedded().expect("schema.toml parses");
        for (name, kind) in REQUIRED_FIELDS {
            let field = spec
                .field(name)
                .unwrap_or_else(|| panic!("index_schema/schema.toml lacks field `{name}`"));
            assert_eq!(field.kind, kind, "field `{name}` has the wrong type");
        }
        assert_eq!(
            spec.fields.len(),
            REQUIRED_FIELDS.len(),
            "schema.toml declares fields the code never fills"
        );
        Fields::resolve(&spec.tantivy_schema()).expect("all handles resolve");
    }

    #[test]
    fn embedded_schema_has_the_options_search_relies_on() {
        let spec = SchemaSpec::embedded().unwrap();
        for name in ["title", "text"] {
            let f = spec.field(name).unwrap();
            assert!(
                f.indexed && f.stored && f.positions,
                "{name}: phrases need positions"
            );
        }
        for name in ["date", "passage", "article_key"] {
            assert!(
                spec.field(name).unwrap().fast,
                "{name} must be fast: sorting and grouping use it"
            );
        }
        assert!(
            spec.field("source").unwrap().indexed,
            "--source filters on it"
        );
    }

    #[test]
    fn schema_with_unknown_analyzer_is_rejected_with_field_name() {
        let text = SCHEMA_TOML.replace("analyzer = \"news_en\"", "analyzer = \"klingon\"");
        let err = SchemaSpec::parse(&text).unwrap_err().to_string();
        assert!(
            err.contains("field `title`") && err.contains("klingon"),
            "{err}"
        );
    }
}
