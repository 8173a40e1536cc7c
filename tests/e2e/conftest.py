"""Browser tests: Playwright for Python driving Debian's Chromium (never a downloaded browser), against
pytest-django's live server on a real PostgreSQL. axe-core checks every page a journey visits."""

import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop here

CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
]
# Every page axe-core checks is one line of this file; tests/conftest.py sums it up when the run ends.
AXE_RESULTS = Path(os.environ.get("AXE_RESULTS", Path(tempfile.gettempdir()) / "raa-axe-results.jsonl"))


def chromium_path() -> str:
    for candidate in (os.environ.get("CHROMIUM_PATH"), shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and Path(candidate).exists():
            return candidate
    pytest.fail("Chromium is not installed: apt-get install -y chromium (.ci/run does this)")


@pytest.fixture(scope="session")
def browser():  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=chromium_path(), headless=True, args=CHROMIUM_FLAGS,
        )
        yield launched
        launched.close()


def _context(browser, live_server, *, javascript: bool):  # type: ignore[no-untyped-def]
    return browser.new_context(base_url=live_server.url, java_script_enabled=javascript, bypass_csp=True,
                               viewport={"width": 1280, "height": 900})


@pytest.fixture
def page(browser, live_server):  # type: ignore[no-untyped-def]
    context = _context(browser, live_server, javascript=True)
    yield context.new_page()
    context.close()


@pytest.fixture
def page_without_js(browser, live_server):  # type: ignore[no-untyped-def]
    context = _context(browser, live_server, javascript=False)
    yield context.new_page()
    context.close()


class Accessibility:
    """Runs axe-core on the current page; a serious or critical violation fails the test."""

    def __init__(self) -> None:
        from axe_playwright_python.sync_playwright import Axe

        self.axe = Axe()
        self.checked: list[str] = []

    def check(self, page) -> None:  # type: ignore[no-untyped-def]
        results = self.axe.run(page)
        violations = [v for v in results.response["violations"] if v.get("impact") in ("serious", "critical")]
        self.checked.append(page.url)
        with AXE_RESULTS.open("a") as out:
            out.write(json.dumps({"url": page.url, "violations": len(results.response["violations"]),
                                  "serious_or_critical": [v["id"] for v in violations],
                                  "all": [f"{v['id']} ({v.get('impact')})" for v in results.response["violations"]]})
                      + "\n")
        assert not violations, f"{page.url}: " + "; ".join(
            f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}" for v in violations
        )


    def check_without_js(self, page) -> None:  # type: ignore[no-untyped-def]
        """axe-core is JavaScript and never finishes in a page with JavaScript off: open the same address, signed
        in as the same user (the same cookies), in a twin context with JavaScript on, and check that."""
        context = page.context.browser.new_context(
            storage_state=page.context.storage_state(), java_script_enabled=True, bypass_csp=True,
            viewport={"width": 1280, "height": 900})
        try:
            twin = context.new_page()
            twin.goto(page.url)
            self.check(twin)
        finally:
            context.close()


@pytest.fixture
def a11y() -> Accessibility:
    return Accessibility()


def sign_in(page, username: str, password: str) -> None:  # type: ignore[no-untyped-def]
    page.goto("/sign-in/")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()
