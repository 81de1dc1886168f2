#!/usr/bin/env bash
# The main job on built-in data: `ants demo` writes a tiny random-weight CLIP (the numbers carry no
# meaning: there are no real weights on this machine), generated ID and OOD images, and runs
# `ants eval` with ANTS and the MLLM answers replayed from data/demo/mllm-replay.jsonl; the
# metrics, scores and report.html land in build/demo/eval.
set -euo pipefail
cd "$(dirname "$0")/.."
ANTS=${ANTS:-build/ants}
OUT=${OUT:-build/demo}
"$ANTS" demo --out "$OUT"
echo "report: $OUT/eval/report.html" >&2
