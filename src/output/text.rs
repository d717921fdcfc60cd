//! Text output for people: each hit as a header line (rank, title, date, source, score), the
//! file it came from, and the passage with matched words marked, white space tidied.

use std::io::{self, Write};

use crate::search::Hit;

/// How highlights are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Marks {
    /// ANSI colour, for terminals.
    Color,
    /// `**word**`, readable anywhere.
    Plain,
}

const BOLD: &str = "\x1b[1m";
const MATCH: &str = "\x1b[1;31m";
const DIM: &str = "\x1b[2m";
const RESET: &str = "\x1b[0m";

pub fn write_hit<W: Write>(out: &mut W, hit: &Hit, marks: Marks) -> io::Result<()> {
    let (bold, dim, reset) = match marks {
        Marks::Color => (BOLD, DIM, RESET),
        Marks::Plain => ("", "", ""),
    };
    let mut meta = Vec::new();
    if let Some(date) = &hit.date {
        meta.push(date.get(..10).unwrap_or(date).to_string());
    }
    if let Some(source) = &hit.source {
        meta.push(source.clone());
    }
    if let Some(score) = hit.score {
        meta.push(format!("score {score:.2}"));
    }
    writeln!(
        out,
        "{bold}{}. {}{reset}  {dim}({}){reset}",
        hit.rank,
        marked(&hit.title, &hit.title_highlights, marks),
        meta.join(", ")
    )?;
    let place = hit.url.as_deref().unwrap_or(&hit.path);
    writeln!(out, "   {dim}{place}  passage {}{reset}", hit.passage)?;
    writeln!(out, "   {}", marked(&hit.text, &hit.highlights, marks))?;
    writeln!(out)
}

/// The text with its highlighted ranges marked and runs of white space folded to one space.
pub fn marked(text: &str, ranges: &[[usize; 2]], marks: Marks) -> String {
    let (open, close) = match marks {
        Marks::Color => (MATCH, RESET),
        Marks::Plain => ("**", "**"),
    };
    let mut out = String::with_capacity(text.len() + ranges.len() * 8);
    let mut at = 0;
    let push_folded = |out: &mut String, piece: &str| {
        let mut last_space = out.ends_with(' ') || out.is_empty();
        for c in piece.chars() {
            if c.is_whitespace() {
                if !last_space {
                    out.push(' ');
                }
                last_space = true;
            } else {
                out.push(c);
                last_space = false;
            }
        }
    };
    for &[start, end] in ranges {
        if start < at
            || end > text.len()
            || !text.is_char_boundary(start)
            || !text.is_char_boundary(end)
        {
            continue;
        }
        push_folded(&mut out, &text[at..start]);
        out.push_str(open);
        out.push_str(&text[start..end]);
        out.push_str(close);
        at = end;
    }
    push_folded(&mut out, &text[at..]);
    out.trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_ranges_and_folds_white_space() {
        let text = "Oil  prices\nrose sharply.\n\n";
        assert_eq!(
            marked(text, &[[0, 3], [5, 11]], Marks::Plain),
            "**Oil** **prices** rose sharply."
        );
    }

    #[test]
    fn ignores_ranges_that_do_not_fit() {
        assert_eq!(marked("héllo", &[[1, 2], [0, 99]], Marks::Plain), "héllo");
    }
}
