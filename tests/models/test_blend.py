"""`blend`: members fused by z-scores; one scoring pass per request."""

from __future__ import annotations

import numpy as np

from movierec.models.blend import BlendRecommender
from movierec.models.profile import Profile
from movierec.synthetic import block_dataset


def test_recommend_scores_each_member_once_and_a_refit_starts_afresh():
    data = block_dataset(seed=0)
    model = BlendRecommender(members="ease,user_knn", weights="[0.5, 0.5]").fit(data)
    calls = []
    for member in model.members:
        original = member.score
        member.score = lambda p, f=original: calls.append(1) or f(p)
    profile = Profile.from_picks([0, 1, 2])
    recs = model.recommend(profile, k=5)
    assert len(recs) == 5 and all(recs.explanations)
    assert len(calls) == 2                                 # score and explain share the pass
    np.testing.assert_array_equal(model.score(profile)[recs.items], recs.scores)
    model.fit(block_dataset(seed=1))                       # new members: nothing reused
    fresh = BlendRecommender(members="ease,user_knn", weights="[0.5, 0.5]").fit(
        block_dataset(seed=1))
    np.testing.assert_allclose(model.score(profile), fresh.score(profile))
