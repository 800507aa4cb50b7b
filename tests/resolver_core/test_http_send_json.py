"""``send_json``: any method with request headers (a bearer token), a raw body or a form, and
answers without a body (HTTP 204) read as None; failures as every API call's."""

from __future__ import annotations

import pytest
import responses
import responses.matchers

from resolver_core import errors
from resolver_core.http import make_session, send_json

API = "https://api.example/v1"


def test_headers_and_a_form_go_with_any_method() -> None:
    with responses.RequestsMock() as api:
        api.post(
            f"{API}/add",
            match=[
                responses.matchers.header_matcher({"Authorization": "Bearer t0ken"}),
                responses.matchers.urlencoded_params_matcher({"link": "https://x.example/f"}),
            ],
            status=201,
            json={"id": "A1"},
        )
        body, response = send_json(
            make_session(retries=0),
            "POST",
            f"{API}/add",
            data={"link": "https://x.example/f"},
            headers={"Authorization": "Bearer t0ken"},
            provider="p",
        )
    assert body == {"id": "A1"} and response.status_code == 201


def test_a_raw_body_is_sent_as_it_is() -> None:
    with responses.RequestsMock() as api:
        api.put(f"{API}/upload", json={"id": "B2"})
        body, _ = send_json(make_session(retries=0), "PUT", f"{API}/upload", data=b"\x00raw", provider="p")
        assert api.calls[0].request.body == b"\x00raw"
    assert body == {"id": "B2"}


def test_an_answer_without_a_body_is_none() -> None:
    with responses.RequestsMock() as api:
        api.delete(f"{API}/item/1", status=204)
        body, response = send_json(make_session(retries=0), "DELETE", f"{API}/item/1", provider="p")
    assert body is None and response.status_code == 204


def test_an_answer_that_is_not_json_is_an_error_as_elsewhere() -> None:
    with responses.RequestsMock() as api:
        api.get(f"{API}/x", status=502, body=b"<html>bad gateway</html>")
        with pytest.raises(errors.ProviderOutage, match="HTML page") as caught:
            send_json(make_session(retries=0), "GET", f"{API}/x", provider="p")
    assert caught.value.code == 502 and caught.value.no_answer
