#!/usr/bin/env bash
# The stages of a sharded eval on a single-node Slurm cluster (scripts/slurm/local-cluster.sh, as
# root), with the data of scripts/bench-eval.sh (2,000 JPEGs of 500x375, random ViT-B/16 in bf16):
#   - embed stage: `ants cache-images` as a job array of 1 task x 2 threads and of 2 tasks x 1
#     thread, from an empty image cache, timed from submission until the array has left the queue;
#   - score stage: `ants eval --require-cached` over the 2,000 cached images with 3 seeds (ANTS,
#     1000 ImageNet classes, the scripted MLLM server in sync mode), one process;
#   - the paper-scale estimate from the measured rates (README, "Sharded evaluation").
# Results: build/bench/sharded.md.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=build/bench
mkdir -p "$OUT"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)" --target ants_cli >&2
. scripts/bench-data.sh  # MODEL (random ViT-B/16) and IMAGES (id/ and ood/, 1,000 JPEGs each)
CACHE=$PWD/$OUT/sharded-cache
CLUSTER=$PWD/$OUT/cluster
PORT=${PORT:-18933}
/usr/bin/python3 scripts/fake-mllm-server.py "$PORT" 2>/dev/null & SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; bash scripts/slurm/local-cluster.sh stop "$CLUSTER"' EXIT
eval "$(bash scripts/slurm/local-cluster.sh start "$CLUSTER")"
now() { date +%s.%N; }

# The NegLabel bank (text) is built once and cached, as on a cluster's shared cache.
build/ants negatives --model "$MODEL" --precision bf16 --classes imagenet --cache-dir "$CACHE" >/dev/null 2>&1

embed_stage() {  # TASKS: seconds from submission until every task has finished
  local tasks=$1 threads=$(($(nproc) / $1)) t0 job
  rm -rf "$CACHE/image-embeddings"
  t0=$(now)
  job=$(sbatch --parsable --array=0-$((tasks - 1)) --cpus-per-task "$threads" -o "$OUT/sharded-embed-%a.log" \
    --wrap "$PWD/build/ants cache-images --model $PWD/$MODEL --precision bf16 --threads $threads --cache-dir $CACHE \
            --shard \$SLURM_ARRAY_TASK_ID/$tasks $PWD/$IMAGES/id $PWD/$IMAGES/ood" | cut -d';' -f1)
  while [ -n "$(squeue -h -j "$job" 2>/dev/null)" ]; do sleep 0.2; done
  echo "$(now) - $t0" | bc
}
one_s=$(embed_stage 1)
two_s=$(embed_stage 2)

t0=$(now)
build/ants eval --model "$MODEL" --precision bf16 --classes imagenet --cache-dir "$CACHE" --quiet \
  --id "$IMAGES/id" --ood "noise=$IMAGES/ood:far" --seeds 0,1,2 --require-cached --out "$OUT/sharded-score" \
  --gamma0 0.9 --batch 128 --mllm-url "http://127.0.0.1:$PORT" --mllm-model ants-demo --mllm-cache none >/dev/null
score_s=$(echo "$(now) - $t0" | bc)

/usr/bin/python3 - "$one_s" "$two_s" "$score_s" <<'PY' | tee "$OUT/sharded.md"
import sys
one, two, score = map(float, sys.argv[1:4])
n = 2000
print("| sharded eval stages, 2,000 JPEGs 500x375, ViT-B/16 bf16, 2 cores | value |")
print("|---|---|")
print(f"| embed stage, 1 array task x 2 threads (s, images/s) | {one:.1f} s, {n / one:.2f} |")
print(f"| embed stage, 2 array tasks x 1 thread (s, images/s) | {two:.1f} s, {n / two:.2f} |")
print(f"| score stage, 2,000 cached images x 3 seeds, ANTS + MLLM (s) | {score:.1f} |")
per_core = n / two / 2
per_image = score / (3 * n)
print(f"| per core: embedding (images/s), scoring (ms per image and run) | {per_core:.2f}, {1000 * per_image:.2f} |")
PY
