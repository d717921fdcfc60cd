//! One tantivy document per passage, carrying its article's metadata.

use std::borrow::Cow;
use std::ops::Range;

use tantivy::schema::TantivyDocument;
use tantivy::DateTime;

use crate::extract::actors::Actors;
use crate::extract::gazetteer::ActorKind;
use crate::extract::keyphrases::Keyphrase;
use crate::extract::quotes::Quote;
use crate::extract::topics::Assigned;
use crate::model::{Article, Passage};
use crate::schema::Fields;

/// A quote as stored with its passage (the `quotes` field), written here and read back by
/// `newsdex quotes`. Fields in alphabetical order, as the JSON objects of earlier versions.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct StoredQuote<'a> {
    /// The cue verb ("said").
    #[serde(borrow)]
    pub cue: Option<Cow<'a, str>>,
    /// In quotation marks, rather than reported.
    pub direct: bool,
    /// Byte range of the quote in the article body.
    pub end: usize,
    /// The speaker's actor id (`person:Ilham Aliyev`).
    #[serde(borrow)]
    pub speaker: Option<Cow<'a, str>>,
    pub start: usize,
}

/// A stable 64-bit FNV-1a hash of an article id. Stable across builds and platforms, unlike
/// std's hasher, because the index stores it.
pub fn article_key(id: &str) -> u64 {
    id.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Where `quotes` (byte ranges in the body) lie in the passage at `passage` (a byte range of
/// the body), as word positions the way the text field numbers them (one per word that
/// [`words`](crate::schema::words::words) cuts): `start << 32 | end`, end exclusive, for each
/// quote with a word in it. `body_words` are the body's words
/// ([`bounds`](crate::schema::words::bounds)): a word is a run
/// of letters and digits, so the passage's words are the body's that reach into it, cut at
/// its edges, and no passage is cut into words again.
pub fn quote_spans(
    body_words: &[(usize, usize)],
    passage: Range<usize>,
    quotes: &[Quote],
) -> Vec<u64> {
    let (offset, end) = (passage.start, passage.end);
    if offset >= end {
        return Vec::new();
    }
    let first = body_words.partition_point(|w| w.1 <= offset);
    let past = body_words.partition_point(|w| w.0 < end);
    let words = &body_words[first..past.max(first)];
    let from_of = |w: &(usize, usize)| w.0.max(offset) - offset;
    let to_of = |w: &(usize, usize)| w.1.min(end) - offset;
    quotes
        .iter()
        .filter(|q| q.start < end && q.end > offset)
        .filter_map(|q| {
            let from = q.start.saturating_sub(offset);
            let to = q.end - offset;
            let first = words.partition_point(|w| from_of(w) < from);
            let past = words.partition_point(|w| to_of(w) <= to);
            (first < past).then_some((first as u64) << 32 | past as u64)
        })
        .collect()
}

/// What extraction found in one article, for its documents.
#[derive(Clone, Copy)]
pub struct Extracted<'a> {
    pub actors: &'a Actors,
    pub quotes: &'a [Quote],
    /// The body's words ([`bounds`](crate::schema::words::bounds)); needed only when there
    /// are quotes.
    pub body_words: &'a [(usize, usize)],
    pub topics: &'a [Assigned],
    pub keyphrases: &'a [Keyphrase],
}

/// For each passage, which of the article's actors it names: a mention inside it, or one
/// in the title (which counts for every passage).
fn passage_actors(actors: &Actors, passages: &[Passage]) -> Vec<Vec<bool>> {
    passages
        .iter()
        .map(|passage| {
            let mut seen = vec![false; actors.actors.len()];
            for m in &actors.mentions {
                if m.in_title || (m.start >= passage.start && m.end <= passage.end) {
                    seen[m.actor] = true;
                }
            }
            seen
        })
        .collect()
}

/// Bytes a passage's document needs beyond its text, headline and path: ids, dates, actors,
/// topics and quotes (more only for passages with many actors or quotes).
const DOC_SPARE_BYTES: usize = 768;

/// The documents for one article, one per passage, in passage order, with the actors each
/// passage mentions (a title's actors count for every passage).
pub fn documents(
    fields: &Fields,
    article: &Article,
    passages: &[Passage],
    found: &Extracted,
) -> Vec<TantivyDocument> {
    let Extracted {
        actors,
        quotes,
        body_words,
        topics,
        keyphrases,
    } = *found;
    let key = article_key(&article.id);
    let date = article
        .date
        .map(|d| DateTime::from_timestamp_secs(d.timestamp()));
    let named = passage_actors(actors, passages);
    passages
        .iter()
        .zip(&named)
        .enumerate()
        .map(|(number, (passage, seen))| {
            // Room for the texts up front: a passage's document outgrew tantivy's default
            // kilobyte and was copied as it grew.
            let text = passage.text(&article.body);
            let mut doc = TantivyDocument::with_capacity(
                DOC_SPARE_BYTES + text.len() + article.title.len() + article.path.len(),
            );
            doc.add_text(fields.article_id, &article.id);
            doc.add_u64(fields.article_key, key);
            doc.add_u64(fields.passage, number as u64);
            doc.add_text(fields.title, &article.title);
            doc.add_text(fields.text, text);
            doc.add_u64(fields.start, passage.start as u64);
            doc.add_u64(fields.end, passage.end as u64);
            if let Some(date) = date {
                doc.add_date(fields.date, date);
            }
            if let Some(source) = &article.source {
                doc.add_text(fields.source, source);
            }
            if let Some(author) = &article.author {
                doc.add_text(fields.author, author);
            }
            if let Some(url) = &article.url {
                doc.add_text(fields.url, url);
            }
            doc.add_text(fields.path, &article.path);
            for (actor, _) in actors.actors.iter().zip(seen).filter(|(_, s)| **s) {
                doc.add_text(fields.actor, &actor.name);
                doc.add_text(fields.actor_id, &actor.id);
                let typed = match actor.kind {
                    ActorKind::Person => fields.person,
                    ActorKind::Organisation => fields.org,
                    ActorKind::Place => fields.place,
                };
                for form in &actor.forms {
                    doc.add_text(typed, form);
                }
            }
            for topic in topics {
                doc.add_text(fields.topic, &topic.id);
            }
            // Article-level fields go with the first passage only, and queries on them join
            // (`search::join`). `article_actor:` reads the passages' `actor` too, so only
            // the rare actor no passage names (a mention across a passage break) is added.
            if number == 0 {
                for (i, actor) in actors.actors.iter().enumerate() {
                    if !named.iter().any(|seen| seen[i]) {
                        doc.add_text(fields.article_actor, &actor.name);
                    }
                }
                for k in keyphrases {
                    doc.add_text(fields.keyphrase, &k.phrase);
                }
            }
            // Quoted words are found where they stand in the text (`quote:`), in every
            // passage a quote reaches; the quote itself belongs to the passage it starts in.
            for span in quote_spans(body_words, passage.start..passage.end, quotes) {
                doc.add_u64(fields.quote_span, span);
            }
            for q in quotes
                .iter()
                .filter(|q| q.start >= passage.start && q.start < passage.end)
            {
                let speaker = q.speaker.map(|s| &actors.actors[s]);
                if let Some(actor) = speaker {
                    doc.add_text(fields.speaker_id, &actor.id);
                    for form in &actor.forms {
                        doc.add_text(fields.speaker, form);
                    }
                }
                let record = StoredQuote {
                    cue: q.cue.as_ref().map(|c| Cow::from(c.2.as_str())),
                    direct: q.direct,
                    end: q.end,
                    speaker: speaker.map(|a| Cow::from(a.id.as_str())),
                    start: q.start,
                };
                if let Ok(json) = serde_json::to_string(&record) {
                    doc.add_text(fields.quotes, json);
                }
            }
            doc
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::words::bounds;

    fn quote(start: usize, end: usize) -> Quote {
        Quote {
            start,
            end,
            text: String::new(),
            direct: true,
            cue: None,
            speaker_span: None,
            speaker: None,
        }
    }

    #[test]
    fn quote_spans_are_the_word_positions_a_quote_covers_in_each_passage() {
        let body = "He said: \"we will build it, and soon.\" Then more words came. End.";
        let open = body.find("we").unwrap();
        let close = body.find("soon").unwrap() + 4;
        let quotes = [quote(open, close)];
        // The whole body as one passage: "He said we will build it and soon" are words 0..8.
        let words = bounds(body);
        assert_eq!(quote_spans(&words, 0..body.len(), &quotes), [2 << 32 | 8]);
        // A passage starting inside the quote holds its tail, numbered from the passage.
        let cut = body.find("and").unwrap();
        assert_eq!(quote_spans(&words, cut..body.len(), &quotes), [2]);
        // A passage after the quote holds none of it.
        let after = body.find("Then").unwrap();
        assert!(quote_spans(&words, after..body.len(), &quotes).is_empty());
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;
    use crate::schema::words::bounds;

    /// The definition: the passage's text cut into words, each quote's covered words counted.
    fn spans_of_passage_text(body: &str, passage: Range<usize>, quotes: &[Quote]) -> Vec<u64> {
        let offset = passage.start;
        let words = bounds(&body[passage.clone()]);
        quotes
            .iter()
            .filter(|q| q.start < passage.end && q.end > offset)
            .filter_map(|q| {
                let first = words.partition_point(|w| w.0 < q.start.saturating_sub(offset));
                let past = words.partition_point(|w| w.1 <= q.end - offset);
                (first < past).then_some((first as u64) << 32 | past as u64)
            })
            .collect()
    }

    proptest! {
        /// Passages and quotes starting and ending anywhere, inside words too.
        #[test]
        fn spans_from_the_body_words_are_those_of_the_passage_text(
            body in "([a-zA-Z0-9]{1,6}|é|\\u{201c}|[ ,.\"\n]){0,60}",
            marks in proptest::collection::vec(0.0f64..=1.0, 4),
        ) {
            let at = |f: f64| {
                let i = (f * body.len() as f64) as usize;
                (0..=i).rev().find(|&j| body.is_char_boundary(j)).unwrap_or(0)
            };
            let (a, b) = (at(marks[0].min(marks[1])), at(marks[0].max(marks[1])));
            let (c, d) = (at(marks[2].min(marks[3])), at(marks[2].max(marks[3])));
            let quote = Quote {
                start: c,
                end: d,
                text: String::new(),
                direct: true,
                cue: None,
                speaker_span: None,
                speaker: None,
            };
            let quotes = [quote];
            prop_assert_eq!(
                quote_spans(&bounds(&body), a..b, &quotes),
                spans_of_passage_text(&body, a..b, &quotes)
            );
        }
    }
}
