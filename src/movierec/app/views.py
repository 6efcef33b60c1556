"""HTML fragments the app shows: every string from data or a person is escaped here.

Titles, overviews, explanations and typed text can hold anything (``<script>``, ``<img
onerror=...>``, markdown links); they only ever reach the page through `esc`, and links are
built from validated ids, never from free text. Gallery captions and table cells are plain
text in Gradio (rendered as text nodes), so they are passed through unescaped.
"""

from __future__ import annotations

import html
import re
from typing import Iterable

OVERVIEW_CHARS = 420
_IMDB_ID = re.compile(r"^tt\d{5,10}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

FEEL_ICONS = {"love": "❤️", "like": "👍", "dislike": "👎"}
REACTION_ICONS = {"liked": "👍", "disliked": "👎", "seen": "👁", "not_interested": "🚫"}
MESSAGE_KINDS = ("info", "ok", "warn", "error")


def esc(value: object) -> str:
    """HTML-escaped text (quotes too, so it is safe inside attributes); None -> ''."""
    if value is None:
        return ""
    if isinstance(value, float) and value != value:
        return ""
    return html.escape(_CONTROL.sub("", str(value)), quote=True)


def shorten(text: object, limit: int) -> str:
    """Text cut at a word boundary with an ellipsis when longer than ``limit`` characters."""
    value = "" if text is None or (isinstance(text, float) and text != text) else str(text)
    value = " ".join(value.split())
    if len(value) <= limit:
        return value
    cut = value[:limit].rsplit(" ", 1)[0] or value[:limit]
    return cut.rstrip(" ,;:.") + "…"


def feel_text(feel: str) -> str:
    """'❤️' / '👍' / '👎' / '★ 4.5' for a pick's feeling."""
    if feel in FEEL_ICONS:
        return FEEL_ICONS[feel]
    return f"★ {feel}"


def message_html(text: str, kind: str = "info") -> str:
    """A status line (escaped); ``kind`` picks the colour."""
    if not text:
        return ""
    kind = kind if kind in MESSAGE_KINDS else "info"
    lines = "<br>".join(esc(line) for line in str(text).splitlines() if line.strip())
    return f'<div class="mr-msg mr-{kind}" role="status">{lines}</div>'


def picks_html(picks: Iterable[dict], feedback: Iterable[dict] = ()) -> str:
    """The picks as chips ('❤️ Heat (1995)'), plus the reactions given so far."""
    picks = list(picks)
    feedback = list(feedback)
    if not picks:
        return ('<div class="mr-picks mr-empty">No picks yet: search for a movie you love, '
                'try an example, or rate some popular movies.</div>')
    chips = "".join(f'<span class="mr-chip mr-{p["feel"] if p["feel"] in FEEL_ICONS else "rated"}">'
                    f'{esc(feel_text(p["feel"]))} {esc(p["label"])}</span>' for p in picks)
    extra = ""
    if feedback:
        marks = "".join(f'<span class="mr-chip mr-{_reaction(f)}">'
                        f'{REACTION_ICONS[_reaction(f)]} {esc(f.get("label", ""))}</span>'
                        for f in feedback)
        extra = (f'<div class="mr-feedback-chips"><span class="mr-note">Your reactions:</span> '
                 f'{marks}</div>')
    need = max(0, 3 - len(picks))
    hint = (f'<div class="mr-note">Add {need} more to get recommendations.</div>' if need else "")
    return f'<div class="mr-picks">{chips}</div>{extra}{hint}'


def _reaction(thumb: dict) -> str:
    """A page thumb's reaction name (older pages kept ``liked`` only)."""
    said = thumb.get("reaction")
    if said in REACTION_ICONS:
        return said
    return "liked" if thumb.get("liked") else "disliked"


def _links(record: dict) -> str:
    links = []
    tmdb = record.get("tmdb_id")
    if isinstance(tmdb, int) and tmdb > 0:
        links.append(f'<a href="https://www.themoviedb.org/movie/{tmdb}" target="_blank" '
                     f'rel="noopener noreferrer">TMDb</a>')
    imdb = record.get("imdb_id")
    if isinstance(imdb, str) and _IMDB_ID.match(imdb):
        links.append(f'<a href="https://www.imdb.com/title/{imdb}/" target="_blank" '
                     f'rel="noopener noreferrer">IMDb</a>')
    return " · ".join(links)


def details_html(record: dict, explanation: str = "", rank: int | None = None,
                 score: float | None = None) -> str:
    """The details panel of one movie: title, year, genres, why, overview, people, links."""
    title = esc(record.get("title") or "Untitled")
    year = record.get("year")
    year_html = f' <span class="mr-year">({esc(year)})</span>' if year is not None else ""
    head = f'<span class="mr-rank">#{int(rank)}</span> ' if rank is not None else ""
    parts = [f'<h3 class="mr-title">{head}{title}{year_html}</h3>']
    genres = record.get("genres") or []
    if genres:
        parts.append('<div class="mr-genres">' + "".join(
            f'<span class="mr-tag">{esc(g)}</span>' for g in genres) + "</div>")
    if explanation:
        parts.append(f'<p class="mr-why"><b>Why:</b> {esc(explanation)}</p>')
    overview = shorten(record.get("overview"), OVERVIEW_CHARS)
    if overview:
        parts.append(f'<p class="mr-overview">{esc(overview)}</p>')
    people = []
    if record.get("director"):
        people.append(f"Directed by {esc(record['director'])}")
    cast = record.get("cast") or []
    if cast:
        people.append("with " + esc(", ".join(list(cast)[:4])))
    votes, average = record.get("vote_count"), record.get("vote_average")
    if isinstance(votes, (int, float)) and votes and isinstance(average, (int, float)):
        people.append(f"TMDb {float(average):.1f}/10 ({int(votes):,} votes)")
    if people:
        parts.append(f'<p class="mr-people">{" · ".join(people)}</p>')
    links = _links(record)
    if links:
        parts.append(f'<p class="mr-links">{links}</p>')
    if score is not None:
        parts.append(f'<p class="mr-note">score {float(score):.3g}</p>')
    return '<div class="mr-details">' + "".join(parts) + "</div>"


def empty_details_html() -> str:
    return ('<div class="mr-details mr-empty">Click a poster to see why it is recommended, '
            'then tell movierec 👍 or 👎.</div>')


def evaluation_meta_html(meta: dict, best: dict | None = None) -> str:
    """A short description of one evaluation run (dataset, protocol, date, best model)."""
    rows = []
    if meta.get("published"):
        rows.append("<li><b>source</b>: published with movierec (the numbers of "
                    "docs/REPORT.md, by <code>movierec report --run</code>); runs of your "
                    "own (<code>movierec evaluate</code>) are listed first</li>")
    for key in ("dataset", "tag", "protocol", "people", "main_metric", "k", "seed", "date"):
        value = meta.get(key)
        if value not in (None, "") and not (key == "protocol" and meta.get("tag")):
            rows.append(f"<li><b>{esc(key.replace('_', ' '))}</b>: {esc(value)}</li>")
    best = best or {}
    if best.get("ours"):
        rows.append(f"<li><b>best of movierec</b>: {esc(best['ours'])}</li>")
    if best.get("peer"):
        rows.append(f"<li><b>best peer</b>: {esc(best['peer'])}</li>")
    for note in meta.get("notes") or []:
        rows.append(f"<li>{esc(note)}</li>")
    return '<ul class="mr-meta">' + "".join(rows) + "</ul>"
