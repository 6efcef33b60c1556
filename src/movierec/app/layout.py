"""`build_app(service)`: the Gradio page -- Recommend, Explore, Evaluation and About tabs.

Only wiring lives here: every decision is a function in `handlers` (picks, recommend,
thumbs), `api` (script endpoints) or `views` (escaped HTML), so it can be tested without a
browser. Per-person state (picks, thumbs, what is shown) is kept in ``gr.State``; the
service with the dataset and models is shared by everyone.

Gradio 6 takes the theme and CSS in ``launch()``; `MovierecBlocks.launch` supplies ours (and
the poster folder in ``allowed_paths``) unless the caller passes its own.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import gradio as gr

from movierec.app import api, handlers, tabs
from movierec.app.handlers import Controls
from movierec.app.service import AppService, method_choices
from movierec.app.style import CSS, THEME
from movierec.app.views import empty_details_html, message_html, picks_html

CONCURRENCY = 4        # UI events of one kind running at once
API_CONCURRENCY = 8    # script/load-test calls of one endpoint running at once
TAGLINE = ("Name three or more movies you love (typos are fine). Get movies to watch next, "
           "each with a reason. 👍 and 👎 steer the list.")


class MovierecBlocks(gr.Blocks):
    """A `gr.Blocks` whose `launch` defaults to movierec's theme, CSS and poster folder."""

    def launch(self, *args: Any, **kwargs: Any):  # noqa: D401 - same contract as Blocks.launch
        from movierec.app.posters import poster_dir

        kwargs.setdefault("theme", THEME)
        kwargs.setdefault("css", CSS)
        allowed = list(kwargs.get("allowed_paths") or [])
        kwargs["allowed_paths"] = allowed + [str(poster_dir())]
        return super().launch(*args, **kwargs)


def _message(results: handlers.Results) -> str:
    return message_html(results.message, results.kind)


def build_app(service: AppService) -> gr.Blocks:
    """The whole app over one `AppService` (shared by every visitor)."""
    from movierec.app.posters import poster_dir

    gr.set_static_paths([str(poster_dir())])   # placeholder cards served as-is, not copied
    choices = method_choices()
    keys = [c.key for c in choices]
    default_method = service.default_method if service.default_method in keys else keys[0]
    low, high = service.year_span()
    languages = [("any language", "any")] + [(f"{code} ({n:,} movies)", code)
                                             for code, n in service.languages()]
    genres = service.genres()

    with MovierecBlocks(title="movierec: movies you'll love next", fill_width=True) as demo:
        picks = gr.State([])        # list of pick dicts
        thumbs = gr.State([])       # list of {"index", "label", "liked"}
        shown = gr.State([])        # ResultItem dicts currently in the gallery
        selected = gr.State(None)   # position in `shown` of the clicked poster
        sample = gr.State([])       # onboarding cards
        sample_pos = gr.State(None)

        gr.HTML(f'<header class="mr-hero"><h1>🎬 movierec</h1><p>{TAGLINE}</p></header>')
        with gr.Tabs():
            # ------------------------------------------------------------ Recommend
            with gr.Tab("Recommend", id="recommend"):
                with gr.Row(equal_height=False, elem_classes="mr-main"):
                    with gr.Column(scale=2, min_width=300, elem_classes="mr-side"):
                        gr.HTML('<h2 class="mr-h2">Your picks</h2>')
                        search = gr.Textbox(label="Add a movie you love",
                                            placeholder="Type a title, e.g. toy story",
                                            max_lines=1, max_length=handlers.MAX_QUERY,
                                            elem_id="mr-search", autofocus=True)
                        suggestions = gr.Radio(choices=[], label="Did you mean", visible=False,
                                               elem_id="mr-suggestions")
                        feel = gr.Dropdown(list(handlers.FEEL_CHOICES), value="love",
                                           label="How you feel about it (or your stars)",
                                           elem_id="mr-feel")
                        pick_msg = gr.HTML(elem_id="mr-pick-msg")
                        picks_view = gr.HTML(picks_html([]), elem_id="mr-picks")

                        @gr.render(inputs=picks)
                        def edit_picks(current: list[dict]):
                            if not current:
                                return
                            with gr.Accordion("Edit picks: stars, like, remove", open=False,
                                              elem_id="mr-edit", key="mr-edit",
                                              preserved_by_key="open"):
                                for p in current:
                                    with gr.Row(elem_classes="mr-edit-row"):
                                        gr.HTML(f'<span class="mr-edit-label">'
                                                f'{handlers_label(p)}</span>', min_width=140)
                                        how = gr.Dropdown(list(handlers.FEEL_CHOICES),
                                                          value=p["feel"], show_label=False,
                                                          min_width=120, key=f"feel-{p['index']}",
                                                          preserved_by_key=[])
                                        drop = gr.Button("✕", size="sm", min_width=40,
                                                         variant="secondary",
                                                         key=f"drop-{p['index']}")
                                        how.input(partial(_set_feel, p["index"]), [picks, how],
                                                  picks, api_visibility="private")
                                        drop.click(partial(_remove, p["index"]), picks, picks,
                                                   api_visibility="private")

                        with gr.Row(elem_classes="mr-examples"):
                            example_buttons = [gr.Button(name, size="sm", variant="secondary",
                                                         elem_classes="mr-example")
                                               for name in service.usable_examples()]
                            clear = gr.Button("Clear", size="sm", variant="stop",
                                              elem_id="mr-clear")
                        with gr.Accordion("Not sure? Rate some popular movies", open=False,
                                          elem_id="mr-onboard") as onboard:
                            sample_gallery = gr.Gallery(columns=4, height="auto",
                                                        allow_preview=False, show_label=False,
                                                        object_fit="cover", buttons=[],
                                                        elem_id="mr-sample")
                            with gr.Row():
                                love_b = gr.Button("❤️ Love", size="sm")
                                like_b = gr.Button("👍 Like", size="sm")
                                dislike_b = gr.Button("👎 Dislike", size="sm")
                                shuffle = gr.Button("🔀 Others", size="sm", variant="secondary")
                        with gr.Accordion("Options", open=False, elem_id="mr-options"):
                            method = gr.Dropdown([(_method_label(service, c), c.key)
                                                  for c in choices],
                                                 value=default_method, label="Method",
                                                 elem_id="mr-method")
                            k = gr.Slider(4, handlers.MAX_K, value=handlers.DEFAULT_K, step=1,
                                          label="How many movies", elem_id="mr-k")
                            era = gr.Radio([("any time", "any"), ("new (last 10 years)", "new"),
                                            ("old (30+ years ago)", "old")], value="any",
                                           label="Era")
                            with gr.Row():
                                year_from = gr.Number(None, label="From year", precision=0,
                                                      minimum=low, maximum=high, min_width=100)
                                year_to = gr.Number(None, label="To year", precision=0,
                                                    minimum=low, maximum=high, min_width=100)
                            genres_in = gr.Dropdown(genres, multiselect=True,
                                                    label="Only these genres")
                            genres_out = gr.Dropdown(genres, multiselect=True,
                                                     label="No movies of these genres")
                            language = gr.Dropdown(languages, value="any",
                                                   label="Original language")
                            min_votes = gr.Slider(0, 2000, value=0, step=10,
                                                  label="At least this many votes")
                        go = gr.Button("Recommend", variant="primary", size="lg", elem_id="mr-go")

                    with gr.Column(scale=3, min_width=300, elem_classes="mr-results-col"):
                        result_msg = gr.HTML(message_html(
                            "Your recommendations appear here once you have 3 picks."),
                            elem_id="mr-result-msg")
                        gallery = gr.Gallery(columns=4, height="auto", allow_preview=False,
                                             show_label=False, object_fit="cover", buttons=[],
                                             elem_id="mr-results")
                        with gr.Group(elem_id="mr-detail-box"):
                            detail = gr.HTML(empty_details_html(), elem_id="mr-details")
                            with gr.Row(elem_classes="mr-thumbs"):
                                up = gr.Button("👍 More like this", elem_id="mr-up", size="sm")
                                down = gr.Button("👎 Not for me", elem_id="mr-down", size="sm")
                        with gr.Accordion("As a table", open=False):
                            table = gr.Dataframe(headers=handlers.TABLE_HEADERS,
                                                 datatype=["number", "str", "str", "str", "number"],
                                                 interactive=False, wrap=True, elem_id="mr-table")

            # ------------------------------------------------------------ other tabs
            tabs.explore_tab(service, picks, shown)
            tabs.evaluation_tab(service)
            tabs.about_tab([c.name for c in choices])

        controls = [method, k, era, year_from, year_to, genres_in, genres_out, language, min_votes]
        outputs = [gallery, table, result_msg, shown, selected, detail]

        def show(results: handlers.Results):
            return (results.gallery(), results.table(), _message(results), results.shown(),
                    None, empty_details_html())

        def do_recommend(ps, th, m, n, e, yf, yt, gi, gx, lang, mv, progress=gr.Progress()):
            ctl = Controls.coerce(m, n, e, yf, yt, gi, gx, lang, mv)
            return show(handlers.recommend(service, ps, th, ctl, _say(progress)))

        def after_picks(ps, th, m, n, e, yf, yt, gi, gx, lang, mv, progress=gr.Progress()):
            """Picks changed: refresh the chips, and the results once there are enough."""
            view = picks_html(ps, th)
            if len(ps) < 3:
                return (view, [], [], message_html(_need_text(len(ps))), [], None,
                        empty_details_html())
            return (view, *do_recommend(ps, th, m, n, e, yf, yt, gi, gx, lang, mv, progress))

        # --- search-as-you-type and adding picks
        def on_type(text):
            found = handlers.suggest(service, text)
            return gr.update(choices=[(s.label, s.value) for s in found], value=None,
                             visible=bool(found))

        def on_add(ps, choice, how):
            change = handlers.add_pick(service, ps, choice, how)
            added = len(change.picks) > len(ps or [])
            offers = [(s.label, s.value) for s in change.suggestions]
            return (change.picks, message_html(change.message, change.kind),
                    "" if added else gr.update(),
                    gr.update(choices=offers, value=None, visible=bool(offers)))

        # UI events are hidden from the API page; each may run for a few sessions at once
        # (numpy releases the GIL), instead of Gradio's default of one at a time.
        private: dict[str, Any] = {"api_visibility": "private", "concurrency_limit": CONCURRENCY}
        search.input(on_type, search, suggestions, trigger_mode="always_last",
                     show_progress="hidden", **private)
        search.submit(on_add, [picks, search, feel], [picks, pick_msg, search, suggestions],
                      **private)
        suggestions.input(on_add, [picks, suggestions, feel],
                          [picks, pick_msg, search, suggestions], **private)
        picks.change(after_picks, [picks, thumbs, *controls], [picks_view, *outputs], **private)

        def use_example(name: str):
            change = handlers.example_picks(service, name)
            return change.picks, [], message_html(change.message, change.kind)

        for button in example_buttons:
            button.click(partial(use_example, button.value), None,
                         [picks, thumbs, pick_msg], **private)
        clear.click(lambda: ([], [], message_html("Cleared: start again.")), None,
                    [picks, thumbs, pick_msg], **private)
        go.click(do_recommend, [picks, thumbs, *controls], outputs, scroll_to_output=True,
                 **private)
        # Changing a control answers at once (a method used for the first time loads or
        # trains, with progress shown); text-like controls answer when done, not per key.
        for control in (method, era, genres_in, genres_out, language):
            control.input(do_recommend, [picks, thumbs, *controls], outputs, **private)
        for control in (k, min_votes):
            control.release(do_recommend, [picks, thumbs, *controls], outputs, **private)
        for control in (year_from, year_to):
            control.submit(do_recommend, [picks, thumbs, *controls], outputs, **private)

        # --- onboarding: rate well-known movies
        def new_sample(ps):
            cards = handlers.onboarding_sample(service, 12, exclude=[p["index"] for p in ps or []])
            return cards, [(c["poster"], c["label"]) for c in cards], None

        def rate(how, ps, cards, pos):
            if pos is None or not 0 <= pos < len(cards):
                return ps, cards, gr.update(), None, message_html("Click a poster first.", "warn")
            change = handlers.add_pick(service, ps, cards[pos]["index"], how)
            rest = [c for i, c in enumerate(cards) if i != pos]
            return (change.picks, rest, [(c["poster"], c["label"]) for c in rest], None,
                    message_html(change.message, change.kind))

        onboard.expand(new_sample, picks, [sample, sample_gallery, sample_pos], **private)
        shuffle.click(new_sample, picks, [sample, sample_gallery, sample_pos], **private)
        sample_gallery.select(_selected_index, None, sample_pos, **private)
        for button, how in ((love_b, "love"), (like_b, "like"), (dislike_b, "dislike")):
            button.click(partial(rate, how), [picks, sample, sample_pos],
                         [picks, sample, sample_gallery, sample_pos, pick_msg], **private)

        # --- results: details and thumbs
        def on_select(items, evt: gr.SelectData):
            pos = evt.index if isinstance(evt.index, int) else None
            if pos is None or not 0 <= pos < len(items):
                return None, empty_details_html()
            return pos, handlers.details(service, items[pos])

        gallery.select(on_select, shown, [selected, detail], scroll_to_output=True, **private)

        def on_thumb(liked, ps, th, items, pos, ctl, request, progress):
            if pos is None or not 0 <= pos < len(items):
                return (th, picks_html(ps, th), gr.update(), gr.update(),
                        message_html("Click a poster first, then 👍 or 👎.", "warn"),
                        gr.update(), gr.update(), gr.update())
            session = getattr(request, "session_hash", None) or "browser"
            new, results = handlers.give_thumb(service, session, ps, th, ctl, items,
                                               items[pos]["index"], liked, _say(progress))
            return (new, picks_html(ps, new), *show(results))

        def thumb_up(ps, th, items, pos, m, n, e, yf, yt, gi, gx, lang, mv,
                     request: gr.Request, progress=gr.Progress()):
            ctl = Controls.coerce(m, n, e, yf, yt, gi, gx, lang, mv)
            return on_thumb(True, ps, th, items, pos, ctl, request, progress)

        def thumb_down(ps, th, items, pos, m, n, e, yf, yt, gi, gx, lang, mv,
                       request: gr.Request, progress=gr.Progress()):
            ctl = Controls.coerce(m, n, e, yf, yt, gi, gx, lang, mv)
            return on_thumb(False, ps, th, items, pos, ctl, request, progress)

        for button, fn in ((up, thumb_up), (down, thumb_down)):
            button.click(fn, [picks, thumbs, shown, selected, *controls],
                         [thumbs, picks_view, *outputs], **private)

        # --- stable endpoints for scripts and the load test
        def recommend_api(picks: str, method: str = "hybrid", k: int = 10) -> dict:
            """Picks text (one title per line; 'Title=4.5' rates; '-Title' dislikes)."""
            return api.recommend_api(service, picks, method, k)

        def feedback_api(picks: str, method: str, k: int, movie: int, liked: bool,
                         session: str) -> dict:
            """Store a thumb on movie (catalog index); answer refreshed recommendations."""
            return api.feedback_api(service, picks, method, k, movie, liked, session)

        def search_api(query: str) -> list[dict]:
            """Search-as-you-type suggestions for a partly typed title."""
            return api.search_api(service, query)

        for fn in (recommend_api, feedback_api, search_api):
            gr.api(fn, api_name=fn.__name__, concurrency_limit=API_CONCURRENCY)
    return demo


def _method_label(service: AppService, choice) -> str:
    """Menu text: name, what it does, and a warning when choosing it means training first."""
    ready = choice.key == service.default_method or service.is_ready(choice.key)
    return choice.menu_label + ("" if ready else " (trained on first use: may take a while)")


def _selected_index(evt: gr.SelectData):
    return evt.index if isinstance(evt.index, int) else None


def _say(progress):
    """A status-line callback for the service from a `gr.Progress` tracker."""
    return lambda message: progress(None, desc=message)


def _need_text(n: int) -> str:
    if not n:
        return "Your recommendations appear here once you have 3 picks."
    need = 3 - n
    return f"Add {need} more movie{'s' if need != 1 else ''} you love to get recommendations."


def _set_feel(index: int, ps: list[dict], value: str) -> list[dict]:
    return handlers.set_feel(ps, index, value)


def _remove(index: int, ps: list[dict]) -> list[dict]:
    return handlers.remove_pick(ps, index)


def handlers_label(pick: dict) -> str:
    from movierec.app.views import esc

    return esc(pick.get("label", ""))
