"""Drawing the catalog map: clusters as coloured points, picks as stars, results as diamonds.

The map is computed by the cluster model and cached by the service
(`movierec.service.maps.build_map`); this module only turns it into a plotly figure. One
legend entry per cluster when there are few; else legend entries only for the clusters of
the picks and recommendations, the rest sharing one trace. Every string from the data is
HTML-escaped before plotly sees it (plotly renders a subset of HTML in hover text, legend
entries and labels).
"""

from __future__ import annotations

import html
from typing import Sequence

import numpy as np

from movierec.data.catalog import Catalog, as_list
from movierec.models.cluster_map import CatalogMap

LEGEND_LIMIT = 30            # more clusters than this: no per-cluster legend entries


def _palette(k: int) -> list[str]:
    import plotly.colors as pc

    colours = pc.qualitative.Dark24 + pc.qualitative.Light24 + pc.qualitative.Alphabet
    return [colours[i % len(colours)] for i in range(k)]


def hover_text(catalog: Catalog, cmap: CatalogMap, movies: Sequence[int]) -> list[str]:
    """'<b>Title (year)</b><br>genres<br>cluster' per movie, every data string escaped."""
    labels = catalog.labels
    genres = catalog.frame["genres"].to_numpy(dtype=object)
    out = []
    for m in movies:
        m = int(m)
        g = ", ".join(as_list(genres[m])[:4]) or "no genres"
        out.append(f"<b>{html.escape(labels[m])}</b><br>{html.escape(g)}"
                   f"<br><i>{html.escape(cmap.name_of(m))}</i>")
    return out


_hover_memo: dict[tuple, list[str]] = {}


def _background_hover(catalog: Catalog, cmap: CatalogMap) -> list[str]:
    """Hover text of the background points, computed once per map."""
    key = (cmap.dataset, cmap.fingerprint, cmap.meta.get("clusters"), len(cmap.indices))
    if key not in _hover_memo:
        _hover_memo[key] = hover_text(catalog, cmap, cmap.indices)
    return _hover_memo[key]


def _discrete_scale(colours: list[str]) -> list[list]:
    """A plotly colorscale mapping integer ``c`` (cmin=0, cmax=k-1) to ``colours[c]``."""
    k = len(colours)
    if k == 1:
        return [[0.0, colours[0]], [1.0, colours[0]]]
    scale = []
    for c, colour in enumerate(colours):
        scale += [[c / k, colour], [(c + 1) / k, colour]]
    return scale


def _valid_movies(values: Sequence[int], n: int) -> list[int]:
    out = []
    for v in values:
        i = int(v)
        if not 0 <= i < n:
            raise ValueError(f"movie index {i} is outside the catalog (0..{n - 1})")
        if i not in out:
            out.append(i)
    return out


def featured_clusters(cmap: CatalogMap, movies: Sequence[int], limit: int = 12) -> list[int]:
    """Clusters that get their own colour and legend entry: all of them when few, else the
    clusters of ``movies`` (picks, then recommendations), else the largest ones."""
    k = len(cmap.names)
    if k <= LEGEND_LIMIT:
        return list(range(k))
    chosen = list(dict.fromkeys(int(cmap.labels[m]) for m in movies if cmap.labels[m] >= 0))
    if not chosen:
        shown = cmap.labels[cmap.indices]
        sizes = np.bincount(shown[shown >= 0], minlength=k)
        chosen = [int(c) for c in np.argsort(-sizes, kind="stable")[:10] if sizes[c] > 0]
    return chosen[:limit]


def map_figure(cmap: CatalogMap, catalog: Catalog, picks: Sequence[int] = (),
               recommended: Sequence[int] = ()):
    """A plotly figure of the map with the picks (stars) and recommendations (diamonds)."""
    import plotly.graph_objects as go

    if len(catalog) != cmap.n_movies:
        raise ValueError(f"the map covers {cmap.n_movies} movies, the catalog has {len(catalog)}")
    picks = _valid_movies(picks, cmap.n_movies)
    recommended = [m for m in _valid_movies(recommended, cmap.n_movies) if m not in picks]
    colours = _palette(len(cmap.names))
    shown = cmap.indices
    shown_labels = cmap.labels[shown]
    hover = np.asarray(_background_hover(catalog, cmap), dtype=object)
    featured = featured_clusters(cmap, picks + recommended)
    marker = dict(size=5, line=dict(width=0))
    fig = go.Figure()
    rest = np.flatnonzero(~np.isin(shown_labels, featured))
    if len(rest):   # one trace, colour = cluster id through a stepwise scale (fast to validate)
        grey = len(colours)
        others = len(set(shown_labels[rest].tolist()) - {-1})
        fig.add_trace(go.Scatter(
            x=cmap.xy[shown[rest], 0], y=cmap.xy[shown[rest], 1], mode="markers",
            name=f"{others} other clusters" if featured else f"{others} clusters",
            marker={**marker, "opacity": 0.35 if featured else 0.6,
                    "color": np.where(shown_labels[rest] >= 0, shown_labels[rest], grey),
                    "colorscale": _discrete_scale(colours + ["#b0b0b0"]),
                    "cmin": -0.5, "cmax": grey + 0.5, "showscale": False},
            hovertext=hover[rest].tolist(), hoverinfo="text"))
    for c in featured:
        rows = np.flatnonzero(shown_labels == c)
        if len(rows) == 0:
            continue
        fig.add_trace(go.Scatter(
            x=cmap.xy[shown[rows], 0], y=cmap.xy[shown[rows], 1], mode="markers",
            name=html.escape(cmap.names[c]),
            marker={**marker, "size": 6, "opacity": 0.75, "color": colours[c]},
            hovertext=hover[rows].tolist(), hoverinfo="text"))
    _add_highlights(fig, cmap, catalog, picks, recommended)
    title = f"{html.escape(cmap.dataset)}: the {len(shown):,} best-known movies by taste cluster"
    fig.update_layout(
        title=dict(text=title, x=0.01, font=dict(size=15)), template="plotly_white",
        hovermode="closest", height=620, margin=dict(l=10, r=10, t=45, b=10), dragmode="pan",
        legend=dict(itemsizing="constant", font=dict(size=11), traceorder="reversed"),
        xaxis=dict(visible=False), yaxis=dict(visible=False, scaleanchor="x"))
    return fig


def _add_highlights(fig, cmap: CatalogMap, catalog: Catalog, picks: list[int],
                    recommended: list[int]) -> None:
    """Recommendations as numbered diamonds, picks as labelled stars (drawn last: on top)."""
    import plotly.graph_objects as go

    def short(m: int) -> str:
        title = catalog.title(m)
        return html.escape(title if len(title) <= 24 else title[:23] + "…")

    if recommended:
        fig.add_trace(go.Scatter(
            x=cmap.xy[recommended, 0], y=cmap.xy[recommended, 1], mode="markers+text",
            name="Recommended", text=[str(r) for r in range(1, len(recommended) + 1)],
            textposition="middle right", textfont=dict(size=11, color="#1f4e79"),
            marker=dict(symbol="diamond", size=12, color="#ffd23f",
                        line=dict(width=1.5, color="#1f4e79")),
            hovertext=[f"Recommendation {r}<br>{h}" for r, h in
                       enumerate(hover_text(catalog, cmap, recommended), 1)],
            hoverinfo="text"))
    if picks:
        fig.add_trace(go.Scatter(
            x=cmap.xy[picks, 0], y=cmap.xy[picks, 1], mode="markers+text", name="Your picks",
            text=[short(m) for m in picks], textposition="bottom center",
            textfont=dict(size=12, color="#8b0000"),
            marker=dict(symbol="star", size=18, color="#e63946",
                        line=dict(width=1.5, color="white")),
            hovertext=[f"Your pick<br>{h}" for h in hover_text(catalog, cmap, picks)],
            hoverinfo="text"))
