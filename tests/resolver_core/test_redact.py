"""Secrets are masked at every sink, in every form they travel in."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator

import pytest

from resolver_core.redact import MASK, RedactingFormatter, clear_secrets, redact, register_secrets


@pytest.fixture(autouse=True)
def secrets() -> Iterator[None]:
    register_secrets(["p@ss word/1", "PIN-4711"])
    yield
    clear_secrets()


@pytest.mark.parametrize(
    "text",
    [
        "key is PIN-4711 here",
        "https://api.example/x?params[pass]=p%40ss%20word%2F1&a=1",
        "https://api.example/x?params[pass]=p%40ss+word%2F1",
        "raw p@ss word/1 value",
    ],
)
def test_registered_values_in_every_form(text: str) -> None:
    masked = redact(text)
    assert "PIN-4711" not in masked and "p@ss" not in masked and "p%40ss" not in masked
    assert MASK in masked


@pytest.mark.parametrize(
    "text",
    [
        "GET /v1.php?method=x&params[pass]=unregistered-secret&params[login]=1",
        "GET /v1.php?params%5Bpass%5D=unregistered-secret",
        "https://api.example/?key=unregistered-secret",
        "https://api.example/?password=unregistered-secret#frag",
    ],
)
def test_secret_named_parameters_whatever_they_hold(text: str) -> None:
    assert "unregistered-secret" not in redact(text)


def test_formatter_redacts_message_arguments_and_tracebacks() -> None:
    formatter = RedactingFormatter("%(message)s")
    try:
        raise ValueError("failed with PIN-4711")
    except ValueError:
        record = logging.LogRecord(
            "x", logging.ERROR, __file__, 1, "calling %s", ("PIN-4711",), sys.exc_info()
        )
    output = formatter.format(record)
    assert "PIN-4711" not in output
    assert "calling ***" in output and "ValueError: failed with ***" in output


def test_short_values_are_not_masked_everywhere() -> None:
    register_secrets(["ab"])
    assert redact("tab cab") == "tab cab"
