"""Real-browser tests: the system's Chromium, driven by Playwright, against pytest-django's live server.

Every page a journey visits is checked the same way (``look``): no JavaScript
errors, no broken images, no horizontal scrolling on a phone, no serious or
critical accessibility violations (axe-core), and a screenshot at desktop and
phone width into the folder named at the end of the run.

The shop is the demo shop (``demo.loader.load_demo_shop``): real products,
drug texts, prices and pictures, which is what a customer's browser shows.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.run_name import screenshots_dir

CHROMIUM = os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium"
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
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
SCREENSHOTS = screenshots_dir()


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
    """One person with their own browser session, and a record of every JavaScript error they met.

    The desktop page is the one the journey drives. Its phone twin is a second
    browser context that emulates a phone (touch, a device pixel ratio of 2)
    and shares the desktop's cookies, so it sees the same session: ``look``
    opens the same address in it for the phone checks.
    """

    def __init__(self, browser, base_url: str, name: str):
        self.name = name
        self.errors: list[str] = []
        self.context = browser.new_context(**DESKTOP, base_url=base_url, locale="en-GB")
        self.page = self.context.new_page()
        self.listen(self.page)
        self.phone_context = browser.new_context(**PHONE, base_url=base_url, locale="en-GB")
        self.phone = self.phone_context.new_page()
        self.listen(self.phone)

    def listen(self, page) -> None:
        page.on("console", lambda m: self.errors.append(f"{m.type}: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))

    def phone_at(self, path: str | None) -> None:
        self.phone_context.clear_cookies()
        self.phone_context.add_cookies(self.context.cookies())
        self.phone.goto(path or self.page.url)
        self.phone.wait_for_load_state("load")

    def close(self):
        self.phone_context.close()
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


@pytest.fixture
def demo_shop(transactional_db):
    """The demo catalogue, over an empty search index (see tests/conftest.py)."""
    from demo.loader import load_demo_shop
    from search.index import clear_index

    clear_index()
    load_demo_shop()
    yield


def broken_images(page) -> list[str]:
    """Pictures the browser could not show, after scrolling each into view so lazy ones load too."""
    return page.evaluate(
        """async () => {
            const images = Array.from(document.images);
            for (const image of images) {
                image.scrollIntoView({block: "center"});
            }
            await Promise.all(images.map(image => image.complete ? null : new Promise(done => {
                image.addEventListener("load", done, {once: true});
                image.addEventListener("error", done, {once: true});
                setTimeout(done, 5000);
            })));
            window.scrollTo(0, 0);
            return images
                .filter(image => !image.complete || image.naturalWidth === 0)
                .map(image => image.currentSrc || image.src || image.outerHTML.slice(0, 120));
        }"""
    )


def too_wide(page) -> list[str]:
    """The outermost elements sticking out past the right edge, outside any scrolling box of their own."""
    return page.evaluate(
        """() => {
            const edge = document.documentElement.clientWidth + 1;
            const scrolls = el => {
                for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
                    if (getComputedStyle(up).overflowX !== "visible") return true;
                }
                return false;
            };
            return Array.from(document.querySelectorAll('body *'))
                .filter(el => el.getBoundingClientRect().right > edge && !scrolls(el))
                .filter(el => !el.parentElement || el.parentElement.getBoundingClientRect().right <= edge)
                .slice(0, 5)
                .map(el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + '.' + [...el.classList].join('.'));
        }"""
    )


def axe_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} -> {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def check_page(page, name: str, label: str, *, accessibility: bool) -> list[str]:
    problems = [f"{name} at {label}px: broken image {src}" for src in broken_images(page)]
    # At CSS pixels, so the phone's picture is 390 px wide like the page it shows.
    page.screenshot(path=str(SCREENSHOTS / f"{name}-{label}.png"), full_page=True, scale="css")
    if label == "390":
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        wide = too_wide(page)
        if overflow > 0 or wide:
            problems.append(f"{name}: {overflow}px of horizontal overflow at 390px, from {wide}")
    if accessibility:
        problems += [f"{name} at {label}px: {v}" for v in axe_violations(page)]
    return problems


def shot_name(visitor: Visitor, name: str) -> str:
    """Screenshots are named after who took them, and never overwrite one another."""
    name = f"{visitor.name}-{name}"
    assert not list(SCREENSHOTS.glob(f"{name}-*.png")), f"two screenshots are called {name}"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return name


def screenshot(visitor: Visitor, name: str) -> None:
    """A desktop screenshot alone, for pages that are not the shop's own (Oscar's dashboard)."""
    visitor.page.screenshot(path=str(SCREENSHOTS / f"{shot_name(visitor, name)}-1280.png"), full_page=True)


def look(visitor: Visitor, name: str, *, phone_path: str | None = None, accessibility: bool = True) -> None:
    """Check the current page on a desktop and on a phone, and keep screenshots of both.

    ``phone_path`` is where the phone goes to see the same page, when simply
    opening the desktop's address again would not show it (a one-time message).
    """
    name = shot_name(visitor, name)
    visitor.page.wait_for_load_state("load")
    problems = check_page(visitor.page, name, "1280", accessibility=accessibility)
    visitor.phone_at(phone_path)
    assert visitor.phone.url.split("?")[0] == visitor.page.url.split("?")[0], "the phone shows another page"
    problems += check_page(visitor.phone, name, "390", accessibility=accessibility)
    assert problems == [], "\n".join(problems)
