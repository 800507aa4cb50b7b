"""The sandbox's fault injection (what the soak stands on): each kind of fault does what it
says to a real client over a real socket, and the pipeline gets through them."""

from __future__ import annotations

import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator

import pytest
import requests

from linkresolver.plugins.premiumize.sandbox import API_PATH, LOGIN, PIN
from resolver_core import errors
from resolver_core.http import get_json, make_session
from resolver_core.manager import make_plugin_manager
from resolver_core.sandbox import Faults, Sandbox, build_sandbox
from resolver_core.sandbox.faults import API_FAULTS


@pytest.fixture
def faulty() -> Iterator[Sandbox]:
    faults = Faults(1.0, 1.0, seed=3, hang=0.6)  # every call fails, every connection is cut
    with build_sandbox(make_plugin_manager(load_entry_points=False), faults=faults) as sandbox:
        yield sandbox


def account_url(sandbox: Sandbox) -> str:
    return f"{sandbox.url}{API_PATH}?method=accountstatus&params[login]={LOGIN}&params[pass]={PIN}"


def test_every_kind_of_fault_reaches_the_client_as_a_provider_failure(faulty: Sandbox) -> None:
    session = make_session(retries=0, timeout=0.3)
    seen: Counter[str] = Counter()
    for _ in range(80):
        with pytest.raises(errors.ResolverError) as raised:
            get_json(session, account_url(faulty), provider="premiumize")
        error = raised.value
        assert isinstance(error, errors.ProviderOutage | errors.QuotaExhausted), error
        seen[type(error).__name__] += 1
    assert faulty.faults is not None
    injected = faulty.faults.summary()
    assert set(injected) == set(API_FAULTS)  # every kind, over 80 calls
    # 503 and 509 come with Retry-After: 1, which the client takes as the provider's word.
    assert seen["QuotaExhausted"] == injected["http509"]


def test_a_reset_is_a_reset(faulty: Sandbox) -> None:
    assert faulty.faults is not None
    faulty.faults.fail_rate = 0.0
    kinds = iter(["reset"])
    original = faulty.faults.answer

    def reset_once(request, endpoint):  # type: ignore[no-untyped-def]
        if next(kinds, None) == "reset":
            from resolver_core.sandbox.faults import _reset

            _reset(request)
        return original(request, endpoint)

    faulty.faults.answer = reset_once  # type: ignore[method-assign]
    with pytest.raises(requests.ConnectionError):
        requests.get(account_url(faulty), timeout=5)
    assert requests.get(account_url(faulty), timeout=5).json()["status"] == 200


def test_cut_downloads_resume_to_the_right_bytes(faulty: Sandbox) -> None:
    """With every connection cut a quarter in, a ranged download still completes (each
    resume asks for the rest), and the bytes are the file's."""
    assert faulty.faults is not None
    faulty.faults.fail_rate = 0.0
    file = faulty.add_file("cutme.bin", 64_000)
    data, _ = faulty.file_data(file)
    got = b""
    for _ in range(60):  # each connection gives a quarter of what is left
        answer = requests.get(
            f"{faulty.url}{file.path}", headers={"Range": f"bytes={len(got)}-"}, timeout=5, stream=True
        )
        try:
            for chunk in answer.iter_content(1):  # a byte at a time: a cut loses nothing read
                got += chunk
        except requests.exceptions.ChunkedEncodingError:
            continue  # cut: ask for the rest
        break
    assert got == data
    assert faulty.faults.summary()["cut"] >= 3


def test_no_faults_when_none_asked() -> None:
    with build_sandbox(make_plugin_manager(load_entry_points=False), faults=Faults(0.0, 0.0)) as sandbox:
        for _ in range(20):
            assert requests.get(account_url(sandbox), timeout=5).json()["status"] == 200
        assert sandbox.faults is not None and sandbox.faults.summary() == {}


@pytest.mark.parametrize("rates", [(-0.1, 0.0), (0.0, 1.5)])
def test_rates_are_shares(rates: tuple[float, float]) -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        Faults(*rates)


@pytest.mark.parametrize(("option", "value"), [("--fail-rate", "2"), ("--cut-rate", "lots")])
def test_the_command_says_what_is_wrong(option: str, value: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "linkresolver", "sandbox", option, value],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert option in done.stderr and "Traceback" not in done.stderr


def test_the_request_log_says_when_each_call_came_with_what_and_its_status() -> None:
    with build_sandbox(make_plugin_manager(load_entry_points=False)) as sandbox:
        before = time.time()
        requests.get(account_url(sandbox), timeout=5)
        requests.post(f"{sandbox.url}{API_PATH}", data={"method": "nothing-of-the-kind"}, timeout=5)
        requests.get(f"{sandbox.url}/realdebrid/rest/1.0/user", timeout=5)  # no token: 401
        got = list(sandbox.request_log)
    assert [(call.path, call.status) for call in got] == [
        (API_PATH, 200),
        (API_PATH, 200),
        ("/realdebrid/rest/1.0/user", 401),
    ]
    assert got[0].values["method"] == "accountstatus" and got[1].values == {"method": "nothing-of-the-kind"}
    assert before <= got[0].at <= got[1].at <= got[2].at <= time.time()
