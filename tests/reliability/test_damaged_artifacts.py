"""Damaged prepared data and saved models are noticed, rebuilt (with a notice) or refused.

Each case prepares a dataset (or fits a model), damages one file the way disks, copies and
curious people do, and loads again: the result equals a fresh build, a notice says what
happened, and nothing damaged is ever used.
"""

from __future__ import annotations

import json
import os
import shutil

import numpy as np
import pandas as pd
import pytest

from movierec.checksums import DamagedArtifactError
from movierec.data import load_dataset
from movierec.data.store import read_dataset
from movierec.models.trained import fit, model_folder


@pytest.fixture
def ml100k(kit, home):
    source = kit.write["ml-100k"](home / "ml-100k")
    dataset = load_dataset("ml-100k", from_path=source)
    return source, dataset, dataset.manifest["artifact"]


def _truncate(path):
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _rewrite_ratings(folder, change):
    with np.load(folder / "ratings.npz", allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    change(arrays)
    np.savez(folder / "ratings.npz", **arrays)


DAMAGE = {
    "ratings.npz cut short": lambda f: _truncate(f / "ratings.npz"),
    "ratings.npz deleted": lambda f: (f / "ratings.npz").unlink(),
    "catalog.parquet cut short": lambda f: _truncate(f / "catalog.parquet"),
    "catalog.parquet deleted": lambda f: (f / "catalog.parquet").unlink(),
    "users.parquet cut short": lambda f: _truncate(f / "users.parquet"),
    "users.parquet with rows missing": lambda f: pd.read_parquet(f / "users.parquet").head(5)
    .to_parquet(f / "users.parquet"),
    "ratings x100": lambda f: _rewrite_ratings(f, lambda a: a.update(data=a["data"] * 100)),
    "shape changed": lambda f: _rewrite_ratings(f, lambda a: a.update(
        shape=np.asarray([a["shape"][0], a["shape"][1] - 3]))),
    "movie index out of range": lambda f: _rewrite_ratings(f, lambda a: a["indices"].__setitem__(
        0, 10_000)),
    "manifest checksums removed": lambda f: (f / "manifest.json").write_text(json.dumps(
        {k: v for k, v in json.loads((f / "manifest.json").read_text()).items()
         if k != "files"})),
}


@pytest.mark.parametrize("damage", list(DAMAGE), ids=list(DAMAGE))
def test_damaged_prepared_data_is_rebuilt_with_a_notice(ml100k, damage, capsys):
    source, before, artifact = ml100k
    from pathlib import Path

    folder = Path(artifact)
    DAMAGE[damage](folder)
    with pytest.raises((DamagedArtifactError, FileNotFoundError)):
        read_dataset(folder)
    capsys.readouterr()
    again = load_dataset("ml-100k", from_path=source)
    assert "rebuilding it from the raw files" in capsys.readouterr().err or damage.startswith(
        "manifest")
    assert again.fingerprint == before.fingerprint
    assert (again.ratings.matrix != before.ratings.matrix).nnz == 0
    assert again.catalog.frame["title"].tolist() == before.catalog.frame["title"].tolist()
    assert read_dataset(folder).ratings.nnz == before.ratings.nnz     # the artifact is whole again


def test_damage_without_the_raw_files_is_a_clear_refusal(ml100k, home):
    from typer.testing import CliRunner

    from movierec.cli.main import app

    source, _, artifact = ml100k
    from pathlib import Path

    _truncate(Path(artifact) / "ratings.npz")
    shutil.rmtree(source)
    result = CliRunner().invoke(app, ["info", "--data", "ml-100k", "--json"])
    assert result.exit_code == 2
    error = json.loads(result.stdout)["error"]
    assert error["code"] == "data_missing" and "u.data" in error["message"]


# --- saved models ---------------------------------------------------------------------------------
def _state(folder):
    with np.load(folder / "state.npz", allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


def _rewrite_state(folder, change):
    state = _state(folder)
    change(state)
    np.savez(folder / "state.npz", **state)


def _first_float(state):
    return next(k for k, v in state.items() if v.dtype.kind == "f" and v.size)


MODEL_DAMAGE = {
    "state.npz cut short": lambda f: _truncate(f / "state.npz"),
    "state.npz deleted": lambda f: (f / "state.npz").unlink(),
    "NaN weights": lambda f: _rewrite_state(f, lambda s: s[_first_float(s)].__setitem__(
        (0,) * s[_first_float(s)].ndim, np.nan)),
    "negated weights": lambda f: _rewrite_state(f, lambda s: s.update(
        {k: -v for k, v in s.items() if v.dtype.kind == "f"})),
    "index out of range": lambda f: _rewrite_state(f, lambda s: s.update(
        {k: v + 10_000 for k, v in s.items() if k.endswith("indices")})),
    "an array dropped": lambda f: _rewrite_state(f, lambda s: s.pop(sorted(s)[0])),
}


CASES = [(m, d) for m in ("item_knn", "als") for d in MODEL_DAMAGE
         if not (m == "als" and d == "index out of range")]    # ALS keeps no sparse indices


@pytest.mark.parametrize("method, damage", CASES, ids=[f"{m}-{d}" for m, d in CASES])
def test_a_damaged_saved_model_is_fitted_again(kit, home, method, damage, capsys):
    data = kit.DATA
    first = fit(method, data)
    folder = model_folder(data, method)
    profile_items = [1, 2, 3]
    from movierec.models.profile import Profile

    want = first.model.recommend(Profile.from_picks(profile_items), k=10).items.tolist()
    MODEL_DAMAGE[damage](folder)
    capsys.readouterr()
    again = fit(method, data)
    assert not again.reused and "fitting it again" in capsys.readouterr().err
    assert again.model.recommend(Profile.from_picks(profile_items), k=10).items.tolist() == want
    assert fit(method, data).reused            # the new save is whole


def test_a_source_edited_in_place_with_size_and_mtime_put_back_is_noticed(kit, home):
    source = kit.write["ml-latest-small"](home / "src")
    path = source / "ratings.csv"
    first = load_dataset("ml-latest-small", from_path=source)
    stat = path.stat()
    text = path.read_text()
    changed = text.replace("\n1,2,", "\n1,2,", 1)
    row = text.splitlines()[1]            # the first rating: same length, another value
    old_rating = row.split(",")[2]
    new_rating = "1" if old_rating != "1" else "2"
    changed = text.replace(row, ",".join(row.split(",")[:2] + [new_rating] + row.split(",")[3:]),
                           1)
    assert len(changed) == len(text)
    path.write_text(changed)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert path.stat().st_size == stat.st_size and path.stat().st_mtime_ns == stat.st_mtime_ns
    again = load_dataset("ml-latest-small", from_path=source)
    assert again.fingerprint != first.fingerprint
    user, movie = (int(v) for v in row.split(",")[:2])
    u = int(np.flatnonzero(again.ratings.user_ids == user)[0])
    assert again.ratings.matrix[u, movie - 1] == float(new_rating)


def test_a_touched_source_is_not_re_read_twice(kit, home):
    source = kit.write["ml-latest-small"](home / "src")
    first = load_dataset("ml-latest-small", from_path=source)
    os.utime(source / "ratings.csv")                      # new mtime, same bytes
    again = load_dataset("ml-latest-small", from_path=source)
    assert again.fingerprint == first.fingerprint
    manifest = json.loads((source.parent / "home" / "prepared").glob("*/manifest.json")
                          .__next__().read_text())
    recorded = manifest["inputs"][0]["signature"]
    names = [s[0] for s in recorded]
    current = (source / "ratings.csv").stat()
    assert recorded[names.index("ratings.csv")][2:] == [current.st_mtime_ns, current.st_ctime_ns,
                                                        current.st_ino]
