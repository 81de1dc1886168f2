"""ants.Clip against the PyTorch reference embeddings and the CLI, bit for bit."""
import json
import subprocess

import numpy as np
import pytest

import ants


def cosine(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))


def test_version_is_the_clis(cli):
    out = subprocess.run([cli, "--version"], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "ants " + ants.__version__


def test_info_and_tokens(clip, expected):
    assert clip.info["precision"] == "fp32"
    assert clip.info["vision_arch"] == "vit"
    assert clip.info["embed_dim"] == len(expected["texts"][0]["embedding"])
    texts = [t["text"] for t in expected["texts"]]
    assert clip.tokenize(texts) == [t["ids_in_context"] for t in expected["texts"]]


def test_texts_match_the_pytorch_reference(clip, expected):
    texts = [t["text"] for t in expected["texts"]]
    emb = clip.encode_texts(texts, batch=4)
    assert emb.dtype == np.float32 and emb.shape == (len(texts), clip.info["embed_dim"])
    assert emb.flags["C_CONTIGUOUS"]
    for row, t in zip(emb, expected["texts"]):
        assert cosine(row, t["embedding"]) >= expected["tolerance"]["text_cosine_min"], t["text"]


def test_texts_equal_the_cli_bit_for_bit(clip, cli, tiny_dir):
    texts = ["a photo of a cat", "The nice goldfish."]
    out = subprocess.run([cli, "embed-text", "--model", str(tiny_dir / "model"), "--precision", "fp32", *texts],
                         capture_output=True, text=True, check=True).stdout
    want = np.array([json.loads(line)["embedding"] for line in out.splitlines()], np.float32)
    assert np.array_equal(clip.encode_texts(texts), want)


def test_images_from_paths_and_bytes_equal_the_cli(clip, cli, tiny_dir, expected):
    files = [str(tiny_dir / im["file"]) for im in expected["images"]]
    from_paths = clip.encode_images(files)
    from_bytes = clip.encode_images([open(f, "rb").read() for f in files])
    assert np.array_equal(from_paths, from_bytes)
    out = subprocess.run([cli, "embed-image", "--model", str(tiny_dir / "model"), "--precision", "fp32", *files],
                         capture_output=True, text=True, check=True).stdout
    want = np.array([json.loads(line)["embedding"] for line in out.splitlines()], np.float32)
    assert np.array_equal(from_paths, want)
    for row, im in zip(from_paths, expected["images"]):
        key = "jpeg_cosine_min" if im["file"].endswith(".jpg") else "png_cosine_min"
        assert cosine(row, im["embedding"]) >= expected["tolerance"][key], im["file"]


def test_an_unreadable_image_is_an_ants_error_naming_it(clip, tmp_path):
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"not an image")
    with pytest.raises(ants.Error, match="broken.png"):
        clip.encode_images([str(bad)])
    with pytest.raises(RuntimeError):  # ants.Error is a RuntimeError
        clip.encode_images([str(tmp_path / "missing.jpg")])
    with pytest.raises(ValueError, match="item 0"):
        clip.encode_images([42])


def test_a_missing_model_is_an_ants_error(tmp_path):
    with pytest.raises(ants.Error, match=str(tmp_path)):
        ants.Clip(str(tmp_path))


def test_a_resnet_clip_matches_open_clip(cli, tmp_path):
    """The rn-tiny ModifiedResNet against open_clip's goldens (tests/data/resnet-goldens.json)."""
    from conftest import REPO
    goldens = json.loads((REPO / "tests" / "data" / "resnet-goldens.json").read_text())
    model = tmp_path / "rn"
    subprocess.run([cli, "make-random-model", "--arch", "rn-tiny", "--layout", "open_clip", "--seed",
                    str(goldens["model"]["seed"]), "--out", str(model)], check=True, capture_output=True)
    rn = ants.Clip(str(model), precision="fp32", threads=2)
    assert rn.info["vision_arch"] == "modified_resnet" and rn.info["vision_stages"] == [2, 1, 1, 1]
    size = goldens["image_size"]
    c, y, x = np.meshgrid(np.arange(3), np.arange(size), np.arange(size), indexing="ij")
    pixels = np.stack([(1.8 * np.sin(0.37 * x * (i + 1) + 0.23 * y + 1.3 * c + i) * np.cos(0.05 * (x - y) * (i + 2)))
                       for i in range(len(goldens["images"]))]).astype(np.float32)
    emb = rn.encode_images(pixels)
    for got, ref in zip(emb, goldens["images"]):
        assert cosine(got, ref["embedding"]) >= 0.99999
