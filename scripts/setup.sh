#!/usr/bin/env bash
# Installs ants' build dependencies from Debian's archive, builds a Release ants in build/, and
# (unless --no-demo) runs the main job on built-in data: `ants demo` (eval with ANTS on generated images).
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  build-essential cmake pkg-config
  libdnnl-dev ocl-icd-opencl-dev  # oneDNN (fp32 / bf16 AMX GEMM); its CMake config needs OpenCL
  nlohmann-json3-dev     # JSON: configs, safetensors headers, CLI output
  libcli11-dev           # command-line parsing
  libutf8proc-dev        # Unicode normalisation and categories for the tokenizer
  libpcre2-dev           # ftfy's mojibake heuristics (its regular expressions) in the tokenizer
  zlib1g-dev             # the built-in gzip'd CLIP BPE list
  libxxhash-dev          # content hashes for the embedding-cache keys
  libcpp-httplib-dev libssl-dev  # HTTP(S) client of the MLLM server (and the tests' fake server)
  libsqlite3-dev         # the MLLM answer cache
  libjpeg62-turbo-dev libpng-dev libwebp-dev libstb-dev  # image codecs
  libgtest-dev libbenchmark-dev                          # tests, benchmarks
  wrk curl                                               # the server's load benchmark (scripts/bench-serve.sh)
  clang libfuzzer-14-dev                                 # the fuzz targets (scripts/fuzz.sh)
  slurm-wlm munge         # the Slurm pipeline's test on a single-node cluster (tests/slurm)
  chromium               # the test that renders report.html headless
  python3-dev python3-numpy python3-pytest pybind11-dev  # the Python module (import ants) and its tests
  python3-venv python3-pip python3-setuptools python3-wheel ninja-build python3-pil  # its wheel (pip wheel .), PIL inputs
)

install_packages() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}" >&2
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
  fi
}

install_packages
# The same flags as scripts/test.sh, so the test run reuses this build instead of recompiling it.
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DANTS_WERROR=ON >&2
cmake --build build -j"$(nproc)" >&2

if [ "${1:-}" != "--no-demo" ]; then
  bash scripts/demo.sh
fi
