"""`Service`: one dataset's front door -- picks in, an `Answer` out -- shared by every entry point.

The CLI, `movierec.recommend`, the HTTP endpoints and the app all call `Service.recommend`:
parse the picks (one grammar), resolve them (one `TitleIndex` per dataset), validate every
setting (messages that name the bad value), choose the model (one registry of presets, one
default), load or fit it (one trained-model cache), recommend with filters and answer in one
shape. Nothing here imports Gradio.

Everything is built lazily and at most once per process (a lock per thing): the first
request for a method loads or fits it, everyone after gets it from memory. `start_warming`
does the slow part (dataset, title index, default model, one dummy recommendation to fill
the models' caches) in a background thread, so a server can start while the data loads.
The model cache (service/model_cache.py), the warming (service/warming.py), the mood index
(service/mood.py) and feedback (service/reacting.py) are mixins of `Service`, each in the
module of its idea.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import replace
from typing import Any, Callable, Sequence

import numpy as np

from movierec.data.dataset import Dataset
from movierec.models.base import Recommender
from movierec.models.diversity import POOL, feature_vectors, mmr
from movierec.models.exploring import SessionSettings
from movierec.models.filters import Filter
from movierec.models.profile import MIN_PICKS, Profile
from movierec.service.answer import Answer, movie_results
from movierec.service.errors import ServiceError
from movierec.service.methods import DEFAULT_METHOD, parse_method
from movierec.service.groups import (DEFAULT_STRATEGY, MAX_MEMBERS, MIN_MEMBERS, GroupAnswer,
                                    Member, group_list, serves)
from movierec.service.history import ImportedHistory
from movierec.service.jobs import Jobs
from movierec.service.model_cache import ModelCache
from movierec.service.mood import Moods, mood_list, parse_mood
from movierec.service.picks import (PickSpec, ResolvedPick, ResolvedPicks, parse_picks,
                                   resolve_picks)
from movierec.service.reactions import (Reaction, check_reactions, folded, session_list,
                                       unwanted)
from movierec.service.reacting import Reacting, Thumb
from movierec.service.request import Checked, Settings, check_settings, describe_filter
from movierec.service.warming import Warming

Say = Callable[[str], None]
CACHE_SIZE = 4096                  # title searches and answers remembered (LRU)


class _LRU:
    """A small thread-safe least-recently-used map."""

    def __init__(self, size: int):
        self.size, self._data, self._lock = size, OrderedDict(), threading.Lock()

    def get(self, key):
        with self._lock:
            value = self._data.get(key)
            if value is not None:
                self._data.move_to_end(key)
            return value

    def put(self, key, value) -> None:
        with self._lock:
            self._data[key] = value
            while len(self._data) > self.size:
                self._data.popitem(last=False)


class Service(ModelCache, Warming, Moods, Reacting):
    """Dataset, title index, fitted models and feedback store for every request on one dataset.

    Give ``data`` (a dataset name, prepared on first use) or an already-built ``dataset``
    (tests, notebooks). ``progress`` receives short status lines ("loading hybrid").
    ``session``: how lists learn from reactions (`SessionSettings`: exploration strength,
    the correction's weight, what a dislike is worth). ``default_method``: the method asked
    for when a request names none; by default the one that validated best when `movierec
    tune` ran on this data, else `DEFAULT_METHOD`.
    """

    def __init__(self, data: str | None = None, *, dataset: Dataset | None = None,
                 data_dir: str | None = None, default_method: str | None = None,
                 feedback: Any = None, progress: Say | None = None,
                 background: bool = False, session: SessionSettings = SessionSettings()):
        from movierec.data import DEFAULT_SOURCE

        self.data_name = dataset.name if dataset is not None else (data or DEFAULT_SOURCE)
        self.data_dir = data_dir
        self._default = parse_method(default_method).key if default_method else None
        self._say: Say = progress or (lambda _m: None)
        self._dataset = dataset
        self._fingerprint: str | None = None
        self.background = background   # first-time fits in background jobs (the app)
        self.session_settings = session
        self.jobs = Jobs()
        self._index = None
        self._models: dict[str, Recommender] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._locks_lock = threading.Lock()
        self._feedback = feedback
        self._sessions = None
        self._mood = None
        self._mood_words = None
        self._features = None
        self._item_space = None
        self._tuned: dict[str, dict | None] = {}
        self._searches = _LRU(CACHE_SIZE)
        self._answers = _LRU(256)
        self._warm_thread: threading.Thread | None = None
        self._warm_error: BaseException | None = None
        self._ready = threading.Event()
        self.timings: dict[str, float] = {}

    @property
    def default_method(self) -> str:
        """The menu key a request without a method gets (see the class docstring)."""
        if self._default is None:
            from movierec.models.tuned import best_tuned
            from movierec.service.methods import method_choices

            fingerprint = self.fingerprint()
            if fingerprint is None:
                return DEFAULT_METHOD
            menu = [c.key for c in method_choices()]
            self._default = best_tuned(self.data_name, fingerprint, menu) or DEFAULT_METHOD
        return self._default

    @default_method.setter
    def default_method(self, method: str) -> None:
        self._default = parse_method(method).key

    def _lock(self, key: str) -> threading.Lock:
        with self._locks_lock:
            return self._locks.setdefault(key, threading.Lock())

    def _once(self, attr: str, build: Callable[[], Any]) -> Any:
        """``self.<attr>``, built by ``build()`` on first use: once per process, under the
        attribute's own lock, so concurrent first requests wait for one build."""
        value = getattr(self, attr)
        if value is None:
            with self._lock(attr):
                value = getattr(self, attr)
                if value is None:
                    value = build()
                    setattr(self, attr, value)
        return value

    # --- data ------------------------------------------------------------------------------
    @property
    def dataset(self) -> Dataset:
        """The prepared dataset (loaded, or prepared with progress, on first use)."""
        return self._once("_dataset", self._load_dataset)

    def _load_dataset(self) -> Dataset:
        from movierec.data import MissingFileError, get_spec, load_dataset
        from movierec.data.rawfiles import DataError

        t0 = time.perf_counter()
        self._say(f"loading {self.data_name}")
        try:
            get_spec(self.data_name)
        except KeyError as exc:
            from movierec.data import SOURCES

            raise ServiceError("unknown_dataset", str(exc.args[0]), sorted(SOURCES))
        try:
            dataset = load_dataset(self.data_name, data_dir=self.data_dir, progress=self._say)
        except MissingFileError as exc:
            raise ServiceError("data_missing", str(exc))
        except DataError as exc:
            raise ServiceError("data_invalid", str(exc))
        self.timings["dataset"] = time.perf_counter() - t0
        return dataset

    @property
    def catalog(self):
        return self.dataset.catalog

    @property
    def features(self):
        """Genre + keyword vectors of the catalog, for the diversity dial (built once)."""
        return self._once("_features", lambda: feature_vectors(self.catalog))

    @property
    def item_space(self) -> np.ndarray:
        """The catalog's latent space sessions learn in (`models.exploring.item_space`,
        built once; `warm` builds it before the first person reacts)."""
        from movierec.models.exploring import item_space

        return self._once("_item_space", lambda: item_space(self.dataset.ratings.matrix))

    @property
    def index(self):
        """The typo-tolerant `TitleIndex` of the catalog (built once)."""
        if self._index is None:
            catalog = self.catalog
            with self._lock("index"):
                if self._index is None:
                    from movierec.search import TitleIndex

                    t0 = time.perf_counter()
                    self._say("indexing titles")
                    index = TitleIndex.for_catalog(catalog)
                    index.suggest("a", 1)  # builds the prefix index search-as-you-type uses
                    self._index = index
                    self.timings["index"] = time.perf_counter() - t0
        return self._index

    def search(self, text: str, limit: int = 10):
        """`TitleIndex.search`, remembered for the last `CACHE_SIZE` queries (people send the
        same titles again and again: a repeat costs a lookup, not a fuzzy scan)."""
        key = (str(text), int(limit))
        match = self._searches.get(key)
        if match is None:
            match = self.index.search(str(text), limit=int(limit))
            self._searches.put(key, match)
        return match

    def suggest(self, text: str, limit: int = 8):
        """Search-as-you-type candidates for a partly typed title."""
        return self.index.suggest(str(text), max(1, min(int(limit), 25)))

    # --- the request ------------------------------------------------------------------------
    def resolve(self, picks: Sequence[PickSpec | str]) -> ResolvedPicks:
        """Picks (specs, or texts in the picks grammar) found in the catalog."""
        specs, notes = parse_picks(picks)
        resolved = resolve_picks(specs, self.catalog, self.search)
        resolved.notes[:0] = notes
        return resolved

    def recommend(self, picks: Sequence[PickSpec | str], settings: Settings | None = None,
                  thumbs: Sequence[Thumb] = (), progress: Say | None = None, *,
                  history: ImportedHistory | None = None, mood: str | None = None) -> Answer:
        """Explained recommendations for ``picks`` under ``settings``, or a `ServiceError`.

        ``history``: an imported history (`movierec.service.history`): its ratings join the
        picks and every movie in it is left out of the answer. ``mood``: a mood in words;
        its constraints narrow the filter and the answer blends how well each movie fits it
        with the person's taste (or is the mood alone when there are no picks).
        """
        settings = settings or Settings(method=self.default_method)
        if not settings.method:
            settings = replace(settings, method=self.default_method)
        reactions = check_reactions(thumbs, len(self.catalog))
        key = (tuple(picks), repr(settings), tuple(reactions), mood,
               None if history is None else (tuple(history.rated), tuple(history.seen)))
        cached = self._answers.get(key)
        if cached is not None:
            return cached
        t0 = time.perf_counter()
        checked = check_settings(settings, self.catalog)
        resolved = self.resolve(picks)
        wish = parse_mood(mood, self.catalog) if mood is not None else None
        profile = self._profile(resolved, reactions, history, need_picks=wish is None)
        flt = checked.filter if wish is None else wish.narrow(checked.filter)
        leave_out = set(history.seen) if history is not None else set()
        leave_out |= unwanted(reactions)
        if leave_out:
            flt = replace(flt, exclude=tuple(sorted(set(flt.exclude) | leave_out)))
        if flt != checked.filter and not flt.mask(self.catalog).any():
            raise ServiceError("no_movie_passes", "no movie in this dataset passes these "
                               f"filters ({describe_filter(flt)}): loosen them")
        t1 = time.perf_counter()
        model, stand_in, used = (self._model_for(checked, progress) if len(profile.positives)
                                 else (None, "", checked.choice.key))
        t2 = time.perf_counter()
        if wish is None:
            pool = max(checked.k, POOL) if checked.diversity > 0 else checked.k
            if reactions:   # a session: the posterior learnt from the reactions re-ranks
                items, scores, reasons = session_list(model, profile, reactions,
                                                      flt.mask(self.catalog), self.item_space,
                                                      pool, self.session_settings)
            else:
                recs = model.recommend(profile, k=pool, candidates=flt, min_picks=1)
                items, scores, reasons = recs.items, recs.scores, list(recs.explanations)
            if checked.diversity > 0:   # the dial: re-rank the model's top POOL by MMR
                keep = mmr(items, scores, self.features, checked.k, checked.diversity)
                items, scores = items[keep], scores[keep]
                reasons = [reasons[i] for i in keep]
        else:
            items, scores, reasons = mood_list(self.mood_index(progress), wish, model,
                                               profile, flt.mask(self.catalog, profile.items),
                                               checked.k)
        results = movie_results(self.catalog, items, scores, reasons)
        if not results and checked.filter != Filter():
            raise ServiceError("no_movie_passes", self._why_empty(checked))
        warnings = [] if results else [self._why_empty(checked)]
        t3 = time.perf_counter()
        answer = Answer(
            dataset=self.data_name, method=used,
            model=model.name if model is not None else "mood",
            options=dict(checked.options) if used == checked.choice.key else {},
            settings=model.config_dict() if model is not None else {},
            k=checked.k, filters=checked.filters_json(),
            picks=[p.to_json(self.catalog) for p in resolved.picks],
            results=tuple(results), notes=tuple(resolved.notes) + ((stand_in,) if stand_in
                                                                    else ())
            + self._tuned_note(checked, model, stand_in),
            warnings=tuple(warnings),
            timings={"resolve_ms": 1e3 * (t1 - t0), "model_ms": 1e3 * (t2 - t1),
                     "recommend_ms": 1e3 * (t3 - t2)},
            history=None if history is None else history.to_json(),
            mood=None if wish is None else {"text": wish.text, "understood": list(wish.understood),
                                            "by": self.mood_index(progress).kind},
            diversity=checked.diversity if wish is None else 0.0)
        if not stand_in:   # a stand-in's answer must not outlive the background fit
            self._answers.put(key, answer)
        return answer

    def _profile(self, resolved: ResolvedPicks, reactions: Sequence[Reaction],
                 history: ImportedHistory | None = None, need_picks: bool = True) -> Profile:
        if history is not None and history.rated:   # rated rows join the picks, once each
            taken = {p.index for p in resolved.picks}
            extra = []
            for movie, stars in history.rated:
                if movie not in taken:
                    taken.add(movie)
                    label = self.catalog.label(movie)
                    extra.append(ResolvedPick(label, movie, label, f"{stars:g}", "history", "id"))
            resolved = ResolvedPicks(resolved.picks + extra, resolved.notes)
        profile = folded(resolved.profile(), reactions)
        liked = len(profile.positives)
        if liked < MIN_PICKS and need_picks:
            given = len(resolved.picks)
            raise ServiceError(
                "too_few_picks", f"pick at least {MIN_PICKS} movies you like (you gave {liked}"
                + (f" of {given} picks" if given != liked else "") + "): add "
                f"{MIN_PICKS - liked} more favourite{'s' if MIN_PICKS - liked != 1 else ''}"
                + (", or import a history with more ratings" if history is not None else ""))
        return profile

    # --- a group -----------------------------------------------------------------------------
    def together(self, members: Sequence[Member], settings: Settings | None = None,
                 strategy: str = DEFAULT_STRATEGY, progress: Say | None = None) -> GroupAnswer:
        """One list for 2-8 people (see `movierec.service.groups`), or a `ServiceError`."""
        if not MIN_MEMBERS <= len(members) <= MAX_MEMBERS:
            raise ServiceError("bad_group", f"a group has {MIN_MEMBERS} to {MAX_MEMBERS} "
                               f"people, not {len(members)}")
        names = [m.name for m in members]
        if len(set(names)) != len(names):
            raise ServiceError("bad_group", "two members have the same name: "
                               + ", ".join(sorted({n for n in names if names.count(n) > 1})))
        settings = settings or Settings(method=self.default_method)
        if not settings.method:
            settings = replace(settings, method=self.default_method)
        checked = check_settings(settings, self.catalog)
        profiles, described, notes, seen = [], [], [], set()
        for member in members:
            try:
                resolved = self.resolve(list(member.picks))
                profile = self._profile(resolved, (), member.history)
            except ServiceError as exc:
                raise ServiceError(exc.code, f"{member.name}: {exc.message}", exc.suggestions)
            profiles.append(profile)
            notes += [f"{member.name}: {n}" for n in resolved.notes]
            seen.update(profile.items.tolist())
            if member.history is not None:
                seen.update(member.history.seen)
            described.append({"name": member.name,
                              "picks": [p.label for p in resolved.picks],
                              "imported": None if member.history is None
                              else member.history.to_json()})
        model, stand_in, used = self._model_for(checked, progress)
        if stand_in:
            notes.append(stand_in)
        flt = replace(checked.filter, exclude=tuple(sorted(set(checked.filter.exclude) | seen)))
        items, sat, per_movie, reasons = group_list(model, profiles, names,
                                                    flt.mask(self.catalog), checked.k, strategy)
        if not len(items):
            raise ServiceError("no_movie_passes", self._why_empty(checked))
        results = movie_results(self.catalog, items, sat[:, items].mean(axis=0), reasons)
        for entry, m in zip(described, range(len(names))):
            entry["satisfaction_mean"] = round(float(sat[m, items].mean()), 3)
        return GroupAnswer(self.data_name, used, strategy, described,
                           tuple(results), per_movie,
                           [serves(s) for s in per_movie],
                           tuple(notes), checked.filters_json())

    @staticmethod
    def _why_empty(checked: Checked) -> str:
        if checked.filter == Filter():
            return (f"{checked.choice.key} has no evidence about these picks (nobody rated them "
                    "in this dataset); try hybrid or content.")
        return (f"No movie passes these filters ({describe_filter(checked.filter)}) among what "
                f"{checked.choice.key} can recommend; loosen them and try again.")
