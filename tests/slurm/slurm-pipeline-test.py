#!/usr/bin/env python3
"""The Slurm pipeline (scripts/slurm/ants-eval-slurm.sh) on a real single-node cluster
(scripts/slurm/local-cluster.sh): the demo's model and images, an ID list and two OOD lists,
4 embedding shards, 2 OOD sets x 2 seeds, the scripted MLLM server. Checks:
  - the merged results equal a single-process `ants eval` of the same arguments (metrics.json,
    scores.csv, trace.csv, negatives.json byte for byte; report.html's sections);
  - the scoring stage computed no embedding (every part took all its images from the cache);
  - an embedding task cancelled (scancel) while it runs stops the pipeline (the scoring and merge
    jobs are killed by their dependency); the rerun computes only that shard, and equals;
  - a cache entry truncated by hand is recomputed by the embedding stage with a warning, never
    used, and the results still equal.
Every wait is bounded. Skips (exit 0, saying why) only where the daemons cannot start.

  python3 tests/slurm/slurm-pipeline-test.py --ants build/ants --work DIR
"""
import argparse
import atexit
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
from fake_mllm import start_fake_server  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
WAIT_S = 300


def sh(cmd, env=None, check=True):
    p = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, env=env)
    if check and p.returncode != 0:
        sys.exit(f"slurm-test: {' '.join(map(str, cmd))} exited {p.returncode}:\n{p.stdout}{p.stderr}")
    return p


class Cluster:
    def __init__(self, work):
        self.dir = work / "cluster"
        shutil.rmtree(self.dir, ignore_errors=True)
        p = sh(["bash", ROOT / "scripts/slurm/local-cluster.sh", "start", self.dir], check=False)
        if p.returncode != 0:
            print(f"slurm-test: SKIPPED: the Slurm daemons cannot start here: {p.stderr.strip()}")
            sys.exit(0)
        atexit.register(self.stop)
        self.env = dict(os.environ, SLURM_CONF=str(self.dir / "slurm.conf"))

    def stop(self):
        sh(["bash", ROOT / "scripts/slurm/local-cluster.sh", "stop", self.dir], check=False)

    def run(self, *cmd):
        return sh(cmd, env=self.env).stdout

    def jobs(self):
        """{job id (array tasks as JOB_TASK): state} of what is still queued or running."""
        out = self.run("squeue", "-h", "-r", "-o", "%i %T")
        return dict(line.split() for line in out.splitlines() if line.strip())

    def wait_until(self, what, predicate):
        deadline = time.time() + WAIT_S
        while time.time() < deadline:
            if predicate():
                return
            time.sleep(0.2)
        print(self.run("squeue", "-r"), file=sys.stderr)
        sys.exit(f"slurm-test: timed out after {WAIT_S} s waiting for {what}")

    def wait_gone(self, ids):
        self.wait_until(f"jobs {ids} to end", lambda: not any(j.split("_")[0] in ids for j in self.jobs()))


class Fixture:
    def __init__(self, ants, work):
        self.ants, self.work = ants, work
        demo = work / "demo"
        if not (demo / "eval" / "metrics.json").exists():
            sh([ants, "demo", "--out", demo, "--images", "48", "--quiet"])
        ood = sorted((demo / "images" / "ood").iterdir())
        for name, files in (("textures", ood[: len(ood) // 2]), ("noise", ood[len(ood) // 2:])):
            (work / f"{name}.txt").write_text("".join(f"{f.relative_to(demo / 'images')} -1\n" for f in files))
        # The 2000 NegLabel text embeddings computed once; each cache starts from a copy.
        self.warm = work / "warm-cache"
        self.common = ["--model", demo / "model", "--classes", demo / "classes.txt", "--precision", "fp32",
                       "--count", "2000"]
        if not self.warm.exists():
            sh([ants, "negatives", *self.common, "--cache-dir", self.warm, "--out", work / "warm.txt"])
        _, self.url = start_fake_server("slurm-test")
        self.demo = demo

    def eval_args(self, cache, out):
        return [*self.common, *PINNED_THREADS, "--batch", "8", "--min-candidates", "5", "--near-start", "2", "--near-interval", "3",
                "--mllm-url", self.url, "--mllm-model", "ants-demo", "--quiet", "--cache-dir", cache,
                "--id", self.demo / "id.txt", "--data-root", self.demo / "images",
                "--ood", f"textures={self.work / 'textures.txt'}:far", "--ood", f"noise={self.work / 'noise.txt'}:near",
                "--seeds", "0,1", "--out", out]

    def fresh_cache(self, name):
        cache = self.work / name
        shutil.rmtree(cache, ignore_errors=True)
        shutil.copytree(self.warm, cache)
        return cache


def has_avx512():
    flags = next((l for l in open("/proc/cpuinfo") if l.startswith("flags")), "")
    return " avx512f " in f" {flags.split(':', 1)[-1].strip()} "


# The shards embed with 1 thread (--cpus-per-task 1). With AVX-512 an embedding does not depend
# on the thread count; oneDNN's AVX2 fp32 GEMM splits its sums by thread count, so there the last
# bit would differ from a 2-thread reference: every step runs with 1 thread instead.
PINNED_THREADS = [] if has_avx512() else ["--threads", "1"]


def report_sections(path):
    return re.findall(r"<h[23][^>]*>(.*?)</h[23]>", path.read_text())


def compare(out, ref):
    for name in ("metrics.json", "metrics.csv", "scores.csv", "trace.csv", "negatives.json"):
        if (out / name).read_bytes() != (ref / name).read_bytes():
            sys.exit(f"slurm-test: {out / name} differs from the single-process eval's")
    if report_sections(out / "report.html") != report_sections(ref / "report.html"):
        sys.exit("slurm-test: report.html's sections differ")
    volatile = {"timings", "embedding_cache_hits", "mllm", "warnings"}
    runs = [{k: v for k, v in json.loads((d / "run.json").read_text()).items() if k not in volatile} for d in (out, ref)]
    if runs[0] != runs[1]:
        sys.exit("slurm-test: run.json differs beyond timings and counters")


def shard_summaries(parts, shards):
    return [json.loads((parts / f"embed-{i}.json").read_text()) for i in range(shards)]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ants", type=Path, default=ROOT / "build" / "ants")
    ap.add_argument("--work", type=Path, required=True)
    args = ap.parse_args()
    ants, work = args.ants.resolve(), args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    cluster = Cluster(work)
    fx = Fixture(ants, work)

    ref = work / "reference"
    p = sh([ants, "eval", *fx.eval_args(fx.fresh_cache("cache-reference"), ref)], check=False)
    if p.returncode not in (0, 1):
        sys.exit(f"slurm-test: the reference eval exited {p.returncode}:\n{p.stderr}")

    # The binary the jobs run: ants itself, except that shard 3 of the embedding stage first waits
    # for a go-ahead file, so that the test can cancel it while it runs.
    gate = work / "gate"
    wrapper = work / "ants-wrapper.sh"
    wrapper.write_text(f"""#!/usr/bin/env bash
case " $* " in *" --shard 3/4 "*) while [ ! -e {gate} ]; do sleep 0.2; done ;; esac
exec {ants} "$@"
""")
    wrapper.chmod(0o755)
    cache = fx.fresh_cache("cache-slurm")
    out = work / "merged"
    parts = Path(f"{out}.parts")
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(parts, ignore_errors=True)
    pipeline = ["bash", ROOT / "scripts/slurm/ants-eval-slurm.sh", "--shards", "4", "--cpus-per-task", "1",
                "--ants", wrapper, "--", "eval", *fx.eval_args(cache, out)]

    # 1. Shard 3 cancelled while it runs: scoring and merge never run.
    gate.unlink(missing_ok=True)
    jobs = json.loads(cluster.run(*pipeline))
    ids = {jobs["embed"], jobs["score"], jobs["merge"]}
    task3 = f"{jobs['embed']}_3"
    cluster.wait_until("embedding task 3 to run", lambda: cluster.jobs().get(task3) == "RUNNING")
    cluster.run("scancel", task3)
    cluster.wait_gone(ids)
    if (parts / "merged.json").exists() or (out / "metrics.json").exists():
        sys.exit("slurm-test: the pipeline merged although an embedding task was cancelled")
    first = shard_summaries(parts, 3)
    print(f"cancelled shard 3 mid-run: shards 0-2 computed {[s['computed'] for s in first]}; scoring and merge "
          f"killed by their dependency")

    # 2. The rerun computes only the cancelled shard and equals the single-process eval.
    gate.touch()
    jobs = json.loads(cluster.run(*pipeline))
    cluster.wait_gone({jobs["embed"], jobs["score"], jobs["merge"]})
    if not (parts / "merged.json").exists():
        sys.exit(f"slurm-test: the rerun did not merge; logs in {parts / 'logs'}")
    rerun = shard_summaries(parts, 4)
    computed = [s["computed"] for s in rerun]
    if computed[:3] != [0, 0, 0] or computed[3] == 0:
        sys.exit(f"slurm-test: the rerun computed {computed} images per shard; want only shard 3's")
    compare(out, ref)
    for k in range(4):
        run = json.loads((parts / f"run-{k}" / "run.json").read_text())
        if run["embedding_cache_hits"] != run["images"]:
            sys.exit(f"slurm-test: scoring task {k} computed {run['images'] - run['embedding_cache_hits']} embeddings")
    print(f"rerun: computed {computed} images per shard; merged results equal the single-process eval; "
          f"the 4 scoring tasks computed 0 embeddings")

    # 3. A cache entry truncated by hand is recomputed with a warning and never used.
    entries = sorted((cache / "image-embeddings").glob("*.bin"))
    if not entries:
        sys.exit(f"slurm-test: no image-embedding cache entry under {cache}")
    victim = entries[len(entries) // 2]
    victim.write_bytes(victim.read_bytes()[: victim.stat().st_size // 2])
    shutil.rmtree(out)  # what is compared next is this run's
    jobs = json.loads(cluster.run(*pipeline))
    cluster.wait_gone({jobs["embed"], jobs["score"], jobs["merge"]})
    if not (parts / "merged.json").exists() or not (parts / "merged.json").read_text().strip():
        sys.exit(f"slurm-test: the third run did not merge; logs in {parts / 'logs'}")
    computed = [s["computed"] for s in shard_summaries(parts, 4)]
    logs = "".join((parts / "logs" / f"embed-{i}.log").read_text() for i in range(4))
    if sum(computed) != 1 or "recomput" not in logs:
        sys.exit(f"slurm-test: after truncating {victim.name}: computed {computed}, warning seen: {'recomput' in logs}")
    compare(out, ref)
    print(f"truncated cache entry {victim.name}: recomputed once with a warning; results still equal")
    print(f"slurm-test: ok in {time.time() - t0:.0f} s")


if __name__ == "__main__":
    main()
