//! Saved web pages (`.html`, `.htm`): one article per page.
//!
//! Metadata comes from what news sites write into their pages for search engines and social
//! networks: schema.org JSON-LD (a `NewsArticle`'s headline, datePublished, author, publisher
//! and articleBody), Open Graph and `article:` meta tags, `<meta name="author">`, `<time
//! datetime>`, the canonical link, and `<title>`; then, as for text files, a sidecar row, a
//! date in the path and the parent folder. The body is the page's article: the paragraphs
//! (`<p>`, subheads, list items, block quotes) of `<article>`, else of the element marked
//! `itemprop="articleBody"`, else `<main>`, else the whole page, leaving out navigation,
//! headers, footers, asides, figures, forms, scripts and paragraphs that are only links.

use std::io::Read;

use ego_tree::iter::Edge;
use scraper::{ElementRef, Html, Selector};
use serde_json::Value;

use super::charset::Declared;
use super::decode::read_whole_article;
use super::fields::Fields;
use super::{text, FileRef, ReadContext, Record};

pub fn read(
    file: &FileRef,
    stream: Box<dyn Read + Send>,
    ctx: &ReadContext,
    emit: &mut dyn FnMut(Record),
) {
    if let Some(page) = read_whole_article(stream, &file.display(), Declared::HtmlMeta, emit) {
        text::complete(parse(&page), file, ctx).into_article(file, None, emit);
    }
}

/// Selectors, parsed once.
struct Selectors {
    json_ld: Selector,
    roots: [Selector; 4],
    blocks: Selector,
    h1: Selector,
    time: Selector,
    title: Selector,
    canonical: Selector,
    meta: Selector,
    rel_author: Selector,
}

fn selectors() -> &'static Selectors {
    static S: std::sync::OnceLock<Selectors> = std::sync::OnceLock::new();
    S.get_or_init(|| {
        let s = |css: &str| Selector::parse(css).expect("a valid selector");
        Selectors {
            json_ld: s(r#"script[type="application/ld+json"]"#),
            roots: [
                s("article"),
                s(r#"[itemprop="articleBody"]"#),
                s("main, [role=main]"),
                s("body"),
            ],
            blocks: s(&BLOCKS.join(", ")),
            h1: s("h1"),
            time: s("time[datetime]"),
            title: s("title"),
            canonical: s(r#"link[rel="canonical"]"#),
            meta: s("meta[content]"),
            rel_author: s(r#"[rel="author"]"#),
        }
    })
}

/// Elements whose text is not the article's.
const OUTSIDE: &[&str] = &[
    "nav",
    "header",
    "footer",
    "aside",
    "figure",
    "figcaption",
    "form",
    "script",
    "style",
    "noscript",
    "template",
    "button",
    "select",
    "svg",
];

/// `<meta>` names and properties that give a publication date, most telling first.
const DATE_META: &[&str] = &[
    "article:published_time",
    "datepublished",
    "date",
    "pubdate",
    "publishdate",
    "publish-date",
    "dc.date",
    "dc.date.issued",
    "dcterms.created",
    "sailthru.date",
    "parsely-pub-date",
];

/// Block elements that make a paragraph of the body.
const BLOCKS: &[&str] = &["p", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre"];

/// The article's fields as the page gives them; the body may be empty.
pub fn parse(page: &str) -> Fields {
    let html = Html::parse_document(page);
    let s = selectors();
    let ld = json_ld(&html, s);
    let meta = |names: &[&str]| meta_content(&html, s, names);
    let root = s
        .roots
        .iter()
        .find_map(|sel| html.select(sel).next())
        .unwrap_or_else(|| html.root_element());

    let title = ld
        .as_ref()
        .and_then(|a| text_of(a, &["headline", "name"]))
        .or_else(|| meta(&["og:title", "twitter:title"]))
        .or_else(|| first_text(root.select(&s.h1)))
        .or_else(|| first_text(html.select(&s.title)));
    let date = ld
        .as_ref()
        .and_then(|a| text_of(a, &["datePublished", "dateCreated"]))
        .or_else(|| meta(DATE_META))
        .or_else(|| first_attribute(html.select(&s.time), "datetime"));
    let author = ld
        .as_ref()
        .and_then(|a| names(a.get("author")?))
        .or_else(|| meta(&["author", "article:author"]).filter(|a| !a.starts_with("http")))
        .or_else(|| first_text(html.select(&s.rel_author)));
    let source = ld
        .as_ref()
        .and_then(|a| names(a.get("publisher")?))
        .or_else(|| meta(&["og:site_name", "application-name"]));
    let url = first_attribute(html.select(&s.canonical), "href")
        .or_else(|| meta(&["og:url"]))
        .or_else(|| ld.as_ref().and_then(|a| text_of(a, &["url"])));

    let ld_body = ld.as_ref().and_then(|a| text_of(a, &["articleBody"]));
    Fields {
        title,
        body: Some(body(root, s, ld_body.unwrap_or_default())),
        date,
        author,
        source,
        url,
        ..Fields::default()
    }
}

/// The article's text: its paragraphs, one a line apart; the JSON-LD `articleBody` when the
/// page shows less than half of that (a teaser, the rest hidden from readers but not from
/// search engines); the page's text run together when it has no paragraphs.
fn body(root: ElementRef, s: &Selectors, ld_body: String) -> String {
    let paragraphs = body_paragraphs(root, s);
    let shown: usize = paragraphs.iter().map(String::len).sum();
    if shown * 2 < ld_body.len() {
        ld_body
    } else if paragraphs.is_empty() {
        element_text(root)
    } else {
        paragraphs.join("\n\n")
    }
}

/// The paragraphs of the article under `root`: each block element not inside another block
/// or outside the article, with its text on one line.
fn body_paragraphs(root: ElementRef, s: &Selectors) -> Vec<String> {
    root.select(&s.blocks)
        .filter(|block| {
            !block
                .ancestors()
                .filter_map(ElementRef::wrap)
                .take_while(|a| a.id() != root.id())
                .any(|a| {
                    let name = a.value().name();
                    OUTSIDE.contains(&name) || BLOCKS.contains(&name)
                })
        })
        .map(|block| (block, element_text(block)))
        .filter(|(block, text)| !text.is_empty() && !only_links(*block, text))
        .map(|(_, text)| text)
        .collect()
}

/// A block whose every word is link text (`text` is all of its text): a menu, a list of
/// related stories.
fn only_links(block: ElementRef, text: &str) -> bool {
    let in_links: usize = block
        .descendants()
        .filter_map(ElementRef::wrap)
        .filter(|e| e.value().name() == "a")
        .map(|a| element_text(a).len())
        .sum();
    in_links >= text.len()
}

/// Elements that break a line where they start and end; text either side is not one word.
const BREAKS: &[&str] = &[
    "br",
    "p",
    "div",
    "li",
    "td",
    "th",
    "tr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "pre",
    "section",
    "article",
    "ul",
    "ol",
    "table",
    "dd",
    "dt",
    "hr",
];

/// The first non-empty text of `elements`.
fn first_text<'a>(elements: impl Iterator<Item = ElementRef<'a>>) -> Option<String> {
    elements.map(element_text).find(|t| !t.is_empty())
}

/// The first non-empty value of attribute `name` on `elements`, trimmed.
fn first_attribute<'a>(
    elements: impl Iterator<Item = ElementRef<'a>>,
    name: &str,
) -> Option<String> {
    elements
        .filter_map(|e| e.value().attr(name))
        .map(str::trim)
        .find(|v| !v.is_empty())
        .map(str::to_string)
}

/// An element's text as a browser shows it, on one line: white space collapsed, nothing from
/// inside scripts, navigation and the rest of [`OUTSIDE`].
fn element_text(element: ElementRef) -> String {
    let mut text = String::new();
    let mut hidden = 0usize;
    for edge in element.traverse() {
        let (node, opening) = match edge {
            Edge::Open(node) => (node, true),
            Edge::Close(node) => (node, false),
        };
        if let Some(e) = node.value().as_element() {
            if OUTSIDE.contains(&e.name()) {
                hidden = if opening { hidden + 1 } else { hidden - 1 };
            } else if BREAKS.contains(&e.name()) {
                text.push(' ');
            }
        } else if let (Some(t), true, 0) = (node.value().as_text(), opening, hidden) {
            text.push_str(t);
        }
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The first non-empty `content` of a `<meta>` whose `property`, `name` or `itemprop` is one
/// of `names` (case-insensitive), trying the names in order.
fn meta_content(html: &Html, s: &Selectors, names: &[&str]) -> Option<String> {
    let metas: Vec<(String, &str)> = html
        .select(&s.meta)
        .filter_map(|m| {
            let v = m.value();
            let key = v
                .attr("property")
                .or_else(|| v.attr("name"))
                .or_else(|| v.attr("itemprop"))?;
            Some((key.trim().to_ascii_lowercase(), v.attr("content")?.trim()))
        })
        .filter(|(_, content)| !content.is_empty())
        .collect();
    names.iter().find_map(|name| {
        metas
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, content)| content.to_string())
    })
}

/// The page's schema.org article object, from its JSON-LD scripts (also inside `@graph`).
fn json_ld(html: &Html, s: &Selectors) -> Option<serde_json::Map<String, Value>> {
    html.select(&s.json_ld)
        .filter_map(|script| serde_json::from_str::<Value>(&script.text().collect::<String>()).ok())
        .find_map(article_object)
}

fn article_object(value: Value) -> Option<serde_json::Map<String, Value>> {
    match value {
        Value::Array(items) => items.into_iter().find_map(article_object),
        Value::Object(mut object) => {
            if let Some(graph) = object.remove("@graph") {
                if let Some(found) = article_object(graph) {
                    return Some(found);
                }
            }
            let is_article = |t: &Value| {
                t.as_str()
                    .is_some_and(|t| t.ends_with("Article") || t.ends_with("Posting"))
            };
            let typed = match object.get("@type") {
                Some(Value::Array(types)) => types.iter().any(is_article),
                Some(t) => is_article(t),
                None => false,
            };
            typed.then_some(object)
        }
        _ => None,
    }
}

/// The first of `keys` that holds a non-empty string.
fn text_of(object: &serde_json::Map<String, Value>, keys: &[&str]) -> Option<String> {
    keys.iter()
        .filter_map(|k| object.get(*k)?.as_str())
        .map(str::trim)
        .find(|v| !v.is_empty())
        .map(str::to_string)
}

/// A person or organisation as JSON-LD writes it: a name, an object with a `name`, or a list
/// of those (joined with commas).
fn names(value: &Value) -> Option<String> {
    let all: Vec<String> = match value {
        Value::Array(items) => items.iter().filter_map(names).collect(),
        Value::Object(o) => text_of(o, &["name"]).into_iter().collect(),
        Value::String(s) => Some(s.trim().to_string())
            .filter(|s| !s.is_empty())
            .into_iter()
            .collect(),
        _ => Vec::new(),
    };
    (!all.is_empty()).then(|| all.join(", "))
}
