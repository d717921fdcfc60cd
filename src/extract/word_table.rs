//! A per-thread table from words (as written) to small values, one cache line per lookup.
//!
//! Extraction looks every word of an article up in tables of what it has already worked out
//! about that word. Those tables outgrow the core's cache, so a lookup's cost is its memory
//! loads: a hash map's control bytes, then its slot, then the key it points to. Here the word
//! and its value sit inline in one aligned 32-byte slot, fixed by the word's hash; a word met
//! later in the same slot takes it over. News vocabulary is Zipfian, so the frequent words keep
//! their slots, and a word pushed out is only worked out again. [`WordIds`] keeps every word
//! (the tagger's ids must not be lost) in the same slots, probing on past a taken one.

use rustc_hash::FxHashMap;

/// Longest word (in bytes) a slot holds; longer words are not kept.
pub const MAX_WORD: usize = 23;

/// A word as a slot holds it: its length, then its bytes zero-padded, compared in one go.
type Key = [u8; MAX_WORD + 1];

/// The key of an empty slot: no word has 255 bytes here.
const EMPTY: Key = [u8::MAX; MAX_WORD + 1];

#[derive(Clone, Copy)]
#[repr(C, align(32))]
struct Slot<V> {
    key: Key,
    value: V,
}

/// A direct-mapped table of `2^bits` slots from short words to values of up to 8 bytes.
pub struct WordTable<V: Copy + Default> {
    slots: Vec<Slot<V>>,
    bits: u32,
}

impl<V: Copy + Default> WordTable<V> {
    /// A table of `2^bits` slots (32 bytes each), allocated on first insert.
    pub fn new(bits: u32) -> WordTable<V> {
        const {
            assert!(
                std::mem::size_of::<Slot<V>>() == 32,
                "values of up to 8 bytes"
            )
        };
        WordTable {
            slots: Vec::new(),
            bits,
        }
    }

    /// The value kept for the word at `place`, if it holds its slot.
    #[inline]
    pub fn get_at(&self, place: &Place) -> Option<V> {
        let slot = self.slots.get(place.home(self.bits))?;
        (slot.key == place.key).then_some(slot.value)
    }

    /// Starts loading the slot of the word at `place`, so that a run of lookups misses the
    /// cache together rather than one after another: issued a few words ahead of the lookup.
    #[inline]
    pub fn prefetch_at(&self, place: &Place) {
        if let Some(slot) = self.slots.get(place.home(self.bits)) {
            prefetch(slot);
        }
    }

    /// Keeps `value` for the word at `place`.
    pub fn insert_at(&mut self, place: &Place, value: V) {
        if self.slots.is_empty() {
            self.slots = empty_slots(1 << self.bits);
        }
        self.slots[place.home(self.bits)] = Slot {
            key: place.key,
            value,
        };
    }

    /// The value kept for `word`, or `make`'s, then kept.
    #[inline]
    pub fn get_or_insert_with(&mut self, word: &str, make: impl FnOnce() -> V) -> V {
        match Place::of(word) {
            Some(place) => self.get_or_insert_at(&place, make),
            None => make(),
        }
    }

    /// [`WordTable::get_or_insert_with`] for a word already placed.
    #[inline]
    pub fn get_or_insert_at(&mut self, place: &Place, make: impl FnOnce() -> V) -> V {
        match self.get_at(place) {
            Some(v) => v,
            None => {
                let v = make();
                self.insert_at(place, v);
                v
            }
        }
    }

    /// Forgets every word.
    pub fn clear(&mut self) {
        self.slots.clear();
    }
}

fn empty_slots<V: Copy + Default>(n: usize) -> Vec<Slot<V>> {
    let empty = Slot {
        key: EMPTY,
        value: V::default(),
    };
    vec![empty; n]
}

/// A word's key and hash, worked out once for its prefetch, lookup and insertion in a
/// [`WordTable`] or [`WordIds`] of any size.
#[derive(Clone, Copy)]
pub struct Place {
    key: Key,
    hash: u64,
}

impl Place {
    /// Where `word` goes; `None` for a word over [`MAX_WORD`] bytes.
    #[inline]
    pub fn of(word: &str) -> Option<Place> {
        if word.len() > MAX_WORD {
            return None;
        }
        let mut key = [0u8; MAX_WORD + 1];
        key[0] = word.len() as u8;
        key[1..=word.len()].copy_from_slice(word.as_bytes());
        Some(Place {
            key,
            hash: hash(&key),
        })
    }

    /// The word's own slot in a table of `2^bits` slots (`bits` ≥ 1).
    #[inline]
    fn home(&self, bits: u32) -> usize {
        (self.hash >> (64 - bits)) as usize
    }
}

/// The hash of a word's key: its three 8-byte lanes mixed.
#[inline]
fn hash(key: &Key) -> u64 {
    let lane = |i: usize| u64::from_le_bytes(key[i * 8..i * 8 + 8].try_into().unwrap());
    (lane(0) ^ lane(1).rotate_left(21) ^ lane(2).rotate_left(42))
        .wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

/// A complete map from words (as written) to ids, its keys inline in the same 32-byte slots
/// as a [`WordTable`], found by probing on from the word's own slot. A lookup is one cache
/// line, which can be asked for words ahead ([`WordIds::prefetch`]); a hash map's is a
/// control byte, then a bucket, and cannot. Words over [`MAX_WORD`] bytes are kept in a map.
#[derive(Default)]
pub struct WordIds {
    slots: Vec<Slot<u32>>,
    bits: u32,
    len: usize,
    long: FxHashMap<String, u32>,
}

/// Slots a [`WordIds`] starts with.
const FIRST_BITS: u32 = 12;

impl WordIds {
    /// The id of `word` (at `place`, when it has one).
    #[inline]
    pub fn get(&self, word: &str, place: Option<&Place>) -> Option<u32> {
        let Some(place) = place else {
            return self.long.get(word).copied();
        };
        if self.slots.is_empty() {
            return None;
        }
        let mask = self.slots.len() - 1;
        let mut at = place.home(self.bits);
        loop {
            let slot = &self.slots[at];
            if slot.key == place.key {
                return Some(slot.value);
            }
            if slot.key == EMPTY {
                return None;
            }
            at = (at + 1) & mask;
        }
    }

    /// Starts loading the slot a lookup of the word at `place` reads first.
    #[inline]
    pub fn prefetch(&self, place: &Place) {
        if self.slots.is_empty() {
            return;
        }
        prefetch(&self.slots[place.home(self.bits)]);
    }

    /// Gives `word` (at `place`, when it has one), not yet kept, the id `id`.
    pub fn insert(&mut self, word: &str, place: Option<&Place>, id: u32) {
        let Some(place) = place else {
            self.long.insert(word.to_string(), id);
            return;
        };
        // At most half full, so that probes stay short.
        if 2 * (self.len + 1) > self.slots.len() {
            self.grow();
        }
        self.put(place.key, place.home(self.bits), id);
        self.len += 1;
    }

    /// Forgets every word, keeping the slots' memory.
    pub fn clear(&mut self) {
        self.slots.fill(Slot {
            key: EMPTY,
            value: 0,
        });
        self.len = 0;
        self.long.clear();
    }

    fn put(&mut self, key: Key, home: usize, id: u32) {
        let mask = self.slots.len() - 1;
        let mut at = home;
        while self.slots[at].key != EMPTY {
            at = (at + 1) & mask;
        }
        self.slots[at] = Slot { key, value: id };
    }

    /// Doubles the slots and puts every kept word in the new ones.
    fn grow(&mut self) {
        self.bits = if self.slots.is_empty() {
            FIRST_BITS
        } else {
            self.bits + 1
        };
        let old = std::mem::replace(&mut self.slots, empty_slots(1 << self.bits));
        for slot in old.into_iter().filter(|s| s.key != EMPTY) {
            let place = Place {
                key: slot.key,
                hash: hash(&slot.key),
            };
            self.put(place.key, place.home(self.bits), slot.value);
        }
    }
}

/// Starts loading the cache line that holds `value`.
#[inline]
pub fn prefetch<T>(value: &T) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        // SAFETY: a prefetch is only a hint: it reads nothing and cannot fault, and SSE is part
        // of every x86_64 CPU.
        unsafe { _mm_prefetch::<_MM_HINT_T0>((value as *const T).cast::<i8>()) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Many more words than slots, and words too long to keep: every answer is the word's own
    /// value or nothing.
    #[test]
    fn a_lookup_answers_only_with_its_own_words_value() {
        let mut table: WordTable<u32> = WordTable::new(6);
        let at = |w: &str| Place::of(w).unwrap();
        let words: Vec<String> = (0..1000).map(|i| format!("w{i}")).collect();
        let value = |w: &str| w[1..].parse::<u32>().unwrap();
        for w in &words {
            table.insert_at(&at(w), value(w));
        }
        let mut kept = 0;
        for w in &words {
            table.prefetch_at(&at(w));
            if let Some(v) = table.get_at(&at(w)) {
                assert_eq!(v, value(w), "{w}");
                kept += 1;
            }
        }
        assert!(kept > 0 && kept <= 64, "{kept} words kept in 64 slots");
        assert_eq!(table.get_at(&at("w")), None);
        assert_eq!(table.get_at(&at("")), None);
        let long = "a".repeat(MAX_WORD + 1);
        assert!(Place::of(&long).is_none(), "too long for a slot");
        assert_eq!(table.get_or_insert_with(&long, || 7), 7);
        assert_eq!(
            table.get_or_insert_with(&long, || 8),
            8,
            "made again each time"
        );
        let longest = "b".repeat(MAX_WORD);
        table.insert_at(&at(&longest), 9);
        assert_eq!(table.get_at(&at(&longest)), Some(9));
        assert_eq!(table.get_or_insert_with("é", || 3), 3);
        assert_eq!(table.get_or_insert_with("é", || 4), 3, "kept");
        table.clear();
        assert_eq!(table.get_at(&at(&longest)), None);
    }

    /// Every word kept answers with its own id, through growth, probing past words of the
    /// same slot, and for words too long for a slot; cleared, none does.
    #[test]
    fn word_ids_keep_every_word() {
        let mut ids = WordIds::default();
        ids.prefetch(&Place::of("empty").unwrap());
        assert_eq!(ids.get("empty", Place::of("empty").as_ref()), None);
        let words: Vec<String> = (0..20_000)
            .map(|i| match i % 3 {
                0 => format!("w{i}"),
                1 => format!("Word{i}-{}", "x".repeat(i % 30)),
                _ => format!("é{i}"),
            })
            .collect();
        let place = |w: &str| Place::of(w);
        for (i, w) in words.iter().enumerate() {
            assert_eq!(ids.get(w, place(w).as_ref()), None, "{w} before");
            ids.insert(w, place(w).as_ref(), i as u32);
        }
        for (i, w) in words.iter().enumerate() {
            if let Some(p) = place(w) {
                ids.prefetch(&p);
            }
            assert_eq!(ids.get(w, place(w).as_ref()), Some(i as u32), "{w}");
        }
        assert!(ids.slots.len() >= 2 * ids.len, "at most half full");
        assert_eq!(ids.get("absent", place("absent").as_ref()), None);
        ids.clear();
        for w in &words {
            assert_eq!(ids.get(w, place(w).as_ref()), None, "{w} after clearing");
        }
        ids.insert("again", place("again").as_ref(), 7);
        assert_eq!(ids.get("again", place("again").as_ref()), Some(7));
    }
}
