"""The page against the packages API it is built for (names, passwords, package states and
counts, mirror rows, retry, remove, a paged history), in a real browser. The page's own
server serves it; the package answers are the API's documented shapes, given by a stand-in
for ``fetch`` put into the page before its script runs (and an event stream that stays
quiet), so this proves the page's side only: the serve tests prove the server's."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any, Final

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver

from .conftest import CLI
from .test_browser import chromium_session, serving, wait_for
from .test_browser_page import WIDTHS, audit, described, emulate, screenshot, sections

NOW: Final = 1_796_000_000.0
ROW: Final[dict[str, Any]] = {
    "state": "resolved",
    "provider": "premiumize",
    "hoster": "rapidgator.net",
    "url": None,
    "filename": None,
    "size": None,
    "sha1": None,
    "error": None,
    "code": None,
    "files": [],
    "message": None,
    "wait_until": None,
    "captcha": None,
    "download": None,
    "downloaded": 0,
    "download_size": None,
    "saved_as": None,
    "saved": [],
    "verified": None,
    "mirror_of": None,
}


def row(position: int, link: str, **fields: Any) -> dict[str, Any]:
    return {**ROW, "position": position, "input": link, **fields}


def package(job_id: str, name: str, links: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    return {
        "id": job_id,
        "origin": "paste",
        "package": None,
        "name": name,
        "password": None,
        "created": NOW - 600,
        "stage": "ended",
        "done": True,
        "finished": None,
        "downloading": 0,
        "version": 3,
        "needs_captcha": 0,
        "links": links,
        **fields,
    }


HOLIDAY = package(
    "holiday",
    "Holiday photos",
    [
        row(
            0,
            "https://rapidgator.net/file/h1/Holiday.part1.rar.html",
            url="https://dl.example/Holiday.part1.rar",
            filename="Holiday.part1.rar",
            size=1_500_000,
            download="downloading",
            downloaded=600_000,
            download_size=1_500_000,
        ),
        row(1, "https://rg.to/file/h1b/Holiday.part1.rar.html", state="mirror", provider=None, mirror_of=0),
        row(
            2,
            "https://rapidgator.net/file/h2/Holiday.part2.rar.html",
            url="https://dl.example/Holiday.part2.rar",
            filename="Holiday.part2.rar",
            size=1_000_000,
            download="saved",
            downloaded=1_000_000,
            download_size=1_000_000,
            saved_as="Holiday.part2.rar",
            saved=["Holiday.part2.rar"],
            verified=True,
        ),
        row(3, "https://nitroflare.com/view/H3/Holiday.part3.rar", state="resolving", provider=None),
    ],
    password="pw-from-the-post",
    state="downloading",
    stage="resolving",
    done=False,
    downloading=1,
    counts={"total": 4, "ok": 2, "failed": 0},
)
SERIES = package(
    "series",
    "Series S01",
    [
        row(
            0,
            "https://uploaded.net/file/s1",
            url="https://dl.example/S01E01.mkv",
            filename="S01E01.mkv",
            size=1,
        ),
        row(
            1,
            "https://uploaded.net/file/s2",
            state="offline",
            provider="premiumize",
            error="the file is gone",
        ),
        row(
            2,
            "https://uploaded.net/file/s3",
            state="error",
            provider="premiumize",
            error="the hoster refused",
        ),
    ],
    origin="watch",
    package="series.crawljob",
    state="failed",
    finished=NOW - 60,
    counts={"total": 3, "ok": 1, "failed": 2},
)


def ended(job_id: str, name: str, finished: float, failed: int = 0) -> dict[str, Any]:
    summary = package(
        job_id, name, [], state="failed" if failed else "done", created=finished - 900, finished=finished
    )
    summary["counts"] = {"total": 5, "ok": 5 - failed, "failed": failed}
    del summary["links"]
    return summary


HISTORY: Final = [
    ended("old1", "Concert recording", NOW - 3600, failed=1),
    ended("old2", "Linux images", NOW - 7200),
    ended("old3", "Old podcast", NOW - 86400 * 3),
]

#: The stand-in: ``fetch`` answers the packages API from PACKAGES and HISTORY (two a page),
#: records each call in ``window.calls``; everything else goes to the real server.
STAND_IN: Final = """
(() => {
  const packages = PACKAGES;
  const history = HISTORY;
  window.calls = [];
  const real = window.fetch.bind(window);
  const answer = (data, status = 200) =>
    new Response(JSON.stringify(data), { status, headers: { "Content-Type": "application/json" } });
  window.fetch = async (address, init) => {
    const url = new URL(address, location.href);
    const method = (init && init.method) || "GET";
    window.calls.push(`${method} ${url.pathname}${url.search}`);
    let found;
    if (url.pathname === "/api/jobs") {
      return answer({ jobs: packages.map(({ links, ...summary }) => summary) });
    }
    if ((found = url.pathname.match(/^\\/api\\/jobs\\/([^/]+)$/))) {
      const job = packages.find((p) => p.id === found[1]);
      return job ? answer(job) : answer({ error: "no such job" }, 404);
    }
    if ((found = url.pathname.match(/^\\/api\\/jobs\\/([^/]+)\\/(retry|remove)$/))) {
      return answer(found[2] === "remove" ? { removed: found[1] } : { retrying: 2 });
    }
    if (url.pathname === "/api/history") {
      const before = Number(url.searchParams.get("before") || Infinity);
      const older = history.filter((p) => p.finished < before);
      return answer({ packages: older.slice(0, 2), more: older.length > 2 });
    }
    return real(address, init);
  };
  window.EventSource = class { constructor() {} close() {} };
})();
"""


@pytest.fixture
def page(cli: CLI) -> Iterator[WebDriver]:
    """The page with the stand-in API, its packages listed."""
    with serving(cli) as url, chromium_session() as browser:
        source = STAND_IN.replace("PACKAGES", json.dumps([HOLIDAY, SERIES])).replace(
            "HISTORY", json.dumps(HISTORY)
        )
        browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": source})
        browser.get(url)
        wait_for(lambda: len(sections(browser)) == 2, 10, "the packages")
        yield browser


def calls(browser: WebDriver) -> list[str]:
    return list(browser.execute_script("return window.calls"))


def test_a_package_shows_its_name_password_progress_and_mirror(page: WebDriver) -> None:
    holiday, series = sections(page)[1], sections(page)[0]
    assert holiday.find_element(By.CLASS_NAME, "toggle").text == "Holiday photos"
    assert holiday.find_element(By.CLASS_NAME, "badge").text == "Downloading"
    assert holiday.find_element(By.CSS_SELECTOR, ".password code").text == "pw-from-the-post"
    assert holiday.find_element(By.CSS_SELECTOR, ".password button").get_attribute("aria-label") == (
        "Copy the password of Holiday photos"
    )
    assert (
        holiday.find_element(By.CLASS_NAME, "progress-text").text == "2 of 4 ok · 1.6 MB of 2.5 MB downloaded"
    )
    assert holiday.find_element(By.CLASS_NAME, "pkg-progress").get_attribute("value") == "2"
    mirror = holiday.find_elements(By.CSS_SELECTOR, "tbody tr")[1]
    assert mirror.find_element(By.CSS_SELECTOR, "td.state").text == "mirror"
    assert (
        mirror.find_element(By.CSS_SELECTOR, "td.direct").text == "another mirror served this file (link 1)"
    )
    # An ended package from before the page opened is folded; one at work is open.
    assert holiday.find_element(By.CLASS_NAME, "toggle").get_attribute("aria-expanded") == "true"
    assert series.find_element(By.CLASS_NAME, "toggle").get_attribute("aria-expanded") == "false"
    assert series.find_element(By.CLASS_NAME, "badge").text == "Failed"
    assert "Watch folder" in series.find_element(By.CLASS_NAME, "meta").text
    for width in WIDTHS:
        for scheme in ("light", "dark"):
            emulate(page, width, scheme)
            time.sleep(0.2)
            assert page.execute_script("return document.documentElement.scrollWidth") <= width
            blocking = audit(page)
            assert not blocking, described(blocking)
            screenshot(page, "page-package-states", width, scheme)


def test_retry_and_remove_ask_the_server_and_remove_takes_the_package_away(page: WebDriver) -> None:
    series = sections(page)[0]
    assert not sections(page)[1].find_element(By.CLASS_NAME, "retry").is_displayed()  # nothing failed
    series.find_element(By.CLASS_NAME, "retry").send_keys(Keys.ENTER)
    wait_for(lambda: "POST /api/jobs/series/retry" in calls(page), 5, "the retry")
    series.find_element(By.CLASS_NAME, "remove").send_keys(Keys.ENTER)
    wait_for(lambda: len(sections(page)) == 1, 5, "the package to go")
    assert "POST /api/jobs/series/remove" in calls(page)
    assert page.find_element(By.ID, "status").text == "Removed."


def test_the_history_pages_back_through_ended_packages(page: WebDriver) -> None:
    tab = page.find_element(By.ID, "view-history")
    wait_for(tab.is_displayed, 5, "the history view's button")
    tab.send_keys(Keys.ENTER)
    assert tab.get_attribute("aria-pressed") == "true"
    assert not page.find_element(By.ID, "paste").is_displayed()

    def names() -> list[str]:
        return [item.text for item in page.find_elements(By.CSS_SELECTOR, "#history li .name")]

    wait_for(lambda: names() == ["Concert recording", "Linux images"], 5, "the first page")
    more = page.find_element(By.ID, "history-more")
    assert more.is_displayed()
    more.send_keys(Keys.ENTER)
    wait_for(lambda: len(names()) == 3, 5, "the older page")
    assert names()[2] == "Old podcast" and not more.is_displayed()
    # The next page: before the last listed package's creation (the history's order).
    assert f"GET /api/history?limit=20&before={int(NOW - 7200 - 900)}" in calls(page)
    first = page.find_element(By.CSS_SELECTOR, "#history li")
    assert [b.text for b in first.find_elements(By.TAG_NAME, "button")] == ["Retry failed", "Remove"]
    for width in WIDTHS:
        emulate(page, width, "dark")
        time.sleep(0.2)
        blocking = audit(page)
        assert not blocking, described(blocking)
        screenshot(page, "page-history", width, "dark")
    # "/" goes back to the paste box, in the packages view.
    page.find_element(By.TAG_NAME, "body").send_keys("/")
    assert page.switch_to.active_element.get_attribute("id") == "paste"
