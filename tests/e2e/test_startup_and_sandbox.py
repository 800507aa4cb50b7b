"""The command's start-up stays light, and `linkresolver sandbox` serves what it prints."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import requests

from .conftest import REPO


def test_help_imports_nothing_heavy() -> None:
    code = (
        "import os, sys, json\n"
        "from linkresolver.cli.parser import main\n"
        "with open(os.devnull, 'w') as sink:\n"
        "    main(['--help'], stdout=sink)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    loaded = set(json.loads(done.stdout.strip().splitlines()[-1]))
    for heavy in ("werkzeug", "tqdm", "requests", "re2", "regex", "hostermatch", "yt_dlp"):
        assert heavy not in loaded, heavy


def test_sandbox_command_prints_working_environment_lines() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LINKRESOLVER_")}
    with subprocess.Popen(
        [sys.executable, "-m", "linkresolver", "sandbox"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=REPO,
        env=env,
    ) as process:
        try:
            exports = read_exports(process)
        finally:
            process.terminate()
            process.wait(timeout=10)
    assert exports  # read while the sandbox ran; the answer was checked there


def read_exports(process: subprocess.Popen[str]) -> dict[str, str]:
    """Read the printed lines up to the last one, and check that they point at a sandbox."""
    assert process.stdout is not None
    lines = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        lines.append(line)
        if line.startswith("# Ctrl-C") or not line:
            break
    exports = dict(
        line.removeprefix("export ").strip().split("=", 1) for line in lines if line.startswith("export ")
    )
    api_base = exports["LINKRESOLVER_PREMIUMIZE_API_BASE"]
    assert api_base.startswith("http://127.0.0.1:")
    params = {
        "method": "accountstatus",
        "params[login]": exports["LINKRESOLVER_PREMIUMIZE_LOGIN"],
        "params[pass]": exports["LINKRESOLVER_PREMIUMIZE_KEY"],
    }
    answer = requests.get(api_base, params=params, timeout=10).json()
    assert answer["status"] == 200 and answer["result"]["type"] == "premium"
    return exports
