#!/usr/bin/env bash
# `ants eval` spread over a Slurm cluster, with the result one `ants eval` would write:
#   1. an embedding job array: task i runs `ants cache-images --shard i/N` over the eval's lists;
#   2. a scoring job array after it (afterok): one task per (OOD set, seed) run,
#      `ants eval ... --require-cached --runs SET:SEED --out OUT.parts/run-K`;
#   3. a merge job after that: `ants eval-merge OUT OUT.parts/run-*`.
# Usage:
#   ants-eval-slurm.sh --shards N [--partition P] [--time T] [--cpus-per-task C] [--sbatch-arg ARG]...
#                      [--ants PATH] [--dry-run] -- <ants eval arguments, with --out OUT>
# Prints the three job ids as JSON on stdout ({"embed", "score", "merge", "out"}); --dry-run
# prints the batch scripts and the sbatch commands instead. The binary is --ants, else $ANTS,
# else `ants` on PATH, else this repository's build/ants. The eval arguments must give
# --precision. Rerunning after a failed or cancelled task resubmits everything: embeddings already
# in the cache take seconds, so only what is missing is computed (the runs are scored again).
# Logs: OUT.parts/logs/. Unreadable images do not fail a task: eval skips and reports them as it
# does without Slurm.
set -euo pipefail

die() { echo "ants-eval-slurm: $*" >&2; exit 2; }
usage() { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; }

shards="" partition="" time_limit="" cpus="" ants="${ANTS:-}" dry_run=0
sbatch_args=()
need() { [ $# -ge 2 ] && [ -n "$2" ] || die "$1 needs a value"; }
while [ $# -gt 0 ]; do
  [[ "$1" == --?*=* ]] && set -- "${1%%=*}" "${1#*=}" "${@:2}"  # --opt=value
  case "$1" in
    --shards) need "$@"; shards=$2; shift 2 ;;
    --partition) need "$@"; partition=$2; shift 2 ;;
    --time) need "$@"; time_limit=$2; shift 2 ;;
    --cpus-per-task) need "$@"; cpus=$2; shift 2 ;;
    --sbatch-arg) need "$@"; sbatch_args+=("$2"); shift 2 ;;
    --ants) need "$@"; ants=$2; shift 2 ;;
    --dry-run) dry_run=1; shift ;;
    -h|--help) usage; exit 0 ;;
    --) shift; break ;;
    *) die "unknown option '$1' (the eval's own arguments go after --)" ;;
  esac
done
[[ "$shards" =~ ^[1-9][0-9]*$ ]] || die "--shards N (a positive number) is required"
[ $# -gt 0 ] || die "no ants eval arguments after --"
[ "$1" = eval ] && shift  # `-- eval ARGS` and `-- ARGS` both work

# The binary, as an absolute path (the jobs may start elsewhere).
if [ -z "$ants" ]; then
  if command -v ants >/dev/null 2>&1; then
    ants=$(command -v ants)
  else
    ants="$(cd "$(dirname "$0")/../.." && pwd)/build/ants"
  fi
fi
[ -x "$ants" ] || die "no ants binary at '$ants' (use --ants PATH or \$ANTS)"
ants=$(cd "$(dirname "$ants")" && pwd)/$(basename "$ants")

# What the stages need from the eval's arguments (`--opt value` or `--opt=value`).
out="" id="" seeds="" seed="" precision="" threads="" mllm_url=0 mllm_cache=""
ood=() eval_args=() embed_args=()
last=""  # the option before a bare word: `--ood A B` gives --ood two values
while [ $# -gt 0 ]; do
  if [[ "$1" != -* ]]; then
    [ "$last" = --ood ] && ood+=("$1")
    eval_args+=("$1")
    shift
    continue
  fi
  opt=$1 value="" has_value=0 last=$1
  if [[ "$opt" == --*=* ]]; then value=${opt#*=}; opt=${opt%%=*}; has_value=1; fi
  take() {  # the option's value: after '=' or the next argument
    if [ $has_value -eq 0 ]; then [ $# -ge 2 ] || die "$opt needs a value"; value=$2; consumed=2; else consumed=1; fi
  }
  consumed=1
  case "$opt" in
    --out|-o) take "$@"; out=$value; shift $consumed; continue ;;
    --runs) die "--runs is the pipeline's to set" ;;
    --require-cached) shift; continue ;;
    --id) take "$@"; id=$value ;;
    --ood) take "$@"; ood+=("$value") ;;
    --seeds) take "$@"; seeds=$value ;;
    --seed) take "$@"; seed=$value ;;
    --mllm-url|--mllm-replay) take "$@"; mllm_url=1 ;;
    --mllm-cache) take "$@"; mllm_cache=$value ;;
    --precision) take "$@"; precision=$value; embed_args+=("$opt" "$value") ;;
    --threads) take "$@"; threads=$value; embed_args+=("$opt" "$value") ;;
    --model|-m|--preprocess|--data-root|--cache-dir|--max-pixels|--infer-batch)
      take "$@"; embed_args+=("$opt" "$value") ;;
  esac
  eval_args+=("${@:1:$consumed}")
  shift $consumed
done
[ -n "$out" ] || die "the eval arguments need --out OUT"
[ -n "$id" ] || die "the eval arguments need --id LIST"
[ ${#ood[@]} -gt 0 ] || die "the eval arguments need --ood NAME=LIST[:near|far]"
[ -n "$seeds" ] || seeds=${seed:-0}
seeds=${seeds// /}
# The default precision follows each node's CPU (bf16 where it has native bf16): the stages must
# agree, so it is not left to the nodes.
[ -n "$precision" ] || die "the eval arguments need --precision fp32|bf16 (its default follows each node's CPU)"
if [ -n "$mllm_cache" ] && [ "$mllm_cache" != none ]; then
  echo "ants-eval-slurm: warning: every scoring task uses --mllm-cache $mllm_cache; on a network filesystem" \
    "only one of them can have it at a time (leave it out: each task then gets its own)" >&2
fi
# Each task uses the CPUs Slurm gave it, not all of the node's.
thread_arg=""
[ -z "$threads" ] && thread_arg=' --threads "${SLURM_CPUS_PER_TASK:-0}"'

# The runs, in the order eval writes them (sets in --ood order, then seeds), and the lists.
runs=() inputs=("$id")
IFS=',' read -r -a seed_list <<<"$seeds"
for spec in "${ood[@]}"; do
  name=${spec%%=*} list=${spec#*=}
  list=${list%:near}; list=${list%:far}
  inputs+=("$list")
  for s in "${seed_list[@]}"; do runs+=("$name:$s"); done
done
parts="$out.parts"
run_dirs=()
for k in "${!runs[@]}"; do run_dirs+=("$parts/run-$k"); done

quoted() {  # the arguments as shell words, space-separated
  local out="" a
  for a in "$@"; do out+="${out:+ }$(printf '%q' "$a")"; done
  printf '%s' "$out"
}
header() {  # the #SBATCH lines of stage $1 (array range $2, log file $3)
  echo "#!/usr/bin/env bash"
  echo "#SBATCH --job-name=ants-$1"
  echo "#SBATCH --chdir=$(quoted "$PWD")"
  echo "#SBATCH --output=$(quoted "$parts/logs/$3")"
  [ -n "$2" ] && echo "#SBATCH --array=$2"
  [ -n "$partition" ] && echo "#SBATCH --partition=$partition"
  [ -n "$time_limit" ] && echo "#SBATCH --time=$time_limit"
  [ -n "$cpus" ] && echo "#SBATCH --cpus-per-task=$cpus"
  echo "set -u"
}

embed_script() {
  header embed "0-$((shards - 1))" "embed-%a.log"
  echo "summary=$(quoted "$parts")/embed-\$SLURM_ARRAY_TASK_ID.json"
  echo "$(quoted "$ants" cache-images "${embed_args[@]}")$thread_arg --shard \"\$SLURM_ARRAY_TASK_ID/$shards\" \\"
  echo "  $(quoted "${inputs[@]}") > \"\$summary\""
  echo 'rc=$?'
  echo '# exit 1 with failed images in the summary: unreadable images, which eval skips and reports'
  echo '[ $rc -eq 1 ] && grep -q '"'"'"failed":[1-9]'"'"' "$summary" && exit 0'
  echo 'exit $rc'
}

score_script() {
  header score "0-$((${#runs[@]} - 1))" "score-%a.log"
  echo "runs=($(quoted "${runs[@]}"))"
  echo "dir=$(quoted "$parts")/run-\$SLURM_ARRAY_TASK_ID"
  local cache=""
  # Each task its own MLLM answer cache unless the user named one (SQLite on a network filesystem
  # is one process at a time).
  [ $mllm_url -eq 1 ] && [ -z "$mllm_cache" ] && cache=" --mllm-cache $(quoted "$parts")/mllm-\$SLURM_ARRAY_TASK_ID.sqlite"
  echo 'rm -rf "$dir"  # a rerun never merges an earlier submission'"'"'s part'
  echo "$(quoted "$ants" eval "${eval_args[@]}")$thread_arg --require-cached --runs \"\${runs[\$SLURM_ARRAY_TASK_ID]}\" \\"
  echo "  --out \"\$dir\"$cache"
  echo 'rc=$?'
  echo '# exit 1 with the part written and images in "skipped": unreadable images, skipped and reported'
  echo '[ $rc -eq 1 ] && [ -f "$dir/report.html" ] && ! grep -q '"'"'"skipped": \[\]'"'"' "$dir/run.json" && exit 0'
  echo 'exit $rc'
}

merge_script() {
  header merge "" "merge.log"
  echo "merged=$(quoted "$parts")/merged.json"
  echo 'rm -f "$merged"'
  echo "$(quoted "$ants" eval-merge "$out" "${run_dirs[@]}") > \"\$merged.tmp\""
  echo 'rc=$?'
  echo '# exit 1 with the metrics printed: images were skipped (run.json lists them), as in eval'
  echo '[ $rc -le 1 ] && [ -s "$merged.tmp" ] && mv "$merged.tmp" "$merged" && exit 0'
  echo 'exit $rc'
}

if [ $dry_run -eq 1 ]; then
  for stage in embed score merge; do
    echo "# $parts/slurm/$stage.sbatch"
    "${stage}_script"
    echo
  done
  extra=$(quoted "${sbatch_args[@]}")
  echo "# sbatch --parsable ${extra:+$extra }$parts/slurm/embed.sbatch"
  echo "# sbatch --parsable --dependency=afterok:<embed> --kill-on-invalid-dep=yes ${extra:+$extra }$parts/slurm/score.sbatch"
  echo "# sbatch --parsable --dependency=afterok:<score> --kill-on-invalid-dep=yes ${extra:+$extra }$parts/slurm/merge.sbatch"
  exit 0
fi

command -v sbatch >/dev/null 2>&1 || die "sbatch is not on PATH (Slurm's client commands)"
mkdir -p "$parts/slurm" "$parts/logs"
for stage in embed score merge; do "${stage}_script" >"$parts/slurm/$stage.sbatch"; done
submit() { sbatch --parsable "$@" | cut -d';' -f1; }
embed=$(submit "${sbatch_args[@]}" "$parts/slurm/embed.sbatch")
score=$(submit --dependency=afterok:"$embed" --kill-on-invalid-dep=yes "${sbatch_args[@]}" "$parts/slurm/score.sbatch")
merge=$(submit --dependency=afterok:"$score" --kill-on-invalid-dep=yes "${sbatch_args[@]}" "$parts/slurm/merge.sbatch")
echo "ants-eval-slurm: embed job $embed ($shards tasks), score job $score (${#runs[@]} runs), merge job $merge" >&2
printf '{"embed": "%s", "score": "%s", "merge": "%s", "out": "%s"}\n' "$embed" "$score" "$merge" "$out"
