"""Watch together and a mood in words: the pure parts by hand, then through the service."""

from __future__ import annotations

import numpy as np
import pytest

from movierec.service import Service, ServiceError, Settings
from movierec.service.groups import Member, combine, parse_member, satisfaction
from movierec.service.mood import parse_mood
from movierec.synthetic import block_dataset

SAT = np.array([[1.0, 0.9, 0.2, 0.6],        # Ana
                [0.1, 0.6, 1.0, 0.7]])       # Ben
ALL = np.ones(4, dtype=bool)


def test_strategies_by_hand():
    assert combine(SAT, ALL, 4, "average").tolist() == [1, 3, 2, 0]        # means .75 .65 .6 .55
    assert combine(SAT, ALL, 4, "least_misery").tolist() == [1, 3, 2, 0]   # mins .6 .6 .2 .1
    # fair: only 1 and 3 clear both medians; 1 first (gain 1.5), then 3 weighted for Ben, who
    # was served less (0.6 vs 0.9): 0.6 + 1.3 x 0.7 = 1.51; then least misery fills
    assert combine(SAT, ALL, 4, "fair").tolist() == [1, 3, 2, 0]
    assert combine(SAT, ALL, 1, "average").tolist() == [1]
    with pytest.raises(ServiceError, match="unknown strategy"):
        combine(SAT, ALL, 2, "loudest")


def test_fair_favours_whoever_was_served_least():
    sat = np.array([[0.9, 0.95, 0.6, 0.5],
                    [0.65, 0.6, 0.9, 0.95]])
    assert combine(sat, np.ones(4, bool), 2, "average").tolist() == [0, 1]     # both lean to A
    # after movie 0 (A 0.9, B 0.65) B weighs 1.25: movie 2 (0.6 + 1.25 x 0.9) beats movie 1
    assert combine(sat, np.ones(4, bool), 2, "fair").tolist() == [0, 2]


def test_satisfaction_is_a_percentile_among_the_candidates():
    scores = np.array([0.1, np.nan, 0.5, 0.3, 9.0], dtype=np.float32)
    allowed = np.array([True, True, True, True, False])
    assert satisfaction(scores, allowed).tolist() == [0.5, 0.25, 1.0, 0.75, 0.0]


@pytest.mark.parametrize("text, name, picks, path", [
    ("Ana: Toy Story; Up; Finding Nemo", "Ana", ["Toy Story", "Up", "Finding Nemo"], None),
    ("Ben: Alien: Resurrection; Heat; Se7en", "Ben", ["Alien: Resurrection", "Heat", "Se7en"],
     None),
    ("Toy Story; Up; Cars", "Person 2", ["Toy Story", "Up", "Cars"], None),
    ("Cara: @exports/cara.zip", "Cara", [], "exports/cara.zip"),
])
def test_members_are_read(text, name, picks, path):
    assert parse_member(text, 2) == (name, picks, path)


@pytest.fixture(scope="module")
def service():
    return Service(dataset=block_dataset(seed=0), default_method="item_knn")


FAMILY = ("Family Movie 1", "Family Movie 2", "Family Movie 3")
CRIME = ("Crime Movie 1", "Crime Movie 2", "Crime Movie 3")


def test_a_group_gets_one_list_that_says_whom_each_movie_serves(service):
    group = [Member("Ana", FAMILY), Member("Ben", FAMILY[::-1]), Member("Cara", CRIME)]
    answer = service.together(group, Settings(method="item_knn", k=6))
    body = answer.to_json()
    assert [m["name"] for m in body["members"]] == ["Ana", "Ben", "Cara"]
    assert len(body["results"]) == 6
    for row in body["results"]:
        assert set(row["satisfaction"]) == {"Ana", "Ben", "Cara"}
        assert row["explanation"].startswith(("For ", "A compromise"))
        assert row["serves"] == [n for n, v in row["satisfaction"].items() if v >= 0.795]
    picked = {1, 2, 3, 23, 24, 25}
    assert not picked & {r["index"] for r in body["results"]}


def test_bad_groups_are_named(service):
    with pytest.raises(ServiceError, match="2 to 8 people, not 1"):
        service.together([Member("Ana", FAMILY)], Settings(method="item_knn"))
    with pytest.raises(ServiceError, match="same name: Ana"):
        service.together([Member("Ana", FAMILY), Member("Ana", CRIME)],
                         Settings(method="item_knn"))
    with pytest.raises(ServiceError, match="^Ben: pick at least 3"):
        service.together([Member("Ana", FAMILY), Member("Ben", FAMILY[:2])],
                         Settings(method="item_knn"))


@pytest.mark.parametrize("text, years, genres, language, runtime", [
    ("slow-burn 70s paranoia thriller", (1970, 1979), ("Thriller",), None, (None, None)),
    ("funny French animated from the eighties", (1980, 1989), ("Comedy", "Animation"), "fr",
     (None, None)),
    ("a 1990s crime drama under 2 hours", (1990, 1999), ("Crime", "Drama"), None, (None, 120)),
    ("something long before 1985", (None, 1984), (), None, (150, None)),
    ("a quiet film about grief", (None, None), (), None, (None, None)),
])
def test_mood_constraints_are_read(service, text, years, genres, language, runtime):
    mood = parse_mood(text, service.catalog)
    assert (mood.year_min, mood.year_max) == years and mood.genres == genres
    assert mood.language == language and (mood.runtime_min, mood.runtime_max) == runtime


def test_an_empty_mood_is_refused(service):
    with pytest.raises(ServiceError) as err:
        service.recommend([], Settings(method="item_knn"), mood="   ?! ")
    assert err.value.code == "bad_mood"


def test_a_mood_alone_answers_within_its_constraints_and_quotes_what_matched(service):
    answer = service.recommend([], Settings(method="item_knn", k=5),
                               mood="a tense heist in the 90s")
    years = [r.year for r in answer.results]
    assert len(answer) == 5 and all(1990 <= y <= 1999 for y in years)
    assert all("heist" in r.explanation for r in answer.results), answer.results[0].explanation
    assert answer.to_json()["mood"]["understood"] == ["1990-1999"]


def test_a_mood_blends_with_the_picks(service):
    crime = service.recommend(list(CRIME), Settings(method="item_knn", k=5),
                              mood="heartwarming friendship")
    blocks = service.dataset.manifest["blocks"]
    assert crime.model == "item_knn" and all(r.explanation.startswith("Fits") for r in crime.results)
    assert {blocks[r.index] for r in crime.results} <= {0, 1}
    assert any("Because you liked" in r.explanation for r in crime.results)
