"""Catalog map: every movie gets a position, the cache is fingerprint-keyed, hover text escaped."""

from __future__ import annotations

import json

import numpy as np
import pytest

from movierec.app import catalog_map as cm
from movierec.models import cluster_map
from movierec.service import maps
from movierec.data.catalog import Catalog
from movierec.data.dataset import Dataset
from movierec.synthetic import block_dataset

EVIL = '<img src=x onerror="alert(1)">'


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    path = tmp_path_factory.mktemp("map-home")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MOVIEREC_HOME", str(path))
        maps._memo.clear()
        cm._hover_memo.clear()
        yield path
    maps._memo.clear()
    cm._hover_memo.clear()


@pytest.fixture(scope="module")
def data():
    ds = block_dataset(movies_per_block=20, cold_per_block=2, seed=0)
    frame = ds.catalog.frame.copy()
    frame.at[3, "title"] = EVIL
    frame.at[3, "genres"] = ["Animation", "<script>x</script>"]
    return Dataset(ds.name, Catalog(frame), ds.ratings, ds.fingerprint, ds.manifest)


@pytest.fixture(scope="module")
def built(home, data):
    return maps.build_map(data, max_movies=30, progress=lambda _m: None)


def test_every_movie_has_a_position_and_a_cluster(built, data):
    n = len(data.catalog)
    assert built.xy.shape == (n, 2) and np.isfinite(built.xy).all()
    assert len(built.indices) == 30 and len(set(built.indices.tolist())) == 30
    assert built.labels.shape == (n,) and built.labels.max() < len(built.names)
    k = maps.map_cluster_count(n)
    assert len(built.names) == k == 5
    assert built.meta["method"] == "tsne" and built.meta["clusters"] == f"cluster-k{k}"
    assert np.abs(built.xy[built.indices]).max() == pytest.approx(1.0)


def test_subset_is_the_best_known_movies(built, data):
    pop = data.catalog.popularity()
    outside = np.setdiff1d(np.arange(len(data.catalog)), built.indices)
    assert pop[built.indices].min() >= pop[outside].max()


def test_unmapped_movies_sit_next_to_a_similar_mapped_movie(built, data):
    blocks = np.array(data.manifest["blocks"])
    mapped = built.indices
    for m in np.setdiff1d(np.arange(len(data.catalog)), mapped):
        dist = np.linalg.norm(built.xy[mapped] - built.xy[m], axis=1)
        nearest = mapped[np.argmin(dist)]
        assert dist.min() < 0.08                       # neighbour's position + small jitter
        assert blocks[nearest] == blocks[m]            # ... and that neighbour is alike


def test_the_two_taste_blocks_land_apart(built, data):
    blocks = np.array(data.manifest["blocks"])
    xy = built.xy[built.indices]
    b = blocks[built.indices]
    gap = np.linalg.norm(xy[b == 0].mean(axis=0) - xy[b == 1].mean(axis=0))
    spread = max(np.linalg.norm(xy[b == k] - xy[b == k].mean(axis=0), axis=1).mean()
                 for k in (0, 1))
    assert gap > 2 * spread


def test_cached_on_disk_without_pickle_and_keyed_by_fingerprint(built, data, home):
    files = sorted(p.name for p in (home / "app" / "maps").iterdir())
    stem = f"{data.name}-{data.fingerprint[:12]}-cluster-k5-30-v{maps.MAP_VERSION}"
    assert files == [f"{stem}.json", f"{stem}.npz"]
    meta = json.loads((home / "app" / "maps" / f"{stem}.json").read_text())
    assert meta["fingerprint"] == data.fingerprint and meta["names"] == built.names
    maps._memo.clear()
    again = maps.build_map(data, max_movies=30, progress=lambda m: pytest.fail(f"rebuilt: {m}"))
    np.testing.assert_array_equal(again.xy, built.xy)
    np.testing.assert_array_equal(again.indices, built.indices)
    other = Dataset(data.name, data.catalog, data.ratings, "f" * 64, data.manifest)
    assert maps.load_map(stem, other) is None            # other data: never reused


def test_figure_highlights_picks_and_recommendations(built, data):
    fig = cm.map_figure(built, data.catalog, picks=[0, 1, 2], recommended=[5, 6, 0, 30])
    traces = {t.name: t for t in fig.data}
    picks, recs = traces["Your picks"], traces["Recommended"]
    np.testing.assert_allclose(np.c_[picks.x, picks.y], built.xy[[0, 1, 2]])
    np.testing.assert_allclose(np.c_[recs.x, recs.y], built.xy[[5, 6, 30]])  # pick 0 not repeated
    assert picks.marker.symbol == "star" and recs.marker.symbol == "diamond"
    assert list(recs.text) == ["1", "2", "3"]
    assert all(t.hovertext for t in fig.data)
    names = {t.name for t in fig.data} - {"Your picks", "Recommended"}
    assert names == {html_escape(n) for n in built.names if (built.labels[built.indices] ==
                                                              built.names.index(n)).any()}


def html_escape(text: str) -> str:
    import html

    return html.escape(text)


def test_malicious_titles_and_genres_are_escaped(built, data):
    fig = cm.map_figure(built, data.catalog, picks=[3, 4, 5], recommended=[3, 25])
    payload = json.dumps(fig.to_plotly_json())
    assert "<img" not in payload and "<script" not in payload
    hover = [h for t in fig.data for h in (t.hovertext or ())]
    assert any("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in h for h in hover)
    assert any("&lt;script&gt;x&lt;/script&gt;" in h for h in hover)
    pick_labels = [t for t in fig.data if t.name == "Your picks"][0].text
    assert pick_labels[0].startswith("&lt;img")


def test_many_clusters_get_one_shared_trace_and_named_pick_clusters(data):
    n = len(data.catalog)
    k = cm.LEGEND_LIMIT + 10
    labels = np.arange(n) % k
    names = [f"<b>cluster {c}</b>" for c in range(k)]
    xy = np.random.default_rng(0).uniform(-1, 1, (n, 2)).astype(np.float32)
    cmap = cluster_map.CatalogMap(data.name, data.fingerprint, np.arange(n), xy, labels, names)
    fig = cm.map_figure(cmap, data.catalog, picks=[1, 2, 3], recommended=[4])
    legend = [t.name for t in fig.data]
    assert legend[0] == f"{k - 4} other clusters"
    assert legend[1:5] == [f"&lt;b&gt;cluster {c}&lt;/b&gt;" for c in (1, 2, 3, 4)]
    assert cm.featured_clusters(cmap, []) != []        # no picks yet: the largest clusters


def test_bad_input_is_refused(built, data):
    with pytest.raises(ValueError, match="outside the catalog"):
        cm.map_figure(built, data.catalog, picks=[len(data.catalog)])
    small = Catalog(data.catalog.frame.iloc[:10].reset_index(drop=True))
    with pytest.raises(ValueError, match="covers"):
        cm.map_figure(built, small)
    with pytest.raises(ValueError, match="max_movies"):
        maps.build_map(data, max_movies=0)


def test_projection_of_tiny_inputs():
    xy, method = cluster_map.project(np.eye(3, 4, dtype=np.float32))
    assert method == "pca" and xy.shape == (3, 2) and np.isfinite(xy).all()
    assert cluster_map.project(np.zeros((0, 4), np.float32))[0].shape == (0, 2)
