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

use std::collections::hash_map::Entry;

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

/// How many live articles the index holds, and their mean length in tokens (headline once,
/// plus all its passages' text): the text field's tokens from the index's statistics, plus
/// each article's headline, read from its first passage.
fn article_stats(news: &NewsIndex, searcher: &Searcher) -> tantivy::Result<(u64, f32)> {
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
                if reader.alive_bitset().is_none_or(|b| b.is_alive(doc)) {
                    articles += 1;
                    headlines += u64::from(titles.fieldnorm(doc));
                }
                doc = postings.advance();
            }
        }
    }
    let text = searcher.total_num_tokens(f.text)?;
    let mean = ((text + headlines) as f32 / articles.max(1) as f32).max(1.0);
    Ok((articles, mean))
}

/// Every live passage's place in a run: passages of one article that sit next to each other
/// in a segment (an article's passages mostly do). Counting by run rather than by article key
/// lets the postings walk index arrays instead of hashing a key per posting.
struct Runs {
    /// Per segment, per document: its run, or `u32::MAX` for a deleted document.
    of_doc: Vec<Vec<u32>>,
    /// Per run: its article's key, segment, documents (`start..end`, deleted ones included),
    /// its passages' text tokens and its headline's tokens.
    key: Vec<u64>,
    segment: Vec<u32>,
    start: Vec<u32>,
    end: Vec<u32>,
    text_len: Vec<u32>,
    title_len: Vec<u32>,
}

impl Runs {
    /// One pass over every segment's `article_key` column and the two fieldnorms.
    fn of(news: &NewsIndex, searcher: &Searcher) -> tantivy::Result<Runs> {
        let f = &news.fields;
        let mut runs = Runs {
            of_doc: Vec::with_capacity(searcher.segment_readers().len()),
            key: Vec::new(),
            segment: Vec::new(),
            start: Vec::new(),
            end: Vec::new(),
            text_len: Vec::new(),
            title_len: Vec::new(),
        };
        for (ord, reader) in searcher.segment_readers().iter().enumerate() {
            let titles = reader.get_fieldnorms_reader(f.title)?;
            let texts = reader.get_fieldnorms_reader(f.text)?;
            let mut of_doc = vec![u32::MAX; reader.max_doc() as usize];
            let mut last = None;
            super::each_article_key(reader, |doc, key| {
                if reader.alive_bitset().is_some_and(|b| b.is_deleted(doc)) {
                    return;
                }
                if key != last || last.is_none() {
                    last = key;
                    runs.key.push(key.unwrap_or(u64::MAX));
                    runs.segment.push(ord as u32);
                    runs.start.push(doc);
                    runs.end.push(doc);
                    runs.text_len.push(0);
                    runs.title_len.push(0);
                }
                let run = runs.key.len() - 1;
                of_doc[doc as usize] = run as u32;
                runs.end[run] = doc + 1;
                runs.text_len[run] += texts.fieldnorm(doc);
                runs.title_len[run] = runs.title_len[run].max(titles.fieldnorm(doc));
            })?;
            runs.of_doc.push(of_doc);
        }
        Ok(runs)
    }
}

/// The question words' counts in the runs that have any of them, in flat arrays: run `j` of
/// `runs` holds `words` text counts, then `words` headline counts, at `counts[j * 2 * words..]`.
struct Found {
    words: usize,
    runs: Vec<u32>,
    counts: Vec<u32>,
    /// Per run: how many of its passages have any of the words.
    passages: Vec<u32>,
}

impl Found {
    fn text(&self, j: usize) -> &[u32] {
        &self.counts[j * 2 * self.words..][..self.words]
    }

    fn title(&self, j: usize) -> &[u32] {
        &self.counts[(j * 2 + 1) * self.words..][..self.words]
    }

    /// Adds run `from`'s counts into run `into`'s (two runs of one article): text counts add
    /// up, the headline's are the same headline.
    fn join(&mut self, into: usize, from: usize) {
        let n = self.words;
        for i in 0..n {
            let (text, title) = (self.text(from)[i], self.title(from)[i]);
            self.counts[into * 2 * n + i] += text;
            let t = &mut self.counts[(into * 2 + 1) * n + i];
            *t = (*t).max(title);
        }
    }
}

/// An article as [`rank`] found it.
#[derive(Debug, Clone, PartialEq)]
pub struct RankedArticle {
    pub score: Score,
    /// Its passages with any of the words, in index order.
    pub passages: Vec<DocAddress>,
}

/// What [`rank`] found: the best articles, and how many passages of all the articles found
/// have any of the words.
#[derive(Debug, Clone, Default)]
pub struct Ranking {
    pub articles: Vec<RankedArticle>,
    pub matched_passages: usize,
}

/// The best `limit` articles with any of `words` (with `all_words`: every one of them, anywhere
/// in the article), as the text field indexes them, by BM25F over whole articles (see the
/// module doc). Only passages that `filter` matches count, when there is one.
pub fn rank(
    news: &NewsIndex,
    searcher: &Searcher,
    words: &[String],
    all_words: bool,
    filter: Option<&dyn Query>,
    limit: usize,
) -> Result<Ranking> {
    let f = &news.fields;
    let n = words.len();
    let filter = filter
        .map(|q| q.weight(EnableScoring::disabled_from_searcher(searcher)))
        .transpose()?;
    let runs = Runs::of(news, searcher)?;
    // `slot[run]`: the run's place in `found`, once it has a word.
    let mut slot = vec![u32::MAX; runs.key.len()];
    let mut found = Found {
        words: n,
        runs: Vec::new(),
        counts: Vec::new(),
        passages: Vec::new(),
    };
    let mut hit: Vec<Vec<bool>> = Vec::with_capacity(runs.of_doc.len());
    for (ord, reader) in searcher.segment_readers().iter().enumerate() {
        let allowed = match &filter {
            Some(weight) => Some(matching_docs(&mut *weight.scorer(reader, 1.0)?, reader)),
            None => None,
        };
        let of_doc = &runs.of_doc[ord];
        let mut hit_here = vec![false; of_doc.len()];
        for (i, word) in words.iter().enumerate() {
            for (field, in_title) in [(f.text, false), (f.title, true)] {
                count_word(reader, field, word, |doc, tf| {
                    let run = of_doc[doc as usize];
                    if run == u32::MAX || allowed.as_ref().is_some_and(|a| !a[doc as usize]) {
                        return;
                    }
                    let at = &mut slot[run as usize];
                    if *at == u32::MAX {
                        *at = found.runs.len() as u32;
                        found.runs.push(run);
                        found.counts.resize(found.counts.len() + 2 * n, 0);
                        found.passages.push(0);
                    }
                    if !hit_here[doc as usize] {
                        hit_here[doc as usize] = true;
                        found.passages[*at as usize] += 1;
                    }
                    let block = *at as usize * 2 * n;
                    if in_title {
                        // Every passage repeats the headline: count it once.
                        let t = &mut found.counts[block + n + i];
                        *t = (*t).max(tf);
                    } else {
                        found.counts[block + i] += tf;
                    }
                })?;
            }
        }
        hit.push(hit_here);
    }
    // Runs joined into articles: an article is its first found run, plus the others'.
    let mut article_of_key: FxHashMap<u64, u32> = FxHashMap::default();
    // Per article: its first found run (its counts), every found run, and its length.
    let mut first: Vec<usize> = Vec::new();
    let mut extra_runs: Vec<(u32, u32)> = Vec::new();
    let mut length: Vec<u32> = Vec::new();
    let mut headline: Vec<u32> = Vec::new();
    let mut matching: Vec<u32> = Vec::new();
    for j in 0..found.runs.len() {
        let run = found.runs[j] as usize;
        match article_of_key.entry(runs.key[run]) {
            Entry::Occupied(e) => {
                let a = *e.get() as usize;
                found.join(first[a], j);
                extra_runs.push((a as u32, run as u32));
                length[a] += runs.text_len[run];
                headline[a] = headline[a].max(runs.title_len[run]);
                matching[a] += found.passages[j];
            }
            Entry::Vacant(e) => {
                e.insert(first.len() as u32);
                first.push(j);
                length.push(runs.text_len[run]);
                headline.push(runs.title_len[run]);
                matching.push(found.passages[j]);
            }
        }
    }
    // The lengths of their runs that have none of the words.
    for run in (0..runs.key.len()).filter(|&r| slot[r] == u32::MAX) {
        if let Some(&a) = article_of_key.get(&runs.key[run]) {
            length[a as usize] += runs.text_len[run];
            headline[a as usize] = headline[a as usize].max(runs.title_len[run]);
        }
    }
    let has = |a: usize, i: usize| found.text(first[a])[i] > 0 || found.title(first[a])[i] > 0;
    // Each word's weight, from how many articles have it (among those the filter lets through).
    let with_word: Vec<u64> = (0..n)
        .map(|i| (0..first.len()).filter(|&a| has(a, i)).count() as u64)
        .collect();
    let (total, mean_len) = article_stats(news, searcher)?;
    let weights = rsj_weights(total.max(first.len() as u64), &with_word);
    let kept: Vec<usize> = (0..first.len())
        .filter(|&a| !all_words || (0..n).all(|i| has(a, i)))
        .collect();
    let matched_passages = kept.iter().map(|&a| matching[a] as usize).sum();
    let mut scored: Vec<(Score, DocAddress, u32)> = kept
        .into_iter()
        .map(|a| {
            let j = first[a];
            let norm = length_norm((length[a] + headline[a]) as f32, mean_len);
            let score = (0..n)
                .map(|i| {
                    let tf = TITLE_WEIGHT * found.title(j)[i] as f32 + found.text(j)[i] as f32;
                    saturated(weights[i], tf, norm)
                })
                .sum();
            let run = found.runs[j] as usize;
            let at = DocAddress::new(runs.segment[run], runs.start[run]);
            (score, at, a as u32)
        })
        .collect();
    let order = |x: &(Score, DocAddress, u32), y: &(Score, DocAddress, u32)| {
        y.0.total_cmp(&x.0).then(x.1.cmp(&y.1))
    };
    if scored.len() > limit {
        scored.select_nth_unstable_by(limit, order);
        scored.truncate(limit);
    }
    scored.sort_by(order);
    // The matching passages of the articles kept.
    let passages_of = |run: usize, out: &mut Vec<DocAddress>| {
        let segment = runs.segment[run];
        for doc in runs.start[run]..runs.end[run] {
            if hit[segment as usize][doc as usize]
                && runs.of_doc[segment as usize][doc as usize] == run as u32
            {
                out.push(DocAddress::new(segment, doc));
            }
        }
    };
    let articles = scored
        .into_iter()
        .map(|(score, _, a)| {
            let mut passages = Vec::new();
            passages_of(found.runs[first[a as usize]] as usize, &mut passages);
            for &(_, run) in extra_runs.iter().filter(|(owner, _)| *owner == a) {
                passages_of(run as usize, &mut passages);
            }
            passages.sort_unstable();
            RankedArticle { score, passages }
        })
        .collect();
    Ok(Ranking {
        articles,
        matched_passages,
    })
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

    /// An index of `(article, title, passage texts)`, one document per passage, committed once.
    fn index_of(articles: &[(&str, &str, &[&str])]) -> (tempfile::TempDir, NewsIndex) {
        index_in_commits(&[articles])
    }

    /// The same, committing after each group: one segment per group.
    fn index_in_commits(groups: &[&[(&str, &str, &[&str])]]) -> (tempfile::TempDir, NewsIndex) {
        let dir = tempfile::tempdir().unwrap();
        let news = NewsIndex::create(&dir.path().join("index")).unwrap();
        let f = news.fields;
        let mut writer: tantivy::IndexWriter = news.index.writer(15_000_000).unwrap();
        writer.set_merge_policy(Box::new(tantivy::indexer::NoMergePolicy));
        for articles in groups {
            add(&mut writer, &f, articles);
            writer.commit().unwrap();
        }
        (dir, news)
    }

    fn add(
        writer: &mut tantivy::IndexWriter,
        f: &crate::schema::Fields,
        articles: &[(&str, &str, &[&str])],
    ) {
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
        let runs = Runs::of(&news, &searcher).unwrap();
        let run = |id: &str| runs.key.iter().position(|&k| k == article_key(id)).unwrap();
        assert_eq!(
            runs.key.len(),
            4,
            "one run per article: passages were added in order"
        );
        // "Harbour news" once, then "glacier melt", "the drought" (the analyzer may drop
        // "the") and "cranes".
        let spread = run("spread");
        assert_eq!(runs.title_len[spread], 2);
        assert!(
            (4..=5).contains(&runs.text_len[spread]),
            "{}",
            runs.text_len[spread]
        );
        assert_eq!(
            (runs.title_len[run("one")], runs.text_len[run("one")]),
            (1, 3)
        );
        assert_eq!(runs.of_doc[0][..4], [0, 0, 0, 1]);
        // Four articles with 2 + 1 + 1 + 1 headline tokens and 14 or 15 text tokens.
        let (articles, mean) = article_stats(&news, &searcher).unwrap();
        assert_eq!(articles, 4);
        assert!((19.0 / 4.0..=20.0 / 4.0).contains(&mean), "{mean}");
    }

    #[test]
    fn words_in_different_passages_count_together() {
        let (_dir, news) = index_of(ARTICLES);
        let searcher = news.index.reader().unwrap().searcher();
        let words = vec!["glacier".to_string(), "drought".to_string()];
        let all = rank(&news, &searcher, &words, true, None, 10)
            .unwrap()
            .articles;
        assert_eq!(ids(&news, &searcher, &all), ["spread"]);
        assert_eq!(all[0].passages.len(), 2, "its two matching passages");
        let any = rank(&news, &searcher, &words, false, None, 10)
            .unwrap()
            .articles;
        assert_eq!(ids(&news, &searcher, &any)[0], "spread", "{any:?}");
        assert_eq!(any.len(), 3);
        // A filter leaves out what it does not match, and the words are weighed among the rest.
        let only_one = TermQuery::new(
            Term::from_field_text(news.fields.article_id, "one"),
            IndexRecordOption::Basic,
        );
        let filtered = rank(&news, &searcher, &words, false, Some(&only_one), 10)
            .unwrap()
            .articles;
        assert_eq!(ids(&news, &searcher, &filtered), ["one"]);
    }

    #[test]
    fn an_article_split_over_segments_is_joined_again() {
        let (_dir, news) = index_in_commits(&[
            &[
                ("split", "Valley", &["glacier melt"]),
                ("one", "Ice", &["glacier ice"]),
            ],
            &[
                ("other", "Farms", &["rain"]),
                ("split", "Valley", &["the drought"]),
            ],
        ]);
        let searcher = news.index.reader().unwrap().searcher();
        assert_eq!(searcher.segment_readers().len(), 2);
        let words = vec!["glacier".to_string(), "drought".to_string()];
        let all = rank(&news, &searcher, &words, true, None, 10)
            .unwrap()
            .articles;
        assert_eq!(ids(&news, &searcher, &all), ["split"]);
        assert_eq!(all[0].passages.len(), 2);
        // Its length counts both segments' passages (4 or 5 tokens): its one "glacier" scores
        // below the one in "one" (3 tokens). Counting the first segment alone would tie them.
        let glacier = vec!["glacier".to_string()];
        let any = rank(&news, &searcher, &glacier, false, None, 10)
            .unwrap()
            .articles;
        assert_eq!(ids(&news, &searcher, &any), ["one", "split"]);
    }
}
