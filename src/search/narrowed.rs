//! Words narrowed by filters: a union of words within dates, sources, topics or actors,
//! ranked by block-max WAND over the words alone.
//!
//! Filters make the query a conjunction, "words AND filters", and tantivy scores every match
//! of a conjunction that its words lead: for a common word over a million articles, every
//! passage that holds it, whatever its date or topic. A filter narrows and never ranks (each
//! adds one constant score to the passages it keeps), so the best passages of the
//! conjunction are the best passages of the words that pass the filters. [`best`] ranks the
//! words alone by tantivy's block-max WAND, which skips every block of postings that cannot
//! reach the top, and checks each passage it offers against the filters: dates in the date
//! column, the rest in their postings. [`count`] reads the dates of the words' passages a
//! block at a time when only dates narrow them, and leaves the rest to tantivy's count.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;
use std::ops::Bound;

use tantivy::collector::Count;
use tantivy::columnar::Column;
use tantivy::query::{
    BooleanQuery, ConstScoreQuery, EnableScoring, Occur, Query, RangeQuery, Scorer, Weight,
};
use tantivy::schema::Field;
use tantivy::{
    DateTime, DocAddress, DocId, DocSet, Score, Searcher, SeekDangerResult, SegmentReader, Term,
};

use super::field_union::FieldUnion;

/// A filter other than dates (sources, topics, actors): its query matches the passages kept,
/// and adds nothing to their score.
#[derive(Debug)]
pub struct Filter(Box<dyn Query>);

impl Clone for Filter {
    fn clone(&self) -> Filter {
        Filter(self.0.box_clone())
    }
}

impl Filter {
    pub fn new(query: Box<dyn Query>) -> Filter {
        Filter(query)
    }
}

impl Query for Filter {
    fn weight(&self, scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        ConstScoreQuery::new(self.0.box_clone(), 0.0).weight(scoring)
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        self.0.query_terms(visitor);
    }
}

/// Passages dated from `since` (included) to `until` (excluded): tantivy's range query on the
/// date column, with its bounds kept where [`split`] can read them.
#[derive(Clone, Debug)]
pub struct DateRange {
    field: Field,
    since: Option<DateTime>,
    until: Option<DateTime>,
}

impl DateRange {
    pub fn new(field: Field, since: Option<DateTime>, until: Option<DateTime>) -> DateRange {
        DateRange {
            field,
            since,
            until,
        }
    }

    fn as_range_query(&self) -> RangeQuery {
        let term = |d: DateTime| Term::from_field_date(self.field, d);
        RangeQuery::new(
            self.since
                .map_or(Bound::Unbounded, |d| Bound::Included(term(d))),
            self.until
                .map_or(Bound::Unbounded, |d| Bound::Excluded(term(d))),
        )
    }

    fn contains(&self, date: DateTime) -> bool {
        self.since.is_none_or(|since| date >= since) && self.until.is_none_or(|until| date < until)
    }

    /// The segment's date column.
    fn column(&self, reader: &SegmentReader) -> tantivy::Result<Column<DateTime>> {
        let name = reader.schema().get_field_name(self.field);
        reader.fast_fields().date(name)
    }
}

impl Query for DateRange {
    fn weight(&self, scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        self.as_range_query().weight(scoring)
    }
}

/// What narrows a union of words: a date range, or another filter.
pub(crate) enum Narrowing<'q> {
    Dates(&'q DateRange),
    Other(&'q Filter),
}

/// `query` as a union of words (what [`super::skips_blocks`] accepts) and the filters that
/// narrow it, when it is exactly that; `None` for anything else, which is ranked as it is.
pub(crate) fn split(query: &dyn Query) -> Option<(Box<dyn Query>, Vec<Narrowing<'_>>)> {
    let boolean = query.downcast_ref::<BooleanQuery>()?;
    let mut words = None;
    let mut narrowings = Vec::new();
    for (occur, part) in boolean.clauses() {
        if *occur != Occur::Must {
            return None;
        }
        if let Some(dates) = part.downcast_ref::<DateRange>() {
            narrowings.push(Narrowing::Dates(dates));
        } else if let Some(filter) = part.downcast_ref::<Filter>() {
            narrowings.push(Narrowing::Other(filter));
        } else if words.is_none() {
            words = Some(match part.downcast_ref::<FieldUnion>() {
                Some(merged) => Box::new(merged.as_boolean()) as Box<dyn Query>,
                None => part.box_clone(),
            });
        } else {
            return None;
        }
    }
    let words = words.filter(|words| super::skips_blocks(&**words))?;
    (!narrowings.is_empty()).then_some((words, narrowings))
}

/// Whether tantivy's conjunction of words with `postings` postings and `narrowings` would walk
/// the words' postings (and score each), rather than a filter's: it walks the part it expects
/// to cost least, a date range costing 0.8 of the passages (`RangeDocSet::cost`), another
/// filter its postings. Only then does ranking the words apart pay.
pub(crate) fn words_lead(
    searcher: &Searcher,
    postings: u64,
    narrowings: &[Narrowing],
) -> crate::Result<bool> {
    for narrowing in narrowings {
        let cost = match narrowing {
            Narrowing::Dates(_) => {
                let passages: u64 = searcher
                    .segment_readers()
                    .iter()
                    .map(|reader| u64::from(reader.max_doc()))
                    .sum();
                passages * 4 / 5
            }
            Narrowing::Other(filter) => super::postings(searcher, *filter)?,
        };
        if postings >= cost {
            return Ok(false);
        }
    }
    Ok(true)
}

/// A narrowing in one segment, asked about passages in increasing order.
enum Check<'q> {
    Dates(Column<DateTime>, &'q DateRange),
    Postings(Box<dyn Scorer>),
}

impl Check<'_> {
    fn keeps(&mut self, doc: DocId) -> bool {
        match self {
            Check::Dates(column, range) => {
                column.first(doc).is_some_and(|date| range.contains(date))
            }
            Check::Postings(scorer) => scorer.seek_danger(doc) == SeekDangerResult::Found,
        }
    }
}

/// The best `limit` live passages that match `words` and pass every one of `narrowings`, by
/// the score the whole conjunction gives them (the words' score plus each filter's constant
/// one), best first.
pub(crate) fn best(
    searcher: &Searcher,
    words: &dyn Query,
    narrowings: &[Narrowing],
    limit: usize,
) -> tantivy::Result<Vec<(Score, DocAddress)>> {
    let scoring = EnableScoring::enabled_from_searcher(searcher);
    let words = words.weight(scoring)?;
    let weights = narrowings
        .iter()
        .map(|narrowing| match narrowing {
            Narrowing::Dates(range) => range.weight(scoring),
            Narrowing::Other(filter) => filter.weight(scoring),
        })
        .collect::<tantivy::Result<Vec<_>>>()?;
    let mut top = Top::new(limit);
    for (ord, reader) in searcher.segment_readers().iter().enumerate() {
        let mut added: Score = 0.0;
        let mut checks = Vec::with_capacity(narrowings.len());
        for (narrowing, weight) in narrowings.iter().zip(&weights) {
            // A filter's scorer gives every passage it keeps the same score, as it adds it
            // in the conjunction.
            let mut scorer = weight.scorer(reader, 1.0)?;
            added += scorer.score();
            checks.push(match narrowing {
                Narrowing::Dates(range) => Check::Dates(range.column(reader)?, range),
                Narrowing::Other(_) => Check::Postings(scorer),
            });
        }
        let alive = reader.alive_bitset();
        words.for_each_pruning(top.threshold(added), reader, &mut |doc, score| {
            let kept = alive.is_none_or(|alive| alive.is_alive(doc))
                && checks.iter_mut().all(|check| check.keeps(doc));
            if kept {
                top.offer(score + added, DocAddress::new(ord as u32, doc));
            }
            top.threshold(added)
        })?;
    }
    Ok(top.into_sorted())
}

/// How many live passages of `query` match `words` and pass `narrowings`: with dates alone,
/// the words' union walked without scores and the dates of its passages read from the column
/// a block at a time (tantivy's range scorer checks them one by one, at about three times the
/// cost); with any other filter, tantivy's count of `query`.
pub(crate) fn count(
    searcher: &Searcher,
    query: &dyn Query,
    words: &dyn Query,
    narrowings: &[Narrowing],
) -> tantivy::Result<usize> {
    let [Narrowing::Dates(range)] = narrowings else {
        return searcher.search(query, &Count);
    };
    let words = words.weight(EnableScoring::disabled_from_searcher(searcher))?;
    let mut docs = [0; tantivy::COLLECT_BLOCK_BUFFER_LEN];
    let mut dates = [None; tantivy::COLLECT_BLOCK_BUFFER_LEN];
    let mut count = 0;
    for reader in searcher.segment_readers() {
        let mut matches = words.scorer(reader, 1.0)?;
        let column = range.column(reader)?;
        let alive = reader.alive_bitset();
        loop {
            let n = matches.fill_buffer(&mut docs);
            if n == 0 {
                break;
            }
            column.first_vals(&docs[..n], &mut dates[..n]);
            count += docs[..n]
                .iter()
                .zip(&dates[..n])
                .filter(|&(&doc, date)| {
                    date.is_some_and(|date| range.contains(date))
                        && alive.is_none_or(|alive| alive.is_alive(doc))
                })
                .count();
        }
    }
    Ok(count)
}

/// The best passages seen so far: a min-heap of at most `limit`.
struct Top {
    limit: usize,
    heap: BinaryHeap<Reverse<Ranked>>,
}

/// A passage and its score, ordered best last: a higher score, then (as tantivy's `TopDocs`
/// breaks ties) the lower address.
#[derive(PartialEq)]
struct Ranked(Score, DocAddress);

impl Eq for Ranked {}

impl Ord for Ranked {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0
            .total_cmp(&other.0)
            .then_with(|| other.1.cmp(&self.1))
    }
}

impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Top {
    fn new(limit: usize) -> Top {
        Top {
            limit,
            heap: BinaryHeap::with_capacity(limit + 1),
        }
    }

    /// Keeps `score` at `at` if it beats the worst kept once the top is full. Passages come in
    /// address order, so one that only ties the worst loses to it.
    fn offer(&mut self, score: Score, at: DocAddress) {
        let ranked = Ranked(score, at);
        if self.heap.len() < self.limit {
            self.heap.push(Reverse(ranked));
        } else if self
            .heap
            .peek()
            .is_some_and(|Reverse(worst)| ranked > *worst)
        {
            self.heap.pop();
            self.heap.push(Reverse(ranked));
        }
    }

    /// The score the words alone must beat for a passage to be offered, `added` being what the
    /// filters add: a hair under the exact difference, so that rounding never skips a passage
    /// that [`Top::offer`] would keep.
    fn threshold(&self, added: Score) -> Score {
        match self.heap.peek() {
            Some(Reverse(worst)) if self.heap.len() >= self.limit => {
                (worst.0 - added).next_down().next_down()
            }
            _ => Score::MIN,
        }
    }

    fn into_sorted(self) -> Vec<(Score, DocAddress)> {
        // Ascending order of `Reverse` is best first.
        self.heap
            .into_sorted_vec()
            .into_iter()
            .map(|Reverse(Ranked(score, at))| (score, at))
            .collect()
    }
}
