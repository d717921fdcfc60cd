//! The command line as clap sees it: types only. `commands` turns these into library calls.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Full-text search for news archives: ranked, highlighted passages from folders of articles.
///
/// Build an index from archive folders with `newsdex index DIR...`, then query it with
/// `newsdex search QUERY`. Exit codes: 0 found, 1 nothing found, 2 error.
#[derive(Debug, Parser)]
#[command(
    name = "newsdex",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    /// The index folder.
    #[arg(
        long,
        global = true,
        env = "NEWSDEX_INDEX",
        default_value = "newsdex-index",
        value_name = "DIR"
    )]
    pub index: PathBuf,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read articles from archive folders and add them to the index.
    ///
    /// Reads plain text and Markdown, JSON, JSON Lines, CSV and TSV (any of them gzip- or
    /// zstd-compressed), Reuters-21578 SGML, and sidecar metadata tables joined to text files
    /// by name. Re-indexing an article replaces it. Problems are reported per file and counted;
    /// they never stop the run.
    Index(IndexArgs),
    /// Search the index and print ranked passages with the matched words highlighted.
    ///
    /// QUERY uses tantivy's query language over title and text: words (all must match unless
    /// --any), OR, AND, NOT or -word, "exact phrases", "words near"~3, field:value (title:,
    /// text:, source:, author:, date:[2016-01-01T00:00:00Z TO 2017-01-01T00:00:00Z]).
    Search(SearchArgs),
    /// Show what the index holds: articles, passages, sources, dates, size, schema version.
    Stats(StatsArgs),
    /// Count the actors (people, organisations, places) of the passages a query matches.
    ///
    /// Without QUERY, over the whole index. With --with ACTOR, the actors that appear in the
    /// same passages as that one.
    Actors(ActorsArgs),
    /// List quotes (who said what) in the passages a query matches, newest first.
    Quotes(QuotesArgs),
    /// Count the topics of the articles a query matches.
    Topics(TopicsArgs),
    /// Show what indexing would store for each article, without indexing: passages, actors
    /// and quotes.
    Extract(ExtractArgs),
    /// Train a model newsdex ships (the actor tagger), reproducibly, from data you name.
    #[command(subcommand)]
    Train(TrainCommand),
    /// Score a model against gold data.
    #[command(subcommand)]
    Eval(EvalCommand),
    /// Measure indexing, search latency and ranking quality on a corpus, beside peers.
    ///
    /// Indexes the corpus (your archive with --corpus, or a synthetic one with --generate N),
    /// then times a query mix drawn from it: rare and common terms, AND, OR, phrases,
    /// proximity, actor filters, date ranges, topic facets and actor counts. With --queries and
    /// --qrels it scores ranking quality (MAP, nDCG@10, P@10, MRR); with --peers it runs raw
    /// tantivy, SQLite FTS5 and ripgrep on the same articles and prints newsdex ÷ peer.
    ///
    /// Example: newsdex bench --corpus ../shared/data/ir-cisi/CISI.ALL
    /// --queries ../shared/data/ir-cisi/CISI.QRY --qrels ../shared/data/ir-cisi/CISI.REL --peers
    Bench(BenchArgs),
}

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Archive folders or files to measure (anything `newsdex index` reads).
    #[arg(long, num_args = 1.., value_name = "PATH", required_unless_present_any = ["generate", "scale", "existing"], conflicts_with_all = ["generate", "scale"])]
    pub corpus: Vec<PathBuf>,
    /// Measure on a synthetic news corpus of N articles, generated into --work (and reused).
    #[arg(long, value_name = "N")]
    pub generate: Option<usize>,
    /// Repeat on synthetic corpora of these sizes and fit how each cost grows with size.
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "N,N,...",
        conflicts_with = "generate"
    )]
    pub scale: Vec<usize>,
    /// Where generated corpora and the indexes built are kept.
    #[arg(long, default_value = "newsdex-bench", value_name = "DIR")]
    pub work: PathBuf,
    /// Threads for indexing (as `newsdex index --threads`). Default: the cores.
    #[arg(long, value_name = "N")]
    pub threads: Option<u16>,
    /// The indexing memory budget in MB (as `newsdex index --memory`).
    #[arg(long, default_value_t = 512, value_name = "MB")]
    pub memory: usize,
    /// Queries drawn for each class of the mix.
    #[arg(long, default_value_t = 20, value_name = "N")]
    pub per_class: usize,
    /// Timed runs of each query (after one warm-up run).
    #[arg(long, default_value_t = 5, value_name = "N")]
    pub repeat: usize,
    /// Index the corpus N times with newsdex and with each peer that indexes (newsdex and raw
    /// tantivy taking turns), and report each engine's median time: on a machine whose speed
    /// drifts, one run each can be off by a tenth.
    #[arg(long, default_value_t = 1, value_name = "N",
          value_parser = clap::value_parser!(u16).range(1..=100))]
    pub index_runs: u16,
    /// Threads sharing one searcher for the queries-per-second figure.
    #[arg(long, default_value_t = 2, value_name = "C")]
    pub concurrency: usize,
    /// Whole `newsdex search` processes to time (latency a shell user sees).
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub processes: usize,
    /// Test queries: a SMART file (.I/.W records, as CISI.QRY, cran.qry) or id<TAB>text lines.
    #[arg(long, requires = "qrels", value_name = "FILE")]
    pub queries: Option<PathBuf>,
    /// Relevance judgments: TREC qrels, SMART .REL (CISI.REL) or Cranfield's cranqrel.
    #[arg(long, requires = "queries", value_name = "FILE")]
    pub qrels: Option<PathBuf>,
    /// Also run raw tantivy, SQLite FTS5 (builds with `--features peers`) and ripgrep (when on
    /// PATH) on the same articles.
    #[arg(long)]
    pub peers: bool,
    /// With --peers, also run Lucene from this Lucene 8 jar (needs java and javac on PATH;
    /// benches/lucene-jar.sh fetches one).
    #[arg(long, requires = "peers", value_name = "JAR")]
    pub lucene: Option<PathBuf>,
    /// Seed of the generated corpus and of the query mix.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Keep the indexes built (by default they are removed; generated corpora are kept).
    #[arg(long)]
    pub keep: bool,
    /// Time the query mix (and ranking quality, with --queries and --qrels) on the index
    /// already at --index, indexing nothing: how fast an archive's own index answers.
    #[arg(long, conflicts_with_all = ["corpus", "generate", "scale", "peers", "index_runs", "keep"])]
    pub existing: bool,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum TrainCommand {
    /// Train the actor tagger (PER, ORG, LOC, MISC) on CoNLL files.
    ///
    /// The shipped model: newsdex train ner --conll ../shared/data/conll2003/train.txt
    /// --unlabelled ../shared/data/reuters21578/sgm ../shared/data/bbc-news
    /// ../shared/data/polnear/data --out models/ner.model
    Ner(TrainNerArgs),
    /// Train the topic classifier on a folder per label, with a label → topic mapping.
    ///
    /// The shipped model: newsdex train topics --labelled ../shared/data/bbc-news/bbc
    /// --map index_schema/topic-maps/bbc.tsv --out models/topics.model
    Topics(TrainTopicsArgs),
    /// Learn the background word statistics keyphrases are scored against.
    ///
    /// The shipped table: newsdex train keyphrases --unlabelled ../shared/data/reuters21578/sgm
    /// ../shared/data/bbc-news ../shared/data/polnear/data --out models/keyphrases.model
    Keyphrases(TrainKeyphrasesArgs),
}

#[derive(Debug, Args)]
pub struct TrainKeyphrasesArgs {
    /// Archives of news (anything `newsdex index` reads).
    #[arg(long, required = true, num_args = 1.., value_name = "DIR")]
    pub unlabelled: Vec<PathBuf>,

    #[arg(long, default_value = "models/keyphrases.model", value_name = "FILE")]
    pub out: PathBuf,
}

#[derive(Debug, Args)]
pub struct TrainTopicsArgs {
    /// A folder with one subfolder of text files per label.
    #[arg(long, value_name = "DIR")]
    pub labelled: PathBuf,

    /// Label → topic id, one `label<TAB>topic` per line.
    #[arg(long, value_name = "FILE")]
    pub map: PathBuf,

    /// Passes over the training data.
    #[arg(long, default_value_t = 15)]
    pub epochs: usize,

    #[arg(long, default_value = "models/topics.model", value_name = "FILE")]
    pub out: PathBuf,
}

#[derive(Debug, Args)]
pub struct TrainNerArgs {
    /// CoNLL training files (token ... tag per line; IOB1 or IOB2).
    #[arg(long, required = true, num_args = 1.., value_name = "FILE")]
    pub conll: Vec<PathBuf>,

    /// Archives of untagged news (anything `newsdex index` reads) to learn capitalisation habits from.
    #[arg(long, num_args = 1.., value_name = "DIR")]
    pub unlabelled: Vec<PathBuf>,

    /// Passes over the training data.
    #[arg(long, default_value_t = 15)]
    pub epochs: usize,

    /// Where to write the model.
    #[arg(long, default_value = "models/ner.model", value_name = "FILE")]
    pub out: PathBuf,

    /// Score on this CoNLL file after each epoch (to choose --epochs; never the test split).
    #[arg(long, value_name = "FILE")]
    pub dev: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum EvalCommand {
    /// Score the actor tagger on a CoNLL file: precision, recall and F1 per type and overall
    /// (conlleval semantics), and tagging speed.
    Ner(EvalNerArgs),
    /// Score actor extraction against Reuters-21578's document-level PEOPLE, ORGS and PLACES
    /// codes: per article, the codes the extracted actors map to against the gold codes.
    Actors(EvalActorsArgs),
    /// Score quote extraction against brat attribution gold in the PolNeAR layout (text/*.txt,
    /// attributions/*.ann): content spans (exact and overlapping) and speakers.
    Quotes(EvalQuotesArgs),
    /// Topic accuracy against a folder per label and a label → topic mapping: the shipped
    /// model, or k-fold cross-validation of training on the folder itself (--folds K).
    Topics(EvalTopicsArgs),
    /// Keyphrase F1@10 against gold keyphrase files (the 500N-KPCrowd layout: docsutf8/*.txt
    /// and keys/*.key), matching stemmed words.
    Keyphrases(EvalKeyphrasesArgs),
}

#[derive(Debug, Args)]
pub struct EvalKeyphrasesArgs {
    /// A folder with docsutf8/ and keys/.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,

    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct EvalTopicsArgs {
    /// A folder with one subfolder of text files per label.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,

    /// Label → topic id, one `label<TAB>topic` per line.
    #[arg(long, value_name = "FILE")]
    pub map: PathBuf,

    /// Cross-validate: train on k-1 folds, test on the k-th, k times.
    #[arg(long, value_name = "K")]
    pub folds: Option<usize>,

    /// Passes over the training data.
    #[arg(long, default_value_t = 15)]
    pub epochs: usize,

    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct EvalQuotesArgs {
    /// A folder with text/ and attributions/ (e.g. ../shared/data/polnear/data/dev).
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,

    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct EvalActorsArgs {
    /// The Reuters-21578 folder, holding sgm/ and other-data/ (the code vocabularies).
    #[arg(value_name = "DIR")]
    pub reuters: PathBuf,

    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct EvalNerArgs {
    /// A CoNLL file: token first, gold tag last (IOB1 or IOB2).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,

    /// A model file instead of the one built in.
    #[arg(long, value_name = "FILE")]
    pub model: Option<PathBuf>,

    /// Also write `token gold predicted` lines (IOB2), the input conlleval.pl reads.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct IndexArgs {
    /// Folders (or files) to read.
    #[arg(required = true, value_name = "DIR")]
    pub dirs: Vec<PathBuf>,

    /// Thread budget: N threads read and extract, tantivy indexes with N/2 threads (at least
    /// 1, at most 8, and one per 25 MB of --memory) and merges segments with up to N. Default:
    /// the cores.
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub threads: Option<u16>,

    /// The writer's memory budget in MB, shared by its threads: 60% (at most 160 MB a thread)
    /// holds segments being built, which are written to disk as they fill, and the rest writing
    /// them out. The process uses this much plus what reading holds (about 100-300 MB).
    #[arg(long, value_name = "MB", default_value_t = 512)]
    pub memory: usize,

    /// Take an article field from a named column or key, e.g. --field body=story_text.
    /// Fields: id, title, body, date, source, author, url. Repeatable.
    #[arg(long = "field", value_name = "NAME=COLUMN")]
    pub fields: Vec<String>,

    /// Skip actor extraction (people, organisations, places) and quotes: faster, but no
    /// actor or speaker fields.
    #[arg(long)]
    pub no_actors: bool,

    /// Skip quote extraction (who said what): no speaker: or quote: fields.
    #[arg(long)]
    pub no_quotes: bool,

    /// Skip topics and keyphrases: no topic: or keyphrase: fields.
    #[arg(long)]
    pub no_topics: bool,

    /// Your own actors, one per line: NAME<TAB>person|organisation|place<TAB>ALIAS|ALIAS...
    /// They are found as written, and their aliases resolve to NAME.
    #[arg(long, value_name = "FILE")]
    pub actors: Option<PathBuf>,

    /// Replace the whole index with what DIR... holds (built beside it, swapped in when done).
    #[arg(long)]
    pub rebuild: bool,

    /// Commit at least this often, in seconds, so a long run that is stopped keeps its work.
    #[arg(long, value_name = "SECS", default_value_t = 60)]
    pub commit_every: u64,

    /// Print every problem, not only the first 10 of each kind.
    #[arg(long, short = 'v')]
    pub verbose: bool,

    /// No progress bar and no per-file warnings; the summary is still printed.
    #[arg(long, short = 'q')]
    pub quiet: bool,

    /// Print the summary as one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct SearchArgs {
    /// The query (see `newsdex search --help`). Use '*' for every passage.
    #[arg(value_name = "QUERY")]
    pub query: String,

    #[command(flatten)]
    pub filters: FilterArgs,

    /// Only articles on this topic (an id from index_schema/topics.toml, e.g. economy).
    /// Repeatable: all of them.
    #[arg(long, value_name = "TOPIC")]
    pub topic: Vec<String>,

    /// Only passages that mention this actor: a name ("Aliyev", "U.S."), or an id
    /// ("person:Ilham Aliyev"). Repeatable: all of them.
    #[arg(long, value_name = "NAME")]
    pub actor: Vec<String>,

    /// How many passages to print.
    #[arg(long, short = 'n', value_name = "N", default_value_t = 10)]
    pub limit: usize,

    /// Skip this many passages first (for paging).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub offset: usize,

    /// At most K passages of one article.
    #[arg(long, value_name = "K", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    pub per_article: u32,

    /// Order of the hits.
    #[arg(long, value_enum, default_value_t = SortArg::Relevance)]
    pub sort: SortArg,

    /// Match passages with any of the words, not all of them, best matches first. A query in
    /// plain words (a question, say) is searched by its content words: "what", "the", "of" and
    /// other function words are left out.
    #[arg(long)]
    pub any: bool,

    /// Rank whole articles rather than passages: the words of a plain-words query count over
    /// all of an article's passages together (every word somewhere in the article; any of them
    /// with --any), and each article shows its best passages. Queries in the query language
    /// (quotes, fields, operators) and --sort date rank articles by their best passage.
    #[arg(long)]
    pub articles: bool,

    /// Print JSON Lines: one {"type":"hit"} object per passage, then a {"type":"summary"}.
    #[arg(long)]
    pub json: bool,

    /// When to colour highlights: auto (on a terminal, unless NO_COLOR is set), always, never.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    pub color: ColorArg,
}

/// Filters that narrow what a query matches, shared by `search` and `actors`.
#[derive(Debug, Args)]
pub struct FilterArgs {
    /// Only articles dated on or after this date (2016-09-22, 2016-09-22T10:30:00Z, ...).
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,

    /// Only articles dated before the end of this day (or before this instant, if it has a time).
    #[arg(long, value_name = "DATE")]
    pub until: Option<String>,

    /// Only articles from this source (case-insensitive, whole name). Repeatable: any of them.
    #[arg(long, value_name = "NAME")]
    pub source: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ActorsArgs {
    /// A query, as for `newsdex search`; default: every passage.
    #[arg(value_name = "QUERY", default_value = "*")]
    pub query: String,

    /// Only this kind: person, organisation (org) or place.
    #[arg(long = "type", value_name = "KIND")]
    pub kind: Option<String>,

    /// How many actors to list.
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub top: usize,

    /// Rank the actors that appear in the same passages as this one.
    #[arg(long, value_name = "ACTOR")]
    pub with: Option<String>,

    #[command(flatten)]
    pub filters: FilterArgs,

    /// Print JSON Lines: one {"type":"actor"} per actor, then a {"type":"summary"}.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct TopicsArgs {
    /// A query, as for `newsdex search`; default: every passage.
    #[arg(value_name = "QUERY", default_value = "*")]
    pub query: String,

    #[command(flatten)]
    pub filters: FilterArgs,

    /// Print JSON Lines: one {"type":"topic"} per topic, then a {"type":"summary"}.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct QuotesArgs {
    /// A query, as for `newsdex search` (quote:word searches what was said); default: all.
    #[arg(value_name = "QUERY", default_value = "*")]
    pub query: String,

    /// Only quotes by this speaker: a name ("Aliyev"), or an id ("person:Ilham Aliyev").
    #[arg(long, value_name = "NAME")]
    pub speaker: Option<String>,

    #[command(flatten)]
    pub filters: FilterArgs,

    /// How many quotes to list.
    #[arg(long, short = 'n', value_name = "N", default_value_t = 20)]
    pub limit: usize,

    /// Print JSON Lines: one {"type":"quote"} per quote, then a {"type":"summary"}.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ExtractArgs {
    /// Files or folders to read (any format `newsdex index` reads).
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Take an article field from a named column or key (as for `newsdex index`).
    #[arg(long = "field", value_name = "NAME=COLUMN")]
    pub fields: Vec<String>,

    /// Your own actors (as for `newsdex index --actors`).
    #[arg(long, value_name = "FILE")]
    pub actors: Option<PathBuf>,

    /// Print one JSON object per article.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct StatsArgs {
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SortArg {
    /// Best match first (BM25).
    Relevance,
    /// Newest first.
    Date,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorArg {
    Auto,
    Always,
    Never,
}
