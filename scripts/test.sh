#!/usr/bin/env bash
# The test suite: a Release build running every GoogleTest through ctest (all labels: unit, cli,
# render, slow; see tests/CMakeLists.txt) and the Python module's pytest suite, an ASan+UBSan
# build running the unit and cli tests (the ones that find memory bugs; the slow and render tests
# are not run twice), the kill -9 / concurrency / full-disk harness (tests/crash), the Slurm
# pipeline on a single-node cluster (tests/slurm), every libFuzzer
# target for 10 s (scripts/fuzz.sh), then `cmake --install`
# and an outside project built against it with find_package(ants), and the Python package
# installed the three ways (scripts/test-python-package.sh).
#   bash scripts/test.sh            # all of it
#   bash scripts/test.sh --quick    # Release build + ctest only
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS=$(nproc)

step() { echo "== [${SECONDS} s] $*" >&2; }

step "Release build"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DANTS_WERROR=ON >/dev/null
cmake --build build -j"$JOBS"
step "Release tests"
ctest --test-dir build --output-on-failure -j"$JOBS"
if [ -d build/python/ants ]; then
  step "Python tests (import ants from build/python)"
  PYTHONPATH="$PWD/build/python" /usr/bin/python3 -m pytest python/tests -q
fi

[ "${1:-}" = "--quick" ] && exit 0

step "Crash consistency: kill -9 at seeded moments, concurrent cache users, full disk (tests/crash)"
rm -rf build/kill-harness
/usr/bin/python3 tests/crash/kill-harness.py --ants build/ants --work build/kill-harness --points 3

step "Slurm: the sharded eval pipeline on a single-node cluster (tests/slurm)"
rm -rf build/slurm-test
/usr/bin/python3 tests/slurm/slurm-pipeline-test.py --ants build/ants --work build/slurm-test

step "ASan+UBSan build"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DANTS_SANITIZE=ON -DANTS_WERROR=ON -DANTS_BUILD_EXAMPLES=OFF \
  -DANTS_PYTHON=OFF >/dev/null
cmake --build build-asan -j"$JOBS"
step "ASan+UBSan tests (labels unit and cli)"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp ctest --test-dir build-asan --output-on-failure -j"$JOBS" -L 'unit|cli'

step "Fuzz: every parser under libFuzzer + ASan + UBSan (clang), 10 s per target (scripts/fuzz.sh)"
bash scripts/fuzz.sh build >/dev/null
bash scripts/fuzz.sh run 10

step "install + find_package(ants) from an outside project"
rm -rf build/install build/consumer
cmake --install build --prefix build/install >/dev/null
cmake -S examples -B build/consumer -DCMAKE_PREFIX_PATH="$PWD/build/install" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/consumer -j"$JOBS"
build/ants make-random-model --arch tiny --out build/consumer/tiny 2>/dev/null
build/consumer/zero-shot build/consumer/tiny examples/images/shapes.jpg "a photo of a cat" "a photo of shapes"
ANTS_CACHE_DIR=build/consumer/cache build/consumer/ood-stream build/consumer/tiny cifar10 examples/images neglabel
echo "install + find_package: ok" >&2
if [ -d build/python/ants ]; then
  step "Python package: cmake --install, pip wheel (in a fresh venv), pip install"
  bash scripts/test-python-package.sh
fi
step "done"
