"""Real-browser tests: Chromium driven by Playwright against pytest-django's live server.

They need Debian's `chromium` (at /usr/bin/chromium) and, for the page checks, Java and the
npm packages of package.json (`npm ci`: the Nu HTML Checker and axe-core). Missing, the
tests skip, or fail when CLIENTWATCH_REQUIRE_BROWSER=1 (as in CI).

Every test gets a fresh browser context (cookies, storage) on one Chromium per session.
A failed test leaves a screenshot in artifacts/screenshots/.
"""

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

# Playwright's sync API runs an asyncio loop in this thread; Django's ORM, called from the
# same thread by fixtures and assertions, would otherwise refuse to run.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("CLIENTWATCH_CHROMIUM", "/usr/bin/chromium"))
NODE_MODULES = ROOT / "node_modules"
VNU_JAR = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE_JS = NODE_MODULES / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
PAGES = ARTIFACTS / "pages"  # the HTML the browser had, as given to the checker

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
TIMEOUT_MS = 10_000  # a step that takes longer than this is broken, not slow
PASSWORD = "correct horse battery staple"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "e2e: drives a real Chromium against the live server")


def skip_or_fail(reason: str) -> None:
    if REQUIRE_BROWSER:
        pytest.fail(f"{reason} (CLIENTWATCH_REQUIRE_BROWSER=1)", pytrace=False)
    pytest.skip(reason)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator:
    """Keep each phase's report on the test item, for the screenshot on failure."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")[:120]


# The browser


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        skip_or_fail(f"{CHROMIUM} not found: apt-get install chromium chromium-driver")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("Playwright for Python is not installed: pip install playwright")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def _browser_friendly_settings(request, settings, tmp_path):
    """What the live server needs to talk plain HTTP on 127.0.0.1 to a test browser.

    Static files come from the finders (no collectstatic, no manifest), cookies are not
    limited to HTTPS, and uploads and reports go to the test's own folder.
    """
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    settings.SECURE_SSL_REDIRECT = False
    settings.SECURE_HSTS_SECONDS = 0
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def server(live_server, transactional_db) -> str:
    """The live server's base URL; the database is flushed after each test."""
    return live_server.url


class BrowserErrors(list):
    """JavaScript errors and console errors seen by a page (CSP violations show here)."""


def new_context(browser, server: str, **options):
    context = browser.new_context(base_url=server, viewport=DESKTOP, **options)
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    return context


def watch_errors(page) -> BrowserErrors:
    errors = BrowserErrors()
    page.on("pageerror", lambda exc: errors.append(f"JavaScript error: {exc}"))
    page.on(
        "console",
        lambda msg: errors.append(f"console {msg.type}: {msg.text}")
        if msg.type == "error"
        else None,
    )
    return errors


def screenshot_on_failure(request, page) -> None:
    failed = any(
        getattr(getattr(request.node, f"report_{when}", None), "failed", False)
        for when in ("setup", "call")
    )
    if failed and not page.is_closed():
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"FAILED-{slug(request.node.name)}.png"
        try:
            page.screenshot(path=str(path), full_page=True)
        except Exception as error:  # the page may be what broke; the test's error matters more
            print(f"could not take a screenshot of the failure: {error}")
        else:
            print(f"screenshot of the failure: {path.relative_to(ROOT)}")


@pytest.fixture
def page(request, browser, server):
    """A page in a fresh context, at 1280 px. A test fails on any JavaScript or console
    error the page reported."""
    context = new_context(browser, server)
    page = context.new_page()
    page.errors = watch_errors(page)
    yield page
    screenshot_on_failure(request, page)
    context.close()
    assert not page.errors, "the browser reported errors:\n" + "\n".join(page.errors)


@pytest.fixture
def page_without_js(request, browser, server):
    """A page with JavaScript switched off: forms and links on their own."""
    context = new_context(browser, server, java_script_enabled=False)
    page = context.new_page()
    yield page
    screenshot_on_failure(request, page)
    context.close()


# The page checkers


@pytest.fixture(scope="session")
def vnu() -> list[str]:
    """The command that runs the Nu HTML Checker (append the files)."""
    java = shutil.which("java")
    if java is None:
        skip_or_fail("java not found: apt-get install default-jre-headless")
    if not VNU_JAR.exists():
        skip_or_fail(f"{VNU_JAR.relative_to(ROOT)} not found: run `npm ci`")
    return [java, "-jar", str(VNU_JAR)]


@pytest.fixture(scope="session")
def axe_js() -> Path:
    if not AXE_JS.exists():
        skip_or_fail(f"{AXE_JS.relative_to(ROOT)} not found: run `npm ci`")
    return AXE_JS


# People


@pytest.fixture
def freelancer(server, factories):
    """A freelancer with an account but no clients yet."""
    return factories.user(username="maria", email="maria@example.com")
