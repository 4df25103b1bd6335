"""The browser side of the end-to-end tests: where things are, and how a page is opened."""

import os
import re
from pathlib import Path

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips (or fails) with the reason
    expect = None

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("CLIENTWATCH_CHROMIUM", "/usr/bin/chromium"))
VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
PAGES = ROOT / "artifacts" / "pages"  # each page's HTML as the browser had it

# CI sets this: a test that cannot get its browser or checkers must then fail, not skip.
REQUIRE_BROWSER = os.environ.get("CLIENTWATCH_REQUIRE_BROWSER") == "1"
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
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
NARROW = {"width": 320, "height": 640}  # the smallest phones still sold
TIMEOUT_MS = 10_000  # a step that takes longer than this is broken, not slow


def skip_or_fail(reason: str) -> None:
    if REQUIRE_BROWSER:
        pytest.fail(f"{reason} (CLIENTWATCH_REQUIRE_BROWSER=1)", pytrace=False)
    pytest.skip(reason)


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")[:120]


def new_context(browser, base_url: str, **options):
    """A fresh context (cookies, storage) at 1280 px."""
    context = browser.new_context(base_url=base_url, viewport=DESKTOP, **options)
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    return context


def watch_errors(page) -> list[str]:
    """A list that fills with the page's JavaScript errors and console errors (a script
    blocked by the Content-Security-Policy shows up here)."""
    errors: list[str] = []

    def on_console(message) -> None:
        if message.type != "error":
            return
        # Chromium asks for /favicon.ico on its own; the site has none, and no page links it.
        if message.location.get("url", "").endswith("/favicon.ico"):
            return
        # Chromium logs every 4xx answer. Two are the app's on purpose: a form with errors
        # comes back as 422 (htmx is told to swap it in), a throttled login as 429.
        if "status of 422" in message.text or "status of 429" in message.text:
            return
        errors.append(f"console error: {message.text} ({message.location.get('url')})")

    page.on("pageerror", lambda exc: errors.append(f"JavaScript error: {exc}"))
    page.on("console", on_console)
    return errors
