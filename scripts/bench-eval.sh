#!/usr/bin/env bash
# `ants eval` end to end on 2,000 photo-sized JPEGs (1,000 ID + 1,000 OOD, 500x375) with a
# random-weight ViT-B/16 in bf16, ANTS with the 1000 ImageNet classes and a scripted MLLM server
# (scripts/fake-mllm-server.py, sync mode): images/s of the whole command against the engine's own
# images/s (build/ants-bench, batch 32). Then the same eval again, whose image embeddings all come
# from the cache. The NegLabel bank is built (and cached) first and timed apart. A random model
# scores every image above the default γ0 = 0.8, so nothing would ever be mined; γ0 = 0.9 and
# detector batches of 128 make ENS and VSNL (from batch 10) ask the MLLM, as with a real model.
# Results: build/bench/eval.md.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=build/bench
mkdir -p "$OUT"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DANTS_BUILD_BENCH=ON >/dev/null
cmake --build build -j"$(nproc)" --target ants_cli ants-bench >&2
. scripts/bench-data.sh  # MODEL (random ViT-B/16) and IMAGES (id/ and ood/, 1,000 JPEGs each)
CACHE=$OUT/eval-cache
PORT=${PORT:-18932}
/usr/bin/python3 scripts/fake-mllm-server.py "$PORT" & SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
ARGS=(--model "$MODEL" --precision bf16 --classes imagenet --cache-dir "$CACHE" --quiet)

start=$(date +%s.%N)
build/ants negatives --model "$MODEL" --precision bf16 --classes imagenet --cache-dir "$CACHE" > /dev/null 2>&1
bank_s=$(echo "$(date +%s.%N) - $start" | bc)

rm -rf "$CACHE/image-embeddings"
run_eval() {
  local t0 t1
  t0=$(date +%s.%N)
  build/ants eval "${ARGS[@]}" --id "$IMAGES/id" --ood "noise=$IMAGES/ood:far" --out "$OUT/eval-run" \
    --gamma0 0.9 --batch 128 --mllm-url "http://127.0.0.1:$PORT" --mllm-model ants-demo --mllm-cache none > /dev/null
  t1=$(date +%s.%N)
  echo "$t1 - $t0" | bc
}
cold_s=$(run_eval)
warm_s=$(run_eval)
build/ants-bench --model "$MODEL" --precision bf16 --batches 32 --reps 2 --prompts 0 > "$OUT/eval-engine.json"
engine=$(/usr/bin/python3 -c "import json;print(json.load(open('$OUT/eval-engine.json'))['images_per_s']['32']['mean'])")
/usr/bin/python3 - "$cold_s" "$warm_s" "$engine" "$bank_s" "$OUT/eval-run/run.json" <<'PY' | tee "$OUT/eval.md"
import json, sys
cold, warm, engine, bank = map(float, sys.argv[1:5])
run = json.load(open(sys.argv[5]))
n = 2000
print("| ants eval, 2,000 JPEGs 500x375, ViT-B/16 bf16, ANTS + scripted MLLM | value |")
print("|---|---|")
print(f"| end to end, embeddings computed (s) | {cold:.1f} |")
print(f"| end to end images/s | {n / cold:.2f} |")
print(f"| engine images/s (ants-bench, batch 32) | {engine:.2f} |")
print(f"| end to end / engine | {100 * n / cold / engine:.1f} % |")
print(f"| second eval, embeddings from the cache (s) | {warm:.1f} |")
print(f"| NegLabel bank for 1000 classes, built once (s) | {bank:.1f} |")
print(f"| MLLM requests / failures (second run) | {run['mllm']['requests']} / {run['mllm']['failures']} |")
PY
