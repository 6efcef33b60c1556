"""Space bundle: the right files, valid front matter and requirements, importable package."""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from typer.testing import CliRunner

from movierec.app import deploy

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    """The default bundle (The Movies Dataset, prepared, hybrid fitted) from small raw files."""
    from movierec.synthetic_files import movies_dataset_files, write_files

    root = tmp_path_factory.mktemp("space")
    write_files(root / "raw" / "the-movies-dataset", movies_dataset_files())
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MOVIEREC_DATA", str(root / "raw"))
        mp.setenv("MOVIEREC_HOME", str(root / "home"))
        return deploy.build_bundle(root / "bundle", space="someone/movierec-demo")


def front_matter(text: str) -> dict:
    assert text.startswith("---\n")
    head, _, _ = text[4:].partition("\n---\n")
    return yaml.safe_load(head)


def test_bundle_has_the_entry_readme_requirements_and_package(bundle):
    names = {rel for rel, _ in bundle.files}
    assert {"app.py", "README.md", "requirements.txt", "movierec/__init__.py",
            "movierec/app/deploy.py", "movierec/data/download.py"} <= names
    assert all(size > 0 for rel, size in bundle.files if rel.endswith(".py")
               and not rel.endswith("__init__.py"))
    assert bundle.total_bytes == sum(s for _, s in bundle.files) < 5_000_000


def test_bundle_holds_the_prepared_data_and_fitted_default_and_no_raw_files(bundle):
    names = {rel for rel, _ in bundle.files}
    for rel in names:
        parts = Path(rel).parts
        assert "__pycache__" not in parts, rel
        if parts[0] == "home":   # artifacts: what the app needs to answer at once
            assert Path(rel).suffix in {".json", ".npz", ".parquet"}, rel
        elif parts[:3] == ("movierec", "evaluation", "published"):   # the report's numbers
            assert Path(rel).name in {"results.json", "meta.json"}, rel
        else:
            assert Path(rel).suffix in {".py", ".md", ".txt", ""}, rel
    assert {rel for rel in names if Path(rel).suffix == ""} == {".gitignore", ".gitattributes"}
    prepared = [rel for rel in names if rel.startswith("home/prepared/the-movies-dataset-")]
    assert {Path(rel).name for rel in prepared} == {"catalog.parquet", "ratings.npz",
                                                    "manifest.json"}
    assert any(rel.endswith("/hybrid-default/state.npz") for rel in names)
    assert "home/app/page-the-movies-dataset.json" in names
    attributes = (bundle.folder / ".gitattributes").read_text()
    assert "*.npz filter=lfs" in attributes and "*.parquet filter=lfs" in attributes


def test_the_bundled_manifest_names_no_path_of_the_machine_that_built_it(bundle):
    import json

    (manifest,) = [bundle.folder / rel for rel, _ in bundle.files
                   if rel.endswith("manifest.json")]
    record = json.loads(manifest.read_text())
    assert "artifact" not in record
    assert all(i["location"].startswith("(bundled) ") for i in record["inputs"])
    assert str(bundle.folder.parent) not in manifest.read_text()


def test_a_seeded_home_serves_the_bundle_without_raw_files(bundle, tmp_path, monkeypatch):
    from movierec.service import Service

    monkeypatch.setenv("MOVIEREC_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("MOVIEREC_DATA", raising=False)
    linked = deploy.seed_home(bundle.folder / "home")
    assert linked == sum(1 for rel, _ in bundle.files if rel.startswith("home/"))
    assert deploy.seed_home(bundle.folder / "home") == 0        # idempotent
    service = Service("the-movies-dataset")
    assert service.is_ready("hybrid")                           # shipped, not trained here
    answer = service.recommend(["Toy Story", "Finding Nemo", "Up"])
    assert answer.results[0].overview and answer.results[0].poster_url
    assert not (tmp_path / "home" / "raw").exists() or not any((tmp_path / "home" / "raw").iterdir())


def test_readme_front_matter_is_valid_spaces_yaml(bundle):
    meta = front_matter((bundle.folder / "README.md").read_text(encoding="utf-8"))
    assert meta["sdk"] == "gradio" and meta["app_file"] == "app.py"
    assert meta["sdk_version"] == importlib.metadata.version("gradio")
    assert meta["pinned"] is False and meta["title"] == "movierec-demo"
    colours = {"red", "yellow", "green", "blue", "indigo", "purple", "pink", "gray"}
    assert meta["colorFrom"] in colours and meta["colorTo"] in colours
    assert meta["emoji"] and len(meta["short_description"]) <= 60


def test_requirements_parse_and_hold_the_app_stack_without_torch(bundle):
    lines = [line for line in (bundle.folder / "requirements.txt").read_text().splitlines()
             if line.strip()]
    reqs = {Requirement(line).name.lower(): Requirement(line) for line in lines}
    assert {"numpy", "pandas", "scipy", "scikit-learn", "implicit", "rapidfuzz", "gradio",
            "plotly", "matplotlib"} <= set(reqs)
    assert "torch" not in reqs and "kagglehub" in reqs     # the default data is Kaggle's
    installed = importlib.metadata.version("gradio")
    assert reqs["gradio"].specifier.contains(installed)
    assert all(str(r.specifier) for r in reqs.values())   # every line pins a minimum
    grouplens = deploy.requirements("ml-latest-small")
    assert not any(line.startswith("kagglehub") for line in grouplens)


def test_package_imports_from_the_bundle_alone(bundle):
    env = {**os.environ, "PYTHONPATH": str(bundle.folder), "MOVIEREC_OFFLINE": "1"}
    code = ("import movierec, movierec.app, movierec.app.deploy, movierec.data, movierec.cli;"
            "print(movierec.__file__)")
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=bundle.folder.parent,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert Path(out.stdout.strip()).resolve().is_relative_to(bundle.folder.resolve())
    compile((bundle.folder / "app.py").read_text(), "app.py", "exec")


def test_repository_app_py_is_the_rendered_entry():
    assert (REPO / "app.py").read_text(encoding="utf-8") == deploy.render_app_py()
    assert deploy.DEFAULT_SPACE_DATA in deploy.render_app_py()
    assert "the-movies-dataset" in deploy.render_app_py("the-movies-dataset")


def test_bad_arguments_get_clear_errors(tmp_path):
    with pytest.raises(deploy.DeployError, match="OWNER/NAME"):
        deploy.build_bundle(tmp_path / "a", space="no-slash")
    with pytest.raises(deploy.DeployError, match="unknown dataset"):
        deploy.build_bundle(tmp_path / "b", space="me/x", data="nope")
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "keep.txt").write_text("mine")
    with pytest.raises(deploy.DeployError, match="not empty"):
        deploy.build_bundle(tmp_path / "c", space="me/x")


def test_cli_dry_run_lists_the_files(tmp_path):
    from movierec.cli import app

    out = tmp_path / "dry"
    result = CliRunner().invoke(app, ["deploy", "--space", "me/demo", "--dry-run", str(out),
                                      "--no-artifacts", "--data", "ml-latest-small"],
                                env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "app.py" in result.output and "requirements.txt" in result.output
    assert "MB (Hub LFS takes the large ones" in result.output
    assert (out / "movierec" / "__init__.py").is_file() and not (out / "home").exists()


def test_cli_dry_run_without_the_data_says_how_to_get_it(tmp_path, monkeypatch):
    from movierec.cli import app

    monkeypatch.setenv("MOVIEREC_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("MOVIEREC_DATA", str(tmp_path / "nothing"))
    monkeypatch.setenv("MOVIEREC_GROUPLENS_URL", "http://127.0.0.1:9")   # offline
    result = CliRunner().invoke(app, ["deploy", "--space", "me/demo", "--dry-run",
                                      str(tmp_path / "b"), "--data", "ml-latest-small"])
    assert result.exit_code == 2 and "No internet connection" in result.output
    assert "ml-latest-small --from PATH" in result.output and not (tmp_path / "b").exists()


class FakeApi:
    calls: list = []

    def __init__(self, token=None):
        FakeApi.calls.append(("init", token))

    def create_repo(self, repo_id, **kwargs):
        FakeApi.calls.append(("create_repo", repo_id, kwargs))
        return f"https://huggingface.co/spaces/{repo_id}"

    def upload_folder(self, *, folder_path, repo_id, **kwargs):
        files = sorted(p.relative_to(folder_path).as_posix()
                       for p in Path(folder_path).rglob("*") if p.is_file())
        FakeApi.calls.append(("upload_folder", repo_id, kwargs, files))


def test_deploy_creates_the_space_and_uploads_the_bundle(monkeypatch):
    import huggingface_hub

    FakeApi.calls = []
    monkeypatch.setattr(huggingface_hub, "HfApi", FakeApi)
    monkeypatch.setenv("HF_TOKEN", "hf_test")
    url = deploy.deploy("me/demo", artifacts=False)
    assert url == "https://huggingface.co/spaces/me/demo"
    (_, token), (_, repo, create), (_, repo2, upload, files) = FakeApi.calls
    assert token == "hf_test" and repo == repo2 == "me/demo"
    assert create["repo_type"] == "space" and create["space_sdk"] == "gradio" and create["exist_ok"]
    assert upload["repo_type"] == "space" and "home/**" in upload["delete_patterns"]
    assert {"app.py", "README.md", "requirements.txt", "movierec/__init__.py"} <= set(files)


def test_deploy_without_a_token_says_how_to_get_one(monkeypatch):
    import huggingface_hub

    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.setattr(huggingface_hub, "get_token", lambda: None)
    monkeypatch.setattr(huggingface_hub, "HfApi", lambda **kw: pytest.fail("must not upload"))
    with pytest.raises(deploy.DeployError, match="HF_TOKEN"):
        deploy.deploy("me/demo")


def test_deploy_without_a_reachable_hub_is_a_clear_message(monkeypatch):
    """No network: the Hub client's transport error (httpx here) becomes a DeployError."""
    import huggingface_hub

    httpx = pytest.importorskip("httpx")

    class Offline(FakeApi):
        def create_repo(self, repo_id, **kwargs):
            raise httpx.ConnectError("[Errno -2] Name or service not known")

    monkeypatch.setattr(huggingface_hub, "HfApi", Offline)
    monkeypatch.setenv("HF_TOKEN", "hf_test")
    with pytest.raises(deploy.DeployError, match="could not reach Hugging Face.*--dry-run"):
        deploy.deploy("me/demo", artifacts=False)
    monkeypatch.setattr(Offline, "create_repo", lambda self, repo_id, **kw: 1 / 0)
    with pytest.raises(ZeroDivisionError):        # a bug is not disguised as the network
        deploy.deploy("me/demo", artifacts=False)
