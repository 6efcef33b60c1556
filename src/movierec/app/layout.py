"""`build_app(service)`: the Gradio page -- Recommend, Explore, Evaluation and About tabs.

Only the page's skeleton and its script endpoints live here; each tab is built by its own
function (`recommend_tab`, `tabs`), every decision is the service's (`handlers` and `api`
translate) and every string from data is escaped by `views`.

Gradio 6 takes the theme and CSS in ``launch()``; `MovierecBlocks.launch` supplies ours (and
the poster folder in ``allowed_paths``) unless the caller passes its own.
"""

from __future__ import annotations

from typing import Any

import gradio as gr
from gradio.route_utils import FnIndexInferError

from movierec.app import api, tabs
from movierec.app.context import AppService
from movierec.app.recommend_tab import recommend_tab
from movierec.app.style import CSS, THEME
from movierec.service import method_choices

API_CONCURRENCY = 8    # script/load-test calls of one endpoint running at once
TAGLINE = ("Name three or more movies you love (typos are fine). Get movies to watch next, "
           "each with a reason. 👍 and 👎 steer the list.")


class MovierecBlocks(gr.Blocks):
    """A `gr.Blocks` whose `launch` defaults to movierec's theme, CSS and poster folder, and
    whose script endpoints answer every request with JSON: a missing argument reaches the
    endpoint as None (which names it), an unknown endpoint is a 404 with an error object."""

    def launch(self, *args: Any, **kwargs: Any):  # noqa: D401 - same contract as Blocks.launch
        from movierec.app.posters import poster_dir

        kwargs.setdefault("theme", THEME)
        kwargs.setdefault("css", CSS)
        allowed = list(kwargs.get("allowed_paths") or [])
        kwargs["allowed_paths"] = allowed + [str(poster_dir())]
        app_kwargs = dict(kwargs.get("app_kwargs") or {})
        handlers = dict(app_kwargs.get("exception_handlers") or {})
        handlers.setdefault(FnIndexInferError, _unknown_endpoint)
        kwargs["app_kwargs"] = {**app_kwargs, "exception_handlers": handlers}
        return super().launch(*args, **kwargs)

    def validate_inputs(self, block_fn, inputs: list[Any]) -> None:
        if block_fn.api_name in api.ENDPOINTS and len(inputs) < len(block_fn.inputs):
            inputs.extend([None] * (len(block_fn.inputs) - len(inputs)))
        super().validate_inputs(block_fn, inputs)


def _unknown_endpoint(request, exc):
    from fastapi.responses import JSONResponse

    names = ", ".join(f"/{name}" for name in api.ENDPOINTS)
    return JSONResponse({"error": {"code": "not_found", "message": "no such endpoint; the "
                                   f"endpoints are {names}", "suggestions": list(api.ENDPOINTS)}},
                        status_code=404)


def build_app(service: AppService) -> gr.Blocks:
    """The whole app over one `AppService` (shared by every visitor)."""
    from movierec.app.posters import poster_dir

    gr.set_static_paths([str(poster_dir())])   # placeholder cards served as-is, not copied
    with MovierecBlocks(title="movierec: movies you'll love next", fill_width=True) as demo:
        gr.HTML(f'<header class="mr-hero"><h1>🎬 movierec</h1><p>{TAGLINE}</p></header>')
        with gr.Tabs():
            page = recommend_tab(service)
            tabs.together_tab(service)
            tabs.explore_tab(service, page.picks, page.shown)
            tabs.evaluation_tab()
            tabs.about_tab([c.name for c in method_choices()])
        # each page gets a session token from the server (its thumbs are stored under it)
        demo.load(service.sessions.issue, None, page.session, api_visibility="private")
        _endpoints(service)
    return demo


def _endpoints(service: AppService) -> None:
    """The stable script endpoints (the only ones on the API page)."""
    def recommend_api(picks: str, method: str = "", k: int = 10, diversity: float = 0.0) -> dict:
        """Picks text (one title per line; 'Title=4.5' rates; '-Title' dislikes; 'tmdb:603');
        diversity 0..1 (0: the method's own list)."""
        return api.recommend_api(service, picks, method, k, diversity)

    def feedback_api(picks: str, method: str, k: int, movie: int, liked: bool,
                     session: str, reaction: str = "") -> dict:
        """Store a reaction to movie (catalog index): liked true/false, or reaction liked /
        disliked / seen / not_interested; answer refreshed recommendations."""
        return api.feedback_api(service, picks, method, k, movie, liked, session, reaction)

    def search_api(query: str) -> list[dict]:
        """Search-as-you-type suggestions for a partly typed title."""
        return api.search_api(service, query)

    def import_api(history: dict | str, picks: str = "", method: str = "",
                   k: int = 10) -> dict:
        """An export (upload it with gradio_client.handle_file, or send its text) and
        optional picks; the answer reports how every row was matched."""
        return api.import_api(service, history, picks, method, k)

    def together_api(members: str, method: str = "", k: int = 10,
                     strategy: str = "fair") -> dict:
        """One person per line, 'Name: title; title; title'; strategy fair, average or
        least_misery."""
        return api.together_api(service, members, method, k, strategy)

    def mood_api(mood: str, picks: str = "", method: str = "", k: int = 10) -> dict:
        """A mood in words ('slow-burn 70s paranoia thriller'), and optional picks."""
        return api.mood_api(service, mood, picks, method, k)

    for fn in (recommend_api, feedback_api, search_api, import_api, together_api, mood_api):
        gr.api(fn, api_name=fn.__name__, concurrency_limit=API_CONCURRENCY)
