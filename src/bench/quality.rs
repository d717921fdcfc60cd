//! Ranking quality against relevance judgments: queries and qrels files in the forms test
//! collections ship, and the usual measures (MAP, nDCG@10, P@10, MRR).
//!
//! Queries: a SMART file (`.I` records with a `.W` text, as `CISI.QRY` and `cran.qry`), numbered
//! by position 1..n, since both collections' judgments number queries that way (Cranfield's `.I`
//! labels skip numbers); or lines of `id<TAB>text`.
//!
//! Judgments, told apart by their columns: TREC (`query iteration document relevance`), SMART
//! `.REL` (`query document 0 0.0`: every line relevant) and Cranfield (`query document code`,
//! Cleverdon's codes 1 = complete answer … 4 = minimum interest, given gains 4 … 1; other codes
//! are not relevant).

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use super::super::archive::smart;

/// A query with the id its judgments use.
#[derive(Debug, Clone, PartialEq)]
pub struct TestQuery {
    pub id: String,
    pub text: String,
}

/// Judgments: query id → document id → gain (> 0 is relevant).
pub type Qrels = BTreeMap<String, HashMap<String, f64>>;

/// Reads a queries file (SMART or `id<TAB>text` lines).
pub fn parse_queries(text: &str) -> Vec<TestQuery> {
    if smart::looks_like(text.trim_start()) {
        return smart::parse(text)
            .into_iter()
            .enumerate()
            .map(|(i, r)| TestQuery {
                id: (i + 1).to_string(),
                text: r
                    .field('W')
                    .or_else(|| r.field('T'))
                    .unwrap_or_default()
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" "),
            })
            .collect();
    }
    text.lines()
        .filter_map(|l| l.split_once('\t'))
        .map(|(id, q)| TestQuery {
            id: id.trim().to_string(),
            text: q.trim().to_string(),
        })
        .filter(|q| !q.id.is_empty() && !q.text.is_empty())
        .collect()
}

/// Reads judgments in any of the three layouts (see the module doc).
pub fn parse_qrels(text: &str) -> Qrels {
    let rows: Vec<Vec<&str>> = text
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .filter(|c| c.len() >= 3)
        .collect();
    let four = rows.iter().filter(|c| c.len() >= 4).count() * 2 > rows.len();
    let smart_rel = four
        && rows
            .iter()
            .all(|c| c.len() >= 4 && c[2] == "0" && c[3].contains('.'));
    let mut qrels = Qrels::new();
    for c in &rows {
        let (query, doc, gain) = if smart_rel {
            (c[0], c[1], 1.0)
        } else if four && c.len() >= 4 {
            (c[0], c[2], c[3].parse::<f64>().unwrap_or(0.0))
        } else {
            let code = c[2].parse::<i32>().unwrap_or(0);
            let gain = if (1..=4).contains(&code) {
                f64::from(5 - code)
            } else {
                0.0
            };
            (c[0], c[1], gain)
        };
        let entry = qrels.entry(query.to_string()).or_default();
        let g = entry.entry(doc.to_string()).or_insert(0.0);
        *g = g.max(gain);
    }
    qrels.retain(|_, docs| docs.values().any(|&g| g > 0.0));
    qrels
}

/// Turns a natural-language query into words for an OR search: letters and digits only, lower
/// case, so no word is read as an operator.
pub fn words_of(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// The measures, averaged over the judged queries.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Quality {
    pub queries: usize,
    pub map: f64,
    pub ndcg_at_10: f64,
    pub p_at_10: f64,
    pub mrr: f64,
}

/// Scores one query's ranking (document ids, best first) against its judgments.
fn score_one(ranking: &[String], judged: &HashMap<String, f64>) -> (f64, f64, f64, f64) {
    let relevant = judged.values().filter(|&&g| g > 0.0).count();
    let gain = |d: &String| judged.get(d).copied().unwrap_or(0.0).max(0.0);
    let (mut hits, mut ap, mut rr) = (0usize, 0.0, 0.0);
    for (k, doc) in ranking.iter().enumerate() {
        if gain(doc) > 0.0 {
            hits += 1;
            ap += hits as f64 / (k + 1) as f64;
            if rr == 0.0 {
                rr = 1.0 / (k + 1) as f64;
            }
        }
    }
    let dcg: f64 = ranking
        .iter()
        .take(10)
        .enumerate()
        .map(|(k, d)| gain(d) / ((k + 2) as f64).log2())
        .sum();
    let mut ideal: Vec<f64> = judged.values().copied().filter(|&g| g > 0.0).collect();
    ideal.sort_by(|a, b| b.total_cmp(a));
    let idcg: f64 = ideal
        .iter()
        .take(10)
        .enumerate()
        .map(|(k, g)| g / ((k + 2) as f64).log2())
        .sum();
    let p10 = ranking.iter().take(10).filter(|d| gain(d) > 0.0).count() as f64 / 10.0;
    let ndcg = if idcg > 0.0 { dcg / idcg } else { 0.0 };
    (ap / relevant.max(1) as f64, ndcg, p10, rr)
}

/// Averages the measures over every judged query that is in `rankings` (query id → ranking).
/// A judged query with no ranking scores zero.
pub fn evaluate(
    qrels: &Qrels,
    queries: &[TestQuery],
    rankings: &HashMap<String, Vec<String>>,
) -> Quality {
    let mut q = Quality::default();
    let empty = Vec::new();
    for query in queries {
        let Some(judged) = qrels.get(&query.id) else {
            continue;
        };
        let (ap, ndcg, p10, rr) = score_one(rankings.get(&query.id).unwrap_or(&empty), judged);
        q.queries += 1;
        q.map += ap;
        q.ndcg_at_10 += ndcg;
        q.p_at_10 += p10;
        q.mrr += rr;
    }
    let n = q.queries.max(1) as f64;
    q.map /= n;
    q.ndcg_at_10 /= n;
    q.p_at_10 /= n;
    q.mrr /= n;
    q
}

/// The judgments' name for an indexed article: SMART and other numbered records end their
/// article id with `#label`; other ids are used whole.
pub fn doc_id(article_id: &str) -> &str {
    article_id.rsplit_once('#').map_or(article_id, |(_, l)| l)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn qrels_layouts_are_told_apart() {
        let trec = parse_qrels("1 0 d3 1\n1 0 d4 0\n2 0 d9 2\n");
        assert_eq!(trec["1"]["d3"], 1.0);
        assert_eq!(trec["1"]["d4"], 0.0);
        assert_eq!(trec["2"]["d9"], 2.0);
        let cisi = parse_qrels("     1     28\t0\t0.000000\n     1     35\t0\t0.000000\n");
        assert_eq!(cisi["1"].len(), 2);
        assert_eq!(cisi["1"]["35"], 1.0);
        let cran = parse_qrels("1 184 2 \n1 12 4\n1 99 -1\n3 5 -1\n");
        assert_eq!(cran["1"]["184"], 3.0);
        assert_eq!(cran["1"]["12"], 1.0);
        assert_eq!(cran["1"]["99"], 0.0);
        assert!(
            !cran.contains_key("3"),
            "a query with nothing relevant is not judged"
        );
    }

    #[test]
    fn smart_queries_are_numbered_by_position() {
        let q = parse_queries(".I 001\n.W\nwhat similarity\nlaws .\n.I 004\n.W\nheat conduction\n");
        assert_eq!(q.len(), 2);
        assert_eq!(q[1].id, "2");
        assert_eq!(q[0].text, "what similarity laws .");
        let tsv = parse_queries("q1\toil prices\nq2\tgold\n");
        assert_eq!(tsv[1].id, "q2");
        assert_eq!(words_of("Oil AND (gas)?"), ["oil", "and", "gas"]);
    }

    #[test]
    fn measures_match_hand_computed_values() {
        let qrels = parse_qrels("1 0 a 1\n1 0 b 1\n2 0 x 1\n");
        let queries = vec![
            TestQuery {
                id: "1".into(),
                text: String::new(),
            },
            TestQuery {
                id: "2".into(),
                text: String::new(),
            },
        ];
        let mut rankings = HashMap::new();
        rankings.insert("1".to_string(), ids(&["a", "z", "b"])); // AP (1 + 2/3) / 2
        rankings.insert("2".to_string(), ids(&["y", "x"])); // AP 1/2, RR 1/2
        let q = evaluate(&qrels, &queries, &rankings);
        assert_eq!(q.queries, 2);
        assert!((q.map - ((1.0 + 2.0 / 3.0) / 2.0 + 0.5) / 2.0).abs() < 1e-12);
        assert!((q.mrr - 0.75).abs() < 1e-12);
        assert!((q.p_at_10 - 0.15).abs() < 1e-12);
        let perfect = evaluate(&qrels, &queries[..1], &rankings_of(&["b", "a"]));
        assert!((perfect.ndcg_at_10 - 1.0).abs() < 1e-12);
        assert_eq!(doc_id("/c/CISI.ALL#28"), "28");
        assert_eq!(doc_id("reuters-21578-5"), "reuters-21578-5");
    }

    fn rankings_of(v: &[&str]) -> HashMap<String, Vec<String>> {
        HashMap::from([("1".to_string(), ids(v))])
    }
}
