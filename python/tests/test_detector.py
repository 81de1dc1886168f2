"""ants.Detector against the authors' postprocessor goldens and against `ants detect`."""
import csv
import json
import subprocess

import numpy as np
import pytest

import ants
from scripted_server import ScriptedMllm, ScriptedServer


@pytest.fixture(scope="module")
def goldens():
    from conftest import REPO
    return json.loads((REPO / "tests" / "data" / "ants-stream-goldens.json").read_text())


STREAM = dict(count=300, min_candidates=5, near_start=2, near_interval=2)


class GoldenMllm:
    """What the authors' scripted backend answered; the image bytes are the file's name."""

    def __init__(self, g, silent):
        self.g, self.silent = g, silent

    def describe(self, image, exclude_class):
        return None if self.silent else self.g["describe"][image.decode()]

    def similar(self, class_name):
        return "" if self.silent else self.g["similar"][class_name]


def golden_options(e):
    return dict(mode=e["in_score"], eta=e["eta"], groups=e["group_num"], no_permute=not e["random_permute"],
                ens_updates=e["ens_stop_step"], near_start=e["near_label_start_batch"],
                near_interval=e["near_label_interval"], neglabel_init=e["neglabel_init_flag"],
                activation_aware=e["activation_aware_ens"], activation_count=e["activation_negative_count"],
                activation_step=e["activation_step"], activation_gap=e["activation_gap"],
                activation_history=e["activation_score_queue_size"], queue_cap=e["FAR_QUEUE_MAX_SIZE"],
                min_candidates=e["MIN_ENSEMBLE_CANDIDATES"], near_top=e["SIMILAR_CLASS_LIMIT"],
                balance_repeats=e["NEAR_BALANCE_REPEATS"], gamma0=e["initial_gamma"])


@pytest.mark.parametrize("run", range(8))
def test_features_with_a_python_mllm_equal_the_authors_postprocessor(goldens, run):
    g = goldens
    r = g["runs"][run]
    texts = dict(g["text_features"])
    texts.update({f"The nice {c}.": f for c, f in zip(g["class_names"], g["id_features"])})
    encoder = lambda batch: np.array([texts[t] for t in batch], np.float32)  # noqa: E731
    bank = ants.TextBank([f"neg {i}" for i in range(g["num_neglabels"])], np.array(g["neglabel_features"], np.float32))
    det = ants.Detector(None, g["class_names"], text_encoder=encoder, negatives=bank, logit_scale=g["scale"],
                        mllm=GoldenMllm(g, r["mllm"] == "silent"), mllm_parse="reference",
                        **golden_options(r["effective"]))
    feats = np.array(g["image_features"], np.float32)
    names = [f.encode() for f in g["files"]]
    s = det.score(feats, batch=g["batch_size"], images=names)
    base = np.array(r["base"])
    far = np.where([x is None for x in r["far"]], base, np.array([np.nan if x is None else x for x in r["far"]]))
    near = np.where([x is None for x in r["near"]], base, np.array([np.nan if x is None else x for x in r["near"]]))
    assert np.array_equal(s.pred, np.array(r["preds"]))
    np.testing.assert_allclose(s.score, r["scores"], atol=1e-4)
    np.testing.assert_allclose(s.far, far, atol=1e-4)
    np.testing.assert_allclose(s.near, near, atol=1e-4)
    last = r["trace"][-1]
    assert det.state["ens_updates"] == last["ens_updates"]
    assert det.state["far_rows"] == last["ens_rows"] and det.state["near_rows"] == last["vsnl_rows"]
    assert det.state["batches"] == len(r["trace"])


class CountingMllm(GoldenMllm):
    """GoldenMllm that records the classes VSNL asks about."""

    def __init__(self, g):
        super().__init__(g, False)
        self.asked = []

    def similar(self, class_name):
        self.asked.append(class_name)
        return super().similar(class_name)


def golden_detector(g, mllm, **overrides):
    r = g["runs"][0]
    texts = dict(g["text_features"])
    texts.update({f"The nice {c}.": f for c, f in zip(g["class_names"], g["id_features"])})
    encoder = lambda batch: np.array([texts.get(t, g["id_features"][0]) for t in batch], np.float32)  # noqa: E731
    bank = ants.TextBank([f"neg {i}" for i in range(g["num_neglabels"])], np.array(g["neglabel_features"], np.float32))
    options = golden_options(r["effective"])
    if "near_select" in overrides:
        del options["near_top"]  # the same option: giving both is an error
    options.update(mode="ada", **overrides)
    return ants.Detector(None, g["class_names"], text_encoder=encoder, negatives=bank, logit_scale=g["scale"],
                         mllm=mllm, mllm_parse="reference", **options)


def score_golden(g, det):
    feats = np.array(g["image_features"], np.float32)
    return det.score(feats, batch=g["batch_size"], images=[f.encode() for f in g["files"]])


def test_ablation_options_reach_the_detector(goldens):
    g = goldens
    s = score_golden(g, golden_detector(g, CountingMllm(g), lambda_rule="fixed:0.25"))
    np.testing.assert_allclose(s.score, 0.25 * s.far + 0.75 * s.near, atol=1e-6)
    assert not np.array_equal(s.far, s.near)

    mllm = CountingMllm(g)
    score_golden(g, golden_detector(g, mllm, near_select="all"))
    assert mllm.asked[:len(g["class_names"])] == g["class_names"]  # every class, in list order

    mllm = CountingMllm(g)
    det = golden_detector(g, mllm, mllm_caption_only=True, threshold_rule="fixed", ens_id_noise=1.0)
    score_golden(g, det)
    assert mllm.asked == [] and det.state["near_rows"] == 0
    assert det.state["far_rows"] > 0 and set(det.ens_labels) <= set(g["class_names"])

    with pytest.raises(ValueError, match="near_top"):
        golden_detector(g, None, near_top=3, near_select="top:3")
    with pytest.raises(ants.Error, match="--lambda-rule"):
        golden_detector(g, None, lambda_rule="fixed:2")
    # numpy scalars are options as the Python ones are
    golden_detector(g, None, eta=np.float32(0.25), neglabel_init=np.bool_(False), ens_updates=np.int64(3))
    with pytest.raises(TypeError, match="eta: list"):
        golden_detector(g, None, eta=[0.5])


def read_rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def test_a_scripted_python_mllm_equals_detect_with_the_server_and_its_replay(clip, cli, tiny_dir, demo, tmp_path,
                                                                            text_cache):
    id_files, ood_files, classes = demo
    files = ood_files + id_files
    (tmp_path / "classes.txt").write_text("\n".join(classes) + "\n")
    common = [cli, "detect", "--model", str(tiny_dir / "model"), "--precision", "fp32", "--classes",
              str(tmp_path / "classes.txt"), "--count", "300", "--min-candidates", "5", "--near-start", "2",
              "--near-interval", "2", "--batch", "8", "--cache-dir", str(text_cache), "--mllm-sync", "--mllm-cache",
              "none", "--quiet"]
    with ScriptedServer() as server:
        subprocess.run(common + ["--mllm-url", server.url, "--mllm-parallel", "1", "--mllm-record",
                                 str(tmp_path / "answers.jsonl"), "-o", str(tmp_path / "served.csv"), *files],
                       check=True)
        assert server.requests > 0
    subprocess.run(common + ["--mllm-replay", str(tmp_path / "answers.jsonl"), "-o", str(tmp_path / "replayed.csv"),
                             *files], check=True)
    served, replayed = read_rows(tmp_path / "served.csv"), read_rows(tmp_path / "replayed.csv")
    assert served == replayed

    mllm = ScriptedMllm()
    det = ants.Detector(clip, str(tmp_path / "classes.txt"), mllm=mllm, cache_dir=text_cache, **STREAM)
    s = det.score(files, batch=8)
    st = det.state
    assert mllm.describe_calls > 0 and st["describe_failures"] == 0 and st["similar_failures"] == 0
    assert st["far_rows"] > 0 and st["near_rows"] > 0  # the answers entered both banks
    assert any(label.endswith("-shaped rock") for label in det.ens_labels)
    assert s.names == [r["file"] for r in served]
    # Embeddings agree to float rounding (without AVX-512, oneDNN's GEMM splits its sums by its
    # threads), which the logit scale of 100 makes ~1e-6 in a probability.
    np.testing.assert_allclose(s.score, [float(r["score"]) for r in served], atol=1e-5)
    np.testing.assert_allclose(s.prob, [float(r["prob"]) for r in served], atol=1e-5)
    assert list(s.pred) == [int(r["pred"]) for r in served]


def test_an_unreadable_image_is_an_error_entry_and_the_others_are_scored(clip, demo, tmp_path, text_cache):
    id_files, ood_files, classes = demo
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"not an image")
    det = ants.Detector(clip, classes, method="neglabel", cache_dir=text_cache, count=300)
    s = det.score([id_files[0], str(bad), ood_files[0]])
    assert len(s) == 3 and s.far is None
    assert np.isnan(s.score[1]) and s.pred[1] == -1 and not np.isnan(s.score[[0, 2]]).any()
    assert len(s.errors) == 1 and s.errors[0][0] == 1 and "broken.png" in s.errors[0][2]
    small = ants.Detector(clip, classes, method="neglabel", cache_dir=text_cache, count=300, max_pixels=96 * 96 - 1)
    s = small.score([id_files[0], ood_files[0]])  # the demo images are 96x96
    assert len(s.errors) == 2 and "--max-pixels" in s.errors[0][2]
    with pytest.raises(ValueError, match=r"\(N, 24\)"):
        det.score(np.zeros((2, 7), np.float32))
    with pytest.raises(TypeError, match="unexpected keyword argument 'no_such_option'"):
        ants.Detector(clip, classes, no_such_option=1)
    with pytest.raises(ants.Error, match="odin"):
        ants.Detector(clip, classes, method="odin")


def test_failing_python_mllms_are_no_answer_and_the_stream_goes_on(clip, demo, text_cache):
    id_files, ood_files, classes = demo

    class Broken:
        def describe(self, image, exclude_class):
            raise RuntimeError("model crashed")

        def similar(self, class_name):
            return None

    det = ants.Detector(clip, classes, mllm=Broken(), cache_dir=text_cache, **STREAM)
    s = det.score(ood_files + id_files, batch=8)
    assert not np.isnan(s.score).any()
    st = det.state
    assert st["describe_requests"] > 0 and st["describe_failures"] == st["describe_requests"]
    assert st["similar_failures"] == st["similar_requests"] > 0
    assert det.ens_labels == [] and det.vsnl_labels == []


def test_snapshot_restore_and_reset(clip, demo, tmp_path, text_cache):
    id_files, ood_files, classes = demo
    stream = ood_files + id_files
    make = lambda: ants.Detector(clip, classes, mllm=ScriptedMllm(), cache_dir=text_cache, **STREAM)  # noqa: E731
    whole = make().score(stream, batch=8).score
    det = make()
    det.score(stream[:16], batch=8)
    det.snapshot(tmp_path / "half.ants")
    again = make()
    again.restore(tmp_path / "half.ants")
    assert again.state == det.state and again.ens_labels == det.ens_labels
    np.testing.assert_array_equal(again.score(stream[16:], batch=8).score, whole[16:])
    again.reset()
    assert again.state["batches"] == 0
    np.testing.assert_array_equal(again.score(stream, batch=8).score, whole)
    with pytest.raises(ants.Error):
        ants.Detector(clip, classes[:2], cache_dir=text_cache, count=300).restore(tmp_path / "half.ants")


def test_features_from_the_users_own_encoder_equal_images(clip, demo, text_cache):
    id_files, ood_files, classes = demo
    files = ood_files[:4] + id_files[:4]
    with_clip = ants.Detector(clip, classes, mllm=ScriptedMllm(), cache_dir=text_cache, **STREAM)
    own = ants.Detector(None, classes, text_encoder=clip, logit_scale=clip.info["logit_scale"], mllm=ScriptedMllm(),
                        cache_dir=text_cache, **STREAM)
    a = with_clip.score(files)
    b = own.score(clip.encode_images(files), files=files)
    np.testing.assert_allclose(a.score, b.score, atol=1e-6)
    assert list(a.pred) == list(b.pred)
    callable_encoder = ants.Detector(None, classes, method="mcm", text_encoder=lambda t: clip.encode_texts(t),
                                     logit_scale=clip.info["logit_scale"])
    np.testing.assert_allclose(callable_encoder.score(clip.encode_images(files)).score,
                               ants.Detector(clip, classes, method="mcm").score(files).score, atol=1e-6)
    with pytest.raises(ValueError, match="give features"):
        own.score(files)
    with pytest.raises(ValueError, match="text_encoder"):
        ants.Detector(None, classes)


def test_negatives_build_the_neglabel_bank_once_for_several_detectors(clip, demo, text_cache):
    id_files, ood_files, classes = demo
    bank = ants.negatives(clip, classes, count=300, cache_dir=text_cache)
    assert len(bank) == 300 and bank.features.shape == (300, clip.info["embed_dim"])
    assert bank.features.dtype == np.float32 and len(bank.prompts) == 300
    np.testing.assert_allclose(np.linalg.norm(bank.features, axis=1), 1, atol=1e-5)
    assert not bank.features.flags["WRITEABLE"]  # a view of the bank, not a copy
    files = ood_files[:4] + id_files[:4]
    given = ants.Detector(clip, classes, method="neglabel", negatives=bank).score(files).score
    mined = ants.Detector(clip, classes, method="neglabel", count=300, cache_dir=text_cache).score(files).score
    np.testing.assert_array_equal(given, mined)


def test_csp_builds_its_own_bank_from_the_corpus(clip, demo, tmp_path):
    id_files, ood_files, classes = demo
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "noun.artifact.txt").write_text("".join(f"thing{i}\n" for i in range(40)))
    (corpus / "adj.all.txt").write_text("".join(f"shade{i}\n" for i in range(20)))
    det = ants.Detector(clip, classes, method="csp", corpus=corpus, no_cache=True, csp_ratio=0.5, csp_groups=4)
    assert det.method == "csp" and det.negatives == 30  # half of each part of speech
    r = det.score(id_files + ood_files, batch=8)
    assert np.all((r.score > 0) & (r.score <= 1))
    other = ants.Detector(clip, classes, method="csp", corpus=corpus, no_cache=True, csp_ratio=0.5, csp_groups=4,
                          csp_seed=5)  # other carrier words for the adjectives
    assert not np.array_equal(other.score(id_files + ood_files, batch=8).score, r.score)
    with pytest.raises(ants.Error, match="csp-groups"):
        ants.Detector(clip, classes, method="csp", corpus=corpus, no_cache=True, csp_ratio=0.5, csp_groups=31)


def test_adaneg_keeps_memories_across_batches_and_snapshots_them(clip, demo, tmp_path, text_cache):
    id_files, ood_files, classes = demo
    files = id_files + ood_files
    det = ants.Detector(clip, classes, method="adaneg", cache_dir=text_cache, count=300, adaneg_memory=3,
                        adaneg_thres=0.3, adaneg_score="adaonly")
    assert det.method == "adaneg"
    first = det.score(files[:16], batch=8)
    assert det.state["memory_images"] > 0 and det.state["images"] == 16
    det.snapshot(str(tmp_path / "adaneg.state"))
    rest = det.score(files[16:], batch=8)
    det.reset()
    again = det.score(files[:16], batch=8)
    np.testing.assert_array_equal(first.score, again.score)  # reset: a fresh stream
    resumed = ants.Detector(clip, classes, method="adaneg", cache_dir=text_cache, count=300, adaneg_memory=3,
                            adaneg_thres=0.3, adaneg_score="adaonly")
    resumed.restore(str(tmp_path / "adaneg.state"))
    fresh = ants.Detector(clip, classes, method="adaneg", cache_dir=text_cache, count=300, adaneg_memory=3,
                          adaneg_thres=0.3, adaneg_score="adaonly")
    assert not np.array_equal(fresh.score(files[16:], batch=8).score, rest.score)  # the memories matter
    np.testing.assert_array_equal(resumed.score(files[16:], batch=8).score, rest.score)
    with pytest.raises(ants.Error, match="adaneg-score"):
        ants.Detector(clip, classes, method="adaneg", adaneg_score="sum")
