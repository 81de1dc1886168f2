#!/usr/bin/python3
"""Writes tests/data/metrics-goldens.json: OpenOOD v1.5 metrics computed with Debian's
python3-sklearn exactly as openood/evaluators/metrics.py does, on random, tied and degenerate
inputs. Run with Debian's python3 (not the pyenv one): /usr/bin/python3 scripts/gen-metrics-goldens.py"""
import json, pathlib, random
import numpy as np
import sklearn
from sklearn import metrics


def openood(id_conf, ood_conf):
    conf = np.array(id_conf + ood_conf, dtype=np.float64)
    ood = np.array([0] * len(id_conf) + [1] * len(ood_conf))
    fpr, tpr, _ = metrics.roc_curve(ood, -conf)
    fpr_id, tpr_id, _ = metrics.roc_curve(1 - ood, conf)
    p_in, r_in, _ = metrics.precision_recall_curve(1 - ood, conf)
    p_out, r_out, _ = metrics.precision_recall_curve(ood, -conf)
    return {
        "auroc": float(metrics.auc(fpr, tpr)),
        "auroc_sklearn": float(metrics.roc_auc_score(ood, -conf)),
        "fpr95": float(fpr[np.argmax(tpr >= 0.95)]),
        "fpr95_id_positive": float(fpr_id[np.argmax(tpr_id >= 0.95)]),
        "aupr_in": float(metrics.auc(r_in, p_in)),
        "aupr_out": float(metrics.auc(r_out, p_out)),
        "roc_fpr": [float(v) for v in fpr],
        "roc_tpr": [float(v) for v in tpr],
    }


def cases():
    rng = random.Random(7)
    yield "spec_m1", [0.9, 0.8, 0.7, 0.6, 0.4], [0.5, 0.3, 0.2, 0.65, 0.1]
    yield "spec_m2", [0.95, 0.93, 0.91, 0.9, 0.88, 0.85, 0.84, 0.8, 0.8, 0.78, 0.75, 0.7, 0.66, 0.6, 0.55, 0.5,
                      0.45, 0.4, 0.3, 0.2], [0.8, 0.6, 0.35, 0.3, 0.25, 0.2, 0.15, 0.1, 0.05, 0.01]
    # Spec §6.1: 93 OOD below every ID, then four scores each shared by one ID and one OOD image
    # (100 ID, 100 OOD): FPR@95 is 4 % with sklearn's drop_intermediate and would be 2 % without.
    yield "spec_drop_intermediate", [1.0, 2.0, 3.0, 4.0] + [10.0 + i for i in range(96)], \
        [1.0, 2.0, 3.0, 4.0] + [-1.0 - i for i in range(93)] + [50.5, 60.5, 70.5]
    yield "random_normal", [rng.gauss(1.0, 1.0) for _ in range(500)], [rng.gauss(0.0, 1.0) for _ in range(300)]
    yield "random_small", [rng.random() for _ in range(7)], [rng.random() for _ in range(4)]
    yield "tied_rounded", [round(rng.gauss(0.6, 0.2), 1) for _ in range(200)], \
        [round(rng.gauss(0.4, 0.2), 1) for _ in range(150)]
    yield "tied_three_levels", [rng.choice([0.0, 0.5, 1.0]) for _ in range(60)], \
        [rng.choice([0.0, 0.5]) for _ in range(40)]
    yield "float32_scores", [float(np.float32(rng.random() * 0.02 + 0.98)) for _ in range(300)], \
        [float(np.float32(rng.random() * 0.03 + 0.96)) for _ in range(300)]
    yield "all_equal", [0.5] * 5, [0.5] * 3
    yield "perfect", [0.9, 0.8, 0.7], [0.1, 0.2]
    yield "reversed", [0.1, 0.2], [0.9, 0.8, 0.7]
    yield "one_each", [0.3], [0.7]
    yield "one_each_tied", [0.3], [0.3]
    yield "negative_scores", [-0.1, -2.5, -0.3, -7.0], [-3.0, -0.2, -9.0]


def main():
    out = {"sklearn": sklearn.__version__, "numpy": np.__version__, "cases": []}
    for name, id_conf, ood_conf in cases():
        out["cases"].append({"name": name, "id": id_conf, "ood": ood_conf, **openood(id_conf, ood_conf)})
    path = pathlib.Path(__file__).resolve().parent.parent / "tests" / "data" / "metrics-goldens.json"
    path.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {path} ({len(out['cases'])} cases, sklearn {sklearn.__version__})")


if __name__ == "__main__":
    main()
