//! Words within dates: a union of words narrowed by `--since`/`--until`, ranked by block-max
//! WAND and counted from the date column.
//!
//! The dates make the query a conjunction, "words AND date range", and tantivy scores every
//! match of a conjunction that its words lead: for a common word over a million articles,
//! every passage that holds it, whatever its date. The range adds the same score to each
//! passage it keeps, so it cannot change their order: the best passages of the conjunction are
//! the best passages of the words that fall in the range. [`best`] ranks the words alone by
//! tantivy's block-max WAND, which skips every block of postings that cannot reach the top,
//! and checks each passage it offers against the date column; [`count`] walks the words'
//! union without scores and reads the dates of its passages a block at a time.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;
use std::ops::Bound;

use tantivy::columnar::Column;
use tantivy::query::{BooleanQuery, EnableScoring, Occur, Query, RangeQuery, Weight};
use tantivy::schema::Field;
use tantivy::{DateTime, DocAddress, DocSet, Score, Searcher, SegmentReader, Term};

use super::field_union::FieldUnion;

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

/// `query` as a union of words (what [`super::skips_blocks`] accepts) and the date range that
/// narrows it, when it is exactly that; `None` for anything else, which is ranked as it is.
pub(crate) fn split(query: &dyn Query) -> Option<(Box<dyn Query>, &DateRange)> {
    let boolean = query.downcast_ref::<BooleanQuery>()?;
    let [(Occur::Must, first), (Occur::Must, second)] = boolean.clauses() else {
        return None;
    };
    let (words, range) = match (first.downcast_ref::<DateRange>(), second.downcast_ref()) {
        (None, Some(range)) => (first, range),
        (Some(range), None) => (second, range),
        _ => return None,
    };
    let union: Box<dyn Query> = match words.downcast_ref::<FieldUnion>() {
        Some(merged) => Box::new(merged.as_boolean()),
        None => words.box_clone(),
    };
    super::skips_blocks(&*union).then_some((union, range))
}

/// Whether tantivy's conjunction of `postings` postings with a date range would walk the
/// words' postings (and score each), rather than the date column: it walks the one it expects
/// to cost less, a date range costing 0.8 of the passages (`RangeDocSet::cost`). Only then
/// does ranking the words apart pay.
pub(crate) fn words_lead(searcher: &Searcher, postings: u64) -> bool {
    let passages: u64 = searcher
        .segment_readers()
        .iter()
        .map(|reader| u64::from(reader.max_doc()))
        .sum();
    postings * 5 < passages * 4
}

/// The best `limit` live passages that match `words` and fall in `range`, by the score the
/// whole conjunction gives them (the words' score plus the range's constant one), best first.
pub(crate) fn best(
    searcher: &Searcher,
    words: &dyn Query,
    range: &DateRange,
    limit: usize,
) -> tantivy::Result<Vec<(Score, DocAddress)>> {
    let scoring = EnableScoring::enabled_from_searcher(searcher);
    let words = words.weight(scoring)?;
    let range_weight = range.weight(scoring)?;
    let mut top = Top::new(limit);
    for (ord, reader) in searcher.segment_readers().iter().enumerate() {
        // The score the range gives every passage it keeps, as it adds it in the conjunction.
        let added = range_weight.scorer(reader, 1.0)?.score();
        let dates = range.column(reader)?;
        let alive = reader.alive_bitset();
        words.for_each_pruning(top.threshold(added), reader, &mut |doc, score| {
            let kept = alive.is_none_or(|alive| alive.is_alive(doc))
                && dates.first(doc).is_some_and(|date| range.contains(date));
            if kept {
                top.offer(score + added, DocAddress::new(ord as u32, doc));
            }
            top.threshold(added)
        })?;
    }
    Ok(top.into_sorted())
}

/// How many live passages match `words` and fall in `range`: the words' union walked without
/// scores, the dates of its passages read from the column a block at a time.
pub(crate) fn count(
    searcher: &Searcher,
    words: &dyn Query,
    range: &DateRange,
) -> tantivy::Result<usize> {
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
    /// range adds: a hair under the exact difference, so that rounding never skips a passage
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
