"""ants.metrics gives what `ants metrics` prints for the same scores."""
import json
import subprocess

import numpy as np
import pytest

import ants


def test_metrics_equal_the_cli(cli, tmp_path):
    rng = np.random.default_rng(0)
    id_scores, ood_scores = rng.normal(1, 1, 300), rng.normal(0, 1, 200)
    np.savetxt(tmp_path / "id.txt", id_scores, fmt="%.17g")
    np.savetxt(tmp_path / "ood.txt", ood_scores, fmt="%.17g")
    out = subprocess.run([cli, "metrics", "--id", str(tmp_path / "id.txt"), "--ood", str(tmp_path / "ood.txt")],
                         capture_output=True, text=True, check=True).stdout
    assert ants.metrics(id_scores, ood_scores) == pytest.approx(json.loads(out), rel=1e-12)


def test_perfect_separation_and_bad_input():
    m = ants.metrics([0.9, 0.8], [0.1, 0.2, 0.3])
    assert m["auroc"] == 100.0 and m["fpr95"] == 0.0 and m["n_id"] == 2 and m["n_ood"] == 3
    with pytest.raises(ants.Error):
        ants.metrics([], [0.1])
    with pytest.raises(ValueError):
        ants.metrics([[0.1]], [0.2])
