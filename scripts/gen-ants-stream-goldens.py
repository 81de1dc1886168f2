#!/usr/bin/python3
"""Generates tests/data/ants-stream-goldens.json: the ANTS authors' own postprocessor
(github ZhuWenjie98/ANTS, openood/postprocessors/ants_postprocessor.py + the ants/ package)
driven batch by batch over a scripted, deterministic feature stream with a scripted MLLM.

Run with Debian's interpreter (python3-torch 1.13, python3-numpy, python3-pil):

  # `fetch github:ZhuWenjie98/ANTS` gives a bare git dir, e.g. /work/.mirror/ZhuWenjie98+ANTS/repo
  ANTS_AUTHORS_GIT=/path/to/ANTS.git /usr/bin/python3 scripts/gen-ants-stream-goldens.py \
      [--spec /work/shared/spec] [--out tests/data/ants-stream-goldens.json]

The authors' code is never copied into this repository: shared/spec/authors_reference.py
extracts it from the git dir into a temp dir at run time and stubs its heavy imports (OpenAI
clip tokenizer, OpenOOD utils, the ImageNet name list, the MLLM backends). Everything runs in
float32 on the CPU (the original runs CLIP in fp16 on a GPU; here there is no CLIP at all:
image and text features are given). Tests must read the stored JSON, never run this script.

The stream
----------
D = 24 (the width of shared/testdata/clip-tiny), N = 48 ID classes (more than the 40 classes
VSNL keeps, so that its cache eviction can happen), M = 300 NegLabel rows (group_num 100 ->
group_len 100 -> 3 groups of 100 after the seed-0 permutation), logit scale 100, 960 images in
batches of 16 (60 batches). Image kinds: ID images of class c (unit(T_id[c] + noise), various
noise levels), far-OOD images around 8 random "concept" directions, near-OOD images around
"look-alike" directions of an ID class (the directions that the scripted VSNL labels encode to),
ID/far mixtures, a few images equal to an ID text feature (confident, scores ~1), and exact
duplicates of earlier images (exact score ties). Classes 40..47 only appear (as ID images and
near-OOD images) in the second half, so the top-40 of the predictions changes and VSNL evicts.
The first 16 batches are OOD-heavy so that more than 200 images fall below gamma = 0.8 early.

Scripted MLLM
-------------
* describe(images, class_names): the answer depends on the image FILE only (never on the
  class name passed; the authors' Qwen backend ignores it too). Each image file is an 8x8 RGB
  PNG whose colour encodes its index (R = index // 256, G = index % 256, B = 77). The answer
  is stored in "describe" under the file's base name; null means the MLLM returned None for it
  (the authors' normalize_labels skips None); some answers are empty after normalisation
  ("   ." or ""), some differ from others only in case / trailing dots / inner spaces.
  The fake must return, for a batch of images, the list of these answers in the same order.
* similar(class_names): one raw answer text per class name (stored in "similar"); the
  authors' parse_numbered_labels (limit 5) is applied to it. "" is an empty answer; some
  answers are garbage without numbered lines (-> no labels); some lines are messy.
* encode(texts): a deterministic function of the text (a hash-seeded gaussian, mixed with the
  direction of a known phrase contained in the text). EVERY text the authors' code encoded
  is recorded in "text_features" (ENS sentences after normalisation, encoded raw; VSNL labels
  as "The nice {label}."). The recorded vectors are float32 values as returned by encode (unit
  norm up to float32 rounding); the authors' encode_text_features renormalises them.

JSON format
-----------
{
 "generator": "scripts/gen-ants-stream-goldens.py",
 "authors_commit": HEAD sha of the authors' repository that produced the numbers,
 "note": short text,
 "scale": 100.0 (CLIP logit scale s: logits = s * cos),
 "dim": 24, "num_classes": 48, "num_neglabels": 300, "num_images": 960, "batch_size": 16,
 "class_names": [N strings],                       # prediction k <-> class_names[k]
 "id_features": [[D floats] x N],                 # T_id, unit rows (float32 values)
 "neglabel_features": [[D floats] x M],           # T_nl, unit rows, in bank order
 "image_features": [[D floats] x num_images],     # V, unit rows, stream order
 "files": [num_images base names "img-0000.png" ...],   # handle of image i (stream order)
 "describe": {"img-0007.png": "answer" | null},   # depends on the file only
 "similar": {"<class name>": "<raw answer text>"},# for every class name
 "text_features": {"<exact text>": [D floats]},   # every text encoded, any run
 "runs": [{
    "name": str,
    "mode": "ada" | "far_only" | "near_only"      # = options.in_score
    "mllm": "scripted" (the describe / similar tables above) | "silent" (an MLLM that answers
            None to every describe and "" to every similar request),
    "options": {authors' postprocessor_args passed, e.g. "in_score": "ada",
                "near_label_interval": 5, ...} (anything not listed = authors' default),
    "effective": {every option as the authors' postprocessor resolved it, incl. group_len},
    "scores": [num_images floats]  # ANTS score per image (higher = ID), stream order
    "preds":  [num_images ints]    # argmax class per image
    "base":   [num_images floats]  # NegLabel grouped score S_nl of each image
    "far", "far_balanced", "near", "near_balanced": [num_images floats or null]
              # the four bank scores passed to the fusion (far after the activation-aware
              # re-scoring when on); null = bank empty, the code then uses "base"
    "trace": [ one object per batch, after that batch:
       {"t": batch index (1-based),
        "gamma": candidate threshold after the batch (0.8 until the first ENS update; the
                 candidates of batch t were collected with the gamma of batch t-1),
        "upper": histogram-jump edge u of the last ENS update or null,
        "ens_updates": ENS updates done so far (e),
        "pending": candidates pending (collected, not yet described),
        "ens_rows": rows of the ENS bank, "vsnl_rows": rows of the VSNL bank,
        "lambda": fusion weight of ENS used for this batch (mode ada) or null,
        optional "ens_update": present iff an ENS update ran in this batch:
           {"gamma": new threshold, "upper": u,
            "candidates": [base names described, in order], "candidate_preds": [ints],
            "labels": [normalised sentences, in bank order of this update's rows]},
        optional "vsnl_update": present iff a VSNL update ran in this batch:
           {"top": [class ids, most frequent first], "asked": [class names queried],
            "cache": [[class id, [labels]], ...] in map order after the update,
            "labels": [flattened unique labels = bank rows, "The nice {}." encoded],
            "evicted": [class ids whose cache entries this update deleted]},
        optional "activation": activation-aware runs, batches where it ran:
           {"threshold": Otsu grid threshold, "low": n, "high": n, "selected": n}
              ("selected" 0 when the low or high set was empty -> far score unchanged)
       } ]
 }]
}
Floats are written with 9 significant digits (float32 round-trips).
"""
import argparse
import contextlib
import hashlib
import importlib.util
import io
import json
import os
import shutil
import sys
import tempfile
import types
from pathlib import Path

import numpy as np
import torch
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
SEED = 20250903
D, N, M = 24, 48, 300
SCALE = 100.0
BATCH = 16
NUM_BATCHES = 60

CLASS_NAMES = [
    "cat", "dog", "horse", "sheep", "cow", "goat", "rabbit", "mouse", "owl", "eagle",
    "parrot", "swan", "duck", "frog", "turtle", "snake", "lizard", "shark", "whale", "dolphin",
    "crab", "lobster", "snail", "bee", "butterfly", "spider", "ant", "beetle", "apple", "banana",
    "orange", "lemon", "carrot", "onion", "pumpkin", "mushroom", "chair", "table", "lamp", "clock",
    "guitar", "violin", "piano", "drum", "bicycle", "truck", "boat", "kite",
]
assert len(CLASS_NAMES) == N and len(set(CLASS_NAMES)) == N
LATE_CLASSES = list(range(40, 48))       # only seen in the second half of the stream

FAR_PHRASES = ["dark forest", "stone wall", "ocean waves", "city street", "bowl of soup",
               "circuit board", "snowy mountain", "brick house"]
FAR_SUFFIXES = ["", " at night", " in the rain", " close up", " from above", " in fog"]
LOOKALIKE_ADJ = ["wild", "toy", "giant", "spotted", "striped", "carved", "painted", "plastic",
                 "golden", "ancient", "tiny", "woolly"]


def unit(x):
    x = np.asarray(x, dtype=np.float64)
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def f32(x):
    return np.asarray(x, dtype=np.float32)


# ----------------------------------------------------------------------------------------
# The authors' code (through shared/spec/authors_reference.py)

def load_reference(spec_dir):
    path = Path(spec_dir) / "authors_reference.py"
    spec = importlib.util.spec_from_file_location("ants_authors_reference", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


# ----------------------------------------------------------------------------------------
# Scripted world

class World:
    def __init__(self):
        rng = np.random.default_rng(SEED)
        self.T_id = f32(unit(rng.standard_normal((N, D))))
        # NegLabel-like mining: of 1200 random words keep the 300 whose 95th-percentile
        # similarity to the ID classes is smallest, in ascending order of it.
        cand = unit(rng.standard_normal((1200, D)))
        q = np.sort(cand @ self.T_id.astype(np.float64).T, axis=1)[:, int(0.95 * N)]
        keep = np.argsort(q, kind="stable")[:M]
        self.T_nl = f32(unit(cand[keep]))
        self.far_dirs = unit(rng.standard_normal((len(FAR_PHRASES), D)))
        # look-alike labels per class and their directions (near OOD)
        self.lookalikes = {}      # class id -> list of label strings (canonical spelling)
        self.phrase_dir = {}      # casefolded phrase -> direction
        for k, p in enumerate(FAR_PHRASES):
            self.phrase_dir[p] = self.far_dirs[k]
        self.near_dirs = {}
        for c, name in enumerate(CLASS_NAMES):
            labels = [f"{LOOKALIKE_ADJ[(3 * c + j) % len(LOOKALIKE_ADJ)]} {name}" for j in range(5)]
            self.lookalikes[c] = labels
            for j, lab in enumerate(labels):
                d = unit(self.T_id[c] + 0.95 * unit(rng.standard_normal(D)))
                self.near_dirs[(c, j)] = d
                self.phrase_dir[lab.casefold()] = d
        for c, name in enumerate(CLASS_NAMES):
            self.phrase_dir.setdefault(name, self.T_id[c].astype(np.float64))
        self.rng = rng
        self.encoded = {}         # text -> float32 feature (first request order)

    # -- encode: deterministic in the text, recorded -------------------------------------
    def feature_of(self, text):
        h = hashlib.sha256(text.encode("utf-8")).digest()
        g = np.random.default_rng(int.from_bytes(h[:8], "little")).standard_normal(D)
        key = " ".join(text.casefold().split())
        if key.startswith("the nice ") and key.endswith("."):
            key = key[len("the nice "):-1]
        padded = " " + "".join(ch if ch.isalnum() else " " for ch in key) + " "
        best = None
        for phrase in self.phrase_dir:
            if f" {phrase} " in padded and (best is None or (len(phrase), best) > (len(best), phrase)):
                best = phrase
        if best is None:
            return f32(unit(g))
        return f32(unit(self.phrase_dir[best] + 0.5 * g / np.sqrt(D)))

    def encode(self, texts):
        out = []
        for t in texts:
            if t not in self.encoded:
                self.encoded[t] = self.feature_of(t)
            out.append(self.encoded[t])
        return np.stack(out)

    # -- the stream ----------------------------------------------------------------------
    def build_stream(self, base_score):
        """base_score(V float32 [n, D]) -> (base NegLabel scores, preds), from the authors' code.

        Batch 1 holds 16 confident ID images (base score exactly 1.0). The OOD images of the
        other batches are drawn from a large random pool by their base score so that the stream
        walks through phases (batches 2-15: base in [0.35, 0.8); 16-29: [0.1, 0.3); 30-43:
        [0.01, 0.08); 44-57: < 0.004), 15 OOD + 1 ID or near-OOD image per batch; batches
        58-59 are an ordinary mixture and batch 60 is confident ID images again. Each phase lies
        below the threshold that the previous ENS update computes, so ENS fires about every 14
        batches. In phases 3-4, 70% of the OOD images are predicted as one of the late
        classes."""
        rng = self.rng
        nf = len(FAR_PHRASES)

        def g(n):
            return rng.standard_normal((n, D)) / np.sqrt(D)

        # pool 1: ID / far-concept mixtures (answers name the concept, sometimes the class)
        n1 = 24000
        c1 = rng.integers(N, size=n1)
        k1 = rng.integers(nf, size=n1)
        a1 = rng.uniform(0.0, 0.75, size=n1)
        s1 = rng.uniform(0.2, 1.0, size=n1)
        suf1 = rng.integers(len(FAR_SUFFIXES), size=n1)
        v1 = unit(a1[:, None] * self.T_id[c1] + (1 - a1[:, None]) * self.far_dirs[k1] + s1[:, None] * g(n1))
        ans1 = [f"{CLASS_NAMES[c]} near a {FAR_PHRASES[k]}" if a > 0.45 else f"a {FAR_PHRASES[k]}{FAR_SUFFIXES[s]}"
                for c, k, a, s in zip(c1, k1, a1, suf1)]
        # pool 2: close to a NegLabel row, nudged towards an ID class (very low base scores)
        n2 = 12000
        j2 = rng.integers(M, size=n2)
        c2 = rng.integers(N, size=n2)
        b2 = rng.uniform(0.0, 0.35, size=n2)
        v2 = unit(self.T_nl[j2] + b2[:, None] * self.T_id[c2] + 0.3 * g(n2))
        ans2 = [f"a {FAR_PHRASES[j % nf]}{FAR_SUFFIXES[(j // nf) % len(FAR_SUFFIXES)]}" for j in j2]
        # pool 3: ID images; pool 4: near-OOD look-alikes
        n3 = 4000
        c3 = rng.integers(N, size=n3)
        v3 = unit(self.T_id[c3] + rng.uniform(0.5, 1.6, size=n3)[:, None] * g(n3))
        ans3 = [f"a photo of a {CLASS_NAMES[c]}" for c in c3]
        n4 = 4000
        c4 = rng.integers(N, size=n4)
        j4 = rng.integers(5, size=n4)
        v4 = unit(np.stack([self.near_dirs[(c, j)] for c, j in zip(c4, j4)])
                  + rng.uniform(0.3, 0.9, size=n4)[:, None] * g(n4))
        ans4 = [f"a {self.lookalikes[c][j]} on the grass" for c, j in zip(c4, j4)]

        pools = {}
        for name, v, ans in (("ood", np.vstack([v1, v2]), ans1 + ans2), ("id", v3, ans3), ("near", v4, ans4)):
            v = f32(v)
            base, pred = base_score(v)
            order = rng.permutation(len(v))
            pools[name] = [(v[i], ans[i], float(base[i]), int(pred[i])) for i in order]
        used = {k: [False] * len(p) for k, p in pools.items()}

        def take(pool, lo, hi, classes):
            for i, (v, ans, b, p) in enumerate(pools[pool]):
                if not used[pool][i] and lo <= b < hi and p in classes:
                    used[pool][i] = True
                    return (pool, v, ans)
            raise RuntimeError(f"pool {pool} exhausted for [{lo}, {hi}) {sorted(classes)[:3]}...")

        early, late, anyc = set(range(40)), set(LATE_CLASSES), set(range(N))
        phases = [(14, 0.35, 0.8), (14, 0.1, 0.3), (14, 0.01, 0.08), (14, 0.0, 0.004)]
        # batch 1: confident ID images whose base score is exactly 1.0 in float32, so that
        # both lambda means are 1 and the fusion takes its 0.5 guard (0/0 otherwise)
        items = [("proto", unit(self.T_id[c] + 0.05 * g(1)[0]), f"a photo of a {CLASS_NAMES[c]}")
                 for c in rng.permutation(40)[:BATCH]]
        for phase, (nb, lo, hi) in enumerate(phases):
            for b in range(nb):
                batch = []
                for s in range(15):
                    classes = early if phase < 2 else (late if rng.random() < 0.7 else early)
                    batch.append(take("ood", lo, hi, classes))
                other = "id" if b % 2 == 0 else "near"
                batch.append(take(other, 0.85, 1.01, early if phase < 2 else anyc))
                items += [batch[i] for i in rng.permutation(16)]
        for b in range(NUM_BATCHES - 1 - len(items) // BATCH):
            batch = [take("id", 0.0, 1.01, anyc) for _ in range(6)]
            batch += [take("near", 0.0, 1.01, anyc) for _ in range(4)]
            batch += [take("ood", 0.0, 1.01, anyc) for _ in range(6)]
            items += [batch[i] for i in rng.permutation(16)]
        # last batch: confident ID images again (the activation-aware split then has an empty
        # low side and keeps the plain ENS score)
        items += [("proto", unit(self.T_id[c] + 0.05 * g(1)[0]), f"a photo of a {CLASS_NAMES[c]}")
                  for c in rng.permutation(N)[:BATCH]]
        # confident images (= an ID text feature) and exact duplicates of earlier images
        for pos, c in [(21, 3), (77, 11), (300, 42), (611, 45), (920, 7)]:
            items[pos] = ("proto", self.T_id[c], f"a photo of a {CLASS_NAMES[c]}")
        for dst, src in [(40, 3), (41, 3), (250, 17), (700, 250), (901, 640), (938, 931)]:
            items[dst] = items[src]
        assert len(items) == NUM_BATCHES * BATCH
        V = f32(np.stack([it[1] for it in items]))
        kinds = [it[0] for it in items]
        answers = [self.mess(i, it[2]) for i, it in enumerate(items)]
        return V, kinds, answers

    @staticmethod
    def mess(i, s):
        """Deterministic 'MLLM noise' on an answer: None, empty, case, dots, spaces."""
        if i % 23 == 5:
            return None
        if i % 29 == 7:
            return "   ."
        if i % 31 == 9:
            return ""
        if i % 7 == 3:
            s = s[0].upper() + s[1:]
        if i % 11 == 4:
            s = s + ".."
        if i % 13 == 6:
            s = "  " + s.replace(" ", "   ", 1) + " \n"
        if i % 17 == 2:
            s = s.upper()
        if i % 37 == 11:        # dots are stripped before spaces collapse: keeps one "."
            s = s + ". ."
        return s

    def similar_answers(self):
        out = {}
        for c, name in enumerate(CLASS_NAMES):
            labs = list(self.lookalikes[c])
            if c % 9 == 4:
                out[name] = "I am not able to suggest classes for this image."
                continue
            if c % 9 == 7:
                out[name] = ""
                continue
            lines = []
            if c % 3 == 0:
                lines.append(f"Here are five classes similar to {name}:")
            if c % 12 == 5:                             # "1." then the label "5 inch ..."
                lines.append(f"1.5 inch model of a {name}")
            seps = [". ", ") ", ": ", "- ", "."]
            for j, lab in enumerate(labs):
                sep = seps[(c + j) % len(seps)]
                if (c + j) % 8 == 1:
                    lab = lab.title()
                if (c + j) % 10 == 3:
                    lab = lab.replace(" ", "   ") + "."
                lines.append(f"{' ' * ((c + j) % 2)}{j + 1}{sep}{lab}")
                if j == 1 and c % 4 == 1:               # a duplicate differing only in case
                    lines.append(f"{j + 2}. {labs[1].upper()}.")
                if j == 2 and c % 5 == 2:               # a line with an empty label
                    lines.append("4.   ")
                if j == 2 and c % 6 == 1 and c > 0:     # the previous class's first label
                    lines.append(f"4) {self.lookalikes[c - 1][0].capitalize()}")
            if c % 4 == 3:
                lines.append("6. extra label beyond five")
                lines.append("- a bullet line, ignored")
            if c % 12 == 10:
                lines = lines[:3]                       # short answer
            out[name] = "\n".join(lines)
        return out


def write_pngs(tmpdir, count):
    paths = []
    for i in range(count):
        p = os.path.join(tmpdir, f"img-{i:04d}.png")
        Image.new("RGB", (8, 8), (i // 256, i % 256, 77)).save(p)
        paths.append(p)
    return paths


def image_index(img):
    r, g, b = img.getpixel((0, 0))
    assert b == 77, "not one of the scripted images"
    return r * 256 + g


# ----------------------------------------------------------------------------------------
# Driving the authors' postprocessor batch by batch

def run_stream(ref, world, V, paths, answers, similar_text, name, options, mllm="scripted"):
    if mllm == "silent":        # an MLLM that never answers: describe -> None, similar -> ""
        answers = [None] * len(answers)
        similar_text = {k: "" for k in similar_text}
    ref._extract()
    import openood.networks.clip_fixed_ood_prompt as names
    names.imagenet_classes[:] = list(CLASS_NAMES)
    import openood.postprocessors.ants_postprocessor as app
    from openood.postprocessors.ants.labels import parse_numbered_labels
    from openood.postprocessors.ants.mllm.base import MLLMBackend
    from openood.postprocessors.ants.vsnl import most_frequent_predictions

    log = {"asked": None, "ens": None, "act": None}

    class Scripted(MLLMBackend):
        def load(self):
            pass

        def describe_images(self, images, id_classes):
            assert len(images) == len(id_classes)
            return [answers[image_index(im)] for im in images]

        def suggest_similar_classes(self, class_names):
            log["asked"] = list(class_names)
            return [parse_numbered_labels(similar_text[n]) for n in class_names]

    pargs = types.SimpleNamespace(**options)
    config = types.SimpleNamespace(postprocessor=types.SimpleNamespace(postprocessor_args=pargs,
                                                                       postprocessor_sweep={}))
    pp = app.ANTSPostprocessor(config)
    pp.mllm_backend = Scripted()
    net = ref._Net(world.T_id, world.T_nl, SCALE, world.encode)
    net.text_features = net.text.t()          # [D, N+M], read by neglabel_init_flag
    with contextlib.redirect_stdout(io.StringIO()):
        pp.setup(net, None, None)
    state = pp.state

    # recording wrappers (they call the authors' functions unchanged)
    orig_describe = pp._describe_candidate_images

    def describe_wrapper():
        cand = [os.path.basename(p) for p in state.candidate_paths]
        preds = list(state.candidate_predictions)
        labels = orig_describe()
        log["ens"] = {"candidates": cand, "candidate_preds": preds, "labels": list(labels)}
        return labels
    pp._describe_candidate_images = describe_wrapper

    per_image = {"base": [], "far": [], "far_balanced": [], "near": [], "near_balanced": []}
    orig_fuse = pp._fuse_confidences

    def fuse_wrapper(base, far, far_balanced, near, near_balanced):
        for key, val in (("base", base), ("far", far), ("far_balanced", far_balanced),
                         ("near", near), ("near_balanced", near_balanced)):
            per_image[key] += [None] * len(base) if val is None else val.tolist()
        return orig_fuse(base, far, far_balanced, near, near_balanced)
    pp._fuse_confidences = fuse_wrapper

    orig_thr, orig_sel = app.find_activation_threshold, app.activation_selected_score

    def thr_wrapper(scores):
        v = orig_thr(scores)
        log["act"] = {"threshold": v}
        return v

    def sel_wrapper(*a, **k):
        res = orig_sel(*a, **k)
        log["act"].update(selected=res[1], low=res[2], high=res[3])
        return res
    app.find_activation_threshold, app.activation_selected_score = thr_wrapper, sel_wrapper

    scores, preds, trace = [], [], []
    try:
        for b in range(0, len(paths), BATCH):
            log.update(asked=None, ens=None, act=None)
            e_before = state.ensemble_index
            cache_before = dict(state.similar_label_cache)
            with contextlib.redirect_stdout(io.StringIO()):
                pred, conf = pp.postprocess(net, torch.tensor(V[b:b + BATCH]), paths[b:b + BATCH])
            scores += conf.tolist()
            preds += pred.tolist()
            lam = None
            if pp.in_score == "ada":        # the weight _fuse_confidences used, same arithmetic
                fm = torch.stack(state.far_confidences).mean()
                nm = torch.stack(state.near_confidences).mean()
                den = (1.0 - fm) + (1.0 - nm)
                lam = 0.5 if float(den.abs()) < torch.finfo(den.dtype).eps else float((1.0 - fm) / den)
            rows = lambda x: 0 if x is None else int(x.size(0))  # noqa: E731
            tr = {"t": state.batch_index, "gamma": float(state.adaptive_threshold),
                  "upper": state.upper_interval, "ens_updates": state.ensemble_index,
                  "pending": len(state.candidate_paths),
                  "ens_rows": rows(state.far_negative_features),
                  "vsnl_rows": rows(state.near_negative_features), "lambda": lam}
            if state.ensemble_index != e_before:
                assert log["ens"] is not None
                tr["ens_update"] = {"gamma": float(state.adaptive_threshold),
                                    "upper": state.upper_interval, **log["ens"]}
            if log["asked"] is not None:
                tr["vsnl_update"] = {
                    "top": most_frequent_predictions(state.predictions, pp.SIMILAR_CLASS_LIMIT),
                    "asked": log["asked"],
                    "cache": [[k, list(v)] for k, v in state.similar_label_cache.items()],
                    "labels": list(state.near_negative_labels),
                    "evicted": [k for k in cache_before if k not in state.similar_label_cache]}
            if log["act"] is not None:
                tr["activation"] = {"threshold": log["act"]["threshold"],
                                    "low": log["act"].get("low", 0), "high": log["act"].get("high", 0),
                                    "selected": log["act"].get("selected", 0)}
            trace.append(tr)
    finally:
        app.find_activation_threshold, app.activation_selected_score = orig_thr, orig_sel

    effective = {"in_score": pp.in_score, "eta": pp.eta, "group_num": pp.group_num,
                 "group_len": pp.group_len, "random_permute": pp.random_permute,
                 "ens_stop_step": pp.ens_stop_step,
                 "near_label_start_batch": pp.similar_label_start_batch,
                 "near_label_interval": pp.similar_label_interval,
                 "neglabel_init_flag": pp.neglabel_init_flag,
                 "activation_aware_ens": pp.activation_aware_ens,
                 "activation_negative_count": pp.activation_negative_count,
                 "activation_step": pp.activation_step, "activation_gap": pp.activation_gap,
                 "activation_score_queue_size": pp.activation_score_queue_size,
                 "FAR_QUEUE_MAX_SIZE": pp.FAR_QUEUE_MAX_SIZE,
                 "MIN_ENSEMBLE_CANDIDATES": pp.MIN_ENSEMBLE_CANDIDATES,
                 "SIMILAR_CLASS_LIMIT": pp.SIMILAR_CLASS_LIMIT,
                 "NEAR_BALANCE_REPEATS": pp.NEAR_BALANCE_REPEATS, "initial_gamma": 0.8}
    run = {"name": name, "mode": pp.in_score, "mllm": mllm, "options": dict(options),
           "effective": effective,
           "scores": scores, "preds": preds, **per_image, "trace": trace}
    return run


def authors_base_score(ref, world):
    """The authors' NegLabel base score and prediction for a feature matrix (used to pick the
    stream's images by base score)."""
    ref._extract()
    from openood.postprocessors.ants.scoring import grouped_negative_score
    text = torch.tensor(np.vstack([world.T_id, world.T_nl]))

    def f(v):
        logits = SCALE * torch.tensor(v) @ text.t()
        base = grouped_negative_score(logits, N, 100, True)
        return base.numpy(), logits[:, :N].argmax(dim=1).numpy()
    return f


RUNS = [   # (name, authors' postprocessor_args, MLLM)
    ("ada_default", {"in_score": "ada"}),
    ("far_only_stop3", {"in_score": "far_only", "ens_stop_step": 3}),
    ("near_only_script", {"in_score": "near_only", "near_label_start_batch": 1, "ens_stop_step": 0}),
    ("ada_vsnl_every5", {"in_score": "ada", "near_label_start_batch": 3, "near_label_interval": 5}),
    ("ada_neglabel_init", {"in_score": "ada", "neglabel_init_flag": True}),
    ("far_only_activation", {"in_score": "far_only", "activation_aware_ens": True,
                             "activation_negative_count": 100, "ens_stop_step": 10}),
    ("ada_eta25_groups200_noperm", {"in_score": "ada", "eta": 0.25, "group_num": 200,
                                    "random_permute": False}),
    ("ada_silent_mllm", {"in_score": "ada"}, "silent"),
]


# ----------------------------------------------------------------------------------------
# JSON output with 9 significant digits

def rnd(x):
    if x is None:
        return None
    if isinstance(x, float):
        return float(f"{x:.9g}")
    if isinstance(x, (list, tuple)):
        return [rnd(v) for v in x]
    if isinstance(x, dict):
        return {k: rnd(v) for k, v in x.items()}
    return x


def mat(a):
    return [[float(f"{float(v):.9g}") for v in row] for row in np.asarray(a, dtype=np.float32)]


def summarize(run, base_nl):
    tr = run["trace"]
    ens = [t["t"] for t in tr if "ens_update" in t]
    vs = [t["t"] for t in tr if "vsnl_update" in t]
    sc = np.array(run["scores"])
    diff = np.abs(sc - np.array(base_nl))
    last = slice(len(sc) // 2, None)
    print(f"{run['name']:28s} ENS updates at batches {ens} "
          f"(labels {[len(t['ens_update']['labels']) for t in tr if 'ens_update' in t]}), "
          f"final ens_rows {tr[-1]['ens_rows']}, gamma {tr[-1]['gamma']:.4f}")
    print(f"{'':28s} VSNL updates at {vs} rows {[t['vsnl_rows'] for t in tr if 'vsnl_update' in t]}"
          f" evicted {[len(t['vsnl_update']['evicted']) for t in tr if 'vsnl_update' in t]}"
          f" asked {[len(t['vsnl_update']['asked']) for t in tr if 'vsnl_update' in t]}")
    lam = [t["lambda"] for t in tr if t["lambda"] is not None]
    acts = [t["activation"]["selected"] for t in tr if "activation" in t]
    print(f"{'':28s} |score-base| mean first half {diff[:len(sc)//2].mean():.4f} second half "
          f"{diff[last].mean():.4f}; lambda range {min(lam, default=None)}..{max(lam, default=None)}"
          + (f"; activation selected counts {sorted(set(acts))}" if acts else ""))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--spec", default=str(ROOT.parent / "shared" / "spec"),
                    help="folder with authors_reference.py (default: ../shared/spec)")
    ap.add_argument("--out", default=str(ROOT / "tests" / "data" / "ants-stream-goldens.json"))
    a = ap.parse_args()
    torch.set_num_threads(1)
    ref = load_reference(a.spec)
    git = ref.MIRROR
    if not os.path.isdir(git):
        sys.exit("set ANTS_AUTHORS_GIT to the git dir of a fetched github:ZhuWenjie98/ANTS")
    import subprocess
    commit = subprocess.run(["git", "--git-dir", git, "rev-parse", "HEAD"], capture_output=True,
                            text=True, check=True).stdout.strip()

    world = World()
    V, kinds, answers = world.build_stream(authors_base_score(ref, world))
    similar_text = world.similar_answers()
    tmp = tempfile.mkdtemp(prefix="ants-stream-")
    try:
        paths = write_pngs(tmp, len(V))
        files = [os.path.basename(p) for p in paths]
        runs = [run_stream(ref, world, V, paths, answers, similar_text, *r) for r in RUNS]
        # self-check: the batch-by-batch driver with its recording wrappers gives exactly what
        # the plain run_authors() of authors_reference.py gives
        with contextlib.redirect_stdout(io.StringIO()):
            plain, _ = ref.run_authors(
                V, paths, world.T_id, world.T_nl, SCALE, CLASS_NAMES, world.encode,
                lambda images, names: [answers[image_index(im)] for im in images],
                lambda names: [similar_text[n] for n in names], mode="ada", batch=BATCH)
        assert np.array_equal(np.asarray(plain, dtype=np.float64), np.asarray(runs[0]["scores"])), \
            "driver differs from run_authors"
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        if ref._root:
            shutil.rmtree(ref._root, ignore_errors=True)

    for r in runs:          # every text the authors encoded is in the table
        for t in r["trace"]:
            for lab in t.get("ens_update", {}).get("labels", []):
                assert lab in world.encoded, lab
            for lab in t.get("vsnl_update", {}).get("labels", []):
                assert f"The nice {lab}." in world.encoded, lab
    base_nl = runs[0]["base"]
    hist = np.histogram(np.array(base_nl, dtype=np.float32), np.arange(0.0, 1.1, 0.1))[0]
    print("base NegLabel score histogram (10 bins on [0,1]):", hist.tolist())
    print("images below 0.8 in the first 16 batches:", int((np.array(base_nl[:256]) < 0.8).sum()))
    print("kinds:", {k: kinds.count(k) for k in sorted(set(kinds))})
    for r in runs:
        summarize(r, base_nl)

    out = {
        "generator": "scripts/gen-ants-stream-goldens.py",
        "authors_commit": commit,
        "note": "ANTS authors' postprocessor (float32, CPU) on a scripted stream; see the generator's "
                "docstring for every key. describe answers depend on the file only.",
        "scale": SCALE, "dim": D, "num_classes": N, "num_neglabels": M, "num_images": len(V),
        "batch_size": BATCH,
        "class_names": CLASS_NAMES,
        "id_features": mat(world.T_id), "neglabel_features": mat(world.T_nl), "image_features": mat(V),
        "files": files,
        "describe": {f: ans for f, ans in zip(files, answers)},
        "similar": similar_text,
        "text_features": {t: mat([v])[0] for t, v in world.encoded.items()},
        "runs": [rnd(r) for r in runs],
    }
    text = json.dumps(out, ensure_ascii=False, separators=(",", ":"))
    # one line per top-level key / run keeps diffs readable without growing the file much
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(text + "\n", encoding="utf-8")
    print(f"wrote {a.out}: {len(text) / 1e6:.2f} MB, {len(world.encoded)} encoded texts")


if __name__ == "__main__":
    main()
