//! Dates in the forms news archives write them, parsed to UTC.
//!
//! Archives mix RFC 3339 timestamps, RFC 2822 mail dates, ISO days, "22 Sep 2016",
//! "September 22, 2016", Reuters' "26-FEB-1987 15:01:01.79" and Unix seconds. A date without a
//! zone is taken as UTC; a date without a time is midnight UTC.

use std::sync::LazyLock;

use chrono::format::{Item, Parsed, StrftimeItems};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};

/// Parses a date in any of the supported forms; `None` when none fits. When the whole text
/// does not fit, its leading words are tried, so a date followed by junk ("27-MAR-1987
/// 605:12:19") still yields its day.
pub fn parse(text: &str) -> Option<DateTime<Utc>> {
    let s = text.trim().trim_matches('"').trim();
    parse_whole(s).or_else(|| {
        let words: Vec<&str> = s.split_whitespace().collect();
        (1..words.len().min(6))
            .rev()
            .find_map(|n| parse_whole(&words[..n].join(" ")))
    })
}

fn parse_whole(s: &str) -> Option<DateTime<Utc>> {
    if s.is_empty() || s.len() > 64 {
        return None;
    }
    if let Some(d) = unix_seconds(s) {
        return Some(d);
    }
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Some(d.with_timezone(&Utc));
    }
    if let Ok(d) = DateTime::parse_from_rfc2822(s) {
        return Some(d.with_timezone(&Utc));
    }
    let formats = &*FORMATS;
    if let Some(d) = formats
        .zoned
        .iter()
        .find_map(|f| f.read(s)?.to_datetime().ok())
    {
        return Some(d.with_timezone(&Utc));
    }
    let cleaned = clean(s);
    let naive = |f: &Format| f.read(&cleaned)?.to_naive_datetime_with_offset(0).ok();
    if let Some(d) = formats.naive_datetime.iter().find_map(naive) {
        return Some(Utc.from_utc_datetime(&d));
    }
    let day = |f: &Format| f.read(&cleaned)?.to_naive_date().ok();
    let d = formats.naive_date.iter().find_map(day)?;
    d.and_hms_opt(0, 0, 0).map(|d| Utc.from_utc_datetime(&d))
}

/// A strftime format read once. chrono's `parse_from_str` reads its format string again on
/// every call, and a Reuters date is tried against a dozen formats before its own: that
/// reading was most of the dates' time (half a percent of indexing Reuters).
struct Format(Vec<Item<'static>>);

impl Format {
    fn new(format: &'static str) -> Format {
        Format(StrftimeItems::new(format).collect())
    }

    /// The fields `s` gives when it is written exactly in this format.
    fn read(&self, s: &str) -> Option<Parsed> {
        let mut parsed = Parsed::new();
        chrono::format::parse(&mut parsed, s, self.0.iter()).ok()?;
        Some(parsed)
    }
}

/// The formats [`parse_whole`] tries after RFC 3339 and RFC 2822, in order.
struct Formats {
    zoned: Vec<Format>,
    naive_datetime: Vec<Format>,
    naive_date: Vec<Format>,
}

static FORMATS: LazyLock<Formats> = LazyLock::new(|| {
    let all = |formats: &[&'static str]| formats.iter().copied().map(Format::new).collect();
    Formats {
        zoned: all(ZONED_FORMATS),
        naive_datetime: all(NAIVE_DATETIME_FORMATS),
        naive_date: all(NAIVE_DATE_FORMATS),
    }
});

/// Finds a date written into a path, like `2016-09-22` or `20160922`, as archives name files.
pub fn from_path(path: &str) -> Option<DateTime<Utc>> {
    let bytes = path.as_bytes();
    let digit = |i: usize| bytes.get(i).is_some_and(u8::is_ascii_digit);
    let mut i = 0;
    while i < bytes.len() {
        // A candidate starts at a digit not preceded by another digit.
        if digit(i) && (i == 0 || !digit(i - 1)) {
            let run = (i..bytes.len()).take_while(|&j| digit(j)).count();
            let found = if run == 4 {
                // 2016-09-22, 2016_09_22 or 2016/09/22
                let sep = bytes.get(i + 4).copied();
                if matches!(sep, Some(b'-' | b'_' | b'/' | b'.'))
                    && digit(i + 5)
                    && digit(i + 6)
                    && bytes.get(i + 7).copied() == sep
                    && digit(i + 8)
                    && digit(i + 9)
                    && !digit(i + 10)
                {
                    ymd(&path[i..i + 4], &path[i + 5..i + 7], &path[i + 8..i + 10])
                } else {
                    None
                }
            } else if run == 8 {
                ymd(&path[i..i + 4], &path[i + 4..i + 6], &path[i + 6..i + 8])
            } else {
                None
            };
            if found.is_some() {
                return found;
            }
            i += run;
        } else {
            i += 1;
        }
    }
    None
}

fn ymd(y: &str, m: &str, d: &str) -> Option<DateTime<Utc>> {
    let (y, m, d) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    if !(1900..=2100).contains(&y) {
        return None;
    }
    NaiveDate::from_ymd_opt(y, m, d)?
        .and_hms_opt(0, 0, 0)
        .map(|d| Utc.from_utc_datetime(&d))
}

/// Unix seconds (or milliseconds, as JavaScript exports write them) as a bare integer.
fn unix_seconds(s: &str) -> Option<DateTime<Utc>> {
    if !s.bytes().all(|b| b.is_ascii_digit()) || !(9..=13).contains(&s.len()) {
        return None;
    }
    let n: i64 = s.parse().ok()?;
    let secs = if s.len() == 13 { n / 1000 } else { n };
    DateTime::from_timestamp(secs, 0)
}

/// Normalises what chrono's formats cannot express: Reuters' hundredths of a second, trailing
/// zone names ("UTC", "GMT", "Z"), ordinal suffixes ("22nd") and repeated spaces.
fn clean(s: &str) -> String {
    let mut words: Vec<String> = s.split_whitespace().map(str::to_string).collect();
    if let Some(last) = words.last() {
        if matches!(
            last.to_ascii_uppercase().as_str(),
            "UTC" | "GMT" | "Z" | "ET" | "EST" | "EDT"
        ) {
            words.pop();
        }
    }
    for w in &mut words {
        let (core, comma) = match w.strip_suffix(',') {
            Some(core) => (core, ","),
            None => (w.as_str(), ""),
        };
        let lower = core.to_ascii_lowercase();
        let replacement = if lower == "sept" || lower == "sept." {
            Some(format!("Sep{comma}"))
        } else {
            ["st", "nd", "rd", "th"].iter().find_map(|suffix| {
                let num = lower.strip_suffix(suffix)?;
                let is_day =
                    (1..=2).contains(&num.len()) && num.bytes().all(|b| b.is_ascii_digit());
                is_day.then(|| format!("{num}{comma}"))
            })
        };
        if let Some(r) = replacement {
            *w = r;
        }
    }
    words.join(" ")
}

/// Zoned forms that are almost RFC 3339.
const ZONED_FORMATS: &[&str] = &[
    "%Y-%m-%d %H:%M:%S%.f%:z",
    "%Y-%m-%d %H:%M:%S%.f%z",
    "%Y-%m-%dT%H:%M:%S%.f%z",
];

const NAIVE_DATETIME_FORMATS: &[&str] = &[
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%d-%b-%Y %H:%M:%S%.f", // Reuters-21578: 26-FEB-1987 15:01:01.79
    "%d %b %Y %H:%M:%S",
    "%d %B %Y %H:%M:%S",
    "%B %d, %Y %H:%M",
    "%B %d, %Y %I:%M %p",
    "%b %d, %Y %I:%M %p",
    "%a, %d %b %Y %H:%M:%S",
    "%a %b %d %H:%M:%S %Y",
];

const NAIVE_DATE_FORMATS: &[&str] = &[
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%Y%m%d",
    "%d %b %Y",
    "%d %B %Y",
    "%b %d, %Y",
    "%B %d, %Y",
    "%b %d %Y",
    "%B %d %Y",
    "%a, %d %b %Y",
    "%A, %B %d, %Y",
    "%d-%b-%Y",
    "%d.%m.%Y",
    "%m/%d/%Y",
    "%d %b. %Y",
    "%b. %d, %Y",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn iso(s: &str) -> String {
        parse(s)
            .map(|d| d.to_rfc3339())
            .unwrap_or_else(|| "none".into())
    }

    #[test]
    fn parses_the_forms_news_archives_use() {
        let cases = [
            ("2016-09-22T10:30:00Z", "2016-09-22T10:30:00+00:00"),
            ("2016-09-22T12:30:00+02:00", "2016-09-22T10:30:00+00:00"),
            (
                "Thu, 22 Sep 2016 10:30:00 +0000",
                "2016-09-22T10:30:00+00:00",
            ),
            ("Thu, 22 Sep 2016 10:30:00 GMT", "2016-09-22T10:30:00+00:00"),
            ("2016-09-22", "2016-09-22T00:00:00+00:00"),
            ("22 Sep 2016", "2016-09-22T00:00:00+00:00"),
            ("22 September 2016", "2016-09-22T00:00:00+00:00"),
            ("September 22, 2016", "2016-09-22T00:00:00+00:00"),
            ("Sept 22, 2016", "2016-09-22T00:00:00+00:00"),
            ("Sep 22, 2016", "2016-09-22T00:00:00+00:00"),
            ("September 22nd, 2016", "2016-09-22T00:00:00+00:00"),
            ("26-FEB-1987 15:01:01.79", "1987-02-26T15:01:01.790+00:00"),
            (" 2-MAR-1987 08:43:25.94", "1987-03-02T08:43:25.940+00:00"),
            ("1474540200", "2016-09-22T10:30:00+00:00"),
            ("1474540200000", "2016-09-22T10:30:00+00:00"),
            ("2016-09-22 10:30:00", "2016-09-22T10:30:00+00:00"),
            ("2016-09-22 10:30:00 UTC", "2016-09-22T10:30:00+00:00"),
            ("20160922", "2016-09-22T00:00:00+00:00"),
            ("31-MAR-1987 605:12:19.12", "1987-03-31T00:00:00+00:00"),
        ];
        for (input, want) in cases {
            assert_eq!(iso(input), want, "parsing {input:?}");
        }
    }

    /// A format read once parses what chrono's `parse_from_str` parses, to the same value.
    #[test]
    fn formats_read_once_parse_as_chrono_does() {
        use chrono::NaiveDateTime;
        let when = NaiveDate::from_ymd_opt(2016, 9, 2)
            .and_then(|d| d.and_hms_milli_opt(14, 30, 5, 120))
            .expect("a valid time");
        let zoned = when.and_utc().fixed_offset();
        let formats = &*FORMATS;
        for (f, format) in ZONED_FORMATS.iter().zip(&formats.zoned) {
            for (s, fits) in [
                (zoned.format(f).to_string(), true),
                ("2016-09-02".into(), false),
            ] {
                let ours = format.read(&s).and_then(|p| p.to_datetime().ok());
                assert_eq!(ours.is_some(), fits, "{f} on {s}");
                assert_eq!(ours, DateTime::parse_from_str(&s, f).ok(), "{f} on {s}");
            }
        }
        for (f, format) in NAIVE_DATETIME_FORMATS.iter().zip(&formats.naive_datetime) {
            for (s, fits) in [
                (when.format(f).to_string(), true),
                ("2016-09-02".into(), false),
            ] {
                let ours = format
                    .read(&s)
                    .and_then(|p| p.to_naive_datetime_with_offset(0).ok());
                assert_eq!(ours.is_some(), fits, "{f} on {s}");
                assert_eq!(
                    ours,
                    NaiveDateTime::parse_from_str(&s, f).ok(),
                    "{f} on {s}"
                );
            }
        }
        for (f, format) in NAIVE_DATE_FORMATS.iter().zip(&formats.naive_date) {
            for (s, fits) in [(when.format(f).to_string(), true), ("14:30".into(), false)] {
                let ours = format.read(&s).and_then(|p| p.to_naive_date().ok());
                assert_eq!(ours.is_some(), fits, "{f} on {s}");
                assert_eq!(ours, NaiveDate::parse_from_str(&s, f).ok(), "{f} on {s}");
            }
        }
    }

    #[test]
    fn odd_dates_are_none_not_panics() {
        for s in [
            "",
            "yesterday",
            "2016-13-45",
            "32 Sep 2016",
            "99999999999999999999",
            "-",
            "٢٠١٦",
        ] {
            assert_eq!(parse(s), None, "{s:?}");
        }
    }

    #[test]
    fn finds_dates_written_into_paths() {
        let day = |p: &str| from_path(p).map(|d| d.date_naive().to_string());
        assert_eq!(
            day("nyt_2016-09-22_slug.txt").as_deref(),
            Some("2016-09-22")
        );
        assert_eq!(
            day("archive/2016/09/22/story.txt").as_deref(),
            Some("2016-09-22")
        );
        assert_eq!(
            day("wire-20160922-0001.json").as_deref(),
            Some("2016-09-22")
        );
        assert_eq!(day("story-123456789.txt"), None);
        assert_eq!(day("2016-19-22.txt"), None);
        assert_eq!(day("no-date-here.md"), None);
    }
}
