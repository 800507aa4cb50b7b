"""Loose API values made typed."""

from __future__ import annotations

import pytest

from resolver_core.values import loose_int


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (5, 5),
        ("361357875", 361357875),
        (" 7 ", 7),
        (3.0, 3),
        (None, None),
        (False, None),
        (True, None),
        ("", None),
        ("-5", None),
        ("1.5", None),
        ("²", None),
        ("٣", None),
        (float("nan"), None),
        (float("inf"), None),
        ([1], None),
        (-1, None),
    ],
)
def test_loose_int(value: object, expected: int | None) -> None:
    assert loose_int(value) == expected
    assert loose_int(10, maximum=9) is None and loose_int(0, minimum=1) is None


def test_absurdly_long_digit_strings_are_not_numbers() -> None:
    assert loose_int("9" * 30) == int("9" * 30)
    assert loose_int("9" * 31) is None
    assert loose_int("9" * 5000) is None  # int() itself would raise past 4,300 digits
