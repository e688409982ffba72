"""The dashboard in a real browser: Debian's Chromium, driven through chromedriver by Selenium,
against ``relmon web`` running as its own process on the demo data.

Screenshots at 390 px (a phone) and 1440 px go to ``$RELMON_TEST_OUTPUT`` (default
``tests/output``), which git ignores.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.web.conftest import ALICE, CHLOE, PASSWORD, open_runtime, web_config

pytestmark = pytest.mark.slow

OUTPUT = Path(os.environ.get("RELMON_TEST_OUTPUT", Path(__file__).parents[1] / "output"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server(demo_store, tmp_path_factory):
    config = web_config(demo_store, tmp_path_factory.mktemp("browser"))
    open_runtime(config).close()
    port = _free_port()
    relmon = Path(sys.executable).with_name("relmon")
    process = subprocess.Popen(
        [
            *(str(relmon), "--config", str(config), "web", "--listen", f"127.0.0.1:{port}"),
            *("--as-of", "2026-11-20T09:00:00Z"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if process.poll() is not None:
                pytest.fail(f"relmon web exited: {process.stderr.read().decode()[-2000:]}")
            time.sleep(0.2)
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="module")
def browser():
    if shutil.which("chromedriver") is None or shutil.which("chromium") is None:
        pytest.skip("chromium and chromium-driver are not installed (see tests/system-packages)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


def _shoot(driver, name: str, width: int) -> Path:
    """A full-page screenshot at ``width`` CSS pixels."""
    OUTPUT.mkdir(parents=True, exist_ok=True)
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(width, min(max(int(height) + 140, 600), 6000))
    path = OUTPUT / f"{name}-{width}.png"
    driver.save_screenshot(str(path))
    return path


def _replaced(err: Exception) -> bool:
    """Whether a WebDriver error says the element's document was replaced: Selenium's stale
    element, or Chromium's "does not belong to the document" for a node of a page just left."""
    from selenium.common.exceptions import StaleElementReferenceException

    return isinstance(err, StaleElementReferenceException) or (
        "does not belong to the document" in str(err)
    )


def _submit(driver, element) -> None:
    """Click, then wait for the next page to replace this one."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    page = driver.find_element(By.TAG_NAME, "html")
    element.click()

    def left(_) -> bool:  # staleness_of, knowing Chromium's other word for a stale node
        try:
            page.is_enabled()
        except WebDriverException as err:
            if _replaced(err):
                return True
            raise
        return False

    wait = WebDriverWait(driver, 30)
    wait.until(left)
    wait.until(lambda d: d.execute_script("return document.readyState") == "complete")


def _shown(driver, selector: str) -> list:
    from selenium.webdriver.common.by import By

    return [e for e in driver.find_elements(By.CSS_SELECTOR, selector) if e.is_displayed()]


def _fits_the_width(driver) -> bool:
    """Nothing on the page is wider than the window: no sideways scrolling, the charts included."""
    return bool(
        driver.execute_script(
            "const root = document.documentElement;"
            "const charts = document.querySelector('.charts');"
            "return root.scrollWidth <= root.clientWidth"
            " && (!charts || charts.scrollWidth <= charts.clientWidth);"
        )
    )


def _text(driver) -> str:
    """The page's text as shown, the body looked up again if the document was replaced between
    finding it and reading it."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.by import By

    for _ in range(2):
        try:
            return driver.find_element(By.TAG_NAME, "body").text
        except WebDriverException as err:
            if not _replaced(err):
                raise
    return driver.find_element(By.TAG_NAME, "body").text


def test_a_consultant_signs_in_sees_her_clients_acknowledges_an_alert_and_signs_out(
    server, browser
):
    from selenium.webdriver.common.by import By

    browser.set_window_size(390, 844)
    browser.get(server + "/")
    assert "/login" in browser.current_url
    browser.find_element(By.NAME, "email").send_keys(ALICE)
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    _submit(browser, browser.find_element(By.CSS_SELECTOR, "form[action='/login'] button"))

    portfolio = _text(browser)
    assert "Halden Marine" in portfolio and "Brightwater Energy" in portfolio
    assert "Kestrel Retail Group" not in portfolio and "Orchard Health Partners" not in portfolio
    for width in (390, 1440):
        assert _shoot(browser, "portfolio", width).stat().st_size > 10_000
        assert _fits_the_width(browser), f"the portfolio scrolls sideways at {width} px"

    _submit(browser, browser.find_element(By.LINK_TEXT, "Halden Marine"))
    assert browser.current_url.endswith("/clients/halden-marine")
    assert "Why each alert fires, or not" in _text(browser)
    for width in (390, 1440):
        _shoot(browser, "client", width)
        assert len(_shown(browser, "svg.panel")) == 4
        assert _fits_the_width(browser), f"the client page scrolls sideways at {width} px"

    browser.get(server + "/alerts")
    first = browser.find_element(By.CSS_SELECTOR, "li.alert")
    assert "Halden Marine" in first.text
    _submit(browser, first.find_element(By.NAME, "ack"))
    assert "is now acknowledged" in _text(browser)
    for width in (390, 1440):
        _shoot(browser, "alerts", width)
        assert _fits_the_width(browser), f"the alerts page scrolls sideways at {width} px"

    _submit(browser, browser.find_element(By.CSS_SELECTOR, "form.signout button"))
    assert "/login" in browser.current_url
    browser.get(server + "/alerts")
    assert "/login" in browser.current_url


def test_a_consultant_cannot_open_another_owners_client_by_its_address(server, browser):
    from selenium.webdriver.common.by import By

    browser.get(server + "/login")
    browser.find_element(By.NAME, "email").send_keys(ALICE)
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    _submit(browser, browser.find_element(By.CSS_SELECTOR, "form[action='/login'] button"))

    browser.get(server + "/clients/kestrel-retail-group")

    assert "Not found" in _text(browser)
    assert "Kestrel" not in _text(browser)


def test_a_form_without_its_csrf_token_is_refused(server, browser):
    from selenium.webdriver.common.by import By

    browser.get(server + "/alerts")
    if "/login" in browser.current_url:
        browser.find_element(By.NAME, "email").send_keys(ALICE)
        browser.find_element(By.NAME, "password").send_keys(PASSWORD)
        _submit(browser, browser.find_element(By.CSS_SELECTOR, "form[action='/login'] button"))
        browser.get(server + "/alerts")
    before = browser.find_elements(By.CSS_SELECTOR, "li.alert")[-1].text.splitlines()[0]
    form = browser.find_elements(By.CSS_SELECTOR, "li.alert")[-1].find_element(By.TAG_NAME, "form")
    browser.execute_script("arguments[0].querySelector('input[name=csrf]').remove()", form)
    _submit(browser, form.find_element(By.CSS_SELECTOR, "button"))

    assert "This form has expired" in _text(browser)
    browser.get(server + "/alerts")
    assert browser.find_elements(By.CSS_SELECTOR, "li.alert")[-1].text.splitlines()[0] == before


def test_the_lead_sees_every_client_and_the_operations_page(server, browser):
    from selenium.webdriver.common.by import By

    browser.delete_all_cookies()
    browser.get(server + "/login")
    browser.find_element(By.NAME, "email").send_keys(CHLOE)
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    _submit(browser, browser.find_element(By.CSS_SELECTOR, "form[action='/login'] button"))

    assert "Kestrel Retail Group" in _text(browser) and "Halden Marine" in _text(browser)
    for width in (390, 1440):
        _shoot(browser, "portfolio-lead", width)
    browser.get(server + "/operations")
    assert "Outbox" in _text(browser) and "Quarantined messages" in _text(browser)
    for width in (390, 1440):
        _shoot(browser, "operations", width)
        assert _fits_the_width(browser), f"the operations page scrolls sideways at {width} px"
