"""Cleaning of The Movies Dataset's TMDb files: every drop and repair is counted exactly."""

from __future__ import annotations

import ast
import csv
import io
import os
import random
import time
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from movierec.data import tmdb
from movierec.data.literals import parse_literal
from movierec.data.rawfiles import RawSource
from movierec.data.report import PrepareReport
from movierec.data.schema import CATALOG_COLUMNS

REPO = Path(__file__).resolve().parents[2]
# Copied from the real movies_metadata.csv (the integration test checks it still matches).
HEADER = ("adult,belongs_to_collection,budget,genres,homepage,id,imdb_id,original_language,"
          "original_title,overview,popularity,poster_path,production_companies,"
          "production_countries,release_date,revenue,runtime,spoken_languages,status,tagline,"
          "title,video,vote_average,vote_count")
COLUMNS = HEADER.split(",")


def _source(tmp_path: Path, files: dict[str, str]) -> RawSource:
    folder = tmp_path / "the-movies-dataset"
    folder.mkdir(exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return RawSource.open_path(folder)


def _csv(rows: list[list], header: list[str] | None = None) -> str:
    """CSV text as pandas' to_csv writes it (minimal quoting, \\n line ends)."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(([header] if header else []) + rows)
    return buf.getvalue()


# ---------------------------------------------------------------- a synthetic metadata file

_GENRES = [(28, "Action"), (12, "Adventure"), (16, "Animation"), (35, "Comedy"), (18, "Drama"),
           (10751, "Family"), (878, "Science Fiction"), (53, "Thriller"), (10770, "TV Movie")]
_COMPANIES = ["Warner Bros.", "Children's Television Workshop", 'The "Best" Films', "Pixar",
              "Studio Ørnås"]


def _row(rng: random.Random, tmdb_id: int, **overrides) -> list[str]:
    """One well-formed row in the real layout, values as pandas' to_csv writes them."""
    genres = [{"id": g, "name": n} for g, n in rng.sample(_GENRES, rng.randint(0, 3))]
    companies = [{"name": c, "id": rng.randint(1, 99999)} for c in rng.sample(_COMPANIES, 2)]
    collection = (repr({"id": tmdb_id + 7, "name": f"Saga {tmdb_id} Collection",
                        "poster_path": None, "backdrop_path": "/b.jpg"})
                  if tmdb_id % 9 == 0 else "")
    overview = f"Movie {tmdb_id}: a \"story\", with commas, about Andy's toys."
    if tmdb_id % 5000 == 1:
        overview += "\nA second, quoted line."  # a line break inside quotes is fine
    row = {
        "adult": "True" if tmdb_id % 997 == 0 else "False",
        "belongs_to_collection": collection,
        "budget": str(rng.randint(0, 10**8)),
        "genres": repr(genres),
        "homepage": "",
        "id": str(tmdb_id),
        "imdb_id": f"tt{tmdb_id:07d}" if tmdb_id % 50 else "",
        "original_language": "en",
        "original_title": f"Original {tmdb_id}" if tmdb_id % 10 == 0 else f"Movie {tmdb_id}",
        "overview": overview,
        "popularity": f"{rng.uniform(0, 50):.6f}",
        "poster_path": f"/p{tmdb_id}.jpg",
        "production_companies": repr(companies),
        "production_countries": repr([{"iso_3166_1": "US", "name": "United States of America"}]),
        "release_date": f"{rng.randint(1920, 2017)}-{rng.randint(1, 12):02d}-"
                        f"{rng.randint(1, 28):02d}",
        "revenue": str(rng.randint(0, 10**9)),
        "runtime": f"{rng.randint(60, 200)}.0",
        "spoken_languages": repr([{"iso_639_1": "en", "name": "English"}]),
        "status": "Released",
        "tagline": "" if tmdb_id % 3 else "Some tagline.",
        "title": f"Movie {tmdb_id}",
        "video": "False",
        "vote_average": f"{rng.uniform(0, 10):.1f}",
        "vote_count": str(rng.randint(0, 5000)),
    }
    row.update(overrides)
    return [row[c] for c in COLUMNS]


def _split_row(rng: random.Random, tmdb_id: int, date: str, tagline: str) -> str:
    """A row broken by an unquoted line break in its overview, as in the real file.

    The first half ends inside ``overview`` (10 fields); the second half starts with the rest
    of the overview, so ``popularity`` lands in belongs_to_collection, ``release_date`` in
    ``id``, ``revenue`` (0) in ``imdb_id`` and ``tagline`` in ``popularity`` (15 fields).
    """
    fields = _row(rng, tmdb_id, revenue="0", release_date=date, tagline=tagline,
                  title=f"Split {tmdb_id}", original_title=f"Split {tmdb_id}")
    overview = COLUMNS.index("overview")
    first = fields[:overview] + [f"Dogme film number {tmdb_id} about a man"]
    second = [" - Written by Ørnås"] + fields[overview + 1:]
    return _csv([first]).rstrip("\n") + "\n" + ",".join(second[:1]) + "," + _csv([second[1:]])


def write_metadata(n_good: int = 45_200, seed: int = 7) -> tuple[str, dict]:
    """A movies_metadata.csv with known breakage; returns (text, expected report counts)."""
    rng = random.Random(seed)
    ids = list(range(2, 2 + n_good))
    lines = [HEADER + "\n"]
    bad = {  # offset into ids -> fields to break; each kind counted below
        **{100 + k: {"genres": "[{'id': 16, 'name': 'Animation'"} for k in range(6)},
        200: {"production_companies": "[{'name': 'Pixar', 'id': 3}, {'na"},
        **{300 + k: {"popularity": t}
           for k, t in enumerate(["Beware Of Frost Bites", "n/a", "-3.5"])},
        **{400 + k: {"title": "", "original_title": f"Titre {k}"} for k in range(5)},
        **{500 + k: {"title": "", "original_title": ""} for k in range(2)},   # no title at all
        600: {"release_date": "1995-13-45"}, 601: {"release_date": "someday"},
        700: {"imdb_id": "0"}, 701: {"imdb_id": "114709"},
        **{800 + k: {"runtime": "0.0"} for k in range(7)},                      # 0 means unknown
        900: {"vote_average": "11.5"},
    }
    special = {ids[k]: fields for k, fields in bad.items()}
    for i, tmdb_id in enumerate(ids):
        lines.append(_csv([_row(rng, tmdb_id, **special.get(tmdb_id, {}))]))
        if i in (19_730, 29_503, 35_587):          # where the real file has them
            lines.append(_split_row(rng, 900_000 + i, f"{1990 + i % 20}-08-20",
                                    "" if i == 19_730 else "Beware Of Frost Bites"))
        if i in (1_000, 2_000, 3_000, 4_000):      # an id seen before
            lines.append(_csv([_row(rng, ids[i - 450], title="Second copy")]))
        if i == 5_000:  # an id seen before on a row dropped for lack of a title: kept
            lines.append(_csv([_row(rng, ids[501], title="Second copy")]))
    text = "".join(lines).rstrip("\n")             # the real file has no final newline
    expected = {
        "read": n_good + 2 * 3 + 4 + 1,
        "kept": n_good + 3 - 2 + 1,
        "dropped": {tmdb.SHIFTED: 3, tmdb.DUPLICATE: 4, "missing title": 2},
        "fixed": {
            "row cut short by a line break (trailing columns missing)": 3,
            "title taken from original_title": 5 + 3,
            "unparsable genres set missing": 6,
            "unparsable production_companies set missing": 1,
            "bad popularity set missing": 3,
            "bad release_date set missing": 2,
            "bad imdb_id set missing": 2,
            "runtime 0 set missing (unknown)": 7,
            "bad vote_average set missing": 1,
        },
        "special": special,
        "split_ids": [900_000 + i for i in (19_730, 29_503, 35_587)],
        "no_title": ids[500],
        "retitled_dupe": ids[501],
        "dupes": [ids[i - 450] for i in (1_000, 2_000, 3_000, 4_000)],
    }
    return text, expected


def test_synthetic_full_size_metadata_counts_exactly(tmp_path):
    text, expected = write_metadata()
    raw = _source(tmp_path, {"movies_metadata.csv": text})
    report = PrepareReport()
    started = time.process_time()  # CPU time: stable on a busy machine
    meta = tmdb.read_metadata(raw, report)
    elapsed = time.process_time() - started
    fr = report.files["movies_metadata.csv"].to_dict()
    assert fr["read"] == expected["read"]
    assert fr["dropped"] == dict(sorted(expected["dropped"].items()))
    assert fr["fixed"] == dict(sorted(expected["fixed"].items()))
    assert fr["kept"] == expected["kept"] == len(meta)
    assert fr["read"] == fr["kept"] + sum(fr["dropped"].values())
    assert elapsed < 10, f"read_metadata took {elapsed:.1f}s for {len(meta)} rows"

    assert list(meta.columns) == list(CATALOG_COLUMNS) + ["adult"]
    assert meta["tmdb_id"].is_unique and meta["tmdb_id"].notna().all()
    by_id = meta.set_index("tmdb_id")
    special = expected["special"]
    # the first halves of split rows are kept, titled from original_title, fields missing
    for tmdb_id in expected["split_ids"]:
        row = by_id.loc[tmdb_id]
        assert row["title"] == f"Split {tmdb_id}" and row["original_title"] is None
        assert pd.isna(row["popularity"]) and row["release_date"] is None
    assert expected["no_title"] not in by_id.index
    assert by_id.loc[expected["retitled_dupe"], "title"] == "Second copy"
    for tmdb_id in expected["dupes"]:
        assert by_id.loc[tmdb_id, "title"] != "Second copy"     # the first one is kept
    for tmdb_id, fields in special.items():
        if "genres" in fields:
            assert by_id.loc[tmdb_id, "genres"] is None
        if "popularity" in fields:
            assert pd.isna(by_id.loc[tmdb_id, "popularity"])
        if "release_date" in fields:
            assert by_id.loc[tmdb_id, "release_date"] is None
            assert pd.isna(by_id.loc[tmdb_id, "year"])
        if "imdb_id" in fields:
            assert by_id.loc[tmdb_id, "imdb_id"] is None
        if fields.get("original_title", "").startswith("Titre"):
            assert by_id.loc[tmdb_id, "title"] == fields["original_title"]
    # everything else came through
    normal = by_id.loc[2]
    assert normal["title"] == "Movie 2" and normal["source"] == "tmdb"
    assert normal["imdb_id"] == "tt0000002" and normal["language"] == "en"
    assert normal["spoken_languages"] == ["en"]
    assert normal["production_countries"] == ["United States of America"]
    assert by_id.loc[10, "original_title"] == "Original 10"
    assert by_id.loc[9, "collection"] == "Saga 9 Collection"
    assert by_id.loc[997, "adult"] and not by_id.loc[2, "adult"]
    assert meta["adult"].dtype == bool
    assert by_id.loc[5001, "overview"].endswith("\nA second, quoted line.")
    companies = {c for cs in meta["production_companies"].dropna() for c in cs}
    assert {"Children's Television Workshop", 'The "Best" Films', "Studio Ørnås"} <= companies
    assert meta["genres"].notna().sum() == len(meta) - 6
    assert meta["year"].notna().sum() == len(meta) - 3 - 2
    assert (meta["overview"] != "").all() and (meta["tagline"].dropna() != "").all()


# ---------------------------------------------------------------- smaller cases

def test_missing_files_give_typed_empty_frames_and_notes(tmp_path):
    raw = _source(tmp_path, {"links.csv": "movieId,imdbId,tmdbId\n1,0114709,862\n"})
    report = PrepareReport()
    meta = tmdb.read_metadata(raw, report)
    credits = tmdb.read_credits(raw, report)
    keywords = tmdb.read_keywords(raw, report)
    movies = tmdb.build_tmdb_movies(raw, report)
    assert meta.empty and list(meta.columns) == list(CATALOG_COLUMNS) + ["adult"]
    assert str(meta["tmdb_id"].dtype) == "Int64" and meta["adult"].dtype == bool
    assert credits.empty and list(credits.columns) == ["tmdb_id", "cast", "director", "writers"]
    assert credits["tmdb_id"].dtype == "int64"
    assert keywords.empty and list(keywords.columns) == ["tmdb_id", "keywords"]
    assert movies.empty and list(movies.columns) == list(meta.columns)
    assert sum("movies_metadata.csv not found" in n for n in report.notes) == 2
    assert any("credits.csv not found" in n for n in report.notes)
    assert any("keywords.csv not found" in n for n in report.notes)
    assert report.files == {}
    empty = _source(tmp_path, {"keywords.csv": "", "credits.csv": "cast,crew,id\n"})
    assert tmdb.read_keywords(empty, report).empty and tmdb.read_credits(empty, report).empty
    assert any("keywords.csv" in n and "is empty" in n for n in report.notes)


def _person(name, order=None, job=None, department=None):
    d = {"credit_id": "x", "name": name, "profile_path": None}
    if order is not None:
        d.update(cast_id=1, character=f"{name}'s role", order=order)
    if job is not None:
        d.update(department=department, job=job)
    return d


def test_credits_top_cast_director_writers(tmp_path):
    cast = [_person(f"Actor {k}", order=k) for k in (3, 0, 11, 1, 2, 4, 5, 6, 7, 8, 9, 10)]
    cast.append(_person('Dwayne "The Rock" Johnson', order=-1))
    crew = [
        _person("Dee Pee", job="Director of Photography", department="Camera"),
        _person("First Director", job="Director", department="Directing"),
        _person("Second Director", job="Director", department="Directing"),
        _person("Board Artist", job="Storyboard", department="Writing"),
    ]
    crew += [_person(f"Writer {k}", job=job, department="Writing")
             for k, job in enumerate(["Screenplay", "Novel", "Story", "Author", "Writer",
                                      "Writer"])]
    crew.insert(5, _person("Writer 0", job="Story", department="Writing"))   # same person twice
    rows = [[repr(cast), repr(crew), "1"], ["[]", "[]", "2"], ["[{'name': 'Broken", "", "3"],
            [repr(cast[:1]), repr(crew[:1]), "1"], ["[]", "[]", "1997-08-20"]]
    raw = _source(tmp_path, {"credits.csv": _csv(rows, ["cast", "crew", "id"])})
    report = PrepareReport()
    credits = tmdb.read_credits(raw, report).set_index("tmdb_id")
    top = ['Dwayne "The Rock" Johnson'] + [f"Actor {k}" for k in range(9)]
    assert credits.loc[1, "cast"] == top
    assert credits.loc[1, "director"] == "First Director"
    assert credits.loc[1, "writers"] == [f"Writer {k}" for k in range(5)]
    assert credits.loc[2, "cast"] == [] and credits.loc[2, "director"] is None
    assert credits.loc[2, "writers"] == []
    assert credits.loc[3, "cast"] is None and credits.loc[3, "writers"] is None
    fr = report.files["credits.csv"]
    assert (fr.read, fr.kept) == (5, 3)
    assert fr.dropped == {tmdb.DUPLICATE: 1, "bad tmdb id": 1}
    assert fr.fixed == {"unparsable cast set missing": 1}


def test_keywords_duplicates_are_merged_and_counted(tmp_path):
    kw = lambda *names: repr([{"id": k, "name": n} for k, n in enumerate(names)])  # noqa: E731
    rows = [["862", kw("jealousy", "toy")], ["8844", kw("board game")],
            ["862", kw("jealousy", "toy")],
            ["8844", kw("board game", "recluse")], ["5", "[]"], ["6", "[{'id': 1, 'na"],
            ["6", kw("late")], ["x", kw("nope")]]
    raw = _source(tmp_path, {"keywords.csv": _csv(rows, ["id", "keywords"])})
    report = PrepareReport()
    keywords = tmdb.read_keywords(raw, report)
    assert keywords["tmdb_id"].tolist() == [862, 8844, 5, 6]
    by_id = keywords.set_index("tmdb_id")["keywords"]
    assert by_id[862] == ["jealousy", "toy"]
    assert by_id[8844] == ["board game", "recluse"]
    assert by_id[5] == [] and by_id[6] == ["late"]
    fr = report.files["keywords.csv"]
    assert (fr.read, fr.kept) == (8, 4)
    assert fr.dropped == {tmdb.DUPLICATE: 3, "bad tmdb id": 1}
    assert fr.fixed == {"unparsable keywords set missing": 1,
                        "keywords merged from a repeated tmdb id": 2}


def _small_files() -> dict[str, str]:
    rng = random.Random(1)
    meta = _csv([_row(rng, 862, title="Toy Story"), _row(rng, 8844)], COLUMNS)
    credits = _csv([[repr([_person("Tom Hanks", order=0)]),
                     repr([_person("John Lasseter", job="Director", department="Directing")]),
                     "862"],
                    ["[]", "[]", "123456"]], ["cast", "crew", "id"])
    keywords = _csv([["862", "[{'id': 931, 'name': 'jealousy'}]"],
                     ["999", "[{'id': 1, 'name': 'x'}]"]],
                    ["id", "keywords"])
    return {"movies_metadata.csv": meta, "credits.csv": credits, "keywords.csv": keywords}


def test_build_joins_credits_and_keywords(tmp_path):
    report = PrepareReport()
    movies = tmdb.build_tmdb_movies(_source(tmp_path, _small_files()), report)
    assert list(movies.columns) == list(CATALOG_COLUMNS) + ["adult"]
    toy = movies.set_index("tmdb_id").loc[862]
    assert toy["cast"] == ["Tom Hanks"] and toy["director"] == "John Lasseter"
    assert toy["keywords"] == ["jealousy"]
    other = movies.set_index("tmdb_id").loc[8844]
    assert other["cast"] is None and other["keywords"] is None and other["director"] is None
    assert any("2 movies, 1 with credits, 1 with keywords" in n for n in report.notes)
    archive = tmp_path / "the-movies-dataset.zip"   # the original Kaggle zip works the same
    with zipfile.ZipFile(archive, "w") as zf:
        for name, text in _small_files().items():
            zf.writestr(f"archive/{name}", text)
    from_zip = tmdb.build_tmdb_movies(RawSource.open_path(archive), PrepareReport())
    pd.testing.assert_frame_equal(from_zip, movies)


def test_rows_with_too_many_columns_are_dropped_and_counted(tmp_path):
    text = "id,keywords\n1,[]\n2,[],extra\n3,\"[{'id': 1, 'name': 'a'}]\"\n"
    report = PrepareReport()
    keywords = tmdb.read_keywords(_source(tmp_path, {"keywords.csv": text}), report)
    assert keywords["tmdb_id"].tolist() == [1, 3]
    fr = report.files["keywords.csv"]
    assert (fr.read, fr.kept) == (3, 2)
    assert fr.dropped == {"malformed row (too many columns)": 1}


def test_a_file_of_another_shape_fails_loudly(tmp_path):
    raw = _source(tmp_path, {"credits.csv": "a,b\n1,2\n"})
    with pytest.raises(ValueError, match=r"credits.csv.*lacks the column\(s\) cast, crew, id"):
        tmdb.read_credits(raw, PrepareReport())


# ---------------------------------------------------------------- the real files

def _movies_dataset_dir() -> Path:
    env = os.environ.get("MOVIEREC_DATA")
    bases = ([Path(p).expanduser() for p in env.split(os.pathsep) if p] if env
             else [REPO.parent / "shared" / "data"])
    for base in bases:
        for folder in (base / "the-movies-dataset", base):
            if (folder / "movies_metadata.csv").is_file() and (folder / "keywords.csv").is_file():
                return folder
    message = f"The Movies Dataset not found under {', '.join(map(str, bases))} (set MOVIEREC_DATA)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.mark.integration
def test_real_head_samples():
    folder = _movies_dataset_dir()
    report, raw = PrepareReport(), RawSource.open_path(folder)
    meta = tmdb.read_metadata(raw, report)
    credits, keywords = tmdb.read_credits(raw, report), tmdb.read_keywords(raw, report)
    with open(folder / "movies_metadata.csv", encoding="utf-8") as fh:
        assert fh.readline().rstrip("\r\n") == HEADER
    fr = report.files["movies_metadata.csv"]
    assert (fr.read, fr.kept) == (2996, 2995)
    assert fr.dropped == {tmdb.DUPLICATE: 1}          # tmdb 105045, The Promise, twice
    assert set(fr.fixed) <= {"runtime 0 set missing (unknown)"}
    assert meta["tmdb_id"].is_unique and meta["title"].notna().all()

    kw = report.files["keywords.csv"]
    assert (kw.read, kw.kept) == (46_419, 45_432) and kw.dropped == {tmdb.DUPLICATE: 987}
    assert keywords["tmdb_id"].is_unique and len(keywords) == kw.kept
    cr = report.files["credits.csv"]
    assert (cr.read, cr.kept) == (99, 99) and not cr.fixed

    movies = tmdb.join_tmdb(meta, credits, keywords, report)
    toy = movies.set_index("tmdb_id").loc[862]
    assert toy["title"] == "Toy Story" and toy["year"] == 1995 and toy["imdb_id"] == "tt0114709"
    assert toy["genres"] == ["Animation", "Comedy", "Family"]
    assert toy["director"] == "John Lasseter"
    assert toy["cast"][0] == "Tom Hanks" and len(toy["cast"]) == 10
    assert "jealousy" in toy["keywords"]
    assert toy["collection"] == "Toy Story Collection"
    # keywords of movies beyond the metadata head are there for the lead's join
    assert len(set(keywords["tmdb_id"]) - set(meta["tmdb_id"])) > 40_000


@pytest.mark.integration
def test_real_literals_match_literal_eval_and_are_faster():
    folder = _movies_dataset_dir()
    credits = pd.read_csv(folder / "credits.csv", dtype=object, keep_default_na=False)
    texts = list(credits["cast"]) + list(credits["crew"])
    meta = pd.read_csv(folder / "movies_metadata.csv", dtype=object, keep_default_na=False)
    for col in ("genres", "production_companies", "production_countries", "spoken_languages",
                "belongs_to_collection"):
        texts += [t for t in meta[col] if t]
    assert [parse_literal(t) for t in texts] == [ast.literal_eval(t) for t in texts]

    def cpu(fn) -> float:
        started = time.process_time()
        for text in credits["crew"]:
            fn(text)
        return time.process_time() - started

    fast = min(cpu(parse_literal) for _ in range(3))
    slow = min(cpu(ast.literal_eval) for _ in range(3))
    assert fast * 1.5 < slow, f"parse_literal {fast:.3f}s vs literal_eval {slow:.3f}s"
