"""Raw files -> a cached, fast-loading `Dataset`; stale caches are rebuilt, never used.

``load_dataset`` is what everything calls: it finds the raw files, reuses the prepared
artifact when its recorded source signature still matches (or the bytes hash the same),
and otherwise runs ``prepare_dataset`` and writes a new one under ``MOVIEREC_HOME``.
"""

from __future__ import annotations

import hashlib
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from movierec.data import movielens, tmdb
from movierec.data.catalog import Catalog
from movierec.data.dataset import CLEANING_VERSION, Dataset
from movierec.data.joins import (TMDB_FIELDS, add_rating_stats, attach_ratings, fill_missing,
                                 match_by_title_year, tmdb_catalog)
from movierec.data.rawfiles import MissingFileError, RawSource
from movierec.data.report import PrepareReport
from movierec.data.schema import conform
from movierec.data.sources import SourceSpec, get_spec, locate
from movierec.checksums import DamagedArtifactError
from movierec.data.store import read_dataset, read_manifest, update_manifest, write_dataset
from movierec.paths import prepared_dir, raw_search_dirs

Progress = Callable[[str], None]

# MovieLens movie lists that can title The Movies Dataset's movies, best first.
MOVIE_LIST_FOLDERS = ("ml-latest", "ml-32m", "ml-25m", "ml-20m", "ml-latest-small")
TMDB_METADATA_FILES = ("movies_metadata.csv", "credits.csv", "keywords.csv", "links.csv")


@dataclass(frozen=True)
class Input:
    """One folder/zip the prepared dataset depends on, and which of its files."""

    role: str
    raw: RawSource
    names: tuple[str, ...]

    def signature(self) -> list[list]:
        return [[s.name, s.size, s.mtime_ns, s.ctime_ns, s.inode]
                for s in self.raw.signature(list(self.names))]

    def content_hash(self) -> str:
        return self.raw.content_hash(list(self.names))

    def describe(self) -> dict:
        return {"role": self.role, "location": str(self.raw.location.resolve()),
                "names": [n for n in self.names if self.raw.has(n)]}


def _find_movie_list(data_dir, explicit: str | os.PathLike | None, near: Path) -> Input | None:
    if explicit:
        path = Path(explicit)
        raw = RawSource.open_path(path.parent if path.is_file() else path)
        name = path.name if path.is_file() else ("movies.csv" if raw.has("movies.csv") else "movies.dat")
        return Input("movie list", raw, (name,))
    bases = [near.parent] + raw_search_dirs(data_dir)
    for base in bases:
        for folder in MOVIE_LIST_FOLDERS:
            for candidate in (base / folder, base / f"{folder}.zip"):
                if candidate.exists():
                    raw = RawSource.open_path(candidate)
                    if raw.has("movies.csv"):
                        return Input("movie list", raw, ("movies.csv",))
    return None


def _find_tmdb(data_dir, explicit, near: Path) -> Input | None:
    """The Movies Dataset's metadata files, used to enrich MovieLens catalogs."""
    candidates = [Path(explicit)] if explicit else []
    for base in [near.parent] + raw_search_dirs(data_dir):
        candidates += [base / "the-movies-dataset", base / "the-movies-dataset.zip"]
    for candidate in candidates:
        if candidate.exists():
            raw = RawSource.open_path(candidate)
            if raw.has("links.csv") and (raw.has("movies_metadata.csv") or raw.has("keywords.csv")):
                return Input("tmdb metadata", raw, TMDB_METADATA_FILES)
    return None


def recorded_inputs(spec: SourceSpec) -> list[Input] | None:
    """The inputs of the newest prepared artifact of ``spec`` whose folders/zips still exist.

    ``movierec prepare NAME --from PATH`` records PATH in the artifact's manifest; later
    commands that name only the dataset find its raw files there.
    """
    found = []
    for folder in prepared_dir().glob(f"{spec.name}-*"):
        manifest = read_manifest(folder)
        if manifest and manifest.get("name") == spec.name and manifest.get("inputs"):
            found.append(((folder / "manifest.json").stat().st_mtime, manifest["inputs"]))
    for _, inputs in sorted(found, key=lambda pair: pair[0], reverse=True):
        try:
            raws = [RawSource.open_path(rec["location"]) for rec in inputs]
        except (OSError, KeyError, TypeError):
            continue
        if inputs[0].get("role") == "source" and all(raws[0].has(f) for f in spec.required):
            return [Input(rec["role"], raw, _input_names(spec, rec["role"], rec))
                    for rec, raw in zip(inputs, raws)]
    return None


def _input_names(spec: SourceSpec, role: str, record: dict) -> tuple[str, ...]:
    if role == "source":
        return tuple(spec.files if spec.kind != "tmdb"
                     else (spec.ratings_file, *TMDB_METADATA_FILES))
    if role == "tmdb metadata":
        return TMDB_METADATA_FILES
    return tuple(record.get("names") or ("movies.csv",))


def resolve_inputs(spec: SourceSpec, from_path=None, data_dir=None, movie_list=None,
                   tmdb_path=None) -> list[Input]:
    """Every folder/zip this dataset will be built from (the main one first).

    Without ``from_path``, the raw files are looked up in the data folders; when they are not
    there, the folders a previous ``prepare --from`` recorded are used (`recorded_inputs`).
    """
    try:
        raw = locate(spec, from_path, data_dir)
    except MissingFileError:
        recorded = None if from_path is not None else recorded_inputs(spec)
        if recorded is None:
            raise
        return recorded
    main_names = spec.files if spec.kind != "tmdb" else (spec.ratings_file, *TMDB_METADATA_FILES)
    inputs = [Input("source", raw, tuple(main_names))]
    if spec.kind == "tmdb":
        extras = [_find_movie_list(data_dir, movie_list, raw.location)]
    else:
        extras = [_find_tmdb(data_dir, tmdb_path, raw.location)]
        if spec.kind == "ml-100k" and extras[0] is not None:
            # ML-100k has its own item ids: titles + years lead to MovieLens ids, then TMDb.
            extras.append(_find_movie_list(data_dir, movie_list, raw.location))
    inputs.extend(i for i in extras if i is not None)
    return inputs


def fingerprint_of(spec: SourceSpec, hashes: list[str]) -> str:
    digest = hashlib.sha256(f"{spec.name}|cleaning-{CLEANING_VERSION}".encode())
    for h in hashes:
        digest.update(h.encode())
    return digest.hexdigest()


def artifact_folder(spec: SourceSpec, inputs: list[Input]) -> Path:
    key = "|".join(f"{i.role}={i.raw.location.resolve()}" for i in inputs)
    return prepared_dir() / f"{spec.name}-{hashlib.sha1(key.encode()).hexdigest()[:10]}"


def prepare_dataset(spec: SourceSpec, inputs: list[Input], progress: Progress | None = None) -> Dataset:
    """Parse, clean and join the raw files into a Dataset (no caching here)."""
    say = progress or (lambda _msg: None)
    report = PrepareReport()
    source = inputs[0].raw
    extra = {i.role: i for i in inputs[1:]}
    t0 = time.perf_counter()
    if spec.kind == "tmdb":
        say("reading links")
        links = movielens.read_links(source, "links.csv", report, need_tmdb=True)
        say(f"reading {spec.ratings_file}")
        raw_ratings = movielens.read_ratings_csv(source, spec.ratings_file, report)
        say("reading movies_metadata.csv")
        meta = tmdb.read_metadata(source, report)
        say("reading credits.csv")
        credits = tmdb.read_credits(source, report)
        say("reading keywords.csv")
        keywords = tmdb.read_keywords(source, report)
        movie_list = None
        if "movie list" in extra:
            say("reading the MovieLens movie list")
            lst = extra["movie list"]
            movie_list = _read_movie_list(lst, report)
            report.note("titles for movies without metadata from the MovieLens movie list "
                        f"{lst.raw.location.name}")
        else:
            report.note("no MovieLens movie list found: movies without metadata get no title "
                        "and their ratings are dropped (pass --movie-list PATH)")
        say("joining metadata, links and movie list")
        rated = np.unique(raw_ratings["item_key"].to_numpy(dtype=np.int64))
        frame, mapping, stats = tmdb_catalog(meta, links, movie_list, rated, credits, keywords)
        report.note(f"{stats['metadata_movies']} movies from movies_metadata.csv, "
                    f"{stats['movies_titled_from_movie_list']} titled from the movie list, "
                    f"{stats['links_without_title']} MovieLens ids with no title anywhere")
        users = None
    else:
        say(f"reading {spec.name}")
        parsed = movielens.read_movielens(spec, source, report)
        frame = parsed.movies.reset_index(drop=True)
        mapping = (frame["item_key"].to_numpy(dtype=np.int64), np.arange(len(frame)))
        raw_ratings, users = parsed.ratings, parsed.users
        if "tmdb metadata" in extra:
            say("enriching with TMDb metadata")
            lst = _read_movie_list(extra["movie list"]) if "movie list" in extra else None
            frame = _enrich_movielens(frame, extra["tmdb metadata"].raw, report, lst)
        frame = conform(frame)
    say("building the ratings matrix")
    ratings = attach_ratings(raw_ratings, mapping, len(frame), report.file(spec.ratings_file), users)
    frame = add_rating_stats(frame, ratings)
    catalog = Catalog(frame.reset_index(drop=True))
    hashes = [i.content_hash() for i in inputs]
    fingerprint = fingerprint_of(spec, hashes)
    manifest = {
        "name": spec.name,
        "cleaning_version": CLEANING_VERSION,
        "inputs": [dict(i.describe(), signature=i.signature(), content_hash=h)
                   for i, h in zip(inputs, hashes)],
        "report": report.to_dict(),
        "coverage": catalog.field_coverage(),
        "prepare_seconds": round(time.perf_counter() - t0, 3),
    }
    dataset = Dataset(spec.name, catalog, ratings, fingerprint, manifest)
    dataset.manifest["summary"] = dataset.summary()
    return dataset


def _read_movie_list(lst: Input, report: PrepareReport | None = None):
    """The movie list named by ``lst`` (a file in a folder, or a zip that holds it)."""
    return movielens.read_movie_list(lst.raw if lst.raw.is_zip else lst.raw.location / lst.names[0],
                                     report)


def _enrich_movielens(frame, tmdb_raw: RawSource, report: PrepareReport, movie_list=None):
    """Fill a MovieLens catalog's missing TMDb fields through links (by MovieLens or TMDb id)."""
    links = movielens.read_links(tmdb_raw, "links.csv", PrepareReport())
    if movie_list is not None and frame["movielens_id"].isna().all():
        frame = frame.copy()
        frame["movielens_id"] = match_by_title_year(frame, movie_list)
        report.note(f"{int(frame['movielens_id'].notna().sum())} of {len(frame)} movies matched "
                    "to MovieLens ids by title and year")
    if frame["tmdb_id"].isna().all() and frame["movielens_id"].notna().any():
        by_ml = links.drop_duplicates("movielens_id").set_index("movielens_id")
        frame = frame.copy()
        frame["tmdb_id"] = frame["movielens_id"].map(by_ml["tmdb_id"]).astype("Int64")
        frame["imdb_id"] = frame["imdb_id"].where(frame["imdb_id"].notna(),
                                                  frame["movielens_id"].map(by_ml["imdb_id"]))
    enrich_report = PrepareReport()
    meta = tmdb.read_metadata(tmdb_raw, enrich_report)
    frame = fill_missing(frame, meta, "tmdb_id", TMDB_FIELDS)
    frame = fill_missing(frame, tmdb.read_credits(tmdb_raw, enrich_report), "tmdb_id",
                         ["cast", "director", "writers"])
    frame = fill_missing(frame, tmdb.read_keywords(tmdb_raw, enrich_report), "tmdb_id", ["keywords"])
    n = int(frame["overview"].notna().sum())
    report.note(f"enriched from the TMDb files of {tmdb_raw.location.name}: {n} movies have an "
                "overview")
    return frame


def is_fresh(manifest: dict | None, spec: SourceSpec, inputs: list[Input]) -> bool:
    """True when the artifact was made from exactly these source bytes and this cleaning code."""
    if not manifest or manifest.get("cleaning_version") != CLEANING_VERSION:
        return False
    recorded = manifest.get("inputs", [])
    if [r["role"] for r in recorded] != [i.role for i in inputs]:
        return False
    for rec, inp in zip(recorded, inputs):
        if rec["location"] != str(inp.raw.location.resolve()):
            return False
        if rec["signature"] != inp.signature():
            if rec["content_hash"] != inp.content_hash():
                return False
            rec["signature"] = inp.signature()  # same bytes, new mtime/ctime: remember them
    return True


def _notice(progress: Progress | None, message: str) -> None:
    """A one-line notice on stderr (it stays after a progress display ends), and on the
    progress display."""
    print(f"movierec: {message}", file=sys.stderr)
    if progress is not None:
        progress(message)


def load_dataset(name: str | None = None, *, from_path=None, data_dir=None, movie_list=None,
                 tmdb_path=None, force: bool = False, progress: Progress | None = None) -> Dataset:
    """The prepared dataset ``name``: loaded from cache when fresh, else prepared and cached."""
    spec = get_spec(name or "the-movies-dataset")
    try:
        inputs = resolve_inputs(spec, from_path, data_dir, movie_list, tmdb_path)
    except MissingFileError as missing:
        copy = prepared_copy(spec) if from_path is None else None
        if copy is None:
            raise
        return _read_copy(copy, spec, missing, progress)
    folder = artifact_folder(spec, inputs)
    manifest = None if force else read_manifest(folder)
    if manifest is not None:
        before = [list(map(list, r.get("signature", []))) for r in manifest.get("inputs", [])]
        if is_fresh(manifest, spec, inputs):
            try:
                dataset = read_dataset(folder, manifest)
            except DamagedArtifactError as exc:   # rebuilt from the raw files below
                _notice(progress, f"{exc}: rebuilding it from the raw files")
            else:
                if before != [r["signature"] for r in manifest["inputs"]]:
                    update_manifest(folder, manifest)  # same bytes, new mtime: remember it
                return dataset
        else:
            _notice(progress, "source files changed since the last prepare: rebuilding")
    dataset = prepare_dataset(spec, inputs, progress)
    dataset.manifest["artifact"] = str(folder)
    write_dataset(dataset, folder)
    # Read back, so a fresh and a cached dataset are identical down to column dtypes.
    return read_dataset(folder)


def prepared_copy(spec: SourceSpec) -> Path | None:
    """The newest prepared artifact of ``spec`` made by this cleaning code, whatever its raw
    files were (a bundle shipped with the app, or raw files deleted since preparing)."""
    found = []
    for folder in prepared_dir().glob(f"{spec.name}-*"):
        manifest = read_manifest(folder)
        if (manifest and manifest.get("name") == spec.name
                and manifest.get("cleaning_version") == CLEANING_VERSION):
            found.append(((folder / "manifest.json").stat().st_mtime, folder))
    return max(found)[1] if found else None


def _read_copy(folder: Path, spec: SourceSpec, missing: MissingFileError,
               progress: Progress | None) -> Dataset:
    """A prepared copy read without its raw files: verified, never rebuilt (nothing to
    rebuild it from), so a damaged one is refused with the way to get the raw files."""
    try:
        dataset = read_dataset(folder)
    except DamagedArtifactError as exc:
        raise MissingFileError(f"{exc}, and it cannot be rebuilt: {missing}") from exc
    dataset.manifest["artifact"] = str(folder)
    if progress is not None:
        progress(f"{spec.name}: using the prepared copy in {folder.name} (no raw files here)")
    return dataset


def peek_fingerprint(name: str, data_dir=None) -> str | None:
    """The fingerprint ``load_dataset(name)`` would return, read from the manifest alone
    (no catalog or ratings loaded); None when the dataset would have to be prepared."""
    spec = get_spec(name)
    try:
        inputs = resolve_inputs(spec, None, data_dir)
    except MissingFileError:
        copy = prepared_copy(spec)
        manifest = read_manifest(copy) if copy is not None else None
    else:
        manifest = read_manifest(artifact_folder(spec, inputs))
        if not is_fresh(manifest, spec, inputs):
            return None
    return (manifest or {}).get("fingerprint")
