"""The paste page in a real browser: Debian's headless chromium, driven through its
chromedriver, against `linkresolver serve` on the sandbox. A screenshot is kept in
.artifacts/ (or $LINKRESOLVER_TEST_ARTIFACTS)."""

from __future__ import annotations

import base64
import contextlib
import os
import re
import select
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests
from selenium import webdriver
from selenium.common.exceptions import ElementNotInteractableException, StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement

from resolver_core.sandbox.captcha import read_answer

from .conftest import CLI
from .test_clicknload import JK, encrypt
from .test_handoff import free_port

ARTIFACTS = Path(
    os.environ.get("LINKRESOLVER_TEST_ARTIFACTS", Path(__file__).resolve().parents[2] / ".artifacts")
)
POST = """New upload, pw: demo
[url=https://rapidgator.net/file/br01/Holiday.part1.rar.html]Part 1[/url]
Part 2: https://rg.to/file/br02/Holiday.part2.rar.html
Extras: https://openload.co/f/captcha-br03/Holiday.Extras.mkv
Trailer: https://openload.co/f/wait3-br04/Trailer.mp4
Deleted: https://rapidgator.net/file/status404
Odd name: https://openload.co/f/hostile6-br05/x
"""
XSS_NAME = "<img src=x onerror=alert(1)>.mkv"


@contextlib.contextmanager
def serving(cli: CLI, *extra: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """``linkresolver serve --port 0 -o DOWNLOADS EXTRA...`` on the sandbox: its URL."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "linkresolver",
            "serve",
            "--port",
            "0",
            "-o",
            str(cli.home / "downloads"),
            *extra,
        ],
        env={**cli.env, **(env or {})},
        cwd=cli.home,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    assert process.stderr is not None
    seen = b""
    deadline = time.monotonic() + 20
    while b"/api/openapi.json" not in seen and time.monotonic() < deadline:
        if select.select([process.stderr], [], [], 0.5)[0]:
            seen += os.read(process.stderr.fileno(), 4096)
    found = re.search(rb"serve: (http://127\.0\.0\.1:\d+)", seen)
    try:
        assert found is not None, seen
        yield found.group(1).decode()
    finally:
        process.terminate()
        process.communicate(timeout=10)


@pytest.fixture
def server(cli: CLI) -> Iterator[str]:
    with serving(cli, env={"LINKRESOLVER_DISABLE_PLUGINS": "offcloud"}) as url:
        yield url


@pytest.fixture
def browser() -> Iterator[WebDriver]:
    with chromium_session() as session:
        yield session


@contextlib.contextmanager
def chromium_session() -> Iterator[WebDriver]:
    """Debian's headless chromium through its chromedriver (the browser tests' browser)."""
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if chromium is None or driver is None:
        pytest.fail(
            "chromium and chromedriver are needed: apt install chromium chromium-driver (.ci/run does)"
        )
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1400,1000"):
        options.add_argument(argument)
    session = webdriver.Chrome(options=options, service=Service(driver))
    try:
        yield session
    finally:
        session.quit()


def job(browser: WebDriver, index: int = 0) -> WebElement:
    """The section of a job on the page, the newest first (it stays while its rows redraw)."""
    return browser.find_elements(By.CSS_SELECTOR, "#jobs section.job")[index]


def job_status(browser: WebDriver, index: int = 0) -> str:
    sections = browser.find_elements(By.CSS_SELECTOR, "#jobs section.job")
    return sections[index].find_element(By.CLASS_NAME, "job-status").text if len(sections) > index else ""


def cells(browser: WebDriver, css: str, index: int = 0) -> list[str]:
    """The text of the cells ``css`` in a job's rows (none before the job shows)."""
    for _ in range(20):  # the table is redrawn as rows change (and every second while waiting)
        try:
            sections = browser.find_elements(By.CSS_SELECTOR, "#jobs section.job")
            if len(sections) <= index:
                return []
            return [cell.text for cell in sections[index].find_elements(By.CSS_SELECTOR, f"tbody {css}")]
        except StaleElementReferenceException:
            time.sleep(0.05)
    raise AssertionError("the table never held still")


def states(browser: WebDriver, index: int = 0) -> list[str]:
    return cells(browser, "td.state", index)


def wait_for(condition: Callable[[], object], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {seconds} s for {what}")
        time.sleep(0.1)


def answer_captcha(browser: WebDriver) -> bool:
    """Read the captcha in the page and answer it there, as a person would; False if none yet."""
    try:
        images = browser.find_elements(By.CSS_SELECTOR, "form.captcha img")
        if not images:
            return False
        data = images[0].get_attribute("src") or ""
        answer = read_answer(base64.b64decode(data.split(",", 1)[1]))
        assert answer is not None
        field = browser.find_element(By.CSS_SELECTOR, "form.captcha input[name=answer]")
        field.clear()
        field.send_keys(answer)
        browser.find_element(By.CSS_SELECTOR, "form.captcha button[type=submit]").click()
    except (StaleElementReferenceException, ElementNotInteractableException):
        return False  # redrawn under our hands: the typed text is kept, try again
    return True


def test_paste_resolve_answer_a_captcha_and_see_every_row_end(server: str, browser: WebDriver) -> None:
    browser.get(server)
    browser.find_element(By.ID, "paste").send_keys(POST)
    browser.find_element(By.ID, "resolve").click()
    deadline = time.monotonic() + 30
    answered = saw_countdown = False
    while time.monotonic() < deadline and "Done:" not in job_status(browser):
        saw_countdown = saw_countdown or any(re.fullmatch(r"waiting \d+ s", s) for s in states(browser))
        if not answered:
            answered = answer_captcha(browser)
        time.sleep(0.2)
    assert answered
    assert saw_countdown
    assert states(browser) == ["resolved", "resolved", "resolved", "resolved", "offline", "resolved"]
    rows = job(browser).find_elements(By.CSS_SELECTOR, "tbody tr")
    assert rows[2].find_elements(By.TAG_NAME, "td")[2].text == "openload"
    # A file name from a file host is text, never HTML: no <img> was made of it.
    assert rows[5].find_elements(By.TAG_NAME, "td")[4].text == XSS_NAME
    assert browser.find_elements(By.CSS_SELECTOR, "#jobs tbody img") == []
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    assert browser.save_screenshot(str(ARTIFACTS / "paste-page.png"))
    assert not job(browser).find_element(By.CLASS_NAME, "copy-all").get_attribute("disabled")


def test_the_page_needs_nothing_from_the_network(server: str, browser: WebDriver) -> None:
    browser.get(server)
    sources = [
        e.get_attribute("src") or e.get_attribute("href")
        for e in browser.find_elements(By.CSS_SELECTOR, "script, link, img")
    ]
    assert sources and all(str(source).startswith(server) for source in sources)
    label = browser.find_element(By.CSS_SELECTOR, "label[for=paste]")
    assert label.text == "Text with links"


def test_download_a_file_from_the_page_and_see_it_complete(server: str, browser: WebDriver, cli: CLI) -> None:
    browser.get(server)
    browser.find_element(By.ID, "paste").send_keys("https://openload.co/f/size4m-slow8-page/Film.mkv")
    browser.find_element(By.ID, "resolve").click()
    wait_for(lambda: "Done:" in job_status(browser), 20, "the link to resolve")
    job(browser).find_element(By.CLASS_NAME, "download").click()
    saw_progress = False
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and "downloaded" not in job_status(browser):
        saw_progress = saw_progress or bool(browser.find_elements(By.CSS_SELECTOR, "td.download progress"))
        time.sleep(0.05)
    assert job_status(browser) == "Done: 1 of 1 link resolved, 1 downloaded."
    assert cells(browser, "td.download") == ["saved as size4m-slow8-page.bin (sha1 verified)"]
    assert saw_progress  # the bar showed while the bytes came (8 MB/s: half a second)
    assert (cli.home / "downloads" / "size4m-slow8-page.bin").stat().st_size == 4 << 20


def test_the_accounts_view_shows_types_dates_and_fair_use(server: str, browser: WebDriver) -> None:
    browser.get(server)
    browser.find_element(By.ID, "load-accounts").click()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not browser.find_elements(By.CSS_SELECTOR, "#accounts li"):
        time.sleep(0.1)
    items = [item.text for item in browser.find_elements(By.CSS_SELECTOR, "#accounts li")]
    premiumize = next(item for item in items if item.startswith("premiumize"))
    assert "premium until 20" in premiumize
    assert browser.find_elements(By.CSS_SELECTOR, "#accounts meter")


def test_done_is_not_said_while_a_row_waits_for_its_captcha(server: str, browser: WebDriver) -> None:
    """Not when the other rows have ended, nor when their downloads have."""
    browser.get(server)
    browser.find_element(By.ID, "paste").send_keys(
        "https://openload.co/f/captcha-notdone/Extras.mkv\nhttps://rapidgator.net/file/pgnotdone/Film.mkv"
    )
    browser.find_element(By.ID, "resolve").click()
    wait_for(lambda: states(browser) == ["needs captcha", "resolved"], 20, "a captcha and a resolved row")
    assert job_status(browser) == "Still resolving: 1 of 2 links finished. 1 link needs a captcha answer."
    job(browser).find_element(By.CLASS_NAME, "download").click()
    wait_for(lambda: cells(browser, "td.download")[1].startswith("saved as"), 20, "the download")
    assert job_status(browser) == (
        "Still resolving: 1 of 2 links finished, 1 downloaded. 1 link needs a captcha answer."
    )
    wait_for(lambda: answer_captcha(browser), 10, "the captcha to be answered")
    wait_for(lambda: "Done:" in job_status(browser), 20, "the job to end")
    assert job_status(browser) == "Done: 2 of 2 links resolved, 1 downloaded."
    assert states(browser) == ["resolved", "resolved"]


@pytest.fixture
def cnl_server(cli: CLI) -> Iterator[tuple[str, str]]:
    """serve with every provider (Offcloud's folders too) and a Click'n'Load receiver: the
    page's URL and the receiver's."""
    port = free_port()
    with serving(cli, "--cnl", "--cnl-port", str(port)) as url:
        yield url, f"http://127.0.0.1:{port}"


def test_click_and_load_rows_show_live_beside_a_pasted_folder(
    cnl_server: tuple[str, str], browser: WebDriver, cli: CLI
) -> None:
    server, receiver = cnl_server
    browser.get(server)
    browser.find_element(By.ID, "paste").send_keys(
        "magnet:?xt=urn:btih:2c6b6858d61da9543d4231a71db4b1c9264b0685&dn=Holiday.pack"
    )
    browser.find_element(By.ID, "resolve").click()
    wait_for(lambda: "Done:" in job_status(browser), 20, "the folder to resolve")
    assert cells(browser, "td.file") == ["Holiday.pack (3 files)"]
    job(browser).find_element(By.CLASS_NAME, "download").click()
    wait_for(lambda: "downloaded" in job_status(browser), 30, "the folder's download")
    assert cells(browser, "td.download") == ["3 files saved"]
    saved = job(browser).find_element(By.CSS_SELECTOR, "td.download summary")
    saved.click()  # opens to the files' names
    names = [item.text for item in job(browser).find_elements(By.CSS_SELECTOR, "td.download li")]
    assert sorted(names) == sorted(path.name for path in (cli.home / "downloads").iterdir())

    # A website's Click'n'Load button sends three links; the page shows them as they come,
    # waiting for the person's word: any website can send links, none is resolved unasked.
    package = "Holiday <b>extras</b>"
    links = [
        "https://openload.co/f/captcha-cnl/Holiday.Extras.mkv",
        "https://rapidgator.net/file/cnlbr2/Holiday.Booklet.pdf",
        "https://openload.co/f/hostile6-cnl/x",
    ]
    answer = requests.post(
        f"{receiver}/flash/addcrypted2",
        data={"crypted": encrypt(links), "jk": JK, "package": package, "source": "https://forum.example/t/7"},
        timeout=10,
    )
    assert answer.text.strip() == "success"
    wait_for(lambda: len(browser.find_elements(By.CSS_SELECTOR, "#jobs section.job")) == 2, 10, "the new job")
    heading = job(browser).find_element(By.TAG_NAME, "h2").text
    assert heading == package  # the package's name, as text, not HTML
    assert "Click'n'Load" in job(browser).text  # where it came from
    assert job(browser).find_elements(By.CSS_SELECTOR, "h2 b") == []
    assert cells(browser, "td:first-child") == links
    wait_for(lambda: "Nothing is resolved until you say so" in job_status(browser), 10, "the question")
    assert job_status(browser) == (
        "A website sent 3 links by Click'n'Load. Nothing is resolved until you say so: Resolve, or Discard."
    )
    confirm = job(browser).find_element(By.CLASS_NAME, "confirm")
    assert confirm.is_displayed() and [b.text for b in confirm.find_elements(By.TAG_NAME, "button")] == [
        "Resolve",
        "Discard",
    ]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    browser.set_window_size(1400, 1300)
    assert browser.save_screenshot(str(ARTIFACTS / "paste-page-clicknload-confirm.png"))
    time.sleep(1)  # were it resolving, a row would have moved by now
    assert states(browser) == ["not resolved: confirm first"] * 3
    assert cells(browser, "td.download") == ["-"] * 3
    confirm.find_element(By.CSS_SELECTOR, "button.resolve").click()
    wait_for(lambda: not job(browser).find_element(By.CLASS_NAME, "confirm").is_displayed(), 10, "Resolve")
    wait_for(lambda: answer_captcha(browser), 20, "the Click'n'Load link's captcha")
    wait_for(lambda: "Done:" in job_status(browser), 20, "the Click'n'Load job to end")
    assert states(browser) == ["resolved", "resolved", "resolved"]
    assert cells(browser, "td.file")[2] == XSS_NAME
    assert browser.find_elements(By.CSS_SELECTOR, "#jobs tbody img") == []
    assert job_status(browser, 1) == "Done: 1 of 1 link resolved, 1 downloaded."  # the paste, below
    browser.set_window_size(1400, 1300)  # both jobs in the picture
    assert browser.save_screenshot(str(ARTIFACTS / "paste-page-clicknload.png"))

    # Another website's links, discarded: the section goes, and so does the job.
    answer = requests.post(f"{receiver}/flash/add", data={"urls": links[1], "package": "spam"}, timeout=10)
    assert answer.text.strip() == "success"
    wait_for(lambda: len(browser.find_elements(By.CSS_SELECTOR, "#jobs section.job")) == 3, 10, "the spam")
    assert job(browser).find_element(By.TAG_NAME, "h2").text == "spam"
    assert "Click'n'Load" in job(browser).text
    job(browser).find_element(By.CSS_SELECTOR, "button.discard").click()
    wait_for(lambda: len(browser.find_elements(By.CSS_SELECTOR, "#jobs section.job")) == 2, 10, "the discard")
    listed = requests.get(f"{server}/api/jobs", timeout=10).json()["jobs"]
    assert [job["package"] for job in listed] == [None, package]


def wait_for_count(browser: WebDriver, css: str, number: int, seconds: float = 10) -> None:
    def counted() -> bool:
        return len(browser.find_elements(By.CSS_SELECTOR, css)) == number

    wait_for(counted, seconds, f"{number} of {css}")


def test_eight_jobs_waiting_for_captchas_leave_the_page_working(server: str, browser: WebDriver) -> None:
    """One event stream follows every job: a browser keeps six connections to a server, and
    a stream per job would leave none for the page's requests."""
    browser.get(server)
    paste = browser.find_element(By.ID, "paste")
    for n in range(8):
        paste.clear()
        paste.send_keys(f"https://openload.co/f/captcha-many{n}/x")
        browser.find_element(By.ID, "resolve").click()
        wait_for_count(browser, "#jobs section.job", n + 1)
    wait_for_count(browser, "form.captcha", 8, seconds=20)
    for n in range(8):
        wait_for(lambda: answer_captcha(browser), 10, f"captcha {n} to be answered")
        wait_for_count(browser, "form.captcha", 7 - n)
    wait_for(lambda: all("Done:" in job_status(browser, n) for n in range(8)), 20, "every job to end")
    assert [states(browser, n) for n in range(8)] == [["resolved"]] * 8
