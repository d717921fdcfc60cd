//! The elements of a JSON array as they stream in, cut out by a scan that knows only strings
//! and nesting, so each can be parsed alone from a slice: several times faster than parsing
//! the whole array from a reader, byte by byte, and it never holds more than one element.

use std::io::{self, Read};

/// Bytes asked of the reader at a time.
const CHUNK: usize = 1 << 16;

/// How the array ended.
pub enum Ending {
    /// At its closing bracket; `rest` is what was read past it.
    Closed { rest: Vec<u8> },
    /// The stream ended inside the array, `unfinished` the element it ended in.
    Cut { unfinished: Vec<u8> },
    /// `each` asked to stop.
    Stopped,
}

/// Where a scan is inside the current element.
#[derive(Default)]
struct Scan {
    /// The next byte to look at.
    at: usize,
    depth: usize,
    in_string: bool,
}

/// Calls `each` with the bytes of every element of the array `reader` is at (its `[` already
/// read), in order, as soon as the element is whole; `each` returns `false` to stop. The
/// bytes are the element as written, white space around it included.
pub fn elements(reader: &mut impl Read, mut each: impl FnMut(&[u8]) -> bool) -> io::Result<Ending> {
    let mut buf: Vec<u8> = Vec::with_capacity(CHUNK);
    let mut start = 0;
    let mut first = true;
    let mut scan = Scan::default();
    loop {
        match end_of_element(&buf, &mut scan) {
            Some(end) => {
                let element = &buf[start..end];
                let closing = buf[end] == b']';
                // `[]` has no element; an empty one anywhere else is for the parser to refuse.
                let none = closing && first && element.iter().all(u8::is_ascii_whitespace);
                first = false;
                if !none && !each(element) {
                    return Ok(Ending::Stopped);
                }
                if closing {
                    return Ok(Ending::Closed {
                        rest: buf[end + 1..].to_vec(),
                    });
                }
                start = end + 1;
                scan = Scan {
                    at: start,
                    ..Scan::default()
                };
            }
            None => {
                // Drop what was handed on before reading more, once it is most of the buffer.
                if start > buf.len() / 2 {
                    buf.drain(..start);
                    scan.at -= start;
                    start = 0;
                }
                let had = buf.len();
                buf.resize(had + CHUNK, 0);
                let read = reader.read(&mut buf[had..]);
                buf.truncate(had + *read.as_ref().unwrap_or(&0));
                if read? == 0 {
                    return Ok(Ending::Cut {
                        unfinished: buf.split_off(start),
                    });
                }
            }
        }
    }
}

/// The position of the `,` or `]` that ends the element being scanned, or `None` when `bytes`
/// end first (`scan` then says where to go on from).
fn end_of_element(bytes: &[u8], scan: &mut Scan) -> Option<usize> {
    let mut i = scan.at;
    while i < bytes.len() {
        if scan.in_string {
            match memchr::memchr2(b'"', b'\\', &bytes[i..]) {
                Some(k) if bytes[i + k] == b'\\' => i += k + 2,
                Some(k) => {
                    scan.in_string = false;
                    i += k + 1;
                }
                None => i = bytes.len(),
            }
            continue;
        }
        match bytes[i] {
            b'"' => scan.in_string = true,
            b'{' | b'[' => scan.depth += 1,
            b'}' | b']' if scan.depth > 0 => scan.depth -= 1,
            b']' | b',' if scan.depth == 0 => {
                scan.at = i;
                return Some(i);
            }
            _ => {}
        }
        i += 1;
    }
    scan.at = i;
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The elements of `json` (which starts just after its `[`), read `size` bytes at a time.
    fn cut(json: &str, size: usize) -> (Vec<String>, &'static str) {
        struct Small<'a>(&'a [u8], usize);
        impl Read for Small<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                let n = self.1.min(buf.len()).min(self.0.len());
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let mut found = Vec::new();
        let ending = elements(&mut Small(json.as_bytes(), size), |e| {
            found.push(String::from_utf8(e.to_vec()).unwrap());
            true
        })
        .unwrap();
        let how = match ending {
            Ending::Closed { .. } => "closed",
            Ending::Cut { .. } => "cut",
            Ending::Stopped => "stopped",
        };
        (found, how)
    }

    #[test]
    fn elements_are_cut_at_top_level_commas_only() {
        let json = r#" {"a": "x, ] y \" }", "b": [1, [2]]}, 3 ,"s\\"]  "#;
        for size in [1, 2, 3, 7, 64] {
            let (found, how) = cut(json, size);
            assert_eq!(
                found,
                [r#" {"a": "x, ] y \" }", "b": [1, [2]]}"#, " 3 ", r#""s\\""#],
                "read {size} bytes at a time"
            );
            assert_eq!(how, "closed");
        }
    }

    proptest::proptest! {
        #[test]
        fn every_element_comes_back_as_written(
            texts in proptest::collection::vec("[a-z\\\\\"{}\\[\\],: é]{0,12}", 0..8),
            size in 1usize..9,
        ) {
            let values: Vec<serde_json::Value> = texts
                .iter()
                .enumerate()
                .map(|(i, t)| match i % 3 {
                    0 => serde_json::json!({"body": t, "tags": [t, {"x": t}]}),
                    1 => serde_json::json!([t, i]),
                    _ => serde_json::json!(t),
                })
                .collect();
            let json = serde_json::to_string_pretty(&values).unwrap();
            let (found, how) = cut(&json[1..], size);
            let back: Vec<serde_json::Value> = found
                .iter()
                .map(|e| serde_json::from_str(e).unwrap())
                .collect();
            proptest::prop_assert_eq!(back, values);
            proptest::prop_assert_eq!(how, "closed");
        }
    }

    #[test]
    fn an_empty_array_has_no_element_and_a_cut_one_says_so() {
        assert_eq!(cut(" ] ", 1), (vec![], "closed"));
        assert_eq!(cut("1, ", 1), (vec!["1".to_string()], "cut"));
        assert_eq!(
            cut("1, ]", 4),
            (vec!["1".to_string(), " ".to_string()], "closed")
        );
    }
}
