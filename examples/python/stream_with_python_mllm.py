"""Streaming OOD detection with an in-process "MLLM" written as a Python class.

    python3 examples/python/stream_with_python_mllm.py MODEL_DIR CLASSES IMAGE_OR_FOLDER...

CLASSES: a class-list file or a built-in list (imagenet, cifar10, cifar100). Images are scored
in detector batches of 16, in order; each batch updates the ANTS state. Prints one JSON line per
image (score: higher = more in-distribution) and the detector's state at the end on stderr.

The MLLM here is a stand-in that describes an image by its dominant colour (with Pillow, when
installed). Any object with the same two methods works, e.g. a Hugging Face model:

    class QwenVL:
        def describe(self, image: bytes, exclude_class):     # -> str | None
            ...  # run the model on PIL.Image.open(io.BytesIO(image)) with the ENS prompt
        def similar(self, class_name):                        # -> list[str] | str | None
            ...  # ask for five visually similar classes

Answers are cleaned like a server's; an exception or None is "no answer" and the stream goes on.
"""
import io
import json
import pathlib
import sys

import ants

COLOURS = {(1, 0, 0): "red", (0, 1, 0): "green", (0, 0, 1): "blue", (1, 1, 0): "yellow", (1, 0, 1): "magenta",
           (0, 1, 1): "cyan", (0, 0, 0): "black", (1, 1, 1): "white"}


class ColourMllm:
    def describe(self, image, exclude_class):
        try:
            from PIL import Image
        except ImportError:
            return None  # no answer: the detector goes on with the banks it has
        r, g, b = Image.open(io.BytesIO(image)).convert("RGB").resize((1, 1)).getpixel((0, 0))
        return f"a mostly {COLOURS[(r > 127, g > 127, b > 127)]} pattern"

    def similar(self, class_name):
        return [f"{class_name} toy", f"{class_name} drawing", f"{class_name} statue"]


def main(model_dir, classes, inputs):
    files = []
    for i in inputs:
        p = pathlib.Path(i)
        files += sorted(str(f) for f in p.rglob("*") if f.is_file()) if p.is_dir() else [i]
    clip = ants.Clip(model_dir)
    det = ants.Detector(clip, classes, mllm=ColourMllm(), progress=lambda d, t: None)
    for start in range(0, len(files), 16):
        s = det.score(files[start:start + 16])
        for name, score, pred in zip(s.names, s.score, s.pred):
            print(json.dumps({"file": name, "score": float(score), "pred": det.classes[pred] if pred >= 0 else None}))
        for index, name, error in s.errors:
            print(f"skipped {error}", file=sys.stderr)
    print(json.dumps(det.state), file=sys.stderr)
    print("ENS labels:", det.ens_labels[:5], file=sys.stderr)


if __name__ == "__main__":
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2], sys.argv[3:])
