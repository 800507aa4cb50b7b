"""Fixtures of the provider client tests: the mocked API, and the secrets to redact."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import responses

from resolver_core.redact import clear_secrets, register_secrets


@pytest.fixture
def api() -> Iterator[responses.RequestsMock]:
    """Every request answered by the test's mocks; an unused mock fails the test."""
    with responses.RequestsMock() as mock:
        yield mock


@pytest.fixture(autouse=True)
def secrets(request: pytest.FixtureRequest) -> Iterator[None]:
    """The test module's ``SECRETS`` registered for redaction, and forgotten afterwards."""
    register_secrets(getattr(request.module, "SECRETS", []))
    yield
    clear_secrets()
