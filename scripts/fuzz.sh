#!/usr/bin/env bash
# Coverage-guided fuzzing of every parser: libFuzzer with ASan + UBSan (clang), targets in
# tests/fuzz, seeds in tests/fuzz/corpus, dictionaries in tests/fuzz/dict.
#   bash scripts/fuzz.sh build                   # the instrumented tree in build-fuzz
#   bash scripts/fuzz.sh run [SECONDS] [TARGET]  # each target for SECONDS (default 15), two at a
#                                                # time; fails on a crash, leak, timeout or OOM and
#                                                # prints the reproducer as base64 (CI)
#   bash scripts/fuzz.sh long [SECONDS] [TARGET] # each target until 10^6 runs or SECONDS (default
#                                                # 300): the table of executions and coverage
#   bash scripts/fuzz.sh seeds                   # rewrites the seeds only ants can make
# New inputs found go to build-fuzz/corpus/TARGET, never into the repository's seeds.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=build-fuzz
CORPUS=tests/fuzz/corpus
TARGETS=(safetensors model-config image-jpeg image-png image-webp image-bmp tokenizer chat-answer answer-parse
         replay cache-entry snapshot state image-list class-list score-file eval-files)
# Targets whose seeds come from ants itself (LLVMFuzzerInitialize with ANTS_FUZZ_WRITE_SEEDS).
MADE_SEEDS=(safetensors model-config cache-entry snapshot state)

dict_of() {
  case "$1" in
    safetensors) echo tests/fuzz/dict/safetensors.dict ;;
    image-png) echo tests/fuzz/dict/png.dict ;;
    model-config|chat-answer|replay|snapshot|state|cache-entry|eval-files) echo tests/fuzz/dict/json.dict ;;
  esac
}

build() {
  CC=clang CXX=clang++ cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Debug -DANTS_FUZZ=ON -DANTS_WERROR=ON \
    -DANTS_BUILD_TESTS=OFF -DANTS_BUILD_TOOLS=OFF -DANTS_BUILD_EXAMPLES=OFF -DANTS_PYTHON=OFF >/dev/null
  cmake --build "$BUILD" -j"$(nproc)"
}

# run_one TARGET LIBFUZZER_FLAGS...: the log is $BUILD/logs/TARGET.log; artifacts $BUILD/artifacts/TARGET-*.
run_one() {
  local t=$1; shift
  local work="$BUILD/corpus/$t" dict
  mkdir -p "$work" "$CORPUS/$t" "$BUILD/artifacts" "$BUILD/logs"
  rm -f "$BUILD/artifacts/$t-"*
  dict=$(dict_of "$t")
  local args=(-timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$BUILD/artifacts/$t-")
  [ -n "$dict" ] && args+=(-dict="$dict")
  LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "$BUILD/tests/fuzz/fuzz-$t" "${args[@]}" "$@" "$work" "$CORPUS/$t" >"$BUILD/logs/$t.log" 2>&1
}

report_one() {
  local t=$1 rc=$2 log="$BUILD/logs/$1.log"
  local execs cov corpus
  # A target that stopped before fuzzing (no binary, a bad flag) has none of these lines.
  execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | awk '{print $2}' | tail -1 || true)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | awk '{print $2}' || true)
  corpus=$(find "$BUILD/corpus/$t" "$CORPUS/$t" -type f 2>/dev/null | wc -l || true)
  printf '%-14s %10s execs  %6s edges  %5s inputs  %s\n' "$t" "${execs:-?}" "${cov:-?}" "$corpus" \
    "$([ "$rc" -eq 0 ] && echo ok || echo FAILED)"
  if [ "$rc" -ne 0 ]; then
    tail -40 "$log" >&2
    for a in "$BUILD/artifacts/$t-"*; do
      [ -f "$a" ] || continue
      echo "reproducer $a (base64):" >&2
      base64 -w 0 "$a" >&2; echo >&2
    done
  fi
}

# run_all FLAGS...: every target (or $ONLY), two at a time (each may use 2 GiB); returns non-zero
# when one failed.
run_all() {
  local failed=0 pids=() names=() t i
  local list=("${TARGETS[@]}")
  [ -n "${ONLY:-}" ] && list=("$ONLY")
  for t in "${list[@]}"; do
    run_one "$t" "$@" & pids+=($!); names+=("$t")
    if [ ${#pids[@]} -ge 2 ]; then
      wait "${pids[0]}" && rc=0 || rc=$?; report_one "${names[0]}" "$rc"; [ "$rc" -eq 0 ] || failed=1
      pids=("${pids[@]:1}"); names=("${names[@]:1}")
    fi
  done
  for i in "${!pids[@]}"; do
    wait "${pids[$i]}" && rc=0 || rc=$?; report_one "${names[$i]}" "$rc"; [ "$rc" -eq 0 ] || failed=1
  done
  return $failed
}

case "${1:-run}" in
  build) build ;;
  run)
    [ -x "$BUILD/tests/fuzz/fuzz-tokenizer" ] || build
    ONLY=${3:-} run_all -max_total_time="${2:-15}" ;;
  long)
    [ -x "$BUILD/tests/fuzz/fuzz-tokenizer" ] || build
    ONLY=${3:-} run_all -max_total_time="${2:-300}" -runs=1000000 ;;
  seeds)
    [ -x "$BUILD/tests/fuzz/fuzz-tokenizer" ] || build
    for t in "${MADE_SEEDS[@]}"; do
      mkdir -p "$CORPUS/$t"
      ANTS_FUZZ_WRITE_SEEDS="$PWD/$CORPUS/$t" "$BUILD/tests/fuzz/fuzz-$t" >/dev/null 2>&1
    done
    du -sh "$CORPUS" ;;
  *) echo "usage: bash scripts/fuzz.sh build|run [SECONDS] [TARGET]|long [SECONDS] [TARGET]|seeds" >&2; exit 2 ;;
esac
