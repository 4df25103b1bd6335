"""Real-browser tests: Chromium driven by Playwright against pytest-django's live server.

They need Debian's `chromium` (/usr/bin/chromium) and Playwright for Python; the page
checks also need Java and the npm packages of package.json (`npm ci`: the Nu HTML Checker
and axe-core). Without them the tests skip, or fail when CLIENTWATCH_REQUIRE_BROWSER=1.

One Chromium per session; each test gets a fresh context. A failed test leaves a screenshot
in artifacts/screenshots/.
"""

import os
import shutil
from collections.abc import Iterator

import pytest

from tests.e2e.browser import (
    AXE_JS,
    CHROMIUM,
    CHROMIUM_ARGS,
    ROOT,
    SCREENSHOTS,
    TIMEOUT_MS,
    VNU_JAR,
    new_context,
    skip_or_fail,
    slug,
    watch_errors,
)

# Playwright's sync API runs an asyncio loop in this thread; Django's ORM, called from the
# same thread by fixtures and assertions, would otherwise refuse to run.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator:
    """Keep each phase's report on the test item, for the screenshot on failure."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session", autouse=True)
def _fresh_failure_screenshots() -> None:
    """Failure screenshots are this run's only; page screenshots are overwritten anyway."""
    for old in SCREENSHOTS.glob("FAILED-*.png"):
        old.unlink()


@pytest.fixture(autouse=True)
def _browser_friendly_settings(settings, tmp_path) -> Iterator[None]:
    """What the live server needs to serve a test browser over plain HTTP: static files from
    the finders (no collectstatic, no manifest), cookies not limited to HTTPS, no redirect
    to HTTPS; uploads and reports in the test's own folder, mail kept in memory; and no
    throttle counts (kept in the cache) left over from earlier tests from 127.0.0.1."""
    from django.core.cache import cache

    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    settings.SECURE_SSL_REDIRECT = False
    settings.SECURE_HSTS_SECONDS = 0
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    cache.clear()
    yield
    cache.clear()


# The browser


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        skip_or_fail(f"{CHROMIUM} not found: apt-get install chromium")
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        skip_or_fail("Playwright for Python is not installed (the dev dependencies)")
    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def server(live_server, transactional_db) -> str:
    """The live server's address; the database is emptied after each test."""
    return live_server.url


def screenshot_on_failure(request: pytest.FixtureRequest, page) -> None:
    failed = any(
        getattr(getattr(request.node, f"report_{when}", None), "failed", False)
        for when in ("setup", "call")
    )
    if not failed or page.is_closed():
        return
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"FAILED-{slug(request.node.name)}.png"
    try:
        page.screenshot(path=str(path), full_page=True)
    except Exception as error:  # the page may be what broke; the test's own error matters more
        print(f"no screenshot of the failure: {error}")
    else:
        print(f"screenshot of the failure: {path.relative_to(ROOT)}")


@pytest.fixture
def page(request, browser, server):
    """A page in a fresh context at 1280 px. The test fails on any JavaScript error or
    console error the page reported."""
    context = new_context(browser, server)
    page = context.new_page()
    errors = watch_errors(page)
    yield page
    screenshot_on_failure(request, page)
    context.close()
    assert not errors, "the browser reported errors:\n" + "\n".join(errors)


@pytest.fixture
def page_without_js(request, browser, server):
    """A page with JavaScript switched off: links and forms on their own."""
    context = new_context(browser, server, java_script_enabled=False)
    page = context.new_page()
    yield page
    screenshot_on_failure(request, page)
    context.close()


# The page checkers


@pytest.fixture(scope="session")
def vnu() -> list[str]:
    """The command that runs the Nu HTML Checker; append the files."""
    java = shutil.which("java")
    if java is None:
        skip_or_fail("java not found: apt-get install default-jre-headless")
    if not VNU_JAR.exists():
        skip_or_fail(f"{VNU_JAR.relative_to(ROOT)} not found: run `npm ci`")
    return [java, "-jar", str(VNU_JAR)]


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE_JS.exists():
        skip_or_fail(f"{AXE_JS.relative_to(ROOT)} not found: run `npm ci`")
    return AXE_JS.read_text()


# People


@pytest.fixture
def freelancer(server, factories):
    """Maria: an account, no clients yet. Her password is the factories' one."""
    return factories.user(username="maria", email="maria@example.com")
