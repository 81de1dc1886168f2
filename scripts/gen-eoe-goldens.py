#!/usr/bin/python3
"""Generates tests/data/eoe-goldens.json: EOE (Envisioning Outlier Exposure, ICML 2024) as its
authors run it, from two references:

- the EOE repository (github Aboriginer/EOE at EOE_COMMIT below): the prompts
  (utils/prompt_pool.py), the conversation and list parsing (obtain_gpt_class_and_save,
  stringtolist, load_llm_classes in utils/generate_llm_class.py) and the score
  (get_ood_scores_clip with --score EOE in utils/detection_util.py: softmax of plain cosines / T,
  max ID − β·max outlier);
- the ANTS authors' postprocessor (openood/postprocessors/eoe_postprocessor.py of github
  ZhuWenjie98/ANTS at commit f183e96, which scripts/ood/eoe/official.sh runs): the same score on
  the network's logit-scaled cosines, β 1.

Run with Debian's interpreter (python3-torch 1.13, python3-numpy):

  # `fetch github:Aboriginer/EOE` gives a bare git dir; the ANTS file is in the history of a full
  # clone of ZhuWenjie98/ANTS: git show f183e96:openood/postprocessors/eoe_postprocessor.py > F
  EOE_GIT=/path/to/EOE.git ANTS_EOE_POSTPROCESSOR=F /usr/bin/python3 scripts/gen-eoe-goldens.py

The files are read at run time (never copied here); their heavy imports (openai, fastapi_poe,
dotenv, transformers, the OpenOOD base class) are stubbed. The LLM is scripted: its answers, and
the messages the reference sent, are stored. No CLIP runs: the stub tokenizer numbers texts and
the stub network returns stored features.
"""
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import types
from pathlib import Path

import numpy as np
import torch

EOE_COMMIT = "20fa95e5baff9242b93f0957bb4564db3d36d1f2"
ANTS_COMMIT = "f183e96980ade173289b38061b55d315b08c1a4f"
OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "eoe-goldens.json"
D = 16
# The reference's ImageNet10 entry (num_classes 10) with its own names.
CLASSES = ["warplane", "sports car", "brambling bird", "Siamese cat", "antelope", "Swiss mountain dog",
           "bull frog", "garbage truck", "horse", "container ship"]
# Far: six turns (L = 300, one of the reference's allowed 100, 300, 500). Duplicates, case, an ID name, lines that are not "- " items, and a
# first answer without a final newline, so that its last item fuses with the next answer's first
# (the reference concatenates the answers before parsing).
FAR_ANSWERS = [
    "Here you go:\n- Black stone\n- mountain\n- Ginkgo Tree\n- river\n* not an item\n- Horse\n- river",
    "- lake\n- Desert dune\n1. numbered is not an item\n- glacier\n- MOUNTAIN\n- coral reef\n",
    "- Rapeseed field\n- volcano\n-no space\n- lighthouse\n- glacier\n",
    "- tundra\n- canyon\n",
    "  - indented is not an item\n- fog bank\n- Tundra\n",
    "- waterfall\n- salt flat\n- cactus garden",
]
# Near: one request per ID class (L = 3); some names share a word with an ID class (removed).
NEAR_ANSWERS = {c: f"- {w1}\n- {w2}\n- {w3}\n" for c, (w1, w2, w3) in zip(CLASSES, [
    ("eagle", "kite", "paper plane"), ("race horse", "bullet train", "red lacquer"), ("sparrow", "moth", "leaf"),
    ("fox", "owl", "plush toy"), ("deer", "goat", "gazelle"), ("bear", "Wolf", "sheep"),
    ("toad", "rock", "green frog"), ("tank", "bulldozer", "dumpster"), ("zebra", "donkey", "camel"),
    ("oil rig", "tanker", "ferry")])}


def git_show(git, commit, path):
    return subprocess.run(["git", "--git-dir", git, "show", f"{commit}:{path}"], capture_output=True, text=True,
                          check=True).stdout


class Registry:
    """Texts to indices for the stub tokenizer, indices to features for the stub network."""

    def __init__(self, features):
        self.texts, self.features = [], features

    def ids(self, texts):
        out = []
        for t in texts:
            self.texts.append(t)
            out.append([len(self.texts) - 1])
        return torch.tensor(out)

    def rows(self, ids):
        return torch.stack([torch.tensor(self.features[self.texts[int(i)]]) for i in ids[:, 0]])


def stub_imports(sent, answers):
    openai = types.ModuleType("openai")

    class ChatCompletion:
        @staticmethod
        def create(model, messages, temperature):
            sent.append([dict(m) for m in messages])
            text = answers[len(sent) - 1]
            return types.SimpleNamespace(choices=[types.SimpleNamespace(message={"content": text})])

    openai.ChatCompletion = ChatCompletion
    sys.modules["openai"] = openai
    sys.modules["fastapi_poe"] = types.ModuleType("fastapi_poe")
    dotenv = types.ModuleType("dotenv")
    dotenv.load_dotenv = lambda: None
    sys.modules["dotenv"] = dotenv
    transformers = types.ModuleType("transformers")
    for name in ("CLIPTokenizer", "AutoTokenizer", "BertTokenizer"):
        setattr(transformers, name, type(name, (), {}))
    sys.modules["transformers"] = transformers
    try:
        import sklearn.metrics  # noqa: F401  (python3-sklearn; only the reference's metrics use it)
    except ImportError:
        sk = types.ModuleType("sklearn")
        sk.metrics = types.ModuleType("sklearn.metrics")
        sys.modules["sklearn"], sys.modules["sklearn.metrics"] = sk, sk.metrics
    try:
        import tqdm  # noqa: F401
    except ImportError:
        t = types.ModuleType("tqdm")
        t.tqdm = lambda x, **k: x
        sys.modules["tqdm"] = t


def load_eoe(git, root):
    utils = Path(root) / "utils"
    utils.mkdir()
    (utils / "__init__.py").write_text("")  # the package's own imports the training utilities
    for f in ("prompt_pool.py", "generate_llm_class.py", "detection_util.py", "imagenet_templates.py"):
        (utils / f).write_text(git_show(git, EOE_COMMIT, f"utils/{f}"))
    sys.path.insert(0, root)
    import utils.detection_util as du
    import utils.generate_llm_class as gen
    import utils.prompt_pool as pp
    return pp, gen, du


def envision(gen, root, task, L, classes):
    args = types.SimpleNamespace(llm_model="gpt-3.5-turbo", ood_task=task, in_dataset="ImageNet10", L=L,
                                 generate_class=False, json_number=0)
    folder = Path(root) / "envisioned_classes" / f"{task}_{L}"
    folder.mkdir(parents=True)
    asyncio.run(gen.obtain_gpt_class_and_save(args, str(folder / "ImageNet10_gpt-3.5-turbo_0.json"), classes))
    cwd = os.getcwd()
    os.chdir(root)
    try:
        return gen.load_llm_classes(args, list(classes))
    finally:
        os.chdir(cwd)


def eoe_official_scores(du, registry, classes, labels, images, beta):
    class Tok:
        def __call__(self, texts, padding, return_tensors):
            ids = registry.ids(texts)
            return {"input_ids": ids, "attention_mask": torch.ones_like(ids)}

    du.CLIPTokenizer.from_pretrained = staticmethod(lambda ckpt: Tok())
    net = types.SimpleNamespace(eval=lambda: None,
                                get_image_features=lambda pixel_values: pixel_values.clone(),
                                get_text_features=lambda input_ids, attention_mask: registry.rows(input_ids))
    torch.Tensor.cuda = lambda self: self
    batches = [(images[i:i + 16], torch.zeros(len(images[i:i + 16]))) for i in range(0, len(images), 16)]
    class Loader(list):
        dataset = images

    args = types.SimpleNamespace(model="CLIP", ckpt="stub", score="EOE", ood_task="far", ensemble=False, T=1.0,
                                 beta=beta, score_ablation="EOE", in_dataset="ImageNet10")
    return (-du.get_ood_scores_clip(args, net, Loader(batches), classes, labels)).astype(float).tolist()


def ants_postprocessor_scores(path, logits, n_cls, beta, tau):
    src = Path(path).read_text().replace("from .base_postprocessor import BasePostprocessor\n", "")
    ns = {"BasePostprocessor": type("BasePostprocessor", (), {"__init__": lambda self, config: setattr(self, "config", config)})}
    exec(compile(src, "eoe_postprocessor.py", "exec"), ns)
    cfg = types.SimpleNamespace(postprocessor=types.SimpleNamespace(
        postprocessor_args=types.SimpleNamespace(tau=tau, beta=beta), postprocessor_sweep={}))
    post = ns["EOEPostprocessor"](cfg)
    net = type("Net", (), {"__call__": lambda self, data: data, "n_cls": n_cls})()  # returns the logits it is given
    _, score = post.postprocess(net, torch.from_numpy(logits))
    return score.numpy().astype(float).tolist()


def unit(rng, n):
    v = rng.randn(n, D)
    return (v / np.linalg.norm(v, axis=1, keepdims=True)).astype(np.float32)


def main():
    git, post = os.environ.get("EOE_GIT", ""), os.environ.get("ANTS_EOE_POSTPROCESSOR", "")
    if not os.path.isdir(git) or not os.path.isfile(post):
        raise SystemExit("set EOE_GIT (github:Aboriginer/EOE git dir) and ANTS_EOE_POSTPROCESSOR (the ANTS file)")
    sent = []
    answers = list(FAR_ANSWERS) + [NEAR_ANSWERS[c] for c in CLASSES]
    stub_imports(sent, answers)
    with tempfile.TemporaryDirectory() as root:
        pp, gen, du = load_eoe(git, root)
        g = pp.PromptGenerator()
        far_labels = envision(gen, root, "far", 300, CLASSES)
        far_messages = list(sent)
        # get_ood_scores_clip removes, for the near task only, names sharing a word with an ID class
        near_labels = du.remove_overlap_class(CLASSES, envision(gen, root, "near", 3, CLASSES))
        near_messages = sent[len(far_messages):]
        prompts = {"far": g.get_prompt("far", "ImageNet10", CLASSES, 50), "far_again": g._far_prompt_again("ImageNet10", 50),
                   "near": g.get_prompt("near", "ImageNet10", CLASSES[3], 3)}

        rng = np.random.RandomState(3)
        id_f = unit(rng, len(CLASSES))
        out_f = unit(rng, len(far_labels))
        imgs = []
        for k in range(48):
            base = id_f[k % len(CLASSES)] if k % 3 == 0 else out_f[k % len(far_labels)] if k % 3 == 1 else rng.randn(D)
            v = base + 0.4 * rng.randn(D)
            imgs.append(v / np.linalg.norm(v))
        imgs = np.asarray(imgs, dtype=np.float32)
        features = {f"a photo of a {c}": id_f[i].tolist() for i, c in enumerate(CLASSES)}
        features.update({f"a photo of a {c}": out_f[i].tolist() for i, c in enumerate(far_labels)})
        official = eoe_official_scores(du, Registry(features), CLASSES, far_labels, torch.from_numpy(imgs), 0.25)
        logits = 100.0 * imgs @ np.concatenate([id_f, out_f]).T
        ants = ants_postprocessor_scores(post, logits.astype(np.float32), len(CLASSES), 1.0, 1.0)
    golden = {
        "references": {"eoe": f"Aboriginer/EOE@{EOE_COMMIT}", "ants": f"ZhuWenjie98/ANTS@{ANTS_COMMIT}"},
        "classes": CLASSES, "prompts": prompts,
        "far": {"count": 300, "answers": FAR_ANSWERS, "messages": far_messages, "labels": sorted(far_labels)},
        "near": {"count": 3, "answers": [NEAR_ANSWERS[c] for c in CLASSES], "messages": near_messages,
                 "labels": sorted(near_labels)},
        "scores": {"far_labels": far_labels, "id_features": id_f.tolist(), "outlier_features": out_f.tolist(),
                   "images": imgs.tolist(), "official": official, "ants": ants},
    }
    OUT.write_text(json.dumps(golden, indent=1) + "\n")
    print(f"wrote {OUT}: far {len(far_labels)} labels, near {len(near_labels)}", file=sys.stderr)


if __name__ == "__main__":
    main()
