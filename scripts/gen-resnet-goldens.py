#!/usr/bin/python3
"""Generates tests/data/resnet-goldens.json: embeddings of a random-weight ModifiedResNet CLIP
(OpenAI's RN50 family) computed by open_clip's own PyTorch model.

Run by hand, with Debian's torch (python3-torch 1.13, python3-torchvision) and open_clip_torch
2.24.0 from PyPI unpacked on PYTHONPATH (with ftfy, regex, tqdm, huggingface_hub):

    PYTHONPATH=/path/to/open_clip /usr/bin/python3 scripts/gen-resnet-goldens.py --ants build/ants

ants writes the model (`make-random-model --arch rn-tiny --layout open_clip --seed 7`); this
script loads it into open_clip's CLIP (bench/open_clip_peer.py) with strict tensor-name checking
(so ants' names are open_clip's), and embeds deterministic pixel tensors and open_clip-tokenized
texts. The test regenerates the model, checks it is the same one (tensor
sums), and compares embeddings by cosine.
"""
import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import open_clip
import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from open_clip_peer import load_model  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "resnet-goldens.json"
SEED = 7
TEXTS = ["a photo of a dog", "goldfish", "a blurry photo of the great white shark, swimming", ""]
CHECKED_TENSORS = ["visual.conv1.weight", "visual.layer4.0.downsample.1.running_var", "visual.attnpool.c_proj.weight"]
def pixels(i, size):
    """Image i: smooth patterns in the normalised range CLIP sees (float64 math, float32 out)."""
    c, y, x = np.meshgrid(np.arange(3), np.arange(size), np.arange(size), indexing="ij")
    v = 1.8 * np.sin(0.37 * x * (i + 1) + 0.23 * y + 1.3 * c + i) * np.cos(0.05 * (x - y) * (i + 2))
    return v.astype(np.float32)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ants", required=True)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([args.ants, "make-random-model", "--arch", "rn-tiny", "--layout", "open_clip",
                        "--seed", str(SEED), "-o", tmp], check=True)
        model, cfg = load_model(tmp)
    tensors = model.state_dict()
    size = cfg["vision_cfg"]["image_size"]
    images = np.stack([pixels(i, size) for i in range(4)])
    tokens = open_clip.tokenize(TEXTS)
    with torch.no_grad():
        img = F.normalize(model.encode_image(torch.from_numpy(images)), dim=-1)
        raw = model.encode_text(tokens)  # the raw norms check TextModel::encode_texts_unnormalized
        txt = F.normalize(raw, dim=-1)
    eot = tokens.argmax(dim=-1)
    golden = {
        "generator": f"scripts/gen-resnet-goldens.py, open_clip_torch 2.24.0, torch {torch.__version__}",
        "model": {"arch": "rn-tiny", "layout": "open_clip", "seed": SEED},
        "tensor_sums": {n: float(tensors[n].double().sum()) for n in CHECKED_TENSORS},
        "pixels": "scripts/gen-resnet-goldens.py pixels(i, size): 1.8 sin(0.37 x (i+1) + 0.23 y + 1.3 c + i) cos(0.05 (x-y) (i+2))",
        "image_size": size,
        "images": [{"index": i, "embedding": img[i].tolist()} for i in range(len(images))],
        "texts": [{"text": t, "ids": tokens[i, :eot[i] + 1].tolist(), "embedding": txt[i].tolist(),
                   "raw_norm": float(raw[i].norm())}
                  for i, t in enumerate(TEXTS)],
    }
    OUT.write_text(json.dumps(golden, indent=1) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
