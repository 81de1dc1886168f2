#!/usr/bin/env python3
"""Crash consistency: kill `ants detect --state`, `ants eval` and `ants negatives` with SIGKILL at
seeded random moments, rerun the same command, and check that nothing was lost and nothing
corrupt was used; then two evals and a detect at once on one cache directory, and each command
on a "full disk" (RLIMIT_FSIZE with SIGXFSZ ignored: writes fail with EFBIG).

Per command: one uninterrupted reference run (own cache), then N trials that each start the
command, SIGKILL it after a random share of the reference's duration (0-110 %), and rerun it to
the end with the same cache, state and output paths. A trial passes when:
  - detect: the --out rows equal the reference's byte for byte (--mllm-sync, --state resumes);
  - eval: metrics.json/csv, scores.csv, trace.csv and negatives.json equal the reference's, and
    run.json too except timings and cache/MLLM counters;
  - negatives: the output file equals the reference's;
  - the MLLM answer cache (SQLite) passes `PRAGMA integrity_check`;
  - no damaged cache entry was used: after each kill the harness also truncates one cache entry
    at random (a torn write on a filesystem without atomic rename); the rerun must warn and
    recompute it if it reads it, and its outputs must still equal the reference's.
Each trial starts from a fresh cache (a copy of precomputed text embeddings for detect and eval,
empty for negatives), so kills land in embedding, cache writes, scoring and output writing.

  python3 tests/crash/kill-harness.py --ants build/ants --work DIR [--points N] [--seed S]
Concurrent users must each equal their reference. On the full disk, a failed output or state
write must be a one-line `ants: error: FILE: write failed ...` and a non-zero exit (a failed cache
write is a warning and the run goes on), and a rerun with space must equal the reference (nothing
partial was trusted).
Prints one line per check and a summary on stdout; exit 1 when any check fails.
"""
import argparse
import json
import random
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
from fake_mllm import start_fake_server  # noqa: E402


def run(cmd, kill_after=None):
    """Runs cmd; with kill_after (seconds) SIGKILLs it then. Returns (killed, rc, stderr)."""
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _, err = p.communicate(timeout=kill_after)
        return False, p.returncode, err.decode(errors="replace")
    except subprocess.TimeoutExpired:
        p.send_signal(signal.SIGKILL)
        p.communicate()
        return True, -9, ""


def checked(cmd):
    """Runs cmd to the end; it must succeed (every input of the fixture is readable)."""
    _, rc, err = run(cmd)
    if rc != 0 or "ants: error:" in err:
        sys.exit(f"kill-harness: {' '.join(map(str, cmd))} exited {rc}:\n{err}")
    return err


class Setup:
    def __init__(self, ants, work):
        self.ants, self.work = ants, work
        self.demo = work / "demo"
        if not (self.demo / "eval" / "metrics.json").exists():
            checked([ants, "demo", "--out", self.demo, "--images", "40", "--quiet"])
        self.common = ["--model", self.demo / "model", "--classes", self.demo / "classes.txt", "--precision", "fp32",
                       "--count", "2000"]
        # The scripted MLLM server (deterministic answers), so answers go through the SQLite cache.
        self.server, url = start_fake_server("kill-harness")
        self.detector = ["--batch", "8", "--min-candidates", "5", "--near-start", "2", "--near-interval", "3",
                         "--near-top", "4", "--mllm-url", url, "--mllm-model", "ants-demo"]
        self.images = [self.demo / "images" / "id", self.demo / "images" / "ood"]
        # Text embeddings (the 72k NegLabel candidates) computed once; detect and eval trials start
        # from a copy, so their kills land in image embedding, scoring and output writing.
        self.warm = work / "warm-cache"
        if not self.warm.exists():
            checked([ants, "negatives", *self.common, "--cache-dir", self.warm, "--out", work / "warm.txt"])

    def command(self, kind, d, cache):
        if kind == "detect":
            return [self.ants, "detect", *self.common, *self.detector, "--mllm-sync", "--cache-dir", cache,
                    "--state", d / "detect.state", "--state-every", "1", "--out", d / "rows.csv", *self.images]
        if kind == "eval":
            return [self.ants, "eval", *self.common, *self.detector, "--cache-dir", cache, "--id",
                    self.demo / "id.txt", "--data-root", self.demo / "images", "--ood",
                    f"textures={self.demo / 'images' / 'ood'}:far", "--seeds", "0,1", "--out", d / "eval"]
        return [self.ants, "negatives", *self.common, "--cache-dir", cache, "--out", d / "negatives.txt"]


# What may differ between a rerun and the reference: timings, cache and MLLM counters, and the
# warnings (a rerun that met a torn cache entry says so there).
VOLATILE_RUN_KEYS = {"timings", "embedding_cache_hits", "mllm", "warnings"}


def recompute_warnings(kind, d, err):
    if kind == "eval":  # eval prints its warnings and keeps them in run.json
        return sum("recomputing" in w for w in json.loads((d / "eval" / "run.json").read_text()).get("warnings", []))
    return err.count("recomputing")


def outputs(kind, d):
    if kind == "detect":
        return {"rows.csv": (d / "rows.csv").read_bytes()}
    if kind == "negatives":
        return {"negatives.txt": (d / "negatives.txt").read_bytes()}
    out = {n: (d / "eval" / n).read_bytes() for n in
           ("metrics.json", "metrics.csv", "scores.csv", "trace.csv", "negatives.json")}
    run_json = json.loads((d / "eval" / "run.json").read_text())
    out["run.json"] = json.dumps({k: v for k, v in run_json.items() if k not in VOLATILE_RUN_KEYS}, sort_keys=True)
    return out


def sqlite_ok(kind, cache):
    db = cache / "mllm-answers.sqlite"  # --cache-dir holds the MLLM answers too
    if not db.exists():
        return kind == "negatives"
    with sqlite3.connect(db) as c:
        return c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def tear_one_entry(cache, rng):
    """Truncates one random embedding-cache entry; says which and how much was kept."""
    entries = sorted(cache.rglob("*.bin"))
    if not entries:
        return "no cache entry to tear"
    victim = rng.choice(entries)
    size = victim.stat().st_size
    keep = rng.randrange(size)
    with open(victim, "r+b") as f:
        f.truncate(keep)
    return f"tore {victim.parent.name}/{victim.name[:20]}... to {keep} of {size} bytes"


def fresh_cache(setup, kind, path):
    shutil.rmtree(path, ignore_errors=True)
    if kind == "negatives":
        path.mkdir(parents=True)
    else:
        shutil.copytree(setup.warm, path)


def differences(kind, want, d):
    got = outputs(kind, d)
    return [n for n in want if want[n] != got.get(n)]


def reference(setup, kind):
    d = setup.work / f"{kind}-reference"
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir()
    fresh_cache(setup, kind, d / "cache")
    t0 = time.monotonic()
    checked(setup.command(kind, d, d / "cache"))
    return outputs(kind, d), time.monotonic() - t0


def kill_trials(setup, kind, want, duration, points, rng):
    cache = setup.work / f"{kind}-cache"
    killed_count = failed = 0
    for i in range(points):
        d = setup.work / f"{kind}-trial"
        shutil.rmtree(d, ignore_errors=True)
        d.mkdir()
        fresh_cache(setup, kind, cache)
        at = rng.uniform(0.0, 1.1) * duration
        killed, rc, err = run(setup.command(kind, d, cache), kill_after=at)
        if not killed and (rc != 0 or "ants: error:" in err):
            sys.exit(f"kill-harness: {kind} failed before its kill point (exit {rc}):\n{err}")
        killed_count += killed
        state = "state saved" if (d / "detect.state").exists() else "no state"
        torn = tear_one_entry(cache, rng)
        err = checked(setup.command(kind, d, cache))
        diff = differences(kind, want, d)
        ok = not diff and sqlite_ok(kind, cache)
        failed += not ok
        print(f"{kind:9s} trial {i + 1:2d}: kill at {at:6.2f} s of {duration:.2f} s "
              f"({'killed' if killed else 'had finished'}{', ' + state if kind == 'detect' else ''}), "
              f"{torn}; rerun: {'equal' if not diff else 'DIFFERS in ' + ', '.join(diff)}, "
              f"{recompute_warnings(kind, d, err)} damaged entries recomputed, "
              f"sqlite {'ok' if sqlite_ok(kind, cache) else 'CORRUPT or missing'}", flush=True)
    print(f"{kind}: {killed_count} of {points} runs killed mid-way, {'all equal' if not failed else 'FAILURES'}",
          flush=True)
    return failed


def concurrent_users(setup, wants):
    """Two evals and a detect at once on one empty cache directory: all must equal their references."""
    cache = setup.work / "shared-cache"
    shutil.rmtree(cache, ignore_errors=True)
    cache.mkdir()
    jobs = [("eval", setup.work / "concurrent-eval-1"), ("eval", setup.work / "concurrent-eval-2"),
            ("detect", setup.work / "concurrent-detect")]
    procs = []
    for kind, d in jobs:
        shutil.rmtree(d, ignore_errors=True)
        d.mkdir()
        procs.append(subprocess.Popen(setup.command(kind, d, cache), stdout=subprocess.DEVNULL,
                                      stderr=subprocess.PIPE))
    failed = 0
    for (kind, d), p in zip(jobs, procs):
        err = p.communicate()[1].decode(errors="replace")
        diff = differences(kind, wants[kind], d) if p.returncode in (0, 1) else ["(exit %d: %s)" % (p.returncode, err)]
        failed += bool(diff)
        print(f"concurrent {kind:6s} {d.name}: {'equal' if not diff else 'DIFFERS in ' + ', '.join(diff)}",
              flush=True)
    ok = sqlite_ok("eval", cache)
    print(f"concurrent: shared cache sqlite {'ok' if ok else 'CORRUPT or missing'}", flush=True)
    return failed + (not ok)


def limit_file_size(n):
    def apply():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes past the limit then fail with EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (n, n))
    return apply


def full_disk(setup, kind, want, limit, extra):
    """Runs with every file capped at `limit` bytes (EFBIG, as on a full disk), then without."""
    d = setup.work / f"{kind}-full-disk"
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir()
    fresh_cache(setup, kind, d / "cache")
    p = subprocess.run(setup.command(kind, d, d / "cache") + extra, preexec_fn=limit_file_size(limit),
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = p.stderr.decode(errors="replace")
    errors = [l for l in err.splitlines() if l.startswith("ants: error:")]
    failed_writes = [l for l in err.splitlines() if "write failed" in l]
    # A failed write of an output, state or SQLite file is one error line naming the file and a
    # non-zero exit; a failed embedding-cache write is a warning ("not cached") and the run goes on.
    clear = all(l.startswith(f"ants: error: {d}/") for l in errors) and (p.returncode != 0) == bool(errors)
    clear = clear and bool(errors or failed_writes)  # the cap must have bitten
    checked(setup.command(kind, d, d / "cache"))
    diff = differences(kind, want, d)
    print(f"{kind:9s} files capped at {limit:7d} bytes{' ' + ' '.join(extra) if extra else ''}: "
          f"exit {p.returncode}, {len(failed_writes)} failed writes"
          f"{' (' + errors[0] + ')' if errors else ''}; {'clear' if clear else 'UNCLEAR'}; rerun "
          f"{'equal' if not diff else 'DIFFERS in ' + ', '.join(diff)}", flush=True)
    return (not clear) + bool(diff)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ants", required=True, type=Path)
    ap.add_argument("--work", required=True, type=Path)
    ap.add_argument("--points", type=int, default=3, help="kill points per command")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--commands", default="detect,eval,negatives")
    a = ap.parse_args()
    a.work.mkdir(parents=True, exist_ok=True)
    setup = Setup(a.ants.resolve(), a.work.resolve())
    rng = random.Random(a.seed)
    kinds = a.commands.split(",")
    refs = {kind: reference(setup, kind) for kind in kinds}
    failed = 0
    for kind in kinds:
        failed += kill_trials(setup, kind, *refs[kind], a.points, rng)
    if "eval" in refs and "detect" in refs:
        failed += concurrent_users(setup, {k: v[0] for k, v in refs.items()})
    for kind in kinds:
        # A tiny cap (the SQLite answer cache cannot be set up), and one at half the largest
        # output without that cache, so the state and output writes are the ones that fail.
        failed += full_disk(setup, kind, refs[kind][0], 4096, [])
        no_sqlite = [] if kind == "negatives" else ["--mllm-cache", "none"]
        failed += full_disk(setup, kind, refs[kind][0], max(map(len, refs[kind][0].values())) // 2, no_sqlite)
    print("kill-harness:", "ok" if not failed else f"{failed} checks failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
