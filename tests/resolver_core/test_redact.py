"""Secrets are masked at every sink, in every form they travel in."""

from __future__ import annotations

import base64
import io
import json
import logging
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

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


@pytest.mark.parametrize("prefix", [b"", b"x", b"xy", b"login:", b"Authorization: Basic ab"])
@pytest.mark.parametrize("encode", [base64.b64encode, base64.urlsafe_b64encode])
def test_base64_of_a_secret_inside_longer_text_at_any_alignment(
    prefix: bytes, encode: Callable[[bytes], bytes]
) -> None:
    blob = encode(prefix + b"PIN-4711" + b"tail").decode()
    masked = redact(f"the provider said {blob}")
    assert MASK in masked
    for offset in range(3):  # no alignment of the secret's bytes survives
        inner = encode(b"\0" * offset + b"PIN-4711").decode()[3:-3]
        assert inner not in masked


def test_hex_of_a_secret_in_both_cases() -> None:
    for text in (b"PIN-4711".hex(), b"PIN-4711".hex().upper()):
        assert redact(f"id={text}") == f"id={MASK}"


def test_secrets_echoed_by_a_provider_reach_no_output_and_no_cache(tmp_path: Path) -> None:
    """A hoster list, a file name or a location holding the user's PIN: masked in human
    lines, in JSON Lines, and in the cached hoster list."""
    from linkresolver.cli.app import print_json
    from resolver_core.cache import HosterListCache
    from resolver_core.models import ResolvedLink
    from resolver_core.output import shown
    from resolver_core.pipeline import Outcome

    assert shown("file PIN-4711.bin") == f"file {MASK}.bin"
    link = ResolvedLink(
        "https://rg.to/file/a", "https://cdn.example/PIN-4711/f", "p", "rg.to", "PIN-4711.bin"
    )
    out = io.StringIO()
    print_json(Outcome(link.input, "ok", link=link, provider="p", hoster="rg.to"), out)
    assert "PIN-4711" not in out.getvalue() and json.loads(out.getvalue())["filename"] == f"{MASK}.bin"
    cache = HosterListCache(tmp_path, ttl_hours=1)
    cache.get("p", lambda: {"hosters": {"PIN-4711.example": {"regexes": ["x"]}}})
    assert "PIN-4711" not in cache.path("p").read_text(encoding="utf-8")


def test_an_api_base_with_credentials_is_refused_without_showing_them(tmp_path: Path) -> None:
    from resolver_core.config import load_config
    from resolver_core.errors import ConfigError

    config = tmp_path / "config.toml"
    config.write_text(
        '[providers.premiumize]\napi_base = "https://123:PIN-4711@api.example/pm-api/v1.php"\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        load_config(config, env={})
    clear_secrets()  # the message must not rely on redaction: it never holds the key at all
    message = str(caught.value)
    assert "has credentials in it" in message and "PIN-4711" not in message and "123:" not in message
    assert "https://***@api.example/pm-api/v1.php" in message
    with pytest.raises(ConfigError, match="has credentials in it"):
        load_config(config, env={"LINKRESOLVER_PREMIUMIZE_API_BASE": "http://u:PIN-4711@127.0.0.1:1/x"})
