#!/usr/bin/env bash
# Fetches a Lucene 8 jar for `newsdex bench --peers --lucene JAR` into DIR and prints its path.
# Maven Central is not reachable from this project's machines, so the jar comes from PyPI:
# pyserini 0.16.0 ships Anserini 0.14.1's fat jar, which holds Lucene 8.11.0 with its analyzers,
# classic query parser and highlighter. Nothing is kept in the repository.
#   benches/lucene-jar.sh /tmp/lucene
set -euo pipefail
out=${1:?usage: lucene-jar.sh DIR}
jar="$out/anserini-0.14.1-fatjar.jar"
if [ ! -f "$jar" ]; then
  mkdir -p "$out"
  python3 -m pip download --quiet pyserini==0.16.0 --no-deps -d "$out" >&2
  unzip -o -q -j "$out"/pyserini-0.16.0-*.whl 'pyserini/resources/jars/*.jar' -d "$out"
  rm -f "$out"/pyserini-0.16.0-*.whl
fi
echo "$jar"
