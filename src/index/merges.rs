//! How a run's last merges are cut so that every core takes part.
//!
//! While articles come in, tantivy's log merge policy merges a level of segments once eight
//! have gathered in it, each merge on one thread. The merge that a run's last segments set off
//! starts when the readers are done and runs alone: at a million generated articles it was a
//! merge of 2.65M passages, 25 s on one core of the run's 258 s with the other idle.
//! [`SplitMerges`] cuts each merge it is asked for into one per core, of about equal size, so
//! they run side by side. The index ends with a segment more for each extra part (at most
//! [`MAX_PARTS`] - 1 a merge), which search pays for at about 15 µs each (benches/README.md,
//! eleventh session). Only the merges set off from the run's tail commit on are cut (and,
//! without one, the last): earlier, while readers are busy, every core already is. At a
//! million articles a merge of eight segments set off ten seconds before the readers were
//! done ran 35 s alone on one core under the log policy (benches/README.md, twenty-third
//! session).

use tantivy::index::{SegmentId, SegmentMeta};
use tantivy::indexer::{LogMergePolicy, MergeCandidate, MergePolicy};

/// The most merges one is cut into: a few cores finish the tail, and no merge leaves more than
/// three segments it would not have.
const MAX_PARTS: usize = 4;

/// Tantivy's default log merge policy, each merge it picks cut into up to `parts` merges.
#[derive(Debug)]
pub(super) struct SplitMerges {
    log: LogMergePolicy,
    parts: usize,
}

impl SplitMerges {
    /// Cuts merges into one per thread, up to [`MAX_PARTS`].
    pub(super) fn new(threads: usize) -> SplitMerges {
        SplitMerges {
            log: LogMergePolicy::default(),
            parts: threads.clamp(1, MAX_PARTS),
        }
    }
}

impl MergePolicy for SplitMerges {
    fn compute_merge_candidates(&self, segments: &[SegmentMeta]) -> Vec<MergeCandidate> {
        let docs = |id: &SegmentId| {
            segments
                .iter()
                .find(|s| s.id() == *id)
                .map_or(0, SegmentMeta::max_doc)
        };
        self.log
            .compute_merge_candidates(segments)
            .into_iter()
            .flat_map(|candidate| split(candidate.0, self.parts, docs))
            .map(MergeCandidate)
            .collect()
    }
}

/// `segments` in up to `parts` groups holding about as many documents each (the largest
/// segment first, each into the group with the fewest so far). A group of one segment is left
/// out: merging a segment alone would only copy it. Fewer than two segments a part stay whole.
fn split<Id: Copy>(segments: Vec<Id>, parts: usize, docs: impl Fn(&Id) -> u32) -> Vec<Vec<Id>> {
    if parts < 2 || segments.len() < 2 * parts {
        return vec![segments];
    }
    let mut sized: Vec<(u32, Id)> = segments.iter().map(|id| (docs(id), *id)).collect();
    sized.sort_by_key(|(n, _)| std::cmp::Reverse(*n));
    let mut groups: Vec<(u64, Vec<Id>)> = vec![(0, Vec::new()); parts];
    for (n, id) in sized {
        if let Some(lightest) = groups.iter_mut().min_by_key(|(total, _)| *total) {
            lightest.0 += u64::from(n);
            lightest.1.push(id);
        }
    }
    groups
        .into_iter()
        .map(|(_, ids)| ids)
        .filter(|ids| ids.len() > 1)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sizes(groups: &[Vec<u32>]) -> Vec<u32> {
        groups.iter().map(|g| g.iter().sum()).collect()
    }

    #[test]
    fn a_merge_is_cut_into_parts_of_about_equal_size() {
        // Segment ids stand for their own sizes here.
        let segments = vec![300, 280, 310, 120, 290, 305, 15, 295];
        let groups = split(segments.clone(), 2, |&n| n);
        assert_eq!(groups.len(), 2);
        let mut all: Vec<u32> = groups.concat();
        all.sort_unstable();
        let mut expected = segments;
        expected.sort_unstable();
        assert_eq!(all, expected, "every segment merged once");
        let sizes = sizes(&groups);
        assert!(sizes[0].abs_diff(sizes[1]) <= 310, "{sizes:?}");
    }

    #[test]
    fn small_merges_and_one_part_stay_whole() {
        assert_eq!(split(vec![5, 6, 7], 2, |&n| n), vec![vec![5, 6, 7]]);
        assert_eq!(split(vec![5, 6, 7, 8], 1, |&n| n), vec![vec![5, 6, 7, 8]]);
    }

    #[test]
    fn the_log_policys_merge_becomes_one_per_part() {
        let index = tantivy::Index::create_in_ram(tantivy::schema::Schema::builder().build());
        let big = index.new_segment_meta(SegmentId::generate_random(), 3_000_000);
        let mut segments = vec![big.clone()];
        for docs in [
            300_000, 280_000, 310_000, 290_000, 305_000, 295_000, 285_000, 260_000,
        ] {
            segments.push(index.new_segment_meta(SegmentId::generate_random(), docs));
        }
        let whole = LogMergePolicy::default().compute_merge_candidates(&segments);
        assert_eq!(whole.len(), 1, "the eight similar segments are one level");
        let parts = SplitMerges::new(2).compute_merge_candidates(&segments);
        assert_eq!(parts.len(), 2);
        let mut merged: Vec<SegmentId> = parts.iter().flat_map(|c| c.0.clone()).collect();
        let mut expected = whole[0].0.clone();
        merged.sort();
        expected.sort();
        assert_eq!(merged, expected);
        assert!(!merged.contains(&big.id()));
    }

    #[test]
    fn a_segment_alone_in_its_part_is_not_merged() {
        let groups = split(vec![1000, 1, 2, 3], 2, |&n| n);
        assert_eq!(groups, vec![vec![3, 2, 1]]);
    }
}
