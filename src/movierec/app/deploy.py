"""Ship the app to a Hugging Face Space: build a self-contained bundle, upload it.

`build_bundle(folder, space=..., data=...)` writes what a Gradio Space needs and nothing else:

* ``app.py`` -- the entry (`render_app_py`): on first start it downloads the raw data if no
  copy is found (`ensure_data`: MovieLens from GroupLens needs no account; The Movies
  Dataset needs kagglehub and Kaggle credentials), prepares it, then launches the app;
* ``README.md`` with the Spaces front matter (``sdk: gradio``, ``sdk_version`` = the gradio
  installed here, so the Space runs what was tested);
* ``requirements.txt`` -- movierec's runtime dependencies plus the app's (gradio, plotly,
  matplotlib), read from pyproject.toml (or the installed metadata); no torch;
* ``movierec/`` -- this package's source, so the Space needs no PyPI release of movierec.

No data, models, caches or ``__pycache__`` go in. `deploy` uploads a bundle with
``huggingface_hub`` (token from ``--token``, ``HF_TOKEN`` or a saved ``hf auth login``).
"""

from __future__ import annotations

import importlib.metadata
import logging
import os
import re
import shutil
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import movierec

SPACE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,95}/[A-Za-z0-9][A-Za-z0-9._-]{0,95}$")
DEFAULT_SPACE_DATA = "ml-latest-small"   # GroupLens: downloadable without an account
APP_REQUIREMENTS = ("gradio", "plotly", "matplotlib")   # the [app] extra minus deploy tooling
SKIP_DIRS = {"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache"}
SKIP_SUFFIXES = {".pyc", ".pyo", ".so", ".npz", ".parquet", ".sqlite", ".db", ".zip", ".csv"}

log = logging.getLogger("movierec.space")


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


def ensure_data(name: str, progress: Callable[[str], None] | None = None):
    """The prepared dataset ``name``: prepared if missing, raw files downloaded if missing.

    Raw files are looked for where every movierec command looks (``MOVIEREC_DATA``, the
    downloads folder); only when none is found is the dataset downloaded.
    """
    from movierec.data import MissingFileError, get_spec, load_dataset
    from movierec.data.download import DownloadError, download
    from movierec.data.sources import locate

    say = progress or log.info
    spec = get_spec(name)
    try:
        raw = locate(spec)
        say(f"{spec.name}: raw files found at {raw.location}")
    except MissingFileError:
        say(f"{spec.name}: raw files not found; downloading ({spec.description})")
        try:
            folder = download(spec.name, progress=False, timeout=10.0)
        except DownloadError as err:
            raise DeployError(f"cannot get {spec.name}: {err}") from err
        say(f"{spec.name}: downloaded to {folder}")
    say(f"{spec.name}: loading (prepared once, then cached under MOVIEREC_HOME)")
    dataset = load_dataset(spec.name, progress=say)
    say(f"{spec.name}: {len(dataset.catalog):,} movies, {dataset.ratings.matrix.nnz:,} ratings")
    return dataset


APP_TEMPLATE = '''"""movierec on Hugging Face Spaces (or anywhere): `python app.py`.

Downloads and prepares the dataset on first start when no copy is found (set MOVIEREC_DATA
to a folder holding the raw files to skip the download), then serves the Gradio app.
Environment: MOVIEREC_DATASET (default {dataset!r}), GRADIO_SERVER_NAME, GRADIO_SERVER_PORT.
"""

import logging
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
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    from movierec.app.deploy import ensure_data, space_home

    space_home()
    ensure_data(DATASET)
    from movierec.app import launch

    launch(data=DATASET, host=os.environ.get("GRADIO_SERVER_NAME", "0.0.0.0"),
           port=int(os.environ.get("GRADIO_SERVER_PORT", "7860")))
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

Data: **{spec.name}** -- {spec.description}. On its first start the Space downloads it from
its original public location and prepares it (a minute or so); later starts reuse it when
persistent storage is enabled. MovieLens data: F. Maxwell Harper and Joseph A. Konstan.
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


def build_bundle(folder: str | Path, *, space: str, data: str = DEFAULT_SPACE_DATA) -> Bundle:
    """Write the Space bundle into ``folder`` (created; must be empty) and list its files."""
    from movierec.data import get_spec

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
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "app.py").write_text(render_app_py(data), encoding="utf-8")
    (folder / "README.md").write_text(readme(space, data), encoding="utf-8")
    (folder / "requirements.txt").write_text("\n".join(requirements(data)) + "\n", encoding="utf-8")
    (folder / ".gitignore").write_text("__pycache__/\n*.pyc\n.movierec/\n", encoding="utf-8")
    _copy_package(folder / "movierec")
    files = sorted((p.relative_to(folder).as_posix(), p.stat().st_size)
                   for p in folder.rglob("*") if p.is_file())
    return Bundle(folder, files)


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
           private: bool = False, progress: Callable[[str], None] | None = None) -> str:
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
        bundle = build_bundle(Path(tmp) / "bundle", space=space, data=data)
        say(f"bundle: {len(bundle.files)} files, {bundle.total_bytes / 1e6:.1f} MB")
        api = HfApi(token=token)
        try:
            say(f"creating (or reusing) the Space {space}")
            url = api.create_repo(space, repo_type="space", space_sdk="gradio", exist_ok=True,
                                  private=private)
            say("uploading")
            api.upload_folder(folder_path=str(bundle.folder), repo_id=space, repo_type="space",
                              commit_message=f"movierec {movierec.__version__}",
                              delete_patterns=["movierec/**"])   # drop modules removed since
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
