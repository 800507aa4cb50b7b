"""The page people keep open all day, in a real browser: its look at 1280 and 390 px in light
and dark (screenshots into .artifacts/), an axe-core accessibility audit of the page with
packages shown (no serious or critical violation), no horizontal scroll on a phone, the
filters and their counts, the history view as the server offers it, and every step of a
package done with the keyboard alone."""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

import pytest
import requests
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium_axe_python.axe import Axe

from resolver_core.sandbox.captcha import read_answer

from .conftest import CLI
from .test_browser import ARTIFACTS, POST, chromium_session, job_status, serving, states, wait_for

#: The widths the page is drawn at: a desktop's and a phone's (iPhone 12 to 15).
WIDTHS: Final = (1280, 390)
#: axe-core's impacts that fail the audit.
BLOCKING: Final = frozenset({"serious", "critical"})
OFFLINE: Final = "https://rapidgator.net/file/status404"
FILM: Final = "https://openload.co/f/size4m-slow8-page/Film.mkv"


@pytest.fixture
def server(cli: CLI) -> Iterator[str]:
    with serving(cli, env={"LINKRESOLVER_DISABLE_PLUGINS": "offcloud"}) as url:
        yield url


@pytest.fixture
def browser() -> Iterator[WebDriver]:
    with chromium_session() as session:
        yield session


def emulate(browser: WebDriver, width: int, scheme: str, height: int = 900) -> None:
    """The viewport ``width`` px wide (a phone's below 600), the system's colour scheme ``scheme``."""
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600},
    )
    browser.execute_cdp_cmd(
        "Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": scheme}]}
    )


def screenshot(browser: WebDriver, name: str, width: int, scheme: str) -> Path:
    """The whole page (the viewport stretched to its height) as ARTIFACTS/NAME-WIDTH-SCHEME.png."""
    height = int(browser.execute_script("return document.documentElement.scrollHeight"))
    emulate(browser, width, scheme, height=min(max(height, 600), 6000))
    time.sleep(0.2)  # a layout for the new height
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}-{width}-{scheme}.png"
    assert browser.save_screenshot(str(path))
    emulate(browser, width, scheme)
    return path


def audit(browser: WebDriver) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it is now that would fail the audit."""
    axe = Axe(browser)
    axe.inject()  # type: ignore[no-untyped-call]
    results = axe.run()
    return [v for v in results["violations"] if v.get("impact") in BLOCKING]


def described(violations: list[dict[str, Any]]) -> str:
    return "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']}: "
        + "; ".join(node["target"][0] if node["target"] else "?" for node in v["nodes"][:5])
        for v in violations
    )


def sections(browser: WebDriver) -> list[WebElement]:
    return browser.find_elements(By.CSS_SELECTOR, "#jobs section.job")


def visible_sections(browser: WebDriver) -> list[WebElement]:
    return [section for section in sections(browser) if section.is_displayed()]


def filter_counts(browser: WebDriver) -> dict[str, int]:
    return {
        button.get_attribute("data-filter") or "": int(button.find_element(By.CLASS_NAME, "count").text)
        for button in browser.find_elements(By.CSS_SELECTOR, ".filter")
    }


def paste(
    browser: WebDriver, text: str, *, name: str = "", password: str = "", download: bool = False
) -> None:
    """Fill the paste form and resolve, waiting for the package's section to show."""
    before = len(sections(browser))
    browser.find_element(By.ID, "paste").send_keys(text)
    if name:
        browser.find_element(By.ID, "package-name").send_keys(name)
    if password:
        browser.find_element(By.ID, "package-password").send_keys(password)
    if download:
        browser.find_element(By.ID, "download-when-resolved").click()
    browser.find_element(By.ID, "resolve").click()
    wait_for(lambda: len(sections(browser)) == before + 1, 10, "the new package")


def packages_of_a_day(browser: WebDriver, server: str) -> None:
    """Three packages as the page shows them in use: a forum post waiting for a captcha (one
    of its links offline), a film downloaded when resolved, a package whose only link failed."""
    browser.get(server)
    paste(browser, POST, name="Holiday photos", password="demo")
    paste(browser, FILM, name="Film night", download=True)
    paste(browser, OFFLINE)
    wait_for(lambda: "Done:" in job_status(browser, 0), 20, "the failed package")
    wait_for(lambda: "1 downloaded" in job_status(browser, 1), 30, "the film's download")
    wait_for(
        lambda: (
            "1 link needs a captcha answer" in job_status(browser, 2) and "5 of 6" in job_status(browser, 2)
        ),
        30,
        "every link of the post but its captcha",
    )


def test_the_page_at_both_widths_in_light_and_dark_passes_axe_without_sideways_scroll(
    server: str, browser: WebDriver
) -> None:
    packages_of_a_day(browser, server)
    # "Download when resolved": the film was downloaded without another click.
    film = sections(browser)[1]
    assert (
        film.find_element(By.CSS_SELECTOR, "td.download").text
        == "saved as size4m-slow8-page.bin (sha1 verified)"
    )
    assert filter_counts(browser) == {"all": 3, "active": 1, "failed": 2, "captcha": 1}
    assert browser.title == "(1) linkresolver"  # a tab in the background says a captcha waits
    post = sections(browser)[2]
    assert post.find_element(By.CLASS_NAME, "toggle").text == "Holiday photos"
    assert post.find_element(By.CLASS_NAME, "badge").text == "Needs captcha"
    assert post.find_element(By.CLASS_NAME, "progress-text").text == "4 of 6 ok, 1 failed"
    # The password shows as the server keeps it with the package (a server that keeps none: none).
    job_id = post.get_attribute("data-job")
    kept = requests.get(f"{server}/api/jobs/{job_id}", timeout=10).json().get("password")
    shown = [code.text for code in post.find_elements(By.CSS_SELECTOR, ".password code")]
    assert shown == ([kept] if kept else [])
    assert sections(browser)[0].find_element(By.CLASS_NAME, "badge").text == "Failed"

    pictures = []
    for width in WIDTHS:
        for scheme in ("light", "dark"):
            emulate(browser, width, scheme)
            time.sleep(0.2)
            overflow = browser.execute_script(
                "return [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
            )
            assert overflow[0] <= width, f"{width} px wide in {scheme}: the page is {overflow[0]} px wide"
            # Nor is a package's table wider than its card at either width (cut off, or scrolled
            # sideways when a captcha's answer box takes the focus).
            wider = browser.execute_script(
                "return [...document.querySelectorAll('.pkg-body')]"
                ".filter(body => body.scrollWidth > body.clientWidth + 1).length"
            )
            assert wider == 0, f"{wider} package tables wider than their cards at {width} px"
            blocking = audit(browser)
            assert not blocking, f"at {width} px in {scheme}:\n{described(blocking)}"
            pictures.append(screenshot(browser, "page-packages", width, scheme))
    assert all(picture.stat().st_size > 10_000 for picture in pictures)
    # On a phone each link is a card: its cells stacked, each labelled, the table's head hidden.
    emulate(browser, 390, "light")
    time.sleep(0.2)
    cell = post.find_element(By.CSS_SELECTOR, "tbody tr td.hoster")
    assert browser.execute_script("return getComputedStyle(arguments[0]).display", cell) == "grid"
    label = browser.execute_script("return getComputedStyle(arguments[0], '::before').content", cell)
    assert label == '"Hoster"'


def test_the_filters_count_and_show_their_packages_by_keyboard(server: str, browser: WebDriver) -> None:
    packages_of_a_day(browser, server)
    names = {"failed": 2, "captcha": 1, "active": 1, "all": 3}
    for which, number in names.items():
        button = browser.find_element(By.CSS_SELECTOR, f".filter[data-filter={which}]")
        button.send_keys(Keys.SPACE)  # a button by the keyboard
        assert button.get_attribute("aria-pressed") == "true"
        assert len(visible_sections(browser)) == number, which
    browser.find_element(By.CSS_SELECTOR, ".filter[data-filter=captcha]").send_keys(Keys.ENTER)
    assert [s.find_element(By.CLASS_NAME, "toggle").text for s in visible_sections(browser)] == [
        "Holiday photos"
    ]


def test_the_history_view_is_there_when_the_server_keeps_history(server: str, browser: WebDriver) -> None:
    """A server without ``/api/history`` (404) hides the view; one with it lists its packages."""
    browser.get(server)
    paste(browser, OFFLINE)
    wait_for(lambda: "Done:" in job_status(browser), 20, "the package to end")
    browser.refresh()
    answer = requests.get(f"{server}/api/history", params={"limit": 20}, timeout=10)
    tab = browser.find_element(By.ID, "view-history")
    if answer.status_code == 404:
        time.sleep(0.5)  # the page has asked by now
        assert not tab.is_displayed()
        return
    wait_for(tab.is_displayed, 10, "the history view's button")
    tab.send_keys(Keys.ENTER)
    listed = answer.json()["packages"]
    wait_for(
        lambda: len(browser.find_elements(By.CSS_SELECTOR, "#history li")) == len(listed), 10, "the history"
    )
    assert not browser.find_element(By.ID, "packages-view").is_displayed()
    assert browser.find_element(By.ID, "history-more").is_displayed() == answer.json()["more"]
    for width in WIDTHS:
        emulate(browser, width, "light")
        assert not audit(browser)
        screenshot(browser, "page-history", width, "light")


def active(browser: WebDriver) -> WebElement:
    return browser.switch_to.active_element


def tab_to(browser: WebDriver, test: str, most: int = 40) -> WebElement:
    """Press Tab until the focused element matches the CSS ``test``; that element."""
    for _ in range(most):
        ActionChains(browser).send_keys(Keys.TAB).perform()
        if browser.execute_script("return document.activeElement.matches(arguments[0])", test):
            return active(browser)
    raise AssertionError(f"{most} presses of Tab never reached {test}")


def test_a_package_from_paste_to_captcha_answer_with_the_keyboard_only(
    server: str, browser: WebDriver
) -> None:
    browser.get(server)
    # "/" brings the paste box; Ctrl+Enter resolves what is typed there.
    ActionChains(browser).send_keys("/").perform()
    assert active(browser).get_attribute("id") == "paste"
    ActionChains(browser).send_keys(
        "https://openload.co/f/captcha-keys/Extras.mkv",
        Keys.ENTER,
        "https://rapidgator.net/file/keys2/Film.mkv",
    ).perform()
    assert tab_to(browser, "#package-name").get_attribute("id") == "package-name"
    ActionChains(browser).send_keys("By keyboard").perform()
    tab_to(browser, "#resolve")
    ActionChains(browser).send_keys(Keys.ENTER).perform()
    wait_for(lambda: len(sections(browser)) == 1, 10, "the package")
    wait_for(lambda: states(browser) == ["needs captcha", "resolved"], 20, "a captcha and a resolved link")

    # The package's heading opens and closes with Enter and Space; Escape inside it closes it.
    toggle = tab_to(browser, "section.job .toggle")
    assert toggle.text == "By keyboard"
    body = browser.find_element(By.CSS_SELECTOR, "section.job .pkg-body")
    assert toggle.get_attribute("aria-expanded") == "true" and body.is_displayed()
    ActionChains(browser).send_keys(Keys.ENTER).perform()
    assert toggle.get_attribute("aria-expanded") == "false" and not body.is_displayed()
    ActionChains(browser).send_keys(Keys.SPACE).perform()
    assert toggle.get_attribute("aria-expanded") == "true" and body.is_displayed()

    # The export menu opens with Enter and closes with Escape, focus back on it.
    menu = tab_to(browser, "section.job .export-menu summary")
    ActionChains(browser).send_keys(Keys.ENTER).perform()
    assert browser.find_element(By.CSS_SELECTOR, ".export-menu").get_attribute("open") is not None
    ActionChains(browser).send_keys(Keys.ESCAPE).perform()
    assert browser.find_element(By.CSS_SELECTOR, ".export-menu").get_attribute("open") is None
    assert active(browser) == menu

    # The captcha: Tab to its box, type what the image says, Enter.
    tab_to(browser, "form.captcha input[name=answer]")
    image = browser.find_element(By.CSS_SELECTOR, "form.captcha img").get_attribute("src") or ""
    answer = read_answer(base64.b64decode(image.split(",", 1)[1]))
    assert answer is not None
    ActionChains(browser).send_keys(answer, Keys.ENTER).perform()
    wait_for(lambda: "Done:" in job_status(browser), 20, "the package to end")
    assert states(browser) == ["resolved", "resolved"]
    assert browser.title == "linkresolver"  # no captcha waits any more

    # Escape in the open package folds it and leaves the focus on its heading.
    tab_to(browser, "section.job td button.copy")
    ActionChains(browser).send_keys(Keys.ESCAPE).perform()
    assert active(browser).get_attribute("class") == "toggle"
    assert active(browser).get_attribute("aria-expanded") == "false"
