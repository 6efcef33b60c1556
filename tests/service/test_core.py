"""`Service`: picks in, one `Answer` out; every bad request one `ServiceError`."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from movierec.service import (DEFAULT_METHOD, Answer, PickSpec, Service, ServiceError,
                              Settings, method_choices, parse_method)
from movierec.service.answer import RESULT_FIELDS
from movierec.service.feedback import FeedbackStore
from movierec.service.request import check_options, check_settings, parse_option_pairs
from movierec.synthetic import block_dataset

FAMILY = ["Family Movie 1", "Family Movie 2", "Family Movie 3"]


@pytest.fixture(scope="module")
def data():
    return block_dataset(seed=0)


@pytest.fixture
def service(data, tmp_path):
    return Service(dataset=data, default_method="item_knn",
                   feedback=FeedbackStore(tmp_path / "feedback.sqlite"))


def test_an_answer_has_one_shape(service, data):
    answer = service.recommend(FAMILY, Settings(method="item_knn", k=5))
    assert isinstance(answer, Answer) and len(answer) == 5
    body = answer.to_json()
    assert list(body) == ["dataset", "method", "model", "options", "settings", "k", "diversity",
                          "filters", "picks", "results", "notes", "warnings", "message", "import",
                          "mood", "timings"]
    assert all(list(r) == list(RESULT_FIELDS) for r in body["results"])
    assert [r["rank"] for r in body["results"]] == [1, 2, 3, 4, 5]
    blocks = data.manifest["blocks"]
    assert all(blocks[r["index"]] == 0 and r["explanation"] for r in body["results"])
    assert body["settings"] == service.model("item_knn").config_dict()
    assert [p["label"] for p in body["picks"]] == ["Family Movie 1 (1981)",
                                                   "Family Movie 2 (1982)",
                                                   "Family Movie 3 (1983)"]


def test_the_same_request_is_answered_once(service):
    first = service.recommend(FAMILY, Settings(method="item_knn", k=5))
    assert service.recommend(list(FAMILY), Settings(method="item_knn", k=5)) is first
    other = service.recommend(FAMILY, Settings(method="item_knn", k=6))
    assert other is not first and len(other) == 6


def test_one_fitted_model_per_method_and_options(service):
    a = service.model("cluster (explore)")
    assert service.model("cluster:explore") is a
    b = service.recommend(FAMILY, Settings(method="cluster", options={"strategy": "explore"}))
    assert b.method == "cluster (same)" and b.options == {"strategy": "explore"}
    assert service.model("cluster (same)") is not a


def test_default_method_is_one_place():
    assert parse_method(None).key == DEFAULT_METHOD == parse_method("").key
    keys = [c.key for c in method_choices()]
    assert DEFAULT_METHOD in keys and "cluster" not in keys


def test_thumbs_are_stored_with_the_rank_shown_and_fold_in(service):
    shown = service.recommend(FAMILY, Settings(method="item_knn", k=5))
    movie = shown.results[1].index
    after = service.react("s-1", FAMILY, Settings(method="item_knn", k=5), (), movie, False)
    assert movie not in [r.index for r in after.results]
    row = service.feedback.rows()[-1]
    assert (row["movie"], row["rank"], row["liked"], row["session"]) == (movie, 2, False, "s-1")
    with pytest.raises(ServiceError, match="not 'false'") as bad:
        service.react("s", FAMILY, None, (), movie, "false")
    assert bad.value.code == "bad_reaction" and service.feedback.count() == 1


def test_every_reaction_teaches_the_session_and_is_kept(service):
    settings = Settings(method="item_knn", k=5)
    first = [r.index for r in service.recommend(FAMILY, settings).results]
    seen, skip = first[0], first[1]
    after = service.react("s-2", FAMILY, settings, [(seen, "seen")], skip, "not_interested")
    later = [r.index for r in after.results]
    assert seen not in later and skip not in later and len(later) == 5
    assert [r["reaction"] for r in service.feedback.rows(session="s-2")] == ["not_interested"]
    again = service.recommend(FAMILY, settings, [(seen, "seen"), (skip, "not_interested")])
    assert [r.index for r in again.results] == later      # same reactions, same list
    # a movie nobody wants stays out even when the picks alone would bring it back
    profile = service.recommend(FAMILY, settings, [(skip, "not interested")])
    assert skip not in [r.index for r in profile.results]
    with pytest.raises(ServiceError) as bad:
        service.recommend(FAMILY, settings, [(seen, "meh")])
    assert bad.value.code == "bad_reaction" and "'meh'" in bad.value.message


@pytest.mark.parametrize("picks, code", [
    (["Family Movie 1", "Family Movie 2"], "too_few_picks"),
    (["Family Movie 1", "Family Movie 2", "-Family Movie 3"], "too_few_picks"),
    (["-Family Movie 1", "-Family Movie 2", "-Family Movie 3"], "too_few_picks"),
    (["Family Movie 1", "Family Movie 2", "No Such Film At All"], "unknown_title"),
    (["Family Movie 1", "Family Movie 2", "Family Movie 3=abc"], "bad_pick"),
])
def test_bad_picks(service, picks, code):
    with pytest.raises(ServiceError) as err:
        service.recommend(picks, Settings(method="item_knn"))
    assert err.value.code == code


def test_thumbs_up_count_as_picks_you_like(service):
    two = ["Family Movie 1", "Family Movie 2"]
    answer = service.recommend(two, Settings(method="item_knn"), thumbs=[(3, True)])
    assert len(answer) == 10
    with pytest.raises(ServiceError, match="movie 999 is not in the catalog"):
        service.recommend(two, Settings(method="item_knn"), thumbs=[(999, True)])


@pytest.mark.parametrize("change, code, named", [
    ({"k": 0}, "bad_k", "not 0"),
    ({"k": 2.5}, "bad_k", "2.5"),
    ({"k": "ten"}, "bad_k", "'ten'"),
    ({"k": "²"}, "bad_k", "'²'"),
    ({"year_from": 1700}, "bad_year", "not 1700"),
    ({"year_from": 1999, "year_to": 1990}, "bad_year", "1999 is after to-year 1990"),
    ({"year_to": "19x5"}, "bad_year", "'19x5'"),
    ({"era": "future"}, "bad_era", "'future'"),
    ({"genres": ("Cartoon",)}, "bad_genre", "'Cartoon'"),
    ({"exclude_genres": ("Westerns",)}, "bad_genre", "'Westerns'"),
    ({"language": "xx"}, "bad_language", "'xx'"),
    ({"min_votes": -1}, "bad_min_votes", "not -1"),
    ({"min_votes": 10**9}, "no_movie_passes", "1000000000 votes"),
    ({"genres": ("Western",)}, "bad_genre", "'Western'"),
    ({"method": "nope"}, "unknown_method", "'nope'"),
    ({"options": {"neighbours": -3}}, "bad_option", "neighbours=-3"),
    ({"options": {"neighbors": 3}}, "bad_option", "'neighbors'"),
    ({"options": {"shrink": "lots"}}, "bad_option", "shrink='lots'"),
    ({"options": {"neighbours": 2.5}}, "bad_option", "whole number"),
])
def test_every_bad_setting_is_named(service, change, code, named):
    fields = {"method": "item_knn", **change}
    with pytest.raises(ServiceError) as err:
        check_settings(Settings(**fields), service.catalog)
    assert err.value.code == code and named in err.value.message, err.value.message
    assert err.value.to_json()["error"]["code"] == code


def test_genre_and_language_names_are_forgiving(service):
    checked = check_settings(Settings(method="item_knn", genres=("crime",), era="NEW ",
                                      exclude_genres=("Children's",), language=" EN "),
                             service.catalog)
    assert checked.filter.genres_in == ("Crime",) and checked.filter.genres_out == ("Family",)
    assert checked.filter.language == "en" and checked.filter.era == "new"


def test_options_follow_the_models_own_settings():
    choice = parse_method("cluster (explore)")
    assert check_options(choice, {"n_clusters": 4}) == {"strategy": "explore", "n_clusters": 4}
    assert check_options(parse_method("hybrid"), {"cf_weight": -1}) == {"cf_weight": -1.0}
    assert parse_option_pairs(["k_grid=[2, 3]", "vectors=factors", "x=true"]) == {
        "k_grid": [2, 3], "vectors": "factors", "x": True}
    with pytest.raises(ServiceError, match="strategy"):
        check_options(choice, {"strategy": "sideways"})


def test_unknown_dataset_and_missing_data_are_service_errors(tmp_path, monkeypatch):
    with pytest.raises(ServiceError) as err:
        Service("no-such-data").dataset
    assert err.value.code == "unknown_dataset" and "no-such-data" in err.value.message
    monkeypatch.setenv("MOVIEREC_DATA", str(tmp_path / "nowhere"))
    monkeypatch.setenv("MOVIEREC_HOME", str(tmp_path / "home"))
    with pytest.raises(ServiceError) as err:
        Service("ml-1m").dataset
    assert err.value.code == "data_missing" and "ratings.dat" in err.value.message


def test_picks_by_id_and_by_catalog_index(service):
    picks = service.resolve(["tmdb:1001", PickSpec.of_movie(2, "4.5"), "-ml:203"]).picks
    assert [(p.index, p.how, p.matched_by) for p in picks] == [
        (1, "love", "tmdb_id"), (2, "4.5", "index"), (25, "dislike", "movielens_id")]


_values = st.one_of(st.none(), st.integers(-10**6, 10**6), st.floats(allow_nan=True),
                    st.text(max_size=12), st.booleans())


@settings(max_examples=200, deadline=None)
@given(k=_values, year_from=_values, year_to=_values, era=st.text(max_size=8),
       min_votes=_values, language=st.one_of(st.none(), st.text(max_size=5)))
def test_any_settings_validate_or_fail_with_a_service_error(data, k, year_from, year_to, era,
                                                            min_votes, language):
    try:
        checked = check_settings(Settings(method="item_knn", k=k, year_from=year_from,
                                          year_to=year_to, era=era, min_votes=min_votes,
                                          language=language), data.catalog)
    except ServiceError as exc:
        assert exc.message and exc.code.startswith(("bad_", "no_movie"))
        return
    assert 1 <= checked.k <= 100 and checked.filter.min_votes >= 0


def test_the_diversity_dial_is_validated_and_zero_is_the_plain_list(tmp_path):
    from movierec.service import Service, ServiceError, Settings
    from movierec.synthetic import block_dataset

    service = Service(dataset=block_dataset(seed=0), default_method="item_knn")
    picks = ["Family Movie 1", "Family Movie 2", "Family Movie 3"]
    plain = service.recommend(picks, Settings(method="item_knn", k=6))
    zero = service.recommend(picks, Settings(method="item_knn", k=6, diversity="0"))
    assert [r.index for r in zero.results] == [r.index for r in plain.results]
    dialled = service.recommend(picks, Settings(method="item_knn", k=6, diversity=0.8))
    assert dialled.diversity == 0.8 and dialled.to_json()["diversity"] == 0.8
    assert len(dialled.results) == 6 and dialled.results[0].index == plain.results[0].index
    for bad in (1.5, -0.1, "lots", float("nan"), True):
        with pytest.raises(ServiceError) as err:
            service.recommend(picks, Settings(method="item_knn", k=6, diversity=bad))
        assert err.value.code == "bad_diversity" and "from 0 to 1" in err.value.message
