"""`carve`: validation people inside a fit, folded in like the protocol being tuned for."""

from __future__ import annotations

import numpy as np

from movierec.data.liking import LIKED_AT
from movierec.models.blend import BlendRecommender
from movierec.models.validation import carve
from movierec.synthetic import block_dataset


def _liked(data, user):
    items, values = data.ratings.user_row(int(user))
    return items[values >= LIKED_AT], dict(zip(items.tolist(), values.tolist()))


def test_picks_are_loved_picks_and_a_fold_in_is_that_share_of_the_liked_movies_rated():
    data = block_dataset(seed=0)
    ids = data.ratings.user_ids
    for fold_in in (0.0, 0.8):
        train, cases = carve(data, 20, 3, seed=4, suffix="-t", fold_in=fold_in)
        kept = set(train.ratings.user_ids.tolist())
        assert len(cases) == min(20, data.ratings.n_users // 5)
        for case in cases:
            user = next(u for u in range(data.ratings.n_users)
                        if set(case.profile.items) <= set(_liked(data, u)[0])
                        and set(case.truth) <= set(_liked(data, u)[0])
                        and len(case.profile.items) + len(case.truth) == len(_liked(data, u)[0]))
            liked, stars = _liked(data, user)
            assert int(ids[user]) not in kept                  # never in the fit's training
            assert not np.isin(case.truth, case.profile.items).any()
            assert not case.allowed[case.profile.items].any()
            if fold_in:
                assert len(case.profile.items) == int(np.floor(0.8 * len(liked) + 0.5))
                want = [stars[i] for i in case.profile.items.tolist()]
                np.testing.assert_array_equal(case.profile.ratings, np.float32(want))
            else:
                assert len(case.profile.items) == 3 and case.profile.ratings is not None
                assert np.all(np.isnan(case.profile.ratings))     # loved picks, not rated


def test_the_blend_chooses_its_weights_on_people_folded_in_as_asked():
    data = block_dataset(seed=0)
    picks = BlendRecommender(members="ease,user_knn", validation_users=20).fit(data)
    share = BlendRecommender(members="ease,user_knn", validation_users=20,
                             validation_fold_in=0.8).fit(data)
    assert picks.selection["validation_users"] == share.selection["validation_users"] == 12
    assert picks.selection["folded_in"] == "3 loved picks"
    assert share.selection["folded_in"] == "80% of their liked movies"
    assert sum(share.weights) == 1.0
