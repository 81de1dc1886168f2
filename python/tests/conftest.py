"""Where the tests find the shared fixtures and the CLI they compare against."""
import os
import pathlib

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
SHARED = pathlib.Path(os.environ.get("ANTS_SHARED_DIR", REPO.parent / "shared"))
BUILD = pathlib.Path(os.environ.get("ANTS_BUILD_DIR", REPO / "build"))


@pytest.fixture(scope="session")
def tiny_dir():
    return SHARED / "testdata" / "clip-tiny"


@pytest.fixture(scope="session")
def cli():
    path = BUILD / "ants"
    if not path.exists():
        pytest.skip("the ants CLI is not built")
    return str(path)
