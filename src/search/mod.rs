//! From query text and filters to ranked passages with highlights.
//!
//! The query language is tantivy's (AND/OR/NOT, "phrases", `"a b"~N`, `field:value`, ranges)
//! over title and passage text, ranked by BM25. Filters (dates, sources) narrow it without
//! changing scores. Hits are passages; at most `per_article` passages of one article are kept.

pub mod actors;
pub mod articles;
mod bm25f;
mod counts;
mod field_union;
mod highlight;
pub mod join;
mod narrowed;
pub mod quoted;
pub mod quotes;
pub mod stopwords;
pub mod topics;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde::Serialize;
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{BooleanQuery, Occur, Query, QueryParser, TermQuery};
use tantivy::schema::{IndexRecordOption, TantivyDocument, Value};
use tantivy::{DocAddress, DocId, Order, Searcher, SegmentReader, Term};

use crate::error::{Error, Result};
use crate::index::NewsIndex;
use bm25f::Bm25fQuery;

pub use highlight::Highlighter;

/// How hits are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    #[default]
    Relevance,
    /// Newest first; undated passages last.
    Date,
}

/// A search as the user asked for it.
#[derive(Debug, Clone)]
pub struct Request {
    pub query: String,
    /// Only articles dated at or after this instant.
    pub since: Option<DateTime<Utc>>,
    /// Only articles dated before this instant.
    pub until: Option<DateTime<Utc>>,
    /// Only these sources (any of them), matched whole and case-insensitively.
    pub sources: Vec<String>,
    pub limit: usize,
    pub offset: usize,
    /// At most this many passages of one article.
    pub per_article: usize,
    pub sort: Sort,
    /// Match passages with any query term rather than all of them.
    pub match_any: bool,
    /// Only articles on all these topics (vocabulary ids).
    pub topics: Vec<String>,
    /// Only passages that mention all these actors (ids such as `person:Ilham Aliyev`; matched
    /// by canonical name).
    pub actor_ids: Vec<String>,
    /// Rank whole articles on all their passages (a query in plain words, by relevance; see
    /// [`articles`]) rather than by their best passage.
    pub whole_articles: bool,
}

impl Default for Request {
    fn default() -> Self {
        Request {
            query: String::new(),
            since: None,
            until: None,
            sources: Vec::new(),
            limit: 10,
            offset: 0,
            per_article: 1,
            sort: Sort::Relevance,
            match_any: false,
            actor_ids: Vec::new(),
            topics: Vec::new(),
            whole_articles: false,
        }
    }
}

/// One ranked passage.
#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    pub rank: usize,
    /// BM25 score; absent when sorted by date.
    pub score: Option<f32>,
    pub article_id: String,
    pub passage: u64,
    pub title: String,
    pub date: Option<String>,
    pub source: Option<String>,
    pub author: Option<String>,
    pub url: Option<String>,
    pub path: String,
    pub text: String,
    /// The passage's byte range in the article body.
    pub range: [u64; 2],
    /// Byte ranges of matched terms in `text`.
    pub highlights: Vec<[usize; 2]>,
    /// Byte ranges of matched terms in `title`.
    pub title_highlights: Vec<[usize; 2]>,
    /// Actors the passage (or its title) mentions, as `kind:Name` ids.
    pub actors: Vec<String>,
}

/// The hits of one search and what it matched overall.
#[derive(Debug, Clone)]
pub struct Results {
    pub hits: Vec<Hit>,
    /// Passages that matched, before grouping by article and paging.
    pub matched_passages: usize,
    pub elapsed: Duration,
}

/// How much a word in the headline counts against one in the passage. The headline is
/// indexed with every passage of its article, so it already counts in each of them; weighing
/// it more made every passage of a headline match outrank better passages (CISI MAP 0.176 at
/// 1.5, 0.183 at 1; Cranfield 0.301, 0.307). Peers in `newsdex bench` weigh it the same.
pub const TITLE_WEIGHT: f32 = 1.0;

/// Parses the user's query text against the index's title and text fields.
pub fn parse_query(
    news: &NewsIndex,
    searcher: &Searcher,
    text: &str,
    match_any: bool,
) -> Result<Box<dyn Query>> {
    let f = &news.fields;
    // Any of the words, in plain words (a question): its content words, BM25F-scored.
    if let Some(words) = match_any.then(|| stopwords::content_words(text)).flatten() {
        let words = weigh_words(news, searcher, &words)?;
        if !words.is_empty() {
            return Ok(Box::new(Bm25fQuery::new(f.title, f.text, words)));
        }
    }
    let mut parser = QueryParser::for_index(&news.index, vec![f.title, f.text]);
    if !match_any {
        parser.set_conjunction_by_default();
    }
    parser.set_field_boost(f.title, TITLE_WEIGHT);
    let text = if text.trim().is_empty() { "*" } else { text };
    let query = parser.parse_query(text).map_err(|e| Error::Query {
        query: text.to_string(),
        reason: e.to_string(),
    })?;
    let query = exclusions_apply_to_their_neighbours(query);
    let query = quoted::answer_from_text(query, text, f, &news.index.schema())?;
    Ok(join::join_article_fields(query, &article_fields(f)))
}

/// The article-level fields queries may name (`search::join`); `article_actor` holds only
/// what the passages' `actor` values miss, and is read from both.
fn article_fields(f: &crate::schema::Fields) -> [join::ArticleField; 2] {
    [
        join::ArticleField {
            field: f.article_actor,
            also_in: Some(f.actor),
        },
        join::ArticleField {
            field: f.keyphrase,
            also_in: None,
        },
    ]
}

/// A parsed query rebuilt with each part outside its boolean queries passed through `part`:
/// the shared walk of the rewrites `parse_query` makes (quotes from the text, article joins).
pub(crate) fn rewrite_parts<E>(
    query: Box<dyn Query>,
    part: &mut impl FnMut(Box<dyn Query>) -> std::result::Result<Box<dyn Query>, E>,
) -> std::result::Result<Box<dyn Query>, E> {
    let Some(boolean) = query.downcast_ref::<BooleanQuery>() else {
        return part(query);
    };
    let mut clauses = Vec::with_capacity(boolean.clauses().len());
    for (occur, clause) in boolean.clauses() {
        clauses.push((*occur, rewrite_parts(clause.box_clone(), part)?));
    }
    Ok(Box::new(BooleanQuery::with_minimum_required_clauses(
        clauses,
        boolean.get_minimum_number_should_match(),
    )))
}

/// tantivy's parser reads `a AND NOT b` as "a, and (not b)", and a boolean query of only
/// exclusions matches nothing in tantivy (quickwit-oss/tantivy#2317), so the whole query found
/// nothing. Such an exclusions-only part of a conjunction is lifted into it: "a, not b".
fn exclusions_apply_to_their_neighbours(query: Box<dyn Query>) -> Box<dyn Query> {
    let Some(boolean) = query.downcast_ref::<BooleanQuery>() else {
        return query;
    };
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    for (occur, clause) in boolean.clauses() {
        match (occur, clause.downcast_ref::<BooleanQuery>()) {
            (Occur::Must, Some(inner))
                if inner.clauses().iter().all(|(o, _)| *o == Occur::MustNot) =>
            {
                clauses.extend(inner.clauses().iter().map(|(o, c)| (*o, c.box_clone())));
            }
            _ => clauses.push((
                *occur,
                exclusions_apply_to_their_neighbours(clause.box_clone()),
            )),
        }
    }
    Box::new(BooleanQuery::with_minimum_required_clauses(
        clauses,
        boolean.get_minimum_number_should_match(),
    ))
}

/// The words of an any-word question, each weighted by [`rsj_weights`] over passages.
fn weigh_words(news: &NewsIndex, searcher: &Searcher, words: &str) -> Result<Vec<bm25f::Word>> {
    let f = &news.fields;
    let terms = analyzed_words(news, words)?;
    let mut counts = Vec::with_capacity(terms.len());
    for word in &terms {
        counts.push(searcher.doc_freq(&Term::from_field_text(f.text, word))?);
    }
    let weights = rsj_weights(searcher.num_docs(), &counts);
    Ok(terms
        .iter()
        .zip(weights)
        .filter(|&(_, weight)| weight > 0.0)
        .map(|(word, weight)| bm25f::Word {
            title: Term::from_field_text(f.title, word),
            text: Term::from_field_text(f.text, word),
            weight,
        })
        .collect())
}

/// The words of a question as the text field indexes them (the analyzer's first token of each).
pub(crate) fn analyzed_words(news: &NewsIndex, words: &str) -> Result<Vec<String>> {
    let mut analyzer = news.index.tokenizer_for_field(news.fields.text)?;
    let mut all = Vec::new();
    for word in words
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let mut stream = analyzer.token_stream(word);
        if stream.advance() {
            all.push(stream.token().text.clone());
        }
    }
    Ok(all)
}

/// Weights for words found in `counts[i]` of `total` units (passages or articles): the classic
/// Robertson–Spärck Jones idf, ln((N − n + ½) / (n + ½)), so a word in most units counts for
/// (almost) nothing, as in a question's "information" or "system", while rare words keep their
/// weight. Words in more than half the units get 0 (drop them), unless that would leave none:
/// then every word weighs tantivy's ln(1 + (N − n + ½) / (n + ½)).
pub(crate) fn rsj_weights(total: u64, counts: &[u64]) -> Vec<f32> {
    let odds: Vec<f64> = counts
        .iter()
        .map(|&n| (total as f64 - n as f64 + 0.5) / (n as f64 + 0.5))
        .collect();
    let classic = odds.iter().any(|o| o.ln() > 0.0);
    odds.iter()
        .map(|o| {
            if classic {
                o.ln().max(0.0) as f32
            } else {
                o.ln_1p() as f32
            }
        })
        .collect()
}

/// Runs a search.
pub fn search(news: &NewsIndex, searcher: &Searcher, request: &Request) -> Result<Results> {
    let started = Instant::now();
    if let Some(words) = whole_article_words(news, request)? {
        let mut results = search_articles(news, searcher, request, &words)?;
        results.elapsed = started.elapsed();
        return Ok(results);
    }
    let user_query = parse_query(news, searcher, &request.query, request.match_any)?;
    let (picked, matched) = rank(news, searcher, &*user_query, request)?;
    let highlighter = Highlighter::new(news, &*user_query)?;
    let shown = picked.into_iter().skip(request.offset);
    Ok(Results {
        hits: load_hits(news, searcher, &highlighter, shown, request.offset)?,
        matched_passages: matched,
        elapsed: started.elapsed(),
    })
}

/// The question's words as the index holds them, when `request` ranks whole articles: it asks
/// for it, in plain words, by relevance. `None` means rank passages.
fn whole_article_words(news: &NewsIndex, request: &Request) -> Result<Option<Vec<String>>> {
    if !request.whole_articles || request.sort != Sort::Relevance {
        return Ok(None);
    }
    let Some(words) = stopwords::content_words(&request.query) else {
        return Ok(None);
    };
    let words = analyzed_words(news, &words)?;
    Ok((!words.is_empty()).then_some(words))
}

/// The best `limit` whole articles with the question's words (all of them, or any with
/// `match_any`).
fn rank_whole(
    news: &NewsIndex,
    searcher: &Searcher,
    request: &Request,
    words: &[String],
    limit: usize,
) -> Result<articles::Ranking> {
    let filter = has_filters(request)
        .then(|| with_filters(news, Box::new(tantivy::query::AllQuery), request));
    articles::rank(
        news,
        searcher,
        words,
        !request.match_any,
        filter.as_deref(),
        limit,
    )
}

/// [`search`] ranking whole articles: each ranked article shows its best `per_article`
/// passages (by the passage score of the question's words), all with the article's score.
fn search_articles(
    news: &NewsIndex,
    searcher: &Searcher,
    request: &Request,
    words: &[String],
) -> Result<Results> {
    let wanted = request.offset + request.limit;
    let ranking = rank_whole(news, searcher, request, words, wanted)?;
    // The question as written: `words` are already stemmed, and stems are not always stable
    // under a second stemming.
    let passage_query = parse_query(news, searcher, &request.query, true)?;
    let weight = passage_query.weight(tantivy::query::EnableScoring::enabled_from_searcher(
        searcher,
    ))?;
    let highlighter = Highlighter::new(news, &*passage_query)?;
    // Every article shows at least one passage: `wanted` articles are enough.
    let mut shown = Vec::with_capacity(wanted);
    for article in ranking.articles {
        if shown.len() >= wanted {
            break;
        }
        let mut passages: Vec<(f32, DocAddress)> = article
            .passages
            .iter()
            .map(|&at| {
                let reader = searcher.segment_reader(at.segment_ord);
                let score = weight.explain(reader, at.doc_id).map_or(0.0, |e| e.value());
                (score, at)
            })
            .collect();
        passages.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        shown.extend(
            passages
                .into_iter()
                .take(request.per_article.max(1))
                .map(|(_, at)| (article.score, at)),
        );
    }
    let shown = shown
        .into_iter()
        .skip(request.offset)
        .take(request.limit)
        .map(|(score, at)| (Some(score), at));
    Ok(Results {
        hits: load_hits(news, searcher, &highlighter, shown, request.offset)?,
        matched_passages: ranking.matched_passages,
        elapsed: Duration::ZERO,
    })
}

/// Loads and highlights the passages shown, ranked from `offset + 1`.
fn load_hits(
    news: &NewsIndex,
    searcher: &Searcher,
    highlighter: &Highlighter,
    shown: impl Iterator<Item = (Option<f32>, DocAddress)>,
    offset: usize,
) -> Result<Vec<Hit>> {
    let mut hits = Vec::new();
    for (i, (score, address)) in shown.enumerate() {
        let doc: TantivyDocument = searcher.doc(address)?;
        hits.push(to_hit(news, highlighter, &doc, offset + i + 1, score));
    }
    Ok(hits)
}

/// The ids of the articles `request` finds, best first, at most `limit` after `offset`: what
/// [`search`] ranks, without loading passages or highlighting.
pub fn ranked_articles(
    news: &NewsIndex,
    searcher: &Searcher,
    request: &Request,
) -> Result<Vec<String>> {
    let addresses: Vec<DocAddress> = match whole_article_words(news, request)? {
        Some(words) => rank_whole(
            news,
            searcher,
            request,
            &words,
            request.offset + request.limit,
        )?
        .articles
        .into_iter()
        .skip(request.offset)
        .map(|article| article.passages[0])
        .collect(),
        None => {
            let user_query = parse_query(news, searcher, &request.query, request.match_any)?;
            let request = Request {
                per_article: 1,
                ..request.clone()
            };
            let (picked, _) = rank(news, searcher, &*user_query, &request)?;
            picked
                .into_iter()
                .skip(request.offset)
                .map(|(_, address)| address)
                .collect()
        }
    };
    let mut ids = Vec::with_capacity(addresses.len());
    for address in addresses {
        let doc: TantivyDocument = searcher.doc(address)?;
        ids.push(
            doc.get_first(news.fields.article_id)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string(),
        );
    }
    Ok(ids)
}

/// Whether `request` narrows the query by anything besides its text.
fn has_filters(request: &Request) -> bool {
    request.since.is_some()
        || request.until.is_some()
        || !request.sources.is_empty()
        || !request.topics.is_empty()
        || !request.actor_ids.is_empty()
}

/// The passages to show for `request` (grouped by article, up to `offset + limit`) and how
/// many passages matched in all.
fn rank(
    news: &NewsIndex,
    searcher: &Searcher,
    user_query: &dyn Query,
    request: &Request,
) -> Result<(Ranked, usize)> {
    let query = with_filters(news, user_query.box_clone(), request);
    let wanted = request.offset + request.limit;
    let per_article = request.per_article.max(1);
    // Fetch more passages than needed, since grouping by article drops some; fetch again
    // with a larger window when grouping left too few.
    let mut window = (wanted * per_article * 4).max(64);
    loop {
        let (top, matched) = top_passages(searcher, &*query, request.sort, window)?;
        let exhausted = top.len() < window;
        let picked = group_by_article(searcher, top, per_article, wanted)?;
        if picked.len() >= wanted || exhausted {
            return Ok((picked, matched));
        }
        window *= 4;
    }
}

/// Passages in rank order, with their scores when ranked by relevance.
type Ranked = Vec<(Option<f32>, DocAddress)>;

/// The user's query narrowed by dates, sources, topics and actors, its small unions made cheap
/// to skip through (see [`field_union`]). The filters narrow and never rank: each adds one
/// constant score to every passage it keeps (see [`narrowed`]).
pub(crate) fn with_filters(
    news: &NewsIndex,
    query: Box<dyn Query>,
    request: &Request,
) -> Box<dyn Query> {
    let f = &news.fields;
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, query)];
    if request.since.is_some() || request.until.is_some() {
        let at = |d: DateTime<Utc>| tantivy::DateTime::from_timestamp_secs(d.timestamp());
        clauses.push((
            Occur::Must,
            Box::new(narrowed::DateRange::new(
                f.date,
                request.since.map(at),
                request.until.map(at),
            )),
        ));
    }
    if !request.sources.is_empty() {
        let any_source: Vec<(Occur, Box<dyn Query>)> = request
            .sources
            .iter()
            .map(|s| {
                let term = Term::from_field_text(f.source, &s.to_lowercase());
                (
                    Occur::Should,
                    Box::new(TermQuery::new(term, IndexRecordOption::Basic)) as Box<dyn Query>,
                )
            })
            .collect();
        clauses.push((
            Occur::Must,
            Box::new(narrowed::Filter::new(Box::new(BooleanQuery::new(
                any_source,
            )))),
        ));
    }
    for topic in &request.topics {
        let term = Term::from_field_text(f.topic, &topic.to_lowercase());
        clauses.push((Occur::Must, Box::new(filter_term(term))));
    }
    for id in &request.actor_ids {
        // The `actor` field holds the canonical name, lower-cased (the keyword analyzer).
        let name = id
            .split_once(':')
            .map_or(id.as_str(), |(_, n)| n)
            .to_lowercase();
        let term = Term::from_field_text(f.actor, &name);
        clauses.push((Occur::Must, Box::new(filter_term(term))));
    }
    let query = if clauses.len() == 1 {
        clauses.pop().map(|(_, q)| q).unwrap_or(query_all())
    } else {
        Box::new(BooleanQuery::new(clauses))
    };
    field_union::merge_small_unions(query)
}

/// A filter on one term: it narrows the passages and adds nothing to their score.
fn filter_term(term: Term) -> narrowed::Filter {
    narrowed::Filter::new(Box::new(TermQuery::new(term, IndexRecordOption::Basic)))
}

/// The values of a fast text field over the passages `request` matches, as
/// (value, passages, distinct articles), most passages first, at most `size` of them. Exact
/// (see [`counts`]).
pub(crate) fn value_counts(
    news: &NewsIndex,
    searcher: &Searcher,
    request: &Request,
    field: &str,
    size: usize,
) -> Result<Vec<(String, u64, u64)>> {
    let query = with_filters(
        news,
        parse_query(news, searcher, &request.query, request.match_any)?,
        request,
    );
    let fruit = searcher.search(&*query, &counts::ValueCounts { field })?;
    Ok(counts::ranked(fruit, size))
}

/// Calls `f` with each document of the segment and its `article_key`, in document order. The
/// column has a value for every passage, so it is read a block at a time, not value by value
/// through its index (not timed apart: `search --articles` at 1M stayed ~0.33 s either way).
pub(crate) fn each_article_key(
    reader: &SegmentReader,
    mut f: impl FnMut(DocId, Option<u64>),
) -> tantivy::Result<()> {
    let keys = reader.fast_fields().u64("article_key")?;
    let max_doc = reader.max_doc();
    if matches!(keys.index, tantivy::columnar::ColumnIndex::Full) {
        let mut block = vec![0u64; 4096];
        for start in (0..max_doc).step_by(block.len()) {
            let n = block.len().min((max_doc - start) as usize);
            keys.values.get_range(u64::from(start), &mut block[..n]);
            for (i, &key) in block[..n].iter().enumerate() {
                f(start + i as DocId, Some(key));
            }
        }
    } else {
        for doc in 0..max_doc {
            f(doc, keys.first(doc));
        }
    }
    Ok(())
}

fn query_all() -> Box<dyn Query> {
    Box::new(tantivy::query::AllQuery)
}

/// The best `window` passages in the requested order, and how many matched in all.
fn top_passages(
    searcher: &Searcher,
    query: &dyn Query,
    sort: Sort,
    window: usize,
) -> Result<(Ranked, usize)> {
    Ok(match sort {
        Sort::Relevance => {
            let (top, count) = best_and_count(searcher, query, window)?;
            (top.into_iter().map(|(s, a)| (Some(s), a)).collect(), count)
        }
        Sort::Date => {
            let collector = TopDocs::with_limit(window)
                .order_by_fast_field::<tantivy::DateTime>("date", Order::Desc);
            let (top, count) = searcher.search(query, &(collector, Count))?;
            (top.into_iter().map(|(_, a)| (None, a)).collect(), count)
        }
    })
}

/// The best `limit` matches of `query` by score and how many match in all: in one pass, or
/// apart when that pays (see [`ranked_apart`]).
pub(crate) fn best_and_count(
    searcher: &Searcher,
    query: &dyn Query,
    limit: usize,
) -> Result<(Vec<(f32, DocAddress)>, usize)> {
    if ranked_apart(searcher, query)? {
        return best_apart(searcher, query, limit);
    }
    if let Some((words, narrowings)) = narrowed::split(query) {
        let postings = postings(searcher, &*words)?;
        if postings >= RANK_APART_POSTINGS && narrowed::words_lead(searcher, postings, &narrowings)?
        {
            let top = narrowed::best(searcher, &*words, &narrowings, limit)?;
            let count = narrowed::count(searcher, query, &*words, &narrowings)?;
            return Ok((top, count));
        }
    }
    Ok(searcher.search(query, &(TopDocs::with_limit(limit).order_by_score(), Count))?)
}

/// The best `limit` matches of `query` by score, collected alone, and how many match in all,
/// counted in a second pass without scores (see [`ranked_apart`]).
fn best_apart(
    searcher: &Searcher,
    query: &dyn Query,
    limit: usize,
) -> Result<(Vec<(f32, DocAddress)>, usize)> {
    let top = searcher.search(query, &TopDocs::with_limit(limit).order_by_score())?;
    Ok((top, searcher.search(query, &Count)?))
}

/// Postings (summed over a query's terms) from which [`ranked_apart`] pays: below, the
/// count's second pass costs more than the blocks skipped save. Measured in process: at 30,000
/// to 40,000 on Reuters ×4, ranking apart took 0.85–1.5× the time; at 50,000 to 440,000 over a
/// million articles 0.33–0.44× (scoring there waits on fieldnorms the cache cannot hold).
const RANK_APART_POSTINGS: u64 = 50_000;

/// Whether the best passages of `query` are collected alone and its matches counted in a
/// second pass, rather than both in one. Collected alone, the best passages of a union of
/// words skip every block of postings that cannot reach them (tantivy's block-max WAND);
/// collected with the count, every match is scored. Counting without scores is quick: for a
/// common word over a million articles, 2.7 ms apart against 6.1 ms together.
fn ranked_apart(searcher: &Searcher, query: &dyn Query) -> Result<bool> {
    Ok(skips_blocks(query) && postings(searcher, query)? >= RANK_APART_POSTINGS)
}

/// The postings of `query`'s terms, summed from the term dictionary.
fn postings(searcher: &Searcher, query: &dyn Query) -> Result<u64> {
    let mut terms = Vec::new();
    query.query_terms(&mut |term, _| terms.push(term));
    let mut postings = 0;
    for term in terms {
        postings += searcher.doc_freq(term)?;
    }
    Ok(postings)
}

/// Whether tantivy finds the best matches of `query` by block-max WAND, skipping blocks of
/// postings whose best score cannot enter the top: a word on its own, or words any of which
/// may match (each a term in one field, the shape `"title:w OR text:w"` parses to). Anything
/// else (words all required over both fields, a phrase) scores every match either way, so it
/// is collected with its count in one pass; such words narrowed by filters are ranked by
/// [`narrowed`].
fn skips_blocks(query: &dyn Query) -> bool {
    match query.downcast_ref::<BooleanQuery>() {
        Some(boolean) => {
            !boolean.clauses().is_empty()
                && boolean.get_minimum_number_should_match() <= 1
                && boolean
                    .clauses()
                    .iter()
                    .all(|(occur, q)| *occur == Occur::Should && q.is::<TermQuery>())
        }
        None => query.is::<TermQuery>(),
    }
}

/// Keeps at most `per_article` passages of each article, in rank order, until `wanted`.
fn group_by_article(
    searcher: &Searcher,
    top: Ranked,
    per_article: usize,
    wanted: usize,
) -> Result<Ranked> {
    let mut columns = HashMap::new();
    let mut taken: HashMap<u64, usize> = HashMap::new();
    let mut picked = Vec::new();
    for (score, address) in top {
        if picked.len() >= wanted {
            break;
        }
        let column = match columns.entry(address.segment_ord) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => e.insert(
                searcher
                    .segment_reader(address.segment_ord)
                    .fast_fields()
                    .u64("article_key")?,
            ),
        };
        let key = column.first(address.doc_id).unwrap_or(u64::MAX);
        let n = taken.entry(key).or_default();
        if *n < per_article {
            *n += 1;
            picked.push((score, address));
        }
    }
    Ok(picked)
}

fn to_hit(
    news: &NewsIndex,
    highlighter: &Highlighter,
    doc: &TantivyDocument,
    rank: usize,
    score: Option<f32>,
) -> Hit {
    let f = &news.fields;
    let text_of = |field| {
        doc.get_first(field)
            .and_then(|v| v.as_str())
            .map(str::to_string)
    };
    let u64_of = |field| doc.get_first(field).and_then(|v| v.as_u64()).unwrap_or(0);
    let title = text_of(f.title).unwrap_or_default();
    let text = text_of(f.text).unwrap_or_default();
    Hit {
        rank,
        score,
        article_id: text_of(f.article_id).unwrap_or_default(),
        passage: u64_of(f.passage),
        date: doc
            .get_first(f.date)
            .and_then(|v| v.as_datetime())
            .map(crate::index::rfc3339),
        source: text_of(f.source),
        author: text_of(f.author),
        url: text_of(f.url),
        path: text_of(f.path).unwrap_or_default(),
        range: [u64_of(f.start), u64_of(f.end)],
        highlights: highlighter.text_ranges(&text),
        title_highlights: highlighter.title_ranges(&title),
        actors: doc
            .get_all(f.actor_id)
            .filter_map(|v| v.as_str())
            .map(str::to_string)
            .collect(),
        title,
        text,
    }
}

/// How many distinct articles have a passage that `request` matches (filters included).
pub fn matched_articles(news: &NewsIndex, searcher: &Searcher, request: &Request) -> Result<u64> {
    let query = with_filters(
        news,
        parse_query(news, searcher, &request.query, request.match_any)?,
        request,
    );
    Ok(searcher.search(&*query, &articles::DistinctArticles)?.len() as u64)
}

#[cfg(test)]
mod tests {
    use tantivy::doc;

    use super::*;
    use crate::index::article_key;

    /// The first day of the fixture's dates, in seconds.
    const FIRST_DAY: i64 = 1_000_000_000;

    /// Three thousand passages of a thousand articles, the words spread unevenly over them,
    /// dated over 3,000 days out of order (one in eleven undated), from two sources, half of
    /// them with a topic, in two segments, articles a0 to a9 deleted.
    fn news() -> (tempfile::TempDir, NewsIndex) {
        let dir = tempfile::tempdir().unwrap();
        let news = NewsIndex::create(&dir.path().join("index")).unwrap();
        let f = news.fields;
        let mut writer: tantivy::IndexWriter = news.index.writer(15_000_000).unwrap();
        for i in 0..3000u64 {
            let id = format!("a{}", i / 3);
            let title = ["grain exports", "wheat harvest", "markets"][(i % 7 % 3) as usize];
            let text = match i % 5 {
                0 => "grain prices rose as wheat stocks fell and grain stocks rose",
                1 => "exports of wheat",
                2 => "nothing of note today",
                3 => "grain grain grain",
                _ => "stocks",
            };
            let mut passage = doc!(
                f.article_id => id.as_str(),
                f.article_key => article_key(&id),
                f.passage => i % 3,
                f.title => title,
                f.text => text,
                f.source => ["Reuters", "Harbour Wire"][(i % 2) as usize],
            );
            if i % 4 < 2 {
                passage.add_text(f.topic, ["economy", "politics"][(i % 4) as usize]);
            }
            if i % 11 != 0 {
                let day = (i * 7919 % 3000) as i64;
                passage.add_date(
                    f.date,
                    tantivy::DateTime::from_timestamp_secs(FIRST_DAY + day * 86_400),
                );
            }
            writer.add_document(passage).unwrap();
            if i == 1500 {
                writer.commit().unwrap();
            }
        }
        for i in 0..10 {
            writer.delete_term(Term::from_field_text(f.article_id, &format!("a{i}")));
        }
        writer.commit().unwrap();
        (dir, news)
    }

    #[test]
    fn unions_of_words_are_ranked_apart_from_their_count_with_the_same_results() {
        let (_dir, news) = news();
        let searcher = news.index.reader().unwrap().searcher();
        for (text, skips) in [
            ("wheat", true),
            ("grain OR stocks", true),
            ("grain wheat", false),
            ("\"wheat stocks\"", false),
            ("grain -exports", false),
        ] {
            let query = with_filters(
                &news,
                parse_query(&news, &searcher, text, false).unwrap(),
                &Request::default(),
            );
            assert_eq!(skips_blocks(&*query), skips, "{text}");
            // Every match's score, as the whole pass gives it.
            let (all, count) = searcher
                .search(
                    &*query,
                    &(TopDocs::with_limit(3000).order_by_score(), Count),
                )
                .unwrap();
            let score_of: HashMap<DocAddress, f32> = all.iter().map(|&(s, a)| (a, s)).collect();
            // Too few postings here to pay; ranked apart all the same, to compare.
            assert!(!ranked_apart(&searcher, &*query).unwrap(), "{text}");
            let (top, matched) = best_apart(&searcher, &*query, 64).unwrap();
            assert!(count > 64, "{text}: {count}");
            assert_eq!(matched, count, "{text}");
            // The same best scores; block-max WAND adds a passage's parts in another order, so
            // a score may differ in its last bit, and equal scores come in another order.
            assert_eq!(top.len(), 64, "{text}");
            for (i, &(score, at)) in top.iter().enumerate() {
                assert!((score - score_of[&at]).abs() < 1e-5, "{text}: {at:?}");
                assert!((score - all[i].0).abs() < 1e-5, "{text}: rank {i}");
            }
        }
        // A filter makes it a conjunction, scored whole.
        let filtered = Request {
            sources: vec!["Reuters".into()],
            ..Request::default()
        };
        let query = with_filters(
            &news,
            parse_query(&news, &searcher, "wheat", false).unwrap(),
            &filtered,
        );
        assert!(!skips_blocks(&*query));
    }

    #[test]
    fn narrowed_words_are_ranked_by_their_words_alone_with_the_same_results() {
        let (_dir, news) = news();
        let searcher = news.index.reader().unwrap().searcher();
        let day = |d: i64| DateTime::from_timestamp(FIRST_DAY + d * 86_400, 0);
        let dates = |since, until| Request {
            since,
            until,
            ..Request::default()
        };
        let requests = [
            dates(day(100), day(400)),
            dates(day(2000), None),
            dates(None, day(300)),
            Request {
                sources: vec!["Reuters".into()],
                ..Request::default()
            },
            Request {
                topics: vec!["Politics".into()],
                ..dates(day(500), day(2500))
            },
        ];
        for text in ["wheat", "grain OR stocks", "stocks"] {
            for request in &requests {
                let query = with_filters(
                    &news,
                    parse_query(&news, &searcher, text, false).unwrap(),
                    request,
                );
                let (words, narrowings) = narrowed::split(&*query).expect(text);
                // Every match's score, as the whole conjunction gives it.
                let (all, count) = searcher
                    .search(
                        &*query,
                        &(TopDocs::with_limit(3000).order_by_score(), Count),
                    )
                    .unwrap();
                assert!(count > 40, "{text} {request:?}: {count}");
                let counted = narrowed::count(&searcher, &*query, &*words, &narrowings);
                assert_eq!(counted.unwrap(), count, "{text} {request:?}");
                let score_of: HashMap<DocAddress, f32> = all.iter().map(|&(s, a)| (a, s)).collect();
                let top = narrowed::best(&searcher, &*words, &narrowings, 20).unwrap();
                assert_eq!(top.len(), 20, "{text}");
                for (i, &(score, at)) in top.iter().enumerate() {
                    assert!((score - score_of[&at]).abs() < 1e-5, "{text}: {at:?}");
                    assert!((score - all[i].0).abs() < 1e-5, "{text}: rank {i}");
                }
            }
        }
        // Only a union of words narrowed by filters, and nothing else, is split.
        for (text, request) in [
            ("\"wheat stocks\"", &requests[0]),
            ("grain wheat", &requests[4]),
            ("wheat", &Request::default()),
        ] {
            let query = with_filters(
                &news,
                parse_query(&news, &searcher, text, false).unwrap(),
                request,
            );
            assert!(narrowed::split(&*query).is_none(), "{text}");
        }
    }

    #[test]
    fn filters_narrow_without_changing_the_order() {
        let (_dir, news) = news();
        let searcher = news.index.reader().unwrap().searcher();
        let words = parse_query(&news, &searcher, "grain OR stocks", false).unwrap();
        let scores = |request: &Request| -> HashMap<DocAddress, f32> {
            let query = with_filters(&news, words.box_clone(), request);
            let top = searcher
                .search(&*query, &TopDocs::with_limit(3000).order_by_score())
                .unwrap();
            top.into_iter().map(|(s, a)| (a, s)).collect()
        };
        let unfiltered = scores(&Request::default());
        let filtered = scores(&Request {
            topics: vec!["economy".into()],
            actor_ids: vec![],
            sources: vec!["Reuters".into()],
            ..Request::default()
        });
        assert!(filtered.len() > 40 && filtered.len() < unfiltered.len());
        for (at, score) in filtered {
            assert!((score - unfiltered[&at]).abs() < 1e-5, "{at:?}");
        }
    }
}
