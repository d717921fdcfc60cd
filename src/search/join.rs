//! Article-level fields (`article_actor`, `keyphrase`), searched as "in this passage's
//! article".
//!
//! Indexing them with every passage made a sixth of the index's postings and 7% of indexing
//! CPU say the same thing again. A query on them is answered by a join instead: the articles
//! (by `article_key`) with a live passage that matches, then every live passage of those
//! articles. An article's passages can sit in several segments, so the articles are found
//! over the whole searcher before any segment is scored. Both are indexed with an article's
//! first passage, but `article_actor` holds only what the passages' `actor` values miss (an
//! actor no passage names, which is rare): the rest is read from `actor`, whose passages
//! together already name every actor of their article.

use rustc_hash::FxHashSet;
use tantivy::query::{
    BitSetDocSet, BooleanQuery, ConstScorer, EnableScoring, Explanation, Query, Scorer, TermQuery,
    Weight,
};
use tantivy::schema::Field;
use tantivy::{DocId, DocSet, Score, SegmentReader, TantivyError, Term};

/// The fast column that names each passage's article.
const ARTICLE_KEY: &str = "article_key";

/// Every passage of the articles that have a passage matching `inner`, with a constant score.
#[derive(Debug)]
pub struct ArticleJoin {
    inner: Box<dyn Query>,
}

impl Clone for ArticleJoin {
    fn clone(&self) -> Self {
        ArticleJoin::new(self.inner.box_clone())
    }
}

impl ArticleJoin {
    pub fn new(inner: Box<dyn Query>) -> ArticleJoin {
        ArticleJoin { inner }
    }
}

/// An article-level field, and the passage-level field that holds the rest of its terms.
#[derive(Debug, Clone, Copy)]
pub struct ArticleField {
    pub field: Field,
    pub also_in: Option<Field>,
}

/// Wraps each part of a parsed query that only reads `article_fields` in an [`ArticleJoin`],
/// looking inside boolean queries, so `article_actor:X AND peace` finds the passages about
/// peace of articles that mention X anywhere. A term is looked up in its field and in the
/// passage-level field that holds the rest. Parts that name no terms (ranges, regular
/// expressions) are left as they are, so on these fields they match first passages only.
pub fn join_article_fields(
    query: Box<dyn Query>,
    article_fields: &[ArticleField],
) -> Box<dyn Query> {
    let Ok(joined) = super::rewrite_parts(query, &mut |part| {
        let mut fields: Vec<Field> = Vec::new();
        part.query_terms(&mut |term: &Term, _| fields.push(term.field()));
        let article_field = |f: &Field| article_fields.iter().find(|a| a.field == *f);
        Ok::<_, std::convert::Infallible>(
            if !fields.is_empty() && fields.iter().all(|f| article_field(f).is_some()) {
                Box::new(ArticleJoin::new(read_from(part, &article_field)))
            } else {
                part
            },
        )
    });
    joined
}

/// A term query on an article field, widened to the passage-level field that holds the rest
/// of its terms (the same analyzer made both, so only the field changes); other queries as
/// they are.
fn read_from<'a>(
    part: Box<dyn Query>,
    article_field: &impl Fn(&Field) -> Option<&'a ArticleField>,
) -> Box<dyn Query> {
    let Some(term_query) = part.downcast_ref::<TermQuery>() else {
        return part;
    };
    let term = term_query.term();
    let also_in = article_field(&term.field()).and_then(|a| a.also_in);
    match (also_in, term.value().as_str()) {
        (Some(also_in), Some(text)) => {
            let also = Term::from_field_text(also_in, text);
            Box::new(BooleanQuery::new_multiterms_query(vec![term.clone(), also]))
        }
        _ => part,
    }
}

impl Query for ArticleJoin {
    fn weight(&self, scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let searcher = scoring.searcher().ok_or_else(|| {
            TantivyError::InvalidArgument("an article-level field needs a searcher".into())
        })?;
        let inner = self
            .inner
            .weight(EnableScoring::disabled_from_searcher(searcher))?;
        let mut articles: FxHashSet<u64> = FxHashSet::default();
        for reader in searcher.segment_readers() {
            let keys = reader.fast_fields().u64(ARTICLE_KEY)?;
            let alive = reader.alive_bitset();
            inner.for_each_no_score(reader, &mut |docs| {
                for &doc in docs {
                    // A replaced version of an article shares its key: only live passages count.
                    if alive.is_none_or(|a| a.is_alive(doc)) {
                        articles.extend(keys.first(doc));
                    }
                }
            })?;
        }
        Ok(Box::new(JoinWeight { articles }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        self.inner.query_terms(visitor);
    }
}

struct JoinWeight {
    articles: FxHashSet<u64>,
}

impl JoinWeight {
    /// The passages of the segment that belong to a matched article, in one pass over its
    /// `article_key` column (a passage's neighbours are mostly of the same article, so the set
    /// is asked once per run of equal keys).
    fn docs(&self, reader: &SegmentReader) -> tantivy::Result<BitSetDocSet> {
        let mut docs = tantivy::BitSet::with_max_value(reader.max_doc());
        if !self.articles.is_empty() {
            let (mut last, mut matched) = (None, false);
            super::each_article_key(reader, |doc, key| {
                if key != last {
                    matched = key.is_some_and(|k| self.articles.contains(&k));
                    last = key;
                }
                if matched {
                    docs.insert(doc);
                }
            })?;
        }
        Ok(BitSetDocSet::from(docs))
    }
}

impl Weight for JoinWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        Ok(Box::new(ConstScorer::new(self.docs(reader)?, boost)))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut docs = self.docs(reader)?;
        if docs.seek(doc) != doc {
            return Err(TantivyError::InvalidArgument(format!(
                "document {doc} is not in a matching article"
            )));
        }
        Ok(Explanation::new("in a matching article", 1.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::{article_key, NewsIndex};
    use tantivy::collector::DocSetCollector;
    use tantivy::query::{QueryParser, TermQuery};
    use tantivy::schema::{IndexRecordOption, Value};
    use tantivy::{doc, IndexWriter, TantivyDocument};

    /// Passages (article id, passage number, text, the actor the passage names).
    fn add(writer: &mut IndexWriter, news: &NewsIndex, id: &str, n: u64, text: &str, actor: &str) {
        let f = &news.fields;
        let mut d = doc!(
            f.article_id => id,
            f.article_key => article_key(id),
            f.passage => n,
            f.text => text,
        );
        if !actor.is_empty() {
            d.add_text(f.actor, actor);
        }
        writer.add_document(d).unwrap();
    }

    fn empty_index() -> (tempfile::TempDir, NewsIndex, IndexWriter) {
        let dir = tempfile::tempdir().unwrap();
        let news = NewsIndex::create(&dir.path().join("idx")).unwrap();
        let writer = news.index.writer_with_num_threads(1, 15_000_000).unwrap();
        (dir, news, writer)
    }

    /// Article a (two passages, the first naming Ilham Aliyev) and article b (one passage).
    fn two_articles(writer: &mut IndexWriter, news: &NewsIndex) {
        add(writer, news, "a", 0, "talks resumed", "Ilham Aliyev");
        add(writer, news, "a", 1, "peace was near", "");
        add(writer, news, "b", 0, "peace in the valley", "Someone Else");
    }

    fn found(news: &NewsIndex, query: &dyn Query) -> Vec<(String, u64)> {
        let searcher = news.index.reader().unwrap().searcher();
        let f = &news.fields;
        let mut out: Vec<(String, u64)> = searcher
            .search(query, &DocSetCollector)
            .unwrap()
            .into_iter()
            .map(|a| {
                let d: TantivyDocument = searcher.doc(a).unwrap();
                let id = d.get_first(f.article_id).and_then(|v| v.as_str()).unwrap();
                let n = d.get_first(f.passage).and_then(|v| v.as_u64()).unwrap();
                (id.to_string(), n)
            })
            .collect();
        out.sort();
        out
    }

    fn actor_query(news: &NewsIndex, name: &str) -> Box<dyn Query> {
        let term = Term::from_field_text(news.fields.actor, &name.to_lowercase());
        Box::new(ArticleJoin::new(Box::new(TermQuery::new(
            term,
            IndexRecordOption::Basic,
        ))))
    }

    #[test]
    fn matches_every_passage_of_the_article_even_across_segments() {
        let (_dir, news, mut writer) = empty_index();
        two_articles(&mut writer, &news);
        writer.commit().unwrap();
        // The rest of article a lands in a second segment.
        add(&mut writer, &news, "a", 2, "more peace talk", "");
        writer.commit().unwrap();
        assert_eq!(news.index.searchable_segment_ids().unwrap().len(), 2);
        let all = [("a", 0), ("a", 1), ("a", 2)].map(|(a, n)| (a.to_string(), n));
        assert_eq!(found(&news, &*actor_query(&news, "Ilham Aliyev")), all);
        assert!(found(&news, &*actor_query(&news, "Nobody")).is_empty());
    }

    #[test]
    fn a_replaced_article_no_longer_matches_what_only_its_old_version_had() {
        let (_dir, news, mut writer) = empty_index();
        add(&mut writer, &news, "a", 0, "old text", "Ilham Aliyev");
        add(&mut writer, &news, "a", 1, "old more", "");
        writer.commit().unwrap();
        writer.delete_term(Term::from_field_text(news.fields.article_id, "a"));
        add(&mut writer, &news, "a", 0, "new text", "Someone Else");
        writer.commit().unwrap();
        assert!(found(&news, &*actor_query(&news, "Ilham Aliyev")).is_empty());
        assert_eq!(
            found(&news, &*actor_query(&news, "Someone Else")),
            [("a".to_string(), 0)]
        );
    }

    #[test]
    fn parsed_queries_join_only_their_article_level_parts() {
        let (_dir, news, mut writer) = empty_index();
        two_articles(&mut writer, &news);
        let f = &news.fields;
        // Article c: an actor no passage names is kept in its first passage's article_actor.
        let mut first = doc!(f.article_id => "c", f.article_key => article_key("c"),
            f.passage => 0u64, f.text => "a break in the talks");
        first.add_text(f.article_actor, "lone name");
        writer.add_document(first).unwrap();
        add(&mut writer, &news, "c", 1, "peace again", "");
        writer.commit().unwrap();
        let parser = QueryParser::for_index(&news.index, vec![f.text]);
        let parsed = parser
            .parse_query("+article_actor:\"Ilham Aliyev\" +peace")
            .unwrap();
        let article_fields = super::super::article_fields(f);
        let joined = join_article_fields(parsed, &article_fields);
        assert_eq!(found(&news, &*joined), [("a".to_string(), 1)]);
        let lone = parser
            .parse_query("+article_actor:\"Lone Name\" +peace")
            .unwrap();
        let lone = join_article_fields(lone, &article_fields);
        assert_eq!(found(&news, &*lone), [("c".to_string(), 1)]);
        // The same name asked of the passages matches only the one that names him.
        let passage = parser
            .parse_query("+actor:\"Ilham Aliyev\" +peace")
            .unwrap();
        assert!(found(&news, &*join_article_fields(passage, &article_fields)).is_empty());
        // A query without article-level fields is left as it was.
        let plain = join_article_fields(parser.parse_query("peace").unwrap(), &article_fields);
        assert!(plain.downcast_ref::<ArticleJoin>().is_none());
        assert_eq!(found(&news, &*plain).len(), 3);
    }
}
