"""Click'n'Load: a website's button posts (encrypted) links to 127.0.0.1:9666, and
`linkresolver serve --cnl` resolves them. The payload is built here as a site builds it."""

from __future__ import annotations

import base64
import json
import os
import select
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
import requests
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from resolver_core.handoff.clicknload import ClickAndLoadError, decrypt_links, key_from_jk

from .conftest import CLI
from .test_handoff import free_port

KEY_HEX = "31323334353637383930313233343536"
JK = f"function f(){{ return '{KEY_HEX}'; }}"


def encrypt(links: list[str], key_hex: str = KEY_HEX) -> str:
    """What a Click'n'Load site sends: AES-128-CBC, the key as IV, zero padding, base64."""
    key = bytes.fromhex(key_hex)
    data = "\r\n".join(links).encode()
    data += b"\x00" * (-len(data) % 16)
    encryptor = Cipher(algorithms.AES(key), modes.CBC(key)).encryptor()
    return base64.b64encode(encryptor.update(data) + encryptor.finalize()).decode()


def test_the_payload_decrypts_to_its_links() -> None:
    links = ["https://openload.co/f/abc/x", "https://rapidgator.net/file/def"]
    assert decrypt_links(encrypt(links), JK) == links
    assert key_from_jk('function f(){return "' + KEY_HEX.upper() + '";}') == bytes.fromhex(KEY_HEX)
    for crypted, jk in [
        ("not base64!", JK),
        (encrypt(links), "function f(){ return 'short'; }"),
        ("QUJD", JK),
    ]:
        with pytest.raises(ClickAndLoadError):
            decrypt_links(crypted, jk)


@pytest.fixture
def receiver(cli: CLI) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "resolver_core",
            "serve",
            "--port",
            "0",
            "--cnl",
            "--cnl-port",
            str(port),
            "--json",
        ],
        env=cli.env,
        cwd=cli.home,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            requests.get(f"{url}/jdcheck.js", timeout=0.5)
            break
        except requests.ConnectionError:
            time.sleep(0.1)
    try:
        yield url, process
    finally:
        process.terminate()
        process.communicate(timeout=10)  # waits, and closes the pipe


def read_lines(process: subprocess.Popen[bytes], count: int) -> list[str]:
    """``count`` lines of the receiver's output (read from the pipe itself: select and a
    buffered reader do not mix)."""
    assert process.stdout is not None
    fd = process.stdout.fileno()
    buffer = b""
    deadline = time.monotonic() + 20
    while buffer.count(b"\n") < count and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            buffer += os.read(fd, 65536)
    return buffer.decode().splitlines()[:count]


def test_a_click_and_load_round_trip(receiver: tuple[str, subprocess.Popen[bytes]]) -> None:
    url, process = receiver
    check = requests.get(f"{url}/jdcheck.js", timeout=5)
    assert "jdownloader=true" in check.text
    links = ["https://openload.co/f/cnl-one/x", "https://rapidgator.net/file/cnltwo/Movie.rar.html"]
    answer = requests.post(
        f"{url}/flash/addcrypted2",
        data={"crypted": encrypt(links), "jk": JK, "passwords": "", "source": "https://forum.example/t/1"},
        timeout=10,
    )
    assert answer.text.strip() == "success"
    resolved = [json.loads(line) for line in read_lines(process, 2)]
    assert [r["input"] for r in resolved] == links
    assert all(r["status"] == "ok" for r in resolved)
    plain = requests.post(f"{url}/flash/add", data={"urls": "https://openload.co/f/cnl-three/x"}, timeout=10)
    assert plain.text.strip() == "success"
    assert json.loads(read_lines(process, 1)[0])["input"] == "https://openload.co/f/cnl-three/x"


def test_a_bad_payload_is_refused_and_the_receiver_lives_on(
    receiver: tuple[str, subprocess.Popen[bytes]],
) -> None:
    url, process = receiver
    bad = requests.post(f"{url}/flash/addcrypted2", data={"crypted": encrypt(["x"]), "jk": "nope"}, timeout=5)
    assert bad.status_code == 400 and bad.text.strip() == "failed"
    assert requests.get(f"{url}/jdcheck.js", timeout=5).status_code == 200
    assert process.poll() is None
