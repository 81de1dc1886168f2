#!/usr/bin/env bash
# The three ways to install the Python module, each checked by importing it and embedding a text
# with the shared tiny model: `cmake --install` (+ PYTHONPATH), `pip wheel .` (scikit-build-core
# from PyPI; libants.so inside the wheel) installed into a fresh venv, and `pip install .`.
# Debian's python is externally managed, so the venvs use --system-site-packages (numpy).
# Run by scripts/test.sh after a Release build in build/.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=build/python-package
MODEL="$(cd .. && pwd)/shared/testdata/clip-tiny/model"
rm -rf "$OUT" && mkdir -p "$OUT"
export CMAKE_BUILD_PARALLEL_LEVEL=${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)}
check() {  # interpreter [env...]: import ants, print its version and the embedding width
  env "${@:2}" "$1" -c "import ants, sys; c = ants.Clip(sys.argv[1], precision='fp32'); \
print('ants', ants.__version__, 'from', ants.__file__, '- text embedding', c.encode_texts(['a cat']).shape)" "$MODEL"
}

cmake --install build --prefix "$OUT/prefix" >/dev/null
site=$(find "$OUT/prefix" -type d -path '*-packages/ants' | head -1)
check /usr/bin/python3 PYTHONPATH="$(dirname "$site")"

/usr/bin/python3 -m venv --system-site-packages "$OUT/build-venv"
"$OUT/build-venv/bin/pip" install -q "scikit-build-core>=0.10"
"$OUT/build-venv/bin/pip" wheel . --no-build-isolation --no-deps -w "$OUT/dist" -q
/usr/bin/python3 -m venv --system-site-packages "$OUT/wheel-venv"
"$OUT/wheel-venv/bin/pip" install -q "$OUT"/dist/*.whl
(cd /tmp && check "$OLDPWD/$OUT/wheel-venv/bin/python")

"$OUT/build-venv/bin/pip" install . --no-build-isolation --no-deps -q  # reuses build/wheel/
(cd /tmp && check "$OLDPWD/$OUT/build-venv/bin/python")
echo "python package: cmake --install, pip wheel, pip install: ok" >&2
