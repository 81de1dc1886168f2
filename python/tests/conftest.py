"""Where the tests find the shared fixtures and the CLI they compare against."""
import json
import os
import pathlib

import pytest

import ants

REPO = pathlib.Path(__file__).resolve().parents[2]
SHARED = pathlib.Path(os.environ.get("ANTS_SHARED_DIR", REPO.parent / "shared"))
BUILD = pathlib.Path(os.environ.get("ANTS_BUILD_DIR", REPO / "build"))


@pytest.fixture(scope="session")
def tiny_dir():
    return SHARED / "testdata" / "clip-tiny"


@pytest.fixture(scope="session")
def clip(tiny_dir):
    return ants.Clip(str(tiny_dir / "model"), precision="fp32", threads=2)


@pytest.fixture(scope="session")
def expected(tiny_dir):
    """Reference token ids and embeddings of an independent PyTorch implementation."""
    return json.loads((tiny_dir / "expected.json").read_text())


@pytest.fixture(scope="session")
def text_cache():
    """NegLabel candidate embeddings of the tiny model, computed once per build tree."""
    return BUILD / "python-text-cache"


@pytest.fixture(scope="session")
def demo(tmp_path_factory):
    """`ants demo`'s images: (ID files, OOD files, class names)."""
    root = tmp_path_factory.mktemp("demo")
    id_images, classes = ants.demo_images(root, 24, 16)
    ood = sorted(str(p) for p in (root / "ood").iterdir())
    return [f for f, _ in id_images], ood, classes


@pytest.fixture(scope="session")
def cli():
    path = BUILD / "ants"
    if not path.exists():
        pytest.skip("the ants CLI is not built")
    return str(path)
