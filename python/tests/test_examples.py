"""The Python examples (examples/python/) run on the shared tiny model and the demo images."""
import json
import os
import subprocess
import sys

from conftest import REPO

EXAMPLES = REPO / "examples" / "python"


def run(script, *args):
    env = dict(os.environ, ANTS_CACHE_DIR=os.environ.get("ANTS_CACHE_DIR", str(REPO / "build" / "python-text-cache")))
    return subprocess.run([sys.executable, str(EXAMPLES / script), *map(str, args)], capture_output=True, text=True,
                          check=True, env=env)


def test_zero_shot_folder(tiny_dir, demo):
    id_files, _, classes = demo
    out = run("zero_shot_folder.py", tiny_dir / "model", os.path.dirname(id_files[0]), *classes).stdout.splitlines()
    assert out[0] == "file,class,prob" and len(out) == 1 + len(id_files)
    assert all(line.split(",")[1] in classes for line in out[1:])


def test_stream_with_python_mllm(tiny_dir, demo, tmp_path):
    id_files, ood_files, classes = demo
    (tmp_path / "classes.txt").write_text("\n".join(classes))
    r = run("stream_with_python_mllm.py", tiny_dir / "model", tmp_path / "classes.txt",
            os.path.dirname(ood_files[0]), os.path.dirname(id_files[0]))
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert len(rows) == len(id_files) + len(ood_files)
    assert all(0 <= row["score"] <= 1 for row in rows)
    assert '"batches": 3' in r.stderr


def test_eval_openood_lists(tiny_dir, demo, tmp_path):
    id_files, ood_files, classes = demo
    (tmp_path / "classes.txt").write_text("\n".join(classes))
    (tmp_path / "id.txt").write_text("".join(f"{os.path.relpath(f, tmp_path)} {i % 4}\n" for i, f in enumerate(id_files)))
    (tmp_path / "ood.txt").write_text("".join(f"{os.path.relpath(f, tmp_path)} -1\n" for f in ood_files))
    r = run("eval_openood_lists.py", tiny_dir / "model", tmp_path / "classes.txt", tmp_path / "id.txt",
            f"textures={tmp_path / 'ood.txt'}:far", "--data-root", tmp_path, "--out", tmp_path / "out")
    assert "textures" in r.stdout and "AUROC" in r.stdout
    assert json.loads(r.stdout.splitlines()[-1])["sets"][0]["n_ood"] == len(ood_files)
    assert (tmp_path / "out" / "report.html").exists()
