"""What the Python module adds on top of the C++ library, on the two calls that matter:
Clip.encode_images on 256 preprocessed (256, 3, S, S) float32 arrays against `ants-bench --batches
256` (the engine alone), and Detector.score on (256, 512) features against `ants-ood-bench
--scorer` (OodScorer::score with the same 1000 classes, 10,000 negatives, full ENS bank and an
instant MLLM). Runs alternate C++ and Python processes; prints a Markdown table.

    PYTHONPATH=build/python /usr/bin/python3 bench/python_overhead.py --model MODEL_DIR [--reps 5] [--rounds 3]

MODEL_DIR: e.g. `build/ants make-random-model --arch vit-b-16 --out build/bench/vit-b-16`.
"""
import argparse
import json
import statistics
import subprocess
import sys
import time

import numpy as np

import ants


def unit_rows(n, dim, seed):
    x = np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def python_encode(model, precision, reps):
    clip = ants.Clip(model, precision=precision)
    s = clip.info["image_size"]
    px = np.random.default_rng(1).standard_normal((256, 3, s, s)).astype(np.float32)
    clip.encode_images(px, batch=256)  # warm-up, as ants-bench does
    rates = []
    for _ in range(reps):
        t = time.perf_counter()
        clip.encode_images(px, batch=256)
        rates.append(256 / (time.perf_counter() - t))
    return statistics.mean(rates)


class InstantMllm:
    def describe(self, image, exclude_class):
        return "a photo of " + exclude_class

    def similar(self, class_name):
        return [class_name + s for s in (" a", " b", " c", " d", " e")]


def python_score(reps):
    seed = iter(range(100, 10**9))
    names = [f"class {c}" for c in range(1000)]
    bank = ants.TextBank([f"neg {i}" for i in range(10000)], unit_rows(10000, 512, 2))
    det = ants.Detector(None, names, text_encoder=lambda t: unit_rows(len(t), 512, next(seed)), negatives=bank,
                        mllm=InstantMllm(), neglabel_init=True, gamma0=1.0, near_start=1, near_interval=1000000)
    files = [f"img{i}.jpg" for i in range(256)]
    secs = []
    for r in range(reps + 1):
        feats = unit_rows(256, 512, 1000 + r)
        t = time.perf_counter()
        det.score(feats, files=files)
        if r > 0:  # batch 1 builds the VSNL bank: warm-up, as in ants-ood-bench
            secs.append(time.perf_counter() - t)
    return statistics.mean(secs)


def run_json(cmd):
    return json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True)
    ap.add_argument("--precision", default="bf16")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--build", default="build")
    a = ap.parse_args()
    enc_cpp, enc_py, sc_cpp, sc_py = [], [], [], []
    for r in range(a.rounds):
        print(f"round {r + 1}/{a.rounds}", file=sys.stderr)
        out = run_json([f"{a.build}/ants-bench", "--model", a.model, "--precision", a.precision, "--batches", "256",
                        "--reps", str(a.reps), "--prompts", "0"])
        enc_cpp.append(out["images_per_s"]["256"]["mean"])
        enc_py.append(python_encode(a.model, a.precision, a.reps))
        sc_cpp.append(run_json([f"{a.build}/ants-ood-bench", "--scorer", "--reps", str(a.reps)])["seconds_per_batch"]["mean"])
        sc_py.append(python_score(a.reps))

    def row(name, cpp, py, unit, higher_is_better):
        c, p = statistics.mean(cpp), statistics.mean(py)
        cost = (c / p - 1) if higher_is_better else (p / c - 1)
        sd = lambda v: statistics.stdev(v) if len(v) > 1 else 0.0  # noqa: E731
        print(f"| {name} | {c:.4g} ± {sd(cpp):.2g} {unit} | {p:.4g} ± {sd(py):.2g} {unit} | {100 * cost:+.1f} % |")

    print("| call | C++ | Python | Python's extra time |")
    print("|---|---|---|---|")
    row("encode 256 preprocessed images (images/s)", enc_cpp, enc_py, "images/s", True)
    row("score (256, 512) features, 1000 classes (s/batch)", sc_cpp, sc_py, "s", False)


if __name__ == "__main__":
    main()
