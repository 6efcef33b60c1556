"""A saved model is only reused when it is exactly the model the caller would fit now."""

from __future__ import annotations

import json

import pytest

from movierec.models.persist import MODEL_JSON, ModelMismatchError, load_model, save_model
from movierec.models.registry import create
from movierec.models.trained import load_or_train, model_folder
from movierec.synthetic import block_dataset


@pytest.fixture(scope="module")
def data():
    return block_dataset(seed=0)


def _edit_config(folder, **changes):
    meta = json.loads((folder / MODEL_JSON).read_text())
    meta["config"].update(changes)
    (folder / MODEL_JSON).write_text(json.dumps(meta))


def test_other_settings_are_refused_when_the_caller_says_what_it_wants(data, tmp_path):
    folder = save_model(create("graph", alpha=1.0).fit(data), tmp_path / "graph")
    assert load_model(folder, data).config.alpha == 1.0          # no expectation: as saved
    with pytest.raises(ModelMismatchError, match="other settings"):
        load_model(folder, data, expected=create("graph", alpha=0.5).config)


def test_a_setting_this_version_lacks_is_refused_clearly(data, tmp_path):
    folder = save_model(create("user_knn").fit(data), tmp_path / "user_knn")
    _edit_config(folder, damping=50.0)                            # an older version's setting
    with pytest.raises(ModelMismatchError, match="another movierec version.*movierec train"):
        load_model(folder, data)


def test_load_or_train_refits_a_model_saved_with_an_old_default(data):
    first = load_or_train("graph", data)
    folder = model_folder(data, "graph")
    _edit_config(folder, alpha=first.config.alpha + 0.25)        # as if the default changed
    again = load_or_train("graph", data)
    assert again.config == create("graph").config
    assert json.loads((folder / MODEL_JSON).read_text())["config"]["alpha"] == first.config.alpha
