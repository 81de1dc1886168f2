#!/usr/bin/env bash
# Measures the CLIP engine on a random-weight ViT-B/16 (real shapes): images/s at batch 1/8/32 and
# 10,000 "The nice {word}." prompts for fp32 and bf16 (bench/clip-bench.cpp, one process each so
# peak RSS is per precision), then the whole-process time of embedding 48 640x480 PNGs with
# `ants embed-image` against the PyTorch 1.13 reference (bench/torch_clip.py), with hyperfine.
# Results: build/bench/results.{json,md}.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=build/bench
mkdir -p "$OUT"

need=()
for p in hyperfine python3-torch python3-torchvision python3-pil libopenblas0-pthread; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >&2
fi

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DANTS_BUILD_BENCH=ON >/dev/null
cmake --build build -j"$(nproc)" --target ants_cli ants-bench ants-mllm-bench >&2

# MLLM client requests/s against the in-process fake server (parallel 1 and 4, instant and 20 ms).
build/ants-mllm-bench --requests 64 --delay-ms 20 --reps 3 > "$OUT/mllm.json"

MODEL=$OUT/vit-b-16
[ -f "$MODEL/model.safetensors" ] || build/ants make-random-model --arch vit-b-16 --out "$MODEL"
WORDS=$OUT/words.txt
if [ -d ../shared/data/neglabel-wordnet ]; then
  awk 'length > 0 && n++ < 10000' ../shared/data/neglabel-wordnet/noun.*.txt > "$WORDS"
else
  : > "$WORDS"
fi

for prec in fp32 bf16; do
  build/ants-bench --model "$MODEL" --precision "$prec" --batches 1,8,32 --reps 3 --prompts 10000 \
    ${WORDS:+--words "$WORDS"} > "$OUT/engine-$prec.json"
done

IMAGES=$OUT/photos
if [ ! -f "$IMAGES/047.png" ]; then
  mkdir -p "$IMAGES"
  /usr/bin/python3 - "$IMAGES" <<'PY'
import sys, numpy as np
from PIL import Image
rng = np.random.default_rng(0)
for i in range(48):
    y, x = np.mgrid[0:480, 0:640]
    base = np.stack([(x * (i + 1)) % 256, (y * 3 + i * 7) % 256, ((x + y) // 3) % 256], -1)
    noise = rng.integers(0, 40, (480, 640, 3))
    Image.fromarray(np.clip(base + noise, 0, 255).astype(np.uint8)).save(f"{sys.argv[1]}/{i:03d}.png")
PY
fi

# The same embeddings from both (independent check of the engine on a ViT-B/16).
build/ants embed-image --precision fp32 --model "$MODEL" "$IMAGES"/00[0-3].png > "$OUT/ants-fp32.jsonl"
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 bench/torch_clip.py images "$MODEL" "$IMAGES"/00[0-3].png > "$OUT/torch.jsonl"
/usr/bin/python3 - "$OUT/ants-fp32.jsonl" "$OUT/torch.jsonl" <<'PY' | tee "$OUT/parity.txt"
import json, sys, numpy as np
a = [np.array(json.loads(l)["embedding"]) for l in open(sys.argv[1])]
b = [np.array(json.loads(l)["embedding"]) for l in open(sys.argv[2])]
print("ViT-B/16 ants fp32 vs torch: min cosine %.7f over %d photos" % (min(float(x @ y) for x, y in zip(a, b)), len(a)))
PY

hyperfine --warmup 1 --runs 3 --export-json "$OUT/whole-process.json" \
  -n "ants fp32" "build/ants embed-image --precision fp32 --model $MODEL $IMAGES/*.png > /dev/null" \
  -n "ants bf16" "build/ants embed-image --precision bf16 --model $MODEL $IMAGES/*.png > /dev/null" \
  -n "torch 1.13" "env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 bench/torch_clip.py images $MODEL $IMAGES/*.png > /dev/null"

/usr/bin/python3 - "$OUT" <<'PY'
import json, sys
out = sys.argv[1]
eng = {p: json.load(open(f"{out}/engine-{p}.json")) for p in ("fp32", "bf16")}
wp = {r["command"]: r for r in json.load(open(f"{out}/whole-process.json"))["results"]}
lines = ["| precision | batch 1 | batch 8 | batch 32 (images/s) | 10k prompts (s) | peak RSS (MiB) |", "|---|---|---|---|---|---|"]
for p, e in eng.items():
    ips = e["images_per_s"]
    lines.append(f"| {p} | " + " | ".join(f"{ips[b]['mean']:.2f} ± {ips[b]['sd']:.2f}" for b in ("1", "8", "32"))
                 + f" | {e['prompts']['seconds']:.2f} | {e['peak_rss_mib']:.0f} |")
lines += ["", "| 48 PNGs 640x480, whole process | mean (s) | sd (s) | speed-up vs torch |", "|---|---|---|---|"]
t = wp["torch 1.13"]["mean"]
for name, r in wp.items():
    lines.append(f"| {name} | {r['mean']:.2f} | {r['stddev'] or 0:.2f} | {t / r['mean']:.2f}x |")
open(f"{out}/results.md", "w").write("\n".join(lines) + "\n")
json.dump({"engine": eng, "whole_process": wp}, open(f"{out}/results.json", "w"), indent=1)
print("\n".join(lines))
PY
