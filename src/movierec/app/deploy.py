"""Ship the app to a Hugging Face Space: a bundle that answers at once, and its upload.

`build_bundle(folder, space=..., data=...)` writes what a Gradio Space needs:

* ``app.py`` -- the entry (`render_app_py`): it links the bundled artifacts into
  MOVIEREC_HOME (`seed_home`), then runs ``movierec serve`` (which downloads and prepares the
  data only when no prepared copy is there);
* ``home/`` -- the prepared dataset (default: The Movies Dataset, with posters, overviews,
  cast and keywords), the fitted default method, the page's cached facts and, when present
  here, the catalog's precomputed sentence embeddings: the Space neither downloads nor
  trains before it answers;
* ``README.md`` with the Spaces front matter (``sdk: gradio``, ``sdk_version`` = the gradio
  installed here, so the Space runs what was tested) and ``.gitattributes`` sending the
  binary artifacts through Git LFS, as the Hub expects;
* ``requirements.txt`` -- movierec's runtime dependencies plus the app's (gradio, plotly,
  matplotlib) and kagglehub, read from pyproject.toml (or the installed metadata); no torch;
* ``movierec/`` -- this package's source, so the Space needs no PyPI release of movierec.

No raw data, caches or ``__pycache__`` go in. `deploy` uploads a bundle with
``huggingface_hub`` (token from ``--token``, ``HF_TOKEN`` or a saved ``hf auth login``);
files over 10 MB go through LFS, which ``upload_folder`` does by itself.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import shutil
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import movierec
from movierec.data.sources import DEFAULT_SOURCE

SPACE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,95}/[A-Za-z0-9][A-Za-z0-9._-]{0,95}$")
DEFAULT_SPACE_DATA = DEFAULT_SOURCE   # The Movies Dataset: posters, overviews, cast
BUNDLE_HOME = "home"   # the bundled MOVIEREC_HOME (prepared data, fitted model, page facts)
LFS_PATTERNS = ("*.npz", "*.parquet")
APP_REQUIREMENTS = ("gradio", "plotly", "matplotlib")   # the [app] extra minus deploy tooling
SKIP_DIRS = {"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache"}
SKIP_SUFFIXES = {".pyc", ".pyo", ".so", ".npz", ".parquet", ".sqlite", ".db", ".zip", ".csv"}



class DeployError(RuntimeError):
    """The bundle could not be built or uploaded; the message says what to do."""


@dataclass(frozen=True)
class Bundle:
    folder: Path
    files: list[tuple[str, int]]     # (path relative to folder, bytes), sorted

    @property
    def total_bytes(self) -> int:
        return sum(size for _, size in self.files)


# --- the Space's start-up -------------------------------------------------------------------
def space_home() -> None:
    """Use the Space's persistent storage (``/data``) for MOVIEREC_HOME when it is mounted."""
    if "MOVIEREC_HOME" not in os.environ and os.path.isdir("/data") and os.access("/data", os.W_OK):
        os.environ["MOVIEREC_HOME"] = "/data/movierec"


def seed_home(bundled: Path) -> int:
    """Link every file of a bundled home into MOVIEREC_HOME where none is there yet.

    Files are symlinked (copied where links are not allowed), never moved: the bundle stays
    as uploaded, and whatever the app writes later (feedback, new fits) goes to the home.
    Returns how many files were linked.
    """
    from movierec.paths import movierec_home

    home, linked = movierec_home(), 0
    for source in sorted(p for p in Path(bundled).rglob("*") if p.is_file()):
        target = home / source.relative_to(bundled)
        if target.exists() or target.is_symlink():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            target.symlink_to(source.resolve())
        except OSError:
            shutil.copy2(source, target)
        linked += 1
    return linked


APP_TEMPLATE = '''"""movierec on Hugging Face Spaces (or anywhere): `python app.py`.

Serves the Gradio app. A bundle made by `movierec deploy` carries the prepared dataset and
the fitted default method in ./home, linked into MOVIEREC_HOME at start, so nothing is
downloaded or trained first; without it the dataset is downloaded and prepared on the
first start (set MOVIEREC_DATA to a folder holding the raw files to skip the download).
Environment: MOVIEREC_DATASET (default {dataset!r}), GRADIO_SERVER_NAME, GRADIO_SERVER_PORT.
"""

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
for source in (HERE / "src", HERE):  # a repository checkout, or a Space bundle
    if (source / "movierec" / "__init__.py").is_file():
        sys.path.insert(0, str(source))
        break

DATASET = os.environ.get("MOVIEREC_DATASET", {dataset!r})

if __name__ == "__main__":
    from movierec.app.deploy import seed_home, space_home

    space_home()
    if (HERE / "home").is_dir():
        seed_home(HERE / "home")
    from movierec.cli import app

    app(["serve", "--data", DATASET,
         "--host", os.environ.get("GRADIO_SERVER_NAME", "0.0.0.0"),
         "--port", os.environ.get("GRADIO_SERVER_PORT", "7860")])
'''


def render_app_py(dataset: str = DEFAULT_SPACE_DATA) -> str:
    """The entry script (the repository's own app.py is this with the default dataset)."""
    return APP_TEMPLATE.format(dataset=dataset)


# --- bundle contents ------------------------------------------------------------------------
def _package_dir() -> Path:
    return Path(movierec.__file__).resolve().parent


def _pyproject() -> Path | None:
    candidate = _package_dir().parent.parent / "pyproject.toml"   # src layout checkout
    return candidate if candidate.is_file() else None


def _dependencies() -> tuple[list[str], dict[str, list[str]]]:
    """(runtime requirements, extras) from pyproject.toml, else the installed metadata."""
    path = _pyproject()
    if path is not None:
        project = tomllib.loads(path.read_text(encoding="utf-8"))["project"]
        return list(project["dependencies"]), dict(project.get("optional-dependencies", {}))
    base, extras = [], {}
    for req in importlib.metadata.requires("movierec") or []:
        match = re.search(r';\s*extra\s*==\s*"([^"]+)"', req)
        if match:
            extras.setdefault(match.group(1), []).append(req[: match.start()].strip())
        else:
            base.append(req.strip())
    return base, extras


def _req_name(req: str) -> str:
    return re.split(r"[\s<>=!~;\[]", req, maxsplit=1)[0].lower().replace("_", "-")


def requirements(data: str = DEFAULT_SPACE_DATA) -> list[str]:
    """The Space's requirements.txt lines: runtime deps + gradio (this version) + plots."""
    from movierec.data import get_spec

    base, extras = _dependencies()
    wanted = {name: None for name in APP_REQUIREMENTS}
    for req in extras.get("app", []):
        if _req_name(req) in wanted:
            wanted[_req_name(req)] = req
    lines = list(base)
    gradio = importlib.metadata.version("gradio")
    major_minor = ".".join(gradio.split(".")[:2])
    for name, req in wanted.items():
        if name == "gradio":   # the Space runs sdk_version; never below what was tested here
            lines.append(f"gradio>={major_minor}")
        else:
            lines.append(req or name)
    if get_spec(data).kind == "tmdb":   # The Movies Dataset comes from Kaggle
        lines += extras.get("download", ["kagglehub>=0.3"])
    return lines


def readme(space: str, data: str) -> str:
    """README.md with the Spaces front matter (YAML) and a short description."""
    from movierec.data import get_spec

    spec = get_spec(data)
    gradio = importlib.metadata.version("gradio")
    title = space.split("/", 1)[1]
    return f"""---
title: {title}
emoji: 🎬
colorFrom: indigo
colorTo: pink
sdk: gradio
sdk_version: {gradio}
python_version: "3.11"
app_file: app.py
pinned: false
license: mit
short_description: Name 3 movies you love, get explained recommendations
---

# movierec

Name three or more movies you love (typos are fine) and get recommendations, each with a
reason, from one of many methods (content similarity, taste clusters, item-kNN, ALS, EASE,
a hybrid, ...). Thumbs up/down refine the list and are stored as feedback.

Data: **{spec.name}** -- {spec.description}. The Space ships it prepared, with the fitted
default method (in `home/`), so it answers as soon as it has started. MovieLens data: F. Maxwell Harper and Joseph A. Konstan.
2015. The MovieLens Datasets: History and Context. ACM TiiS 5, 4. Movie posters, where
shown, come from TMDb's public image service; this product uses the TMDb API but is not
endorsed or certified by TMDb.

Built with movierec {movierec.__version__}; bundle made by `movierec deploy --space {space}`.
"""


def _copy_package(target: Path) -> None:
    def ignore(folder: str, names: list[str]) -> set[str]:
        return {n for n in names if n in SKIP_DIRS or Path(n).suffix in SKIP_SUFFIXES
                or n.startswith(".")}

    shutil.copytree(_package_dir(), target, ignore=ignore)


def check_space_id(space: str) -> str:
    space = space.strip()
    if not SPACE_ID.match(space):
        raise DeployError(f"--space must look like OWNER/NAME (letters, digits, '.', '-', '_'), "
                          f"not {space!r}")
    return space


def build_bundle(folder: str | Path, *, space: str, data: str = DEFAULT_SPACE_DATA,
                 method: str | None = None, artifacts: bool = True,
                 progress: Callable[[str], None] | None = None) -> Bundle:
    """Write the Space bundle into ``folder`` (created; must be empty) and list its files.

    With ``artifacts`` (the default) the dataset must be here (raw files or prepared): it
    is prepared, ``method`` (default: the service's default) fitted if not saved yet, and
    both copied under ``home/`` with the page's facts and any precomputed embeddings.
    """
    from movierec.data import get_spec

    say = progress or (lambda _m: None)
    space = check_space_id(space)
    try:
        data = get_spec(data).name
    except KeyError as err:
        raise DeployError(str(err.args[0])) from None
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise DeployError(f"{folder} is a file, not a folder; give a new or empty folder for "
                          "the bundle")
    if folder.exists() and any(folder.iterdir()):
        raise DeployError(f"{folder} is not empty; give a new or empty folder for the bundle")
    if artifacts:   # first, so a missing dataset leaves no half-written bundle behind
        staged = _stage_artifacts(data, method, say)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "app.py").write_text(render_app_py(data), encoding="utf-8")
    (folder / "README.md").write_text(readme(space, data), encoding="utf-8")
    (folder / "requirements.txt").write_text("\n".join(requirements(data)) + "\n", encoding="utf-8")
    (folder / ".gitignore").write_text("__pycache__/\n*.pyc\n.movierec/\n", encoding="utf-8")
    (folder / ".gitattributes").write_text(
        "".join(f"{p} filter=lfs diff=lfs merge=lfs -text\n" for p in LFS_PATTERNS),
        encoding="utf-8")
    _copy_package(folder / "movierec")
    if artifacts:
        for source, relative in staged:
            target = folder / BUNDLE_HOME / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            if source.name == "manifest.json":
                target.write_text(_public_manifest(source), encoding="utf-8")
            else:
                shutil.copy2(source, target)
    files = sorted((p.relative_to(folder).as_posix(), p.stat().st_size)
                   for p in folder.rglob("*") if p.is_file())
    return Bundle(folder, files)


def _public_manifest(path: Path) -> str:
    """A prepared dataset's manifest without this machine's paths (a Space is public): the
    raw files' folders become "(bundled) NAME", the artifact's own folder is left out."""
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest.pop("artifact", None)
    for record in manifest.get("inputs", []):
        if "location" in record:
            record["location"] = f"(bundled) {Path(record['location']).name}"
    return json.dumps(manifest, indent=2)


def _stage_artifacts(data: str, method: str | None,
                     say: Callable[[str], None]) -> list[tuple[Path, Path]]:
    """(file here, path under the bundle's home) for what the Space needs to answer at once."""
    from movierec.app.context import AppService
    from movierec.data import MissingFileError
    from movierec.models.embeddings import cache_path, catalog_texts, texts_key
    from movierec.models.trained import fit
    from movierec.paths import app_dir, movierec_home
    from movierec.service import parse_method

    from movierec.data.download import DownloadError
    from movierec.models.tuned import TUNED_JSON, tuning_dir
    from movierec.data.obtain import obtain

    try:   # fetched when missing, like every command; never another dataset instead
        obtain(data, progress=say, fallback=None)
    except DownloadError as err:
        raise MissingFileError(str(err)) from err
    service = AppService(data, background=False, progress=say)
    if method:
        service.default_method = parse_method(method).key
    try:
        dataset = service.dataset
    except Exception as err:  # noqa: BLE001 - ServiceError(data_missing) and kin
        raise DeployError(f"the bundle ships {data} prepared, so it must be here first: "
                          f"{getattr(err, 'message', err)}") from None
    artifact = Path(dataset.manifest.get("artifact") or "")
    if not (artifact / "manifest.json").is_file():
        raise MissingFileError(f"the prepared {data} has no artifact folder on disk")
    choice = parse_method(service.default_method)
    say(f"fitting {choice.key} (once; saved fits are reused)")
    fitted = fit(choice.name, dataset, choice.options or None, progress=say)
    service.page_facts()
    staged = [(p, Path("prepared") / artifact.name / p.name) for p in artifact.iterdir()
              if p.is_file()]
    if fitted.folder is not None:
        rel = fitted.folder.relative_to(movierec_home())
        staged += [(p, rel / p.name) for p in fitted.folder.iterdir() if p.is_file()]
    facts = app_dir() / f"page-{dataset.name}.json"
    staged.append((facts, Path("app") / facts.name))
    tuned = tuning_dir(dataset.name, dataset.fingerprint) / TUNED_JSON
    if tuned.is_file():   # the Space uses the settings (and default) tuned here
        staged.append((tuned, tuned.relative_to(movierec_home())))
    vectors = cache_path(texts_key(catalog_texts(dataset.catalog)))
    if vectors.is_file():
        staged.append((vectors, Path("cache") / "embeddings" / vectors.name))
    return staged


# --- upload -----------------------------------------------------------------------------------
def _token(token: str | None) -> str:
    token = token or os.environ.get("HF_TOKEN")
    if not token:
        try:
            from huggingface_hub import get_token

            token = get_token()
        except ImportError:
            token = None
    if not token:
        raise DeployError("no Hugging Face token: pass --token, set HF_TOKEN, or run "
                          "`hf auth login` (the token needs write access; create one at "
                          "https://huggingface.co/settings/tokens)")
    return token


def deploy(space: str, *, data: str = DEFAULT_SPACE_DATA, token: str | None = None,
           private: bool = False, progress: Callable[[str], None] | None = None,
           method: str | None = None, artifacts: bool = True) -> str:
    """Create the Space if needed and upload a fresh bundle; returns the Space's URL."""
    say = progress or (lambda _m: None)
    space = check_space_id(space)
    token = _token(token)
    try:
        from huggingface_hub import HfApi
        from huggingface_hub.errors import HfHubHTTPError
    except ImportError as err:
        raise DeployError('uploading needs huggingface_hub: pip install "movierec[app]"') from err
    with tempfile.TemporaryDirectory(prefix="movierec-space-") as tmp:
        bundle = build_bundle(Path(tmp) / "bundle", space=space, data=data, method=method,
                              artifacts=artifacts, progress=say)
        say(f"bundle: {len(bundle.files)} files, {bundle.total_bytes / 1e6:.1f} MB")
        api = HfApi(token=token)
        try:
            say(f"creating (or reusing) the Space {space}")
            url = api.create_repo(space, repo_type="space", space_sdk="gradio", exist_ok=True,
                                  private=private)
            say("uploading")
            api.upload_folder(folder_path=str(bundle.folder), repo_id=space, repo_type="space",
                              commit_message=f"movierec {movierec.__version__}",
                              delete_patterns=["movierec/**", f"{BUNDLE_HOME}/**"])   # stale
        except HfHubHTTPError as err:
            status = getattr(err.response, "status_code", None)
            hint = (" The token lacks write access to this namespace." if status in (401, 403)
                    else "")
            raise DeployError(f"Hugging Face refused the upload to {space}: {err}.{hint}") from err
        except Exception as err:  # noqa: BLE001 - any transport failure: requests, httpx...
            if not _is_network_error(err):
                raise
            raise DeployError(f"could not reach Hugging Face ({type(err).__name__}: {err}); "
                              "check the connection, or build the bundle with --dry-run DIR "
                              "and upload it later") from err
    return f"https://huggingface.co/spaces/{space}" if url is None else str(url)


def _is_network_error(err: BaseException) -> bool:
    """A failure to reach the Hub: OSError (requests), or an httpx/httpcore transport error."""
    if isinstance(err, OSError):
        return True
    kinds = {cls.__module__.split(".")[0] + "." + cls.__name__ for cls in type(err).__mro__}
    return any(k.split(".")[0] in ("httpx", "httpx2", "httpcore", "requests", "urllib3")
               and k.split(".")[1] in ("TransportError", "RequestError", "ConnectError",
                                       "TimeoutException", "NetworkError", "ConnectionError")
               for k in kinds)
