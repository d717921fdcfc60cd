#!/usr/bin/env bash
# Makes Reuters-21578 ×4 (86k records, about 64 MB of body text) in DIR: four copies of the
# SGML files whose NEWIDs are made distinct, so newsdex keeps all four instead of replacing one
# copy with the next. The data stays outside the repository.
#   benches/reuters-x4.sh ../shared/data/reuters21578/sgm /tmp/reuters-x4
set -euo pipefail
src=${1:?usage: reuters-x4.sh SGM_DIR OUT_DIR}
out=${2:?usage: reuters-x4.sh SGM_DIR OUT_DIR}
for copy in 1 2 3 4; do
  mkdir -p "$out/copy-$copy"
  for f in "$src"/*.sgm; do
    LC_ALL=C sed "s/NEWID=\"/NEWID=\"$copy-/" "$f" > "$out/copy-$copy/$(basename "$f")"
  done
done
echo "$out: $(ls "$out"/copy-*/*.sgm | wc -l) files"
