// The Lucene peer of `newsdex bench --peers --lucene JAR`: indexes the articles newsdex wrote
// out, times the same text queries, and ranks the test queries, so every engine of a bench
// sees the same text. Written for Lucene 8 (the jar of any 8.x release with the analyzers,
// query parser and highlighter, such as Anserini's fat jar).
//
// Usage (newsdex runs these; every figure goes to stdout, one per line):
//   LuceneBench index DIR ARTICLES THREADS RAM_MB   -> "secs S", "articles N" and, where the
//                                                      JVM says, "cpu_secs C"
//   LuceneBench search DIR QUERIES REPEAT           -> per query "HITS<TAB>ms,ms,..."
//   LuceneBench rank DIR QUERIES DEPTH              -> per query the ids, tab-separated
// ARTICLES holds "id<TAB>title<TAB>body" per line with \\, \t, \n and \r escaped; QUERIES one
// query per line in the classic query syntax.

import java.io.BufferedReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.queryparser.classic.MultiFieldQueryParser;
import org.apache.lucene.queryparser.classic.QueryParser;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.TopScoreDocCollector;
import org.apache.lucene.search.uhighlight.UnifiedHighlighter;
import org.apache.lucene.store.FSDirectory;

public class LuceneBench {
    private static final String[] FIELDS = {"title", "body"};
    private static final String[] END = new String[0];
    /** Where snippet lengths go, so the JIT cannot drop the highlighting. */
    static long sink;

    public static void main(String[] args) throws Exception {
        if (args.length != 5 && args.length != 4) {
            System.err.println("usage: LuceneBench index|search|rank DIR FILE N [RAM_MB]");
            System.exit(2);
        }
        Path dir = Paths.get(args[1]);
        Path file = Paths.get(args[2]);
        int n = Integer.parseInt(args[3]);
        switch (args[0]) {
            case "index": index(dir, file, n, Integer.parseInt(args[4])); break;
            case "search": search(dir, file, n); break;
            case "rank": rank(dir, file, n); break;
            default: System.err.println("unknown command " + args[0]); System.exit(2);
        }
    }

    /** One reader thread feeds THREADS indexing threads; timed from the first read to the
     *  commit with merges finished, as newsdex and raw tantivy are. */
    static void index(Path dir, Path articles, int threads, int ramMb) throws Exception {
        long started = System.nanoTime();
        long cpuStarted = processCpuNanos();
        Analyzer analyzer = new EnglishAnalyzer();
        IndexWriterConfig config = new IndexWriterConfig(analyzer)
            .setRAMBufferSizeMB(ramMb)
            .setOpenMode(IndexWriterConfig.OpenMode.CREATE);
        long count = 0;
        try (FSDirectory store = FSDirectory.open(dir);
             IndexWriter writer = new IndexWriter(store, config)) {
            BlockingQueue<String[]> queue = new ArrayBlockingQueue<>(4096);
            List<Thread> workers = new ArrayList<>();
            Exception[] failure = new Exception[1];
            for (int t = 0; t < threads; t++) {
                Thread w = new Thread(() -> {
                    try {
                        for (String[] a = queue.take(); a != END; a = queue.take()) {
                            Document doc = new Document();
                            doc.add(new StringField("id", a[0], Field.Store.YES));
                            doc.add(new TextField("title", a[1], Field.Store.YES));
                            doc.add(new TextField("body", a[2], Field.Store.YES));
                            writer.addDocument(doc);
                        }
                    } catch (Exception e) {
                        synchronized (failure) { failure[0] = e; }
                    }
                });
                w.start();
                workers.add(w);
            }
            try (BufferedReader in = Files.newBufferedReader(articles, StandardCharsets.UTF_8)) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    String[] parts = line.split("\t", -1);
                    if (parts.length != 3) continue;
                    for (int i = 0; i < 3; i++) parts[i] = unescape(parts[i]);
                    queue.put(parts);
                    count++;
                }
            }
            for (int t = 0; t < threads; t++) queue.put(END);
            for (Thread w : workers) w.join();
            if (failure[0] != null) throw failure[0];
            writer.commit();
        }
        System.out.println("secs " + (System.nanoTime() - started) / 1e9);
        long cpuEnded = processCpuNanos();
        if (cpuStarted >= 0 && cpuEnded >= 0) {
            System.out.println("cpu_secs " + (cpuEnded - cpuStarted) / 1e9);
        }
        System.out.println("articles " + count);
    }

    /** CPU time of the whole JVM (every thread, the JIT's and the collector's too), ns; -1
     *  where the JVM does not say. */
    static long processCpuNanos() {
        java.lang.management.OperatingSystemMXBean os =
            java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean) {
            return ((com.sun.management.OperatingSystemMXBean) os).getProcessCpuTime();
        }
        return -1;
    }

    /** Each query: the exact match count and the top 10 with a highlighted body snippet, the
     *  job raw tantivy's peer does. The whole list runs at least three times and for at least
     *  five seconds first, so the JIT has compiled it; then each query is counted once and
     *  timed REPEAT times. */
    static void search(Path dir, Path queriesFile, int repeat) throws Exception {
        List<String> lines = Files.readAllLines(queriesFile, StandardCharsets.UTF_8);
        try (DirectoryReader reader = open(dir)) {
            IndexSearcher searcher = new IndexSearcher(reader);
            Analyzer analyzer = new EnglishAnalyzer();
            UnifiedHighlighter highlighter = new UnifiedHighlighter(searcher, analyzer);
            List<Query> queries = new ArrayList<>();
            for (String line : lines) queries.add(parser(analyzer, true).parse(line));
            long warm = System.nanoTime();
            for (int round = 0; round < 3 || System.nanoTime() - warm < 5_000_000_000L; round++)
                for (Query q : queries) top10(searcher, highlighter, q);
            StringBuilder out = new StringBuilder();
            for (Query q : queries) {
                long hits = top10(searcher, highlighter, q);
                out.append(hits).append('\t');
                for (int r = 0; r < repeat; r++) {
                    long t0 = System.nanoTime();
                    top10(searcher, highlighter, q);
                    out.append(r == 0 ? "" : ",").append((System.nanoTime() - t0) / 1e6);
                }
                out.append('\n');
            }
            System.out.print(out);
        }
    }

    static long top10(IndexSearcher searcher, UnifiedHighlighter highlighter, Query q)
            throws Exception {
        TopScoreDocCollector collector = TopScoreDocCollector.create(10, Integer.MAX_VALUE);
        searcher.search(q, collector);
        TopDocs top = collector.topDocs();
        for (String snippet : highlighter.highlight("body", q, top))
            sink += snippet == null ? 0 : snippet.length();
        for (ScoreDoc d : top.scoreDocs) sink += searcher.doc(d.doc).get("id").length();
        return top.totalHits.value;
    }

    /** Each line: words, searched as an OR of them; prints the ids of the best DEPTH articles. */
    static void rank(Path dir, Path queriesFile, int depth) throws Exception {
        List<String> lines = Files.readAllLines(queriesFile, StandardCharsets.UTF_8);
        try (DirectoryReader reader = open(dir)) {
            IndexSearcher searcher = new IndexSearcher(reader);
            Analyzer analyzer = new EnglishAnalyzer();
            StringBuilder out = new StringBuilder();
            for (String line : lines) {
                List<String> ids = new ArrayList<>();
                if (!line.isBlank()) {
                    StringBuilder words = new StringBuilder();
                    for (String w : line.trim().split("\\s+"))
                        words.append(QueryParser.escape(w)).append(' ');
                    Query q = parser(analyzer, false).parse(words.toString());
                    for (ScoreDoc d : searcher.search(q, depth).scoreDocs)
                        ids.add(searcher.doc(d.doc).get("id"));
                }
                out.append(String.join("\t", ids)).append('\n');
            }
            System.out.print(out);
        }
    }

    /** The index at DIR; the process ends after one command, so the directory is left open. */
    static DirectoryReader open(Path dir) throws Exception {
        return DirectoryReader.open(FSDirectory.open(dir));
    }

    static MultiFieldQueryParser parser(Analyzer analyzer, boolean conjunction) {
        MultiFieldQueryParser p = new MultiFieldQueryParser(FIELDS, analyzer);
        p.setDefaultOperator(conjunction ? QueryParser.Operator.AND : QueryParser.Operator.OR);
        return p;
    }

    static String unescape(String s) {
        if (s.indexOf('\\') < 0) return s;
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                char e = s.charAt(++i);
                b.append(e == 't' ? '\t' : e == 'n' ? '\n' : e == 'r' ? '\r' : e);
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
