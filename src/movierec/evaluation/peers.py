"""Reference rows ("peers") measured on exactly the same splits as our models.

Peers are other people's well-known implementations used the way their documentation
shows, so that a number in our table can be read against a familiar yardstick:

- rating prediction: Surprise's SVD, SVD++ and KNNBaseline with their default settings
  (the settings of Surprise's own published benchmark), fitted on the split's training
  ratings and asked ``algo.predict(uid, iid)`` for every test rating;
- top-N: `implicit`'s ALS and BPR used the standard way -- a users x items CSR of positive
  interactions (liked ratings, >= 4, as implicit's MovieLens example does; ALS on BM25
  weights). ALS folds a held-out person in from their profile alone, as our models do
  (``recommend(..., recalculate_user=True)``); BPR and LMF cannot, so the test person's
  *profile rows are part of their training matrix*, as implicit's examples train, then
  ``model.recommend(userid, user_items[userid], N, filter_already_liked_items=True)``; plus
  the most-rated movies and a random draw;
- top-N from cornac: textbook EASE and RecVAE (a Mult-VAE successor), each folding a new
  person in by its own mechanism (EASE: positives times B; RecVAE: the encoder's mean).
Their settings are the library's defaults unless `movierec tune` chose others (``params``).

Our models see a held-out person only through ``recommend(profile)``; peers get the easier,
conventional set-up. Peer names start with ``peer:`` in every table.
"""

from __future__ import annotations

import importlib.util
from abc import ABC, abstractmethod
from typing import Callable, ClassVar

import numpy as np
import scipy.sparse as sp

from movierec.data.dataset import Dataset
from movierec.data.liking import LIKED_AT

PREFIX = "peer:"
MIN_POSITIVE = LIKED_AT   # a liked rating is a positive interaction for the implicit peers
SURPRISE_MISSING = ("scikit-surprise is not installed, so the Surprise peers are skipped; "
                    "install them with: pip install 'movierec[peers]'")


# --- top-N peers ----------------------------------------------------------------------------
class TopNPeer(ABC):
    """Fits on a people split (train + the test people's profiles); recommends per case."""

    name: ClassVar[str] = "peer"

    def __init__(self, seed: int = 0, threads: int = 1, **params):
        self.seed = seed
        self.threads = threads                    # 1: reproducible; 0: every core (at scale)
        self.params = params                      # library settings (`movierec tune` sets)
        self._seen: sp.csr_matrix | None = None   # per case: the movies of its profile

    def fit(self, train: Dataset, profiles: list, train_rows: np.ndarray | None = None) -> None:
        """Learn from ``train``; ``profiles[i]`` is case i's `Profile`.

        ``train_rows[i]`` is case i's row in ``train`` when the person is already part of it
        (per-user and temporal splits); otherwise (held-out people) their profile rows are
        appended to the training matrix, as these libraries are normally used.
        """
        n_movies = train.ratings.n_movies
        self._seen = _profile_matrix(profiles, n_movies, all_items=True)
        self._fit(train, profiles, train_rows)

    @abstractmethod
    def _fit(self, train: Dataset, profiles: list, train_rows: np.ndarray | None) -> None: ...

    @abstractmethod
    def recommend(self, case: int, k: int) -> np.ndarray:
        """Top-``k`` movie indices for case ``case`` (its profile movies excluded)."""

    def _excluded(self, case: int) -> np.ndarray:
        assert self._seen is not None, "fit first"
        row = self._seen
        return row.indices[row.indptr[case]:row.indptr[case + 1]]


class PopularPeer(TopNPeer):
    """The most-rated training movies the person has not picked."""

    name = PREFIX + "popular"

    def _fit(self, train: Dataset, profiles: list, train_rows: np.ndarray | None) -> None:
        counts = train.ratings.counts_per_movie().astype(np.float64)
        # Most-rated first; ties broken by lower index so runs are reproducible.
        self._order = np.lexsort((np.arange(len(counts)), -counts))
        self._order = self._order[counts[self._order] > 0]

    def recommend(self, case: int, k: int) -> np.ndarray:
        excluded = self._excluded(case)
        head = self._order[: k + len(excluded)]
        return head[~np.isin(head, excluded)][:k].astype(np.int64)


class RandomPeer(TopNPeer):
    """Uniformly random movies among those rated in training (seeded per case)."""

    name = PREFIX + "random"

    def _fit(self, train: Dataset, profiles: list, train_rows: np.ndarray | None) -> None:
        self._pool = np.flatnonzero(train.ratings.counts_per_movie() > 0).astype(np.int64)

    def recommend(self, case: int, k: int) -> np.ndarray:
        rng = np.random.default_rng([self.seed, case])
        pool = self._pool[~np.isin(self._pool, self._excluded(case))]
        return rng.choice(pool, size=min(k, len(pool)), replace=False).astype(np.int64)


class ImplicitPeer(TopNPeer):
    """An `implicit` matrix factorisation model trained with the test people inside it, or,
    where the library can fold a new person in (`folds_in`: ALS's ``recalculate_user``),
    trained without them and folding each one in from their profile alone, as our models
    do."""

    folds_in: ClassVar[bool] = False

    def _build(self):  # pragma: no cover - overridden
        raise NotImplementedError

    def _weights(self, positives: sp.csr_matrix) -> sp.csr_matrix:
        return positives

    def _fit(self, train: Dataset, profiles: list, train_rows: np.ndarray | None) -> None:
        from movierec.models.matrix_factorization import one_blas_thread

        n_movies = train.ratings.n_movies
        base = train.ratings.matrix.astype(np.float32).tocsr()
        base.data = (base.data >= MIN_POSITIVE).astype(np.float32)
        base.eliminate_zeros()
        self._extra = None
        if train_rows is None:
            extra = _profile_matrix(profiles, n_movies, all_items=False)
            weighted = self._weights(sp.vstack([base, extra], format="csr"))
            weighted.sort_indices()
            if self.folds_in:   # train on the training people; fold each person in later
                user_items = weighted[: base.shape[0]]
                self._extra = weighted[base.shape[0]:]
            else:
                user_items = weighted
            self._user_of = base.shape[0] + np.arange(len(profiles), dtype=np.int64)
        else:
            user_items = self._weights(base)
            user_items.sort_indices()
            self._user_of = np.asarray(train_rows, dtype=np.int64)
        with one_blas_thread():
            self._model = self._build()
            self._model.fit(user_items, show_progress=False)

    def recommend(self, case: int, k: int) -> np.ndarray:
        assert self._seen is not None, "fit first"
        if self._extra is not None:   # folded in from the profile: the model never saw it
            seen = self._excluded(case)
            ids, _ = self._model.recommend(0, self._extra[case], N=k + len(seen),
                                           filter_already_liked_items=False,
                                           recalculate_user=True)
            ids = np.asarray(ids, dtype=np.int64)
            return ids[~np.isin(ids, seen)][:k]
        userid = int(self._user_of[case])
        ids, _ = self._model.recommend(userid, self._seen[case], N=k,
                                       filter_already_liked_items=True)
        return np.asarray(ids, dtype=np.int64)


class ImplicitALSPeer(ImplicitPeer):
    """implicit's AlternatingLeastSquares on BM25-weighted positives (library defaults unless
    tuned); it folds a new person in with ``recalculate_user``."""

    name = PREFIX + "implicit-als"
    folds_in = True

    def _build(self):
        from implicit.cpu.als import AlternatingLeastSquares

        return AlternatingLeastSquares(random_state=self.seed, num_threads=self.threads,
                                      **self.params)

    def _weights(self, positives: sp.csr_matrix) -> sp.csr_matrix:
        from implicit.nearest_neighbours import bm25_weight

        # implicit's MovieLens example: bm25_weight(items x users, B=0.9) * 5.
        return (bm25_weight(positives.T.tocsr(), B=0.9) * 5).T.tocsr().astype(np.float32)


class ImplicitBPRPeer(ImplicitPeer):
    """implicit's BayesianPersonalizedRanking on binary positives (library defaults unless
    tuned); it has no fold-in, so it trains with the test people's profiles inside."""

    name = PREFIX + "implicit-bpr"

    def _build(self):
        from implicit.cpu.bpr import BayesianPersonalizedRanking

        return BayesianPersonalizedRanking(random_state=self.seed, num_threads=self.threads,
                                          **self.params)


class ImplicitLMFPeer(ImplicitPeer):
    """implicit's LogisticMatrixFactorization on binary positives (library defaults unless
    tuned); no fold-in, so it trains with the test people's profiles inside."""

    name = PREFIX + "implicit-lmf"

    def _build(self):
        from implicit.cpu.lmf import LogisticMatrixFactorization

        return LogisticMatrixFactorization(random_state=self.seed, num_threads=self.threads,
                                          **self.params)


class CornacPeer(TopNPeer):
    """A cornac model on binary positives of the ``max_items`` most-liked movies, folding a
    new person in by the model's own mechanism (`_scores` of their positives' indicator
    vector): their profile never enters the training matrix."""

    max_items: ClassVar[int | None] = None

    def _fit(self, train: Dataset, profiles: list, train_rows: np.ndarray | None) -> None:
        from cornac.data import Dataset as CornacDataset

        m = train.ratings.matrix.tocoo()
        liked = m.data >= MIN_POSITIVE
        counts = np.bincount(m.col[liked], minlength=train.ratings.n_movies)
        kept = np.argsort(-counts, kind="stable")[: self.max_items]
        kept = kept[counts[kept] > 0]
        keep = liked & np.isin(m.col, kept)
        triplets = list(zip(m.row[keep].astype(str), m.col[keep].astype(str),
                            np.ones(int(keep.sum()))))
        data = CornacDataset.from_uir(triplets, seed=self.seed)
        self._model = self._build_and_fit(data)
        self._movie_of = np.array([int(raw) for raw in data.item_ids], dtype=np.int64)
        self._column = {movie: j for j, movie in enumerate(self._movie_of)}
        self._profiles = profiles
        self._train_rows = train_rows
        self._train = train

    @abstractmethod
    def _build_and_fit(self, data): ...

    @abstractmethod
    def _scores(self, x: np.ndarray) -> np.ndarray:
        """Scores of the modelled movies for one person's positives indicator ``x``."""

    def _positives(self, case: int) -> list[int]:
        if self._train_rows is None:
            p = self._profiles[case]
            items = p.items[p.effective_ratings() >= MIN_POSITIVE]
        else:
            items, values = self._train.ratings.user_row(int(self._train_rows[case]))
            items = items[values >= MIN_POSITIVE]
        return [self._column[int(i)] for i in items if int(i) in self._column]

    def recommend(self, case: int, k: int) -> np.ndarray:
        x = np.zeros(len(self._movie_of), dtype=np.float32)
        x[self._positives(case)] = 1.0
        order = np.argsort(-self._scores(x), kind="stable")
        movies = self._movie_of[order]
        seen = self._excluded(case)
        return movies[~np.isin(movies, seen)][:k].astype(np.int64)


class CornacEASEPeer(CornacPeer):
    """Cornac's EASE (Steck 2019, the textbook item-item ridge regression) on binary
    positives of the most-rated movies (`max_items`, as our EASE keeps); a new person is
    folded in by EASE's own mechanism: their positives times the library's learnt B."""

    name = PREFIX + "cornac-ease"
    max_items = 6000

    def _build_and_fit(self, data):
        from cornac.models import EASE

        return EASE(seed=self.seed, verbose=False, **self.params).fit(data)

    def _scores(self, x: np.ndarray) -> np.ndarray:
        return x @ self._model.B


class CornacRecVAEPeer(CornacPeer):
    """Cornac's RecVAE (Shenbin et al. 2020: a Mult-VAE with a composite prior, a denser
    encoder and alternating updates), on binary positives of every liked movie; a new person
    is folded in by the autoencoder's own mechanism: their positives through the encoder's
    mean (no dropout, no sampling), then the decoder. Library defaults, on the CPU."""

    name = PREFIX + "cornac-recvae"

    MIN_ITEMS = 100     # cornac's fit ranks each epoch by NDCG@100: it fails on fewer

    def _build_and_fit(self, data):
        from cornac.models import RecVAE

        if data.num_items < self.MIN_ITEMS:
            raise ValueError(f"cornac's RecVAE needs at least {self.MIN_ITEMS} movies with a "
                             f"liked rating (it ranks by NDCG@100 after every epoch); this "
                             f"training data has {data.num_items}")
        return RecVAE(seed=self.seed, verbose=False, use_gpu=False, **self.params).fit(data)

    def _scores(self, x: np.ndarray) -> np.ndarray:
        import torch

        net = self._model.recvae_model.eval()
        with torch.no_grad():
            out = net(torch.from_numpy(x[None, :]), calculate_loss=False, dropout_rate=0.0)
        return out[0].numpy()


def cornac_available() -> bool:
    return importlib.util.find_spec("cornac") is not None


def _profile_matrix(profiles: list, n_movies: int, all_items: bool) -> sp.csr_matrix:
    """One CSR row per profile: all its movies, or only its positives (value 1)."""
    rows, cols = [], []
    for r, profile in enumerate(profiles):
        items = profile.items if all_items else \
            profile.items[profile.effective_ratings() >= MIN_POSITIVE]
        rows.append(np.full(len(items), r, dtype=np.int64))
        cols.append(np.asarray(items, dtype=np.int64))
    row = np.concatenate(rows) if rows else np.zeros(0, np.int64)
    col = np.concatenate(cols) if cols else np.zeros(0, np.int64)
    out = sp.csr_matrix((np.ones(len(row), np.float32), (row, col)),
                        shape=(len(profiles), n_movies))
    out.sum_duplicates()
    out.sort_indices()
    return out


# --- rating peers (Surprise) ----------------------------------------------------------------
def surprise_available() -> bool:
    return importlib.util.find_spec("surprise") is not None


class SurprisePeer:
    """A Surprise algorithm fitted on a training Dataset, predicting (user row, movie) pairs."""

    def __init__(self, name: str, build: Callable[[], object]):
        self.name = name
        self._build = build

    def fit(self, train: Dataset) -> "SurprisePeer":
        from surprise import Dataset as SurpriseDataset
        from surprise import Reader

        frame = train.ratings.to_frame()[["user", "movie", "rating"]]
        scale = (float(frame["rating"].min()), float(frame["rating"].max()))
        data = SurpriseDataset.load_from_df(frame, Reader(rating_scale=scale))
        self.trainset = data.build_full_trainset()
        self.algo = self._build()
        self.algo.fit(self.trainset)
        return self

    def predict(self, users: np.ndarray, movies: np.ndarray) -> np.ndarray:
        """Surprise's own ``predict`` per pair (unknown users/movies get its default)."""
        predict = self.algo.predict
        return np.fromiter((predict(int(u), int(m)).est for u, m in zip(users, movies)),
                           dtype=np.float64, count=len(users))


def surprise_peers(seed: int = 0) -> dict[str, Callable[[], SurprisePeer]]:
    """name -> factory of the Surprise rating peers (empty when Surprise is missing)."""
    if not surprise_available():
        return {}

    def svd():
        from surprise import SVD
        return SVD(random_state=seed)

    def svdpp():
        from surprise import SVDpp
        # cache_ratings keeps each user's ratings in memory: same result, ~15% faster
        # (ML-100k u1: fit 8.1 s vs 9.7 s; benchmarks/bench_evaluation.py --svdpp).
        return SVDpp(random_state=seed, cache_ratings=True)

    def knn_baseline():
        from surprise import KNNBaseline
        return KNNBaseline(verbose=False)

    builders = {"surprise-svd": svd, "surprise-svdpp": svdpp, "surprise-knnbaseline": knn_baseline}
    return {PREFIX + name: (lambda n=name, b=b: SurprisePeer(PREFIX + n, b))
            for name, b in builders.items()}


TOPN_PEERS: dict[str, type[TopNPeer]] = {
    p.name: p for p in (ImplicitALSPeer, ImplicitBPRPeer, ImplicitLMFPeer, CornacEASEPeer,
                        CornacRecVAEPeer, PopularPeer, RandomPeer)
}
CORNAC_PEERS = (CornacEASEPeer.name, CornacRecVAEPeer.name)
# run only when named ("all" leaves them out, saying so): one RecVAE fit took 203 s on
# ML-100k (50 epochs, each ranked again by cornac), 5 folds most of 20 minutes
OPT_IN_PEERS = (CornacRecVAEPeer.name,)
CORNAC_MISSING = ("cornac is not installed, so the cornac peers are skipped; install them with: "
                  "pip install 'movierec[peers]'")
RATING_PEERS = (PREFIX + "surprise-svd", PREFIX + "surprise-svdpp", PREFIX + "surprise-knnbaseline")
ALL_PEERS = tuple(TOPN_PEERS) + RATING_PEERS


def peer_key(name: str) -> str:
    """'svd', 'surprise-svd' or 'peer:surprise-svd' -> the canonical 'peer:...' name."""
    key = name.strip().lower().replace("_", "-")
    key = key if key.startswith(PREFIX) else PREFIX + key
    if key in ALL_PEERS:
        return key
    for full in ALL_PEERS:       # short forms: als, bpr, svd, svdpp, knnbaseline
        if full.split("-", 1)[-1] == key[len(PREFIX):]:
            return full
    raise KeyError(f"unknown peer {name!r}; choose from: {', '.join(ALL_PEERS)}")
