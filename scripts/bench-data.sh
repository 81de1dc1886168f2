# Sourced by the benchmarks (scripts/bench-eval.sh, scripts/bench-sharded.sh) with OUT set: a
# random-weight ViT-B/16 in $OUT/vit-b-16 (MODEL) and 2,000 photo-sized JPEGs of 500x375 in
# $OUT/eval-images (IMAGES): id/ (1,000 patterned) and ood/ (1,000 noise), made once.
MODEL=$OUT/vit-b-16
[ -f "$MODEL/model.safetensors" ] || build/ants make-random-model --arch vit-b-16 --out "$MODEL"
IMAGES=$OUT/eval-images
if [ ! -f "$IMAGES/ood/0999.jpg" ]; then
  mkdir -p "$IMAGES/id" "$IMAGES/ood"
  /usr/bin/python3 - "$IMAGES" <<'PY'
import sys, numpy as np
from PIL import Image
rng = np.random.default_rng(0)
y, x = np.mgrid[0:375, 0:500]
for split in ("id", "ood"):
    for i in range(1000):
        if split == "id":
            a = np.stack([(x * (i % 7 + 1)) % 256, (y * 2 + i) % 256, ((x + y) // (i % 5 + 1)) % 256], -1)
        else:
            a = rng.integers(0, 256, (375, 500, 3))
        Image.fromarray(a.astype(np.uint8)).save(f"{sys.argv[1]}/{split}/{i:04d}.jpg", quality=90)
PY
fi
