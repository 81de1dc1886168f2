#!/usr/bin/env bash
# Records data/demo/mllm-replay.jsonl: runs `ants demo` against the scripted server
# scripts/fake-mllm-server.py with --mllm-record. Rerun when the prompts, the demo data or the
# cache-key format change, then rebuild (the file is compiled into libants).
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${PORT:-18931}
/usr/bin/python3 scripts/fake-mllm-server.py "$PORT" & SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
sleep 1
WORK=$(mktemp -d)
: > data/demo/mllm-replay.jsonl.new
build/ants demo --out "$WORK" --quiet --mllm-url "http://127.0.0.1:$PORT" --mllm-model ants-demo --mllm-cache none \
  --mllm-record data/demo/mllm-replay.jsonl.new > /dev/null
mv data/demo/mllm-replay.jsonl.new data/demo/mllm-replay.jsonl
rm -rf "$WORK"
echo "recorded $(wc -l < data/demo/mllm-replay.jsonl) answers into data/demo/mllm-replay.jsonl"
