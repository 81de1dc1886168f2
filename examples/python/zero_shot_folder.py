"""Zero-shot classification of every image in a folder with a CLIP model.

    python3 examples/python/zero_shot_folder.py MODEL_DIR FOLDER "cat" "dog" "car"

Prints one CSV row per image: file, the most likely class, its probability (softmax over the
given classes at CLIP's logit scale).
"""
import csv
import pathlib
import sys

import numpy as np

import ants


def main(model_dir, folder, classes):
    clip = ants.Clip(model_dir)
    files = sorted(str(p) for p in pathlib.Path(folder).rglob("*")
                   if p.suffix.lower() in {".jpg", ".jpeg", ".png", ".webp", ".bmp"})
    images = clip.encode_images(files, progress=lambda done, total: print(f"\r{done}/{total} images", end="",
                                                                          file=sys.stderr))
    print(file=sys.stderr)
    texts = clip.encode_texts([f"a photo of a {c}." for c in classes])
    logits = clip.info["logit_scale"] * images @ texts.T
    probs = np.exp(logits - logits.max(axis=1, keepdims=True))
    probs /= probs.sum(axis=1, keepdims=True)
    out = csv.writer(sys.stdout)
    out.writerow(["file", "class", "prob"])
    for f, p in zip(files, probs):
        out.writerow([f, classes[int(p.argmax())], f"{p.max():.4f}"])


if __name__ == "__main__":
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2], sys.argv[3:])
