"""Parse the Python-literal columns of The Movies Dataset safely and fast, without eval.

Kaggle's TMDb export stores lists of dicts as Python reprs, e.g.
``"[{'id': 16, 'name': 'Animation'}]"``. ``ast.literal_eval`` parses them safely but is slow
(about 150 ns per character: roughly 30 s for the 190 MB credits.csv). Python's repr is so
close to JSON that a cheap, exact rewrite lets the C JSON parser do the work instead:

* fast path -- no ``"`` and no backslash in the text: every string is single-quoted and holds
  no quote, so swapping ``'`` for ``"`` is exact; ``None``/``True``/``False`` outside strings
  become ``null``/``true``/``false``;
* string path -- otherwise the text is split into string tokens with a regex that respects
  Python quoting, and each token is rewritten as a JSON string (escaping ``"`` where needed;
  tokens with backslash escapes are decoded by ``ast.literal_eval`` one string at a time);
* anything JSON rejects (tuples, trailing commas, odd numbers) goes to ``ast.literal_eval``.

Nothing here evaluates code, and nothing is cached between calls. Values that are blank,
NaN or unparsable come back as ``None``; callers tell "blank" from "unparsable" with
`is_blank` and count the latter in their report. JSON text (``null``, ``true``) is accepted
as well; ``NaN``/``Infinity`` are not.
"""

from __future__ import annotations

import ast
import json
import math
import re
from typing import Any

import pandas as pd

# A Python string literal, single- or double-quoted, with backslash escapes.
_STRING_TOKEN = re.compile(r"""('[^'\\]*(?:\\.[^'\\]*)*'|"[^"\\]*(?:\\.[^"\\]*)*")""")


def _reject_constant(name: str):
    raise ValueError(f"{name} is not a Python literal")


# NaN/Infinity are JSON extensions, not Python literals: refuse them (a cell reading "NaN"
# is missing, not a float).
_DECODER = json.JSONDecoder(parse_constant=_reject_constant)


def is_blank(value: Any) -> bool:
    """True for None, NaN, pandas NA and strings that are empty or whitespace only."""
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    if isinstance(value, str):
        return not value.strip()
    return value is pd.NA or value is pd.NaT


def _json_words(outside: list[str]) -> list[str]:
    """Rewrite Python's None/True/False in the pieces of text that lie outside strings."""
    return [p.replace("None", "null").replace("True", "true").replace("False", "false")
            for p in outside]


def _has_words(text: str) -> bool:
    return "None" in text or "True" in text or "False" in text


def _string_to_json(token: str) -> str:
    """One Python string literal (with its quotes) as a JSON string literal."""
    if "\\" not in token:
        if token[0] == '"':
            return token  # "children's book": no `"` inside, already valid JSON
        body = token[1:-1]
        return '"' + (body.replace('"', '\\"') if '"' in body else body) + '"'
    return json.dumps(ast.literal_eval(token), ensure_ascii=False)


def _to_json(text: str) -> str:
    """Rewrite a Python literal as JSON text (exact for str/int/float/None/bool/list/dict)."""
    if '"' not in text and "\\" not in text:
        swapped = text.replace("'", '"')
        if not _has_words(swapped):
            return swapped
        parts = swapped.split('"')  # even parts lie outside strings
        parts[::2] = _json_words(parts[::2])
        return '"'.join(parts)
    parts = _STRING_TOKEN.split(text)  # odd parts are string tokens
    parts[1::2] = [_string_to_json(p) for p in parts[1::2]]
    if _has_words(text):
        parts[::2] = _json_words(parts[::2])
    return "".join(parts)


def parse_literal(text: Any) -> Any:
    """The value of a Python literal (or JSON) string; None when blank or unparsable.

    Non-string values are returned unchanged unless blank, so already-parsed columns pass
    through.
    """
    if not isinstance(text, str):
        return None if is_blank(text) else text
    text = text.strip()
    if not text:
        return None
    try:
        return _DECODER.decode(_to_json(text))
    except (ValueError, SyntaxError, RecursionError, MemoryError, TypeError):
        pass
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, RecursionError, MemoryError, TypeError):
        return None


def names(text: Any, key: str = "name") -> list[str] | None:
    """The ``key`` values of a list of dicts (or of one dict), in order, blanks skipped.

    ``"[{'id': 16, 'name': 'Animation'}]"`` -> ``['Animation']``; ``"[]"`` -> ``[]``;
    blank or unparsable text, or a value of another shape -> None.
    """
    value = parse_literal(text)
    return names_of(value, key)


def names_of(value: Any, key: str = "name") -> list[str] | None:
    """`names` for a value that is already parsed (a dict, a list of dicts or strings, or None)."""
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        return None
    out: list[str] = []
    for item in value:
        name = item.get(key) if isinstance(item, dict) else item if isinstance(item, str) else None
        if name is not None and str(name).strip():
            out.append(str(name).strip())
    return out
