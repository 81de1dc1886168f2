#!/usr/bin/env bash
# The built-in example: writes a tiny random-weight CLIP (real CLIP tokenizer, random weights, so
# the numbers carry no meaning), then tokenizes, embeds texts and embeds the bundled images.
set -euo pipefail
cd "$(dirname "$0")/.."
ANTS=${ANTS:-build/ants}
OUT=${OUT:-build/demo}
mkdir -p "$OUT"
"$ANTS" make-random-model --arch tiny --out "$OUT/tiny-clip"
"$ANTS" info --model "$OUT/tiny-clip"
"$ANTS" tokenize --model "$OUT/tiny-clip" "The nice goldfish." "a photo of a “cat”"
"$ANTS" embed-text --model "$OUT/tiny-clip" "The nice goldfish." "The nice tabby cat." | cut -c1-120
"$ANTS" embed-image --model "$OUT/tiny-clip" examples/images/* | cut -c1-120
