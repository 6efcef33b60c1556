"""Damaged and odd raw files through ``movierec prepare NAME --from PATH``.

Every case ends in one of two ways: a clear refusal (exit 2, the file named, nothing
prepared) or a correct dataset whose report says what was repaired or dropped. Never a
traceback, a silently empty dataset, or wrong data.
"""

from __future__ import annotations

import os
import stat
import zipfile

import pytest


def refused(kit, name, source, *words):
    code, body, _ = kit.prepare(name, source)
    assert code == 2, body
    message = body["error"]["message"]
    assert body["error"]["code"] in ("data_invalid", "data_missing"), body
    for word in words:
        assert word in message, message
    return message


def prepared(kit, name, source):
    code, body, err = kit.prepare(name, source)
    assert code == 0, body
    return body


def notes(body) -> str:
    return " ".join(body["report"]["notes"])


def file_report(body, name: str) -> dict:
    return next(f for f in body["report"]["files"] if f["file"] == name)


# --- separators and headers -------------------------------------------------------------------
@pytest.mark.parametrize("sep, header", [(";", True), ("\t", True), (";", False), ("|", True)])
def test_ratings_with_another_separator_are_read_and_reported(kit, home, sep, header):
    src = kit.write["ml-latest-small"](home / "src")
    (src / "ratings.csv").write_text(kit.ratings_text(sep, header))
    body = prepared(kit, "ml-latest-small", src)
    assert body["summary"]["ratings"] == kit.N_RATINGS
    assert f"separated by {sep!r}, not ','" in notes(body)


def test_comma_separated_u_data_is_read_and_reported(kit, home):
    src = kit.write["ml-100k"](home / "src")
    (src / "u.data").write_text(kit.ratings_text(",", header=False))
    body = prepared(kit, "ml-100k", src)
    assert body["summary"]["ratings"] == kit.N_RATINGS and "separated by ','" in notes(body)


def test_ratings_without_timestamps_get_time_zero_and_a_note(kit, home):
    src = kit.write["ml-latest-small"](home / "src")
    rows = ["userId,movieId,rating"] + [f"{u},{j},{r:g}" for u, j, r, _ in kit.rating_rows()]
    (src / "ratings.csv").write_text("\n".join(rows) + "\n")
    body = prepared(kit, "ml-latest-small", src)
    assert body["summary"]["ratings"] == kit.N_RATINGS and "no timestamp column" in notes(body)


def test_a_header_without_a_rating_column_is_named(kit, home):
    src = kit.write["ml-latest-small"](home / "src")
    (src / "ratings.csv").write_text("userId,movieId,stars,timestamp\n1,2,4,100\n")
    refused(kit, "ml-latest-small", src, "ratings.csv", "lacks the column(s) rating")


# --- files that are not what they say --------------------------------------------------------
def test_binary_bytes_are_refused(kit, home):
    src = kit.write["ml-latest-small"](home / "src")
    (src / "ratings.csv").write_bytes(os.urandom(4096) + b"\x00" * 16)
    refused(kit, "ml-latest-small", src, "ratings.csv", "not a text file")


def test_a_link_out_of_the_data_folder_is_not_followed(kit, home):
    src = kit.write["ml-latest-small"](home / "src")
    (src / "ratings.csv").unlink()
    (src / "ratings.csv").symlink_to("/etc/passwd")
    refused(kit, "ml-latest-small", src, "ratings.csv", "outside the data folder")


@pytest.mark.parametrize("content", ["", "userId,movieId,rating,timestamp\n"])
def test_empty_or_header_only_ratings_are_refused(kit, home, content):
    src = kit.write["ml-latest-small"](home / "src")
    (src / "ratings.csv").write_text(content)
    refused(kit, "ml-latest-small", src, "ratings.csv")


def test_ratings_that_are_all_bad_are_refused_with_the_reasons(kit, home):
    src = kit.write["ml-latest-small"](home / "src")
    (src / "ratings.csv").write_text("userId,movieId,rating,timestamp\n1,2,nine,100\n1,3,7,100\n")
    refused(kit, "ml-latest-small", src, "no usable ratings", "bad rating value")


@pytest.mark.parametrize("file", ["movies.csv", "u.item"])
def test_an_empty_movie_list_is_refused(kit, home, file):
    name = "ml-latest-small" if file == "movies.csv" else "ml-100k"
    src = kit.write[name](home / "src")
    (src / file).write_text("")
    refused(kit, name, src, file, "has no movies")


def test_links_without_tmdb_ids_are_refused_for_the_movies_dataset(kit, home):
    src = kit.write["the-movies-dataset"](home / "src")
    (src / "links.csv").write_text("movieId,imdbId\n1,0001000\n2,0001001\n")
    refused(kit, "the-movies-dataset", src, "links.csv", "no tmdbId column")


def test_metadata_without_a_title_column_is_named(kit, home):
    src = kit.write["the-movies-dataset"](home / "src")
    kit.metadata_frame().drop(columns=["title"]).to_csv(src / "movies_metadata.csv", index=False)
    refused(kit, "the-movies-dataset", src, "movies_metadata.csv", "lacks the column(s) title")


# --- zips ----------------------------------------------------------------------------------------
def _zip(src, target, members=None, symlinks=()):
    with zipfile.ZipFile(target, "w", zipfile.ZIP_STORED) as zf:
        for path in sorted(src.iterdir()):
            if path.name in symlinks:
                info = zipfile.ZipInfo(f"ml-latest-small/{path.name}")
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
                zf.writestr(info, "/etc/passwd")
            else:
                zf.write(path, f"ml-latest-small/{path.name}")
    return target


def test_a_zip_member_with_a_bad_crc_is_named(kit, home):
    src = kit.write["ml-latest-small"](home / "src")
    target = _zip(src, home / "ml-latest-small.zip")
    data = bytearray(target.read_bytes())
    with zipfile.ZipFile(target) as zf:
        info = zf.getinfo("ml-latest-small/ratings.csv")
    at = info.header_offset + 30 + len(info.filename) + 200   # inside the stored bytes
    data[at] = ord("9") if data[at] != ord("9") else ord("8")
    target.write_bytes(bytes(data))
    refused(kit, "ml-latest-small", target, "ratings.csv", "damaged")


def test_a_zip_symlink_member_is_not_read(kit, home):
    src = kit.write["ml-latest-small"](home / "src")
    target = _zip(src, home / "ml-latest-small.zip", symlinks=("ratings.csv",))
    refused(kit, "ml-latest-small", target, "ratings.csv", "symbolic link")


def test_a_zip_cut_short_is_named(kit, home):
    src = kit.write["ml-latest-small"](home / "src")
    target = _zip(src, home / "ml-latest-small.zip")
    target.write_bytes(target.read_bytes()[: target.stat().st_size // 2])
    refused(kit, "ml-latest-small", target, "ml-latest-small.zip", "not a readable zip")


# --- damage that is repaired and reported -------------------------------------------------------
def test_ratings_cut_mid_line_are_reported(kit, home):
    src = kit.write["ml-latest-small"](home / "src")
    text = kit.ratings_text()
    (src / "ratings.csv").write_text(text[: len(text) - 5])   # the last line loses its end
    body = prepared(kit, "ml-latest-small", src)
    assert "does not end with a line break" in notes(body)
    assert body["summary"]["ratings"] == kit.N_RATINGS


def test_an_id_written_in_exponent_form_is_not_a_movie(kit, home):
    src = kit.write["ml-latest-small"](home / "src")
    with open(src / "ratings.csv", "a") as fh:
        fh.write("1,1e1,5.0,100\n")
    body = prepared(kit, "ml-latest-small", src)
    report = file_report(body, "ratings.csv")
    assert report["dropped"] == {"bad user or movie id": 1}
    assert body["summary"]["ratings"] == kit.N_RATINGS


def test_an_unbalanced_quote_costs_one_repaired_line_not_the_movies_after_it(kit, home):
    src = kit.write["ml-latest-small"](home / "src")
    lines = (src / "movies.csv").read_text().splitlines()
    lines[3] = lines[3].replace('"', "", 1)     # '3,Family Movie 2 (1982)",...'
    (src / "movies.csv").write_text("\n".join(lines) + "\n")
    body = prepared(kit, "ml-latest-small", src)
    movies = file_report(body, "movies.csv")
    assert movies["fixed"] == {"unbalanced quote removed": 1} and movies["kept"] == 44
    assert body["summary"]["ratings"] == kit.N_RATINGS      # no rating lost


def test_a_200_kb_title_is_cut_and_reported(kit, home):
    src = kit.write["ml-latest-small"](home / "src")
    lines = (src / "movies.csv").read_text().splitlines()
    lines[5] = f'5,"{"A very long title " * 11_000} (1985)",Comedy'
    (src / "movies.csv").write_text("\n".join(lines) + "\n")
    body = prepared(kit, "ml-latest-small", src)
    assert file_report(body, "movies.csv")["fixed"] == {"title cut to 500 characters": 1}


def test_latin1_metadata_keeps_its_accents(kit, home):
    src = kit.write["the-movies-dataset"](home / "src")
    frame = kit.metadata_frame()
    frame.loc[1, "title"] = frame.loc[1, "original_title"] = "Amélie à Paris"
    text = frame.to_csv(index=False)
    (src / "movies_metadata.csv").write_bytes(text.encode("latin-1"))
    body = prepared(kit, "the-movies-dataset", src)
    assert "read as Windows-1252" in notes(body)
    from movierec.data import load_dataset

    catalog = load_dataset("the-movies-dataset", from_path=src).catalog
    assert catalog.index_of("title", "Amélie à Paris") is not None


def test_prepare_never_tracebacks_on_a_foreign_file(kit, home):
    """The wrong file under the right name: a refusal that names it."""
    src = kit.write["ml-100k"](home / "src")
    (src / "u.item").write_text("this is a README, not a movie list\n" * 3)
    refused(kit, "ml-100k", src, "u.item")


def test_dropped_and_repaired_rows_come_with_examples(kit, home):
    src = kit.write["ml-latest-small"](home / "src")
    with open(src / "ratings.csv", "a") as fh:
        fh.write("1,2\n7,[bold]x[/bold],3\n")
    lines = (src / "movies.csv").read_text().splitlines()
    lines[3] = lines[3].replace('"', "", 1)
    (src / "movies.csv").write_text("\n".join(lines) + "\n")
    body = prepared(kit, "ml-latest-small", src)
    ratings, movies = file_report(body, "ratings.csv"), file_report(body, "movies.csv")
    assert ratings["dropped"]["malformed line"] == 2
    assert ratings["examples"]["malformed line"] == ["1,2", "7,[bold]x[/bold],3"]
    assert movies["examples"]["unbalanced quote removed"][0].startswith("3,Family Movie 2")
    from typer.testing import CliRunner

    from movierec.cli.main import app

    table = CliRunner().invoke(app, ["prepare", "ml-latest-small", "--from", str(src)])
    assert table.exit_code == 0 and "e.g. '1,2'" in table.stdout
