#!/usr/bin/python3
"""Generates tests/data/adaneg-goldens.json: AdaNeg as its authors run it, i.e.
TTAPromptPostprocessor_noadagap (`--postprocessor.name ttapromptnoadagap`, scripts/ood/adaneg/
imagenet.sh) in openood/postprocessors/ttaprompt_postprocessor.py of github ZhuWenjie98/ANTS,
driven batch by batch over a scripted feature stream.

Run with Debian's interpreter (python3-torch 1.13, python3-numpy):

  # `fetch github:ZhuWenjie98/ANTS` gives a bare git dir, e.g. /work/.mirror/ZhuWenjie98+ANTS/repo
  ANTS_AUTHORS_GIT=/path/to/ANTS.git /usr/bin/python3 scripts/gen-adaneg-goldens.py

The authors' file is extracted from the git dir into a temp dir at run time (never copied here);
its only relative import (BasePostprocessor) is stubbed. No CLIP runs: the network stub returns
the given image features, the ID + negative text features and the logit scale, as the authors'
`fixedclip_negoodprompt` network does with `return_feat=True`. Tests read the stored JSON.

The stream: D = 24, 12 ID classes, 103 negative labels (5 groups of 20 after dropping 3 columns,
as the reference drops K mod group_num), logit scale 100, 40 batches of 16. Images are noisy
ID-class directions, noisy negative-label directions, mixtures of both and random directions,
so that the vanilla grouped score spans (0, 1): memories fill, overflow and evict (the ID
classes receive far more confident images than the memory holds). Each configuration in
CONFIGS runs the same stream with its own arguments; the scores and ID predictions of every
image are stored.
"""
import json
import os
import subprocess
import sys
import tempfile
import types
from pathlib import Path

import numpy as np
import torch

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "adaneg-goldens.json"
D, N_ID, N_NEG, SCALE, BATCH, N_BATCHES = 24, 12, 103, 100.0, 16, 40
BASE = dict(tau=1.0, beta=5.5, thres=0.5, gap=0.5, memleng=10, lambdaval=0.1, group_num=5, random_permute=True,
            samada=False, in_score="combine")
CONFIGS = {
    "imagenet-script": {},
    "short-memory": dict(memleng=3),
    "no-permute": dict(random_permute=False, memleng=4),
    "adaonly": dict(in_score="adaonly", memleng=4),
    "vanillaonly": dict(in_score="vanillaonly"),
    "multiply": dict(in_score="multiply", thres=0.6, gap=0.3, lambdaval=0.3),
    "samada": dict(samada=True, memleng=4),
}


def extract(git_dir):
    root = tempfile.mkdtemp(prefix="adaneg-authors-")
    tar = subprocess.run(["git", "--git-dir", git_dir, "archive", "HEAD", "openood/postprocessors/ttaprompt_postprocessor.py"],
                         capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", root], input=tar, check=True)
    for d in ("openood", "openood/postprocessors"):
        open(f"{root}/{d}/__init__.py", "a").close()
    Path(f"{root}/openood/postprocessors/base_postprocessor.py").write_text(
        "class BasePostprocessor:\n    def __init__(self, config):\n        self.config = config\n")
    try:
        import tqdm  # noqa: F401  (python3-tqdm; only setup() uses it, which AdaNeg's script never runs)
    except ImportError:
        os.makedirs(f"{root}/tqdm", exist_ok=True)
        Path(f"{root}/tqdm/__init__.py").write_text("def tqdm(x, **k):\n    return x\n")
    commit = subprocess.run(["git", "--git-dir", git_dir, "rev-parse", "HEAD"], capture_output=True, check=True,
                            text=True).stdout.strip()
    sys.path.insert(0, root)
    return commit


def unit(x):
    return (x / np.linalg.norm(x, axis=-1, keepdims=True)).astype(np.float32)


def make_stream(rng):
    t_id = unit(rng.normal(size=(N_ID, D)))
    t_neg = unit(rng.normal(size=(N_NEG, D)))
    images = []
    for i in range(BATCH * N_BATCHES):
        kind = rng.integers(0, 5)
        c, k = rng.integers(0, N_ID), rng.integers(0, N_NEG)
        if kind == 0:    # an ID image, from clear to noisy
            v = t_id[c] + rng.normal(scale=rng.uniform(0.02, 0.3), size=D)
        elif kind == 1:  # a negative label's look-alike
            v = t_neg[k] + rng.normal(scale=rng.uniform(0.02, 0.3), size=D)
        elif kind == 2:  # between the two
            w = rng.uniform(0.2, 0.8)
            v = w * t_id[c] + (1 - w) * t_neg[k] + rng.normal(scale=0.05, size=D)
        elif kind == 3:  # two ID classes (an uncertain prediction: high entropy)
            v = t_id[c] + t_id[(c + 1) % N_ID] + rng.normal(scale=0.1, size=D)
        else:            # nothing known
            v = rng.normal(size=D)
        images.append(v)
    return t_id, t_neg, unit(np.array(images))


class Net:
    def __init__(self, t_id, t_neg):
        self.n_cls = len(t_id)
        self.text = torch.tensor(np.vstack([t_id, t_neg]))
        self.scale = torch.tensor(SCALE)

    def eval(self):
        return self

    def __call__(self, data, return_feat=True):
        return data, self.text, self.scale


def run(t_id, t_neg, images, args):
    from openood.postprocessors.ttaprompt_postprocessor import TTAPromptPostprocessor_noadagap
    config = types.SimpleNamespace(postprocessor=types.SimpleNamespace(
        postprocessor_args=types.SimpleNamespace(**args), postprocessor_sweep={}))
    pp = TTAPromptPostprocessor_noadagap(config)
    net = Net(t_id, t_neg)
    preds, scores = [], []
    with torch.no_grad():
        for b in range(0, len(images), BATCH):
            pred, conf = pp.postprocess(net, torch.tensor(images[b:b + BATCH]))
            preds += pred.tolist()
            scores += conf.tolist()
    filled = int((pp.indice_memory > 1).sum())
    full = int((pp.indice_memory == args["memleng"]).sum())
    return preds, scores, filled, full


def main():
    git_dir = os.environ.get("ANTS_AUTHORS_GIT", "")
    if not os.path.isdir(git_dir):
        raise SystemExit("set ANTS_AUTHORS_GIT to the git dir of a fetched github:ZhuWenjie98/ANTS")
    commit = extract(git_dir)
    t_id, t_neg, images = make_stream(np.random.default_rng(20261201))
    out = {
        "generator": f"scripts/gen-adaneg-goldens.py, torch {torch.__version__}",
        "authors_commit": commit,
        "reference": "openood/postprocessors/ttaprompt_postprocessor.py: TTAPromptPostprocessor_noadagap",
        "scale": SCALE, "batch_size": BATCH,
        "id_features": t_id.tolist(), "negative_features": t_neg.tolist(), "image_features": images.tolist(),
        "runs": [],
    }
    for name, change in CONFIGS.items():
        args = dict(BASE, **change)
        preds, scores, filled, full = run(t_id, t_neg, images, args)
        out["runs"].append({"name": name, "args": args, "pred": preds, "score": scores,
                            "labels_with_images": filled, "labels_full": full})
        print(f"{name}: {filled} labels hold images, {full} full; score range {min(scores):.4f}..{max(scores):.4f}",
              file=sys.stderr)
    OUT.write_text(json.dumps(out) + "\n")
    print(f"wrote {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
