"""The module as a long-running Python program sees it: other threads run while C++ works,
Ctrl-C stops long calls with the state intact, and repeated calls do not leak."""
import _thread
import os
import signal
import threading
import time

import pytest

import ants
from scripted_server import ScriptedMllm


def rss_mib():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def test_two_threads_encode_at_once(clip, tiny_dir):
    files = [str(tiny_dir / "images" / "gradient.png")] * 160
    stamps = {"a": [], "b": []}

    def work(name):
        clip.encode_images(files, batch=8, progress=lambda d, t: stamps[name].append(time.monotonic()))

    threads = [threading.Thread(target=work, args=(n,)) for n in "ab"]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    a, b = stamps["a"], stamps["b"]
    assert len(a) == len(b) == 20
    # Each made progress while the other was still running: the GIL was not held by either.
    assert b[0] < a[-1] and a[0] < b[-1]


def interrupt_at_first_progress():
    fired = []

    def progress(done, total):
        if not fired:
            fired.append(done)
            _thread.interrupt_main()

    return progress


def sigint_at_first_progress():
    """A real SIGINT, sent from another thread while the C++ work goes on."""
    fired = []

    def progress(done, total):
        if not fired:
            fired.append(done)
            threading.Thread(target=os.kill, args=(os.getpid(), signal.SIGINT)).start()

    return progress


def test_ctrl_c_stops_encode_eval_and_score_and_leaves_them_usable(clip, tiny_dir, demo, text_cache, tmp_path):
    files = [str(tiny_dir / "images" / "gradient.png")] * 400
    with pytest.raises(KeyboardInterrupt):
        clip.encode_images(files, batch=8, progress=interrupt_at_first_progress())
    with pytest.raises(KeyboardInterrupt):
        clip.encode_images(files, batch=8, progress=sigint_at_first_progress())
    assert clip.encode_images(files[:2]).shape == (2, clip.info["embed_dim"])

    id_files, ood_files, classes = demo
    det = ants.Detector(clip, classes, mllm=ScriptedMllm(), cache_dir=text_cache, count=300, min_candidates=5)
    with pytest.raises(KeyboardInterrupt):
        det.score(ood_files + id_files, batch=8, progress=interrupt_at_first_progress())
    assert det.state["batches"] == 1  # the batch that finished is kept
    det.score(id_files[:8])
    assert det.state["batches"] == 2

    id_list = tmp_path / "id.txt"
    id_list.write_text("".join(f"{f} 0\n" for f in id_files))
    with pytest.raises(KeyboardInterrupt):
        ants.eval(clip, classes, id_list, [f"t={os.path.dirname(ood_files[0])}"], cache_dir=text_cache, count=300,
                  progress=interrupt_at_first_progress())


def test_repeated_scoring_keeps_memory_flat(clip, demo, text_cache):
    id_files, ood_files, classes = demo
    feats = clip.encode_images(ood_files + id_files)[:16]
    det = ants.Detector(None, classes, text_encoder=clip, logit_scale=clip.info["logit_scale"], mllm=ScriptedMllm(),
                        cache_dir=text_cache, count=300, min_candidates=5, near_start=2, near_interval=2)
    for _ in range(200):  # warm-up: banks fill, allocators settle
        det.score(feats, files=(ood_files + id_files)[:16])
    before = rss_mib()
    for _ in range(2000):
        s = det.score(feats, files=(ood_files + id_files)[:16])
    grown = rss_mib() - before
    print(f"\nRSS {before:.1f} MiB -> {before + grown:.1f} MiB over 2000 score calls")
    assert len(s) == 16
    assert grown < 8, f"RSS grew {grown:.1f} MiB over 2000 score calls"


def test_one_detector_shared_by_threads_takes_turns(clip, demo, text_cache):
    id_files, ood_files, classes = demo
    det = ants.Detector(clip, classes, mllm=ScriptedMllm(), cache_dir=text_cache, count=300, min_candidates=5)
    errors = []

    def work():
        try:
            for _ in range(5):
                det.score(ood_files[:8])
                det.state, det.ens_labels
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and det.state["batches"] == 15


def test_ctrl_c_inside_a_python_mllm_stops_the_call(clip, demo, text_cache):
    id_files, ood_files, classes = demo

    class Interrupted(ScriptedMllm):
        def describe(self, image, exclude_class):
            raise KeyboardInterrupt

    det = ants.Detector(clip, classes, mllm=Interrupted(), cache_dir=text_cache, count=300, min_candidates=5)
    with pytest.raises(KeyboardInterrupt):
        det.score(ood_files + id_files, batch=8)
    assert 1 <= det.state["batches"] < 5
