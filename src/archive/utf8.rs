//! UTF-8 repaired as it streams: what is invalid becomes U+FFFD exactly as
//! `String::from_utf8_lossy` would make it, without holding the whole stream, so a parser can
//! read a damaged dump of any size as it arrives.

use std::io::{self, Read};

/// U+FFFD, which stands for each invalid sequence.
const REPLACEMENT: &[u8] = "\u{FFFD}".as_bytes();
/// The byte order mark some editors put first; it is no part of the text.
const BOM: &[u8] = "\u{FEFF}".as_bytes();
/// Bytes asked of the inner stream at a time.
const CHUNK: usize = 1 << 16;

/// A reader of valid UTF-8 over a reader of bytes that should be UTF-8. A leading byte order
/// mark is dropped.
pub struct LossyUtf8<R> {
    inner: R,
    /// Bytes read but not yet checked: the start of a character a read cut in two.
    pending: Vec<u8>,
    /// Checked bytes, handed out from `at`.
    out: Vec<u8>,
    at: usize,
    ended: bool,
    replaced: bool,
    started: bool,
}

impl<R: Read> LossyUtf8<R> {
    pub fn new(inner: R) -> LossyUtf8<R> {
        LossyUtf8 {
            inner,
            pending: Vec::new(),
            out: Vec::with_capacity(CHUNK + REPLACEMENT.len()),
            at: 0,
            ended: false,
            replaced: false,
            started: false,
        }
    }

    /// Whether anything invalid has been replaced so far.
    pub fn replaced(&self) -> bool {
        self.replaced
    }

    /// Reads the next chunk and checks it into `out`, keeping a cut character's start back.
    fn refill(&mut self) -> io::Result<()> {
        self.out.clear();
        self.at = 0;
        let had = self.pending.len();
        self.pending.resize(had + CHUNK, 0);
        let read = self.inner.read(&mut self.pending[had..]);
        self.pending.truncate(had + *read.as_ref().unwrap_or(&0));
        if read? == 0 {
            self.ended = true;
        }
        let mut rest = self.pending.as_slice();
        while !rest.is_empty() {
            match std::str::from_utf8(rest) {
                Ok(_) => {
                    self.out.extend_from_slice(rest);
                    rest = &[];
                }
                Err(e) => {
                    let (valid, after) = rest.split_at(e.valid_up_to());
                    self.out.extend_from_slice(valid);
                    match e.error_len() {
                        Some(bad) => {
                            self.out.extend_from_slice(REPLACEMENT);
                            self.replaced = true;
                            rest = &after[bad..];
                        }
                        // A character cut off by the end of the stream is invalid too.
                        None if self.ended => {
                            self.out.extend_from_slice(REPLACEMENT);
                            self.replaced = true;
                            rest = &[];
                        }
                        None => {
                            rest = after;
                            break;
                        }
                    }
                }
            }
        }
        let keep = rest.len();
        let from = self.pending.len() - keep;
        self.pending.copy_within(from.., 0);
        self.pending.truncate(keep);
        if !self.started && !self.out.is_empty() {
            self.started = true;
            if self.out.starts_with(BOM) {
                self.at = BOM.len();
            }
        }
        Ok(())
    }
}

impl<R: Read> Read for LossyUtf8<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.at == self.out.len() {
            if self.ended {
                return Ok(0);
            }
            self.refill()?;
        }
        let n = buf.len().min(self.out.len() - self.at);
        buf[..n].copy_from_slice(&self.out[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Hands out its bytes a few at a time, as a decompressor or a pipe may.
    struct Trickle<'a> {
        bytes: &'a [u8],
        sizes: Vec<usize>,
        turn: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let size = self.sizes[self.turn % self.sizes.len()];
            self.turn += 1;
            let n = size.min(buf.len()).min(self.bytes.len());
            buf[..n].copy_from_slice(&self.bytes[..n]);
            self.bytes = &self.bytes[n..];
            Ok(n)
        }
    }

    fn repaired(bytes: &[u8], sizes: Vec<usize>) -> (String, bool) {
        let mut lossy = LossyUtf8::new(Trickle {
            bytes,
            sizes,
            turn: 0,
        });
        let mut out = String::new();
        lossy.read_to_string(&mut out).unwrap();
        (out, lossy.replaced())
    }

    #[test]
    fn a_character_cut_between_reads_comes_through_whole() {
        let text = "Zoë said “no” — 東京";
        let (out, replaced) = repaired(text.as_bytes(), vec![1, 2]);
        assert_eq!(out, text);
        assert!(!replaced);
    }

    #[test]
    fn invalid_bytes_and_a_cut_off_end_are_replaced_and_a_bom_dropped() {
        let bytes = b"\xEF\xBB\xBFok \xFF then \xE2\x82 and \xF0\x9F\x98";
        let (out, replaced) = repaired(bytes, vec![3]);
        assert_eq!(out, "ok \u{FFFD} then \u{FFFD} and \u{FFFD}");
        assert!(replaced);
    }

    proptest! {
        #[test]
        fn the_same_as_from_utf8_lossy_however_the_stream_is_cut(
            bytes in proptest::collection::vec(
                prop_oneof![any::<u8>(), Just(0xE2u8), Just(0x82u8), Just(0xACu8), Just(0xF0u8), Just(0x9Fu8)],
                0..200,
            ),
            sizes in proptest::collection::vec(1usize..7, 1..5),
        ) {
            let lossy = String::from_utf8_lossy(&bytes);
            let expected = lossy.strip_prefix('\u{FEFF}').unwrap_or(&lossy);
            let (out, replaced) = repaired(&bytes, sizes);
            prop_assert_eq!(out.as_str(), expected);
            prop_assert_eq!(replaced, std::str::from_utf8(&bytes).is_err());
        }
    }
}
