#!/usr/bin/env bash
# Search latency over a query file: for each query, the median of N runs of
#   - search: time inside newsdex (query parsing, ranking, grouping, stored fields, highlights),
#     from the `elapsed_ms` of `newsdex search --json`;
#   - process: the whole `newsdex search` command, start to exit, as a shell user sees it.
# Usage: benches/search-latency.sh INDEX QUERIES [RUNS]   (build with cargo build --release first)
set -euo pipefail
index=$1 queries=$2 runs=${3:-20}
bin=${NEWSDEX_BIN:-target/release/newsdex}
python3 - "$bin" "$index" "$queries" "$runs" <<'PY'
import json, statistics, subprocess, sys, time
bin, index, queries, runs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
rows = []
for q in [l.strip() for l in open(queries) if l.strip()]:
    inner, outer = [], []
    for _ in range(runs):
        t = time.perf_counter()
        out = subprocess.run([bin, "--index", index, "search", q, "--json"], capture_output=True, text=True)
        outer.append((time.perf_counter() - t) * 1e3)
        summary = json.loads(out.stdout.splitlines()[-1])["data"]
        inner.append(summary["elapsed_ms"])
    rows.append((q, summary["matched_passages"], statistics.median(inner), statistics.median(outer)))
print(f"{'query':<34} {'matched':>8} {'search ms':>10} {'process ms':>11}")
for q, m, i, o in rows:
    print(f"{q:<34} {m:>8} {i:>10.2f} {o:>11.2f}")
print(f"{'median over queries':<34} {'':>8} {statistics.median(r[2] for r in rows):>10.2f} {statistics.median(r[3] for r in rows):>11.2f}")
PY
