#!/usr/bin/env bash
# Every method on the demo's data with one `ants ablate` grid (a random tiny CLIP, generated
# images: the numbers mean nothing, the layout is the point): MCM, NegLabel, AdaNeg, CSP, EOE
# and ANTS, the demo's OOD textures split into a near and a far half, the scripted MLLM server of
# scripts/ for ANTS and EOE. Prints a table and writes OUT/baselines/report.html and each
# method's own eval report under OUT/baselines/variants/.
#   bash scripts/baselines-demo.sh [OUT]        (default OUT: build/baselines-demo)
set -euo pipefail
cd "$(dirname "$0")/.."
ANTS=${ANTS:-build/ants}
OUT=${1:-build/baselines-demo}
PORT=${PORT:-18432}
mkdir -p "$OUT"
[ -f "$OUT/demo/id.txt" ] || "$ANTS" demo --out "$OUT/demo" --quiet > /dev/null
ls "$OUT/demo/images/ood" | sort | head -n 100 | sed 's|^|ood/|; s|$| -1|' > "$OUT/near.txt"
ls "$OUT/demo/images/ood" | sort | tail -n +101 | sed 's|^|ood/|; s|$| -1|' > "$OUT/far.txt"
cat > "$OUT/grid.json" <<'JSON'
{"variants": [{"name": "mcm", "options": {"method": "mcm"}},
              {"name": "neglabel", "options": {"method": "neglabel"}},
              {"name": "adaneg", "options": {"method": "adaneg"}},
              {"name": "csp", "options": {"method": "csp"}},
              {"name": "eoe", "options": {"method": "eoe", "eoe_count": 100}},
              {"name": "ants", "options": {"method": "ants"}}]}
JSON
/usr/bin/python3 scripts/fake-mllm-server.py "$PORT" > /dev/null 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null' EXIT
sleep 1
"$ANTS" ablate --grid "$OUT/grid.json" --model "$OUT/demo/model" --classes "$OUT/demo/classes.txt" --preprocess clip \
  --batch 32 --count 2000 --min-candidates 20 --near-start 2 --near-interval 3 --near-top 4 \
  --id "$OUT/demo/id.txt" --data-root "$OUT/demo/images" --ood "near=$OUT/near.txt:near" --ood "far=$OUT/far.txt:far" \
  --seeds 0,1,2 --mllm-url "http://127.0.0.1:$PORT" --mllm-model ants-demo --cache-dir "$OUT/cache" \
  --out "$OUT/baselines" > /dev/null
/usr/bin/python3 - "$OUT/baselines/grid.json" <<'PY'
import json, sys
g = json.load(open(sys.argv[1]))
print("| method | near FPR95 ↓ | near AUROC ↑ | far FPR95 ↓ | far AUROC ↑ | scoring (s) |")
print("|---|---|---|---|---|---|")
for v in g["variants"]:
    split = {s["name"]: s["mean"] for s in v["metrics"]["splits"]}
    cells = [f'{split[k][m]:.2f}' for k in ("nearood", "farood") for m in ("fpr95", "auroc")]
    print(f'| {v["name"]} | ' + " | ".join(cells) + f' | {v["timings"]["score_s"]:.2f} |')
PY
echo "report: $OUT/baselines/report.html" >&2
