//! Text that is not UTF-8: byte order marks, a saved page's declared charset, and the
//! Windows-1252 (Latin-1) files older archives are full of.
//!
//! Valid UTF-8 is always taken as UTF-8: a legacy text is very unlikely to be valid UTF-8 by
//! chance, and pages saved from a browser keep their old `<meta charset>` while the bytes were
//! rewritten as UTF-8. Otherwise a byte order mark or a declared charset decides, and a text
//! with neither is read as Windows-1252 when its stray bytes look like single-byte letters
//! (`caf\xe9`), or as UTF-8 with replacement characters when it is mostly UTF-8 with a few
//! broken sequences.

use encoding_rs::{Encoding, UTF_16BE, UTF_16LE, UTF_8, WINDOWS_1252};

/// How bytes became text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decoding {
    /// UTF-8, or an encoding the bytes named (a byte order mark, a declared charset).
    Named,
    /// Not UTF-8 and nothing named an encoding: read as this one, a guess worth reporting.
    Guessed(&'static Encoding),
    /// Invalid sequences (of mostly UTF-8 text, or of a named encoding) were replaced.
    Replaced,
}

impl Decoding {
    /// The one to report of two (a row's fields): replaced bytes, then a guess.
    pub fn worse(self, other: Decoding) -> Decoding {
        match (self, other) {
            (Decoding::Replaced, _) | (_, Decoding::Replaced) => Decoding::Replaced,
            (Decoding::Guessed(e), _) | (_, Decoding::Guessed(e)) => Decoding::Guessed(e),
            _ => Decoding::Named,
        }
    }
}

/// Where a file may name its own encoding besides a byte order mark.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Declared {
    /// Plain text, SGML: only a byte order mark.
    Nowhere,
    /// A web page: `<meta charset>` or `<meta http-equiv="Content-Type">` near its start.
    HtmlMeta,
}

/// How far into a page a browser looks for `<meta charset>` (the HTML standard's prescan).
const HTML_PRESCAN_BYTES: usize = 1024;

/// Decodes a whole file's bytes (see the module's doc for the order of the rules).
pub fn decode(bytes: Vec<u8>, declared: Declared) -> (String, Decoding) {
    if let Some((encoding, bom)) = Encoding::for_bom(&bytes) {
        return decode_as(encoding, &bytes[bom..]);
    }
    let bytes = match String::from_utf8(bytes) {
        Ok(text) => return (text, Decoding::Named),
        Err(e) => e.into_bytes(),
    };
    let named = match declared {
        Declared::Nowhere => None,
        Declared::HtmlMeta => html_charset(&bytes),
    };
    match named {
        Some(encoding) => decode_as(encoding, &bytes),
        None => decode_unlabelled(&bytes),
    }
}

/// A file's first bytes as UTF-8 when a UTF-16 byte order mark starts them (to tell the
/// format from them; UTF-16 text is full of NUL bytes, which otherwise mean binary).
pub fn utf16_head(head: &[u8]) -> Option<Vec<u8>> {
    match Encoding::for_bom(head) {
        Some((encoding, bom)) if encoding != UTF_8 => {
            let (text, _) = encoding.decode_without_bom_handling(&head[bom..]);
            Some(text.into_owned().into_bytes())
        }
        _ => None,
    }
}

/// Decodes one record's bytes (a CSV field), where nothing names an encoding.
pub fn decode_unlabelled(bytes: &[u8]) -> (String, Decoding) {
    if let Ok(text) = std::str::from_utf8(bytes) {
        return (text.to_string(), Decoding::Named);
    }
    if looks_single_byte(bytes) {
        let (text, _) = WINDOWS_1252.decode_without_bom_handling(bytes);
        (text.into_owned(), Decoding::Guessed(WINDOWS_1252))
    } else {
        (
            String::from_utf8_lossy(bytes).into_owned(),
            Decoding::Replaced,
        )
    }
}

/// Whether a text that is not valid UTF-8 is rather in a single-byte encoding: its broken
/// sequences outnumber the multi-byte characters that are valid (usually there are none).
fn looks_single_byte(bytes: &[u8]) -> bool {
    let (mut valid, mut broken) = (0usize, 0usize);
    for chunk in bytes.utf8_chunks() {
        valid += chunk.valid().chars().filter(|c| !c.is_ascii()).count();
        broken += usize::from(!chunk.invalid().is_empty());
    }
    broken > valid
}

fn decode_as(encoding: &'static Encoding, bytes: &[u8]) -> (String, Decoding) {
    let (text, replaced) = encoding.decode_without_bom_handling(bytes);
    let decoding = if replaced {
        Decoding::Replaced
    } else {
        Decoding::Named
    };
    (text.into_owned(), decoding)
}

/// The charset a page declares in its first kilobyte, as `<meta charset="…">` or
/// `<meta http-equiv="Content-Type" content="text/html; charset=…">` both have it: the
/// word `charset`, an `=`, and a label. A page cannot be UTF-16 if its meta tag reads as
/// ASCII, so a UTF-16 label means UTF-8 (as browsers take it).
pub fn html_charset(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = &bytes[..bytes.len().min(HTML_PRESCAN_BYTES)];
    let lower = head.to_ascii_lowercase();
    let mut from = 0;
    while let Some(at) = memchr::memmem::find(&lower[from..], b"charset") {
        let rest = &lower[from + at + b"charset".len()..];
        from += at + 1;
        let rest = rest.trim_ascii_start();
        let Some(rest) = rest.strip_prefix(b"=") else {
            continue;
        };
        let rest = rest.trim_ascii_start();
        let rest = rest
            .strip_prefix(b"\"")
            .or(rest.strip_prefix(b"'"))
            .unwrap_or(rest);
        let end = rest
            .iter()
            .position(|&b| {
                matches!(b, b'"' | b'\'' | b';' | b'>' | b'/') || b.is_ascii_whitespace()
            })
            .unwrap_or(rest.len());
        let encoding = Encoding::for_label(&rest[..end])?;
        return Some(if encoding == UTF_16LE || encoding == UTF_16BE {
            UTF_8
        } else {
            encoding
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_stays_utf8_even_where_a_page_declares_latin1() {
        let page = "<meta charset=\"iso-8859-1\"><p>Café</p>"
            .as_bytes()
            .to_vec();
        assert_eq!(
            decode(page, Declared::HtmlMeta),
            (
                "<meta charset=\"iso-8859-1\"><p>Café</p>".to_string(),
                Decoding::Named
            )
        );
    }

    #[test]
    fn latin1_without_a_label_is_read_as_windows_1252_and_said_to_be_a_guess() {
        let (text, how) = decode(
            b"Caf\xe9 owners \x93protest\x94 \xa315m".to_vec(),
            Declared::Nowhere,
        );
        assert_eq!(text, "Café owners \u{201c}protest\u{201d} £15m");
        assert_eq!(how, Decoding::Guessed(WINDOWS_1252));
    }

    #[test]
    fn mostly_utf8_with_a_broken_byte_keeps_utf8_and_replaces_it() {
        let (text, how) = decode(
            "Zürich, Köln, Genève \u{2014} "
                .bytes()
                .chain([0xff])
                .collect(),
            Declared::Nowhere,
        );
        assert_eq!(text, "Zürich, Köln, Genève \u{2014} \u{fffd}");
        assert_eq!(how, Decoding::Replaced);
    }

    #[test]
    fn byte_order_marks_name_utf16_and_utf8() {
        let mut utf16: Vec<u8> = vec![0xff, 0xfe];
        utf16.extend(
            "Héadline\n\nBody."
                .encode_utf16()
                .flat_map(u16::to_le_bytes),
        );
        assert_eq!(
            decode(utf16, Declared::Nowhere),
            ("Héadline\n\nBody.".to_string(), Decoding::Named)
        );
        let mut utf16be: Vec<u8> = vec![0xfe, 0xff];
        utf16be.extend("Ünion".encode_utf16().flat_map(u16::to_be_bytes));
        assert_eq!(decode(utf16be, Declared::Nowhere).0, "Ünion");
        assert_eq!(
            decode(b"\xef\xbb\xbfPlain".to_vec(), Declared::Nowhere),
            ("Plain".to_string(), Decoding::Named)
        );
    }

    #[test]
    fn a_pages_declared_charset_decides_for_bytes_that_are_not_utf8() {
        // Windows-1251 Cyrillic: "Москва".
        let mut page = b"<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=windows-1251\">".to_vec();
        page.extend_from_slice(b"<p>\xcc\xee\xf1\xea\xe2\xe0</p>");
        let (text, how) = decode(page, Declared::HtmlMeta);
        assert!(text.ends_with("<p>Москва</p>"), "{text}");
        assert_eq!(how, Decoding::Named);
        // The same bytes in a text file name nothing: a guess, and said to be one.
        let (_, how) = decode(b"\xcc\xee\xf1\xea\xe2\xe0".to_vec(), Declared::Nowhere);
        assert_eq!(how, Decoding::Guessed(WINDOWS_1252));
    }

    #[test]
    fn the_prescan_finds_both_meta_forms_and_ignores_what_is_no_label() {
        assert_eq!(
            html_charset(b"<meta charset=ISO-8859-15>"),
            Encoding::for_label(b"iso-8859-15")
        );
        assert_eq!(
            html_charset(b"<meta charset = 'shift_jis' />"),
            Some(encoding_rs::SHIFT_JIS)
        );
        assert_eq!(html_charset(b"<meta charset=\"utf-16\">"), Some(UTF_8));
        assert_eq!(html_charset(b"<p>the charset of a page</p>"), None);
        assert_eq!(html_charset(b"<meta charset=\"klingon\">"), None);
        let late = [&[b' '; 2000][..], b"<meta charset=latin1>"].concat();
        assert_eq!(html_charset(&late), None);
    }
}
