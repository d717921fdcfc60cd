//! Whole articles from passage hits: which articles a query matches, and how a question ranks
//! them as wholes.
//!
//! The index holds passages, so an article that answers a question over several paragraphs has
//! its evidence spread over several documents, and ranking articles by their best passage loses
//! every word that fell in another paragraph. To judge articles as wholes (as test collections
//! do), [`rank`] counts a question's words over all the passages of an article together and
//! scores the sums by BM25F against the article's length: words in different paragraphs count
//! together, a word repeated in several passages saturates once, and the headline, which every
//! passage carries, counts once. Word weights are the idf over articles, not passages.

use rustc_hash::{FxHashMap, FxHashSet};
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::Column;
use tantivy::postings::Postings;
use tantivy::query::{Bm25StatisticsProvider, EnableScoring, Query};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocAddress, DocId, DocSet, Score, Searcher, SegmentOrdinal, SegmentReader};
use tantivy::{Term, TERMINATED};

use super::bm25f::{length_norm, saturated};
use super::{rsj_weights, TITLE_WEIGHT};
use crate::error::Result;
use crate::index::NewsIndex;

/// The mean article length in tokens (headline once, plus all its passages' text): the text
/// field's tokens from the index's statistics, plus each article's headline, read from its
/// first passage.
fn mean_length(news: &NewsIndex, searcher: &Searcher) -> tantivy::Result<f32> {
    let f = &news.fields;
    let first = Term::from_field_u64(f.passage, 0);
    let mut articles = 0u64;
    let mut headlines = 0u64;
    for reader in searcher.segment_readers() {
        let titles = reader.get_fieldnorms_reader(f.title)?;
        let postings = reader
            .inverted_index(f.passage)?
            .read_postings(&first, IndexRecordOption::Basic)?;
        if let Some(mut postings) = postings {
            let mut doc = postings.doc();
            while doc != TERMINATED {
                articles += 1;
                headlines += u64::from(titles.fieldnorm(doc));
                doc = postings.advance();
            }
        }
    }
    let text = searcher.total_num_tokens(f.text)?;
    Ok(((text + headlines) as f32 / articles.max(1) as f32).max(1.0))
}

/// One article's counts of each question word, over all its passages.
struct Counts {
    /// Its length in tokens: the text of all its passages, and its headline.
    text_len: u32,
    title_len: u32,
    /// The passages with any of the words, in index order of discovery.
    passages: Vec<DocAddress>,
    /// Per word: occurrences in the text of all passages, and in the headline.
    text: Vec<u32>,
    title: Vec<u32>,
}

impl Counts {
    fn has(&self, word: usize) -> bool {
        self.text[word] > 0 || self.title[word] > 0
    }
}

/// An article as [`rank`] found it.
#[derive(Debug, Clone, PartialEq)]
pub struct RankedArticle {
    pub score: Score,
    /// Its passages with any of the words, in index order.
    pub passages: Vec<DocAddress>,
}

/// The articles with any of `words` (with `all_words`: every one of them, anywhere in the
/// article), as the text field indexes them, best first by BM25F over whole articles (see the
/// module doc). Only passages that `filter` matches count, when there is one.
pub fn rank(
    news: &NewsIndex,
    searcher: &Searcher,
    words: &[String],
    all_words: bool,
    filter: Option<&dyn Query>,
) -> Result<Vec<RankedArticle>> {
    let f = &news.fields;
    let filter = filter
        .map(|q| q.weight(EnableScoring::disabled_from_searcher(searcher)))
        .transpose()?;
    let mut articles: FxHashMap<u64, Counts> = FxHashMap::default();
    for (ord, reader) in searcher.segment_readers().iter().enumerate() {
        let allowed = match &filter {
            Some(weight) => Some(matching_docs(&mut *weight.scorer(reader, 1.0)?, reader)),
            None => None,
        };
        let keys = reader.fast_fields().u64("article_key")?;
        for (i, word) in words.iter().enumerate() {
            for (field, in_title) in [(f.text, false), (f.title, true)] {
                count_word(reader, field, word, |doc, tf| {
                    if reader.alive_bitset().is_some_and(|b| b.is_deleted(doc))
                        || allowed.as_ref().is_some_and(|a| !a[doc as usize])
                    {
                        return;
                    }
                    let key = keys.first(doc).unwrap_or(u64::MAX);
                    let counts = articles.entry(key).or_insert_with(|| Counts {
                        text_len: 0,
                        title_len: 0,
                        passages: Vec::new(),
                        text: vec![0; words.len()],
                        title: vec![0; words.len()],
                    });
                    let address = DocAddress::new(ord as SegmentOrdinal, doc);
                    if !counts.passages.contains(&address) {
                        counts.passages.push(address);
                    }
                    if in_title {
                        // Every passage repeats the headline: count it once.
                        counts.title[i] = counts.title[i].max(tf);
                    } else {
                        counts.text[i] += tf;
                    }
                })?;
            }
        }
    }
    // Each word's weight, from how many articles have it (among those the filter lets through).
    let found: Vec<u64> = (0..words.len())
        .map(|i| articles.values().filter(|c| c.has(i)).count() as u64)
        .collect();
    let total = searcher.doc_freq(&Term::from_field_u64(f.passage, 0))?;
    let weights = rsj_weights(total.max(articles.len() as u64), &found);
    if all_words {
        articles.retain(|_, c| (0..words.len()).all(|i| c.has(i)));
    }
    add_lengths(news, searcher, &mut articles)?;
    let mean_len = mean_length(news, searcher)?;
    let mut ranked: Vec<RankedArticle> = articles
        .into_values()
        .map(|mut counts| {
            let norm = length_norm((counts.text_len + counts.title_len) as f32, mean_len);
            let score = weights
                .iter()
                .enumerate()
                .map(|(i, &weight)| {
                    let tf = TITLE_WEIGHT * counts.title[i] as f32 + counts.text[i] as f32;
                    saturated(weight, tf, norm)
                })
                .sum();
            counts.passages.sort_unstable();
            RankedArticle {
                score,
                passages: counts.passages,
            }
        })
        .collect();
    ranked.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(a.passages[0].cmp(&b.passages[0]))
    });
    Ok(ranked)
}

/// Adds up the length of each article in `articles` over all its live passages, matching or
/// not: one pass over the `article_key` column, looking an article up only where the key
/// changes (an article's passages mostly sit together).
fn add_lengths(
    news: &NewsIndex,
    searcher: &Searcher,
    articles: &mut FxHashMap<u64, Counts>,
) -> Result<()> {
    let f = &news.fields;
    for reader in searcher.segment_readers() {
        let keys = reader.fast_fields().u64("article_key")?;
        let titles = reader.get_fieldnorms_reader(f.title)?;
        let texts = reader.get_fieldnorms_reader(f.text)?;
        let mut last = None;
        let mut current: Option<&mut Counts> = None;
        for doc in 0..reader.max_doc() {
            if reader.alive_bitset().is_some_and(|b| b.is_deleted(doc)) {
                continue;
            }
            let key = keys.first(doc);
            if key != last {
                last = key;
                current = key.and_then(|k| articles.get_mut(&k));
            }
            if let Some(counts) = current.as_deref_mut() {
                counts.text_len += texts.fieldnorm(doc);
                counts.title_len = counts.title_len.max(titles.fieldnorm(doc));
            }
        }
    }
    Ok(())
}

/// Calls `each(doc, term frequency)` for every document of this segment with `word` in `field`.
fn count_word(
    reader: &SegmentReader,
    field: Field,
    word: &str,
    mut each: impl FnMut(DocId, u32),
) -> tantivy::Result<()> {
    let term = Term::from_field_text(field, word);
    let postings = reader
        .inverted_index(field)?
        .read_postings(&term, IndexRecordOption::WithFreqs)?;
    if let Some(mut postings) = postings {
        let mut doc = postings.doc();
        while doc != TERMINATED {
            each(doc, postings.term_freq());
            doc = postings.advance();
        }
    }
    Ok(())
}

/// Which documents of the segment a filter's scorer matches, by document number.
fn matching_docs(scorer: &mut dyn DocSet, reader: &SegmentReader) -> Vec<bool> {
    let mut matches = vec![false; reader.max_doc() as usize];
    let mut doc = scorer.doc();
    while doc != TERMINATED {
        matches[doc as usize] = true;
        doc = scorer.advance();
    }
    matches
}

/// Collects the `article_key` of every matching passage.
pub struct DistinctArticles;

pub struct SegmentArticles {
    keys: Column<u64>,
    found: FxHashSet<u64>,
}

impl Collector for DistinctArticles {
    type Fruit = FxHashSet<u64>;
    type Child = SegmentArticles;

    fn for_segment(
        &self,
        _segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentArticles> {
        Ok(SegmentArticles {
            keys: reader.fast_fields().u64("article_key")?,
            found: FxHashSet::default(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<FxHashSet<u64>>) -> tantivy::Result<FxHashSet<u64>> {
        let mut all = FxHashSet::default();
        for f in fruits {
            all.extend(f);
        }
        Ok(all)
    }
}

impl SegmentCollector for SegmentArticles {
    type Fruit = FxHashSet<u64>;

    fn collect(&mut self, doc: DocId, _score: Score) {
        if let Some(key) = self.keys.first(doc) {
            self.found.insert(key);
        }
    }

    fn harvest(self) -> Self::Fruit {
        self.found
    }
}

#[cfg(test)]
mod tests {
    use tantivy::doc;
    use tantivy::query::TermQuery;

    use super::*;
    use crate::index::{article_key, NewsIndex};

    /// An index of `(article, title, passage texts)`, one document per passage.
    fn index_of(articles: &[(&str, &str, &[&str])]) -> (tempfile::TempDir, NewsIndex) {
        let dir = tempfile::tempdir().unwrap();
        let news = NewsIndex::create(&dir.path().join("index")).unwrap();
        let f = news.fields;
        let mut writer: tantivy::IndexWriter = news.index.writer(15_000_000).unwrap();
        for (id, title, passages) in articles {
            for (n, text) in passages.iter().enumerate() {
                writer
                    .add_document(doc!(
                        f.article_id => *id,
                        f.article_key => article_key(id),
                        f.passage => n as u64,
                        f.title => *title,
                        f.text => *text,
                    ))
                    .unwrap();
            }
        }
        writer.commit().unwrap();
        (dir, news)
    }

    fn ids(news: &NewsIndex, searcher: &Searcher, ranked: &[RankedArticle]) -> Vec<String> {
        ranked
            .iter()
            .map(|a| {
                let doc: tantivy::TantivyDocument = searcher.doc(a.passages[0]).unwrap();
                tantivy::schema::Value::as_str(&doc.get_first(news.fields.article_id).unwrap())
                    .unwrap()
                    .to_string()
            })
            .collect()
    }

    const ARTICLES: &[(&str, &str, &[&str])] = &[
        // Both words, in different passages.
        (
            "spread",
            "Harbour news",
            &["glacier melt", "the drought", "cranes"],
        ),
        // One word, often.
        ("one", "Weather", &["glacier glacier glacier"]),
        // The other word, in the headline only.
        ("title", "Drought", &["rain came late", "farmers waited"]),
        ("none", "Tennis", &["five sets"]),
    ];

    #[test]
    fn an_articles_length_is_its_headline_once_and_all_its_passages() {
        let (_dir, news) = index_of(ARTICLES);
        let searcher = news.index.reader().unwrap().searcher();
        let counts = || Counts {
            text_len: 0,
            title_len: 0,
            passages: Vec::new(),
            text: Vec::new(),
            title: Vec::new(),
        };
        let mut articles: FxHashMap<u64, Counts> = [article_key("spread"), article_key("one")]
            .into_iter()
            .map(|k| (k, counts()))
            .collect();
        add_lengths(&news, &searcher, &mut articles).unwrap();
        // "Harbour news" once, then "glacier melt", "the drought" (the analyzer may drop
        // "the") and "cranes".
        let spread = &articles[&article_key("spread")];
        assert_eq!(spread.title_len, 2);
        assert!((4..=5).contains(&spread.text_len), "{}", spread.text_len);
        let one = &articles[&article_key("one")];
        assert_eq!((one.title_len, one.text_len), (1, 3));
        // Four articles with 2 + 1 + 1 + 1 headline tokens and 14 or 15 text tokens.
        let mean = mean_length(&news, &searcher).unwrap();
        assert!((19.0 / 4.0..=20.0 / 4.0).contains(&mean), "{mean}");
    }

    #[test]
    fn words_in_different_passages_count_together() {
        let (_dir, news) = index_of(ARTICLES);
        let searcher = news.index.reader().unwrap().searcher();
        let words = vec!["glacier".to_string(), "drought".to_string()];
        let all = rank(&news, &searcher, &words, true, None).unwrap();
        assert_eq!(ids(&news, &searcher, &all), ["spread"]);
        assert_eq!(all[0].passages.len(), 2, "its two matching passages");
        let any = rank(&news, &searcher, &words, false, None).unwrap();
        assert_eq!(ids(&news, &searcher, &any)[0], "spread", "{any:?}");
        assert_eq!(any.len(), 3);
        // A filter leaves out what it does not match, and the words are weighed among the rest.
        let only_one = TermQuery::new(
            Term::from_field_text(news.fields.article_id, "one"),
            IndexRecordOption::Basic,
        );
        let filtered = rank(&news, &searcher, &words, false, Some(&only_one)).unwrap();
        assert_eq!(ids(&news, &searcher, &filtered), ["one"]);
    }
}
