"""How a command line names methods or peers: "all", "none", or "a,b" (one reading for
`evaluate`, `tune` and the scale plan)."""

from __future__ import annotations

from typing import Sequence


def chosen_names(spec: str | Sequence[str] | None) -> list[str] | None:
    """'all' (any case) or None -> None (everything); 'none' or '' -> []; 'a,b' or [a, b]
    -> the names, stripped, in order."""
    if spec is None:
        return None
    parts = [p.strip() for p in (spec.split(",") if isinstance(spec, str) else spec) if p.strip()]
    if len(parts) == 1 and parts[0].lower() == "all":
        return None
    if len(parts) == 1 and parts[0].lower() == "none":
        return []
    return parts


def means_all(spec: str | Sequence[str] | None) -> bool:
    """Whether ``spec`` asks for everything (the default sets)."""
    return chosen_names(spec) is None
