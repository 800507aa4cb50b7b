"""Loose values from API answers, made typed: the seeds send numbers as numbers, as strings
(``"size": "361357875"``) and as ``false`` when unknown, and every client reads them alike."""

from __future__ import annotations

import math
from typing import Any

#: The longest digit string read as a number.
MAX_DIGITS = 30


def loose_int(value: Any, *, minimum: int = 0, maximum: int | None = None) -> int | None:
    """An int from a number or a string of ASCII digits; None for null, false, text that is
    not a number, or a value outside ``minimum``..``maximum``.

    ASCII only: ``str.isdigit`` and ``int`` also take "²" and "٣", which no API means.
    """
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        value = int(value)
    elif isinstance(value, str):
        text = value.strip()
        # More digits than any size or time has: not a number an API means (and int() of
        # 4,300 digits or more raises).
        if not (text.isascii() and text.isdigit()) or len(text) > MAX_DIGITS:
            return None
        value = int(text)
    if not isinstance(value, int):
        return None
    if value < minimum or (maximum is not None and value > maximum):
        return None
    return value


def loose_float(value: Any) -> float | None:
    """A finite float from a number or a numeric string; None for null, false or anything else."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None
