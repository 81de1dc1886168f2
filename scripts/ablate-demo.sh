#!/usr/bin/env bash
# `ants ablate --table paper-3` on the demo's data (a random tiny CLIP, generated images: the
# numbers mean nothing, the layout is the point): the demo's OOD textures split into a near and a
# far half, ANTS with the demo's settings, and the scripted MLLM server of scripts/. Prints the
# table of the README and writes OUT/ablate/report.html.
#   bash scripts/ablate-demo.sh [OUT]        (default OUT: build/ablate-demo)
set -euo pipefail
cd "$(dirname "$0")/.."
ANTS=${ANTS:-build/ants}
OUT=${1:-build/ablate-demo}
PORT=${PORT:-18431}
mkdir -p "$OUT"
[ -f "$OUT/demo/id.txt" ] || "$ANTS" demo --out "$OUT/demo" --quiet > /dev/null
ls "$OUT/demo/images/ood" | sort | head -n 100 | sed 's|^|ood/|; s|$| -1|' > "$OUT/near.txt"
ls "$OUT/demo/images/ood" | sort | tail -n +101 | sed 's|^|ood/|; s|$| -1|' > "$OUT/far.txt"
/usr/bin/python3 scripts/fake-mllm-server.py "$PORT" > /dev/null 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null' EXIT
sleep 1
"$ANTS" ablate --table paper-3 --model "$OUT/demo/model" --classes "$OUT/demo/classes.txt" --preprocess clip \
  --batch 32 --count 2000 --min-candidates 20 --near-start 2 --near-interval 3 --near-top 4 \
  --id "$OUT/demo/id.txt" --data-root "$OUT/demo/images" --ood "near=$OUT/near.txt:near" --ood "far=$OUT/far.txt:far" \
  --seeds 0,1,2 --mllm-url "http://127.0.0.1:$PORT" --mllm-model ants-demo --cache-dir "$OUT/cache" \
  --out "$OUT/ablate" > /dev/null
/usr/bin/python3 - "$OUT/ablate/grid.json" <<'PY'
import json, sys
g = json.load(open(sys.argv[1]))
print("| variant | near FPR95 ↓ | near AUROC ↑ | far FPR95 ↓ | far AUROC ↑ | scoring (s) |")
print("|---|---|---|---|---|---|")
for v in g["variants"]:
    sp = {s["name"]: s for s in v["metrics"]["splits"] if s}
    cell = lambda k, m: f'{sp[k]["mean"][m]:.2f} ± {sp[k]["std"][m]:.2f}'
    print(f'| {v["name"]} | {cell("nearood", "fpr95")} | {cell("nearood", "auroc")} | {cell("farood", "fpr95")} | '
          f'{cell("farood", "auroc")} | {v["timings"]["score_s"]:.1f} |')
e = g["variants"][0]["timings"]["embed_s"]
print(f'\nembedding (first variant) {e:.1f} s, total {g["timings"]["total_s"]:.1f} s')
PY
echo "report: $OUT/ablate/report.html" >&2
