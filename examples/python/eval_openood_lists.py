"""`ants eval` from Python: OOD metrics on OpenOOD image lists (the v1.5 protocol).

    python3 examples/python/eval_openood_lists.py MODEL_DIR CLASSES ID_LIST OOD_NAME=OOD_LIST[:near|far]... \\
        [--data-root DIR] [--out DIR] [--mllm-url URL]

Lists hold `relative/path label` lines (paths relative to --data-root). Prints the metrics (AUROC,
FPR@95 in percent) per OOD set; --out writes metrics.json/csv, scores, traces and report.html.
"""
import argparse
import json

import ants


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model")
    ap.add_argument("classes")
    ap.add_argument("id_list")
    ap.add_argument("ood", nargs="+")
    ap.add_argument("--data-root", default=None)
    ap.add_argument("--out", default=None)
    ap.add_argument("--mllm-url", default=None)
    ap.add_argument("--seeds", default="0")
    a = ap.parse_args()
    clip = ants.Clip(a.model)
    mllm = ants.MllmClient(url=a.mllm_url) if a.mllm_url else None
    metrics = ants.eval(clip, a.classes, a.id_list, a.ood, data_root=a.data_root, out=a.out, mllm=mllm,
                        seeds=[int(s) for s in a.seeds.split(",")])
    for s in metrics["sets"]:
        m = s["mean"]
        print(f"{s['name']:>16}  AUROC {m['auroc']:6.2f} %  FPR@95 {m['fpr95']:6.2f} %")
    print(json.dumps(metrics))


if __name__ == "__main__":
    main()
