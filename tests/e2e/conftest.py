"""Real-browser tests: the system's Chromium, driven by Playwright, against pytest-django's live server.

Every page a journey visits is checked the same way (``look``): no JavaScript
errors, no broken images, no horizontal scrolling on a phone, no serious or
critical accessibility violations (axe-core), and a screenshot at desktop and
phone width into the folder named at the end of the run.
"""

from __future__ import annotations

import datetime
import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
SCREENSHOTS = (
    Path(settings.BASE_DIR) / "test-artifacts" / "screenshots" / datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
)


def pytest_terminal_summary(terminalreporter):
    if SCREENSHOTS.exists():
        count = len(list(SCREENSHOTS.glob("*.png")))
        terminalreporter.write_line(f"Browser screenshots ({count}): {SCREENSHOTS}")


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium is needed for the browser tests and was not found at {CHROMIUM}. "
            "Install it with `apt-get install -y chromium` (bin/test does this when it can), "
            "or set CHROMIUM_PATH."
        )
    # Playwright's sync API keeps an event loop in this thread while it runs;
    # the ORM calls the tests make around it are ordinary synchronous calls.
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Visitor:
    """One person with their own browser session, and a record of every JavaScript error they met."""

    def __init__(self, browser, base_url: str, name: str):
        self.context = browser.new_context(viewport=DESKTOP, base_url=base_url, locale="en-GB")
        self.page = self.context.new_page()
        self.name = name
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(f"{m.type}: {m.text}") if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))

    def close(self):
        self.context.close()


@pytest.fixture
def visitors(browser, live_server):
    created: list[Visitor] = []

    def make(name: str) -> Visitor:
        visitor = Visitor(browser, live_server.url, name)
        created.append(visitor)
        return visitor

    yield make
    errors = [f"{v.name}: {e}" for v in created for e in v.errors]
    for visitor in created:
        visitor.close()
    assert errors == [], "JavaScript errors in the browser console"


def broken_images(page) -> list[str]:
    sources = page.eval_on_selector_all("img", "imgs => imgs.map(i => i.currentSrc || i.src).filter(Boolean)")
    broken = []
    for src in dict.fromkeys(sources):
        response = page.request.get(src)
        if response.status != 200 or not response.headers.get("content-type", "").startswith("image/"):
            broken.append(f"{src} ({response.status})")
    return broken


def too_wide(page) -> list[str]:
    """The outermost elements that stick out past the right edge, to say what overflows."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('body *'))
            .filter(el => el.getBoundingClientRect().right > window.innerWidth + 1)
            .filter(el => !el.parentElement || el.parentElement.getBoundingClientRect().right <= window.innerWidth + 1)
            .slice(0, 5)
            .map(el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + '.' + [...el.classList].join('.'))"""
    )


def axe_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} -> {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def look(visitor: Visitor, name: str, *, accessibility: bool = True) -> None:
    """Check the current page at desktop and phone width, and keep screenshots of both."""
    page = visitor.page
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    problems = []
    for label, viewport in (("1280", DESKTOP), ("390", PHONE)):
        page.set_viewport_size(viewport)
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{label}.png"), full_page=True)
        if label == "390":
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            if overflow > 0:
                problems.append(f"{name}: {overflow}px of horizontal overflow at 390px, from {too_wide(page)}")
        if accessibility:
            problems += [f"{name} at {label}px: {v}" for v in axe_violations(page)]
    page.set_viewport_size(DESKTOP)
    problems += [f"{name}: broken image {src}" for src in broken_images(page)]
    assert problems == [], "\n".join(problems)
