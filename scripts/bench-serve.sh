#!/usr/bin/env bash
# `ants serve` under load, against `ants detect` on the same images: a random-weight ViT-B/16
# (bf16 where the CPU has AVX512-BF16, else fp32), the 1000 ImageNet classes, ANTS with a fixed
# bank of 1,000 negative prompts (no MLLM), detector batch 256, photo-sized JPEGs (500x375).
#   detect: images/s from two runs (64 and 512 images), so start-up cancels out; measured before
#           and after the serve rows (this is what `detect --no-cache` does for images: the image
#           cache is emptied before each run), and the rows compared with their mean, since a
#           shared machine's speed drifts;
#   serve:  CLIENTS (default 1 8 32) clients sending PER_REQUEST-image requests (default 1 32;
#           build/ants-serve-load, multipart over keep-alive, each client its own images, at
#           least 512 images a row), each row on a fresh image cache, with the mean images per
#           CLIP forward pass from /metrics; then wrk (Debian) posting one raw image/jpeg body
#           again and again, i.e. with cached embeddings: the server's own cost per request;
#   soak:   SOAK seconds (default 600) of 8 clients x 32 images while the server's RSS is sampled.
# Results: build/bench/serve.md. SOAK=0 skips the soak.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=build/bench
mkdir -p "$OUT"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DANTS_BUILD_BENCH=ON >/dev/null
cmake --build build -j"$(nproc)" --target ants_cli ants-serve-load >&2
. scripts/bench-data.sh  # MODEL (random ViT-B/16) and IMAGES (id/ and ood/, 1,000 JPEGs each)
CACHE=$OUT/serve-cache
SOAK=${SOAK:-600}
PORT=${PORT:-18943}
NEG=$OUT/serve-negatives.txt
head -n 1000 data/neglabel-wordnet/noun.artifact.txt | sed 's/.*/The nice &./' > "$NEG"
ARGS=(--model "$MODEL" --classes imagenet --negatives "$NEG" --cache-dir "$CACHE" --batch 256 --quiet)
CLIENTS=${CLIENTS:-1 8 32}
IMAGES_PER=${PER_REQUEST:-1 32}
mapfile -t FILES < <(ls "$IMAGES"/id/*.jpg | head -n 512; ls "$IMAGES"/ood/*.jpg | head -n 512)  # 32 x 32 distinct
secs() { local t0; t0=$(date +%s.%N); "$@" > /dev/null; echo "$(date +%s.%N) - $t0" | bc; }

build/ants detect "${ARGS[@]}" "${FILES[@]:0:8}" > /dev/null  # embeds (and caches) the ID and negative prompts
detect_speed() {  # images/s of detect: the slope between 64 and 512 images
  local small large
  rm -rf "$CACHE/image-embeddings"
  small=$(secs build/ants detect "${ARGS[@]}" "${FILES[@]:0:64}")
  rm -rf "$CACHE/image-embeddings"
  large=$(secs build/ants detect "${ARGS[@]}" "${FILES[@]:0:512}")
  echo "(512 - 64) / ($large - $small)" | bc -l
}
detect_before=$(detect_speed)
echo "detect: $detect_before images/s" >&2

build/ants serve "${ARGS[@]}" --port "$PORT" --max-wait-ms 50 --request-timeout 3600 --max-queue 100000 \
  2> "$OUT/serve.log" & SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
until curl -sf "http://127.0.0.1:$PORT/health" > /dev/null; do sleep 0.5; done
rss_mib() { awk '/VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$SERVER/status"; }
metric() { curl -s "http://127.0.0.1:$PORT/metrics" | awk -v m="$1" '$1 == m {print $2}'; }
echo "[" > "$OUT/serve-load.json"
for images in $IMAGES_PER; do
  for clients in $CLIENTS; do
    requests=$(( 512 / (clients * images) )); [ "$requests" -ge 1 ] || requests=1
    rm -rf "$CACHE/image-embeddings"
    passes0=$(metric ants_forward_batch_size_count); sum0=$(metric ants_forward_batch_size_sum)
    line=$(build/ants-serve-load --port "$PORT" --clients "$clients" --images "$images" --requests "$requests" \
      --stream "load-$images-$clients" "${FILES[@]}") || true  # a row with failures is kept, counted
    passes1=$(metric ants_forward_batch_size_count); sum1=$(metric ants_forward_batch_size_sum)
    echo "$line" >&2
    per_pass=$(echo "($sum1 - $sum0) / ($passes1 - $passes0)" | bc -l 2>/dev/null || true)
    [ -z "$line" ] || echo "${line%\}}, \"images_per_pass\": $(printf '%.2f' "${per_pass:-0}")}," >> "$OUT/serve-load.json"
  done
done
echo "{}]" >> "$OUT/serve-load.json"

cat > "$OUT/wrk-image.lua" <<EOF
local f = io.open("${FILES[0]}", "rb"); wrk.body = f:read("*all"); f:close()
wrk.method = "POST"; wrk.headers["Content-Type"] = "image/jpeg"
EOF
rm -rf "$CACHE/image-embeddings"
wrk_out=$(wrk -t 2 -c 8 -d 30s --latency -s "$OUT/wrk-image.lua" "http://127.0.0.1:$PORT/v1/streams/wrk/score" || true)
echo "$wrk_out" >&2

rss_before=$(rss_mib); rss_samples=""
if [ "$SOAK" -gt 0 ]; then
  rm -rf "$CACHE/image-embeddings"
  end=$(( $(date +%s) + SOAK ))
  while [ "$(date +%s)" -lt "$end" ]; do
    build/ants-serve-load --port "$PORT" --clients 8 --images 32 --requests 1 --stream soak "${FILES[@]}" > /dev/null
    rss_samples="$rss_samples $(rss_mib)"
  done
fi
rss_after=$(rss_mib)
kill -TERM $SERVER; wait $SERVER || true; trap - EXIT
detect_after=$(detect_speed)
echo "detect again: $detect_after images/s" >&2

/usr/bin/python3 - "$detect_before" "$OUT/serve-load.json" "$rss_before" "$rss_after" "$SOAK" "$rss_samples" \
  "$detect_after" "$wrk_out" <<'PY' | tee "$OUT/serve.md"
import json, re, sys
before, after = float(sys.argv[1]), float(sys.argv[7])
detect = (before + after) / 2
runs = [r for r in json.load(open(sys.argv[2])) if r]
print(f"`ants detect` on the same images: {before:.2f} images/s before the serve rows, {after:.2f} after "
      f"(mean {detect:.2f})\n")
print("| clients | images/request | images/s | % of detect | p50 (ms) | p99 (ms) | images per CLIP pass | failed |")
print("|---|---|---|---|---|---|---|---|")
for r in runs:
    print(f"| {r['clients']} | {r['images_per_request']} | {r['images_per_s']:.2f} | {100 * r['images_per_s'] / detect:.0f} % "
          f"| {r['p50_ms']:.0f} | {r['p99_ms']:.0f} | {r.get('images_per_pass', 0):.1f} | {r['failed']} |")
wrk = sys.argv[8]
rps, p50, p99 = (re.search(p, wrk, re.M) for p in (r"^Requests/sec:\s*([\d.]+)", r"^\s*50%\s+(\S+)", r"^\s*99%\s+(\S+)"))
if rps:
    print(f"\nwrk, 8 connections posting one cached image: {float(rps.group(1)):.0f} requests/s, "
          f"p50 {p50.group(1)}, p99 {p99.group(1)}.")
samples = [float(x) for x in sys.argv[6].split()]
tenth = max(1, len(samples) // 10)
if int(sys.argv[5]) > 0 and samples:
    print(f"\nSoak, {int(sys.argv[5])} s of 8 clients x 32 images: server RSS {sys.argv[3]} MiB before, "
          f"{min(samples):.1f}-{max(samples):.1f} MiB during ({len(samples)} samples; mean of the first tenth "
          f"{sum(samples[:tenth]) / tenth:.1f}, of the last {sum(samples[-tenth:]) / tenth:.1f}), {sys.argv[4]} MiB after.")
PY
