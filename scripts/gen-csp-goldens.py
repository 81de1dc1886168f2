#!/usr/bin/python3
"""Generates tests/data/csp-goldens.json: CSP (Conjugated Semantic Pool, NeurIPS 2024) as its
authors run it: `CLIPScalableClassifier` (mmcls/models/classifiers/multi_modal.py) builds the
ID ensembles and the negative bank, `ScalableClassifier` (mmcls/models/ood/clip_ood.py) scores,
from github MengyuanChen21/NeurIPS2024-CSP at commit COMMIT below.

Run with Debian's interpreter (python3-torch 1.13, python3-numpy):

  # `fetch github:MengyuanChen21/NeurIPS2024-CSP` gives a bare git dir
  CSP_GIT=/path/to/NeurIPS2024-CSP.git /usr/bin/python3 scripts/gen-csp-goldens.py

The three files are read from the git dir at run time (never copied here); their relative
imports (BaseClassifier, the registries, mmcv's BaseModule) are stubbed, their prompt-template
lists come from the authors' class_names.py. Their device strings ("cuda:N") are replaced by
"cpu", so the grouping permutation is torch's CPU randperm (ants' rule; the reference drew it on
CUDA). No CLIP runs: `clip.tokenize` numbers each text and `encode_text` returns a raw feature
per text from a table (random directions with random norms, so that averaging raw features
differs from averaging unit ones), which the golden stores, so that the tests can replay it.
os.listdir is sorted (the reference takes the file system's order; ants reads byte-wise sorted).

The corpus is small and hostile: duplicates within and across files and parts of speech,
underscores, padding spaces, a last line without a newline, files the exclusion list removes, a
file that is neither adjectives nor nouns, and one noun ("nearid") whose prompts sit next to an
ID class, so that its similarity is above 0.95 and becomes 1.0. Each configuration in CONFIGS
builds the bank and scores 48 images (ID-class directions with noise, negative-label
directions with noise, random directions).
"""
import json
import os
import subprocess
import sys
import tempfile
import types
import zlib
from pathlib import Path

import numpy as np
import torch

COMMIT = "3a7bdab"  # resolved to the full hash below and stored
OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "csp-goldens.json"
D = 16
CLASSES = ["tench", "goldfish", "red fox", "pickup truck", "lemon", "volcano"]
WORDS = "abcdefghijklmnopqrstuvwxyz"
DEFAULT_EXCLUDE = "noun.person.txt,noun.quantity.txt,noun.group.txt,adj.pert.txt"
CONFIGS = {
    "ratio-half-5-groups": dict(neg_topk=0.5, ngroup=5, seed=0, pencentile=0.95, txt_exclude=DEFAULT_EXCLUDE),
    "default-ratio-seed-3": dict(neg_topk=0.15, ngroup=1, seed=3, pencentile=0.95, txt_exclude=DEFAULT_EXCLUDE),
    "percentile-0.5-one-exclusion": dict(neg_topk=0.4, ngroup=3, seed=11, pencentile=0.5,
                                         txt_exclude="noun.person.txt"),
}


def corpus():
    rng = np.random.RandomState(5)
    word = lambda: "".join(rng.choice(list(WORDS), size=rng.randint(3, 9)))
    nouns = [word() for _ in range(40)]
    adjs = [word() for _ in range(30)]
    files = {
        "adj.all.txt": "\n".join(adjs[:20] + [adjs[3], "dark_red", "  padded  "]) + "\n",
        "adj.pert.txt": "\n".join(adjs[20:25]) + "\n",
        "adj.ppl.txt": "\n".join(adjs[25:] + [nouns[0], adjs[1]]) + "\n",
        "noun.Tops.txt": "\n".join(nouns[:8] + ["nearid"]) + "\n",
        "noun.artifact.txt": "\n".join(nouns[8:24] + [adjs[2], "pickup_truck", nouns[9]]) + "\n",
        "noun.person.txt": "\n".join(nouns[24:28]) + "\n",
        "noun.quantity.txt": "\n".join(nouns[28:29] + [nouns[33]]) + "\n",
        "noun.group.txt": "\n".join(nouns[29:30]) + "\n",
        "noun.plant.txt": "\n".join(nouns[30:] + ["ice_cream"]),  # no final newline
        "verb.motion.txt": "\n".join(nouns[:3]) + "\n",
    }
    return files


class Features:
    """Raw text features: a random direction per text times a random norm; "nearid" prompts copy
    the matching ID-class prompt (ID class 0) with a little noise."""

    def __init__(self):
        self.table = {}

    def __call__(self, text):
        if text not in self.table:
            if "nearid" in text:
                base = self(text.replace("nearid", CLASSES[0]))
                noise = np.random.RandomState(zlib.crc32(text.encode())).randn(D) * 0.01
                self.table[text] = (np.asarray(base) + noise).astype(np.float32).tolist()
            else:
                r = np.random.RandomState(zlib.crc32(text.encode()))
                v = r.randn(D)
                v = v / np.linalg.norm(v) * r.uniform(0.5, 2.0)
                self.table[text] = v.astype(np.float32).tolist()
        return self.table[text]


FEATURES = Features()
TEXTS = []  # every text tokenized, in order


def stub_modules(root):
    clip = types.ModuleType("clip")

    class Model(torch.nn.Module):
        def encode_text(self, tokens):
            return torch.tensor([FEATURES(TEXTS[int(t)]) for t in tokens[:, 0]], dtype=torch.float32)

        def encode_image(self, img):
            return img.clone()

    def tokenize(text):
        TEXTS.append(text)
        return torch.tensor([[len(TEXTS) - 1]], dtype=torch.long)

    clip.load = lambda arch, device, jit=False: (Model(), None)
    clip.tokenize = tokenize
    sys.modules["clip"] = clip
    try:
        import tqdm  # noqa: F401
    except ImportError:
        t = types.ModuleType("tqdm")
        t.tqdm = lambda x, **k: x
        sys.modules["tqdm"] = t


def load_reference(git):
    full = subprocess.run(["git", "--git-dir", git, "rev-parse", COMMIT], capture_output=True, text=True,
                          check=True).stdout.strip()
    show = lambda p: subprocess.run(["git", "--git-dir", git, "show", f"{full}:{p}"], capture_output=True, text=True,
                                    check=True).stdout
    names = {}
    exec(compile(show("mmcls/models/classifiers/class_names.py"), "class_names.py", "exec"), names)

    class BaseClassifier(torch.nn.Module):
        def __init__(self, init_cfg=None):
            super().__init__()

        def forward(self, img, return_loss=False, **kw):
            return self.simple_test(img, **kw)

    class Registry:
        def register_module(self):
            return lambda cls: cls

    src = show("mmcls/models/classifiers/multi_modal.py")
    src = src.replace("from .base import BaseClassifier\n", "")
    src = src.replace("from ..builder import CLASSIFIERS\n", "")
    src = src.replace("from .class_names import CLASS_NAME, preset_noun_prompt_templates, csp_templates, \\\n"
                      "    preset_adj_prompt_templates, preset_noun_prompt_templates_for_sketch\n", "")
    src = src.replace('"cuda:{}".format(self.local_rank)', '"cpu"')
    mm = dict(BaseClassifier=BaseClassifier, CLASSIFIERS=Registry(), **{k: names[k] for k in (
        "CLASS_NAME", "preset_noun_prompt_templates", "csp_templates", "preset_adj_prompt_templates",
        "preset_noun_prompt_templates_for_sketch")})
    exec(compile(src, "multi_modal.py", "exec"), mm)

    src = show("mmcls/models/ood/clip_ood.py")
    for line in ("from mmcv.runner import BaseModule\n", "from ..builder import OOD\n",
                 "from mmcls.models import build_classifier\n", "from .utils import add_noise\n"):
        assert line in src, line
        src = src.replace(line, "")
    src = src.replace('device="cuda:{}".format(self.local_rank)', 'device="cpu"')
    ood = dict(BaseModule=torch.nn.Module, OOD=Registry(), add_noise=None,
               build_classifier=lambda cfg: mm["CLIPScalableClassifier"](**cfg))
    exec(compile(src, "clip_ood.py", "exec"), ood)
    return full, names, ood["ScalableClassifier"]


def images(rng, pos, neg):
    rows = []
    for k in range(48):
        kind = k % 3
        if kind == 0:
            v = pos[rng.randint(len(pos))] + rng.randn(D) * 0.35
        elif kind == 1:
            v = neg[rng.randint(len(neg))] + rng.randn(D) * 0.35
        else:
            v = rng.randn(D)
        rows.append(v / np.linalg.norm(v))
    return np.asarray(rows, dtype=np.float32)


def main():
    git = os.environ.get("CSP_GIT", "")
    if not os.path.isdir(git):
        raise SystemExit("set CSP_GIT to the git dir of a fetched github:MengyuanChen21/NeurIPS2024-CSP")
    os.environ["LOCAL_RANK"] = "0"
    stub_modules(None)
    commit, names, Scalable = load_reference(git)
    names["CLASS_NAME"]["golden"] = CLASSES
    files = corpus()
    real_listdir = os.listdir
    os.listdir = lambda p: sorted(real_listdir(p))
    out = {"reference": f"MengyuanChen21/NeurIPS2024-CSP@{commit}", "dim": D, "classes": CLASSES, "files": files,
           "configs": {}}
    with tempfile.TemporaryDirectory() as d:
        for name, f in files.items():
            Path(d, name).write_text(f)
        for cname, cfg in CONFIGS.items():
            TEXTS.clear()
            cls_cfg = dict(type="CLIPScalableClassifier", arch="ViT-B/16", train_dataset="golden", wordnet_database=d,
                           txt_exclude=cfg["txt_exclude"], neg_subsample=-1, pos_neg_sim="neg_centroid",
                           neg_topk=cfg["neg_topk"], emb_batchsize=7, prompt_idx_pos=85, prompt_idx_neg=85,
                           dump_neg=False, load_dump_neg=False, pencentile=cfg["pencentile"], seed=cfg["seed"])
            cls_cfg.pop("type")
            torch.manual_seed(0)
            model = Scalable(classifier=cls_cfg, t=1, ngroup=cfg["ngroup"], group_fuse_num=None)
            c = model.classifier
            prompts = list(TEXTS)
            pos = c.text_features_pos.numpy()
            neg = c.text_features_neg.numpy()
            img = images(np.random.RandomState(17), pos, neg)
            score, _ = model(img=torch.from_numpy(img), type=0)
            pred = (torch.from_numpy(img) @ c.text_features_pos.T).argmax(dim=1)
            out["configs"][cname] = {
                "ratio": cfg["neg_topk"], "groups": cfg["ngroup"], "seed": cfg["seed"],
                "percentile": cfg["pencentile"], "exclude": cfg["txt_exclude"].split(","),
                "prompts": prompts, "n_nouns": int(c.adj_start_idx),
                "id_features": pos.tolist(), "bank_features": neg.tolist(),
                "images": img.tolist(), "scores": score.numpy().astype(float).tolist(), "pred": pred.tolist(),
            }
            print(f"{cname}: {len(prompts)} prompts, bank {neg.shape[0]} ({c.adj_start_idx} nouns), "
                  f"scores {float(score.min()):.4f}..{float(score.max()):.4f}", file=sys.stderr)
    out["text_features"] = FEATURES.table
    OUT.write_text(json.dumps(out, separators=(",", ":")) + "\n")
    print(f"wrote {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
