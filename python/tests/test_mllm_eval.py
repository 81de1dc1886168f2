"""ants.MllmClient against a scripted server, asynchronous Python MLLMs, and ants.eval against
`ants eval`."""
import json
import subprocess
import time

import numpy as np
import pytest

import ants
from scripted_server import ScriptedMllm, ScriptedServer


def test_the_http_client_describes_lists_and_counts(demo, tmp_path):
    id_files, _, _ = demo
    with ScriptedServer() as server:
        client = ants.MllmClient(url=server.url, cache=False, parallel=1)
        assert client.models() == ["scripted"]
        assert client.describe(id_files[0], exclude_class="red circle") == "A photo of a red circle-shaped rock"
        assert client.describe(open(id_files[0], "rb").read(), "blue square") == "A photo of a blue square-shaped rock"
        assert client.similar("wolf") == ["wolf toy", "wolf statue", "wolf drawing", "wolf cloud", "wolf shadow"]
        st = client.stats
        assert st["calls"] == 3 and st["failures"] == 0 and st["retries"] == 0
    down = ants.MllmClient(url=server.url, cache=False, retries=0, timeout=2)
    assert down.describe(id_files[0]) is None  # a server that is gone: no answer, no exception
    assert down.stats["failures"] == 1 and down.stats["last_error"]
    with pytest.raises(ants.Error, match="parse"):
        ants.MllmClient(url=server.url, parse="strict")
    with pytest.raises(ants.Error):
        ants.MllmClient()  # no URL and no replay file


def test_eoe_scores_with_the_names_the_server_envisions(clip, demo, text_cache):
    id_files, ood_files, classes = demo
    with ScriptedServer() as server:
        client = ants.MllmClient(url=server.url, cache=False, parallel=1)
        det = ants.Detector(clip, classes, method="eoe", mllm=client, cache_dir=text_cache, eoe_count=50,
                            eoe_beta=0.5, eoe_preset="official")  # the preset does not undo eoe_beta
        assert det.ens_labels == ["lava lamp", "snow field"]
        same = ants.Detector(clip, classes, method="eoe", mllm=client, cache_dir=text_cache, eoe_count=50,
                             eoe_beta=0.5, eoe_logits="cosine", eoe_template="a photo of a {}")
        a, b = det.score(id_files + ood_files, batch=8), same.score(id_files + ood_files, batch=8)
        np.testing.assert_array_equal(a.score, b.score)
        assert server.requests == 2
    with pytest.raises(ants.Error, match="mllm-url"):
        ants.Detector(clip, classes, method="eoe", cache_dir=text_cache)


def test_an_async_python_mllm_answers_later_batches(clip, demo, text_cache):
    id_files, ood_files, classes = demo

    class Slow(ScriptedMllm):
        def describe(self, image, exclude_class):
            time.sleep(0.01)
            return super().describe(image, exclude_class)

    det = ants.Detector(clip, classes, mllm=Slow(), mllm_sync=False, cache_dir=text_cache, count=300,
                        min_candidates=5, near_start=2, near_interval=2)
    stream = ood_files + id_files
    for _ in range(3):
        det.score(stream, batch=8)
        time.sleep(0.2)
    assert det.state["far_rows"] > 0 and any(label.endswith("-shaped rock") for label in det.ens_labels)


def test_eval_returns_what_ants_eval_prints_and_writes_its_files(clip, cli, tiny_dir, demo, tmp_path, text_cache):
    id_files, ood_files, classes = demo
    (tmp_path / "classes.txt").write_text("\n".join(classes) + "\n")
    id_list = tmp_path / "id.txt"
    id_list.write_text("".join(f"{f} {i % 4}\n" for i, f in enumerate(id_files)))
    ood_list = tmp_path / "ood.txt"
    ood_list.write_text("".join(f"{f} -1\n" for f in ood_files))
    (tmp_path / "answers.jsonl").write_text("")
    printed = subprocess.run(
        [cli, "eval", "--model", str(tiny_dir / "model"), "--precision", "fp32", "--classes",
         str(tmp_path / "classes.txt"), "--count", "300", "--min-candidates", "5", "--near-start", "2",
         "--near-interval", "2", "--batch", "8", "--cache-dir", str(text_cache), "--id", str(id_list), "--ood",
         f"textures={ood_list}:far", "--seeds", "0,1", "--out", str(tmp_path / "cli"), "--quiet"],
        capture_output=True, text=True, check=True).stdout
    want = json.loads(printed)
    seen = []
    got = ants.eval(clip, str(tmp_path / "classes.txt"), id_list, {"textures": (ood_list, "far")}, seeds=[0, 1],
                    batch=8, out=tmp_path / "py", cache_dir=text_cache, count=300, min_candidates=5, near_start=2,
                    near_interval=2, progress=lambda d, t: seen.append((d, t)))
    assert got == want
    assert seen
    for name in ("metrics.json", "metrics.csv", "scores.csv", "trace.csv", "negatives.json", "run.json",
                 "report.html"):
        assert (tmp_path / "py" / name).stat().st_size > 0, name
    assert json.loads((tmp_path / "py" / "metrics.json").read_text()) == want
    unwritten = ants.eval(clip, str(tmp_path / "classes.txt"), id_list, [f"textures={ood_list}:far"], seeds=[0, 1],
                          batch=8, cache_dir=text_cache, count=300, min_candidates=5, near_start=2, near_interval=2)
    assert unwritten == want
    from_cache = ants.eval(clip, str(tmp_path / "classes.txt"), id_list, [f"textures={ood_list}:far"], seeds=[0, 1],
                           batch=8, cache_dir=text_cache, count=300, min_candidates=5, near_start=2, near_interval=2,
                           require_cached=True)
    assert from_cache == want
    with pytest.raises(ants.Error, match="images are not in the embedding cache"):
        ants.eval(clip, classes, id_list, [f"textures={ood_list}:far"], method="mcm", cache_dir=tmp_path / "empty",
                  require_cached=True)
    run = json.loads((tmp_path / "py" / "run.json").read_text())
    assert run["ants_version"] == ants.__version__ and run["mllm"] is None
    with pytest.raises(ants.Error, match="missing.txt"):
        ants.eval(clip, classes, tmp_path / "missing.txt", [f"textures={ood_list}"])


def test_eval_in_parts_merges_into_the_whole_eval(clip, tmp_path):
    id_images, classes = ants.demo_images(tmp_path / "images", 24, 16)
    id_files = tmp_path / "id.txt"
    id_files.write_text("".join(f"{f} {label}\n" for f, label in id_images))
    ood_files = tmp_path / "images" / "ood"
    common = dict(seeds=[0, 1], method="mcm", batch=8)
    ood = [f"textures={ood_files}:far", f"again={ood_files}:near"]
    whole = ants.eval(clip, classes, id_files, ood, out=tmp_path / "whole", **common)
    ants.eval(clip, classes, id_files, ood, out=tmp_path / "p0", runs="textures:0,again:1", **common)
    ants.eval(clip, classes, id_files, ood, out=tmp_path / "p1", runs=[("textures", 1), "again:0"], **common)
    assert ants.eval_merge(tmp_path / "merged", [tmp_path / "p0", tmp_path / "p1"]) == whole
    assert (tmp_path / "merged" / "scores.csv").read_text() == (tmp_path / "whole" / "scores.csv").read_text()
    with pytest.raises(ants.Error, match="in none of the directories"):
        ants.eval_merge(tmp_path / "m2", [tmp_path / "p0"])
    half = ants.eval(clip, classes, id_files, ood[:1], ood_ratio=0.5, **common)
    assert (half["sets"][0]["n_id"], half["sets"][0]["n_ood"]) == (24, 12)
    ants.eval(clip, classes, id_files, ood[:1], order="ood-first", out=tmp_path / "blocks", **common)
    rows = [r.split(",") for r in (tmp_path / "blocks" / "scores.csv").read_text().splitlines()[1:]]
    ood_flags = [r[3] == "-1" for r in rows if r[1] == "0"]  # seed 0's stream: all OOD, then all ID
    assert ood_flags == sorted(ood_flags, reverse=True) and ood_flags[0] and not ood_flags[-1]
    joint = ants.eval(clip, classes, id_files, ood, stream="joint", order="near-then-far", out=tmp_path / "joint",
                      **common)
    assert [(x["name"], x["n_id"]) for x in joint["sets"]] == [("textures", 24), ("again", 24)]
    run = json.loads((tmp_path / "joint" / "run.json").read_text())
    assert (run["stream"], run["order"]) == ("joint", "near-then-far")
    with pytest.raises(ants.Error, match="--stream joint"):
        ants.eval(clip, classes, id_files, ood, stream="joint", ood_ratio=0.5, **common)


def test_eval_refuses_an_asynchronous_client(clip, demo, tmp_path):
    id_files, ood_files, classes = demo
    with pytest.raises(ValueError, match="synchronous"):
        ants.eval(clip, classes, tmp_path, [f"t={tmp_path}"], mllm=ants.MllmClient(url="http://127.0.0.1:9", sync=False))
    with pytest.raises(ants.Error, match="parse"):
        ants.eval(clip, classes, tmp_path, [f"t={tmp_path}"], mllm_parse="Reference")
