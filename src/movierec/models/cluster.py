"""Cluster-based recommendations: group the catalog into taste clusters, recommend from them.

Item vectors (content TF-IDF, MiniLM embeddings, or SVD factors of the ratings) are reduced
to ~64 dimensions with TruncatedSVD and clustered with k-means (MiniBatchKMeans on big
catalogs), seeded. With ``n_clusters=0`` the number of clusters is chosen by the mean
silhouette on a fixed random sample over a small grid around sqrt(n/2); the grid, the
scores and the inertia are kept in `selection` so the report can show the choice.

Strategies, all answering a new person from their picks:
- ``same``: movies in the liked picks' clusters, ranked by similarity to the picks;
- ``explore``: movies in the clusters nearest to (but not) the picks' clusters -- discovery;
- ``centres``: the most typical movies of the picks' clusters (nearest their centres).
Similarity is the preference-weighted cosine, so disliked picks push movies down. Movies
outside the strategy's clusters still get a score, a fixed step below every movie inside,
so tight filters never leave the list empty. Movies without a vector score NaN.
Clusters are named from what is distinctive in them: "Crime · heist · Al Pacino".
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import normalize

from movierec.data.catalog import Catalog, as_list
from movierec.data.dataset import Dataset
from movierec.models.base import ModelConfig, Recommender
from movierec.models.content import NOISE_KEYWORDS, pick_contributions, weighted_similarity
from movierec.models.persist import pack_sparse, unpack_sparse
from movierec.models.profile import Profile
from movierec.models.standard_scores import lean_on_popularity, popularity_if

STRATEGIES = ("same", "explore", "centres")
VECTORS = ("content", "embeddings", "factors")
MIN_NAME_SHARE = 0.05  # a keyword or person names a cluster only if this share of it has it


@dataclass(frozen=True)
class ClusterConfig(ModelConfig):
    strategy: str = "same"          # same | explore | centres
    vectors: str = "content"        # content | embeddings | factors (SVD of ratings)
    n_clusters: int = 0             # 0 = choose by silhouette over `k_grid` (or an automatic grid)
    k_grid: tuple[int, ...] = ()    # candidate cluster counts; () = around sqrt(n/2)
    max_clusters: int = 200
    dims: int = 64                  # TruncatedSVD dimensions before k-means
    factors: int = 64               # rank of the ratings SVD for vectors="factors"
    explore_neighbours: int = 2     # nearest other clusters explored per pick cluster
    silhouette_sample: int = 3000
    minibatch_above: int = 5000     # movies: MiniBatchKMeans beyond this, KMeans below
    popular: float = 0.0            # > 0: within the clusters, rank by z(similarity) +
                                    # popular x z(log liked count in the training ratings)

    def __post_init__(self):
        if self.strategy not in STRATEGIES:
            raise ValueError(f"cluster strategy must be one of {STRATEGIES}, not {self.strategy!r}")
        if self.vectors not in VECTORS:
            raise ValueError(f"cluster vectors must be one of {VECTORS}, not {self.vectors!r}")


# --- item vectors and clustering ------------------------------------------------------------
def item_vectors(dataset: Dataset, config: ClusterConfig):
    """(L2-normalised movies x features matrix, valid mask) for ``config.vectors``."""
    if config.vectors == "content":
        from movierec.models.content import ContentRecommender
        model = ContentRecommender(seed=config.seed).fit(dataset)
        return model.item_vectors(), model.has_text()
    if config.vectors == "embeddings":
        from movierec.models.embeddings import EmbeddingRecommender
        model = EmbeddingRecommender(seed=config.seed).fit(dataset)
        return model.item_vectors(), model.has_text()
    r = sp.csr_matrix(dataset.ratings.matrix.T, dtype=np.float32)   # movies x users
    rank = max(1, min(config.factors, min(r.shape) - 1))
    f = TruncatedSVD(rank, random_state=config.seed).fit_transform(r).astype(np.float32)
    valid = dataset.ratings.counts_per_movie() > 0
    f[~valid] = 0.0
    return normalize(f), valid


def reduce(x, valid: np.ndarray, dims: int, seed: int) -> np.ndarray:
    """movies x <=dims float32 unit rows (zeros where not valid): the space k-means works in."""
    rows = x[np.flatnonzero(valid)]
    limit = min(dims, rows.shape[0] - 1, rows.shape[1] - 1)
    if rows.shape[1] <= dims or limit < 2:
        z = rows.toarray() if sp.issparse(rows) else np.asarray(rows)
    else:
        z = TruncatedSVD(limit, random_state=seed).fit_transform(rows)
    out = np.zeros((x.shape[0], z.shape[1]), dtype=np.float32)
    out[valid] = normalize(z)
    return out


def auto_grid(n: int, max_clusters: int) -> list[int]:
    """Candidate cluster counts around the sqrt(n/2) rule of thumb (a quarter to 1.5x)."""
    centre = np.sqrt(n / 2.0)
    lo, hi = max(2, int(round(centre / 4))), min(max_clusters, n - 1, int(round(centre * 1.5)))
    if hi <= lo:
        return [lo] if lo < n else []
    if hi - lo < 8:
        return list(range(lo, hi + 1))
    return sorted({int(round(v)) for v in np.geomspace(lo, hi, 8)})


def kmeans(z: np.ndarray, k: int, config: ClusterConfig):
    if len(z) > config.minibatch_above:
        return MiniBatchKMeans(k, random_state=config.seed, n_init=3, batch_size=4096).fit(z)
    return KMeans(k, random_state=config.seed, n_init=10).fit(z)


def choose_clusters(z: np.ndarray, config: ClusterConfig) -> tuple[object, dict]:
    """The fitted k-means and the record of how its cluster count was chosen."""
    n = len(z)
    if config.n_clusters > 0 or n < 4:
        k = max(1, min(config.n_clusters or 1, n))
        return kmeans(z, k, config), {"criterion": "fixed by config", "chosen": k}
    grid = [k for k in (config.k_grid or auto_grid(n, config.max_clusters)) if 2 <= k < n]
    rng = np.random.default_rng(config.seed)
    sample = np.sort(rng.choice(n, size=min(n, config.silhouette_sample), replace=False))
    best, record = None, {"silhouette": [], "inertia": []}
    for k in grid:
        km = kmeans(z, k, config)
        labels = km.labels_[sample]
        sil = float(silhouette_score(z[sample], labels)) if len(set(labels)) > 1 else -1.0
        record["silhouette"].append(round(sil, 5))
        record["inertia"].append(round(float(km.inertia_), 3))
        if best is None or sil > best[0]:
            best = (sil, k, km)
    if best is None:
        return kmeans(z, 1, config), {"criterion": "too few movies to choose", "chosen": 1}
    return best[2], {"criterion": f"mean silhouette on a sample of {len(sample)} movies",
                     "grid": grid, **record, "chosen": best[1]}


# --- names ----------------------------------------------------------------------------------
def _distinctive(labels: np.ndarray, values: list[list[str]], k: int,
                 top: int) -> list[list[tuple[str, float]]]:
    """Per cluster, up to ``top`` (value, share) most over-represented in it (share x log lift)."""
    rows = [(c, v) for c, vals in zip(labels, values) if c >= 0 for v in dict.fromkeys(vals)]
    out: list[list[tuple[str, float]]] = [[] for _ in range(k)]
    if not rows:
        return out
    pairs = pd.DataFrame(rows, columns=["c", "v"])
    size = np.bincount(labels[labels >= 0], minlength=k).astype(np.float64)
    counts = pairs.groupby(["c", "v"]).size().rename("count").reset_index()
    df = counts.groupby("v")["count"].transform("sum").to_numpy(np.float64)
    share = counts["count"].to_numpy(np.float64) / size[counts["c"].to_numpy()]
    counts["share"] = share
    counts["score"] = share * np.log(np.maximum(share / (df / size.sum()), 1e-12))
    counts["df"] = df
    min_count = np.where(size[counts["c"].to_numpy()] >= 4, 2, 1)
    counts = counts[(counts["score"] > 0) & (counts["count"] >= min_count)]
    counts = counts.sort_values(["c", "score", "df", "v"], ascending=[True, False, False, True])
    for c, group in counts.groupby("c", sort=True):
        out[int(c)] = list(zip(group["v"].head(top), group["share"].head(top)))
    return out


def name_clusters(catalog: Catalog, labels: np.ndarray, k: int) -> list[str]:
    """'Genre · keyword · person' per cluster, from what is distinctive in each; unique.

    A second genre joins when most of the cluster has it; keywords and people must cover at
    least `MIN_NAME_SHARE` of the cluster, and a keyword that merely repeats a genre is
    skipped; clusters that would share a name get their next keyword.
    """
    frame = catalog.frame
    genres = [as_list(g) for g in frame["genres"]]
    keywords = [[w for w in as_list(kw) if w not in NOISE_KEYWORDS] for kw in frame["keywords"]]
    people = [as_list(c)[:3] + ([d] if isinstance(d, str) else [])
              for c, d in zip(frame["cast"], frame["director"])]
    top_g, top_k, top_p = (_distinctive(labels, values, k, 3)
                           for values in (genres, keywords, people))
    names: list[str] = []
    for c in range(k):
        parts = [g for j, (g, share) in enumerate(top_g[c][:2]) if j == 0 or share >= 0.5]
        words = [w for w, share in top_k[c]
                 if share >= MIN_NAME_SHARE and w.lower() not in {p.lower() for p in parts}]
        person = [p for p, share in top_p[c][:1] if share >= MIN_NAME_SHARE]
        name = " · ".join(parts + words[:1] + person) or f"Cluster {c + 1}"
        if name in names and len(words) > 1:
            name = " · ".join(parts + words[:2] + person)
        n = 2
        while name in names:
            name, n = f"{name.rsplit(' (', 1)[0]} ({n})", n + 1
        names.append(name)
    return names


# --- the model ------------------------------------------------------------------------------
class ClusterRecommender(Recommender):
    """Recommend from the taste clusters of the picks (same / explore / centres)."""

    name: ClassVar[str] = "cluster"
    Config: ClassVar[type] = ClusterConfig

    def __init__(self, config: ClusterConfig | None = None, **overrides):
        super().__init__(config, **overrides)
        self.labels_: np.ndarray | None = None      # cluster per movie, -1 = no vector
        self.selection: dict = {}
        self._x = None                               # full item vectors (ranking)
        self._xt = None
        self._z: np.ndarray | None = None            # reduced unit vectors (clustering)
        self._centres: np.ndarray | None = None      # unit centres in the reduced space
        self._names: list[str] = []
        self._popularity: np.ndarray | None = None

    def _fit(self, dataset: Dataset) -> None:
        x, valid = item_vectors(dataset, self.config)
        if not valid.any():
            raise ValueError(f"no movie has {self.config.vectors} vectors to cluster")
        z = reduce(x, valid, self.config.dims, self.config.seed)
        km, selection = choose_clusters(z[valid], self.config)
        labels = np.full(len(valid), -1, dtype=np.int64)
        labels[valid] = km.labels_
        self._set(x, z, labels, normalize(np.asarray(km.cluster_centers_, np.float32)), selection)
        self._popularity = popularity_if(self.config.popular, dataset.ratings)

    def _set(self, x, z, labels, centres, selection) -> None:
        self._x, self._z, self.labels_, self._centres = x, z, labels, centres
        self._xt = x.T.tocsr() if sp.issparse(x) else None   # term postings: fast scoring
        self.selection = selection
        self._names = name_clusters(self._need().catalog, labels, len(centres))

    def state(self) -> dict[str, np.ndarray]:
        self._need()
        vec = (pack_sparse("vectors", self._x) if sp.issparse(self._x)
               else {"vectors.dense": np.asarray(self._x)})
        return {**vec, "reduced": self._z, "labels": self.labels_, "centres": self._centres,
                "selection": np.asarray(json.dumps(self.selection))}

    def _restore(self, state: dict[str, np.ndarray], dataset: Dataset) -> None:
        x = state["vectors.dense"] if "vectors.dense" in state else unpack_sparse("vectors", state)
        if x.shape[0] != len(dataset.catalog):
            raise ValueError(f"saved cluster vectors cover {x.shape[0]} movies, "
                             f"the catalog has {len(dataset.catalog)}")
        self._set(x, state["reduced"], state["labels"].astype(np.int64), state["centres"],
                  json.loads(str(state["selection"])))
        self._popularity = popularity_if(self.config.popular, dataset.ratings)

    # --- views for the app and the report ---------------------------------------------------
    @property
    def n_clusters(self) -> int:
        self._need()
        return len(self._centres)

    def cluster_names(self) -> list[str]:
        """Readable name of each cluster (index = cluster id in `labels_`)."""
        self._need()
        return list(self._names)

    def reduced_vectors(self) -> np.ndarray:
        """movies x dims unit vectors the clusters live in (e.g. for a 2-D cluster map)."""
        self._need()
        return self._z

    def catalog_map(self, max_movies: int = 4000, progress=None, tag: str = ""):
        """The catalog on a 2-D map coloured by these clusters (`cluster_map.CatalogMap`):
        the best-known ``max_movies`` movies projected from the reduced vectors (t-SNE),
        every other movie placed by its nearest mapped neighbour."""
        from movierec.models.cluster_map import layout

        return layout(self, max_movies, progress or (lambda _m: None), tag)

    def neighbour_clusters(self, cluster: int) -> np.ndarray:
        """Other clusters, nearest centre first."""
        sims = self._centres @ self._centres[cluster]
        order = np.argsort(-sims, kind="stable")
        return order[order != cluster]

    # --- scoring -------------------------------------------------------------------------
    def _pick_clusters(self, profile: Profile) -> tuple[dict[int, float], set[int]]:
        """Liked clusters with their summed preference, and clusters holding only dislikes."""
        pref = profile.preference()
        labels = self.labels_[profile.items]
        liked: dict[int, float] = {}
        for c, p in zip(labels, pref):
            if c >= 0 and p > 0:
                liked[int(c)] = liked.get(int(c), 0.0) + float(p)
        disliked = {int(c) for c, p in zip(labels, pref) if c >= 0 and p < 0} - set(liked)
        return liked, disliked

    def target_clusters(self, profile: Profile) -> set[int]:
        """The clusters this strategy recommends from, for this person."""
        liked, disliked = self._pick_clusters(profile)
        if self.config.strategy != "explore":
            return set(liked)
        targets: set[int] = set()
        for c in sorted(liked, key=lambda c: (-liked[c], c)):
            near = [int(o) for o in self.neighbour_clusters(c)
                    if o not in liked and o not in disliked]
            targets.update(near[: self.config.explore_neighbours])
        return targets or set(liked)

    def score(self, profile: Profile) -> np.ndarray:
        self._need()
        pref = profile.preference()
        liked, _ = self._pick_clusters(profile)
        valid = self.labels_ >= 0
        if not liked:   # no liked pick has a vector: nothing to go on
            return np.full(len(valid), np.nan, dtype=np.float32)
        if self.config.strategy == "centres":
            weights = np.array([liked[c] for c in sorted(liked)], dtype=np.float32)
            base = self._z @ (self._centres[sorted(liked)].T @ weights) / weights.sum()
            neg = pref < 0
            if neg.any():
                base -= weighted_similarity(self._x, profile.items[neg], -pref[neg], self._xt)
        else:
            base = weighted_similarity(self._x, profile.items, pref, self._xt)
        inside = np.isin(self.labels_, list(self.target_clusters(profile)))
        step = 2.0 * (float(np.abs(pref).sum()) + 1.0) + 1.0   # > any |base| difference
        if self.config.popular:
            base = np.where(valid, base, np.nan)
            base = lean_on_popularity(base, self._popularity, self.config.popular)
            finite = base[np.isfinite(base)]
            step = float(finite.max() - finite.min()) + 1.0 if len(finite) else 1.0
        scores = np.where(inside, base, base - step).astype(np.float32)
        scores[~valid] = np.nan
        return scores

    def explain(self, profile: Profile, items: np.ndarray, scores: np.ndarray) -> list[str]:
        catalog = self._need().catalog
        contrib = pick_contributions(self._x, profile, items)
        targets = self.target_clusters(profile)
        pick_labels = self.labels_[profile.items]
        reasons = []
        for row, item in enumerate(items):
            c = int(self.labels_[item])
            share = np.where(np.isfinite(contrib[row]), contrib[row], -np.inf)
            same = pick_labels == c   # prefer naming a pick from the movie's own cluster
            best = int(np.argmax(np.where(same, share, -np.inf) if (same & (share > 0)).any()
                                 else share))
            pick, sim = catalog.label(int(profile.items[best])), float(contrib[row, best])
            name = self._names[c]
            if c not in targets:
                reasons.append(f"Close to {pick} (similarity {sim:.2f}), from the '{name}' cluster")
            elif self.config.strategy == "explore":
                home = next((self._names[int(p)] for p in self.neighbour_clusters(c)
                             if int(p) in set(pick_labels.tolist())), None)
                near = f", next to your '{home}' cluster" if home else ""
                reasons.append(f"Something different: the '{name}' cluster{near}; "
                               f"closest to {pick} (similarity {sim:.2f})")
            elif self.config.strategy == "centres":
                reasons.append(f"Typical of the '{name}' cluster, like {pick}")
            else:
                reasons.append(f"In the '{name}' cluster with {pick} (similarity {sim:.2f})")
        return reasons
