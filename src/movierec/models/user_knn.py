"""User-user neighbours (`user_knn`): what the people who loved your picks loved.

The training users who rated the person's picks the way the person did are their
neighbours; a movie's score is how many of them loved it, and how much more often than
everyone else did.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from movierec.data.dataset import Dataset
from movierec.models import explain as ex
from movierec.models.base import ModelConfig, Recommender
from movierec.models.profile import LastPerson, Profile
from movierec.models.knn import LOVED_AT, binary, centre, finish, picks, popularity_tie_break


@dataclass(frozen=True)
class UserKNNConfig(ModelConfig):
    neighbours: int = 100      # most similar training users kept
    shrink: float = 20.0       # sim * n_common / (n_common + shrink), n_common = picks both rated
    lift: float = 0.5          # exponent on how much more often the neighbours loved a movie
                               # than everyone did (0: just how many of them loved it)
    prior: float = 5.0         # pseudo-neighbours who love at everyone's rate: a movie few
                               # neighbours loved gets a lift shrunk towards 1


class UserKNN(Recommender):
    """User-user neighbours: what the people who rated your picks like you did loved.

    Training ratings are centred on each user's mean. A new person's vector is their
    preference over the picks (``(stars - 3) / 2``, +1 for an unrated favourite, -1 for a
    dislike), so "centred" means relative to the middle of the scale: someone who names three
    favourites has no mean of their own to subtract. Similarity to each training user is the
    cosine over the picks both have rated, times ``n_common / (n_common + shrink)`` so that
    someone who rated all the picks outranks someone who happened to rate one. The
    ``neighbours`` most similar (positive) users vote:

        share_j = sum_u sim_u [u loved j] / sum_u sim_u          (loved: >= 4 stars)
        lift_j  = (K share_j + prior base_j) / ((K + prior) base_j)
        score_j = share_j * lift_j ** lift

    with ``base_j`` the fraction of all training people who loved ``j`` and ``K`` the number
    of neighbours; NaN where no neighbour rated ``j``. ``share`` alone is "what most of them
    loved", which on a mainstream data set is what everyone loved: for Toy Story, Aladdin
    and The Lion King, ML-100k's neighbours answer Star Wars and Raiders (one family film
    in ten) although they love family films twice as often as everyone does (13% of their
    loved movies, 7% overall). The lift brings that difference out (Beauty and the Beast,
    The Fox and the Hound), and its square root keeps the well-loved films near the top.

    Held-out people (200 per data set, their profile 3 liked movies | 80% of them; NDCG@10
    on the rest), ML-100k and ratings_small: the former rating-weighted sum (``sum_u sim_u
    (r_uj - mean_u)``, damped, 50 neighbours) scored 0.411 | 0.216 and 0.349 | 0.170; this
    scores 0.464 | 0.234 and 0.361 | 0.198; on a second draw of people 0.478 | 0.245, 0.342
    | 0.158 before and 0.491 | 0.252, 0.347 | 0.186 after. Lift exponent 1 lists more
    family films but falls to 0.30 | 0.16 on ML-100k; 25 neighbours fall to 0.38 | 0.18.
    """

    name = "user_knn"
    Config = UserKNNConfig

    def _fit(self, dataset: Dataset) -> None:
        X = dataset.ratings.matrix.tocsr().astype(np.float32)
        _, means = centre(X, "user")
        self._set(X, means)

    def _set(self, X: sp.csr_matrix, means: np.ndarray) -> None:
        X = X.tocsr().astype(np.float32)
        centred = X.copy()
        centred.data = centred.data - np.repeat(means.astype(np.float32), np.diff(X.indptr))
        self.means = means.astype(np.float32)
        self._stars = X                          # by person (CSR rows): the neighbours' ratings
        self._centred_cols = centred.tocsc()     # by movie (CSC columns, stored zeros kept:
                                                 # structure = who rated what): the picks
        loved = X.copy()
        loved.data = (loved.data >= LOVED_AT).astype(np.float32)
        self._loved = loved                      # 1 where loved, 0 where rated but not loved
        self._base = np.asarray(loved.sum(axis=0), dtype=np.float64).ravel() / max(X.shape[0], 1)
        self._scorable = np.bincount(X.indices, minlength=X.shape[1]) > 0
        self._tie = popularity_tie_break(X)
        self._last = LastPerson()                # the last person's neighbours ...
        self._last_evidence = LastPerson()       # ... and their lift evidence

    def similarities(self, profile: Profile) -> np.ndarray:
        """Shrunk cosine of the person to every training user, over the picks (users,)."""
        people, sim, _ = self._overlapping(profile)
        out = np.zeros(self._centred_cols.shape[0])
        out[people] = sim
        return out

    def _overlapping(self, profile: Profile) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(people who rated a pick, their shrunk cosine to the person, how many picks they
        rated), read from the picks' columns only: the work grows with the picks' raters,
        not with everyone (270k people on the full data)."""
        items, pref = picks(profile)
        cols = self._centred_cols
        starts, stops = cols.indptr[items], cols.indptr[items + 1]
        lengths = stops - starts
        # positions of the picks' entries: starts[j] + 0 .. lengths[j] - 1, for every pick
        at = np.repeat(stops - np.cumsum(lengths), lengths) + np.arange(lengths.sum())
        who = cols.indices[at]
        value = cols.data[at].astype(np.float64)
        weight = np.repeat(pref.astype(np.float64), lengths)
        people, slot = _group(who, cols.shape[0])
        n = len(people)
        num = np.bincount(slot, value * weight, n)
        user_norm = np.sqrt(np.bincount(slot, value * value, n))
        person_norm = np.sqrt(np.bincount(slot, weight * weight, n))
        common = np.bincount(slot, minlength=n).astype(np.float64)
        denom = user_norm * person_norm
        sim = np.zeros(n)
        np.divide(num, denom, out=sim, where=denom > 0)
        shrink = float(self.config.shrink)
        if shrink > 0:
            sim *= common / (common + shrink)
        return people, sim, common

    def _contenders(self, sim: np.ndarray, common: np.ndarray, k: int) -> np.ndarray:
        """Positions of the people who can still be among the ``k`` nearest: a cosine is at
        most 1, so someone with ``c`` picks in common scores at most ``c / (c + shrink)``;
        once ``k`` people sharing more picks are known, everyone whose best is below their
        k-th similarity drops out before the selection (popular picks on the full data:
        150k people sharing one pick, a few thousand sharing all three). Exact: nobody
        dropped could reach or tie the k-th similarity."""
        shrink = float(self.config.shrink)
        everyone = np.arange(len(sim))
        if shrink <= 0:
            return everyone
        levels = np.unique(common)
        for level in levels[:0:-1]:             # from the most picks shared; not the fewest
            sharing = np.flatnonzero(common >= level)
            if len(sharing) >= k:
                kth = np.partition(sim[sharing], len(sharing) - k)[len(sharing) - k]
                best = common / (common + shrink) * (1.0 + 1e-9)   # a cosine may round past 1
                return np.flatnonzero(best >= kth)
        return everyone

    def neighbours(self, profile: Profile) -> tuple[np.ndarray, np.ndarray]:
        """(user rows, similarities) of the person's nearest positive neighbours, best first.

        Empty when nobody overlaps positively with the picks (e.g. every pick is unrated):
        then every score is NaN and the hybrid falls back to content. The last person's
        neighbours are kept: `recommend` scores and then explains the same person.
        """
        return self._last.get(profile, self._nearest)

    def _nearest(self, profile: Profile) -> tuple[np.ndarray, np.ndarray]:
        people, sim, common = self._overlapping(profile)
        ok = sim > 0
        positive, vals = people[ok], sim[ok]
        k = min(int(self.config.neighbours), len(positive))
        if 0 < k < len(positive):
            keep = self._contenders(vals, common[ok], k)
            positive, vals = positive[keep], vals[keep]
        if 0 < k < len(positive):
            # the k most similar; among people tied at the k-th similarity, the first rows
            # (``people`` is sorted), so the same picks always get the same neighbours
            kth = np.partition(vals, len(vals) - k)[len(vals) - k]
            above = vals > kth
            tied = np.flatnonzero(vals == kth)[:k - int(above.sum())]
            keep = np.concatenate([np.flatnonzero(above), tied])
            positive, vals = positive[keep], vals[keep]
        order = np.lexsort((positive, -vals))
        return positive[order], vals[order]

    def _evidence(self, profile: Profile) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """`lift_evidence` of the person's neighbours, kept with them for the explanation."""
        return self._last_evidence.get(
            profile, lambda p: self.lift_evidence(*self.neighbours(p)))

    def lift_evidence(self, users: np.ndarray, sim: np.ndarray
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(share, lift, rated by a neighbour) per movie, for the neighbours ``users`` with
        similarities ``sim``: the two factors of the score."""
        w = sim.astype(np.float32)
        L = self._loved[users]
        share = np.asarray(L.T @ w, dtype=np.float64).ravel() / max(float(w.sum()), 1e-12)
        k, prior = float(len(users)), float(self.config.prior)
        expected = (k + prior) * self._base
        lift = np.ones_like(share)
        np.divide(k * share + prior * self._base, expected, out=lift, where=expected > 0)
        return share, lift, np.bincount(L.indices, minlength=L.shape[1]) > 0

    def score(self, profile: Profile) -> np.ndarray:
        share, lift, voted = self._evidence(profile)
        raw = share * np.power(lift, float(self.config.lift))
        return finish(raw, voted & self._scorable, self._tie)

    def explain(self, profile: Profile, items: np.ndarray, scores: np.ndarray) -> list[str]:
        """'People who loved <pick> gave it 4.4/5 (12 ratings)', from the neighbours' ratings.

        For each recommended movie the pick is the person's loved pick with the most
        neighbours who loved it (>= 4 stars) and rated the movie (ties: the stronger, then the
        earlier pick); the number is those neighbours' mean rating of the movie. If no
        neighbour qualifies, all training users who loved that pick are asked instead. When
        the lift is what lifted the movie (people like you love it at least 1.5 times as
        often as everyone does), the sentence says so.
        """
        catalog = self._need().catalog
        picked, pref = picks(profile)
        order = np.argsort(-pref, kind="stable")
        loved_picks = picked[order][pref[order] > 0]
        users, sim = self.neighbours(profile)
        _, lift, _ = self._evidence(profile)
        stars = self._stars_rows(users)
        reasons = []
        near = _evidence(stars[:, loved_picks].toarray(), stars[:, items].toarray(),
                         binary(stars[:, items]).toarray())
        everyone = None
        for row, item in enumerate(items):
            found = _best(near, row)
            if found is None:
                if everyone is None:
                    cols_p = self._stars_cols(loved_picks)
                    cols_i = self._stars_cols(items)
                    everyone = _sparse_evidence(cols_p, cols_i)
                found = _best(everyone, row)
            if found is None:
                given = stars[:, [int(item)]].toarray().ravel()
                rated = given > 0
                if rated.any():
                    reasons.append(f"People with your taste gave it {given[rated].mean():.1f}/5 "
                                   f"({int(rated.sum())} rating{'s' if rated.sum() != 1 else ''})")
                else:
                    reasons.append(ex.popularity_evidence(catalog, int(item)))
                continue
            p, mean, n = found
            reasons.append(ex.rating_evidence(catalog, int(item), mean, n,
                                              catalog.label(int(loved_picks[p])))
                           + _lift_words(float(lift[int(item)])))
        return reasons

    def _stars_rows(self, users: np.ndarray) -> sp.csr_matrix:
        return self._stars[users]

    def _stars_cols(self, movies: np.ndarray) -> sp.csc_matrix:
        cols = self._centred_cols[:, movies]
        cols.data = np.round(cols.data + self.means[cols.indices], 4)   # undo float drift
        return cols

    def state(self) -> dict[str, np.ndarray]:
        return {"means": self.means}

    def _restore(self, state: dict[str, np.ndarray], dataset: Dataset) -> None:
        self._set(dataset.ratings.matrix, np.asarray(state["means"], dtype=np.float32))


def _group(who: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(who, return_inverse=True)`` for ids in ``0..n-1``. When the ids are many
    (popular picks on the full data: 200k ratings among 270k people) a mark-and-count pass
    over ``n`` replaces the sort, 3 ms -> under 1 ms."""
    if len(who) * 8 < n:
        return np.unique(who, return_inverse=True)
    mark = np.zeros(n, dtype=bool)
    mark[who] = True
    people = np.flatnonzero(mark)
    slot_of = np.cumsum(mark, dtype=np.int64) - 1
    return people, slot_of[who]


def _lift_words(lift: float) -> str:
    return f"; people like you love it {lift:.1f}× as often as everyone" if lift >= 1.5 else ""


def _evidence(pick_stars: np.ndarray, item_stars: np.ndarray, item_rated: np.ndarray):
    """(sum, count) per (loved pick, recommended movie) over people who loved the pick."""
    loved = (pick_stars >= LOVED_AT).astype(np.float64)       # people x picks
    sums = loved.T @ item_stars.astype(np.float64)            # picks x items
    counts = loved.T @ item_rated.astype(np.float64)
    return sums, counts


def _sparse_evidence(pick_cols: sp.csc_matrix, item_cols: sp.csc_matrix):
    loved = pick_cols.copy().astype(np.float64)
    loved.data = (loved.data >= LOVED_AT).astype(np.float64)
    sums = (loved.T @ item_cols.astype(np.float64)).toarray()
    counts = (loved.T @ binary(item_cols.tocsr()).astype(np.float64)).toarray()
    return sums, counts


def _best(evidence, row: int) -> tuple[int, float, int] | None:
    sums, counts = evidence
    if counts.shape[0] == 0:
        return None
    col = counts[:, row]
    p = int(np.argmax(col))          # first maximum: the stronger / earlier pick
    n = int(round(col[p]))
    if n <= 0:
        return None
    return p, float(sums[p, row] / col[p]), n
