"""The methods a person can choose: registry names plus presets, and the one default.

A *preset* is a registry model with options fixed, shown as its own menu entry: the cluster
model once per strategy (``cluster (explore)``). `parse_method` accepts what people type or
click -- ``hybrid``, ``Item-KNN``, ``cluster:explore``, a full menu label -- and names the
valid methods when the text is none of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from movierec.service.errors import ServiceError, shown

DEFAULT_METHOD = "hybrid"
CLUSTER_STRATEGIES = ("same", "explore", "centres")
STRATEGY_WORDS = {
    "same": "more from your own taste clusters",
    "explore": "neighbouring clusters, to widen your taste",
    "centres": "the most typical movie of each of your clusters",
}


@dataclass(frozen=True)
class MethodChoice:
    """One entry of the method menu: a registry name plus preset options."""

    key: str                       # what the menu and the API use: "hybrid", "cluster (explore)"
    name: str                      # registry name
    options: dict[str, Any] = field(default_factory=dict)
    description: str = ""

    @property
    def menu_label(self) -> str:
        return f"{self.key} - {self.description}" if self.description else self.key


@lru_cache(maxsize=1)
def _choices() -> tuple[MethodChoice, ...]:
    from movierec.models.registry import DESCRIPTIONS, available

    out: list[MethodChoice] = []
    for name in available():
        text = DESCRIPTIONS.get(name, "")
        if name == "cluster":
            out.extend(MethodChoice(f"cluster ({s})", name, {"strategy": s},
                                    f"{text}: {STRATEGY_WORDS[s]}") for s in CLUSTER_STRATEGIES)
        else:
            out.append(MethodChoice(name, name, {}, text))
    return tuple(out)


def method_choices() -> list[MethodChoice]:
    """Every method this installation offers (neural ones only with PyTorch), presets split."""
    return list(_choices())


def parse_method(text: object = None) -> MethodChoice:
    """``"hybrid"``, ``"cluster (explore)"``, ``"cluster:explore"``, ``"Item-KNN"`` -> a choice.

    Empty means `DEFAULT_METHOD`. Raises `ServiceError` (``unknown_method``) naming the valid
    methods otherwise.
    """
    raw = str(text or DEFAULT_METHOD).strip().lower()
    key = raw.split(" - ")[0].strip()          # a full menu label is accepted too
    key = key.replace("-", "_").replace(":", " ").replace("(", " ").replace(")", " ")
    parts = key.split()
    choices = method_choices()
    if parts:
        name, rest = parts[0], parts[1:]
        if name == "cluster":
            wanted = f"cluster ({rest[0] if rest else 'same'})" if len(rest) <= 1 else ""
        else:
            wanted = name if not rest else ""
        for choice in choices:
            if choice.key == wanted:
                return choice
    keys = [c.key for c in choices]
    neural = _neural_hint(parts[0] if parts else "")
    raise ServiceError("unknown_method", f"unknown method {shown(raw, 40)}{neural}; choose one "
                       f"of: {', '.join(keys)}", keys)


def _neural_hint(name: str) -> str:
    from movierec.models.registry import NEURAL

    if name in NEURAL:
        return " (it needs PyTorch: pip install 'movierec[neural]')"
    return ""
