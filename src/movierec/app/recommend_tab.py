"""The Recommend tab: picks on the left, options, and the poster wall with 👍/👎 on the right.

Layout and wiring only: every decision is a function in `handlers` (which asks the service)
or `views` (escaped HTML). Per-person state (picks, thumbs, what is shown) lives in
``gr.State``; the service is shared by everyone.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

import gradio as gr

from movierec.app import handlers
from movierec.app.context import AppService
from movierec.app.views import empty_details_html, esc, message_html, picks_html
from movierec.models.profile import MIN_PICKS
from movierec.service import method_choices

CONCURRENCY = 4        # UI events of one kind running at once
# UI events are hidden from the API page; each may run for a few sessions at once (numpy
# releases the GIL), instead of Gradio's default of one at a time.
PRIVATE: dict[str, Any] = {"api_visibility": "private", "concurrency_limit": CONCURRENCY}


@dataclass
class Page:
    """The tab's components that events read or write."""

    picks: gr.State
    thumbs: gr.State
    session: gr.State      # the token the server issued this page (feedback is stored under it)
    shown: gr.State
    selected: gr.State
    controls: list
    outputs: list
    picks_view: gr.HTML
    pick_msg: gr.HTML


def recommend_tab(service: AppService) -> Page:
    """Build the tab inside the caller's Blocks and wire its events; returns its state."""
    with gr.Tab("Recommend", id="recommend"):
        with gr.Row(equal_height=False, elem_classes="mr-main"):
            with gr.Column(scale=2, min_width=300, elem_classes="mr-side"):
                picks, thumbs, session = gr.State([]), gr.State([]), gr.State("")
                side = _picks_column(service, picks)
                history, mood = _history_and_mood(service, side)
                controls = _options(service) + [history, mood]
                go = gr.Button("Recommend", variant="primary", size="lg", elem_id="mr-go")
            with gr.Column(scale=3, min_width=300, elem_classes="mr-results-col"):
                shown, selected = gr.State([]), gr.State(None)
                results = _results_column()
        outputs = [results["gallery"], results["table"], results["message"], shown, selected,
                   results["detail"]]
        page = Page(picks, thumbs, session, shown, selected, controls, outputs, side["view"],
                    side["msg"])
        # inside the tab: a component made directly in gr.Tabs (a State too) becomes a tab
        _wire_picks(service, page, side)
        _wire_results(service, page, results, go)
    return page


# --- layout ----------------------------------------------------------------------------------
def _picks_column(service: AppService, picks: gr.State) -> dict:
    gr.HTML('<h2 class="mr-h2">Your picks</h2>')
    out = {
        "search": gr.Textbox(label="Add a movie you love",
                             placeholder="Type a title, e.g. toy story",
                             max_lines=1, max_length=handlers.MAX_QUERY, elem_id="mr-search",
                             autofocus=True),
        "suggestions": gr.Radio(choices=[], label="Did you mean", visible=False,
                                elem_id="mr-suggestions"),
        "feel": gr.Dropdown(list(handlers.FEEL_CHOICES), value="love",
                            label="How you feel about it (or your stars)", elem_id="mr-feel"),
        "msg": gr.HTML(elem_id="mr-pick-msg"),
        "view": gr.HTML(picks_html([]), elem_id="mr-picks"),
    }

    # Re-rendered when the chips change, i.e. after `after_picks` has shown them, not on
    # the picks' own change: a render run beside another event of the same page can make
    # Gradio fail ("dictionary changed size during iteration", gradio-app/gradio#9410).
    @gr.render(inputs=picks, triggers=[out["view"].change])
    def edit_picks(current: list[dict]):
        if not current:
            return
        with gr.Accordion("Edit picks: stars, like, remove", open=False, elem_id="mr-edit",
                          key="mr-edit", preserved_by_key="open"):
            for p in current:
                with gr.Row(elem_classes="mr-edit-row"):
                    gr.HTML(f'<span class="mr-edit-label">{esc(p.get("label", ""))}</span>',
                            min_width=140)
                    how = gr.Dropdown(list(handlers.FEEL_CHOICES), value=p["feel"],
                                      show_label=False, min_width=120, key=f"feel-{p['index']}",
                                      preserved_by_key=[])
                    drop = gr.Button("✕", size="sm", min_width=40, variant="secondary",
                                     key=f"drop-{p['index']}")
                    how.input(partial(_set_feel, p["index"]), [picks, how], picks,
                              api_visibility="private")
                    drop.click(partial(_remove, p["index"]), picks, picks,
                               api_visibility="private")

    with gr.Row(elem_classes="mr-examples"):
        out["examples"] = [gr.Button(name, size="sm", variant="secondary",
                                     elem_classes="mr-example")
                           for name in service.usable_examples()]
        out["clear"] = gr.Button("Clear", size="sm", variant="stop", elem_id="mr-clear")
    with gr.Accordion("Not sure? Rate some popular movies", open=False,
                      elem_id="mr-onboard") as onboard:
        out["onboard"] = onboard
        out["sample_gallery"] = gr.Gallery(columns=4, height="auto", allow_preview=False,
                                           show_label=False, object_fit="cover", buttons=[],
                                           elem_id="mr-sample")
        with gr.Row():
            out["rate"] = {"love": gr.Button("❤️ Love", size="sm"),
                           "like": gr.Button("👍 Like", size="sm"),
                           "dislike": gr.Button("👎 Dislike", size="sm")}
            out["shuffle"] = gr.Button("🔀 Others", size="sm", variant="secondary")
    return out


def _history_and_mood(service: AppService, side: dict) -> tuple[gr.State, gr.Textbox]:
    """An upload for a Letterboxd/IMDb/MovieLens export, and a box for a mood in words."""
    history = gr.State(None)
    mood = gr.Textbox(label="Or say what you're in the mood for", max_lines=1,
                      max_length=handlers.MAX_MOOD, elem_id="mr-mood",
                      placeholder="e.g. slow-burn 70s paranoia thriller (Enter)")
    with gr.Accordion("Bring your history: Letterboxd, IMDb or MovieLens export", open=False,
                      elem_id="mr-import"):
        upload = gr.File(label="Export (.zip or .csv)", file_types=[".zip", ".csv"],
                         elem_id="mr-import-file")
        report = gr.HTML(elem_id="mr-import-msg")

    def on_upload(path):
        state, text, kind = handlers.import_history(service, path)
        return state, message_html(text, kind)

    upload.change(on_upload, upload, [history, report], **PRIVATE)
    return history, mood


JOB_REFRESH_S = 3.0   # how often an open page looks at background jobs


def _options(service: AppService) -> list:
    """The option widgets, in the order `handlers.settings_from_widgets` takes them."""
    choices = method_choices()
    keys = [c.key for c in choices]
    default = service.default_method if service.default_method in keys else keys[0]
    languages = [("any language", "any")] + [(f"{code} ({n:,} movies)", code)
                                             for code, n in service.languages()]
    genres = service.genres()
    low, high = service.year_span()
    with gr.Accordion("Options", open=False, elem_id="mr-options"):
        menu = _method_menu(service)
        method = gr.Dropdown(menu, value=default, label="Method", elem_id="mr-method")
        jobs = gr.Markdown(_jobs_text(service), elem_id="mr-jobs")
        shown_menu = gr.State([[list(e) for e in menu], _jobs_text(service)])
        # first-time fits run in the background: the menu and this line follow them, and
        # are sent only when they changed (an open menu is not redrawn under the pointer)
        gr.Timer(JOB_REFRESH_S).tick(partial(_refresh_menu, service), shown_menu,
                                     [method, jobs, shown_menu], show_progress="hidden",
                                     **PRIVATE)
        k = gr.Slider(4, handlers.MAX_K, value=handlers.DEFAULT_K, step=1,
                      label="How many movies", elem_id="mr-k")
        era = gr.Radio([("any time", "any"), ("new (last 10 years)", "new"),
                        ("old (30+ years ago)", "old")], value="any", label="Era",
                       elem_id="mr-era")
        with gr.Row():
            # Text boxes, not gr.Number: an empty Number shows (and sends) 0, which used to
            # fail every request once Options was opened. Empty means no bound; the service
            # checks a typed year and names a bad one.
            year_from = gr.Textbox(label="From year", placeholder=f"e.g. {low}", max_lines=1,
                                   max_length=8, min_width=100, elem_id="mr-year-from")
            year_to = gr.Textbox(label="To year", placeholder=f"e.g. {high}", max_lines=1,
                                 max_length=8, min_width=100, elem_id="mr-year-to")
        genres_in = gr.Dropdown(genres, multiselect=True, label="Only these genres",
                                elem_id="mr-genres-in")
        genres_out = gr.Dropdown(genres, multiselect=True, label="No movies of these genres",
                                 elem_id="mr-genres-out")
        language = gr.Dropdown(languages, value="any", label="Original language",
                               elem_id="mr-language")
        min_votes = gr.Slider(0, 2000, value=0, step=10, label="At least this many votes",
                              elem_id="mr-min-votes")
        variety = gr.Slider(0, 1, value=0, step=0.1, elem_id="mr-variety",
                            label="Variety (0: the method's own list; 1: most varied genres "
                                  "and themes)")
    return [method, k, era, year_from, year_to, genres_in, genres_out, language, min_votes,
            variety]


def _results_column() -> dict:
    out = {"message": gr.HTML(message_html(
        f"Your recommendations appear here once you have {MIN_PICKS} picks."),
        elem_id="mr-result-msg")}
    out["gallery"] = gr.Gallery(columns=4, height="auto", allow_preview=False, show_label=False,
                                object_fit="cover", buttons=[], elem_id="mr-results")
    with gr.Group(elem_id="mr-detail-box"):
        out["detail"] = gr.HTML(empty_details_html(), elem_id="mr-details")
        with gr.Row(elem_classes="mr-thumbs"):
            out["up"] = gr.Button("👍 More like this", elem_id="mr-up", size="sm")
            out["down"] = gr.Button("👎 Disliked it", elem_id="mr-down", size="sm")
            out["seen"] = gr.Button("👁 Seen it", elem_id="mr-seen", size="sm")
            out["skip"] = gr.Button("🚫 Not interested", elem_id="mr-skip", size="sm")
    with gr.Accordion("As a table", open=False):
        out["table"] = gr.Dataframe(headers=handlers.TABLE_HEADERS,
                                    datatype=["number", "str", "str", "str", "number"],
                                    interactive=False, wrap=True, elem_id="mr-table")
    return out


# --- events ----------------------------------------------------------------------------------
def _show(results: handlers.Results):
    return (results.gallery(), results.table(), message_html(results.message, results.kind),
            results.shown(), None, empty_details_html())


def _wire_picks(service: AppService, page: Page, side: dict) -> None:
    picks, thumbs = page.picks, page.thumbs

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

    # Gradio passes special arguments (progress, request) by position: no *args here.
    def after_picks(ps, th, m, n, e, yf, yt, gi, gx, lang, mv, dv, hist, md,
                    progress=gr.Progress()):
        """Picks changed: refresh the chips, and the results once there are enough."""
        view = picks_html(ps, th)
        if len(ps) < MIN_PICKS and not hist and not (md or "").strip():
            return (view, [], [], message_html(_need_text(len(ps))), [], None,
                    empty_details_html())
        widgets = (m, n, e, yf, yt, gi, gx, lang, mv, dv, hist, md)
        return (view, *_recommend(service, ps, th, widgets, progress))

    search, suggestions, feel = side["search"], side["suggestions"], side["feel"]
    search.input(on_type, search, suggestions, trigger_mode="always_last",
                 show_progress="hidden", **PRIVATE)
    search.submit(on_add, [picks, search, feel], [picks, side["msg"], search, suggestions],
                  **PRIVATE)
    suggestions.input(on_add, [picks, suggestions, feel],
                      [picks, side["msg"], search, suggestions], **PRIVATE)
    picks.change(after_picks, [picks, thumbs, *page.controls], [page.picks_view, *page.outputs],
                 **PRIVATE)

    def use_example(name: str):
        change = handlers.example_picks(service, name)
        return change.picks, [], message_html(change.message, change.kind)

    for button in side["examples"]:
        button.click(partial(use_example, button.value), None, [picks, thumbs, side["msg"]],
                     **PRIVATE)
    side["clear"].click(lambda: ([], [], message_html("Cleared: start again.")), None,
                        [picks, thumbs, side["msg"]], **PRIVATE)
    _wire_onboarding(service, page, side)


def _wire_onboarding(service: AppService, page: Page, side: dict) -> None:
    sample, position = gr.State([]), gr.State(None)
    gallery = side["sample_gallery"]

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

    side["onboard"].expand(new_sample, page.picks, [sample, gallery, position], **PRIVATE)
    side["shuffle"].click(new_sample, page.picks, [sample, gallery, position], **PRIVATE)
    gallery.select(_selected_index, None, position, **PRIVATE)
    for how, button in side["rate"].items():
        button.click(partial(rate, how), [page.picks, sample, position],
                     [page.picks, sample, gallery, position, page.pick_msg], **PRIVATE)


def _recommend(service: AppService, ps, th, widgets, progress):
    """``widgets``: the option widgets' values, then the imported history and the mood."""
    *options, history, mood = widgets
    settings = handlers.settings_from_widgets(*options, default_method=service.default_method)
    return _show(handlers.recommend(service, ps, th, settings, _say(progress), history, mood))


def _wire_results(service: AppService, page: Page, results: dict, go: gr.Button) -> None:
    inputs = [page.picks, page.thumbs, *page.controls]

    def do_recommend(ps, th, m, n, e, yf, yt, gi, gx, lang, mv, dv, hist, md,
                     progress=gr.Progress()):
        return _recommend(service, ps, th, (m, n, e, yf, yt, gi, gx, lang, mv, dv, hist, md),
                          progress)

    go.click(do_recommend, inputs, page.outputs, scroll_to_output=True, **PRIVATE)
    (method, k, era, year_from, year_to, genres_in, genres_out, language, min_votes, variety,
     history, mood) = page.controls
    history.change(do_recommend, inputs, page.outputs, **PRIVATE)
    # Changing a control answers at once (a method used for the first time loads or trains,
    # with progress shown); sliders when released, year boxes when submitted or left.
    for control in (method, era, genres_in, genres_out, language):
        control.input(do_recommend, inputs, page.outputs, **PRIVATE)
    for control in (k, min_votes, variety):
        control.release(do_recommend, inputs, page.outputs, **PRIVATE)
    for control in (year_from, year_to, mood):
        control.submit(do_recommend, inputs, page.outputs, **PRIVATE)
    for control in (year_from, year_to):
        control.blur(do_recommend, inputs, page.outputs, **PRIVATE)

    def on_select(items, evt: gr.SelectData):
        pos = evt.index if isinstance(evt.index, int) else None
        if pos is None or not 0 <= pos < len(items):
            return None, empty_details_html()
        return pos, handlers.details(service, items[pos])

    results["gallery"].select(on_select, page.shown, [page.selected, results["detail"]],
                              scroll_to_output=True, **PRIVATE)

    def on_thumb(reaction, ps, th, token, items, pos, widgets, progress):
        if pos is None or not 0 <= pos < len(items):
            return (th, picks_html(ps, th), gr.update(), gr.update(),
                    message_html("Click a poster first, then react to it.", "warn"),
                    gr.update(), gr.update(), gr.update())
        *options, history, mood = widgets
        settings = handlers.settings_from_widgets(*options,
                                                  default_method=service.default_method)
        new, answer = handlers.give_thumb(service, token or service.sessions.issue(), ps, th,
                                          settings, items[pos]["index"], reaction,
                                          _say(progress),
                                          history, mood)
        return (new, picks_html(ps, new), *_show(answer))

    def reacting(reaction: str):
        def react(ps, th, token, items, pos, m, n, e, yf, yt, gi, gx, lang, mv, dv, hist, md,
                  progress=gr.Progress()):
            return on_thumb(reaction, ps, th, token, items, pos,
                            (m, n, e, yf, yt, gi, gx, lang, mv, dv, hist, md), progress)
        return react

    for button, reaction in (("up", "liked"), ("down", "disliked"), ("seen", "seen"),
                             ("skip", "not_interested")):
        results[button].click(reacting(reaction),
                              [page.picks, page.thumbs, page.session, page.shown, page.selected,
                               *page.controls],
                              [page.thumbs, page.picks_view, *page.outputs], **PRIVATE)


# --- small helpers ---------------------------------------------------------------------------
def _method_label(service: AppService, choice) -> str:
    """Menu text: name, what it does, and whether it is ready, training (how far) or
    would be trained in the background when chosen."""
    state = service.method_state(choice.key)
    if state == "ready" or choice.key == service.default_method:
        return choice.menu_label
    if state.startswith("training"):
        return f"{choice.menu_label} ({state} in the background)"
    if state.startswith("failed"):
        return f"{choice.menu_label} (unavailable here)"
    return f"{choice.menu_label} (trained in the background on first use)"


def _method_menu(service: AppService) -> list[tuple[str, str]]:
    return [(_method_label(service, c), c.key) for c in method_choices()]


def _refresh_menu(service: AppService, shown: list):
    """(menu, jobs line, what is now shown), or skips both when neither has changed."""
    menu = [list(entry) for entry in _method_menu(service)]
    now = [menu, _jobs_text(service)]
    if now == shown:
        return gr.skip(), gr.skip(), shown
    return gr.Dropdown(choices=[tuple(e) for e in menu]), now[1], now


def _jobs_text(service: AppService) -> str:
    line = service.jobs.status_line()
    return f"⏳ Preparing in the background: {line}" if line else ""


def _selected_index(evt: gr.SelectData):
    return evt.index if isinstance(evt.index, int) else None


def _say(progress):
    """A status-line callback for the service from a `gr.Progress` tracker."""
    return lambda message: progress(None, desc=message)


def _need_text(n: int) -> str:
    if not n:
        return f"Your recommendations appear here once you have {MIN_PICKS} picks."
    need = MIN_PICKS - n
    return f"Add {need} more movie{'s' if need != 1 else ''} you love to get recommendations."


def _set_feel(index: int, ps: list[dict], value: str) -> list[dict]:
    return handlers.set_feel(ps, index, value)


def _remove(index: int, ps: list[dict]) -> list[dict]:
    return handlers.remove_pick(ps, index)
