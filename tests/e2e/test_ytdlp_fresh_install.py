"""The yt-dlp plugin right after ``pip install linkresolver``: the wheel (not an editable
install) in a new virtual environment, a fresh cache, one file host configured, and nothing
of linkresolver run before yt-dlp. No network: the wheel is built offline (hatchling from
the dev extra), and the new environment borrows its dependencies from this one through a
``.pth`` line, which adds that site-packages as a plain directory (its own ``.pth`` files,
the editable install's among them, are not read), so the source tree stays out of reach."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from resolver_core.sandbox import Sandbox

from .conftest import CLI, REPO


@pytest.fixture(scope="session")
def fresh_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The python of a new virtual environment with linkresolver's wheel installed."""
    root = tmp_path_factory.mktemp("fresh-install")
    wheels = root / "wheels"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input", "-q"]
    subprocess.run(
        [*pip, "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", str(wheels), str(REPO)],
        check=True,
        timeout=300,
    )
    (wheel,) = wheels.glob("linkresolver-*.whl")
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    subprocess.run(
        [*pip, "--python", str(python), "install", "--no-deps", "--no-index", str(wheel)],
        check=True,
        timeout=300,
    )
    site_packages = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    dependencies = sysconfig.get_paths()["purelib"]  # this environment's: yt-dlp, requests, ...
    Path(site_packages, "dependencies-of-the-test.pth").write_text(dependencies + "\n", encoding="utf-8")
    return python


def clean_env(home: Path, **variables: str) -> dict[str, str]:
    """A user's environment: no PYTHONPATH, no sandbox credentials, a home of its own."""
    kept = {name: os.environ[name] for name in ("PATH", "LANG", "LC_ALL", "TMPDIR") if name in os.environ}
    return {**kept, "HOME": str(home), **variables}


def test_the_installed_wheel_is_what_runs(fresh_python: Path, tmp_path: Path) -> None:
    probe = (
        "import json, sys, hostermatch, resolver_core, yt_dlp\n"
        "import yt_dlp_plugins.extractor.linkresolver as plugin\n"
        "print(json.dumps([m.__file__ for m in (plugin, resolver_core, hostermatch, yt_dlp)] + sys.path))\n"
    )
    done = subprocess.run(
        [str(fresh_python), "-c", probe],
        env=clean_env(tmp_path),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    plugin, core, matcher, ytdlp, *path = json.loads(done.stdout)
    venv = str(fresh_python.parents[1])
    assert all(module.startswith(venv) for module in (plugin, core, matcher))
    assert not ytdlp.startswith(venv)  # a dependency, borrowed
    assert str(REPO) not in path  # the source tree is not importable (cwd is tmp_path)


def test_yt_dlp_downloads_a_file_hosts_link_before_linkresolver_ever_ran(
    fresh_python: Path, sandbox: Sandbox, cli: CLI, tmp_path: Path
) -> None:
    home = tmp_path / "user"
    home.mkdir()
    config = home / "config.toml"
    config.write_text(
        f'[providers.openload]\nenabled = true\napi_base = "{sandbox.url}/openload/1"\n', encoding="utf-8"
    )
    cache = home / "fresh-cache"
    env = clean_env(home, LINKRESOLVER_CONFIG=str(config), LINKRESOLVER_CACHE_DIR=str(cache))
    link = "https://openload.co/f/fresh01/Holiday.Fresh.mp4"
    done = subprocess.run(
        [
            str(fresh_python),
            "-m",
            "yt_dlp",
            "--no-config",
            "-o",
            str(home / "got" / "%(title)s.%(ext)s"),
            link,
        ],
        env=env,
        cwd=home,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"[linkresolver] Extracting URL: {link}" in done.stdout
    assert "[generic]" not in done.stdout + done.stderr
    (saved_file,) = (home / "got").iterdir()
    saved = saved_file.read_bytes()
    served = cli("resolve", "--json", link).json_lines()[0]
    assert served["status"] == "ok", served
    import requests

    expected = requests.get(served["url"], timeout=10).headers["X-Sha1"]
    assert hashlib.sha1(saved).hexdigest() == expected
